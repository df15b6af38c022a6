//! Who still has to sign in for a batch, and the sign-in to offer beside a mailbox whose
//! sign-in was refused. The rule is the engine's (`app::mailbox_sign_ins`); here it is read
//! with the keyring's list and handed to the window ready to pass to `sign_in`.

use mailferry::app::mailbox_sign_ins::{self, Row};
use mailferry::batch::SignInSide;
use mailferry::oauth;
use serde::Serialize;
use tauri::State;

use super::batches::EndpointSide;
use super::sign_in::SignInRequest;
use super::sign_in_types::ProviderKind;
use crate::app_state::AppState;
use crate::blocking::keyring;
use crate::error::{explain, AppError, AppResult};

/// One sign-in a person can make for one mailbox of a batch.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct MailboxSignIn {
    pub email_address: String,
    /// The old server (the person's own mailbox there) or the new one.
    pub side: EndpointSide,
    pub provider: ProviderKind,
    /// Who signs in: the account the browser should be signed in as.
    pub account: String,
    /// Each person signs in for their own mailbox, rather than one account for the batch.
    pub own: bool,
    /// A sign-in is stored for it (it may have expired or been revoked since).
    pub signed_in: bool,
    /// What to pass to `sign_in`; `None` when no app registration is known on this computer
    /// for that provider (the window then asks for its client ID).
    pub request: Option<SignInRequest>,
}

/// The sign-ins people can make for a batch's mailboxes (for one mailbox when `email` is
/// given): their own, still to be made or to be made again, and the batch's administrator's.
#[tauri::command]
#[specta::specta]
pub async fn batch_sign_ins(
    state: State<'_, AppState>,
    batch: String,
    email: Option<String>,
) -> AppResult<Vec<MailboxSignIn>> {
    let stored_batch = state.store.batch(&batch).map_err(explain)?;
    let users = state.store.users(&batch).map_err(explain)?;
    if let Some(email) = &email {
        if !users
            .iter()
            .any(|u| u.email_address.eq_ignore_ascii_case(email))
        {
            return Err(AppError::input(
                format!("{email} is not in {batch}"),
                "Reopen the batch.",
            ));
        }
    }
    let uses_sign_ins = stored_batch.options.source_sign_in.is_some()
        || stored_batch.options.destination_sign_in.is_some();
    if !uses_sign_ins {
        return Ok(Vec::new());
    }
    let stored = keyring(oauth::list_sign_ins).await?;
    let rows: Vec<Row<'_>> = users
        .iter()
        .map(|u| Row {
            user_name: &u.user_name,
            email_address: &u.email_address,
        })
        .collect();
    let all = mailbox_sign_ins::of_batch(&stored_batch.options, &rows, &stored);
    let personal_accounts = stored_batch.source.preset.as_deref() == Some("outlook");
    let configured = |provider| oauth::resolve_client_id(provider, None).map(|(id, _)| id);
    Ok(all
        .iter()
        .filter(|s| s.person_can_sign_in())
        .filter(|s| {
            email
                .as_deref()
                .is_none_or(|e| s.email_address.eq_ignore_ascii_case(e))
        })
        .map(|s| MailboxSignIn {
            email_address: s.email_address.clone(),
            side: match s.side {
                SignInSide::Source => EndpointSide::Source,
                SignInSide::Destination => EndpointSide::Destination,
            },
            provider: s.reference.provider.into(),
            account: s.reference.account.clone(),
            own: s.own,
            signed_in: s.stored.is_some(),
            request: mailbox_sign_ins::registration(s, &all, configured, personal_accounts).map(
                |registration| SignInRequest {
                    provider: s.reference.provider.into(),
                    client_id: registration.client_id,
                    tenant: registration.tenant,
                    login_hint: Some(s.reference.account.clone()),
                    with_directory: false,
                },
            ),
        })
        .collect())
}
