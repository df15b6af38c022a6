//! Where a batch's domains stand in the switch to Microsoft 365, and whether completing the
//! batch is safe yet: asked the same way by `batch status`/`batch complete` and the window.

use crate::batch::BatchStore;
use crate::cutover::{self, CheckReport, CompletionVerdict, DnsLookup, DnsServer, DomainName};
use crate::error::{Classify, Problem};
use crate::state::State;

/// Names the DNS server the window and a running batch ask instead of the system's
/// resolver (the tests point it at a local stand-in, so nothing asks the real DNS).
pub const DNS_SERVER_ENV: &str = "MAILFERRY_DNS_SERVER";

/// The server [`DNS_SERVER_ENV`] names, or the system's resolver when it is unset or empty.
pub async fn dns_server_from_env() -> Result<DnsServer, cutover::CutoverError> {
    match std::env::var(DNS_SERVER_ENV) {
        Ok(text) if !text.trim().is_empty() => DnsServer::parse(text.trim()).await,
        _ => Ok(DnsServer::System),
    }
}

/// Checks domains through `server`, keeping each domain's 72-hour clock in `state`.
pub async fn check_domains(
    domains: &[DomainName],
    server: &DnsServer,
    state: State,
) -> Result<CheckReport, Problem> {
    let lookup = DnsLookup::new(server).map_err(|e| e.problem())?;
    let history = cutover::history::History::new(state);
    cutover::check(domains, &lookup, &history, chrono::Utc::now())
        .await
        .map_err(|e| e.problem())
}

/// Each domain of a batch's new addresses as DNS shows it now.
pub async fn check_batch_domains(
    store: &BatchStore,
    batch: &str,
    server: &DnsServer,
) -> Result<CheckReport, Problem> {
    let domains = store.domains(batch).map_err(|e| e.problem())?;
    check_domains(&domains, server, store.state().clone()).await
}

/// Whether completing the batch now could lose mail still delivered to the old provider.
pub fn completion(report: &CheckReport) -> CompletionVerdict {
    cutover::completion_verdict(&report.domains, chrono::Utc::now().timestamp())
}

/// After Complete: which of the batch's old mailboxes can be retired, from what the batch
/// recorded of each one's last pass.
pub fn retirement(store: &BatchStore, batch: &str) -> Result<cutover::Retirement, Problem> {
    let report = crate::report::export::collect(store, batch).map_err(|e| e.problem())?;
    Ok(cutover::retirement(&report))
}
