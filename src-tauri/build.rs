/// The window's commands, declared so Tauri's access control applies to them: a command
/// missing from the capability's permissions is refused at the IPC boundary.
const COMMANDS: &[&str] = &[
    "list_presets",
    "keyring_status",
    "use_memory_secrets",
    "demo_setup",
    "store_password",
    "store_admin_password",
    "has_password",
    "forget_draft",
    "import_csv",
    "check_batch_name",
    "test_connection",
    "create_batch",
    "list_batches",
    "batch_users",
    "batch_snapshot",
    "start_batch",
    "stop_batch",
    "retry_failed",
    "retry_user",
    "complete_batch",
    "delete_batch",
    "batch_domains",
    "batch_retirement",
    "sign_in_settings",
    "sign_in",
    "sign_in_app",
    "start_device_sign_in",
    "finish_device_sign_in",
    "list_sign_ins",
    "forget_sign_in",
    "directory_users",
    "batch_sign_ins",
    "store_client_secret",
    "microsoft_setup_script",
    "check_microsoft_setup",
    "trust_for_batch",
    "trust_in_options",
    "user_report",
    "export_report",
    "open_saved_report",
    "keep_running_in_background",
    "stop_all_and_quit",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {e:#}");
    }
    // `generate_context!` embeds the built UI (tauri.conf.json's frontendDist), but a proc
    // macro cannot tell cargo about the files it reads: without this, a build after a UI-only
    // change ships the previous UI.
    println!("cargo:rerun-if-changed=../ui/dist");
}
