//! A database written by a release from before the schema had a version (see
//! tests/fixtures/README.md) opens with today's code without losing anything, and the
//! upgraded file then behaves like a new one.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection};

use super::migrations::{self, LATEST};
use super::DATABASE_FILE;
use crate::batch::{BatchSecrets, BatchStore, SecretMode, UserStatus};
use crate::endpoint::Endpoint;
use crate::report::{MigrationReport, RunStatus};
use crate::state::{pair_key, State};

const ANNA_SOURCE: &str = "imaps://anna%40contoso.test@127.0.0.1:41827";
const ANNA_DESTINATION: &str = "imaps://anna%40contoso.test@127.0.0.1:42705";
const BEN_SOURCE: &str = "imaps://ben%40contoso.test@127.0.0.1:41827";
const BEN_DESTINATION: &str = "imaps://ben%40contoso.test@127.0.0.1:42705";
const INBOX_UIDVALIDITY: u32 = 1796598176;

/// The fixture, copied: the upgrade writes to it.
fn release_data_folder() -> (tempfile::TempDir, PathBuf) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/release-e37181d")
        .join(DATABASE_FILE);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DATABASE_FILE);
    std::fs::copy(&fixture, &path).unwrap();
    (dir, path)
}

fn raw(path: &Path) -> Connection {
    Connection::open(path).unwrap()
}

fn version(conn: &Connection) -> u32 {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap()
}

/// The schema and the number of rows of each table, to tell whether anything changed.
fn shape(conn: &Connection) -> (u32, Vec<String>, Vec<(String, i64)>) {
    let schema: Vec<String> = conn
        .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let counts = migrations::tables(conn)
        .unwrap()
        .into_keys()
        .map(|table| {
            let n = conn
                .query_row(&format!("SELECT COUNT(*) FROM \"{table}\""), [], |r| {
                    r.get(0)
                })
                .unwrap();
            (table, n)
        })
        .collect();
    (version(conn), schema, counts)
}

fn runs(state: &State, pair: i64) -> Vec<(String, MigrationReport)> {
    state
        .with(|db| {
            let mut stmt =
                db.prepare("SELECT status, report FROM runs WHERE pair_id = ?1 ORDER BY id")?;
            let rows = stmt.query_map(params![pair], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            rows.collect::<Result<Vec<_>, _>>()
        })
        .unwrap()
        .into_iter()
        .map(|(status, json)| (status, serde_json::from_str(&json).unwrap()))
        .collect()
}

#[test]
fn the_fixture_is_an_unversioned_release_database() {
    let (_dir, path) = release_data_folder();
    let conn = raw(&path);
    assert_eq!(version(&conn), 0);
    let tables = migrations::tables(&conn).unwrap();
    assert!(tables.contains_key("batches") && !tables.contains_key("cutover_domains"));
}

#[test]
fn a_release_database_keeps_its_history_batches_and_copy_state() {
    let (dir, path) = release_data_folder();
    let state = State::open(dir.path()).unwrap();
    assert_eq!(version(&raw(&path)), LATEST);

    // The pair key computed today is the one the release stored.
    let (source, destination) = pair_key(
        &Endpoint::parse(ANNA_SOURCE).unwrap(),
        &Endpoint::parse(ANNA_DESTINATION).unwrap(),
    );
    assert_eq!(
        (source.as_str(), destination.as_str()),
        (ANNA_SOURCE, ANNA_DESTINATION)
    );
    let anna = state.pair_id(&source, &destination).unwrap();
    let ben = state.pair_id(BEN_SOURCE, BEN_DESTINATION).unwrap();
    assert_eq!((anna, ben), (1, 2), "the existing pairs, not new ones");

    // Copy state: the next run continues instead of starting over.
    assert_eq!(state.message_count(anna).unwrap(), 9);
    assert_eq!(state.message_count(ben).unwrap(), 9);
    assert!(!state
        .check_uidvalidity(anna, "INBOX", INBOX_UIDVALIDITY)
        .unwrap());
    let inbox = state.records(anna, "INBOX", INBOX_UIDVALIDITY).unwrap();
    let mut kept: Vec<(u32, Option<u32>, &str)> = inbox
        .values()
        .map(|r| (r.uid, r.destination_uid, r.flags.as_str()))
        .collect();
    kept.sort();
    assert_eq!(
        kept,
        [
            (1, Some(1), "\\Answered \\Flagged"),
            (2, Some(2), "\\Seen"),
            (3, Some(3), "\\Seen")
        ]
    );
    assert!(inbox
        .values()
        .all(|r| r.outcome == crate::state::Outcome::Copied));
    assert_eq!(state.claimed(anna, "Sent").unwrap().len(), 2);

    // History: both of anna's runs and ben's batch pass, readable as reports.
    let anna_runs = runs(&state, anna);
    assert_eq!(anna_runs.len(), 2);
    assert_eq!(anna_runs[0].1.totals.copied, 9);
    assert_eq!(anna_runs[1].1.totals.copied, 0);
    assert!(anna_runs
        .iter()
        .all(|(status, report)| status == "synced" && report.status == RunStatus::Synced));
    assert_eq!(runs(&state, ben).len(), 1);

    // The batch, its user and the user's last pass.
    let store = BatchStore::new(state.clone()).unwrap();
    assert_eq!(store.names().unwrap(), ["spring"]);
    let batch = store.batch("spring").unwrap();
    assert_eq!(batch.source.url, "imaps://127.0.0.1:41827");
    assert_eq!(
        batch.options.destination_admin.as_deref(),
        Some("admin@contoso.test")
    );
    let users = store.users("spring").unwrap();
    assert_eq!(users.len(), 1);
    let user = &users[0];
    assert_eq!(user.email_address, "ben@contoso.test");
    assert_eq!(user.status, UserStatus::Synced);
    assert_eq!((user.messages_in_source, user.messages_done), (9, 9));
    assert!(user.last_synced_at.is_some());
    let report = store.report("spring", "ben@contoso.test").unwrap().unwrap();
    assert_eq!(report.totals.copied, 9);

    // The cutover history, new since that release, works.
    let history = crate::cutover::history::History::new(state.clone());
    assert_eq!(history.observe("contoso.test", true, 7).unwrap(), Some(7));
}

#[test]
fn opening_an_upgraded_database_again_changes_nothing() {
    let (dir, path) = release_data_folder();
    drop(State::open(dir.path()).unwrap());
    let upgraded = shape(&raw(&path));
    assert_eq!(upgraded.0, LATEST);

    drop(State::open(dir.path()).unwrap());
    assert_eq!(shape(&raw(&path)), upgraded);
    let again = migrations::to_latest(&mut raw(&path)).unwrap();
    assert!(!again.changed(), "{again:?}");
}

#[test]
fn deleting_the_upgraded_batch_forgets_only_its_mailboxes() {
    let (dir, _path) = release_data_folder();
    let state = State::open(dir.path()).unwrap();
    let store = BatchStore::new(state.clone()).unwrap();
    store
        .delete_with_secrets("spring", &BatchSecrets::new(SecretMode::Memory))
        .unwrap();
    assert!(store.names().unwrap().is_empty());
    assert!(store.users("spring").unwrap().is_empty());
    // Ben's pair went with every record and run; anna's (a `migrate`, no batch) stayed.
    let pairs: Vec<String> = state
        .with(|db| {
            db.prepare("SELECT source FROM pairs")?
                .query_map([], |r| r.get(0))?
                .collect()
        })
        .unwrap();
    assert_eq!(pairs, [ANNA_SOURCE]);
    assert_eq!(state.message_count(2).unwrap(), 0);
    assert!(runs(&state, 2).is_empty());
    assert_eq!(state.message_count(1).unwrap(), 9);
    assert_eq!(runs(&state, 1).len(), 2);
}
