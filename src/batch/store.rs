//! Batches, their users and statuses in the state database, so a restarted process (crash,
//! reboot, laptop lid) carries on where it was and the window can show history offline.

use rusqlite::{params, OptionalExtension};
use thiserror::Error;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use super::copied_back::CopiedBack;
use super::model::{
    BatchOptions, BatchStatus, BatchSummary, BatchUser, NewBatch, ServerSpec, UserStatus,
};
use super::status::{Changed, StatusListener, StatusPublisher};
use crate::error::{Classify, ErrorKind, Problem};
use crate::migration_csv::CsvProblem;
use crate::report::MigrationReport;
use crate::secrets::SecretError;
use crate::state::{State, StateError};

#[derive(Debug, Error)]
pub enum BatchError {
    #[error("there is no batch called \"{0}\"")]
    NotFound(String),
    #[error("a batch called \"{0}\" already exists")]
    Exists(String),
    #[error("the CSV file was not imported: {}", summarize(.0))]
    Csv(Vec<CsvProblem>),
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Secret(#[from] SecretError),
}

fn summarize(problems: &[CsvProblem]) -> String {
    let shown: Vec<String> = problems.iter().take(20).map(|p| p.to_string()).collect();
    let more = problems.len().saturating_sub(20);
    let tail = if more > 0 {
        format!("; and {more} more")
    } else {
        String::new()
    };
    format!("{} problem(s): {}{tail}", problems.len(), shown.join("; "))
}

impl From<rusqlite::Error> for BatchError {
    fn from(e: rusqlite::Error) -> Self {
        BatchError::State(StateError::Sql(e))
    }
}

impl Classify for BatchError {
    fn kind(&self) -> ErrorKind {
        match self {
            BatchError::State(e) => e.kind(),
            BatchError::Secret(e) => e.kind(),
            _ => ErrorKind::Input,
        }
    }
    fn hint(&self) -> String {
        match self {
            BatchError::NotFound(_) => "Check the batch's name against the list of batches.".into(),
            BatchError::Exists(_) => "Pick another name, or delete the old batch first.".into(),
            BatchError::Csv(_) => {
                "Fix the lines listed and import the file again; nothing was imported.".into()
            }
            BatchError::Input(_) => "Check the settings named above, then try again.".into(),
            BatchError::State(e) => e.hint(),
            BatchError::Secret(e) => e.hint(),
        }
    }
}

/// A batch's definition as stored.
#[derive(Debug, Clone)]
pub struct StoredBatch {
    pub name: String,
    pub source: ServerSpec,
    pub destination: ServerSpec,
    pub options: BatchOptions,
    pub created_at: i64,
}

/// Every status write goes through here and is published once written (see `status`).
#[derive(Clone)]
pub struct BatchStore {
    state: State,
    publisher: StatusPublisher,
    /// SQLite's `data_version` as last seen, per batch that looks for outside changes.
    seen_versions: Arc<Mutex<HashMap<String, i64>>>,
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl BatchStore {
    /// The batches kept in the state's database (whose schema `db` keeps).
    pub fn new(state: State) -> Result<BatchStore, BatchError> {
        Ok(BatchStore {
            state,
            publisher: StatusPublisher::default(),
            seen_versions: Arc::default(),
        })
    }

    /// Tells `listener` of every status change from now on, for as long as it lives.
    pub fn listen(&self, listener: Weak<dyn StatusListener>) {
        self.publisher.listen(listener);
    }

    /// Statuses written by another process (`mailferry batch stop` while the window runs
    /// the batch) can only be seen by reading the database; this is the one place that does,
    /// and it publishes them on the same path as this process's own changes. SQLite's
    /// `data_version` moves only when another connection commits, so this process's own
    /// writes (already published) and an idle database cost one pragma and nothing more.
    pub fn notice_outside_changes(&self, batch: &str) -> Result<(), BatchError> {
        let version: i64 = self
            .state
            .with(|db| db.pragma_query_value(None, "data_version", |r| r.get(0)))?;
        let previous = match self.seen_versions.lock() {
            Ok(mut seen) => seen.insert(batch.to_string(), version),
            Err(_) => return Ok(()),
        };
        if previous.is_some_and(|previous| previous != version) {
            self.publisher.publish(batch, Changed::Unknown);
        }
        Ok(())
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Creates a batch with its users, all Queued. Fails if the name is taken.
    pub fn create(
        &self,
        batch: &NewBatch,
        users: &[(String, String, Option<String>)],
    ) -> Result<(), BatchError> {
        let source =
            serde_json::to_string(&batch.source).map_err(|e| BatchError::Input(e.to_string()))?;
        let destination = serde_json::to_string(&batch.destination)
            .map_err(|e| BatchError::Input(e.to_string()))?;
        let options =
            serde_json::to_string(&batch.options).map_err(|e| BatchError::Input(e.to_string()))?;
        let inserted = self.state.with(|db| {
            let tx = db.transaction()?;
            let exists: Option<String> = tx
                .query_row("SELECT name FROM batches WHERE name = ?1", params![batch.name], |r| r.get(0))
                .optional()?;
            if exists.is_some() {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO batches (name, source, destination, options, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![batch.name, source, destination, options, now()],
            )?;
            {
                let mut stmt = tx.prepare("INSERT INTO batch_users (batch, email, user_name, user_root, status) VALUES (?1, ?2, ?3, ?4, 'Queued')")?;
                for (email, user_name, user_root) in users {
                    stmt.execute(params![batch.name, email, user_name, user_root])?;
                }
            }
            tx.commit()?;
            Ok(true)
        })?;
        if inserted {
            Ok(())
        } else {
            Err(BatchError::Exists(batch.name.clone()))
        }
    }

    pub fn batch(&self, name: &str) -> Result<StoredBatch, BatchError> {
        let row: Option<(String, String, String, i64)> = self.state.with(|db| {
            db.query_row(
                "SELECT source, destination, options, created_at FROM batches WHERE name = ?1",
                params![name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
        })?;
        let (source, destination, options, created_at) =
            row.ok_or_else(|| BatchError::NotFound(name.into()))?;
        let parse_error = |e: serde_json::Error| {
            BatchError::Input(format!("the stored batch \"{name}\" cannot be read: {e}"))
        };
        Ok(StoredBatch {
            name: name.to_string(),
            source: serde_json::from_str(&source).map_err(parse_error)?,
            destination: serde_json::from_str(&destination).map_err(parse_error)?,
            options: serde_json::from_str(&options).map_err(parse_error)?,
            created_at,
        })
    }

    /// Replaces a batch's options (the next pass of each mailbox uses them).
    pub fn set_options(&self, name: &str, options: &BatchOptions) -> Result<(), BatchError> {
        let text = serde_json::to_string(options).map_err(|e| BatchError::Input(e.to_string()))?;
        let changed = self.state.with(|db| {
            db.execute(
                "UPDATE batches SET options = ?1 WHERE name = ?2",
                params![text, name],
            )
        })?;
        if changed == 0 {
            return Err(BatchError::NotFound(name.into()));
        }
        Ok(())
    }

    pub fn names(&self) -> Result<Vec<String>, BatchError> {
        Ok(self.state.with(|db| {
            let mut stmt = db.prepare("SELECT name FROM batches ORDER BY created_at, name")?;
            let names = stmt
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>();
            names
        })?)
    }

    pub fn users(&self, batch: &str) -> Result<Vec<BatchUser>, BatchError> {
        Ok(self.state.with(|db| {
            let mut stmt = db.prepare(
                "SELECT email, user_name, user_root, status, detail, error, resume_at, last_synced_at, next_sync_at,
                        messages_in_source, messages_done, bytes_copied, skipped, failed, copied_back_to
                 FROM batch_users WHERE batch = ?1 ORDER BY rowid",
            )?;
            let users = stmt
                .query_map(params![batch], |r| {
                    let error: Option<String> = r.get(5)?;
                    Ok(BatchUser {
                        email_address: r.get(0)?,
                        user_name: r.get(1)?,
                        user_root: r.get(2)?,
                        status: UserStatus::parse(&r.get::<_, String>(3)?),
                        detail: r.get(4)?,
                        error: error.and_then(|e| serde_json::from_str::<Problem>(&e).ok()),
                        resume_at: r.get(6)?,
                        last_synced_at: r.get(7)?,
                        next_sync_at: r.get(8)?,
                        messages_in_source: r.get(9)?,
                        messages_done: r.get(10)?,
                        bytes_copied: r.get(11)?,
                        skipped: r.get(12)?,
                        failed: r.get(13)?,
                        copied_back_to: r.get(14)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>();
            users
        })?)
    }

    /// The domains the batch's mailboxes receive mail for (from their addresses): the ones
    /// to switch to the destination before the batch is completed.
    pub fn domains(&self, batch: &str) -> Result<Vec<crate::cutover::DomainName>, BatchError> {
        let users = self.users(batch)?;
        Ok(crate::cutover::domains_of_addresses(
            users.iter().map(|u| u.email_address.as_str()),
        ))
    }

    pub fn summary(&self, name: &str) -> Result<BatchSummary, BatchError> {
        let batch = self.batch(name)?;
        let users = self.users(name)?;
        let statuses: Vec<UserStatus> = users.iter().map(|u| u.status).collect();
        Ok(BatchSummary {
            name: batch.name,
            source: batch.source,
            destination: batch.destination,
            status: BatchStatus::derive(&statuses),
            users_total: users.len(),
            users_synced: users
                .iter()
                .filter(|u| matches!(u.status, UserStatus::Synced | UserStatus::Completed))
                .count(),
            last_synced_at: users.iter().filter_map(|u| u.last_synced_at).max(),
            created_at: batch.created_at,
        })
    }

    /// Moves one user to a new status, with the reason and (for Waiting) when it resumes.
    pub fn set_status(
        &self,
        batch: &str,
        email: &str,
        status: UserStatus,
        detail: Option<&str>,
        error: Option<&Problem>,
        resume_at: Option<i64>,
    ) -> Result<(), BatchError> {
        let error = error.map(|p| serde_json::to_string(p).unwrap_or_default());
        self.state.with(|db| {
            db.execute(
                "UPDATE batch_users SET status = ?3, detail = ?4, error = ?5, resume_at = ?6 WHERE batch = ?1 AND email = ?2",
                params![batch, email, status.as_str(), detail, error, resume_at],
            )
        })?;
        self.publisher
            .publish(batch, Changed::Users(&[email.to_string()]));
        Ok(())
    }

    /// Moves every user whose status is one of `from` to `to`, in one statement so a runner
    /// in another process cannot slip a change in between; returns how many moved.
    pub fn set_statuses(
        &self,
        batch: &str,
        from: &[UserStatus],
        to: UserStatus,
    ) -> Result<usize, BatchError> {
        self.move_statuses(batch, None, from, to)
    }

    /// The same for one user (retrying one mailbox from the window).
    pub fn set_user_statuses(
        &self,
        batch: &str,
        email: &str,
        from: &[UserStatus],
        to: UserStatus,
    ) -> Result<usize, BatchError> {
        self.move_statuses(batch, Some(email), from, to)
    }

    fn move_statuses(
        &self,
        batch: &str,
        email: Option<&str>,
        from: &[UserStatus],
        to: UserStatus,
    ) -> Result<usize, BatchError> {
        self.batch(batch)?;
        let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        let placeholders = vec!["?"; from.len()].join(", ");
        let only_user = if email.is_some() {
            " AND email = ?"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE batch_users SET status = ?, detail = NULL, error = NULL, resume_at = NULL
             WHERE batch = ? AND status IN ({placeholders}){only_user} RETURNING email"
        );
        let mut values: Vec<&str> = vec![to.as_str(), batch];
        values.extend(from);
        values.extend(email);
        let moved: Vec<String> = self.state.with(|db| {
            let mut stmt = db.prepare(&sql)?;
            let moved = stmt
                .query_map(rusqlite::params_from_iter(values), |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>();
            moved
        })?;
        self.publisher.publish(batch, Changed::Users(&moved));
        Ok(moved.len())
    }

    /// A runner's status change: it never overrides the owner's Stopped or Completed, which
    /// may have been set (by another process, even) while a pass was under way. Returns
    /// whether the change was made.
    #[allow(clippy::too_many_arguments)]
    pub fn advance(
        &self,
        batch: &str,
        email: &str,
        status: UserStatus,
        detail: Option<&str>,
        error: Option<&Problem>,
        resume_at: Option<i64>,
    ) -> Result<bool, BatchError> {
        let error = error.map(|p| serde_json::to_string(p).unwrap_or_default());
        let changed = self.state.with(|db| {
            db.execute(
                "UPDATE batch_users SET status = ?3, detail = ?4, error = ?5, resume_at = ?6
                 WHERE batch = ?1 AND email = ?2 AND status NOT IN ('Stopped', 'Completed')",
                params![batch, email, status.as_str(), detail, error, resume_at],
            )
        })?;
        if changed > 0 {
            self.publisher
                .publish(batch, Changed::Users(&[email.to_string()]));
        }
        Ok(changed > 0)
    }

    /// How far back each folder of a user's mailbox is copied, as last stored.
    pub fn copied_back(&self, batch: &str, email: &str) -> Result<CopiedBack, BatchError> {
        let json: Option<Option<String>> = self.state.with(|db| {
            db.query_row(
                "SELECT copied_back FROM batch_users WHERE batch = ?1 AND email = ?2",
                params![batch, email],
                |r| r.get(0),
            )
            .optional()
        })?;
        // Unreadable (hand-edited) means nothing is known: no date is claimed until the next
        // pass has looked again.
        Ok(json
            .flatten()
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default())
    }

    /// Stores how far back each folder is copied, with the day derived from them.
    pub fn record_copied_back(
        &self,
        batch: &str,
        email: &str,
        copied_back: &CopiedBack,
    ) -> Result<(), BatchError> {
        let json = serde_json::to_string(copied_back).unwrap_or_default();
        let day = copied_back.date().map(|d| d.format("%Y-%m-%d").to_string());
        self.state.with(|db| {
            db.execute(
                "UPDATE batch_users SET copied_back = ?3, copied_back_to = ?4 WHERE batch = ?1 AND email = ?2",
                params![batch, email, json, day],
            )
        })?;
        Ok(())
    }

    /// Stores the outcome of one pass for a user.
    pub fn record_pass(
        &self,
        batch: &str,
        email: &str,
        report: &MigrationReport,
        next_sync_at: Option<i64>,
    ) -> Result<(), BatchError> {
        let json = serde_json::to_string(report).unwrap_or_default();
        let t = &report.totals;
        let done = t.copied + t.already_present + t.previously_copied;
        let synced_at = (report.status == crate::report::RunStatus::Synced).then(now);
        self.state.with(|db| {
            db.execute(
                "UPDATE batch_users SET messages_in_source = ?3, messages_done = ?4, bytes_copied = bytes_copied + ?5,
                        skipped = ?6, failed = ?7, report = ?8, last_synced_at = COALESCE(?9, last_synced_at), next_sync_at = ?10
                 WHERE batch = ?1 AND email = ?2",
                params![batch, email, t.messages_in_source, done, t.bytes_copied, t.skipped, t.failed, json, synced_at, next_sync_at],
            )
        })?;
        Ok(())
    }

    /// The last pass's full report for a user, as JSON.
    pub fn report(&self, batch: &str, email: &str) -> Result<Option<MigrationReport>, BatchError> {
        let json: Option<Option<String>> = self.state.with(|db| {
            db.query_row(
                "SELECT report FROM batch_users WHERE batch = ?1 AND email = ?2",
                params![batch, email],
                |r| r.get(0),
            )
            .optional()
        })?;
        Ok(json.flatten().and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// The owner's "Stop migration": every mailbox not finished or failed stops.
    pub fn stop(&self, name: &str) -> Result<usize, BatchError> {
        self.set_statuses(
            name,
            &[
                UserStatus::Queued,
                UserStatus::Starting,
                UserStatus::Syncing,
                UserStatus::Synced,
                UserStatus::IncrementalSyncing,
                UserStatus::Waiting,
            ],
            UserStatus::Stopped,
        )
    }

    /// The owner's "Delete batch": its users, their copy records and their stored secrets.
    pub fn delete_with_secrets(
        &self,
        name: &str,
        secrets: &super::BatchSecrets,
    ) -> Result<(), BatchError> {
        let batch = self.batch(name)?;
        let users = self.users(name)?;
        let mut pairs = Vec::new();
        for user in &users {
            if let (Ok(source), Ok(destination)) = (
                batch.source.endpoint_for(&user.user_name),
                batch.destination.endpoint_for(&user.email_address),
            ) {
                pairs.push(crate::state::pair_key(&source, &destination));
            }
        }
        let emails: Vec<String> = users.iter().map(|u| u.email_address.clone()).collect();
        secrets.forget(name, &emails)?;
        self.delete(name, &pairs)
    }

    /// Removes the batch, its users and the copy state of the given pairs (`state::pair_key`),
    /// in one transaction.
    pub fn delete(&self, name: &str, pair_keys: &[(String, String)]) -> Result<(), BatchError> {
        self.batch(name)?;
        self.state.with(|db| {
            let tx = db.transaction()?;
            for (source, destination) in pair_keys {
                crate::state::forget_pair(&tx, source, destination)?;
            }
            // Its users go with it (ON DELETE CASCADE).
            tx.execute("DELETE FROM batches WHERE name = ?1", params![name])?;
            tx.commit()
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
