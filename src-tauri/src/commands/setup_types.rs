//! The window's own types for "Connect Microsoft 365": what the setup script is made for, and
//! the verdict on each piece of the setup. The requests go into the engine's types, the
//! verdicts come out of them, converted here field by field.

use mailferry::oauth::setup_check as check;
use mailferry::oauth::setup_script as script;
use serde::{Deserialize, Serialize};

use super::sign_in_types::SignedIn;

/// Which registration the script makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SetupPath {
    /// A Microsoft 365 admin signs in (delegated, Full Access per mailbox).
    Admin,
    /// The app signs in as itself (client credentials, IMAP.AccessAsApp).
    App,
    /// Outlook.com / Hotmail mailboxes: each person signs in and consents for themselves.
    Personal,
}

impl From<SetupPath> for script::SetupPath {
    fn from(path: SetupPath) -> Self {
        match path {
            SetupPath::Admin => script::SetupPath::Admin,
            SetupPath::App => script::SetupPath::App,
            SetupPath::Personal => script::SetupPath::Personal,
        }
    }
}

/// What the script is generated for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SetupScriptRequest {
    pub path: SetupPath,
    /// The tenant's domain (contoso.com, contoso.onmicrosoft.com) or ID; ignored for
    /// personal accounts.
    pub tenant: String,
    /// Admin path: the account that signs in, to be given Full Access to `mailboxes`.
    pub admin: Option<String>,
    /// Mailboxes to open: Full Access for the admin or the app.
    pub mailboxes: Vec<String>,
}

impl From<SetupScriptRequest> for script::SetupScriptRequest {
    fn from(r: SetupScriptRequest) -> Self {
        script::SetupScriptRequest {
            path: r.path.into(),
            tenant: r.tenant,
            admin: r.admin,
            mailboxes: r.mailboxes,
        }
    }
}

/// One piece of the setup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SetupItem {
    /// The app registration exists in the tenant (and its credential works, app-only).
    App,
    /// The browser sign-in comes back to Mailferry (redirect URI, public client flows).
    SignIn,
    /// Consent for Mailferry's permissions (admin consent for an organisation).
    Consent,
    /// The token carries IMAP.AccessAsUser.All (IMAP.AccessAsApp app-only).
    ImapPermission,
    /// The sample mailbox opens over IMAP with the token (Full Access).
    MailboxAccess,
}

impl From<check::SetupItem> for SetupItem {
    fn from(item: check::SetupItem) -> Self {
        match item {
            check::SetupItem::App => SetupItem::App,
            check::SetupItem::SignIn => SetupItem::SignIn,
            check::SetupItem::Consent => SetupItem::Consent,
            check::SetupItem::ImapPermission => SetupItem::ImapPermission,
            check::SetupItem::MailboxAccess => SetupItem::MailboxAccess,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum CheckStatus {
    Passed,
    Failed,
    /// Not reached (an earlier piece failed) or not checkable from here.
    NotChecked,
}

impl From<check::CheckStatus> for CheckStatus {
    fn from(status: check::CheckStatus) -> Self {
        match status {
            check::CheckStatus::Passed => CheckStatus::Passed,
            check::CheckStatus::Failed => CheckStatus::Failed,
            check::CheckStatus::NotChecked => CheckStatus::NotChecked,
        }
    }
}

/// The verdict on one piece, with what to do when it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SetupCheck {
    pub item: SetupItem,
    pub status: CheckStatus,
    /// What is wrong, in a sentence.
    pub problem: Option<String>,
    /// What to do about it, in a sentence.
    pub fix: Option<String>,
    /// The one command that fixes it (Azure Cloud Shell, PowerShell), to copy.
    pub command: Option<String>,
    /// The one page that fixes it (admin consent, Cloud Shell), to open.
    pub link: Option<String>,
}

impl From<check::SetupCheck> for SetupCheck {
    fn from(c: check::SetupCheck) -> Self {
        let check::SetupCheck {
            item,
            status,
            problem,
            fix,
            command,
            link,
        } = c;
        SetupCheck {
            item: item.into(),
            status: status.into(),
            problem,
            fix,
            command,
            link,
        }
    }
}

/// Every verdict, and the sign-in the check made (kept: a passed check leaves Mailferry
/// signed in).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SetupReport {
    pub checks: Vec<SetupCheck>,
    pub signed_in: Option<SignedIn>,
}

impl From<check::SetupReport> for SetupReport {
    fn from(r: check::SetupReport) -> Self {
        let check::SetupReport { checks, signed_in } = r;
        SetupReport {
            checks: checks.into_iter().map(Into::into).collect(),
            signed_in: signed_in.map(Into::into),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_request_from_the_window_reaches_the_engine_whole() {
        let from_window: SetupScriptRequest = serde_json::from_value(serde_json::json!({
            "path": "admin",
            "tenant": "contoso.com",
            "admin": "admin@contoso.com",
            "mailboxes": ["alice@contoso.com", "bob@contoso.com"],
        }))
        .expect("request");
        let engine: script::SetupScriptRequest = from_window.clone().into();
        assert_eq!(
            serde_json::to_value(&engine).expect("engine JSON"),
            serde_json::to_value(&from_window).expect("window JSON")
        );
        for (window, engine) in [
            (SetupPath::Admin, script::SetupPath::Admin),
            (SetupPath::App, script::SetupPath::App),
            (SetupPath::Personal, script::SetupPath::Personal),
        ] {
            assert_eq!(script::SetupPath::from(window), engine);
        }
    }
}
