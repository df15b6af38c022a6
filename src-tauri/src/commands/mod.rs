//! The commands the window may call, one module per area. Each is a thin adapter: it
//! checks the input, calls the engine, and explains failures as `AppError`.

pub mod batch_types;
mod batches;
mod catalog;
pub mod catalog_types;
mod cutover;
pub mod cutover_types;
mod mailbox_sign_ins;
mod microsoft_setup;
mod passwords;
pub mod problem_types;
pub mod report_types;
mod reports;
pub mod setup_types;
mod sign_in;
pub mod sign_in_types;
mod trust;
mod window;

/// Every command: registered with Tauri and described for the generated bindings from this
/// one list.
pub fn all<R: tauri::Runtime>() -> tauri_specta::Commands<R> {
    tauri_specta::collect_commands![
        catalog::list_presets,
        catalog::keyring_status,
        catalog::use_memory_secrets,
        catalog::demo_setup,
        passwords::store_password,
        passwords::store_admin_password,
        passwords::has_password,
        passwords::forget_draft,
        passwords::import_csv,
        batches::check_batch_name,
        batches::test_connection,
        batches::create_batch,
        batches::list_batches,
        batches::batch_users,
        batches::batch_snapshot,
        batches::start_batch,
        batches::stop_batch,
        batches::retry_failed,
        batches::retry_user,
        batches::complete_batch,
        batches::delete_batch,
        cutover::batch_domains,
        cutover::batch_retirement,
        sign_in::sign_in_settings,
        sign_in::sign_in,
        sign_in::sign_in_app,
        sign_in::start_device_sign_in,
        sign_in::finish_device_sign_in,
        sign_in::list_sign_ins,
        sign_in::forget_sign_in,
        sign_in::directory_users,
        mailbox_sign_ins::batch_sign_ins,
        sign_in::store_client_secret,
        microsoft_setup::microsoft_setup_script,
        microsoft_setup::check_microsoft_setup,
        trust::trust_for_batch,
        trust::trust_in_options,
        reports::user_report,
        reports::export_report,
        reports::open_saved_report,
        window::keep_running_in_background,
        window::stop_all_and_quit,
    ]
}
