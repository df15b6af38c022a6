//! Identity providers as data: where to sign in, which scopes to ask for.
//!
//! Every URL has the public default and can be overridden, so that tests (and sovereign
//! clouds) point Mailferry somewhere else without code changes: by flags on the command
//! line, or by `MAILFERRY_MS_*` / `MAILFERRY_GOOGLE_*` environment variables
//! ([`Endpoints::from_env`]) for the desktop app, which takes no flags.

use serde::{Deserialize, Serialize};

/// The environment variable holding the Entra ID application (client) ID.
pub const MICROSOFT_CLIENT_ID_ENV: &str = "MAILFERRY_MS_CLIENT_ID";
/// The environment variable holding the Google Cloud OAuth client ID.
pub const GOOGLE_CLIENT_ID_ENV: &str = "MAILFERRY_GOOGLE_CLIENT_ID";

/// Environment variables overriding the providers' URLs, for the desktop app (which takes no
/// flags) in sovereign clouds or against a test stand-in. Unset or empty keeps the default.
pub const MS_AUTHORITY_URL_ENV: &str = "MAILFERRY_MS_AUTHORITY_URL";
pub const MS_TOKEN_URL_ENV: &str = "MAILFERRY_MS_TOKEN_URL";
pub const MS_DEVICE_CODE_URL_ENV: &str = "MAILFERRY_MS_DEVICE_CODE_URL";
pub const MS_GRAPH_URL_ENV: &str = "MAILFERRY_MS_GRAPH_URL";
pub const GOOGLE_AUTH_URL_ENV: &str = "MAILFERRY_GOOGLE_AUTH_URL";
pub const GOOGLE_TOKEN_URL_ENV: &str = "MAILFERRY_GOOGLE_TOKEN_URL";
/// The environment variable replacing Exchange Online's IMAP address.
pub const M365_IMAP_URL_ENV: &str = "MAILFERRY_M365_IMAP_URL";
/// Exchange Online's IMAP endpoint in the worldwide cloud.
pub const M365_IMAP_URL: &str = "imaps://outlook.office365.com:993";

/// Exchange Online's delegated IMAP permission.
pub const MICROSOFT_IMAP_SCOPE: &str = "https://outlook.office.com/IMAP.AccessAsUser.All";
/// App-only (client credentials) access to Exchange Online; `.default` means "the
/// application permissions an admin granted", here IMAP.AccessAsApp.
pub const MICROSOFT_APP_SCOPE: &str = "https://outlook.office365.com/.default";
/// Gmail's full IMAP access (there is no narrower scope that allows IMAP).
pub const GOOGLE_MAIL_SCOPE: &str = "https://mail.google.com/";

/// Who runs the sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Microsoft,
    Google,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Microsoft => "microsoft",
            ProviderKind::Google => "google",
        }
    }

    pub fn parse(text: &str) -> Option<ProviderKind> {
        match text.to_ascii_lowercase().as_str() {
            "microsoft" | "microsoft365" | "outlook" | "office365" => Some(ProviderKind::Microsoft),
            "google" | "gmail" => Some(ProviderKind::Google),
            _ => None,
        }
    }

    /// The person-facing name, for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            ProviderKind::Microsoft => "Microsoft",
            ProviderKind::Google => "Google",
        }
    }

    pub fn client_id_env(self) -> &'static str {
        match self {
            ProviderKind::Microsoft => MICROSOFT_CLIENT_ID_ENV,
            ProviderKind::Google => GOOGLE_CLIENT_ID_ENV,
        }
    }
}

/// Everything needed to sign in and, later, to refresh: stored next to the refresh token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    /// Microsoft: `common`, `organizations`, `consumers` or a tenant ID / domain.
    pub tenant: Option<String>,
    pub client_id: String,
    pub authorize_url: String,
    pub token_url: String,
    pub device_code_url: String,
    /// Microsoft Graph's root (`https://graph.microsoft.com`); unused for Google.
    pub graph_url: Option<String>,
    /// Space-separated scopes of a delegated (user) sign-in.
    pub scopes: String,
}

/// Overrides for a provider's URLs; `None` keeps the public default.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    /// Microsoft: the authority root replacing `https://login.microsoftonline.com`
    /// (the tenant is appended). Google: the authorize URL itself.
    pub authority_url: Option<String>,
    pub token_url: Option<String>,
    pub device_code_url: Option<String>,
    pub graph_url: Option<String>,
}

impl Endpoints {
    /// The overrides the environment sets for `kind` (the `MAILFERRY_MS_*` or
    /// `MAILFERRY_GOOGLE_*` variables); everything unset stays `None`.
    pub fn from_env(kind: ProviderKind) -> Endpoints {
        Endpoints::from_lookup(kind, |name| std::env::var(name).ok())
    }

    /// [`Endpoints::from_env`] with the variables read through `lookup`, so it can be tested
    /// without changing the process's environment under other tests.
    pub fn from_lookup(kind: ProviderKind, lookup: impl Fn(&str) -> Option<String>) -> Endpoints {
        let read = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
        };
        match kind {
            ProviderKind::Microsoft => Endpoints {
                authority_url: read(MS_AUTHORITY_URL_ENV),
                token_url: read(MS_TOKEN_URL_ENV),
                device_code_url: read(MS_DEVICE_CODE_URL_ENV),
                graph_url: read(MS_GRAPH_URL_ENV),
            },
            ProviderKind::Google => Endpoints {
                authority_url: read(GOOGLE_AUTH_URL_ENV),
                token_url: read(GOOGLE_TOKEN_URL_ENV),
                // Google's device flow cannot grant Gmail access (see device_code.rs).
                device_code_url: None,
                graph_url: None,
            },
        }
    }

    /// Each URL from `self` where set, else from `fallback` (flags first, then environment).
    pub fn or(self, fallback: Endpoints) -> Endpoints {
        Endpoints {
            authority_url: self.authority_url.or(fallback.authority_url),
            token_url: self.token_url.or(fallback.token_url),
            device_code_url: self.device_code_url.or(fallback.device_code_url),
            graph_url: self.graph_url.or(fallback.graph_url),
        }
    }
}

/// Exchange Online's IMAP endpoint: `imaps://outlook.office365.com:993`, or what
/// `MAILFERRY_M365_IMAP_URL` says. Sovereign clouds have their own host (US Government:
/// `imaps://outlook.office365.us:993`; China, operated by 21Vianet:
/// `imaps://partner.outlook.cn:993`); a test points it at a local server.
pub fn microsoft_imap_url() -> String {
    microsoft_imap_url_from(|name| std::env::var(name).ok())
}

/// [`microsoft_imap_url`] with the variable read through `lookup`.
pub fn microsoft_imap_url_from(lookup: impl Fn(&str) -> Option<String>) -> String {
    lookup(M365_IMAP_URL_ENV)
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
        .unwrap_or_else(|| M365_IMAP_URL.to_string())
}

impl ProviderConfig {
    /// Microsoft identity platform v2.0. `with_graph` adds the scopes `login users` needs.
    pub fn microsoft(
        tenant: &str,
        client_id: &str,
        endpoints: &Endpoints,
        with_graph: bool,
    ) -> ProviderConfig {
        let authority = endpoints
            .authority_url
            .as_deref()
            .unwrap_or("https://login.microsoftonline.com")
            .trim_end_matches('/');
        let base = format!("{authority}/{tenant}/oauth2/v2.0");
        // openid + profile + email ask for an id_token naming the account, so Mailferry can
        // say who signed in without an extra call.
        let mut scopes = format!("openid profile email offline_access {MICROSOFT_IMAP_SCOPE}");
        if with_graph {
            scopes.push_str(" User.Read User.ReadBasic.All");
        }
        ProviderConfig {
            kind: ProviderKind::Microsoft,
            tenant: Some(tenant.to_string()),
            client_id: client_id.to_string(),
            authorize_url: format!("{base}/authorize"),
            token_url: endpoints
                .token_url
                .clone()
                .unwrap_or_else(|| format!("{base}/token")),
            device_code_url: endpoints
                .device_code_url
                .clone()
                .unwrap_or_else(|| format!("{base}/devicecode")),
            graph_url: Some(
                endpoints
                    .graph_url
                    .clone()
                    .unwrap_or_else(|| "https://graph.microsoft.com".into()),
            ),
            scopes,
        }
    }

    /// Google's OAuth 2.0 endpoints for installed apps.
    pub fn google(client_id: &str, endpoints: &Endpoints) -> ProviderConfig {
        ProviderConfig {
            kind: ProviderKind::Google,
            tenant: None,
            client_id: client_id.to_string(),
            authorize_url: endpoints
                .authority_url
                .clone()
                .unwrap_or_else(|| "https://accounts.google.com/o/oauth2/v2/auth".into()),
            token_url: endpoints
                .token_url
                .clone()
                .unwrap_or_else(|| "https://oauth2.googleapis.com/token".into()),
            device_code_url: endpoints
                .device_code_url
                .clone()
                .unwrap_or_else(|| "https://oauth2.googleapis.com/device/code".into()),
            graph_url: None,
            scopes: format!("openid email {GOOGLE_MAIL_SCOPE}"),
        }
    }

    /// Every sign-in starts here: without the owner's app registration there is nothing to
    /// sign in to.
    pub fn require_client_id(&self) -> Result<(), super::OAuthError> {
        if self.client_id.trim().is_empty() {
            return Err(super::OAuthError::NoClientId {
                provider: self.kind,
            });
        }
        Ok(())
    }

    /// The scopes of an app-only (client credentials) token for Exchange Online.
    pub fn app_scope(&self) -> &'static str {
        MICROSOFT_APP_SCOPE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microsoft_defaults_follow_the_v2_endpoints() {
        let p = ProviderConfig::microsoft("organizations", "id", &Endpoints::default(), false);
        assert_eq!(
            p.authorize_url,
            "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize"
        );
        assert_eq!(
            p.token_url,
            "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
        );
        assert!(p.scopes.contains("offline_access"));
        assert!(p.scopes.contains(MICROSOFT_IMAP_SCOPE));
        assert!(!p.scopes.contains("User.ReadBasic.All"));
    }

    #[test]
    fn every_url_can_be_overridden() {
        let endpoints = Endpoints {
            authority_url: Some("http://127.0.0.1:9/".into()),
            graph_url: Some("http://127.0.0.1:9".into()),
            ..Endpoints::default()
        };
        let p = ProviderConfig::microsoft("common", "id", &endpoints, true);
        assert_eq!(
            p.device_code_url,
            "http://127.0.0.1:9/common/oauth2/v2.0/devicecode"
        );
        assert_eq!(p.graph_url.as_deref(), Some("http://127.0.0.1:9"));
        assert!(p.scopes.contains("User.ReadBasic.All"));
        let g = ProviderConfig::google("gid", &Endpoints::default());
        assert!(g.scopes.contains(GOOGLE_MAIL_SCOPE));
        assert_eq!(ProviderKind::parse("gmail"), Some(ProviderKind::Google));
    }

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn endpoints_come_from_the_environment_per_provider() {
        let env = env_of(&[
            (
                "MAILFERRY_MS_AUTHORITY_URL",
                "https://login.microsoftonline.us",
            ),
            ("MAILFERRY_MS_TOKEN_URL", " http://127.0.0.1:9/t "),
            ("MAILFERRY_MS_DEVICE_CODE_URL", ""),
            ("MAILFERRY_MS_GRAPH_URL", "https://graph.microsoft.us"),
            ("MAILFERRY_GOOGLE_AUTH_URL", "http://127.0.0.1:9/auth"),
        ]);
        let ms = Endpoints::from_lookup(ProviderKind::Microsoft, &env);
        assert_eq!(
            ms.authority_url.as_deref(),
            Some("https://login.microsoftonline.us")
        );
        assert_eq!(ms.token_url.as_deref(), Some("http://127.0.0.1:9/t"));
        // Empty means "the default", as unset does.
        assert_eq!(ms.device_code_url, None);
        assert_eq!(ms.graph_url.as_deref(), Some("https://graph.microsoft.us"));
        let p = ProviderConfig::microsoft("organizations", "id", &ms, false);
        assert_eq!(
            p.authorize_url,
            "https://login.microsoftonline.us/organizations/oauth2/v2.0/authorize"
        );
        assert_eq!(
            p.device_code_url,
            "https://login.microsoftonline.us/organizations/oauth2/v2.0/devicecode"
        );

        let g = Endpoints::from_lookup(ProviderKind::Google, &env);
        assert_eq!(g.authority_url.as_deref(), Some("http://127.0.0.1:9/auth"));
        assert_eq!(g.token_url, None);
        assert_eq!(g.device_code_url, None);
        assert_eq!(g.graph_url, None);

        let none = Endpoints::from_lookup(ProviderKind::Microsoft, |_| None);
        assert!(none.authority_url.is_none() && none.token_url.is_none());
        assert!(none.device_code_url.is_none() && none.graph_url.is_none());
    }

    #[test]
    fn flags_win_over_the_environment() {
        let flags = Endpoints {
            token_url: Some("http://flag/token".into()),
            ..Endpoints::default()
        };
        let env = Endpoints {
            authority_url: Some("http://env".into()),
            token_url: Some("http://env/token".into()),
            ..Endpoints::default()
        };
        let merged = flags.or(env);
        assert_eq!(merged.token_url.as_deref(), Some("http://flag/token"));
        assert_eq!(merged.authority_url.as_deref(), Some("http://env"));
        assert_eq!(merged.graph_url, None);
    }

    #[test]
    fn the_exchange_imap_address_can_be_replaced() {
        assert_eq!(
            microsoft_imap_url_from(|_| None),
            "imaps://outlook.office365.com:993"
        );
        assert_eq!(
            microsoft_imap_url_from(env_of(&[("MAILFERRY_M365_IMAP_URL", "")])),
            "imaps://outlook.office365.com:993"
        );
        assert_eq!(
            microsoft_imap_url_from(env_of(&[(
                "MAILFERRY_M365_IMAP_URL",
                "imaps://outlook.office365.us:993"
            )])),
            "imaps://outlook.office365.us:993"
        );
    }
}
