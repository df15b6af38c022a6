//! Live progress of a batch for any number of listeners (the window, `batch status`),
//! coalesced so a listener gets at most ~10 updates a second however fast messages move,
//! and a listener that joins late starts from a full snapshot.
//!
//! The hub keeps only the counters of the passes it follows. Statuses are the database's:
//! each update reads them back, and a status change (published by the store once written)
//! sends one at once, so a follower can never see a status that was not stored, nor an
//! older state after a newer one.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::broadcast;

use super::model::{BatchUser, UserStatus};
use super::status::{Changed, StatusListener};
use super::store::BatchStore;
use crate::events::Event;

/// The shortest time between two updates of one batch.
pub const UPDATE_INTERVAL: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserProgress {
    pub email_address: String,
    pub status: UserStatus,
    pub detail: Option<String>,
    pub resume_at: Option<i64>,
    /// Messages this pass has to copy (grows as folders are scanned).
    pub to_copy: u64,
    pub copied: u64,
    pub bytes_copied: u64,
    pub folders_done: u64,
    /// Messages per second over this pass.
    pub rate: f64,
    /// Seconds left at the current rate, once there is a rate.
    pub eta_secs: Option<u64>,
    /// Every message received on or after this day (RFC 3339 full-date) is on the
    /// destination (see `BatchUser::copied_back_to`).
    pub copied_back_to: Option<String>,
}

/// Everything about a batch's progress at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchUpdate {
    pub batch: String,
    pub users: Vec<UserProgress>,
}

/// One mailbox's counters in the current pass: the only thing the hub keeps itself. Its
/// status comes from the database every time an update is made.
struct PassCounters {
    to_copy: u64,
    copied: u64,
    bytes_copied: u64,
    folders_done: u64,
    rate: f64,
    eta_secs: Option<u64>,
    /// Why the pass is pausing (throttled, reconnecting), while it is under way.
    note: Option<String>,
    started: Option<Instant>,
}

impl PassCounters {
    fn new(started: Option<Instant>) -> PassCounters {
        PassCounters {
            to_copy: 0,
            copied: 0,
            bytes_copied: 0,
            folders_done: 0,
            rate: 0.0,
            eta_secs: None,
            note: None,
            started,
        }
    }
}

struct Inner {
    /// Every mailbox followers have been told about, with its pass counters.
    users: BTreeMap<String, PassCounters>,
    dirty: bool,
    last_sent: Option<Instant>,
    /// Nothing is sent twice: an outside change that touched no mailbox of ours is silent.
    last_update: Option<BatchUpdate>,
}

struct Shared {
    batch: String,
    store: BatchStore,
    inner: Mutex<Inner>,
    sender: broadcast::Sender<BatchUpdate>,
}

/// One per running batch.
#[derive(Clone)]
pub struct ProgressHub {
    shared: Arc<Shared>,
}

impl ProgressHub {
    /// A hub with its own followers (the command line).
    pub fn new(store: &BatchStore, batch: &str) -> ProgressHub {
        ProgressHub::sending_to(store, batch, broadcast::channel(64).0)
    }

    /// A hub whose updates go straight to `sender`, shared by every batch of a process (the
    /// window's one event stream): no task relays them, so they keep their order.
    pub fn sending_to(
        store: &BatchStore,
        batch: &str,
        sender: broadcast::Sender<BatchUpdate>,
    ) -> ProgressHub {
        let shared = Arc::new(Shared {
            batch: batch.to_string(),
            store: store.clone(),
            inner: Mutex::new(Inner {
                users: BTreeMap::new(),
                dirty: false,
                last_sent: None,
                last_update: None,
            }),
            sender,
        });
        let listener: Weak<dyn StatusListener> =
            Arc::downgrade(&shared) as Weak<dyn StatusListener>;
        store.listen(listener);
        ProgressHub { shared }
    }

    /// The current state, then every coalesced update after it.
    pub fn subscribe(&self) -> (BatchUpdate, broadcast::Receiver<BatchUpdate>) {
        // Subscribing under the lock that sending takes: nothing is sent between the
        // snapshot and the first update the receiver sees.
        let inner = self.shared.lock();
        let receiver = self.shared.sender.subscribe();
        let snapshot = self.shared.build(&inner).unwrap_or_else(|| BatchUpdate {
            batch: self.shared.batch.clone(),
            users: Vec::new(),
        });
        (snapshot, receiver)
    }

    pub fn snapshot(&self) -> BatchUpdate {
        self.subscribe().0
    }

    /// A pass of `email` starts: its counters start from zero. Nothing is sent yet: the
    /// status the runner writes next sends it, with the pass's first status.
    pub fn begin_pass(&self, email: &str) {
        let mut inner = self.shared.lock();
        inner
            .users
            .insert(email.to_string(), PassCounters::new(Some(Instant::now())));
        inner.dirty = true;
    }

    fn update(&self, email: &str, change: impl FnOnce(&mut PassCounters)) {
        {
            let mut inner = self.shared.lock();
            let entry = inner
                .users
                .entry(email.to_string())
                .or_insert_with(|| PassCounters::new(None));
            change(entry);
            inner.dirty = true;
        }
        self.flush(false);
    }

    /// Feeds one engine event of one user's pass.
    pub fn engine_event(&self, email: &str, event: &Event) {
        self.update(email, |p| {
            match event {
                Event::FolderScanned { to_copy, .. } => p.to_copy += to_copy,
                Event::Copied {
                    messages, bytes, ..
                } => {
                    p.copied += messages;
                    p.bytes_copied += bytes;
                }
                Event::FolderFinished { .. } => p.folders_done += 1,
                Event::Waiting { reason, .. } => p.note = Some(reason.clone()),
                // Stored by the pass (see `copied_back`), read back with the status.
                Event::FoldersPlanned { .. } | Event::Reached { .. } => {}
            }
            if let Some(started) = p.started {
                let seconds = started.elapsed().as_secs_f64();
                if seconds > 0.5 && p.copied > 0 {
                    p.rate = p.copied as f64 / seconds;
                    p.eta_secs =
                        Some((p.to_copy.saturating_sub(p.copied) as f64 / p.rate).round() as u64);
                }
            }
        });
    }

    /// Sends an update if one is due. `force` sends the last one of a pass at once, so the
    /// final counts always reach listeners.
    pub fn flush(&self, force: bool) {
        self.shared.flush(force);
    }

    /// Sends pending changes at the coalescing rate until the hub is dropped elsewhere.
    pub fn spawn_ticker(&self) -> tokio::task::JoinHandle<()> {
        let hub = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(UPDATE_INTERVAL);
            loop {
                tick.tick().await;
                hub.flush(false);
                if Arc::strong_count(&hub.shared) <= 1 {
                    break;
                }
            }
        })
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Every change under this lock is one assignment: a panic elsewhere leaves it usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The live view: statuses as the database has them, with this process's pass counters.
    fn build(&self, inner: &Inner) -> Option<BatchUpdate> {
        let stored = match self.store.users(&self.batch) {
            Ok(stored) => stored,
            Err(e) => {
                tracing::warn!("cannot read batch {} for its progress: {e}", self.batch);
                return None;
            }
        };
        let users = stored
            .into_iter()
            .filter_map(|user| {
                let pass = inner.users.get(&user.email_address)?;
                Some(progress_of(user, pass))
            })
            .collect();
        Some(BatchUpdate {
            batch: self.batch.clone(),
            users,
        })
    }

    fn flush(&self, force: bool) {
        let mut inner = self.lock();
        let due = inner
            .last_sent
            .is_none_or(|t| t.elapsed() >= UPDATE_INTERVAL);
        if !inner.dirty || !(due || force) {
            return;
        }
        // Still dirty if the database could not be read: the next tick tries again.
        let Some(update) = self.build(&inner) else {
            return;
        };
        inner.dirty = false;
        if inner.last_update.as_ref() == Some(&update) {
            return;
        }
        inner.last_sent = Some(Instant::now());
        inner.last_update = Some(update.clone());
        // Sent while the lock is held, so two flushes can never overtake each other.
        let _ = self.sender.send(update);
    }
}

impl StatusListener for Shared {
    fn statuses_changed(&self, batch: &str, changed: Changed<'_>) {
        if batch != self.batch {
            return;
        }
        {
            let mut inner = self.lock();
            if let Changed::Users(emails) = changed {
                for email in emails {
                    inner
                        .users
                        .entry(email.clone())
                        .or_insert_with(|| PassCounters::new(None));
                }
            }
            inner.dirty = true;
        }
        // A status change is rare and always worth showing at once.
        self.flush(true);
    }
}

/// One mailbox's line of the live view.
fn progress_of(user: BatchUser, pass: &PassCounters) -> UserProgress {
    let detail = if user.status.is_active() {
        pass.note.clone().or(user.detail)
    } else {
        user.detail
    };
    UserProgress {
        email_address: user.email_address,
        status: user.status,
        detail,
        resume_at: user.resume_at,
        to_copy: pass.to_copy,
        copied: pass.copied,
        bytes_copied: pass.bytes_copied,
        folders_done: pass.folders_done,
        rate: pass.rate,
        eta_secs: pass.eta_secs,
        copied_back_to: user.copied_back_to,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::model::{BatchOptions, NewBatch, ServerSpec};
    use crate::state::State;

    const A: &str = "a@x.com";
    const B: &str = "b@x.com";

    fn store() -> (tempfile::TempDir, BatchStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = BatchStore::new(State::open(dir.path()).unwrap()).unwrap();
        let spec = |url: &str| ServerSpec {
            preset: None,
            url: url.into(),
        };
        let batch = NewBatch {
            name: "b".into(),
            source: spec("imaps://old.example:993"),
            destination: spec("imaps://new.example:993"),
            options: BatchOptions::default(),
        };
        let users = [A, B].map(|e| (e.to_string(), e.to_string(), None));
        store.create(&batch, &users).unwrap();
        (dir, store)
    }

    fn received(updates: &mut broadcast::Receiver<BatchUpdate>) -> Vec<BatchUpdate> {
        let mut received = Vec::new();
        while let Ok(update) = updates.try_recv() {
            received.push(update);
        }
        received
    }

    fn status_of(update: &BatchUpdate, email: &str) -> Option<UserStatus> {
        update
            .users
            .iter()
            .find(|u| u.email_address == email)
            .map(|u| u.status)
    }

    fn copied(messages: u64) -> Event {
        Event::Copied {
            source: "INBOX".into(),
            messages,
            bytes: 10 * messages,
        }
    }

    #[tokio::test]
    async fn thousands_of_events_become_a_few_updates_and_the_last_counts_of_a_pass_arrive() {
        let (_dir, store) = store();
        let hub = ProgressHub::new(&store, "b");
        let (snapshot, mut updates) = hub.subscribe();
        assert!(snapshot.users.is_empty());
        hub.begin_pass(A);
        store
            .advance("b", A, UserStatus::Syncing, None, None, None)
            .unwrap();
        hub.engine_event(
            A,
            &Event::FolderScanned {
                source: "INBOX".into(),
                destination: "INBOX".into(),
                to_copy: 5000,
                bytes_to_copy: 0,
            },
        );
        for _ in 0..5000 {
            hub.engine_event(A, &copied(1));
        }
        // The pass ends as the runner ends it: its status is written, which sends at once.
        store
            .advance("b", A, UserStatus::Synced, None, None, None)
            .unwrap();
        let received = received(&mut updates);
        assert!(
            received.len() <= 4,
            "{} updates for a burst",
            received.len()
        );
        let last = received.last().unwrap();
        assert_eq!(last.users[0].status, UserStatus::Synced);
        assert_eq!(last.users[0].copied, 5000);
        assert_eq!(last.users[0].bytes_copied, 50_000);
    }

    #[tokio::test]
    async fn a_late_subscriber_starts_from_the_full_state() {
        let (_dir, store) = store();
        let hub = ProgressHub::new(&store, "b");
        hub.begin_pass(A);
        store
            .advance("b", A, UserStatus::Syncing, None, None, None)
            .unwrap();
        hub.engine_event(A, &copied(7));
        store
            .advance(
                "b",
                B,
                UserStatus::Waiting,
                Some("throttled"),
                None,
                Some(99),
            )
            .unwrap();
        let (late, _) = hub.subscribe();
        assert_eq!(late.users.len(), 2);
        let a = late.users.iter().find(|u| u.email_address == A).unwrap();
        assert_eq!((a.status, a.copied), (UserStatus::Syncing, 7));
        let b = late.users.iter().find(|u| u.email_address == B).unwrap();
        assert_eq!(b.status, UserStatus::Waiting);
        assert_eq!(b.detail.as_deref(), Some("throttled"));
        assert_eq!(b.resume_at, Some(99));
    }

    #[tokio::test]
    async fn every_status_change_arrives_in_the_order_it_was_written() {
        let (_dir, store) = store();
        let hub = ProgressHub::new(&store, "b");
        let (_, mut updates) = hub.subscribe();
        let steps = [
            UserStatus::Starting,
            UserStatus::Syncing,
            UserStatus::Synced,
            UserStatus::IncrementalSyncing,
            UserStatus::Synced,
        ];
        hub.begin_pass(A);
        for status in steps {
            store.advance("b", A, status, None, None, None).unwrap();
        }
        let seen: Vec<UserStatus> = received(&mut updates)
            .iter()
            .filter_map(|u| status_of(u, A))
            .collect();
        assert_eq!(
            seen, steps,
            "each change once, in order, none coalesced away"
        );
    }

    #[tokio::test]
    async fn the_owners_stop_reaches_followers_of_every_mailbox_it_moved() {
        let (_dir, store) = store();
        let hub = ProgressHub::new(&store, "b");
        let (_, mut updates) = hub.subscribe();
        hub.begin_pass(A);
        store
            .advance("b", A, UserStatus::Syncing, None, None, None)
            .unwrap();
        hub.engine_event(A, &copied(3));
        hub.flush(true);
        store.stop("b").unwrap();
        let last = received(&mut updates).pop().unwrap();
        assert_eq!(status_of(&last, A), Some(UserStatus::Stopped));
        assert_eq!(
            status_of(&last, B),
            Some(UserStatus::Stopped),
            "a mailbox that never started is shown stopped too"
        );
        let a = last.users.iter().find(|u| u.email_address == A).unwrap();
        assert_eq!(a.copied, 3, "what the stopped pass copied stays on screen");
        // A runner's late write cannot undo the owner's Stop, so followers hear nothing.
        assert!(!store
            .advance("b", A, UserStatus::Synced, None, None, None)
            .unwrap());
        assert!(received(&mut updates).is_empty());
    }

    #[tokio::test]
    async fn a_stop_written_by_another_process_is_published_once_noticed() {
        let (dir, store) = store();
        let hub = ProgressHub::new(&store, "b");
        let (_, mut updates) = hub.subscribe();
        hub.begin_pass(A);
        store
            .advance("b", A, UserStatus::Syncing, None, None, None)
            .unwrap();
        store.notice_outside_changes("b").unwrap();
        received(&mut updates);
        // `mailferry batch stop`: its own connection to the same file.
        let other = BatchStore::new(State::open(dir.path()).unwrap()).unwrap();
        other.stop("b").unwrap();
        assert!(
            received(&mut updates).is_empty(),
            "not seen before it is looked for"
        );
        store.notice_outside_changes("b").unwrap();
        let last = received(&mut updates).pop().expect("an update");
        assert_eq!(status_of(&last, A), Some(UserStatus::Stopped));
        store.notice_outside_changes("b").unwrap();
        assert!(
            received(&mut updates).is_empty(),
            "nothing new, nothing sent"
        );
    }

    #[tokio::test]
    async fn a_pause_in_the_pass_shows_its_reason_until_the_status_changes() {
        let (_dir, store) = store();
        let hub = ProgressHub::new(&store, "b");
        hub.begin_pass(A);
        store
            .advance("b", A, UserStatus::Syncing, None, None, None)
            .unwrap();
        hub.engine_event(
            A,
            &Event::Waiting {
                reason: "the server is throttling".into(),
                seconds: 5,
            },
        );
        let a = hub.snapshot().users[0].clone();
        assert_eq!(a.detail.as_deref(), Some("the server is throttling"));
        store
            .advance("b", A, UserStatus::Failed, Some("refused"), None, None)
            .unwrap();
        let a = hub.snapshot().users[0].clone();
        assert_eq!(a.detail.as_deref(), Some("refused"));
    }
}
