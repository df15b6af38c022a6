//! The one path a mailbox's status takes: [`super::BatchStore`] writes it to SQLite and then
//! tells every listener of this process (a running batch's progress hub) which mailboxes
//! changed. Listeners never keep a status of their own: they read it back from the database,
//! so what they show can never drift from what was written.
//!
//! Changes made by another process (`mailferry batch stop` while the window runs the batch)
//! reach no listener directly; [`super::BatchStore::notice_outside_changes`] is the one place
//! that notices them and publishes them on this same path.

use std::sync::{Arc, Mutex, Weak};

/// Which mailboxes of a batch changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed<'a> {
    /// These, written by this process.
    Users(&'a [String]),
    /// Possibly any of them: another process wrote to the database.
    Unknown,
}

/// Told after a status change has been written, never before.
pub trait StatusListener: Send + Sync {
    fn statuses_changed(&self, batch: &str, changed: Changed<'_>);
}

/// The listeners of one database, shared by every clone of its store.
#[derive(Clone, Default)]
pub struct StatusPublisher {
    listeners: Arc<Mutex<Vec<Weak<dyn StatusListener>>>>,
}

impl StatusPublisher {
    /// A listener stays registered as long as something else holds it.
    pub fn listen(&self, listener: Weak<dyn StatusListener>) {
        if let Ok(mut listeners) = self.listeners.lock() {
            listeners.retain(|l| l.strong_count() > 0);
            listeners.push(listener);
        }
    }

    pub fn publish(&self, batch: &str, changed: Changed<'_>) {
        if matches!(changed, Changed::Users(users) if users.is_empty()) {
            return;
        }
        // Called outside the registry's lock: a listener may read the database, or register
        // another listener, without deadlocking a concurrent publisher.
        let live: Vec<Arc<dyn StatusListener>> = match self.listeners.lock() {
            Ok(mut listeners) => {
                listeners.retain(|l| l.strong_count() > 0);
                listeners.iter().filter_map(Weak::upgrade).collect()
            }
            Err(_) => return,
        };
        for listener in live {
            listener.statuses_changed(batch, changed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Heard(Mutex<Vec<(String, Option<Vec<String>>)>>);

    impl StatusListener for Heard {
        fn statuses_changed(&self, batch: &str, changed: Changed<'_>) {
            let users = match changed {
                Changed::Users(users) => Some(users.to_vec()),
                Changed::Unknown => None,
            };
            self.0.lock().unwrap().push((batch.into(), users));
        }
    }

    #[test]
    fn listeners_hear_changes_until_they_are_dropped() {
        let publisher = StatusPublisher::default();
        let heard = Arc::new(Heard::default());
        let weak: Weak<dyn StatusListener> = Arc::downgrade(&heard) as Weak<dyn StatusListener>;
        publisher.listen(weak);
        publisher.publish("b", Changed::Users(&["a@x.com".into()]));
        publisher.publish("b", Changed::Users(&[]));
        publisher.publish("b", Changed::Unknown);
        assert_eq!(
            *heard.0.lock().unwrap(),
            vec![
                ("b".into(), Some(vec!["a@x.com".to_string()])),
                ("b".into(), None)
            ],
            "in order, and nothing for a change that moved nobody"
        );
        drop(heard);
        publisher.publish("b", Changed::Unknown);
        assert!(publisher.listeners.lock().unwrap().is_empty());
    }
}
