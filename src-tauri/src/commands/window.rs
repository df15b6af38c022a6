//! The answers to "migrations are running — close anyway?".

use tauri::State;

use crate::app_state::AppState;

/// Hides the window (or minimises it where no tray icon can be seen); migrations continue.
#[tauri::command]
#[specta::specta]
pub fn keep_running_in_background(state: State<'_, AppState>) {
    if let Some(shell) = state.shell.get() {
        (shell.hide_window)();
    }
}

/// Stops every running batch (they carry on from where they were next time) and quits.
#[tauri::command]
#[specta::specta]
pub fn stop_all_and_quit(state: State<'_, AppState>) {
    if let Some(shell) = state.shell.get() {
        (shell.quit)();
    }
}
