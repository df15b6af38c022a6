//! While a batch runs, its domains are looked up in DNS when it starts and every few minutes
//! after, so that the moment each one is first seen switched to Microsoft 365 is recorded
//! even when nobody opens the window or runs `cutover check`: the 72 hours before completing
//! is safe are counted from that moment, and a switch made on Friday evening should not
//! start counting only when the owner looks again on Monday.
//!
//! DNS is only looked at, never relied on: a server that does not answer (or a domain that
//! cannot be checked) is logged and tried again at the next round, and the batch copies on.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use super::store::BatchStore;
use crate::app::cutover::{check_batch_domains, dns_server_from_env};
use crate::cutover::history::History;
use crate::cutover::{CheckReport, DnsServer};
use crate::error::Classify;

/// How often a running batch looks its domains up again. DNS changes are slow to spread
/// anyway; the first-seen time is at most this late.
pub const RECHECK_EVERY: Duration = Duration::from_secs(10 * 60);

/// Seconds between checks instead of [`RECHECK_EVERY`] (the tests flip a zone and do not wait
/// ten minutes for the batch to notice).
pub const RECHECK_ENV: &str = "MAILFERRY_DOMAIN_RECHECK_SECS";

// A check may take up to 25 seconds when a server does not answer; asking more often than
// this would keep one running all the time.
const SHORTEST: Duration = Duration::from_secs(1);
const LONGEST: Duration = Duration::from_secs(24 * 60 * 60);

/// The interval a value of [`RECHECK_ENV`] asks for: whole seconds, kept within 1 s and a
/// day; anything else (unset, empty, not a number) is [`RECHECK_EVERY`].
pub fn recheck_interval(setting: Option<&str>) -> Duration {
    setting
        .and_then(|text| text.trim().parse::<u64>().ok())
        .map(|secs| Duration::from_secs(secs).clamp(SHORTEST, LONGEST))
        .unwrap_or(RECHECK_EVERY)
}

/// Which DNS server a running batch asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsChoice {
    /// The one `MAILFERRY_DNS_SERVER` names, else the system's resolver (as the window's
    /// own checks do).
    FromEnvironment,
    Server(DnsServer),
}

/// Runs `work` (a batch's runner) with the batch's domains watched beside it, and returns
/// what `work` returns. The watching ends with it.
pub async fn alongside<T>(
    store: &BatchStore,
    batch: &str,
    dns: &DnsChoice,
    work: impl Future<Output = T>,
) -> T {
    let watching = watch(store, batch, dns);
    tokio::select! {
        // The runner decides when everything ends; the watch never does.
        biased;
        out = work => out,
        never = watching => match never {},
    }
}

/// Checks the batch's domains now and every interval after, for as long as it is polled.
async fn watch(store: &BatchStore, batch: &str, dns: &DnsChoice) -> Infallible {
    let chosen = match dns {
        DnsChoice::FromEnvironment => dns_server_from_env().await,
        DnsChoice::Server(server) => Ok(server.clone()),
    };
    let server = match chosen {
        Ok(server) => server,
        Err(e) => {
            tracing::warn!(
                "batch {batch}: its domains are not checked while it runs: {}",
                e.problem().message
            );
            return std::future::pending().await;
        }
    };
    let every = recheck_interval(std::env::var(RECHECK_ENV).ok().as_deref());
    let mut ticks = tokio::time::interval(every);
    // After a slow check the next one waits a whole interval, rather than following at once.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        check_once(store, batch, &server).await;
    }
}

/// One round: the check records each switched domain's first-seen time in the state folder
/// (see `cutover::history`), and each domain's result is kept as its last check; whatever
/// could not be checked is kept and logged, never raised.
async fn check_once(store: &BatchStore, batch: &str, server: &DnsServer) -> Option<CheckReport> {
    match check_batch_domains(store, batch, server).await {
        Ok(report) => {
            for line in unchecked(&report) {
                tracing::warn!("batch {batch}: {line}");
            }
            let history = History::new(store.state().clone());
            let at = chrono::Utc::now().timestamp();
            for domain in &report.domains {
                if let Err(e) = history.record_check(domain, at) {
                    tracing::warn!(
                        "batch {batch}: the check of {} was not kept: {e}",
                        domain.domain
                    );
                }
            }
            Some(report)
        }
        Err(problem) => {
            tracing::warn!(
                "batch {batch}: its domains could not be checked: {}",
                problem.message
            );
            None
        }
    }
}

/// One line per domain DNS could not tell about, for the log.
fn unchecked(report: &CheckReport) -> Vec<String> {
    report
        .domains
        .iter()
        .filter_map(|d| {
            d.error.as_ref().map(|problem| {
                format!(
                    "{} could not be checked in DNS ({}); trying again later",
                    d.domain, problem.message
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cutover::check::failed;
    use crate::cutover::DomainName;
    use crate::error::{ErrorKind, Problem};

    #[test]
    fn the_interval_is_ten_minutes_unless_set_within_bounds() {
        assert_eq!(recheck_interval(None), RECHECK_EVERY);
        assert_eq!(recheck_interval(Some("")), RECHECK_EVERY);
        assert_eq!(recheck_interval(Some("soon")), RECHECK_EVERY);
        assert_eq!(recheck_interval(Some("-5")), RECHECK_EVERY);
        assert_eq!(recheck_interval(Some(" 2 ")), Duration::from_secs(2));
        assert_eq!(recheck_interval(Some("0")), SHORTEST);
        assert_eq!(recheck_interval(Some("99999999999")), LONGEST);
    }

    #[test]
    fn only_domains_that_could_not_be_checked_are_logged() {
        let domain = DomainName::parse("contoso.test").unwrap();
        let problem = Problem::new(
            ErrorKind::Network,
            "the DNS server 127.0.0.1:9 did not answer",
            String::new(),
        );
        let mut fine = failed(
            &DomainName::parse("fabrikam.test").unwrap(),
            problem.clone(),
        );
        fine.error = None;
        let report = CheckReport {
            domains: vec![failed(&domain, problem), fine],
            ready: false,
        };
        let lines = unchecked(&report);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with("contoso.test could not be checked"));
        assert!(lines[0].contains("did not answer"));
    }

    #[tokio::test]
    async fn the_work_ends_everything_and_its_result_comes_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = BatchStore::new(crate::state::State::open(dir.path()).unwrap()).unwrap();
        // A port nothing answers on: whatever the watch asks, no real DNS is reached.
        let nowhere = DnsChoice::Server(DnsServer::At("127.0.0.1:9".parse().unwrap()));
        let out = alongside(&store, "none", &nowhere, async { 42 }).await;
        assert_eq!(out, 42);
    }
}
