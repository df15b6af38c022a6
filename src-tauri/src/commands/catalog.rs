//! Provider presets and where secrets can be kept.

use mailferry::batch::{BatchSecrets, SecretMode};
use mailferry::presets;
use serde::Serialize;
use tauri::State;

use super::catalog_types::Preset;
use crate::app_state::AppState;
use crate::error::AppError;

#[tauri::command]
#[specta::specta]
pub fn list_presets() -> Vec<Preset> {
    presets::all().into_iter().map(Into::into).collect()
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct KeyringStatus {
    /// The system keyring works (passwords survive a restart).
    pub available: bool,
    /// Passwords are kept only in memory for this session.
    pub memory_only: bool,
    /// Why the keyring cannot be used, in plain words.
    pub problem: Option<String>,
}

/// Tries the keyring with a throwaway entry, so the window can offer memory-only mode early.
#[tauri::command]
#[specta::specta]
pub async fn keyring_status(state: State<'_, AppState>) -> Result<KeyringStatus, AppError> {
    let memory_only = state.secrets().mode() == SecretMode::Memory;
    if memory_only {
        // Nothing will be stored there this session, and asking could make the desktop pop
        // up an unlock prompt for nothing.
        return Ok(KeyringStatus {
            available: false,
            memory_only,
            problem: None,
        });
    }
    // The keyring may ask the desktop to unlock it: never on the window's thread.
    let result = tauri::async_runtime::spawn_blocking(|| {
        let probe = "keyring-probe";
        let secret = mailferry::secrets::SecretString::new("probe".into());
        mailferry::secrets::keyring_set(probe, &secret)
            .and_then(|_| mailferry::secrets::keyring_delete(probe))
    })
    .await
    .map_err(|e| {
        AppError::input(
            format!("the keyring check stopped: {e}"),
            "Restart Mailferry.",
        )
    })?;
    Ok(match result {
        Ok(()) => KeyringStatus { available: true, memory_only, problem: None },
        Err(e) => KeyringStatus {
            available: false,
            memory_only,
            problem: Some(format!(
                "{e}. On Linux this needs GNOME Keyring or KWallet running. You can keep passwords in memory for this session instead; they are then needed again after a restart."
            )),
        },
    })
}

/// Switches this session to memory-only secrets (for computers without a keyring).
#[tauri::command]
#[specta::specta]
pub fn use_memory_secrets(state: State<'_, AppState>) {
    if let Ok(mut secrets) = state.secrets.lock() {
        *secrets = BatchSecrets::new(SecretMode::Memory);
    }
}

/// In demo mode, the sample servers and mailboxes the wizard starts with; otherwise nothing.
#[tauri::command]
#[specta::specta]
pub fn demo_setup(state: State<'_, AppState>) -> Option<crate::demo::DemoSetup> {
    state.demo.clone()
}
