//! Where Mailferry keeps its database, leases and logs: one definition for the command line
//! and the window, so that both see the same batches and never copy one mailbox at once.

use std::path::PathBuf;

/// The variable that moves the data folder (tests, demos, portable installs).
pub const DATA_FOLDER_VARIABLE: &str = "MAILFERRY_STATE_DIR";

/// The data folder: the one `MAILFERRY_STATE_DIR` names, else `Mailferry` in the system's
/// application-data folder (`~/.local/share` on Linux, `%APPDATA%` on Windows,
/// `~/Library/Application Support` on macOS).
pub fn data_folder() -> PathBuf {
    match std::env::var_os(DATA_FOLDER_VARIABLE) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => dirs::data_dir()
            .unwrap_or_else(std::env::temp_dir)
            .join("Mailferry"),
    }
}
