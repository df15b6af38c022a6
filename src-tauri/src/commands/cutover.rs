//! "Switch your domain": where each of a batch's domains stands in DNS, and whether
//! completing the batch is safe yet. The rules are the engine's; this only adapts them.

use mailferry::app::cutover::{check_batch_domains, completion, dns_server_from_env, retirement};
use mailferry::cutover::DnsServer;
use tauri::State;

use super::cutover_types::{DomainSwitch, Retirement};
use crate::app_state::AppState;
use crate::error::{AppError, AppResult};

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
    Ok(DomainSwitch::new(report, &verdict))
}

/// After Complete: which old mailboxes can be retired, and what the others still hold.
#[tauri::command]
#[specta::specta]
pub async fn batch_retirement(state: State<'_, AppState>, name: String) -> AppResult<Retirement> {
    retirement(&state.store, &name)
        .map(Into::into)
        .map_err(AppError::from)
}
