//! The database's schema, as ordered steps. `PRAGMA user_version` records how many steps a
//! database has had; opening it runs the rest, all in one transaction.
//!
//! A released step never changes (a database that already had it would not get the new
//! text): a change to a table is a new step at the end.
//!
//! Written by hand on `user_version` rather than with `rusqlite_migration`: that crate reads
//! the version outside its (deferred) transaction, so two processes opening a fresh or older
//! database at the same moment (a scheduled `migrate` and the window, say) could both run the
//! same steps. Here the version is read after taking the write lock.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use rusqlite::{Connection, TransactionBehavior};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SchemaError {
    #[error("this database was written by a newer Mailferry (schema version {found}; this version of Mailferry knows up to {known})")]
    Newer { found: u32, known: u32 },
    #[error("it is not a Mailferry database: {0}")]
    Unrecognised(String),
    #[error("{0}")]
    Sql(#[from] rusqlite::Error),
}

/// Version 1: the tables as Mailferry created them before versions were kept (copy state,
/// run history, cutover history, batches), unchanged. `IF NOT EXISTS` because stamping such
/// a database runs this step on it: only the tables its release did not have yet (the cutover
/// history; the batches, if it only ever ran `migrate`) are created.
const V1_UNVERSIONED_RELEASE: &str = "
CREATE TABLE IF NOT EXISTS pairs (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    destination TEXT NOT NULL,
    UNIQUE (source, destination)
);
CREATE TABLE IF NOT EXISTS folders (
    pair_id INTEGER NOT NULL REFERENCES pairs(id),
    source_folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    PRIMARY KEY (pair_id, source_folder)
);
CREATE TABLE IF NOT EXISTS messages (
    pair_id INTEGER NOT NULL REFERENCES pairs(id),
    source_folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    flags TEXT NOT NULL,
    destination_folder TEXT NOT NULL,
    destination_uid INTEGER,
    outcome TEXT NOT NULL,
    PRIMARY KEY (pair_id, source_folder, uidvalidity, uid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS messages_by_destination ON messages (pair_id, destination_folder);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    pair_id INTEGER NOT NULL REFERENCES pairs(id),
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    report TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cutover_domains (
    domain TEXT PRIMARY KEY,
    switched_first_seen INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
    name TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    destination TEXT NOT NULL,
    options TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS batch_users (
    batch TEXT NOT NULL REFERENCES batches(name) ON DELETE CASCADE,
    email TEXT NOT NULL,
    user_name TEXT NOT NULL,
    user_root TEXT,
    status TEXT NOT NULL,
    detail TEXT,
    error TEXT,
    resume_at INTEGER,
    last_synced_at INTEGER,
    next_sync_at INTEGER,
    messages_in_source INTEGER NOT NULL DEFAULT 0,
    messages_done INTEGER NOT NULL DEFAULT 0,
    bytes_copied INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    report TEXT,
    PRIMARY KEY (batch, email)
);
";

/// Version 2: a pair's folders, messages and runs go with it (ON DELETE CASCADE), so
/// forgetting a mailbox is one statement on `pairs` and nothing is left behind. SQLite cannot
/// add a constraint to a table, so each is rebuilt (its rows copied as they are, run ids kept).
/// Rows whose pair or batch is gone are dropped first (releases enforced the references, so
/// only a hand-edited file has any): nothing can reach them, and a new pair given the same id
/// would otherwise inherit them.
const V2_DELETE_WITH_THE_PAIR: &str = "
DELETE FROM folders WHERE pair_id NOT IN (SELECT id FROM pairs);
DELETE FROM messages WHERE pair_id NOT IN (SELECT id FROM pairs);
DELETE FROM runs WHERE pair_id NOT IN (SELECT id FROM pairs);
DELETE FROM batch_users WHERE batch NOT IN (SELECT name FROM batches);

CREATE TABLE folders_v2 (
    pair_id INTEGER NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
    source_folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    PRIMARY KEY (pair_id, source_folder)
);
INSERT INTO folders_v2 (pair_id, source_folder, uidvalidity)
    SELECT pair_id, source_folder, uidvalidity FROM folders;
DROP TABLE folders;
ALTER TABLE folders_v2 RENAME TO folders;

CREATE TABLE messages_v2 (
    pair_id INTEGER NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
    source_folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    flags TEXT NOT NULL,
    destination_folder TEXT NOT NULL,
    destination_uid INTEGER,
    outcome TEXT NOT NULL,
    PRIMARY KEY (pair_id, source_folder, uidvalidity, uid)
) WITHOUT ROWID;
INSERT INTO messages_v2 (pair_id, source_folder, uidvalidity, uid, fingerprint, flags,
                         destination_folder, destination_uid, outcome)
    SELECT pair_id, source_folder, uidvalidity, uid, fingerprint, flags,
           destination_folder, destination_uid, outcome FROM messages;
DROP TABLE messages;
ALTER TABLE messages_v2 RENAME TO messages;
CREATE INDEX messages_by_destination ON messages (pair_id, destination_folder);

CREATE TABLE runs_v2 (
    id INTEGER PRIMARY KEY,
    pair_id INTEGER NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    report TEXT NOT NULL
);
INSERT INTO runs_v2 (id, pair_id, started_at, finished_at, status, report)
    SELECT id, pair_id, started_at, finished_at, status, report FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v2 RENAME TO runs;
-- Deleting a pair looks its runs up by pair.
CREATE INDEX runs_by_pair ON runs (pair_id);
";

/// Version 3: how far back each batch mailbox is copied (newest mail goes first): every
/// folder's frontier as JSON, and the day derived from them (`batch::copied_back`), so the
/// status page shows it for a stopped batch and after a restart.
const V3_COPIED_BACK: &str = "
ALTER TABLE batch_users ADD COLUMN copied_back TEXT;
ALTER TABLE batch_users ADD COLUMN copied_back_to TEXT;
";

/// Version 4: what a running batch last saw of each domain in DNS (when, the stage, or why it
/// could not be checked): a check that failed is kept, not only tried again.
const V4_LAST_DOMAIN_CHECK: &str = "
CREATE TABLE cutover_checks (
    domain TEXT PRIMARY KEY,
    checked_at INTEGER NOT NULL,
    stage TEXT,
    error TEXT
);
";

/// Step n (from 1) takes a database from version n - 1 to n.
const STEPS: [&str; 4] = [
    V1_UNVERSIONED_RELEASE,
    V2_DELETE_WITH_THE_PAIR,
    V3_COPIED_BACK,
    V4_LAST_DOMAIN_CHECK,
];

/// The version a database has after every step this Mailferry knows.
pub const LATEST: u32 = STEPS.len() as u32;

/// What opening did to a database's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upgrade {
    pub from: u32,
    pub to: u32,
}

impl Upgrade {
    pub fn changed(&self) -> bool {
        self.from != self.to
    }
}

/// The steps (indexes into `STEPS`) that take a database from `found` to `target`.
pub fn steps_between(found: u32, target: u32, known: u32) -> Result<Range<usize>, SchemaError> {
    if found > known {
        return Err(SchemaError::Newer { found, known });
    }
    Ok(found as usize..target.max(found) as usize)
}

/// What a database without a version is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unversioned {
    /// A new file: every step runs.
    Empty,
    /// Written by a Mailferry from before versions were kept: step 1 stamps it.
    Release,
    /// Someone else's tables; nothing is touched.
    Foreign(String),
}

/// Tables and their column names.
pub type Tables = BTreeMap<String, BTreeSet<String>>;

/// Tells a release's database from someone else's: every table it has must be one of
/// version 1's, with exactly its columns (releases created some tables only when first used,
/// and the cutover history came later, so any of them may be missing).
pub fn classify_unversioned(found: &Tables, version_1: &Tables) -> Unversioned {
    if found.is_empty() {
        return Unversioned::Empty;
    }
    for (table, columns) in found {
        match version_1.get(table) {
            None => return Unversioned::Foreign(format!("it has a table \"{table}\"")),
            Some(expected) if expected != columns => {
                return Unversioned::Foreign(format!(
                    "its table \"{table}\" has the columns {} instead of {}",
                    join(columns),
                    join(expected)
                ))
            }
            Some(_) => {}
        }
    }
    Unversioned::Release
}

fn join(columns: &BTreeSet<String>) -> String {
    columns.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// Brings the database to the latest version.
pub fn to_latest(conn: &mut Connection) -> Result<Upgrade, SchemaError> {
    upgrade(conn, LATEST)
}

/// Brings the database to `target` (tests stop at earlier versions to check each step).
pub(crate) fn upgrade(conn: &mut Connection, target: u32) -> Result<Upgrade, SchemaError> {
    // Nearly every open finds the database up to date: no write lock for that.
    let found = user_version(conn)?;
    if steps_between(found, target, LATEST)?.is_empty() {
        return Ok(Upgrade {
            from: found,
            to: found,
        });
    }
    // A rebuilt table is dropped and renamed with the reference checks off (as SQLite's
    // procedure for changing a table asks); `broken_reference` checks the result instead.
    // The setting cannot change inside a transaction, so it is turned off around it.
    let enforced: bool = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let result = run_steps(conn, target);
    conn.pragma_update(None, "foreign_keys", enforced)?;
    result
}

fn run_steps(conn: &mut Connection, target: u32) -> Result<Upgrade, SchemaError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Again under the lock: another process may have upgraded it meanwhile.
    let found = user_version(&tx)?;
    let steps = steps_between(found, target, LATEST)?;
    if steps.is_empty() {
        return Ok(Upgrade {
            from: found,
            to: found,
        });
    }
    if found == 0 {
        if let Unversioned::Foreign(why) = classify_unversioned(&tables(&tx)?, &version_1()?) {
            return Err(SchemaError::Unrecognised(why));
        }
    }
    let to = steps.end as u32;
    for step in &STEPS[steps] {
        tx.execute_batch(step)?;
    }
    if let Some(problem) = broken_reference(&tx)? {
        return Err(SchemaError::Unrecognised(problem));
    }
    tx.pragma_update(None, "user_version", to)?;
    tx.commit()?;
    Ok(Upgrade { from: found, to })
}

fn user_version(conn: &Connection) -> Result<u32, rusqlite::Error> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// The tables (not SQLite's own) and their columns.
pub(crate) fn tables(conn: &Connection) -> Result<Tables, rusqlite::Error> {
    let mut names = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )?;
    let names = names
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut columns = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let mut tables = Tables::new();
    for name in names {
        let set = columns
            .query_map([&name], |r| r.get::<_, String>(0))?
            .collect::<Result<BTreeSet<_>, _>>()?;
        tables.insert(name, set);
    }
    Ok(tables)
}

/// Version 1's tables, read from a scratch database so the column lists are not written twice.
fn version_1() -> Result<Tables, rusqlite::Error> {
    let scratch = Connection::open_in_memory()?;
    scratch.execute_batch(V1_UNVERSIONED_RELEASE)?;
    tables(&scratch)
}

/// A row pointing at a parent that does not exist after the steps (the steps drop such rows,
/// so this is a safety net, not a routine path).
fn broken_reference(conn: &Connection) -> Result<Option<String>, rusqlite::Error> {
    let mut check = conn.prepare("PRAGMA foreign_key_check")?;
    let mut rows = check.query([])?;
    Ok(match rows.next()? {
        Some(row) => {
            let table: String = row.get(0)?;
            let parent: String = row.get(2)?;
            Some(format!(
                "a row of \"{table}\" points at a missing \"{parent}\""
            ))
        }
        None => None,
    })
}

#[cfg(test)]
mod tests;
