//! Mailferry's database: one SQLite file in the data folder, shared by the copy state, the
//! batches and the cutover history. This module alone opens it, with the settings every
//! user of it relies on, and brings its schema up to date (`migrations`) before anyone
//! reads it, so an upgraded Mailferry can change a table and an older one refuses a file
//! it cannot understand.

pub mod migrations;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};
use thiserror::Error;

use crate::error::{Classify, ErrorKind};
pub use migrations::SchemaError;

pub const DATABASE_FILE: &str = "mailferry.sqlite3";

/// How long a statement waits for another process's write (a batch runner, `migrate`, the
/// window) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Error)]
pub enum DbError {
    #[error("cannot open the state database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot create the state folder {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the state database failed: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("the state database is in use by a crashed task")]
    Poisoned,
    #[error("the state database {path} cannot be used: {source}")]
    Schema { path: PathBuf, source: SchemaError },
}

impl DbError {
    /// The disk holding the database has no room left.
    pub fn is_disk_full(&self) -> bool {
        self.sqlite_code() == Some(rusqlite::ErrorCode::DiskFull)
    }

    /// The database was written by a newer Mailferry than this one.
    pub fn is_newer_schema(&self) -> bool {
        matches!(
            self,
            DbError::Schema {
                source: SchemaError::Newer { .. },
                ..
            }
        )
    }

    fn sqlite_code(&self) -> Option<rusqlite::ErrorCode> {
        match self {
            DbError::Sql(e) | DbError::Open { source: e, .. } => e.sqlite_error_code(),
            DbError::Schema {
                source: SchemaError::Sql(e),
                ..
            } => e.sqlite_error_code(),
            _ => None,
        }
    }
}

impl Classify for DbError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Local
    }
    fn hint(&self) -> String {
        match self {
            DbError::Schema {
                source: SchemaError::Newer { .. },
                ..
            } => {
                return "A newer version of Mailferry has used this data folder. Use that version (or a later one): this one cannot read what it saved, and changes nothing.".into()
            }
            DbError::Schema {
                source: SchemaError::Unrecognised(_),
                ..
            } => {
                return "The data folder holds a database Mailferry does not recognise. Move the file aside (or choose another data folder) and run again: mail already copied is recognised on the new server and not copied twice.".into()
            }
            _ => {}
        }
        match self.sqlite_code() {
            Some(rusqlite::ErrorCode::DiskFull) => {
                "The disk that holds Mailferry's data folder is full. Free some space and run again; nothing already copied will be copied twice.".into()
            }
            Some(rusqlite::ErrorCode::ReadOnly) | Some(rusqlite::ErrorCode::PermissionDenied) => {
                "Mailferry cannot write to its data folder. Check that the folder and the disk are writable, then run again.".into()
            }
            Some(rusqlite::ErrorCode::DatabaseCorrupt) | Some(rusqlite::ErrorCode::NotADatabase) => {
                "Mailferry's progress database is damaged. Move it aside and run again: mail already copied is recognised on the new server and not copied twice.".into()
            }
            _ => "Check that Mailferry's data folder is writable and that the disk has free space, then run again.".into(),
        }
    }
}

/// The open database, shared by every part of a process that keeps something in it.
#[derive(Clone)]
pub struct Database {
    conn: Arc<Mutex<Connection>>,
    dir: Arc<PathBuf>,
}

impl Database {
    /// Opens (or creates) the database in `dir` and brings its schema to the latest version.
    pub fn open(dir: &Path) -> Result<Database, DbError> {
        std::fs::create_dir_all(dir).map_err(|source| DbError::Dir {
            path: dir.to_owned(),
            source,
        })?;
        let path = dir.join(DATABASE_FILE);
        let mut conn = Connection::open(&path).map_err(|source| DbError::Open {
            path: path.clone(),
            source,
        })?;
        // First, so that a second process opening the file at the same moment waits for the
        // first one's schema change instead of failing.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL keeps readers (the window, `batch status`) from blocking the migration;
        // NORMAL sync is safe with WAL and the fingerprint check covers a lost last commit.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        migrations::to_latest(&mut conn).map_err(|source| DbError::Schema {
            path: path.clone(),
            source,
        })?;
        // The bundled SQLite enforces references by default; said here so that the cascading
        // deletes do not depend on how SQLite was built.
        conn.pragma_update(None, "foreign_keys", true)?;
        // Every transaction here reads and then writes (a folder's UIDVALIDITY, a batch's
        // name). Begun deferred, it would hold only a read snapshot; when another process
        // writes first, SQLite cannot let it write on that snapshot and fails at once with
        // "database is locked", whatever the busy timeout. Begun immediate, it takes the
        // write lock first and waits its turn.
        conn.set_transaction_behavior(TransactionBehavior::Immediate);
        Ok(Database {
            conn: Arc::new(Mutex::new(conn)),
            dir: Arc::new(dir.to_owned()),
        })
    }

    /// The folder holding the database (and the mailboxes' leases).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, rusqlite::Error>,
    ) -> Result<T, DbError> {
        let mut conn = self.conn.lock().map_err(|_| DbError::Poisoned)?;
        Ok(f(&mut conn)?)
    }
}

#[cfg(test)]
mod release_fixture;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_database_ends_at_the_latest_version_with_foreign_keys_on() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(dir.path()).unwrap();
        let (version, foreign_keys, journal): (u32, bool, String) = db
            .with(|c| {
                Ok((
                    c.pragma_query_value(None, "user_version", |r| r.get(0))?,
                    c.pragma_query_value(None, "foreign_keys", |r| r.get(0))?,
                    c.pragma_query_value(None, "journal_mode", |r| r.get(0))?,
                ))
            })
            .unwrap();
        assert_eq!(version, migrations::LATEST);
        assert!(foreign_keys);
        assert_eq!(journal, "wal");
    }

    #[test]
    fn a_transaction_holds_the_write_lock_from_its_start_so_another_writer_waits_its_turn() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(dir.path()).unwrap();
        // Another process's connection that does not wait: it shows who holds the lock.
        let other = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
        other.busy_timeout(Duration::ZERO).unwrap();
        let write = |c: &Connection| {
            c.execute(
                "INSERT INTO cutover_domains (domain, switched_first_seen) VALUES ('contoso.com', 1)
                 ON CONFLICT (domain) DO UPDATE SET switched_first_seen = switched_first_seen + 1",
                [],
            )
        };
        db.with(|c| {
            let tx = c.transaction()?;
            let _: i64 = tx.query_row("SELECT COUNT(*) FROM cutover_domains", [], |r| r.get(0))?;
            // Had the transaction begun deferred, this write would land and the
            // transaction's own write below would then fail with SQLITE_BUSY.
            let refused = write(&other).expect_err("the other writer must wait");
            assert_eq!(
                refused.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy),
                "{refused}"
            );
            write(&tx)?;
            tx.commit()
        })
        .unwrap();
        write(&other).expect("the lock is free once the transaction is committed");
        let seen: i64 = other
            .query_row(
                "SELECT switched_first_seen FROM cutover_domains WHERE domain = 'contoso.com'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(seen, 2);
    }

    #[test]
    fn a_newer_database_is_refused_with_a_typed_error_and_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        drop(Database::open(dir.path()).unwrap());
        let path = dir.path().join(DATABASE_FILE);
        let newer = migrations::LATEST + 1;
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", newer)
            .unwrap();

        let Err(error) = Database::open(dir.path()) else {
            panic!("a database from a newer Mailferry was opened");
        };
        assert!(error.is_newer_schema(), "{error:?}");
        assert!(
            error
                .to_string()
                .contains("this database was written by a newer Mailferry"),
            "{error}"
        );
        assert!(error.hint().contains("newer version of Mailferry"));
        let version: u32 = Connection::open(&path)
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, newer);
    }
}
