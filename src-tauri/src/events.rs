//! Events to the window, background batches, the tray, and what closing the window means.

use mailferry::batch::{self, BatchUpdate, ProgressHub, RunMode, StopToken};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;

use crate::app_state::{AppState, RunningBatch};

/// Live progress of one batch, at most ~10 a second.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct BatchProgress(pub BatchUpdate);

/// The owner closed the window while migrations run: the window asks whether to keep
/// them going in the background or stop them.
#[derive(Debug, Clone, Serialize, specta::Type, tauri_specta::Event)]
pub struct CloseRequested {
    pub running_batches: Vec<String>,
}

/// Starts a batch in the background (if it is not running yet) and forwards its progress.
pub fn spawn_batch<R: Runtime>(app: &AppHandle<R>, name: &str, mode: RunMode) {
    let state = app.state::<AppState>();
    let Ok(mut running) = state.running.lock() else {
        return;
    };
    if running.contains_key(name) {
        return;
    }
    let hub = ProgressHub::new(name);
    let stop = StopToken::default();
    running.insert(
        name.to_string(),
        RunningBatch {
            hub: hub.clone(),
            stop: stop.clone(),
        },
    );
    drop(running);

    let (_, mut updates) = hub.subscribe();
    let forward_app = app.clone();
    tauri::async_runtime::spawn(async move {
        while let Ok(update) = updates.recv().await {
            let _ = BatchProgress(update).emit(&forward_app);
        }
    });

    let store = state.store.clone();
    let secrets = state.secrets();
    let app = app.clone();
    let name = name.to_string();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = batch::run(&store, &secrets, &name, mode, &hub, &stop).await {
            tracing::warn!("batch {name} stopped with an error: {e}");
        }
        let final_update = hub.snapshot();
        let _ = BatchProgress(final_update).emit(&app);
        if let Ok(mut running) = app.state::<AppState>().running.lock() {
            running.remove(&name);
        }
    });
}

/// Gives the commands what they need from the app (see [`crate::app_state::Shell`]).
pub fn install_shell<R: Runtime>(app: &AppHandle<R>) {
    let spawn_app = app.clone();
    let emit_app = app.clone();
    let hide_app = app.clone();
    let quit_handle = app.clone();
    let shell = crate::app_state::Shell {
        spawn_batch: Box::new(move |name, mode| spawn_batch(&spawn_app, name, mode)),
        emit_progress: Box::new(move |update| {
            let _ = BatchProgress(update).emit(&emit_app);
        }),
        hide_window: Box::new(move || {
            if let Some(window) = hide_app.get_webview_window("main") {
                let _ = window.hide();
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
                spawn_batch(app, &name, RunMode::Continuous);
            }
        }
    }
}

pub fn on_window_event<R: Runtime>(window: &tauri::Window<R>, event: &tauri::WindowEvent) {
    if let tauri::WindowEvent::CloseRequested { api, .. } = event {
        let state = window.state::<AppState>();
        let running: Vec<String> = state
            .running
            .lock()
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default();
        if !running.is_empty() {
            api.prevent_close();
            let _ = CloseRequested {
                running_batches: running,
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

/// Stops every running batch (they resume from the database next time) and exits.
pub fn quit_app<R: Runtime>(app: &AppHandle<R>) {
    if let Ok(running) = app.state::<AppState>().running.lock() {
        for batch in running.values() {
            batch.stop.stop();
        }
    }
    app.exit(0);
}
