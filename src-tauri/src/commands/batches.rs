//! Creating, running and controlling batches. Runs happen in the background and outlive the
//! window; the window follows them through `BatchProgress` events.

use mailferry::app::mailbox_sides::{self, Mailbox, SideError};
use mailferry::batch::{
    self, BatchOptions, BatchSummary, BatchUpdate, BatchUser, NewBatch, RunMode, ServerSpec,
    UserStatus,
};
use mailferry::error::Classify;
use mailferry::probe::{self, ConnectionSummary};
use serde::Deserialize;
use tauri::State;

use crate::app_state::AppState;
use crate::error::{explain, AppError, AppResult};

#[derive(Debug, Clone, Deserialize, specta::Type)]
pub struct NewUser {
    pub email_address: String,
    pub user_name: String,
    pub user_root: Option<String>,
}

#[derive(Debug, Clone, Deserialize, specta::Type)]
pub struct CreateBatch {
    pub name: String,
    pub source: ServerSpec,
    pub destination: ServerSpec,
    pub options: BatchOptions,
    pub users: Vec<NewUser>,
}

#[derive(Debug, Clone, Copy, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum EndpointSide {
    Source,
    Destination,
}

#[tauri::command]
#[specta::specta]
pub async fn check_batch_name(state: State<'_, AppState>, name: String) -> AppResult<()> {
    if name.trim().is_empty() {
        return Err(AppError::input(
            "the batch needs a name",
            "For example \"Contoso mailboxes\".",
        ));
    }
    match state.store.batch(name.trim()) {
        Ok(_) => Err(AppError::input(
            format!("a batch called \"{}\" already exists", name.trim()),
            "Pick another name.",
        )),
        Err(batch::BatchError::NotFound(_)) => Ok(()),
        Err(e) => Err(explain(e)),
    }
}

/// "Test connection": signs in with one account (its password already stored) and counts.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(
    state: State<'_, AppState>,
    batch: String,
    side: EndpointSide,
    server: ServerSpec,
    email_address: String,
    user_name: String,
    options: BatchOptions,
) -> AppResult<ConnectionSummary> {
    let secrets = state.secrets();
    let mailbox = Mailbox {
        batch: &batch,
        user_name: &user_name,
        email_address: &email_address,
    };
    let (which, side) = match side {
        EndpointSide::Source => (
            mailferry::error::Side::Source,
            mailbox_sides::source_side(&server, &options, &secrets, mailbox),
        ),
        EndpointSide::Destination => (
            mailferry::error::Side::Destination,
            mailbox_sides::destination_side(&server, &options, &secrets, mailbox),
        ),
    };
    let side = side.map_err(|e| side_error(&e))?;
    let trust = options.trust().map_err(explain)?;
    probe::test_side(
        which,
        &side,
        &trust,
        options.timeouts(),
        options.max_message_size,
    )
    .await
    .map_err(explain)
}

#[tauri::command]
#[specta::specta]
pub async fn create_batch(
    state: State<'_, AppState>,
    spec: CreateBatch,
) -> AppResult<BatchSummary> {
    let name = spec.name.trim().to_string();
    if spec.users.is_empty() {
        return Err(AppError::input(
            "the batch has no mailboxes",
            "Add at least one user, or import a CSV.",
        ));
    }
    let secrets = state.secrets();
    for user in &spec.users {
        mailferry::migration_csv::check_email(&user.email_address).map_err(|why| {
            AppError::input(
                format!("{}: {why}", user.email_address),
                "Correct the mailbox address.",
            )
        })?;
    }
    let signed_in =
        if spec.options.source_sign_in.is_some() || spec.options.destination_sign_in.is_some() {
            stored_sign_ins().await?
        } else {
            Vec::new()
        };
    let mut missing = Vec::new();
    for user in &spec.users {
        let ready = match &spec.options.source_sign_in {
            Some(option) => batch::sign_in_reference_for(
                option,
                batch::SignInSide::Source,
                &user.user_name,
                &user.email_address,
            )
            .map(|reference| signed_in.contains(&reference.to_string()))
            .map_err(explain)?,
            None => secrets
                .source_password(&name, &user.email_address)
                .map_err(explain)?
                .is_some(),
        };
        if !ready {
            missing.push(user.email_address.clone());
        }
    }
    if !missing.is_empty() {
        return Err(match spec.options.source_sign_in {
            Some(_) => AppError::input(
                format!("{} not signed in yet", missing.join(", ")),
                "Choose Sign in on each of these mailboxes' rows.",
            ),
            None => AppError::input(
                format!("no password is stored for {}", missing.join(", ")),
                "Type each mailbox's password (or app password).",
            ),
        });
    }
    match &spec.options.destination_sign_in {
        Some(sign_in) => {
            if !batch::is_per_user(sign_in) && !signed_in.contains(sign_in) {
                return Err(AppError::input(
                    format!("the destination sign-in {sign_in} is no longer stored"),
                    "Go back to Destination and sign in again.",
                ));
            }
        }
        None => {
            if spec.options.destination_admin.is_some()
                && secrets.admin_password(&name).map_err(explain)?.is_none()
            {
                return Err(AppError::input(
                    "no password is stored for the destination admin",
                    "Type the admin's password.",
                ));
            }
        }
    }
    let users: Vec<(String, String, Option<String>)> = spec
        .users
        .into_iter()
        .map(|u| (u.email_address, u.user_name, u.user_root))
        .collect();
    let new = NewBatch {
        name: name.clone(),
        source: spec.source,
        destination: spec.destination,
        options: spec.options,
    };
    state.store.create(&new, &users).map_err(explain)?;
    state.store.summary(&name).map_err(explain)
}

#[tauri::command]
#[specta::specta]
pub async fn list_batches(state: State<'_, AppState>) -> AppResult<Vec<BatchSummary>> {
    let names = state.store.names().map_err(explain)?;
    names
        .iter()
        .map(|n| state.store.summary(n).map_err(explain))
        .collect()
}

#[tauri::command]
#[specta::specta]
pub async fn batch_users(state: State<'_, AppState>, name: String) -> AppResult<Vec<BatchUser>> {
    state.store.users(&name).map_err(explain)
}

/// The live state of a running batch, for a window that opens while it runs.
#[tauri::command]
#[specta::specta]
pub fn batch_snapshot(state: State<'_, AppState>, name: String) -> Option<BatchUpdate> {
    state.supervisor.snapshot(&name)
}

#[tauri::command]
#[specta::specta]
pub async fn start_batch(state: State<'_, AppState>, name: String) -> AppResult<()> {
    state
        .store
        .set_statuses(&name, &[UserStatus::Stopped], UserStatus::Queued)
        .map_err(explain)?;
    state.run_batch(&name, RunMode::Continuous);
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn stop_batch(state: State<'_, AppState>, name: String) -> AppResult<()> {
    state.store.stop(&name).map_err(explain)?;
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn retry_failed(state: State<'_, AppState>, name: String) -> AppResult<()> {
    state
        .store
        .set_statuses(&name, &[UserStatus::Failed], UserStatus::Queued)
        .map_err(explain)?;
    state.run_batch(&name, RunMode::Continuous);
    Ok(())
}

/// Tries one failed mailbox again (after its password or sign-in was fixed).
#[tauri::command]
#[specta::specta]
pub async fn retry_user(state: State<'_, AppState>, name: String, email: String) -> AppResult<()> {
    state
        .store
        .set_user_statuses(&name, &email, &[UserStatus::Failed], UserStatus::Queued)
        .map_err(explain)?;
    state.run_batch(&name, RunMode::Continuous);
    Ok(())
}

/// A last pass for every synced mailbox, then their migration is closed (Completed). The
/// runner is stopped and waited for first, so the last pass never overlaps it.
#[tauri::command]
#[specta::specta]
pub async fn complete_batch(state: State<'_, AppState>, name: String) -> AppResult<()> {
    state
        .supervisor
        .complete(&name, state.secrets())
        .await
        .map_err(explain)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_batch(state: State<'_, AppState>, name: String) -> AppResult<()> {
    // Nothing may still be writing to the batch's records when they go.
    state.supervisor.stop(&name).await;
    state
        .store
        .delete_with_secrets(&name, &state.secrets())
        .map_err(explain)
}

/// The names of the sign-ins in the keyring (which may block on an unlock prompt).
async fn stored_sign_ins() -> AppResult<Vec<String>> {
    let list = crate::blocking::keyring(mailferry::oauth::list_sign_ins).await?;
    Ok(list.into_iter().map(|info| info.name).collect())
}

/// The window's words for what a mailbox is missing: the field the owner fills in.
fn side_error(error: &SideError) -> AppError {
    let mut worded = match error {
        SideError::MissingSourcePassword { email_address, .. } => AppError::input(
            format!("no password is stored for {email_address}"),
            "Type the mailbox's password first.",
        ),
        SideError::MissingAdminPassword => AppError::input(
            "no admin password is stored",
            "Type the admin's password first.",
        ),
        SideError::NoDestinationSignIn => AppError::input(
            "no destination admin is set",
            "Enter the admin account that can open every destination mailbox.",
        ),
        other => other.problem().into(),
    };
    worded.facts = Box::new(error.facts());
    worded
}
