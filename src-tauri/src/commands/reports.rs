//! Reports, readable offline: straight from the database.

use mailferry::report::export;
use mailferry::report::MigrationReport;
use serde::Deserialize;
use tauri::State;

use crate::app_state::AppState;
use crate::error::{explain, AppError, AppResult};

#[tauri::command]
#[specta::specta]
pub async fn user_report(
    state: State<'_, AppState>,
    name: String,
    email: String,
) -> AppResult<Option<MigrationReport>> {
    state.store.report(&name, &email).map_err(explain)
}

#[derive(Debug, Clone, Copy, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    Csv,
    Html,
    Json,
}

/// Writes the batch report to the path the owner chose in the save dialog.
#[tauri::command]
#[specta::specta]
pub async fn export_report(
    state: State<'_, AppState>,
    name: String,
    format: ReportFormat,
    path: String,
) -> AppResult<()> {
    let report = export::collect(&state.store, &name).map_err(explain)?;
    let text = match format {
        ReportFormat::Csv => export::to_csv(&report)
            .map_err(|e| AppError::input(format!("cannot write the CSV: {e}"), ""))?,
        ReportFormat::Html => export::to_html(&report),
        ReportFormat::Json => export::to_json(&report),
    };
    std::fs::write(&path, text).map_err(|e| {
        AppError::input(
            format!("cannot write {path}: {e}"),
            "Choose a folder you can write to.",
        )
    })
}
