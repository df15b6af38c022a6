//! Running a whole mailbox: plan the folders, prepare the destination, copy folders over
//! several connections, retry what breaks, and report.

mod error;
mod session;

pub use error::MigrateError;
pub use session::Side;

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::copy::{self, FolderContext, FolderRun};
use crate::error::{Classify, Problem};
use crate::events::{Event, Events};
use crate::folder_name::Role;
use crate::folder_plan::{self, FolderMapping, FolderPlan, FolderTree, PlanOptions};
use crate::imap::{self, Connection, Timeouts};
use crate::report::{FolderReport, FolderStatus, MigrationReport};
use crate::state::State;
use crate::tls::Trust;

/// Everything a run needs besides the two sides.
#[derive(Clone, Debug)]
pub struct MigrationOptions {
    pub plan: PlanOptions,
    pub max_message_size: Option<u64>,
    /// Folders of one mailbox copied at the same time, each over its own pair of connections.
    pub connections: usize,
    pub timeouts: Timeouts,
    /// Attempts per folder when the connection breaks or the server throttles.
    pub attempts: u32,
}

impl Default for MigrationOptions {
    fn default() -> Self {
        MigrationOptions {
            plan: PlanOptions::default(),
            max_message_size: None,
            connections: 4,
            timeouts: Timeouts::default(),
            attempts: 6,
        }
    }
}

pub struct Migration {
    pub source: Side,
    pub destination: Side,
    pub trust: Trust,
    pub options: MigrationOptions,
    pub state: State,
    pub events: Events,
}

/// The folder plan plus what the destination told us while planning.
pub struct Planned {
    pub plan: FolderPlan,
    pub destination_tree: FolderTree,
    pub source: Connection,
    pub destination: Connection,
    pub max_message_size: Option<u64>,
}

impl Migration {
    fn pair_key(&self) -> (String, String) {
        (
            self.source.endpoint.display_url(),
            self.destination.endpoint.display_url(),
        )
    }

    /// Signs in to both sides (source first: nothing is written anywhere until both work)
    /// and works out the folder plan.
    pub async fn plan(&self) -> Result<Planned, MigrateError> {
        let mut source = self
            .source
            .connect(&self.trust, self.options.timeouts)
            .await?;
        let mut destination = self
            .destination
            .connect(&self.trust, self.options.timeouts)
            .await?;
        let source_tree = read_tree(&mut source).await?;
        let destination_tree = read_tree(&mut destination).await?;
        let mut plan_options = self.options.plan.clone();
        plan_options.destination_is_exchange |=
            is_exchange(&destination, &self.destination.endpoint.host);
        let plan = folder_plan::plan(&source_tree, &destination_tree, &plan_options);
        let append_limit = destination
            .capability_value("APPENDLIMIT")
            .and_then(|v| v.parse::<u64>().ok());
        let configured = self
            .options
            .max_message_size
            .or_else(|| default_max_message_size(&self.destination.endpoint.host));
        let max_message_size = match (configured, append_limit) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(Planned {
            plan,
            destination_tree,
            source,
            destination,
            max_message_size,
        })
    }

    /// Runs one full pass. Never panics on server trouble: everything ends up in the report.
    pub async fn run(self) -> MigrationReport {
        let started = Instant::now();
        let started_at = chrono::Utc::now().timestamp();
        let (source_url, destination_url) = self.pair_key();
        let migration = Arc::new(self);
        let (folders, not_copied, errors) = match migration.plan().await {
            Err(e) => (Vec::new(), Vec::new(), vec![e.problem()]),
            Ok(planned) => {
                let not_copied = planned.plan.skipped.clone();
                let (folders, errors) = migration.clone().copy_all(planned).await;
                (folders, not_copied, errors)
            }
        };
        let report = MigrationReport::finish(
            source_url,
            destination_url,
            folders,
            not_copied,
            errors,
            started.elapsed().as_millis() as u64,
        );
        migration.save_run(started_at, &report);
        report
    }

    fn save_run(&self, started_at: i64, report: &MigrationReport) {
        let (source, destination) = self.pair_key();
        let json = serde_json::to_string(report).unwrap_or_default();
        let status = serde_json::to_value(report.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let saved = self.state.pair_id(&source, &destination).and_then(|pair| {
            self.state.record_run(
                pair,
                started_at,
                chrono::Utc::now().timestamp(),
                &status,
                &json,
            )
        });
        if let Err(e) = saved {
            tracing::warn!("could not save the run's report: {e}");
        }
    }

    async fn copy_all(self: Arc<Self>, mut planned: Planned) -> (Vec<FolderReport>, Vec<Problem>) {
        if let Err(e) = prepare_destination(
            &mut planned.destination,
            &planned.plan,
            &planned.destination_tree,
        )
        .await
        {
            return (Vec::new(), vec![MigrateError::from(e).problem()]);
        }
        let (source, destination) = self.pair_key();
        let pair = match self.state.pair_id(&source, &destination) {
            Ok(pair) => pair,
            Err(e) => return (Vec::new(), vec![MigrateError::from(e).problem()]),
        };
        // Folders sharing a destination are copied by one worker, one after the other, so
        // two workers never both decide a destination message is "theirs".
        let mut groups: Vec<Vec<FolderMapping>> = Vec::new();
        for mapping in &planned.plan.copy {
            match groups.iter_mut().find(|g| {
                g[0].destination_raw == mapping.destination_raw
                    && (g[0].role == Role::All) == (mapping.role == Role::All)
            }) {
                Some(group) => group.push(mapping.clone()),
                None => groups.push(vec![mapping.clone()]),
            }
        }
        let (all_mail, regular): (Vec<_>, Vec<_>) =
            groups.into_iter().partition(|g| g[0].role == Role::All);
        let shared = Arc::new(RunShared {
            pair,
            max_message_size: planned.max_message_size,
            reports: Mutex::new(Vec::new()),
            errors: Mutex::new(Vec::new()),
            stop: std::sync::atomic::AtomicBool::new(false),
        });
        let first = (planned.source, planned.destination);
        let spare = self
            .clone()
            .run_phase(shared.clone(), regular, None, Some(first))
            .await;
        if !all_mail.is_empty() && !shared.stop.load(std::sync::atomic::Ordering::SeqCst) {
            let all_names: Vec<String> = all_mail
                .iter()
                .flatten()
                .map(|m| m.source_raw.clone())
                .collect();
            match self.state.fingerprints_outside(pair, &all_names) {
                Ok(elsewhere) => {
                    self.clone()
                        .run_phase(shared.clone(), all_mail, Some(Arc::new(elsewhere)), spare)
                        .await;
                }
                Err(e) => shared
                    .errors
                    .lock()
                    .map(|mut v| v.push(MigrateError::from(e).problem()))
                    .unwrap_or(()),
            }
        }
        let reports = shared.reports.lock().map(|r| r.clone()).unwrap_or_default();
        let errors = shared.errors.lock().map(|e| e.clone()).unwrap_or_default();
        let mut ordered = Vec::new();
        for mapping in &planned.plan.copy {
            if let Some(report) = reports.iter().find(|r| r.source == mapping.source) {
                ordered.push(report.clone());
            }
        }
        (ordered, errors)
    }

    /// Copies groups of folders with up to `connections` workers. Returns a connection pair
    /// that is still open, for the next phase.
    async fn run_phase(
        self: Arc<Self>,
        shared: Arc<RunShared>,
        groups: Vec<Vec<FolderMapping>>,
        elsewhere: Option<Arc<HashSet<crate::fingerprint::Fingerprint>>>,
        first: Option<(Connection, Connection)>,
    ) -> Option<(Connection, Connection)> {
        let workers = self.options.connections.max(1).min(groups.len().max(1));
        let queue = Arc::new(Mutex::new(groups.into_iter().collect::<VecDeque<_>>()));
        let mut handles = Vec::new();
        let mut first = first;
        for _ in 0..workers {
            let worker = Worker {
                migration: self.clone(),
                shared: shared.clone(),
                queue: queue.clone(),
                elsewhere: elsewhere.clone(),
            };
            let connections = first.take();
            handles.push(tokio::spawn(async move { worker.run(connections).await }));
        }
        let mut spare = None;
        for handle in handles {
            if let Ok(Some(pair)) = handle.await {
                spare.get_or_insert(pair);
            }
        }
        spare
    }
}

struct RunShared {
    pair: i64,
    max_message_size: Option<u64>,
    reports: Mutex<Vec<FolderReport>>,
    errors: Mutex<Vec<Problem>>,
    /// Set when a problem makes every other folder fail too (wrong password, full mailbox).
    stop: std::sync::atomic::AtomicBool,
}

struct Worker {
    migration: Arc<Migration>,
    shared: Arc<RunShared>,
    queue: Arc<Mutex<VecDeque<Vec<FolderMapping>>>>,
    elsewhere: Option<Arc<HashSet<crate::fingerprint::Fingerprint>>>,
}

impl Worker {
    async fn run(
        self,
        mut connections: Option<(Connection, Connection)>,
    ) -> Option<(Connection, Connection)> {
        loop {
            if self.shared.stop.load(std::sync::atomic::Ordering::SeqCst) {
                break;
            }
            let next = self.queue.lock().ok().and_then(|mut q| q.pop_front());
            let Some(group) = next else { break };
            for mapping in group {
                let report = self.copy_with_retries(&mapping, &mut connections).await;
                self.migration.events.emit(Event::FolderFinished {
                    report: Box::new(report.clone()),
                });
                if let Ok(mut reports) = self.shared.reports.lock() {
                    reports.push(report);
                }
            }
        }
        connections
    }

    async fn copy_with_retries(
        &self,
        mapping: &FolderMapping,
        connections: &mut Option<(Connection, Connection)>,
    ) -> FolderReport {
        let migration = &self.migration;
        let mut run = FolderRun::default();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = match connections.as_mut() {
                Some((source, destination)) => {
                    let ctx = FolderContext {
                        state: &migration.state,
                        pair: self.shared.pair,
                        events: &migration.events,
                        max_message_size: self.shared.max_message_size,
                        elsewhere: self.elsewhere.as_deref(),
                    };
                    copy::copy_folder(&ctx, source, destination, mapping, &mut run).await
                }
                None => match self.reconnect().await {
                    Ok(pair) => {
                        *connections = Some(pair);
                        attempt -= 1;
                        continue;
                    }
                    Err(e) => Err((
                        FolderReport::new(
                            &mapping.source,
                            &mapping.destination,
                            mapping.role,
                            mapping.renamed.clone(),
                        ),
                        e,
                    )),
                },
            };
            let (mut report, error) = match result {
                Ok(report) => return report,
                Err(failure) => failure,
            };
            if error.is_transient() && attempt < migration.options.attempts {
                *connections = None;
                let wait = backoff(attempt, error.suggested_backoff());
                tracing::info!(
                    "{}: {error}; trying again in {:.1} s",
                    mapping.source,
                    wait.as_secs_f64()
                );
                migration.events.emit(Event::Waiting {
                    reason: error.to_string(),
                    seconds: wait.as_secs(),
                });
                tokio::time::sleep(wait).await;
                continue;
            }
            if error.stops_mailbox() {
                self.shared
                    .stop
                    .store(true, std::sync::atomic::Ordering::SeqCst);
            }
            report.status = FolderStatus::Failed;
            report.error = Some(error.problem());
            return report;
        }
    }

    async fn reconnect(&self) -> Result<(Connection, Connection), MigrateError> {
        let m = &self.migration;
        let source = m.source.connect(&m.trust, m.options.timeouts).await?;
        let destination = m.destination.connect(&m.trust, m.options.timeouts).await?;
        Ok((source, destination))
    }
}

/// Exponential backoff with jitter, or exactly what the server asked for.
fn backoff(attempt: u32, suggested: Option<Duration>) -> Duration {
    if let Some(wait) = suggested {
        return wait.min(Duration::from_secs(600));
    }
    let base = Duration::from_millis(500) * 2u32.pow(attempt.saturating_sub(1).min(6));
    let jitter = rand::Rng::gen_range(&mut rand::thread_rng(), 0..=base.as_millis() as u64 / 2);
    (base + Duration::from_millis(jitter)).min(Duration::from_secs(60))
}

async fn read_tree(conn: &mut Connection) -> Result<FolderTree, MigrateError> {
    let namespace = imap::personal_namespace(conn).await?;
    let folders = imap::list_folders(conn, "", "*").await?;
    Ok(FolderTree::new(folders, namespace))
}

/// Exchange Online's default limit for a message (35 MB); tenants can raise it to 150 MB,
/// and `--max-message-size` says so. Elsewhere the server's APPENDLIMIT, if any, decides.
pub const EXCHANGE_ONLINE_MAX_MESSAGE: u64 = 35 * 1024 * 1024;

fn default_max_message_size(host: &str) -> Option<u64> {
    let host = host.to_ascii_lowercase();
    (host == "outlook.office365.com" || host.ends_with(".outlook.office365.com"))
        .then_some(EXCHANGE_ONLINE_MAX_MESSAGE)
}

fn is_exchange(conn: &Connection, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    conn.greeting().contains("Microsoft Exchange")
        || host.ends_with("office365.com")
        || host.ends_with("outlook.com")
}

/// Creates every destination folder the plan needs (parents first), and subscribes them.
async fn prepare_destination(
    conn: &mut Connection,
    plan: &FolderPlan,
    tree: &FolderTree,
) -> Result<(), imap::ImapError> {
    let mut existing: HashSet<String> = tree.folders.iter().map(|f| f.raw_name.clone()).collect();
    let subscribed: HashSet<String> = imap::list_subscribed(conn).await?.into_iter().collect();
    for mapping in &plan.copy {
        let name = &mapping.destination_raw;
        if !existing.contains(name) {
            for parent in folder_plan::parents_of(name, plan.destination_delimiter, &tree.prefix) {
                if !existing.contains(&parent) && !parent.eq_ignore_ascii_case("INBOX") {
                    imap::create_folder(conn, &parent).await?;
                    existing.insert(parent);
                }
            }
            imap::create_folder(conn, name).await?;
            existing.insert(name.clone());
        }
        if !subscribed.contains(name) {
            imap::subscribe(conn, name).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microsoft_365_destinations_default_to_35_mb() {
        assert_eq!(
            default_max_message_size("outlook.office365.com"),
            Some(36_700_160)
        );
        assert_eq!(default_max_message_size("imap.example.com"), None);
    }

    #[test]
    fn backoff_grows_and_honours_the_server() {
        assert!(backoff(1, None) <= Duration::from_millis(750));
        assert!(backoff(4, None) >= Duration::from_secs(4));
        assert!(backoff(20, None) <= Duration::from_secs(60));
        assert_eq!(
            backoff(1, Some(Duration::from_millis(1500))),
            Duration::from_millis(1500)
        );
    }
}
