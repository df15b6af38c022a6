//! Passwords travel one way: from the form into the keyring. No command returns one.

use mailferry::app::csv_import::{self, CsvImportError};
use mailferry::migration_csv;
use mailferry::secrets::SecretString;
use serde::Serialize;
use tauri::State;

use crate::app_state::AppState;
use crate::error::{explain, AppError, AppResult};

#[tauri::command]
#[specta::specta]
pub async fn store_password(
    state: State<'_, AppState>,
    batch: String,
    email: String,
    password: String,
) -> AppResult<()> {
    if password.is_empty() {
        return Err(AppError::input(
            "the password is empty",
            "Type the password (or app password) for this mailbox.",
        ));
    }
    state
        .secrets()
        .set_source_password(&batch, &email, &SecretString::new(password))
        .map_err(explain)
}

#[tauri::command]
#[specta::specta]
pub async fn store_admin_password(
    state: State<'_, AppState>,
    batch: String,
    password: String,
) -> AppResult<()> {
    state
        .secrets()
        .set_admin_password(&batch, &SecretString::new(password))
        .map_err(explain)
}

/// The owner left the wizard without creating the batch: the passwords typed for it leave the
/// keyring too. A batch that exists keeps its passwords (they are removed when it is deleted).
#[tauri::command]
#[specta::specta]
pub async fn forget_draft(
    state: State<'_, AppState>,
    batch: String,
    emails: Vec<String>,
) -> AppResult<()> {
    let batch = batch.trim().to_string();
    match state.store.batch(&batch) {
        Ok(_) => Err(AppError::input(
            format!("\"{batch}\" is a migration, not a draft"),
            "Delete the migration from its status page to remove its passwords.",
        )),
        Err(mailferry::batch::BatchError::NotFound(_)) => {
            state.secrets().forget(&batch, &emails).map_err(explain)
        }
        Err(e) => Err(explain(e)),
    }
}

/// Whether a password is stored for a mailbox: all the window ever learns about it.
#[tauri::command]
#[specta::specta]
pub async fn has_password(
    state: State<'_, AppState>,
    batch: String,
    email: String,
) -> AppResult<bool> {
    Ok(state
        .secrets()
        .source_password(&batch, &email)
        .map_err(explain)?
        .is_some())
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CsvRow {
    pub email_address: String,
    pub user_name: String,
    pub user_root: Option<String>,
    pub line: u32,
}

/// One reason the file was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
pub struct CsvProblem {
    /// 1-based line in the file; 0 for problems with the file as a whole.
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
}

impl From<migration_csv::CsvProblem> for CsvProblem {
    fn from(p: migration_csv::CsvProblem) -> Self {
        let migration_csv::CsvProblem {
            line,
            column,
            message,
        } = p;
        CsvProblem {
            line,
            column,
            message,
        }
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct CsvImport {
    /// The mailboxes, when the file was accepted (their passwords are now in the keyring).
    pub rows: Vec<CsvRow>,
    /// Every problem, when it was refused; then nothing was imported.
    pub problems: Vec<CsvProblem>,
}

/// Reads Microsoft's migration CSV. On success the passwords go straight to the keyring
/// under the batch being prepared; the window gets the rows without them. When the old
/// mailboxes sign in (`signs_in`), the Password column may be empty.
#[tauri::command]
#[specta::specta]
pub async fn import_csv(
    state: State<'_, AppState>,
    batch: String,
    path: String,
    signs_in: bool,
) -> AppResult<CsvImport> {
    match csv_import::read(std::path::Path::new(&path), signs_in) {
        Err(CsvImportError::Refused(problems)) => Ok(CsvImport {
            rows: Vec::new(),
            problems: problems.into_iter().map(Into::into).collect(),
        }),
        Err(e @ CsvImportError::Unreadable { .. }) => {
            Err(AppError::input(e.to_string(), "Choose the CSV file again."))
        }
        Ok(users) => {
            let secrets = state.secrets();
            secrets.set_csv_passwords(&batch, &users).map_err(explain)?;
            let rows = users
                .into_iter()
                .map(|u| CsvRow {
                    email_address: u.email_address,
                    user_name: u.user_name,
                    user_root: u.user_root,
                    line: u.line as u32,
                })
                .collect();
            Ok(CsvImport {
                rows,
                problems: Vec::new(),
            })
        }
    }
}
