//! Trusting a server's certificate from the window, after the owner checked what a refusal
//! showed: for a batch that exists, stored with it; for the wizard, added to its options.

use mailferry::app::trust::{self, TrustChoice};
use mailferry::batch::BatchOptions;
use tauri::State;

use crate::app_state::AppState;
use crate::error::AppResult;

/// Stores the trust with an existing batch; Retry on its failed mailbox then uses it.
#[tauri::command]
#[specta::specta]
pub async fn trust_for_batch(
    state: State<'_, AppState>,
    name: String,
    choice: TrustChoice,
) -> AppResult<()> {
    trust::trust_for_batch(&state.store, &name, &choice)?;
    Ok(())
}

/// The wizard's options with the trust added (checked as for a batch), before the batch
/// exists; Test again and the batch created later use them.
#[tauri::command]
#[specta::specta]
pub fn trust_in_options(mut options: BatchOptions, choice: TrustChoice) -> AppResult<BatchOptions> {
    trust::add_trust(&mut options, &choice)?;
    Ok(options)
}
