//! The owner's controls of a batch, the same from the command line and the window: which
//! mailboxes Start, Resume and Retry queue again, when a run has gone well, what Complete
//! closes and which old mailboxes it leaves to retire.
//!
//! Running itself stays with each front end's runner (a foreground run on the command line,
//! the window's background `Supervisor`); every runner holds each mailbox's lease while it
//! copies, so two of them on one batch never copy one mailbox at once.

use crate::batch::{BatchError, BatchSecrets, BatchStore, BatchUser, UserStatus};

/// What the owner asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// Start (or continue) the batch; a stopped batch starts again, as in the admin center.
    Start,
    /// Start the stopped mailboxes again.
    Resume,
    /// Try the failed mailboxes again.
    Retry,
    /// Try one failed mailbox again (after its password or sign-in was fixed).
    RetryOne { email_address: String },
}

impl Control {
    /// The statuses this control puts back in the queue.
    pub fn requeues(&self) -> &'static [UserStatus] {
        match self {
            Control::Start | Control::Resume => &[UserStatus::Stopped],
            Control::Retry | Control::RetryOne { .. } => &[UserStatus::Failed],
        }
    }
}

/// Queues the mailboxes `control` starts again; returns how many.
pub fn queue(store: &BatchStore, batch: &str, control: &Control) -> Result<usize, BatchError> {
    // An unknown batch is an error, not "nothing to queue".
    store.batch(batch)?;
    match control {
        Control::RetryOne { email_address } => {
            store.set_user_statuses(batch, email_address, control.requeues(), UserStatus::Queued)
        }
        _ => store.set_statuses(batch, control.requeues(), UserStatus::Queued),
    }
}

/// The owner's Stop: every mailbox of the batch that has not failed or been completed is
/// stopped, whichever runner (this process or another) is working on it; runners see it on
/// their next look at the database. Returns how many.
pub fn stop(store: &BatchStore, batch: &str) -> Result<usize, BatchError> {
    store.batch(batch)?;
    store.stop(batch)
}

/// Whether a finished run left the batch in good order: every mailbox synced, completed or
/// stopped by the owner — or being copied right now by another window or command on the
/// same batch (a runner resets its own unfinished passes when it starts, so an active
/// mailbox after a run is another runner's).
pub fn run_went_well(users: &[BatchUser]) -> bool {
    !users.is_empty()
        && users.iter().all(|u| {
            matches!(
                u.status,
                UserStatus::Synced | UserStatus::Completed | UserStatus::Stopped
            ) || u.status.is_active()
        })
}

/// Deletes the batch: its records, its copy state and its stored passwords. The caller makes
/// sure no runner of its own is still writing to them.
pub fn delete(store: &BatchStore, secrets: &BatchSecrets, batch: &str) -> Result<(), BatchError> {
    store.delete_with_secrets(batch, secrets)
}

/// Complete's last step, after the final pass: every synced mailbox's migration is closed.
/// Mailboxes not synced (failed, stopped) stay as they are, so Retry can still take them.
/// Returns how many were closed. Which old mailboxes can then be retired is decided once, by
/// [`crate::app::cutover::retirement`].
pub fn close_synced(store: &BatchStore, batch: &str) -> Result<usize, BatchError> {
    store.set_statuses(batch, &[UserStatus::Synced], UserStatus::Completed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(email: &str, status: UserStatus) -> BatchUser {
        BatchUser {
            email_address: email.into(),
            user_name: format!("old-{email}"),
            user_root: None,
            status,
            detail: None,
            error: None,
            resume_at: None,
            last_synced_at: None,
            next_sync_at: None,
            messages_in_source: 0,
            messages_done: 0,
            bytes_copied: 0,
            skipped: 0,
            failed: 0,
            copied_back_to: None,
        }
    }

    #[test]
    fn start_and_resume_take_stopped_mailboxes_retry_takes_failed_ones() {
        assert_eq!(Control::Start.requeues(), [UserStatus::Stopped]);
        assert_eq!(Control::Resume.requeues(), [UserStatus::Stopped]);
        assert_eq!(Control::Retry.requeues(), [UserStatus::Failed]);
        let one = Control::RetryOne {
            email_address: "a@x.example".into(),
        };
        assert_eq!(one.requeues(), [UserStatus::Failed]);
    }

    #[test]
    fn a_run_went_well_unless_a_mailbox_failed_or_waits() {
        use UserStatus as S;
        assert!(!run_went_well(&[]));
        assert!(run_went_well(&[
            user("a", S::Synced),
            user("b", S::Stopped)
        ]));
        // Another runner is copying it: not this run's failure.
        assert!(run_went_well(&[
            user("a", S::Synced),
            user("b", S::Syncing)
        ]));
        assert!(!run_went_well(&[
            user("a", S::Synced),
            user("b", S::Failed)
        ]));
        assert!(!run_went_well(&[
            user("a", S::Synced),
            user("b", S::Waiting)
        ]));
        assert!(!run_went_well(&[user("a", S::Queued)]));
    }

    #[test]
    fn complete_closes_synced_mailboxes_only_and_lists_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = BatchStore::new(crate::state::State::open(dir.path()).unwrap()).unwrap();
        let server = crate::batch::ServerSpec {
            preset: None,
            url: "imaps://mail.example:993".into(),
        };
        store
            .create(
                &crate::batch::NewBatch {
                    name: "b".into(),
                    source: server.clone(),
                    destination: server,
                    options: Default::default(),
                },
                &[
                    ("a@x.example".into(), "a".into(), None),
                    ("b@x.example".into(), "b".into(), None),
                ],
            )
            .unwrap();
        store
            .set_user_statuses(
                "b",
                "a@x.example",
                &[UserStatus::Queued],
                UserStatus::Synced,
            )
            .unwrap();
        store
            .set_user_statuses(
                "b",
                "b@x.example",
                &[UserStatus::Queued],
                UserStatus::Failed,
            )
            .unwrap();
        assert_eq!(close_synced(&store, "b").unwrap(), 1);
        let statuses: Vec<(String, UserStatus)> = store
            .users("b")
            .unwrap()
            .into_iter()
            .map(|u| (u.user_name, u.status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("a".to_string(), UserStatus::Completed),
                ("b".to_string(), UserStatus::Failed)
            ]
        );
        // Retry still takes the failed one; an unknown batch is an error.
        assert_eq!(queue(&store, "b", &Control::Retry).unwrap(), 1);
        assert!(matches!(
            queue(&store, "nope", &Control::Start),
            Err(BatchError::NotFound(_))
        ));
    }
}
