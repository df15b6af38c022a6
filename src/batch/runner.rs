//! Running a batch: start users up to the concurrency caps, move each through its statuses,
//! back off when a provider says so, repeat incremental passes, and pick up where a previous
//! process left off.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use super::model::{BatchUser, UserStatus};
use super::progress::ProgressHub;
use super::secrets::BatchSecrets;
use super::store::{now, BatchError, BatchStore, StoredBatch};
use crate::app::mailbox_sides::{self, Mailbox};
use crate::error::{Classify, ErrorKind, Problem};
use crate::events::Events;
use crate::folder_plan::PlanOptions;
use crate::imap::Timeouts;
use crate::migrate::{Migration, MigrationOptions};
use crate::report::{MigrationReport, RunStatus};
use crate::tls::Trust;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    /// One pass for every user that is not stopped, failed or completed; then return.
    Once,
    /// Keep going: incremental passes every interval, until every user is stopped or completed
    /// or the stop token is set.
    Continuous,
}

/// Lets a front end stop a running batch from the same process.
#[derive(Clone, Default)]
pub struct StopToken(Arc<AtomicBool>);

impl StopToken {
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// How often the runner looks at the database for work and for stop requests.
const TICK: Duration = Duration::from_millis(250);
/// In a single pass, a user that keeps having to wait gives up after this many waits.
const MAX_WAITS_IN_ONE_PASS: u32 = 5;

/// Runs the batch until `mode` says to stop. Statuses, counts and reports go to the database
/// as they change, so another process (or the window) can follow along.
pub async fn run(
    store: &BatchStore,
    secrets: &BatchSecrets,
    name: &str,
    mode: RunMode,
    hub: &ProgressHub,
    stop: &StopToken,
) -> Result<(), BatchError> {
    let mut batch = Arc::new(store.batch(name)?);
    let mut trust = batch
        .options
        .trust()
        .map_err(|e| BatchError::Input(e.to_string()))?;
    // Passes that were running when the previous process died start again from the state
    // database; nothing is lost or duplicated by that.
    store.set_statuses(
        name,
        &[
            UserStatus::Starting,
            UserStatus::Syncing,
            UserStatus::IncrementalSyncing,
        ],
        UserStatus::Queued,
    )?;
    let _ticker = hub.spawn_ticker();
    let mut running: JoinSet<(String, PassOutcome)> = JoinSet::new();
    let mut running_users: HashMap<String, (tokio::task::AbortHandle, bool)> = HashMap::new();
    let mut passes_done: HashSet<String> = HashSet::new();
    let mut waits: HashMap<String, u32> = HashMap::new();

    loop {
        // The one look at what another process may have changed (its Stop, say): published
        // like any change of ours, so followers see it too.
        store.notice_outside_changes(name)?;
        let users = store.users(name)?;
        // Stop requests come from this process (token) or the database (the owner's Stop or
        // Complete, from the window or another process).
        for user in &users {
            if matches!(user.status, UserStatus::Stopped | UserStatus::Completed) {
                if let Some((handle, _)) = running_users.remove(&user.email_address) {
                    handle.abort();
                }
            }
        }
        if stop.is_stopped() {
            running.abort_all();
            break;
        }
        let initial_running = running_users
            .values()
            .filter(|(_, initial)| *initial)
            .count();
        let incremental_running = running_users.len() - initial_running;
        let mut initial_slots = batch
            .options
            .max_concurrent_migrations
            .max(1)
            .saturating_sub(initial_running);
        let mut incremental_slots = batch
            .options
            .max_concurrent_incremental
            .max(1)
            .saturating_sub(incremental_running);
        let t = now();
        let mut trust_checked = false;
        for user in &users {
            if running_users.contains_key(&user.email_address) || !due(user, mode, t, &passes_done)
            {
                continue;
            }
            let initial = user.last_synced_at.is_none();
            let slots = if initial {
                &mut initial_slots
            } else {
                &mut incremental_slots
            };
            if *slots == 0 {
                continue;
            }
            *slots -= 1;
            hub.begin_pass(&user.email_address);
            let status = if initial {
                UserStatus::Starting
            } else {
                UserStatus::IncrementalSyncing
            };
            if !store.advance(name, &user.email_address, status, None, None, None)? {
                // Stopped or completed by the owner since the list was read.
                *slots += 1;
                continue;
            }
            if !trust_checked {
                trust_checked = true;
                refresh_trust(store, name, &mut batch, &mut trust);
            }
            let pass = Pass {
                store: store.clone(),
                secrets: secrets.clone(),
                batch: batch.clone(),
                trust: trust.clone(),
                hub: hub.clone(),
                user: user.clone(),
                initial,
            };
            let email = user.email_address.clone();
            let handle = running.spawn(async move { (email, pass.run().await) });
            running_users.insert(user.email_address.clone(), (handle, initial));
        }
        if running_users.is_empty() {
            let finished = match mode {
                RunMode::Once => users.iter().all(|u| !due(u, mode, i64::MAX, &passes_done)),
                RunMode::Continuous => users.iter().all(|u| {
                    matches!(
                        u.status,
                        UserStatus::Stopped | UserStatus::Completed | UserStatus::Failed
                    )
                }),
            };
            if finished {
                break;
            }
        }
        tokio::select! {
            Some(joined) = running.join_next(), if !running.is_empty() => {
                let Ok((email, outcome)) = joined else { continue };
                running_users.remove(&email);
                let current = store.users(name)?.into_iter().find(|u| u.email_address == email);
                // A user stopped or completed while its pass ran keeps that status.
                if current.as_ref().is_some_and(|u| matches!(u.status, UserStatus::Stopped | UserStatus::Completed)) {
                    continue;
                }
                let count = waits.entry(email.clone()).or_default();
                finish_pass(store, &batch, &email, outcome, mode, count)?;
                if let Some(u) = store.users(name)?.into_iter().find(|u| u.email_address == email) {
                    if u.status != UserStatus::Waiting {
                        passes_done.insert(email);
                    }
                }
            }
            _ = tokio::time::sleep(TICK) => {}
        }
    }
    hub.flush(true);
    Ok(())
}

/// Picks up a certificate or CA file trusted since the batch started (the window stores it
/// with the batch, then retries the mailbox that was refused), so a runner that keeps going
/// does not retry with the trust it started with.
fn refresh_trust(
    store: &BatchStore,
    name: &str,
    batch: &mut Arc<StoredBatch>,
    trust: &mut crate::tls::Trust,
) {
    let Ok(fresh) = store.batch(name) else { return };
    let (old, new) = (&batch.options, &fresh.options);
    if old.ca_file == new.ca_file
        && old.pin_cert == new.pin_cert
        && old.trusted_certificates == new.trusted_certificates
    {
        return;
    }
    match new.trust() {
        Ok(renewed) => {
            *trust = renewed;
            *batch = Arc::new(fresh);
        }
        // The stored trust was checked when it was stored; a CA file deleted since then
        // leaves the trust the runner has, and the mailbox's error says what is refused.
        Err(e) => tracing::warn!("batch {name}: the trust stored with it cannot be used: {e}"),
    }
}

/// Whether a user should get a pass now.
fn due(user: &BatchUser, mode: RunMode, t: i64, passes_done: &HashSet<String>) -> bool {
    match user.status {
        UserStatus::Queued => true,
        UserStatus::Waiting => user.resume_at.is_none_or(|at| at <= t),
        UserStatus::Synced => match mode {
            RunMode::Once => !passes_done.contains(&user.email_address),
            RunMode::Continuous => user.next_sync_at.is_none_or(|at| at <= t),
        },
        _ => false,
    }
}

enum PassOutcome {
    Report(Box<MigrationReport>),
    /// The pass could not start (no password, bad server address).
    NotStarted(Problem),
}

/// How often a mailbox busy in another process is looked at again.
const BUSY_RETRY_SECS: i64 = 3;

/// A user's new status at the end of a pass, with its reason (the store publishes it once
/// written).
struct StatusChange<'a> {
    store: &'a BatchStore,
    batch: &'a str,
    email: &'a str,
}

impl StatusChange<'_> {
    fn set(
        &self,
        status: UserStatus,
        problem: Option<&Problem>,
        detail: Option<String>,
        resume_at: Option<i64>,
    ) -> Result<(), BatchError> {
        self.store.advance(
            self.batch,
            self.email,
            status,
            detail.as_deref(),
            problem,
            resume_at,
        )?;
        Ok(())
    }

    fn failed(&self, problem: &Problem) -> Result<(), BatchError> {
        self.set(
            UserStatus::Failed,
            Some(problem),
            Some(problem.message.clone()),
            None,
        )
    }
}

fn finish_pass(
    store: &BatchStore,
    batch: &StoredBatch,
    email: &str,
    outcome: PassOutcome,
    mode: RunMode,
    waits: &mut u32,
) -> Result<(), BatchError> {
    let change = StatusChange {
        store,
        batch: &batch.name,
        email,
    };
    let report = match outcome {
        PassOutcome::NotStarted(problem) => return change.failed(&problem),
        PassOutcome::Report(report) => report,
    };
    let interval = batch.options.incremental_interval_secs.max(1) as i64;
    let next_sync = (mode == RunMode::Continuous).then(|| now() + interval);
    store.record_pass(&batch.name, email, &report, next_sync)?;
    if report.status == RunStatus::Synced {
        *waits = 0;
        return change.set(UserStatus::Synced, None, None, None);
    }
    let problem = report.errors.first().cloned().unwrap_or_else(|| Problem {
        kind: ErrorKind::ServerRefused,
        message: format!("{} message(s) could not be copied", report.totals.failed),
        hint: "The report lists each message and why; run the batch again to retry them.".into(),
        facts: Default::default(),
    });
    if problem.kind == ErrorKind::Busy {
        // Another window or command is copying this mailbox: picked up again once it is free,
        // however long that takes.
        let detail = "Another Mailferry window or command is copying this mailbox; it continues here once that has finished.";
        let resume_at = now() + BUSY_RETRY_SECS;
        return change.set(
            UserStatus::Waiting,
            Some(&problem),
            Some(detail.into()),
            Some(resume_at),
        );
    }
    let transient = matches!(problem.kind, ErrorKind::Network | ErrorKind::Throttled);
    if transient && (mode == RunMode::Continuous || *waits < MAX_WAITS_IN_ONE_PASS) {
        *waits += 1;
        let wait_secs =
            batch.options.retry_wait_secs.max(1) as i64 * 2_i64.pow((*waits - 1).min(6));
        let resume_at = now() + wait_secs.min(3600);
        // What the owner is told to expect is the wait this runner really takes.
        let mut problem = problem;
        let waited = wait_secs.min(3600) as u64;
        problem.facts.retry_after_secs =
            Some(problem.facts.retry_after_secs.unwrap_or(0).max(waited));
        let detail = format!(
            "{} — trying again at {}",
            problem.message,
            chrono::DateTime::from_timestamp(resume_at, 0)
                .map(|d| d.format("%H:%M:%S UTC").to_string())
                .unwrap_or_default()
        );
        return change.set(
            UserStatus::Waiting,
            Some(&problem),
            Some(detail),
            Some(resume_at),
        );
    }
    change.failed(&problem)
}

/// One user's pass.
struct Pass {
    store: BatchStore,
    secrets: BatchSecrets,
    batch: Arc<StoredBatch>,
    trust: Trust,
    hub: ProgressHub,
    user: BatchUser,
    initial: bool,
}

impl Pass {
    async fn run(self) -> PassOutcome {
        let migration = match self.migration() {
            Ok(m) => m,
            Err(problem) => return PassOutcome::NotStarted(problem),
        };
        let status = if self.initial {
            UserStatus::Syncing
        } else {
            UserStatus::IncrementalSyncing
        };
        let _ = self.store.advance(
            &self.batch.name,
            &self.user.email_address,
            status,
            None,
            None,
            None,
        );
        let (events, mut receiver) = Events::channel();
        let migration = Migration {
            events,
            ..migration
        };
        let hub = self.hub.clone();
        let store = self.store.clone();
        let batch = self.batch.name.clone();
        let email = self.user.email_address.clone();
        let mut copied_back = store.copied_back(&batch, &email).unwrap_or_default();
        let forward = tokio::spawn(async move {
            while let Some(event) = receiver.recv().await {
                // Stored before followers hear of the event, which they read back with the
                // status: it survives a restart and shows for a stopped batch.
                if copied_back.apply(&event) {
                    if let Err(e) = store.record_copied_back(&batch, &email, &copied_back) {
                        tracing::warn!("cannot store how far back {email} is copied: {e}");
                    }
                }
                hub.engine_event(&email, &event);
            }
        });
        let report = migration.run().await;
        let _ = forward.await;
        PassOutcome::Report(Box::new(report))
    }

    fn migration(&self) -> Result<Migration, Problem> {
        let batch = &self.batch;
        let mailbox = Mailbox {
            batch: &batch.name,
            user_name: &self.user.user_name,
            email_address: &self.user.email_address,
        };
        let source =
            mailbox_sides::source_side(&batch.source, &batch.options, &self.secrets, mailbox)
                .map_err(|e| e.problem())?;
        let destination = mailbox_sides::destination_side(
            &batch.destination,
            &batch.options,
            &self.secrets,
            mailbox,
        )
        .map_err(|e| e.problem())?;
        let preset_cap = batch
            .source
            .preset
            .as_deref()
            .and_then(crate::presets::find)
            .map(|p| p.max_connections as usize);
        let connections = match preset_cap {
            // Each folder worker holds one source connection; the provider's cap per account wins.
            Some(cap) => batch.options.connections_per_mailbox.min(cap).max(1),
            None => batch.options.connections_per_mailbox.max(1),
        };
        let state = self.store.state().clone();
        let timeout = Duration::from_secs(batch.options.timeout_secs.max(1));
        Ok(Migration {
            source,
            destination,
            trust: self.trust.clone(),
            options: MigrationOptions {
                plan: PlanOptions {
                    excludes: batch.options.excludes.clone(),
                    user_root: self.user.user_root.clone(),
                    destination_is_exchange: false,
                },
                max_message_size: batch.options.max_message_size,
                connections,
                timeouts: Timeouts {
                    connect: timeout.min(Duration::from_secs(30)),
                    idle: timeout,
                },
                disarm_read_receipts: batch.options.disarm_read_receipts,
                ..MigrationOptions::default()
            },
            state,
            events: Events::none(),
        })
    }
}
