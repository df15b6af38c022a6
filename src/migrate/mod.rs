//! Running a whole mailbox: plan the folders, prepare the destination, copy folders over
//! several connections, retry what breaks, and report.

mod error;
mod session;
mod side_facts;

pub use error::MigrateError;
pub use session::Side;

use std::collections::{HashMap, HashSet, VecDeque};
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
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
    /// When another process is copying the same mailbox: wait for it (true) or give up at
    /// once (false).
    pub wait_for_lease: bool,
    /// Rename `Disposition-Notification-To` on messages already read, so that Outlook does
    /// not send their read receipts again (changes those messages' bytes; off by default).
    pub disarm_read_receipts: bool,
}

impl Default for MigrationOptions {
    fn default() -> Self {
        MigrationOptions {
            plan: PlanOptions::default(),
            max_message_size: None,
            connections: 4,
            timeouts: Timeouts::default(),
            attempts: 6,
            wait_for_lease: false,
            disarm_read_receipts: false,
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
    /// The destination is Exchange (Microsoft 365), whose IMAP rules differ.
    pub exchange: bool,
}

impl Migration {
    fn pair_key(&self) -> (String, String) {
        crate::state::pair_key(&self.source.endpoint, &self.destination.endpoint)
    }

    /// Signs in to both sides (source first: nothing is written anywhere until both work)
    /// and works out the folder plan.
    pub async fn plan(&self) -> Result<Planned, MigrateError> {
        let (mut source, mut destination) = self.connect_both().await?;
        let source_tree = read_tree(&mut source).await?;
        let destination_tree = read_tree(&mut destination).await?;
        let mut plan_options = self.options.plan.clone();
        let destination_host = &self.destination.endpoint.host;
        let exchange = crate::exchange::is_exchange(destination.greeting(), destination_host);
        plan_options.destination_is_exchange |= exchange;
        let plan = folder_plan::plan(&source_tree, &destination_tree, &plan_options);
        let append_limit = destination
            .capability_value("APPENDLIMIT")
            .and_then(|v| v.parse::<u64>().ok());
        let configured = self.options.max_message_size.or_else(|| {
            crate::exchange::default_max_message_size(destination.greeting(), destination_host)
        });
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
            exchange: plan_options.destination_is_exchange,
        })
    }

    /// Opens both sides, the source first; a failure names the side and how it signs in.
    async fn connect_both(&self) -> Result<(Connection, Connection), MigrateError> {
        let timeouts = self.options.timeouts;
        let source = self
            .source
            .connect(&self.trust, timeouts)
            .await
            .map_err(|e| MigrateError::on_side(e, crate::error::Side::Source, &self.source))?;
        let destination = self
            .destination
            .connect(&self.trust, timeouts)
            .await
            .map_err(|e| {
                MigrateError::on_side(e, crate::error::Side::Destination, &self.destination)
            })?;
        Ok((source, destination))
    }

    /// Every problem of a pass says which side it met, where its host tells.
    fn with_sides(&self, problem: Problem) -> Problem {
        side_facts::tag_by_host(problem, &self.source.endpoint, &self.destination.endpoint)
    }

    /// Runs one full pass. Never panics on server trouble: everything ends up in the report.
    pub async fn run(self) -> MigrationReport {
        let started = Instant::now();
        let started_at = chrono::Utc::now().timestamp();
        let (source_url, destination_url) = self.pair_key();
        // Held until the pass has ended: one writer per mailbox, across processes.
        let lease = match self.take_lease().await {
            Ok(lease) => Arc::new(lease),
            Err(e) => {
                return MigrationReport::finish(
                    source_url,
                    destination_url,
                    Vec::new(),
                    Vec::new(),
                    vec![e.problem()],
                    started.elapsed().as_millis() as u64,
                )
            }
        };
        let migration = Arc::new(self);
        let (folders, not_copied, errors) = match migration.plan().await {
            Err(e) => (Vec::new(), Vec::new(), vec![e.problem()]),
            Ok(planned) => {
                let not_copied = planned.plan.skipped.clone();
                let (folders, errors) = migration.clone().copy_all(planned, lease).await;
                (folders, not_copied, errors)
            }
        };
        let errors: Vec<Problem> = errors
            .into_iter()
            .map(|p| migration.with_sides(p))
            .collect();
        let folders = folders
            .into_iter()
            .map(|mut folder| {
                folder.error = folder.error.take().map(|p| migration.with_sides(p));
                folder
            })
            .collect();
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

    async fn take_lease(&self) -> Result<crate::lease::Lease, MigrateError> {
        let (source, destination) = self.pair_key();
        let dir = self.state.dir();
        if !self.options.wait_for_lease {
            return Ok(crate::lease::try_acquire(dir, &source, &destination)?);
        }
        let events = &self.events;
        let lease = crate::lease::acquire_waiting(dir, &source, &destination, |busy| {
            events.emit(Event::Waiting {
                reason: busy.to_string(),
                seconds: 0,
            })
        })
        .await?;
        Ok(lease)
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

    async fn copy_all(
        self: Arc<Self>,
        mut planned: Planned,
        lease: Arc<crate::lease::Lease>,
    ) -> (Vec<FolderReport>, Vec<Problem>) {
        let refused = match prepare_destination(
            &mut planned.destination,
            &planned.plan,
            &planned.destination_tree,
        )
        .await
        {
            Ok(refused) => refused,
            Err(e) => return (Vec::new(), vec![MigrateError::from(e).problem()]),
        };
        let (source, destination) = self.pair_key();
        let pair = match self.state.pair_id(&source, &destination) {
            Ok(pair) => pair,
            Err(e) => return (Vec::new(), vec![MigrateError::from(e).problem()]),
        };
        self.events.emit(Event::FoldersPlanned {
            sources: planned.plan.copy.iter().map(|m| m.source.clone()).collect(),
        });
        // Folders sharing a destination are copied by one worker, one after the other, so
        // two workers never both decide a destination message is "theirs".
        let mut groups: Vec<Vec<FolderMapping>> = Vec::new();
        let mut not_created = Vec::new();
        for mapping in &planned.plan.copy {
            if let Some(problem) = refused.get(&mapping.destination_raw) {
                not_created.push(failed_report(mapping, problem.clone()));
                continue;
            }
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
            _lease: lease,
            pair,
            max_message_size: planned.max_message_size,
            exchange: planned.exchange,
            reports: Mutex::new(not_created),
            errors: Mutex::new(Vec::new()),
            stopped_by: Mutex::new(None),
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
        let stopped_by = shared.stopped_by.lock().ok().and_then(|p| p.clone());
        // Every planned folder gets a report: one that was never reached is listed as not
        // copied, so no folder can go missing from a report that says the rest is synced.
        let mut ordered = Vec::new();
        for mapping in &planned.plan.copy {
            match reports.iter().find(|r| r.source == mapping.source) {
                Some(report) => ordered.push(report.clone()),
                None => ordered.push(failed_report(mapping, not_reached(mapping, &stopped_by))),
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
        // A JoinSet, not detached tasks: when a pass is cancelled (Stop, Close connection) its
        // workers end with it instead of copying on beside the next pass.
        let mut workers_set = tokio::task::JoinSet::new();
        let mut first = first;
        for _ in 0..workers {
            let worker = Worker {
                migration: self.clone(),
                shared: shared.clone(),
                queue: queue.clone(),
                elsewhere: elsewhere.clone(),
            };
            let connections = first.take();
            workers_set.spawn(async move { worker.run(connections).await });
        }
        let mut spare = None;
        while let Some(joined) = workers_set.join_next().await {
            match joined {
                Ok(Some(pair)) => {
                    spare.get_or_insert(pair);
                }
                Ok(None) => {}
                // The folders it held get "not reached" reports in `copy_all`.
                Err(e) => tracing::error!("a copy worker ended abnormally: {e}"),
            }
        }
        spare
    }
}

struct RunShared {
    /// Every worker holds the mailbox's lease through this: it is released only when the
    /// last of them is gone, never while one still copies.
    _lease: Arc<crate::lease::Lease>,
    pair: i64,
    max_message_size: Option<u64>,
    exchange: bool,
    reports: Mutex<Vec<FolderReport>>,
    errors: Mutex<Vec<Problem>>,
    /// Set when a problem makes every other folder fail too (wrong password, full mailbox).
    stop: std::sync::atomic::AtomicBool,
    /// That problem, for the folders it kept from being copied.
    stopped_by: Mutex<Option<Problem>>,
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
                let copy = self.copy_with_retries(&mapping, &mut connections);
                let report = match AssertUnwindSafe(copy).catch_unwind().await {
                    Ok(report) => report,
                    Err(panic) => {
                        // Whatever the connections were in the middle of is unknown now.
                        connections = None;
                        let detail = panic_text(panic.as_ref());
                        tracing::error!("copying {} panicked: {detail}", mapping.source);
                        let error = MigrateError::Internal {
                            folder: mapping.source.clone(),
                            detail,
                        };
                        failed_report(&mapping, error.problem())
                    }
                };
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
        let mut copied_before = 0;
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
                        exchange: self.shared.exchange,
                        disarm_read_receipts: migration.options.disarm_read_receipts,
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
            // A throttling server may need many pauses over a long folder: attempts count
            // only while nothing moves.
            if run.copied() > copied_before {
                copied_before = run.copied();
                attempt = 1;
            }
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
                if let Ok(mut stopped_by) = self.shared.stopped_by.lock() {
                    stopped_by.get_or_insert_with(|| error.problem());
                }
                self.shared
                    .stop
                    .store(true, std::sync::atomic::Ordering::SeqCst);
            }
            report.status = FolderStatus::Failed;
            let mut problem = error.problem();
            if let MigrateError::State(_) = error {
                // A database message alone does not say which folder's progress was lost.
                problem.message = format!(
                    "the progress of {} could not be saved: {}",
                    mapping.source, problem.message
                );
            }
            report.error = Some(problem);
            return report;
        }
    }

    async fn reconnect(&self) -> Result<(Connection, Connection), MigrateError> {
        self.migration.connect_both().await
    }
}

fn failed_report(mapping: &FolderMapping, problem: Problem) -> FolderReport {
    let mut report = FolderReport::new(
        &mapping.source,
        &mapping.destination,
        mapping.role,
        mapping.renamed.clone(),
    );
    report.status = FolderStatus::Failed;
    report.error = Some(problem);
    report
}

/// Why a planned folder was never copied: the problem that stopped the mailbox, or else a
/// fault of ours (a worker that ended without reporting it).
fn not_reached(mapping: &FolderMapping, stopped_by: &Option<Problem>) -> Problem {
    match stopped_by {
        Some(problem) => Problem {
            kind: problem.kind,
            message: format!(
                "{} was not copied: the migration stopped because {}",
                mapping.source, problem.message
            ),
            hint: problem.hint.clone(),
            facts: problem.facts.clone(),
        },
        None => MigrateError::Internal {
            folder: mapping.source.clone(),
            detail: "it was never copied".into(),
        }
        .problem(),
    }
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
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

pub use crate::exchange::EXCHANGE_ONLINE_MAX_MESSAGE;

/// Creates every destination folder the plan needs (parents first), and subscribes them.
/// A folder the server refuses to create fails alone (with any folder below it); the
/// returned map names them. A broken connection still fails the whole pass.
async fn prepare_destination(
    conn: &mut Connection,
    plan: &FolderPlan,
    tree: &FolderTree,
) -> Result<HashMap<String, Problem>, imap::ImapError> {
    let mut existing: HashSet<String> = tree.folders.iter().map(|f| f.raw_name.clone()).collect();
    let subscribed: HashSet<String> = imap::list_subscribed(conn).await?.into_iter().collect();
    let mut refused: HashMap<String, Problem> = HashMap::new();
    for mapping in &plan.copy {
        let name = &mapping.destination_raw;
        if !existing.contains(name) {
            let mut chain = folder_plan::parents_of(name, plan.destination_delimiter, &tree.prefix);
            chain.retain(|parent| !parent.eq_ignore_ascii_case("INBOX"));
            chain.push(name.clone());
            let mut failure = None;
            for folder in chain {
                if existing.contains(&folder) {
                    continue;
                }
                if let Some(problem) = refused.get(&folder) {
                    failure = Some(problem.clone());
                    break;
                }
                match imap::create_folder(conn, &folder).await {
                    Ok(()) => {
                        existing.insert(folder);
                    }
                    Err(e) if refuses_only_this_folder(&e) => {
                        let problem = MigrateError::from(e).problem();
                        refused.insert(folder, problem.clone());
                        failure = Some(problem);
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
            if let Some(problem) = failure {
                refused.insert(name.clone(), problem);
                continue;
            }
        }
        if !subscribed.contains(name) {
            match imap::subscribe(conn, name).await {
                Ok(()) => {}
                // Not being subscribed hides nothing from the copy: only worth a log line.
                Err(e) if refuses_only_this_folder(&e) => {
                    tracing::warn!("could not subscribe to {name}: {e}")
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(refused)
}

/// A NO or BAD about one folder (a name the server will not take) leaves the session usable.
fn refuses_only_this_folder(error: &imap::ImapError) -> bool {
    matches!(
        error,
        imap::ImapError::Refused { .. } | imap::ImapError::Bad { .. }
    ) && !error.is_server_hiccup()
        && !error.kind().is_transient()
}

#[cfg(test)]
mod tests {
    use super::*;

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
