//! "Switch your domain": where each of a batch's domains stands in DNS, and whether
//! completing the batch is safe yet. The rules are the engine's; this only adapts them.

use mailferry::app::cutover::{check_batch_domains, completion, dns_server_from_env, retirement};
use mailferry::cutover::{DnsServer, DomainReport, Retirement};
use serde::Serialize;
use tauri::State;

use crate::app_state::AppState;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DomainSwitch {
    pub domains: Vec<DomainReport>,
    /// Every domain is switched with SPF and Autodiscover right.
    pub ready: bool,
    /// Completing now cannot lose mail: every domain switched at least 72 hours ago.
    pub safe_to_complete: bool,
    /// What could be lost by completing now, in a sentence (empty when safe).
    pub completion_warning: String,
}

/// The DNS server asked: the computer's own, or the one `MAILFERRY_DNS_SERVER` names (used by
/// the tests, which never ask the real DNS). A running batch asks the same one.
async fn dns_server() -> AppResult<DnsServer> {
    dns_server_from_env().await.map_err(crate::error::explain)
}

#[tauri::command]
#[specta::specta]
pub async fn batch_domains(state: State<'_, AppState>, name: String) -> AppResult<DomainSwitch> {
    let server = dns_server().await?;
    let report = check_batch_domains(&state.store, &name, &server)
        .await
        .map_err(AppError::from)?;
    let verdict = completion(&report);
    Ok(DomainSwitch {
        ready: report.ready,
        safe_to_complete: verdict.safe(),
        completion_warning: if verdict.safe() {
            String::new()
        } else {
            verdict.warning()
        },
        domains: report.domains,
    })
}

/// After Complete: which old mailboxes can be retired, and what the others still hold.
#[tauri::command]
#[specta::specta]
pub async fn batch_retirement(state: State<'_, AppState>, name: String) -> AppResult<Retirement> {
    retirement(&state.store, &name).map_err(AppError::from)
}
