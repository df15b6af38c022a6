//! The window's own types for sign-ins: who signed in, the sign-ins kept in the keyring, and
//! the organisation's users read from Microsoft Graph. Converted from the engine's here, so
//! an engine change shows up in this file and in ui/src/bindings.ts, never silently.

use mailferry::oauth as engine;
use serde::{Deserialize, Serialize};

/// Who runs the sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    Microsoft,
    Google,
}

impl From<engine::ProviderKind> for ProviderKind {
    fn from(kind: engine::ProviderKind) -> Self {
        match kind {
            engine::ProviderKind::Microsoft => ProviderKind::Microsoft,
            engine::ProviderKind::Google => ProviderKind::Google,
        }
    }
}

// The window names the provider of a sign-in it asks for.
impl From<ProviderKind> for engine::ProviderKind {
    fn from(kind: ProviderKind) -> Self {
        match kind {
            ProviderKind::Microsoft => engine::ProviderKind::Microsoft,
            ProviderKind::Google => engine::ProviderKind::Google,
        }
    }
}

/// The name of a stored sign-in, as typed on the command line: `microsoft:admin@contoso.com`
/// for a person's sign-in, `microsoft-app:<tenant>` for an app's own (client credentials).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, specta::Type)]
pub struct SignInRef {
    pub provider: ProviderKind,
    /// The account (lower-case email), or the tenant for an app sign-in.
    pub account: String,
    /// Client credentials: the app signs in as itself.
    pub app: bool,
}

impl From<engine::SignInRef> for SignInRef {
    fn from(r: engine::SignInRef) -> Self {
        let engine::SignInRef {
            provider,
            account,
            app,
        } = r;
        SignInRef {
            provider: provider.into(),
            account,
            app,
        }
    }
}

/// A completed, stored sign-in.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SignedIn {
    /// `microsoft:alice@contoso.com`, the name to use it by.
    pub name: String,
    pub reference: SignInRef,
    pub account: String,
}

impl From<engine::SignedIn> for SignedIn {
    fn from(s: engine::SignedIn) -> Self {
        let engine::SignedIn {
            name,
            reference,
            account,
        } = s;
        SignedIn {
            name,
            reference: reference.into(),
            account,
        }
    }
}

/// What `login list` shows: no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SignInInfo {
    /// `microsoft:admin@contoso.com`, to pass to `--dest-login` and friends.
    pub name: String,
    pub provider: ProviderKind,
    pub account: String,
    pub app: bool,
    pub tenant: Option<String>,
    pub client_id: String,
    /// An app signing in with a certificate: its SHA-1 thumbprint, as Entra ID shows it.
    #[serde(default)]
    pub certificate_thumbprint: Option<String>,
    /// When it was stored (seconds since the epoch).
    pub stored_at: i64,
}

impl From<engine::SignInInfo> for SignInInfo {
    fn from(i: engine::SignInInfo) -> Self {
        let engine::SignInInfo {
            name,
            provider,
            account,
            app,
            tenant,
            client_id,
            certificate_thumbprint,
            stored_at,
        } = i;
        SignInInfo {
            name,
            provider: provider.into(),
            account,
            app,
            tenant,
            client_id,
            certificate_thumbprint,
            stored_at,
        }
    }
}

/// One directory user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GraphUser {
    pub display_name: Option<String>,
    /// The primary SMTP address; `None` for users without a mailbox.
    pub mail: Option<String>,
    pub user_principal_name: String,
}

impl From<engine::GraphUser> for GraphUser {
    fn from(u: engine::GraphUser) -> Self {
        let engine::GraphUser {
            display_name,
            mail,
            user_principal_name,
        } = u;
        GraphUser {
            display_name,
            mail,
            user_principal_name,
        }
    }
}
