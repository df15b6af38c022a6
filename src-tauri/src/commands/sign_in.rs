//! "Sign in with Microsoft" and "Sign in with Google": the browser does the signing in, the
//! engine keeps the refresh token in the keyring, and the window learns only who signed in.

use std::path::Path;
use std::time::Duration;

use mailferry::oauth::{
    self, AppCredential, ClientCertificate, ClientIdOrigin, Endpoints, ProviderConfig,
    ProviderKind, Purpose, SignInOptions, SignInRef, TokenSource,
};
use mailferry::secrets::SecretString;
use serde::{Deserialize, Serialize};
use tauri::State;

use super::sign_in_types::{self as window, GraphUser, SignInInfo, SignedIn};
use crate::app_state::AppState;
use crate::blocking::keyring;
use crate::error::{explain, AppError, AppResult};

/// How long the window waits for the browser before giving up on a sign-in.
const BROWSER_WAIT: Duration = Duration::from_secs(10 * 60);

/// What the sign-in screens start with: the app registrations configured on this computer,
/// and where Exchange Online's IMAP service is.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SignInSettings {
    /// The Entra ID application (client) ID, from `MAILFERRY_MS_CLIENT_ID` or built into
    /// this build, if either.
    pub microsoft_client_id: Option<String>,
    /// The Google OAuth client ID, from `MAILFERRY_GOOGLE_CLIENT_ID` or built in, if either.
    pub google_client_id: Option<String>,
    /// The Microsoft client ID is built into this build: nothing to set up.
    pub microsoft_built_in: bool,
    /// The Google client ID (and its secret) is built into this build.
    pub google_built_in: bool,
    /// Exchange Online's IMAP address (`imaps://outlook.office365.com:993` worldwide).
    pub microsoft_imap_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct SignInRequest {
    pub provider: window::ProviderKind,
    /// The application (client) ID of the owner's app registration.
    pub client_id: String,
    /// Microsoft only: `organizations` (work accounts), `consumers` (Outlook.com/Hotmail),
    /// `common`, or the tenant's ID or domain.
    pub tenant: Option<String>,
    /// The account expected; the browser suggests it.
    pub login_hint: Option<String>,
    /// Also ask to read the organisation's user list (Microsoft Graph), to fill in the users.
    pub with_directory: bool,
}

#[tauri::command]
#[specta::specta]
pub fn sign_in_settings() -> SignInSettings {
    let microsoft = oauth::resolve_client_id(ProviderKind::Microsoft, None);
    let google = oauth::resolve_client_id(ProviderKind::Google, None);
    let built_in = |found: &Option<(String, ClientIdOrigin)>| {
        matches!(found, Some((_, ClientIdOrigin::BuiltIn)))
    };
    SignInSettings {
        microsoft_built_in: built_in(&microsoft),
        google_built_in: built_in(&google),
        microsoft_client_id: microsoft.map(|(id, _)| id),
        google_client_id: google.map(|(id, _)| id),
        microsoft_imap_url: oauth::microsoft_imap_url(),
    }
}

/// Opens the system browser on the provider's sign-in page and waits for it to come back
/// to Mailferry (a loopback address on this computer). Resolves to who signed in.
#[tauri::command]
#[specta::specta]
pub async fn sign_in(request: SignInRequest) -> AppResult<SignedIn> {
    let (config, options) = prepare(request).await?;
    let pending = oauth::start_interactive(config, options)
        .await
        .map_err(explain)?;
    tauri_plugin_opener::open_url(&pending.authorize_url, None::<&str>).map_err(|e| {
        AppError::local(
            format!("the browser could not be opened: {e}"),
            "Set a default web browser for this computer, then try again.",
        )
    })?;
    pending.complete().await.map(Into::into).map_err(explain)
}

/// How the app registration proves who it is. The window sends a certificate's file paths,
/// never its key: the backend reads the files and keeps the key in the keyring.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AppCredentialInput {
    /// A client secret's Value.
    Secret { secret: String },
    /// A certificate uploaded to the registration (PEM), with its private key in the same
    /// file or in a file of its own.
    #[serde(rename_all = "camelCase")]
    Certificate {
        certificate_path: String,
        private_key_path: Option<String>,
    },
}

/// Microsoft 365 without a person signing in: the app's own registration with a client secret
/// or a certificate (client credentials). The credential is checked by fetching a token, then
/// kept in the keyring with the sign-in; Exchange still needs the app given the mailboxes.
#[tauri::command]
#[specta::specta]
pub async fn sign_in_app(
    tenant: String,
    client_id: String,
    credential: AppCredentialInput,
) -> AppResult<SignedIn> {
    let tenant = tenant.trim();
    if tenant.is_empty() || matches!(tenant, "common" | "organizations" | "consumers") {
        return Err(AppError::input(
            "the app signs in to one tenant",
            "Enter your tenant's domain (contoso.onmicrosoft.com) or its ID.",
        ));
    }
    let credential = match credential {
        AppCredentialInput::Secret { secret } if secret.trim().is_empty() => {
            return Err(AppError::input(
                "the client secret is empty",
                "Copy the secret's Value from Certificates & secrets in the app registration.",
            ))
        }
        AppCredentialInput::Secret { secret } => {
            AppCredential::Secret(SecretString::new(secret.trim().to_string()))
        }
        AppCredentialInput::Certificate {
            certificate_path,
            private_key_path,
        } => AppCredential::Certificate(
            ClientCertificate::from_files(
                Path::new(&certificate_path),
                private_key_path.as_deref().map(Path::new),
            )
            .map_err(explain)?,
        ),
    };
    let endpoints = Endpoints::from_env(ProviderKind::Microsoft);
    let config = ProviderConfig::microsoft(tenant, client_id.trim(), &endpoints, false);
    oauth::sign_in_app(config, credential)
        .await
        .map(Into::into)
        .map_err(explain)
}

/// A sign-in on another device: what to show while the person enters the code there.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DeviceSignIn {
    /// Pass to `finish_device_sign_in`.
    pub id: u32,
    pub user_code: String,
    pub verification_uri: String,
    /// The provider's own instruction, when it gives one.
    pub message: Option<String>,
}

/// The fallback when this computer's browser cannot be used (RFC 8628): a code to enter at
/// the provider's page on any device.
#[tauri::command]
#[specta::specta]
pub async fn start_device_sign_in(
    state: State<'_, AppState>,
    request: SignInRequest,
) -> AppResult<DeviceSignIn> {
    let (config, options) = prepare(request).await?;
    let pending = oauth::start_device_code(config, options)
        .await
        .map_err(explain)?;
    let shown = DeviceSignIn {
        id: 0,
        user_code: pending.user_code.clone(),
        verification_uri: pending.verification_uri.clone(),
        message: pending.message.clone(),
    };
    let mut waiting = state
        .device_sign_ins
        .lock()
        .map_err(|_| AppError::local("the sign-in list is unusable", "Restart Mailferry."))?;
    let id = waiting.keys().max().map_or(1, |last| last + 1);
    waiting.insert(id, pending);
    Ok(DeviceSignIn { id, ..shown })
}

/// Waits until the person entered the code and signed in (or the code expired).
#[tauri::command]
#[specta::specta]
pub async fn finish_device_sign_in(state: State<'_, AppState>, id: u32) -> AppResult<SignedIn> {
    let pending = state
        .device_sign_ins
        .lock()
        .map_err(|_| AppError::local("the sign-in list is unusable", "Restart Mailferry."))?
        .remove(&id)
        .ok_or_else(|| {
            AppError::input(
                "this sign-in code is no longer waiting",
                "Start the sign-in again.",
            )
        })?;
    pending.wait().await.map(Into::into).map_err(explain)
}

/// The provider configuration and options a sign-in request describes.
async fn prepare(request: SignInRequest) -> AppResult<(ProviderConfig, SignInOptions)> {
    let client_id = request.client_id.trim();
    let provider: ProviderKind = request.provider.into();
    let endpoints = Endpoints::from_env(provider);
    let config = match provider {
        ProviderKind::Microsoft => {
            let tenant = request
                .tenant
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .unwrap_or("organizations");
            ProviderConfig::microsoft(tenant, client_id, &endpoints, request.with_directory)
        }
        ProviderKind::Google => ProviderConfig::google(client_id, &endpoints),
    };
    // Google gives desktop apps a client "secret" its token endpoint insists on (it is not
    // confidential in an installed app, but it is still kept out of the window).
    let client_secret = match provider {
        ProviderKind::Google => google_client_secret(client_id).await?,
        ProviderKind::Microsoft => None,
    };
    let options = SignInOptions {
        login_hint: request
            .login_hint
            .map(|hint| hint.trim().to_string())
            .filter(|hint| !hint.is_empty()),
        client_secret,
        timeout: Some(BROWSER_WAIT),
    };
    Ok((config, options))
}

/// Keeps a Google OAuth client's secret in the keyring, under its client ID; one way only.
#[tauri::command]
#[specta::specta]
pub async fn store_client_secret(client_id: String, secret: String) -> AppResult<()> {
    let client_id = client_id.trim().to_string();
    if client_id.is_empty() || secret.trim().is_empty() {
        return Err(AppError::input(
            "the client ID and its secret are both needed",
            "Copy both from Google Cloud Console → APIs & Services → Credentials.",
        ));
    }
    keyring(move || {
        mailferry::secrets::keyring_set(
            &client_secret_account(&client_id),
            &SecretString::new(secret.trim().to_string()),
        )
    })
    .await
}

fn client_secret_account(client_id: &str) -> String {
    format!("oauth-client:google:{client_id}")
}

/// The stored secret of a Google client, or `MAILFERRY_GOOGLE_CLIENT_SECRET`.
async fn google_client_secret(client_id: &str) -> AppResult<Option<SecretString>> {
    let account = client_secret_account(client_id);
    let stored = keyring(move || mailferry::secrets::keyring_get(&account)).await?;
    let built_in = (oauth::builtin_client_id(ProviderKind::Google) == Some(client_id))
        .then(oauth::builtin::builtin_google_client_secret)
        .flatten();
    Ok(stored
        .or_else(|| env_value("MAILFERRY_GOOGLE_CLIENT_SECRET").map(SecretString::new))
        .or(built_in))
}

/// The sign-ins stored in the keyring (names and accounts only).
#[tauri::command]
#[specta::specta]
pub async fn list_sign_ins() -> AppResult<Vec<SignInInfo>> {
    let list = keyring(oauth::list_sign_ins).await?;
    Ok(list.into_iter().map(Into::into).collect())
}

/// Forgets a sign-in: its refresh token leaves the keyring. `false` when there was none.
#[tauri::command]
#[specta::specta]
pub async fn forget_sign_in(name: String) -> AppResult<bool> {
    let reference = SignInRef::parse(&name).map_err(explain)?;
    keyring(move || oauth::forget_sign_in(&reference)).await
}

/// The organisation's users with a mailbox, from Microsoft Graph, to fill in the users table.
#[tauri::command]
#[specta::specta]
pub async fn directory_users(sign_in: String) -> AppResult<Vec<GraphUser>> {
    let reference = SignInRef::parse(&sign_in).map_err(explain)?;
    let source = keyring(move || TokenSource::shared(&reference, Purpose::Graph)).await?;
    let users = oauth::list_users(&source).await.map_err(explain)?;
    Ok(users.into_iter().map(Into::into).collect())
}

fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
