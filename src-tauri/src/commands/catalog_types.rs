//! The window's own types for the provider presets it offers (Gmail, Outlook.com, …),
//! converted from the engine's `presets.json` entries field by field.

use mailferry::presets as engine;
use serde::Serialize;

/// How users of a provider prove who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SignIn {
    /// The mailbox's normal password.
    Password,
    /// A separate app password the user creates in the provider's account settings.
    AppPassword,
    /// Only OAuth2 ("Sign in with …") works.
    Oauth,
}

impl From<engine::SignIn> for SignIn {
    fn from(sign_in: engine::SignIn) -> Self {
        match sign_in {
            engine::SignIn::Password => SignIn::Password,
            engine::SignIn::AppPassword => SignIn::AppPassword,
            engine::SignIn::Oauth => SignIn::Oauth,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum PresetSecurity {
    Tls,
    Starttls,
    None,
}

impl From<engine::PresetSecurity> for PresetSecurity {
    fn from(security: engine::PresetSecurity) -> Self {
        match security {
            engine::PresetSecurity::Tls => PresetSecurity::Tls,
            engine::PresetSecurity::Starttls => PresetSecurity::Starttls,
            engine::PresetSecurity::None => PresetSecurity::None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
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

impl From<engine::Preset> for Preset {
    fn from(p: engine::Preset) -> Self {
        let engine::Preset {
            id,
            name,
            host,
            port,
            security,
            sign_in,
            oauth,
            max_connections,
            max_message_bytes,
            daily_download_mb,
            help,
            folder_hints,
        } = p;
        Preset {
            id,
            name,
            host,
            port,
            security: security.into(),
            sign_in: sign_in.into(),
            oauth,
            max_connections,
            max_message_bytes,
            daily_download_mb,
            help,
            folder_hints,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_gets_every_preset_as_the_engine_describes_it() {
        let presets = engine::all();
        assert!(!presets.is_empty());
        for preset in presets {
            let engine_json = serde_json::to_value(&preset).expect("engine JSON");
            let window_json = serde_json::to_value(Preset::from(preset)).expect("window JSON");
            assert_eq!(window_json, engine_json);
        }
    }
}
