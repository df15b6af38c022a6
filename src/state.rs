//! What has been copied where, kept in SQLite so a run can stop at any instant and the
//! next one continue without losing or duplicating a message.
//!
//! The database is written after the destination confirms each batch. A crash between the
//! two leaves messages on the destination that the database does not know about; the next
//! run finds them by fingerprint (see `copy`), so the gap never causes a duplicate.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::db::Database;
use crate::endpoint::Endpoint;
use crate::fingerprint::Fingerprint;

/// The database's errors: the copy state is kept there.
pub use crate::db::{DbError as StateError, DATABASE_FILE};

/// How a source message reached the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// We appended it.
    Copied,
    /// It was already there (an earlier interrupted run, or put there by hand).
    Present,
    /// Gmail's All Mail: the message is copied from another folder, not from here.
    Elsewhere,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Copied => "copied",
            Outcome::Present => "present",
            Outcome::Elsewhere => "elsewhere",
        }
    }
}

/// One source message's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    pub uid: u32,
    pub fingerprint: Fingerprint,
    /// Flags as last written to the destination, space-separated and sorted.
    pub flags: String,
    pub destination_folder: String,
    pub destination_uid: Option<u32>,
    pub outcome: Outcome,
}

/// The state database, shared by every connection of a run.
#[derive(Clone)]
pub struct State {
    db: Database,
}

/// Which mailboxes a pair joins, as the state database (and the lease) knows them: the
/// display URLs of the source and the destination mailbox. Never contains a secret.
pub fn pair_key(source: &Endpoint, destination: &Endpoint) -> (String, String) {
    (source.display_url(), destination.display_url())
}

impl State {
    pub fn open(dir: &Path) -> Result<State, StateError> {
        Ok(State {
            db: Database::open(dir)?,
        })
    }

    /// The folder holding the database (and the mailboxes' leases).
    pub fn dir(&self) -> &Path {
        self.db.dir()
    }

    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, rusqlite::Error>,
    ) -> Result<T, StateError> {
        self.db.with(f)
    }

    /// The id of a source → destination mailbox pair, created on first use. The two names
    /// are the pair's `pair_key`.
    pub fn pair_id(&self, source: &str, destination: &str) -> Result<i64, StateError> {
        self.with(|db| {
            db.execute(
                "INSERT OR IGNORE INTO pairs (source, destination) VALUES (?1, ?2)",
                params![source, destination],
            )?;
            db.query_row(
                "SELECT id FROM pairs WHERE source = ?1 AND destination = ?2",
                params![source, destination],
                |r| r.get(0),
            )
        })
    }

    /// Remembers a source folder's UIDVALIDITY. When it changed, the old UIDs mean nothing any
    /// more: their records are dropped and the folder is matched again by fingerprint.
    pub fn check_uidvalidity(
        &self,
        pair: i64,
        folder: &str,
        uidvalidity: u32,
    ) -> Result<bool, StateError> {
        self.with(|db| {
            let tx = db.transaction()?;
            let known: Option<u32> = tx
                .query_row("SELECT uidvalidity FROM folders WHERE pair_id = ?1 AND source_folder = ?2", params![pair, folder], |r| r.get(0))
                .optional()?;
            let changed = matches!(known, Some(old) if old != uidvalidity);
            if changed {
                tx.execute("DELETE FROM messages WHERE pair_id = ?1 AND source_folder = ?2", params![pair, folder])?;
            }
            tx.execute(
                "INSERT INTO folders (pair_id, source_folder, uidvalidity) VALUES (?1, ?2, ?3)
                 ON CONFLICT (pair_id, source_folder) DO UPDATE SET uidvalidity = excluded.uidvalidity",
                params![pair, folder, uidvalidity],
            )?;
            tx.commit()?;
            Ok(changed)
        })
    }

    /// Every recorded message of a source folder, by UID.
    pub fn records(
        &self,
        pair: i64,
        folder: &str,
        uidvalidity: u32,
    ) -> Result<HashMap<u32, MessageRecord>, StateError> {
        self.with(|db| {
            let mut stmt = db.prepare_cached(
                "SELECT uid, fingerprint, flags, destination_folder, destination_uid, outcome FROM messages
                 WHERE pair_id = ?1 AND source_folder = ?2 AND uidvalidity = ?3",
            )?;
            let rows = stmt.query_map(params![pair, folder, uidvalidity], |r| {
                Ok(MessageRecord {
                    uid: r.get(0)?,
                    fingerprint: Fingerprint(r.get(1)?),
                    flags: r.get(2)?,
                    destination_folder: r.get(3)?,
                    destination_uid: r.get(4)?,
                    outcome: match r.get::<_, String>(5)?.as_str() {
                        "copied" => Outcome::Copied,
                        "elsewhere" => Outcome::Elsewhere,
                        _ => Outcome::Present,
                    },
                })
            })?;
            rows.map(|row| row.map(|record| (record.uid, record))).collect()
        })
    }

    /// Destination messages already accounted for by some source message:
    /// (fingerprint, destination UID if known).
    pub fn claimed(
        &self,
        pair: i64,
        destination_folder: &str,
    ) -> Result<Vec<(Fingerprint, Option<u32>)>, StateError> {
        self.with(|db| {
            let mut stmt = db.prepare_cached("SELECT fingerprint, destination_uid FROM messages WHERE pair_id = ?1 AND destination_folder = ?2 AND outcome != 'elsewhere'")?;
            let rows = stmt.query_map(params![pair, destination_folder], |r| Ok((Fingerprint(r.get(0)?), r.get(1)?)))?;
            rows.collect()
        })
    }

    /// Fingerprints recorded for every source folder except the given ones (Gmail's All
    /// Mail keeps only messages that no other folder had).
    pub fn fingerprints_outside(
        &self,
        pair: i64,
        except_folders: &[String],
    ) -> Result<std::collections::HashSet<Fingerprint>, StateError> {
        self.with(|db| {
            let mut stmt = db.prepare_cached(
                "SELECT source_folder, fingerprint FROM messages WHERE pair_id = ?1",
            )?;
            let rows = stmt.query_map(params![pair], |r| {
                Ok((r.get::<_, String>(0)?, Fingerprint(r.get(1)?)))
            })?;
            let mut set = std::collections::HashSet::new();
            for row in rows {
                let (folder, fingerprint) = row?;
                if !except_folders.contains(&folder) {
                    set.insert(fingerprint);
                }
            }
            Ok(set)
        })
    }

    /// Records messages the destination has confirmed, in one transaction.
    pub fn record(
        &self,
        pair: i64,
        folder: &str,
        uidvalidity: u32,
        records: &[MessageRecord],
    ) -> Result<(), StateError> {
        if records.is_empty() {
            return Ok(());
        }
        self.with(|db| {
            let tx = db.transaction()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT OR REPLACE INTO messages
                     (pair_id, source_folder, uidvalidity, uid, fingerprint, flags, destination_folder, destination_uid, outcome)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?;
                for r in records {
                    stmt.execute(params![
                        pair,
                        folder,
                        uidvalidity,
                        r.uid,
                        r.fingerprint.as_str(),
                        r.flags,
                        r.destination_folder,
                        r.destination_uid,
                        r.outcome.as_str()
                    ])?;
                }
            }
            tx.commit()
        })
    }

    /// Updates the flags (and the destination UID, once learned) after a flag sync.
    pub fn update_flags(
        &self,
        pair: i64,
        folder: &str,
        uidvalidity: u32,
        uid: u32,
        flags: &str,
        destination_uid: Option<u32>,
    ) -> Result<(), StateError> {
        self.with(|db| {
            db.execute(
                "UPDATE messages SET flags = ?5, destination_uid = COALESCE(?6, destination_uid)
                 WHERE pair_id = ?1 AND source_folder = ?2 AND uidvalidity = ?3 AND uid = ?4",
                params![pair, folder, uidvalidity, uid, flags, destination_uid],
            )
            .map(|_| ())
        })
    }

    /// Stores a finished run's report (JSON) for history and offline review.
    pub fn record_run(
        &self,
        pair: i64,
        started_at: i64,
        finished_at: i64,
        status: &str,
        report_json: &str,
    ) -> Result<(), StateError> {
        self.with(|db| {
            db.execute(
                "INSERT INTO runs (pair_id, started_at, finished_at, status, report) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![pair, started_at, finished_at, status, report_json],
            )
            .map(|_| ())
        })
    }

    /// Drops records of messages the destination turned out not to hold, so the next pass
    /// looks for them again (by fingerprint) instead of believing they were copied.
    pub fn forget(
        &self,
        pair: i64,
        folder: &str,
        uidvalidity: u32,
        uids: &[u32],
    ) -> Result<(), StateError> {
        self.for_each_message(
            "DELETE FROM messages WHERE pair_id = ?1 AND source_folder = ?2 AND uidvalidity = ?3 AND uid = ?4",
            (pair, folder, uidvalidity),
            uids,
        )
    }

    /// Forgets the destination UIDs recorded for these messages: the server's word on where it
    /// stored them was not credible, so they are found by fingerprint when needed.
    pub fn clear_destination_uids(
        &self,
        pair: i64,
        folder: &str,
        uidvalidity: u32,
        uids: &[u32],
    ) -> Result<(), StateError> {
        self.for_each_message(
            "UPDATE messages SET destination_uid = NULL WHERE pair_id = ?1 AND source_folder = ?2 AND uidvalidity = ?3 AND uid = ?4",
            (pair, folder, uidvalidity),
            uids,
        )
    }

    /// Runs one statement for each of a folder's messages, in one transaction.
    fn for_each_message(
        &self,
        sql: &str,
        (pair, folder, uidvalidity): (i64, &str, u32),
        uids: &[u32],
    ) -> Result<(), StateError> {
        if uids.is_empty() {
            return Ok(());
        }
        self.with(|db| {
            let tx = db.transaction()?;
            {
                let mut stmt = tx.prepare_cached(sql)?;
                for uid in uids {
                    stmt.execute(params![pair, folder, uidvalidity, uid])?;
                }
            }
            tx.commit()
        })
    }

    /// How many messages are recorded for a pair (for tests and status displays).
    pub fn message_count(&self, pair: i64) -> Result<u64, StateError> {
        self.with(|db| {
            db.query_row(
                "SELECT COUNT(*) FROM messages WHERE pair_id = ?1",
                params![pair],
                |r| r.get(0),
            )
        })
    }
}

/// Forgets everything about a pair, inside the caller's transaction: its folders, message
/// records and run history go with it (the schema cascades the delete). Returns whether
/// the pair was known.
pub(crate) fn forget_pair(
    tx: &Transaction<'_>,
    source: &str,
    destination: &str,
) -> Result<bool, rusqlite::Error> {
    let deleted = tx.execute(
        "DELETE FROM pairs WHERE source = ?1 AND destination = ?2",
        params![source, destination],
    )?;
    Ok(deleted > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(uid: u32, fp: &str) -> MessageRecord {
        MessageRecord {
            uid,
            fingerprint: Fingerprint(fp.into()),
            flags: "\\Seen".into(),
            destination_folder: "INBOX".into(),
            destination_uid: Some(uid + 100),
            outcome: Outcome::Copied,
        }
    }

    #[test]
    fn records_survive_reopening_and_uidvalidity_change_forgets_them() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(dir.path()).unwrap();
        let pair = state.pair_id("imaps://a@s:993", "imaps://a@d:993").unwrap();
        assert!(!state.check_uidvalidity(pair, "INBOX", 7).unwrap());
        state
            .record(pair, "INBOX", 7, &[record(1, "f1"), record(2, "f2")])
            .unwrap();
        drop(state);

        let state = State::open(dir.path()).unwrap();
        assert_eq!(
            state.pair_id("imaps://a@s:993", "imaps://a@d:993").unwrap(),
            pair
        );
        assert!(!state.check_uidvalidity(pair, "INBOX", 7).unwrap());
        let records = state.records(pair, "INBOX", 7).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[&2].destination_uid, Some(102));
        assert_eq!(state.claimed(pair, "INBOX").unwrap().len(), 2);

        assert!(state.check_uidvalidity(pair, "INBOX", 8).unwrap());
        assert!(state.records(pair, "INBOX", 8).unwrap().is_empty());
        assert_eq!(state.message_count(pair).unwrap(), 0);
    }

    #[test]
    fn fingerprints_outside_skip_named_folders() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(dir.path()).unwrap();
        let pair = state.pair_id("s", "d").unwrap();
        state.record(pair, "INBOX", 1, &[record(1, "a")]).unwrap();
        state.record(pair, "All", 1, &[record(1, "b")]).unwrap();
        let outside = state
            .fingerprints_outside(pair, &["All".to_string()])
            .unwrap();
        assert!(
            outside.contains(&Fingerprint("a".into()))
                && !outside.contains(&Fingerprint("b".into()))
        );
    }
}
