//! Creating, running and controlling batches. Runs happen in the background and outlive the
//! window; the window follows them through `BatchProgress` events.

use mailferry::app::mailbox_sides::{self, Mailbox, SideError};
use mailferry::app::new_batch::{self, Definition, GivenSecrets, NewBatchError, Server};
use mailferry::app::run_control::{self, Control};
use mailferry::batch::RunMode;

use super::batch_types::{BatchOptions, BatchSummary, BatchUser, ConnectionSummary, ServerSpec};
use mailferry::error::Classify;
use mailferry::probe;
use serde::{Deserialize, Serialize};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum EndpointSide {
    Source,
    Destination,
}

#[tauri::command]
#[specta::specta]
pub async fn check_batch_name(state: State<'_, AppState>, name: String) -> AppResult<()> {
    new_batch::check_name(&state.store, &name).map_err(|e| new_batch_words(&e))
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
    let (server, options): (mailferry::batch::ServerSpec, mailferry::batch::BatchOptions) =
        (server.into(), options.into());
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
    .map(Into::into)
    .map_err(explain)
}

/// Creates the batch with the passwords already kept field by field (the window hands over
/// none with the definition).
#[tauri::command]
#[specta::specta]
pub async fn create_batch(
    state: State<'_, AppState>,
    spec: CreateBatch,
) -> AppResult<BatchSummary> {
    let definition = Definition {
        name: spec.name,
        source: spec.source.into(),
        destination: spec.destination.into(),
        options: spec.options.into(),
        users: spec
            .users
            .into_iter()
            .map(|u| new_batch::NewUser {
                email_address: u.email_address,
                user_name: u.user_name,
                user_root: u.user_root,
            })
            .collect(),
    };
    let uses_sign_ins = definition.options.source_sign_in.is_some()
        || definition.options.destination_sign_in.is_some();
    // The keyring may block on an unlock prompt: read it off the async threads.
    let sign_ins = if uses_sign_ins {
        stored_sign_ins().await?
    } else {
        Vec::new()
    };
    let created = new_batch::create(
        &state.store,
        &state.secrets(),
        &definition,
        GivenSecrets::default(),
        &|| Ok(sign_ins.clone()),
    )
    .map_err(|e| new_batch_words(&e))?;
    state
        .store
        .summary(&created.name)
        .map(Into::into)
        .map_err(explain)
}

#[tauri::command]
#[specta::specta]
pub async fn list_batches(state: State<'_, AppState>) -> AppResult<Vec<BatchSummary>> {
    let names = state.store.names().map_err(explain)?;
    names
        .iter()
        .map(|n| state.store.summary(n).map(Into::into).map_err(explain))
        .collect()
}

#[tauri::command]
#[specta::specta]
pub async fn batch_users(state: State<'_, AppState>, name: String) -> AppResult<Vec<BatchUser>> {
    state
        .store
        .users(&name)
        .map(|users| users.into_iter().map(Into::into).collect())
        .map_err(explain)
}

/// The live state of a running batch, for a window that opens while it runs.
#[tauri::command]
#[specta::specta]
pub fn batch_snapshot(
    state: State<'_, AppState>,
    name: String,
) -> Option<super::batch_types::BatchUpdate> {
    state.supervisor.snapshot(&name).map(Into::into)
}

#[tauri::command]
#[specta::specta]
pub async fn start_batch(state: State<'_, AppState>, name: String) -> AppResult<()> {
    run_control::queue(&state.store, &name, &Control::Start).map_err(explain)?;
    state.run_batch(&name, RunMode::Continuous);
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn stop_batch(state: State<'_, AppState>, name: String) -> AppResult<()> {
    run_control::stop(&state.store, &name).map_err(explain)?;
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn retry_failed(state: State<'_, AppState>, name: String) -> AppResult<()> {
    run_control::queue(&state.store, &name, &Control::Retry).map_err(explain)?;
    state.run_batch(&name, RunMode::Continuous);
    Ok(())
}

/// Tries one failed mailbox again (after its password or sign-in was fixed).
#[tauri::command]
#[specta::specta]
pub async fn retry_user(state: State<'_, AppState>, name: String, email: String) -> AppResult<()> {
    run_control::queue(
        &state.store,
        &name,
        &Control::RetryOne {
            email_address: email,
        },
    )
    .map_err(explain)?;
    state.run_batch(&name, RunMode::Continuous);
    Ok(())
}

/// A last pass for every synced mailbox, then their migration is closed (Completed). The
/// runner is stopped and waited for first, so the last pass never overlaps it. Which old
/// mailboxes can then be retired, the window asks `batch_retirement` (one rule for both front
/// ends).
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
    run_control::delete(&state.store, &state.secrets(), &name).map_err(explain)
}

/// The names of the sign-ins in the keyring (which may block on an unlock prompt).
async fn stored_sign_ins() -> AppResult<Vec<String>> {
    let list = crate::blocking::keyring(mailferry::oauth::list_sign_ins).await?;
    Ok(list.into_iter().map(|info| info.name).collect())
}

/// The window's words for a refused batch: the fact, and the field or button that fixes it.
fn new_batch_words(error: &NewBatchError) -> AppError {
    let (message, hint): (String, &str) = match error {
        NewBatchError::NoName => (
            "the batch needs a name".into(),
            "For example \"Contoso mailboxes\".",
        ),
        NewBatchError::NameTaken { .. } => (error.to_string(), "Pick another name."),
        NewBatchError::NoUsers => (
            "the batch has no mailboxes".into(),
            "Add at least one user, or import a CSV.",
        ),
        NewBatchError::BadAddress { .. } | NewBatchError::DuplicateAddress { .. } => (
            error.to_string(),
            "Correct the mailbox address in the Users list.",
        ),
        NewBatchError::NoUserName { .. } => (
            error.to_string(),
            "Type the name the mailbox signs in with on the old server.",
        ),
        NewBatchError::BadServer { server, .. } => (
            error.to_string(),
            match server {
                Server::Source => "Go back to Source and check the server and port.",
                Server::Destination => "Go back to Destination and check the server and port.",
            },
        ),
        NewBatchError::PasswordsRefused { .. } => (
            error.to_string(),
            "Choose Sign in on each mailbox's row instead of typing a password.",
        ),
        NewBatchError::BadSignIn { server, .. } | NewBatchError::SignInMissing { server, .. } => (
            error.to_string(),
            match server {
                Server::Source => "Go back to Source and sign in again.",
                Server::Destination => "Go back to Destination and sign in again.",
            },
        ),
        NewBatchError::SignInAndAdmin | NewBatchError::AdminPasswordUnused => (
            error.to_string(),
            "Go back to Destination and choose either Sign in with Microsoft or an admin account.",
        ),
        NewBatchError::NoAdminPassword { .. } => (
            "no password is stored for the destination admin".into(),
            "Type the admin's password.",
        ),
        NewBatchError::NoDestinationAccess => (
            error.to_string(),
            "Go back to Destination and enter the admin account, or sign in.",
        ),
        NewBatchError::MissingPasswords { .. } => (
            error.to_string(),
            "Type each mailbox's password (or app password).",
        ),
        NewBatchError::Store(_) | NewBatchError::Secret(_) | NewBatchError::SignIns(_) => {
            return error.problem().into()
        }
    };
    AppError {
        kind: error.kind().into(),
        message,
        hint: hint.into(),
        facts: Box::new(error.facts().into()),
    }
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
    worded.facts = Box::new(error.facts().into());
    worded
}
