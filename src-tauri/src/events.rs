//! Events to the window, background batches, the tray, and what closing the window means.

use mailferry::batch::{self, RunMode};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;

use crate::app_state::AppState;
use crate::commands::batch_types::BatchUpdate;

/// Live progress of one batch, at most ~10 a second.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct BatchProgress(pub BatchUpdate);

/// The owner closed the window while migrations run: the window asks whether to keep
/// them going in the background or stop them.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct CloseRequested {
    pub running_batches: Vec<String>,
    /// Whether any mailbox is copying right now (else the batches only wait for their next
    /// incremental pass).
    pub copying: bool,
    /// Where the window can go if the owner keeps them running.
    pub background: crate::tray::Background,
}

/// Gives the commands what they need from the app (see [`crate::app_state::Shell`]).
pub fn install_shell<R: Runtime>(app: &AppHandle<R>) {
    let hide_app = app.clone();
    let quit_handle = app.clone();
    // Every background batch's progress reaches the window as one event stream. Each batch's
    // hub sends straight into the supervisor's channel: this task is the only relay between
    // a status written to the database and the window, so updates arrive in the order made.
    let mut updates = app.state::<AppState>().supervisor.subscribe();
    let emit_app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match updates.recv().await {
                Ok(update) => {
                    let _ = BatchProgress(update.into()).emit(&emit_app);
                }
                // A window too slow to keep up skips to the newer updates.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    let shell = crate::app_state::Shell {
        hide_window: Box::new(move || {
            if let Some(window) = hide_app.get_webview_window("main") {
                // Hidden only where a tray icon can bring it back; otherwise it stays one
                // click away in the task bar.
                let _ = match crate::tray::background(crate::tray::tray_visible()) {
                    crate::tray::Background::Tray => window.hide(),
                    crate::tray::Background::Minimised => window.minimize(),
                };
            }
        }),
        quit: Box::new(move || quit_app(&quit_handle)),
    };
    let _ = app.state::<AppState>().shell.set(shell);
}

/// After a crash or reboot, batches that were syncing carry on by themselves.
pub fn resume_running_batches<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let Ok(names) = state.store.names() else {
        return;
    };
    for name in names {
        if let Ok(summary) = state.store.summary(&name) {
            if summary.status == batch::BatchStatus::Syncing
                || summary.status == batch::BatchStatus::Synced
            {
                state.run_batch(&name, RunMode::Continuous);
            }
        }
    }
}

pub fn on_window_event<R: Runtime>(window: &tauri::Window<R>, event: &tauri::WindowEvent) {
    if let tauri::WindowEvent::CloseRequested { api, .. } = event {
        let state = window.state::<AppState>();
        let running = state.supervisor.running();
        if !running.is_empty() {
            api.prevent_close();
            let copying = running.iter().any(|name| {
                state
                    .store
                    .users(name)
                    .is_ok_and(|users| users.iter().any(|u| u.status.is_active()))
            });
            let _ = CloseRequested {
                running_batches: running,
                copying,
                background: crate::tray::background(crate::tray::tray_visible()),
            }
            .emit(window.app_handle());
        }
    }
}

/// The tray icon keeps background migrations reachable after the window is hidden.
pub fn install_tray<R: Runtime>(app: &AppHandle<R>) {
    use tauri::menu::{Menu, MenuItem};
    use tauri::tray::TrayIconBuilder;
    let open = MenuItem::with_id(app, "open", "Open Mailferry", true, None::<&str>);
    let quit = MenuItem::with_id(app, "quit", "Stop migrations and quit", true, None::<&str>);
    let (Ok(open), Ok(quit)) = (open, quit) else {
        return;
    };
    let Ok(menu) = Menu::with_items(app, &[&open, &quit]) else {
        return;
    };
    let mut builder = TrayIconBuilder::with_id("main")
        .tooltip("Mailferry")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_main_window(app),
            "quit" => quit_app(app),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    let _ = builder.build(app);
}

pub fn show_main_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// How long quitting waits for running passes to end.
const QUIT_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Stops every running batch (they resume from the database next time) and exits once
/// their runners have ended, so no copy is cut off half-recorded.
pub fn quit_app<R: Runtime>(app: &AppHandle<R>) {
    // The window goes at once; the process follows when the runners have ended.
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.hide();
    }
    let supervisor = app.state::<AppState>().supervisor.clone();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let stop_all = async {
            for name in supervisor.running() {
                supervisor.stop(&name).await;
            }
        };
        // A server that does not answer must not keep the app from quitting: whatever was
        // not recorded is found on the destination by the next pass.
        let _ = tokio::time::timeout(QUIT_GRACE, stop_all).await;
        app.exit(0);
    });
}
