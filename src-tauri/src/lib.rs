//! The Mailferry desktop app: a thin shell of Tauri commands and events over the engine.
//! Every piece of migration logic lives in the `mailferry` crate.

mod app_state;
mod blocking;
mod commands;
mod demo;
mod error;
mod events;
mod first_paint;
mod tray;

use tauri::Manager;

pub use app_state::AppState;
pub use error::AppError;

/// The typed command and event registry; also what generates `ui/src/bindings.ts`.
pub fn specta_builder<R: tauri::Runtime>() -> tauri_specta::Builder<R> {
    tauri_specta::Builder::<R>::new()
        .commands(commands::all::<R>())
        .events(tauri_specta::collect_events![
            events::BatchProgress,
            events::CloseRequested
        ])
}

/// Writes the TypeScript bindings the window uses, so IPC types are never written twice.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    specta_builder::<tauri::Wry>()
        .export(
            specta_typescript::Typescript::default()
                .bigint(specta_typescript::BigIntExportBehavior::Number)
                .header("// Generated from the Rust types by `npm run bindings`. Do not edit.\n// The generator emits helpers this app does not use; the types themselves are checked where they are used.\n// @ts-nocheck\n"),
            path,
        )
        .map_err(|e| e.to_string())
}

/// Everything but the runtime: shared by `run()` and the tests (which use the mock runtime).
pub fn build_app<R: tauri::Runtime>(
    builder: tauri::Builder<R>,
    state: AppState,
) -> tauri::Builder<R> {
    let specta = specta_builder::<R>();
    builder
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .invoke_handler(specta.invoke_handler())
        .setup(move |app| {
            first_paint::paint_before_page(app.handle());
            specta.mount_events(app);
            events::install_shell(app.handle());
            events::resume_running_batches(app.handle());
            Ok(())
        })
}

/// Shows the main window again (from the tray, minimised, or behind others).
fn window_to_front(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

pub fn run() {
    let mut state = match AppState::open(app_state::default_dir()) {
        Ok(state) => state,
        Err(e) => {
            eprintln!(
                "Mailferry cannot open its database: {} ({})",
                e.message, e.hint
            );
            std::process::exit(1);
        }
    };
    if let Ok(secrets) = state.secrets.get_mut() {
        match demo::from_env(secrets) {
            Ok(setup) => state.demo = setup,
            Err(e) => {
                eprintln!("Mailferry cannot start the demo: {e}");
                std::process::exit(1);
            }
        }
    }
    // Registered first, as the plugin asks: a second launch ends at once and shows this window.
    let builder =
        tauri::Builder::default().plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            window_to_front(app)
        }));
    let app = build_app(builder, state)
        .on_window_event(events::on_window_event)
        .build(tauri::generate_context!());
    match app {
        Ok(app) => {
            events::install_tray(app.handle());
            app.run(|handle, event| {
                if let tauri::RunEvent::ExitRequested { api, code, .. } = event {
                    // Closing the last window must not end running migrations unless asked to.
                    if code.is_none() && handle.state::<AppState>().any_running() {
                        api.prevent_exit();
                    }
                }
            });
        }
        Err(e) => {
            eprintln!("Mailferry could not start its window: {e}");
            std::process::exit(1);
        }
    }
}
