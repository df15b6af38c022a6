//! Trusting a server's certificate from the window, after the owner checked what a refusal
//! showed: for a batch that exists, stored with it; for the wizard, added to its options.

use mailferry::app::trust;
use serde::Deserialize;
use tauri::State;

use super::batch_types::BatchOptions;
use crate::app_state::AppState;
use crate::error::AppResult;

/// What the owner chose to trust.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TrustChoice {
    /// This certificate (its SHA-256), for this server name only.
    Certificate { host: String, sha256: String },
    /// Every server certificate issued by the authorities in this PEM file.
    CaFile { path: String },
}

impl From<TrustChoice> for trust::TrustChoice {
    fn from(choice: TrustChoice) -> Self {
        match choice {
            TrustChoice::Certificate { host, sha256 } => {
                trust::TrustChoice::Certificate { host, sha256 }
            }
            TrustChoice::CaFile { path } => trust::TrustChoice::CaFile { path },
        }
    }
}

/// Stores the trust with an existing batch; Retry on its failed mailbox then uses it.
#[tauri::command]
#[specta::specta]
pub async fn trust_for_batch(
    state: State<'_, AppState>,
    name: String,
    choice: TrustChoice,
) -> AppResult<()> {
    trust::trust_for_batch(&state.store, &name, &choice.into())?;
    Ok(())
}

/// The wizard's options with the trust added (checked as for a batch), before the batch
/// exists; Test again and the batch created later use them.
#[tauri::command]
#[specta::specta]
pub fn trust_in_options(options: BatchOptions, choice: TrustChoice) -> AppResult<BatchOptions> {
    let mut options: mailferry::batch::BatchOptions = options.into();
    trust::add_trust(&mut options, &choice.into())?;
    Ok(options.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_choice_the_window_sends_reaches_the_engine_as_sent() {
        let certificate: TrustChoice = serde_json::from_value(serde_json::json!({
            "kind": "certificate", "host": "mail.contoso.com", "sha256": "AB:CD",
        }))
        .expect("certificate");
        assert_eq!(
            trust::TrustChoice::from(certificate),
            trust::TrustChoice::Certificate {
                host: "mail.contoso.com".into(),
                sha256: "AB:CD".into()
            }
        );
        let ca_file: TrustChoice = serde_json::from_value(serde_json::json!({
            "kind": "ca_file", "path": "/home/owner/contoso-ca.pem",
        }))
        .expect("CA file");
        assert_eq!(
            trust::TrustChoice::from(ca_file),
            trust::TrustChoice::CaFile {
                path: "/home/owner/contoso-ca.pem".into()
            }
        );
    }
}
