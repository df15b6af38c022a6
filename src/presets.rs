//! Provider presets: where Gmail, Outlook.com, Yahoo, iCloud, AOL and Microsoft 365 keep their
//! IMAP servers and what they demand. Kept as data (`presets.json`) so adding a provider, or
//! correcting one, never touches migration code, and the window can show the same help text.

use serde::{Deserialize, Serialize};

use crate::endpoint::{Endpoint, Security};

/// How users of a provider prove who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignIn {
    /// The mailbox's normal password.
    Password,
    /// A separate app password the user creates in the provider's account settings.
    AppPassword,
    /// Only OAuth2 ("Sign in with …") works.
    Oauth,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preset {
    pub id: String,
    pub name: String,
    /// `None` for "Other", where the user types the server.
    pub host: Option<String>,
    pub port: u16,
    pub security: PresetSecurity,
    pub sign_in: SignIn,
    /// Which OAuth2 identity provider the provider uses, if any (`google`, `microsoft`).
    pub oauth: Option<String>,
    /// Simultaneous IMAP connections the provider allows one account.
    pub max_connections: u32,
    /// The largest message the provider accepts, when known.
    pub max_message_bytes: Option<u64>,
    /// Provider's daily IMAP download budget (Gmail), beyond which it refuses until tomorrow.
    pub daily_download_mb: Option<u64>,
    /// Steps the user must take first, shown as they are.
    pub help: String,
    pub folder_hints: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PresetSecurity {
    Tls,
    Starttls,
    None,
}

impl From<PresetSecurity> for Security {
    fn from(value: PresetSecurity) -> Security {
        match value {
            PresetSecurity::Tls => Security::Tls,
            PresetSecurity::Starttls => Security::StartTls,
            PresetSecurity::None => Security::None,
        }
    }
}

const PRESETS_JSON: &str = include_str!("presets.json");

/// Every preset, in the order the window shows them.
pub fn all() -> Vec<Preset> {
    // The file is part of the program; a unit test proves it parses.
    serde_json::from_str(PRESETS_JSON).unwrap_or_default()
}

pub fn find(id: &str) -> Option<Preset> {
    all().into_iter().find(|p| p.id.eq_ignore_ascii_case(id))
}

impl Preset {
    /// The server for one user of this provider; `None` for "Other" (no server known).
    pub fn endpoint(&self, user: &str) -> Option<Endpoint> {
        Some(Endpoint {
            host: self.host.clone()?,
            port: self.port,
            security: self.security.into(),
            user: user.to_string(),
        })
    }

    /// Whether password sign-in can work at all with this provider.
    pub fn accepts_passwords(&self) -> bool {
        self.sign_in != SignIn::Oauth
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_parse_and_cover_the_providers() {
        let ids: Vec<String> = all().into_iter().map(|p| p.id).collect();
        assert_eq!(
            ids,
            [
                "gmail",
                "outlook",
                "yahoo",
                "icloud",
                "aol",
                "microsoft365",
                "other"
            ]
        );
    }

    #[test]
    fn gmail_preset() {
        let gmail = find("Gmail").unwrap();
        let endpoint = gmail.endpoint("me@gmail.com").unwrap();
        assert_eq!(
            (endpoint.host.as_str(), endpoint.port, endpoint.security),
            ("imap.gmail.com", 993, Security::Tls)
        );
        assert_eq!(gmail.max_connections, 15);
        assert_eq!(gmail.daily_download_mb, Some(2500));
        assert!(gmail.help.contains("app password"));
        assert!(gmail.accepts_passwords());
    }

    #[test]
    fn outlook_needs_sign_in() {
        let outlook = find("outlook").unwrap();
        assert!(!outlook.accepts_passwords());
        assert!(outlook.help.contains("16 September 2024"));
        assert!(find("other").unwrap().endpoint("x").is_none());
    }
}
