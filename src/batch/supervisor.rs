//! Batches running in the background of a long-lived process (the desktop app): at most one
//! runner per batch, and the owner's actions never overlapping a runner that is still
//! winding down.
//!
//! Two runners on one mailbox could both copy a message the other has not recorded yet, so:
//! starting a batch that is already running asks that runner to look for queued users once
//! more before it ends (instead of starting a second one), and closing the connection
//! (complete) or deleting first stops the runner and waits until it has really ended.
//! The command line needs none of this: one process runs one batch under a file lock. A
//! command-line runner and this one may still share a batch; each mailbox's lease keeps them
//! from copying one mailbox at once.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, watch};

use super::domain_watch::{self, DnsChoice};
use super::progress::{BatchUpdate, ProgressHub};
use super::runner::{run, RunMode, StopToken};
use super::secrets::BatchSecrets;
use super::store::{BatchError, BatchStore};

/// Runs a future in the background, on whatever runtime the host process uses.
pub type Spawner = Box<dyn Fn(Pin<Box<dyn Future<Output = ()> + Send>>) + Send + Sync>;

/// How many progress updates a slow subscriber may fall behind before it skips some.
const UPDATE_BACKLOG: usize = 256;

pub struct Supervisor {
    store: BatchStore,
    spawn: Spawner,
    runners: Mutex<HashMap<String, Runner>>,
    next_id: AtomicU64,
    updates: broadcast::Sender<BatchUpdate>,
    /// Where a continuous runner has its batch's domains checked beside it, if anywhere.
    watch_domains: Mutex<Option<DnsChoice>>,
}

/// A runner as the registry knows it.
struct Runner {
    id: u64,
    hub: ProgressHub,
    stop: StopToken,
    again: Arc<AtomicBool>,
    finished: watch::Receiver<bool>,
}

/// What the task driving a runner holds.
struct Registration {
    id: u64,
    hub: ProgressHub,
    stop: StopToken,
    again: Arc<AtomicBool>,
    finished: watch::Sender<bool>,
}

impl Supervisor {
    pub fn new(store: BatchStore, spawn: Spawner) -> Arc<Supervisor> {
        Arc::new(Supervisor {
            store,
            spawn,
            runners: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            updates: broadcast::channel(UPDATE_BACKLOG).0,
            watch_domains: Mutex::new(None),
        })
    }

    /// From now on, a batch left running also checks its domains in DNS now and then (see
    /// [`super::domain_watch`]). The window turns this on; a host that must not ask DNS
    /// leaves it off.
    pub fn watch_domains(&self, dns: DnsChoice) {
        *self
            .watch_domains
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(dns);
    }

    /// Progress of every batch this supervisor runs (coalesced per batch, ~10 a second).
    /// Each batch's hub sends here directly, so the only relay to the window is the shell's
    /// emitter.
    pub fn subscribe(&self) -> broadcast::Receiver<BatchUpdate> {
        self.updates.subscribe()
    }

    /// Runs the batch in the background until `mode` says it is done. If a runner is already
    /// at work on it, that runner looks for queued users once more before it ends.
    pub fn start(self: &Arc<Self>, name: &str, secrets: BatchSecrets, mode: RunMode) {
        let Some(registration) = self.register(name) else {
            return;
        };
        let this = self.clone();
        let name = name.to_string();
        (self.spawn)(Box::pin(async move {
            let drive = this.drive(&name, &secrets, mode, registration);
            // A batch left running through the domain switch notices it by itself.
            let dns = this
                .watch_domains
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone()
                .filter(|_| mode == RunMode::Continuous);
            let result = match dns {
                Some(dns) => domain_watch::alongside(&this.store, &name, &dns, drive).await,
                None => drive.await,
            };
            if let Err(e) = result {
                tracing::warn!("batch {name} stopped with an error: {e}");
            }
        }));
    }

    /// Stops the batch's runner, if any, and returns once it has ended: no pass of it is
    /// still copying. Statuses are left as they are (the owner's Stop is [`BatchStore::stop`]).
    pub async fn stop(&self, name: &str) {
        let finished = self.lock().get(name).map(|runner| {
            runner.stop.stop();
            runner.finished.clone()
        });
        if let Some(mut finished) = finished {
            let _ = finished.wait_for(|done| *done).await;
        }
    }

    /// Closes the connection: the runner is stopped and waited for, a last pass copies what
    /// arrived since, and every synced mailbox becomes Completed.
    pub async fn complete(
        self: &Arc<Self>,
        name: &str,
        secrets: BatchSecrets,
    ) -> Result<(), BatchError> {
        loop {
            self.stop(name).await;
            // Another start may have slipped in while the old runner ended: stop that too.
            if let Some(registration) = self.register(name) {
                // Kept until Completed is written: its hub tells followers, after every update
                // of the last pass.
                let hub = registration.hub.clone();
                self.drive(name, &secrets, RunMode::Once, registration)
                    .await?;
                // Writing Completed publishes it to followers, after every update of the pass.
                crate::app::run_control::close_synced(&self.store, name)?;
                drop(hub);
                return Ok(());
            }
        }
    }

    /// The live state of a running batch, for a window that opens while it runs.
    pub fn snapshot(&self, name: &str) -> Option<BatchUpdate> {
        self.lock().get(name).map(|runner| runner.hub.snapshot())
    }

    pub fn is_running(&self, name: &str) -> bool {
        self.lock().contains_key(name)
    }

    /// The batches running now, by name.
    pub fn running(&self) -> Vec<String> {
        let mut names: Vec<String> = self.lock().keys().cloned().collect();
        names.sort();
        names
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Runner>> {
        // A panic while the map was held leaves it consistent (every change is one insert
        // or remove), so a poisoned lock is still usable.
        self.runners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A new runner for `name`, or `None` when one is registered (it is asked to look again).
    fn register(&self, name: &str) -> Option<Registration> {
        let mut runners = self.lock();
        if let Some(runner) = runners.get(name) {
            runner.again.store(true, Ordering::SeqCst);
            return None;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let hub = ProgressHub::sending_to(&self.store, name, self.updates.clone());
        let stop = StopToken::default();
        let again = Arc::new(AtomicBool::new(false));
        let (finished_tx, finished_rx) = watch::channel(false);
        runners.insert(
            name.to_string(),
            Runner {
                id,
                hub: hub.clone(),
                stop: stop.clone(),
                again: again.clone(),
                finished: finished_rx,
            },
        );
        Some(Registration {
            id,
            hub,
            stop,
            again,
            finished: finished_tx,
        })
    }

    /// Runs passes until nothing asks for another, then leaves the registry.
    async fn drive(
        &self,
        name: &str,
        secrets: &BatchSecrets,
        mode: RunMode,
        registration: Registration,
    ) -> Result<(), BatchError> {
        let result = loop {
            let result = run(
                &self.store,
                secrets,
                name,
                mode,
                &registration.hub,
                &registration.stop,
            )
            .await;
            // Deciding to end and leaving the registry happen under one lock, so a start
            // either reaches this runner (`again`) or finds none and begins a new one.
            let mut runners = self.lock();
            let asked_again = registration.again.swap(false, Ordering::SeqCst);
            if result.is_ok() && asked_again && !registration.stop.is_stopped() {
                continue;
            }
            if runners.get(name).is_some_and(|r| r.id == registration.id) {
                runners.remove(name);
            }
            break result;
        };
        // The pass's last state went out through the hub (its final flush), in order with
        // everything before it.
        let _ = registration.finished.send(true);
        result
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::batch::model::{BatchOptions, NewBatch, ServerSpec, UserStatus};
    use crate::batch::secrets::SecretMode;
    use crate::state::State;

    /// A batch whose old server refuses every connection: its mailboxes wait to try again.
    fn unreachable_batch(dir: &std::path::Path) -> (BatchStore, BatchSecrets) {
        let store = BatchStore::new(State::open(dir).unwrap()).unwrap();
        // A port just released: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let spec = ServerSpec {
            preset: None,
            url: format!("imaps://127.0.0.1:{port}"),
        };
        let batch = NewBatch {
            name: "b".into(),
            source: spec.clone(),
            destination: spec,
            options: BatchOptions {
                destination_admin: Some("admin".into()),
                retry_wait_secs: 3600,
                ..BatchOptions::default()
            },
        };
        let emails = ["a@x.com", "b@x.com"];
        let users: Vec<_> = emails
            .iter()
            .map(|e| (e.to_string(), e.to_string(), None))
            .collect();
        store.create(&batch, &users).unwrap();
        let secrets = BatchSecrets::new(SecretMode::Memory);
        for email in emails {
            secrets
                .set_source_password(
                    "b",
                    email,
                    &crate::secrets::SecretString::new("pw".to_string()),
                )
                .unwrap();
        }
        secrets
            .set_admin_password("b", &crate::secrets::SecretString::new("pw".to_string()))
            .unwrap();
        (store, secrets)
    }

    /// Reads the supervisor's stream, as the window does, until every mailbox shows `status`.
    async fn until_all(updates: &mut broadcast::Receiver<BatchUpdate>, status: UserStatus) {
        let wait = async {
            loop {
                match updates.recv().await {
                    Ok(update)
                        if update.users.len() == 2
                            && update.users.iter().all(|u| u.status == status) =>
                    {
                        return
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => panic!("the stream ended"),
                }
            }
        };
        // A bound on a hang, not a measure of speed.
        tokio::time::timeout(Duration::from_secs(60), wait)
            .await
            .unwrap_or_else(|_| panic!("followers never saw every mailbox {status:?}"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_owners_stop_reaches_the_windows_stream_while_the_batch_runs() {
        let dir = tempfile::tempdir().unwrap();
        let (store, secrets) = unreachable_batch(dir.path());
        let supervisor = Supervisor::new(
            store.clone(),
            Box::new(|future| {
                tokio::spawn(future);
            }),
        );
        let mut updates = supervisor.subscribe();
        supervisor.start("b", secrets, RunMode::Continuous);
        until_all(&mut updates, UserStatus::Waiting).await;
        let snapshot = supervisor.snapshot("b").expect("running");
        assert!(snapshot
            .users
            .iter()
            .all(|u| u.status == UserStatus::Waiting && u.resume_at.is_some()));

        store.stop("b").unwrap();
        until_all(&mut updates, UserStatus::Stopped).await;
        supervisor.stop("b").await;
        assert!(!supervisor.is_running("b"));
    }
}
