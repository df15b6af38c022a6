//! Reports, readable offline: straight from the database.

use mailferry::report::export;
use std::path::PathBuf;

use serde::Deserialize;
use tauri::State;

use super::report_types::MigrationReport;
use crate::app_state::AppState;
use crate::error::{explain, AppError, AppResult};

#[tauri::command]
#[specta::specta]
pub async fn user_report(
    state: State<'_, AppState>,
    name: String,
    email: String,
) -> AppResult<Option<MigrationReport>> {
    let report = state.store.report(&name, &email).map_err(explain)?;
    Ok(report.map(Into::into))
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
    })?;
    if let Ok(mut saved) = state.saved_reports.lock() {
        saved.insert(PathBuf::from(path));
    }
    Ok(())
}

/// "Open" (in the program the computer uses for that kind of file) or "Show in folder" for a
/// report this app saved; any other path is refused, so the window cannot open arbitrary files.
#[tauri::command]
#[specta::specta]
pub async fn open_saved_report(
    state: State<'_, AppState>,
    path: String,
    in_folder: bool,
) -> AppResult<()> {
    let path = PathBuf::from(path);
    let saved = state
        .saved_reports
        .lock()
        .map(|saved| saved.contains(&path))
        .unwrap_or(false);
    if !saved {
        return Err(AppError::input(
            "this is not a report Mailferry saved",
            "Download the report again, then open it from there.",
        ));
    }
    let opened = if in_folder {
        tauri_plugin_opener::reveal_item_in_dir(&path)
    } else {
        tauri_plugin_opener::open_path(&path, None::<&str>)
    };
    opened.map_err(|e| {
        AppError::local(
            format!("the report could not be opened: {e}"),
            "Open it from your file manager; it is where you saved it.",
        )
    })
}
