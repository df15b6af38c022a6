use super::*;
use rusqlite::params;

fn version(conn: &Connection) -> u32 {
    user_version(conn).unwrap()
}

fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn set(columns: &[&str]) -> BTreeSet<String> {
    columns.iter().map(|c| c.to_string()).collect()
}

/// A database as a release from before versions were kept left it: copy state only (no
/// cutover history, no batches), user_version 0.
fn release_without_batches() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(V1_UNVERSIONED_RELEASE).unwrap();
    conn.execute_batch("DROP TABLE cutover_domains; DROP TABLE batch_users; DROP TABLE batches;")
        .unwrap();
    conn.execute_batch(
        "INSERT INTO pairs (id, source, destination) VALUES (1, 'imaps://a@s:993', 'imaps://a@d:993');
         INSERT INTO folders VALUES (1, 'INBOX', 7);
         INSERT INTO messages VALUES (1, 'INBOX', 7, 3, 'fp3', '\\Seen', 'INBOX', 103, 'copied');
         INSERT INTO runs (id, pair_id, started_at, finished_at, status, report) VALUES (5, 1, 10, 20, 'synced', '{}');",
    )
    .unwrap();
    assert_eq!(version(&conn), 0);
    conn
}

#[test]
fn steps_run_from_the_found_version_and_a_newer_database_is_refused() {
    assert_eq!(steps_between(0, 2, 2).unwrap(), 0..2);
    assert_eq!(steps_between(1, 2, 2).unwrap(), 1..2);
    assert_eq!(steps_between(0, 1, 2).unwrap(), 0..1);
    assert!(steps_between(2, 2, 2).unwrap().is_empty());
    assert!(steps_between(2, 1, 2).unwrap().is_empty());
    assert!(matches!(
        steps_between(3, 2, 2),
        Err(SchemaError::Newer { found: 3, known: 2 })
    ));
}

#[test]
fn an_unversioned_database_is_a_release_only_with_version_1_tables_and_columns() {
    let v1: Tables = [
        ("pairs".to_string(), set(&["id", "source", "destination"])),
        (
            "cutover_domains".to_string(),
            set(&["domain", "switched_first_seen"]),
        ),
    ]
    .into();
    assert_eq!(
        classify_unversioned(&Tables::new(), &v1),
        Unversioned::Empty
    );
    let some: Tables = [("pairs".to_string(), set(&["id", "source", "destination"]))].into();
    assert_eq!(classify_unversioned(&some, &v1), Unversioned::Release);

    let other_columns: Tables = [("pairs".to_string(), set(&["id", "name"]))].into();
    assert!(matches!(
        classify_unversioned(&other_columns, &v1),
        Unversioned::Foreign(why) if why.contains("\"pairs\" has the columns id, name")
    ));
    let mut extra_table = some.clone();
    extra_table.insert("notes".into(), set(&["text"]));
    assert!(matches!(
        classify_unversioned(&extra_table, &v1),
        Unversioned::Foreign(why) if why.contains("\"notes\"")
    ));
}

#[test]
fn step_1_creates_every_table_in_a_new_file() {
    let mut conn = Connection::open_in_memory().unwrap();
    let upgrade = upgrade(&mut conn, 1).unwrap();
    assert_eq!(upgrade, Upgrade { from: 0, to: 1 });
    assert_eq!(version(&conn), 1);
    assert_eq!(tables(&conn).unwrap(), version_1().unwrap());
}

#[test]
fn step_1_stamps_a_release_database_and_adds_only_the_missing_tables() {
    let mut conn = release_without_batches();
    assert_eq!(upgrade(&mut conn, 1).unwrap(), Upgrade { from: 0, to: 1 });
    assert_eq!(version(&conn), 1);
    assert_eq!(tables(&conn).unwrap(), version_1().unwrap());
    for table in ["pairs", "folders", "messages", "runs"] {
        assert_eq!(count(&conn, table), 1, "{table}");
    }
    let (uid, destination_uid, flags): (u32, u32, String) = conn
        .query_row(
            "SELECT uid, destination_uid, flags FROM messages WHERE pair_id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((uid, destination_uid, flags.as_str()), (3, 103, "\\Seen"));
}

#[test]
fn a_foreign_database_is_refused_and_left_untouched() {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine');")
        .unwrap();
    let Err(SchemaError::Unrecognised(why)) = upgrade(&mut conn, LATEST) else {
        panic!("someone else's database was upgraded");
    };
    assert!(why.contains("\"notes\""), "{why}");
    assert_eq!(version(&conn), 0);
    assert_eq!(tables(&conn).unwrap().keys().collect::<Vec<_>>(), ["notes"]);
}

#[test]
fn step_2_keeps_every_row_and_makes_a_pair_and_a_batch_take_their_rows_with_them() {
    let mut conn = release_without_batches();
    upgrade(&mut conn, 1).unwrap();
    // As a hand-edited file might be: references not enforced.
    conn.pragma_update(None, "foreign_keys", false).unwrap();
    conn.execute_batch(
        "INSERT INTO pairs (id, source, destination) VALUES (2, 'imaps://b@s:993', 'imaps://b@d:993');
         INSERT INTO messages VALUES (2, 'INBOX', 7, 1, 'fpb', '', 'INBOX', NULL, 'present');
         INSERT INTO runs (id, pair_id, started_at, finished_at, status, report) VALUES (9, 2, 30, 40, 'failed', '{}');
         -- Left behind by a pair deleted long ago: unreachable.
         INSERT INTO messages VALUES (99, 'INBOX', 7, 1, 'lost', '', 'INBOX', NULL, 'copied');
         INSERT INTO batches VALUES ('spring', '{}', '{}', '{}', 1);
         INSERT INTO batch_users (batch, email, user_name, status) VALUES ('spring', 'a@contoso.test', 'a', 'Synced');",
    )
    .unwrap();

    assert_eq!(upgrade(&mut conn, 2).unwrap(), Upgrade { from: 1, to: 2 });
    assert_eq!(version(&conn), 2);
    let enforced: bool = conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    assert!(!enforced, "the caller's setting is given back");
    assert_eq!(count(&conn, "messages"), 2, "the orphan alone is dropped");
    assert_eq!(count(&conn, "folders"), 1);
    let run_ids: Vec<i64> = conn
        .prepare("SELECT id FROM runs ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(run_ids, [5, 9]);
    let indexes: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(indexes, ["messages_by_destination", "runs_by_pair"]);

    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    conn.execute("DELETE FROM pairs WHERE id = ?1", params![1])
        .unwrap();
    assert_eq!(count(&conn, "messages"), 1);
    assert_eq!(count(&conn, "folders"), 0);
    assert_eq!(count(&conn, "runs"), 1);
    conn.execute("DELETE FROM batches WHERE name = 'spring'", [])
        .unwrap();
    assert_eq!(count(&conn, "batch_users"), 0);
    // A record for a pair that does not exist is refused, not kept as an orphan.
    assert!(conn
        .execute(
            "INSERT INTO messages VALUES (42, 'INBOX', 1, 1, 'x', '', 'INBOX', NULL, 'copied')",
            []
        )
        .is_err());
}

#[test]
fn an_up_to_date_database_is_left_alone_and_a_newer_one_refused() {
    let mut conn = Connection::open_in_memory().unwrap();
    assert_eq!(
        to_latest(&mut conn).unwrap(),
        Upgrade {
            from: 0,
            to: LATEST
        }
    );
    let again = to_latest(&mut conn).unwrap();
    assert!(!again.changed());
    assert_eq!(
        again,
        Upgrade {
            from: LATEST,
            to: LATEST
        }
    );

    conn.pragma_update(None, "user_version", LATEST + 1)
        .unwrap();
    let refused = to_latest(&mut conn).unwrap_err();
    assert!(
        matches!(refused, SchemaError::Newer { found, known } if found == LATEST + 1 && known == LATEST)
    );
    assert!(refused
        .to_string()
        .starts_with("this database was written by a newer Mailferry"));
}

#[test]
fn step_3_adds_how_far_back_each_mailbox_is_copied_and_keeps_the_rest() {
    let mut conn = release_without_batches();
    upgrade(&mut conn, 2).unwrap();
    let before = tables(&conn).unwrap();
    assert_eq!(upgrade(&mut conn, 3).unwrap(), Upgrade { from: 2, to: 3 });
    let after = tables(&conn).unwrap();
    let mut users = before["batch_users"].clone();
    users.insert("copied_back".to_string());
    users.insert("copied_back_to".to_string());
    assert_eq!(after["batch_users"], users);
    let mut without = after.clone();
    without.insert("batch_users".to_string(), before["batch_users"].clone());
    assert_eq!(without, before);
    assert_eq!(count(&conn, "messages"), 1);
}

#[test]
fn step_4_adds_the_last_domain_checks_and_keeps_the_rest() {
    let mut conn = release_without_batches();
    upgrade(&mut conn, 3).unwrap();
    let before = tables(&conn).unwrap();
    assert_eq!(upgrade(&mut conn, 4).unwrap(), Upgrade { from: 3, to: 4 });
    let after = tables(&conn).unwrap();
    assert_eq!(
        after.get("cutover_checks"),
        Some(&set(&["domain", "checked_at", "stage", "error"]))
    );
    let mut without = after.clone();
    without.remove("cutover_checks");
    assert_eq!(without, before);
    assert_eq!(count(&conn, "messages"), 1);
}
