//! "Connect Microsoft 365": the script for the owner's tenant to paste into Azure Cloud
//! Shell, and the check of what it set up (signing in on the way, so a passed check leaves
//! Mailferry signed in).

use std::time::Duration;

use mailferry::oauth::setup_check::{self, MailboxTarget};
use mailferry::oauth::setup_script::{self, SetupScriptError};
use mailferry::oauth::{self, Endpoints, ProviderConfig, ProviderKind, SignInOptions, SignInRef};
use mailferry::tls::{Trust, TrustOptions};
use serde::Deserialize;

use super::setup_types::{SetupPath, SetupReport, SetupScriptRequest};
use crate::error::{explain, AppError, AppResult};

/// How long the check waits for the browser sign-in.
const BROWSER_WAIT: Duration = Duration::from_secs(10 * 60);

/// The Cloud Shell script that registers Mailferry for `request`.
#[tauri::command]
#[specta::specta]
pub fn microsoft_setup_script(request: SetupScriptRequest) -> AppResult<String> {
    setup_script::setup_script(&request.into()).map_err(|e| match e {
        SetupScriptError::BadTenant(_) => AppError::input(
            e.to_string(),
            "Enter your organisation's domain, for example contoso.com or contoso.onmicrosoft.com.",
        ),
        SetupScriptError::BadMailbox(_) => {
            AppError::input(e.to_string(), "Enter the mailbox's full address.")
        }
    })
}

/// What to check.
#[derive(Debug, Clone, Deserialize, specta::Type)]
pub struct SetupCheckRequest {
    pub path: SetupPath,
    /// The Application (client) ID the script printed.
    pub client_id: String,
    /// The organisation's domain or tenant ID (work accounts).
    pub tenant: Option<String>,
    /// The account expected to sign in (the admin).
    pub login_hint: Option<String>,
    /// A mailbox to open over IMAP, as the migration will.
    pub sample_mailbox: Option<String>,
    /// App-only: the app's stored sign-in (made with its secret or certificate).
    pub sign_in: Option<String>,
    /// Also ask to read the organisation's user list (Microsoft Graph).
    pub with_directory: bool,
}

/// Checks every piece of the setup and says what is missing. Work and personal accounts
/// sign in in the browser; the app-only path checks its stored sign-in.
#[tauri::command]
#[specta::specta]
pub async fn check_microsoft_setup(request: SetupCheckRequest) -> AppResult<SetupReport> {
    let target = MailboxTarget {
        imap_url: oauth::microsoft_imap_url(),
        mailbox: request
            .sample_mailbox
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_string),
        trust: Trust::new(&TrustOptions::default()).map_err(explain)?,
    };
    if request.path == SetupPath::App {
        let name = request.sign_in.as_deref().unwrap_or("").trim();
        if name.is_empty() {
            return Err(AppError::input(
                "the app has not signed in yet",
                "Enter the client secret or choose the certificate, sign the app in, then check again.",
            ));
        }
        let reference = SignInRef::parse(name).map_err(explain)?;
        return Ok(setup_check::check_stored_setup(&reference, target)
            .await
            .into());
    }
    let client_id = setup_script::parse_client_id(&request.client_id).ok_or_else(|| {
        AppError::input(
            "this is not an Application (client) ID",
            "Paste the ID the setup script printed: 32 letters and digits in groups, like 9e5f94bc-e8a4-4e73-b8be-63364c29d753.",
        )
    })?;
    let tenant = match request.path {
        SetupPath::Personal => "consumers".to_string(),
        _ => request
            .tenant
            .as_deref()
            .and_then(setup_script::parse_tenant)
            .ok_or_else(|| {
                AppError::input(
                    "the organisation's domain is missing",
                    "Enter your organisation's domain, for example contoso.com.",
                )
            })?,
    };
    let endpoints = Endpoints::from_env(ProviderKind::Microsoft);
    let config = ProviderConfig::microsoft(&tenant, &client_id, &endpoints, request.with_directory);
    let options = SignInOptions {
        login_hint: request
            .login_hint
            .map(|hint| hint.trim().to_string())
            .filter(|hint| !hint.is_empty()),
        client_secret: None,
        timeout: Some(BROWSER_WAIT),
    };
    Ok(
        setup_check::check_browser_setup(request.path.into(), config, options, target, |url| {
            tauri_plugin_opener::open_url(url, None::<&str>).map_err(|e| {
                oauth::OAuthError::Loopback(format!("the browser could not be opened: {e}"))
            })
        })
        .await
        .into(),
    )
}
