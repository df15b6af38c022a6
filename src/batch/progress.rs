//! Live progress of a batch for any number of listeners (the window, `batch status`),
//! coalesced so a listener gets at most ~10 updates a second however fast messages move,
//! and a listener that joins late starts from a full snapshot.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::broadcast;

use super::model::UserStatus;
use crate::events::Event;

/// The shortest time between two updates of one batch.
pub const UPDATE_INTERVAL: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
}

/// Everything about a batch's progress at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BatchUpdate {
    pub batch: String,
    pub users: Vec<UserProgress>,
}

struct Inner {
    users: BTreeMap<String, (UserProgress, Option<Instant>)>,
    dirty: bool,
    last_sent: Option<Instant>,
}

/// One per running batch.
#[derive(Clone)]
pub struct ProgressHub {
    batch: String,
    inner: Arc<Mutex<Inner>>,
    sender: broadcast::Sender<BatchUpdate>,
}

impl ProgressHub {
    pub fn new(batch: &str) -> ProgressHub {
        let (sender, _) = broadcast::channel(64);
        ProgressHub {
            batch: batch.to_string(),
            inner: Arc::new(Mutex::new(Inner {
                users: BTreeMap::new(),
                dirty: false,
                last_sent: None,
            })),
            sender,
        }
    }

    /// The current state, then every coalesced update after it.
    pub fn subscribe(&self) -> (BatchUpdate, broadcast::Receiver<BatchUpdate>) {
        let receiver = self.sender.subscribe();
        (self.snapshot(), receiver)
    }

    pub fn snapshot(&self) -> BatchUpdate {
        let users = self
            .inner
            .lock()
            .map(|i| i.users.values().map(|(p, _)| p.clone()).collect())
            .unwrap_or_default();
        BatchUpdate {
            batch: self.batch.clone(),
            users,
        }
    }

    /// The status followers were last told for `email`, if they were told anything.
    pub fn status_of(&self, email: &str) -> Option<UserStatus> {
        self.inner
            .lock()
            .ok()
            .and_then(|inner| inner.users.get(email).map(|(p, _)| p.status))
    }

    fn update(&self, email: &str, change: impl FnOnce(&mut UserProgress, &mut Option<Instant>)) {
        if let Ok(mut inner) = self.inner.lock() {
            let entry = inner.users.entry(email.to_string()).or_insert_with(|| {
                (
                    UserProgress {
                        email_address: email.to_string(),
                        status: UserStatus::Queued,
                        detail: None,
                        resume_at: None,
                        to_copy: 0,
                        copied: 0,
                        bytes_copied: 0,
                        folders_done: 0,
                        rate: 0.0,
                        eta_secs: None,
                    },
                    None,
                )
            });
            change(&mut entry.0, &mut entry.1);
            inner.dirty = true;
        }
        self.flush(false);
    }

    pub fn set_status(
        &self,
        email: &str,
        status: UserStatus,
        detail: Option<String>,
        resume_at: Option<i64>,
    ) {
        self.update(email, |p, started| {
            if status.is_active() && !p.status.is_active() {
                // A new pass: its counters start from zero.
                p.to_copy = 0;
                p.copied = 0;
                p.bytes_copied = 0;
                p.folders_done = 0;
                p.rate = 0.0;
                p.eta_secs = None;
                *started = Some(Instant::now());
            }
            p.status = status;
            p.detail = detail;
            p.resume_at = resume_at;
        });
    }

    /// Feeds one engine event of one user's pass.
    pub fn engine_event(&self, email: &str, event: &Event) {
        self.update(email, |p, started| {
            match event {
                Event::FolderScanned { to_copy, .. } => p.to_copy += to_copy,
                Event::Copied {
                    messages, bytes, ..
                } => {
                    p.copied += messages;
                    p.bytes_copied += bytes;
                }
                Event::FolderFinished { .. } => p.folders_done += 1,
                Event::Waiting { reason, .. } => p.detail = Some(reason.clone()),
            }
            if let Some(started) = started {
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
        let update = {
            let Ok(mut inner) = self.inner.lock() else {
                return;
            };
            let due = inner
                .last_sent
                .is_none_or(|t| t.elapsed() >= UPDATE_INTERVAL);
            if !inner.dirty || !(due || force) {
                return;
            }
            inner.dirty = false;
            inner.last_sent = Some(Instant::now());
            BatchUpdate {
                batch: self.batch.clone(),
                users: inner.users.values().map(|(p, _)| p.clone()).collect(),
            }
        };
        let _ = self.sender.send(update);
    }

    /// Sends pending changes at the coalescing rate until the hub is dropped elsewhere.
    pub fn spawn_ticker(&self) -> tokio::task::JoinHandle<()> {
        let hub = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(UPDATE_INTERVAL);
            loop {
                tick.tick().await;
                hub.flush(false);
                if Arc::strong_count(&hub.inner) <= 1 {
                    break;
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn thousands_of_events_become_a_few_updates_and_the_last_is_exact() {
        let hub = ProgressHub::new("b");
        let (snapshot, mut updates) = hub.subscribe();
        assert!(snapshot.users.is_empty());
        hub.set_status("a@x.com", UserStatus::Syncing, None, None);
        hub.engine_event(
            "a@x.com",
            &Event::FolderScanned {
                source: "INBOX".into(),
                destination: "INBOX".into(),
                to_copy: 5000,
                bytes_to_copy: 0,
            },
        );
        for _ in 0..5000 {
            hub.engine_event(
                "a@x.com",
                &Event::Copied {
                    source: "INBOX".into(),
                    messages: 1,
                    bytes: 10,
                },
            );
        }
        hub.flush(true);
        let mut received = Vec::new();
        while let Ok(update) = updates.try_recv() {
            received.push(update);
        }
        assert!(
            received.len() <= 3,
            "{} updates for a burst",
            received.len()
        );
        let last = received.last().unwrap();
        assert_eq!(last.users[0].copied, 5000);
        assert_eq!(last.users[0].bytes_copied, 50_000);
        let (late, _) = hub.subscribe();
        assert_eq!(
            late.users[0].copied, 5000,
            "a late listener starts from the full state"
        );
    }
}
