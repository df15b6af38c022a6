use super::*;
use crate::batch::model::{BatchOptions, NewBatch, ServerSpec, UserStatus};

fn store() -> (tempfile::TempDir, BatchStore) {
    let dir = tempfile::tempdir().unwrap();
    let state = State::open(dir.path()).unwrap();
    (dir, BatchStore::new(state).unwrap())
}

fn new_batch(name: &str) -> NewBatch {
    NewBatch {
        name: name.into(),
        source: ServerSpec {
            preset: Some("gmail".into()),
            url: "imaps://imap.gmail.com:993".into(),
        },
        destination: ServerSpec {
            preset: None,
            url: "imaps://outlook.office365.com:993".into(),
        },
        options: BatchOptions::default(),
    }
}

fn users() -> Vec<(String, String, Option<String>)> {
    vec![
        ("a@contoso.com".into(), "a@gmail.com".into(), None),
        (
            "b@contoso.com".into(),
            "b@gmail.com".into(),
            Some("/root".into()),
        ),
    ]
}

#[test]
fn create_list_and_refuse_duplicates() {
    let (_dir, store) = store();
    store.create(&new_batch("spring"), &users()).unwrap();
    assert!(matches!(
        store.create(&new_batch("spring"), &users()),
        Err(BatchError::Exists(_))
    ));
    assert_eq!(store.names().unwrap(), vec!["spring".to_string()]);
    let summary = store.summary("spring").unwrap();
    assert_eq!(summary.status, BatchStatus::Created);
    assert_eq!((summary.users_total, summary.users_synced), (2, 0));
    let loaded = store.batch("spring").unwrap();
    assert_eq!(loaded.source.preset.as_deref(), Some("gmail"));
    assert_eq!(loaded.options.max_concurrent_migrations, 20);
    assert_eq!(
        store.users("spring").unwrap()[1].user_root.as_deref(),
        Some("/root")
    );
    assert!(matches!(store.batch("nope"), Err(BatchError::NotFound(_))));
}

#[test]
fn statuses_and_errors_persist() {
    let (_dir, store) = store();
    store.create(&new_batch("b"), &users()).unwrap();
    let problem = Problem {
        kind: ErrorKind::Authentication,
        message: "wrong password".into(),
        hint: "fix it".into(),
        facts: Default::default(),
    };
    store
        .set_status(
            "b",
            "a@contoso.com",
            UserStatus::Failed,
            Some("wrong password"),
            Some(&problem),
            None,
        )
        .unwrap();
    store
        .set_status("b", "b@contoso.com", UserStatus::Synced, None, None, None)
        .unwrap();
    let users = store.users("b").unwrap();
    assert_eq!(users[0].status, UserStatus::Failed);
    assert_eq!(
        users[0].error.as_ref().unwrap().kind,
        ErrorKind::Authentication
    );
    assert_eq!(
        store.summary("b").unwrap().status,
        BatchStatus::SyncedWithErrors
    );
    assert_eq!(
        store
            .set_statuses("b", &[UserStatus::Failed], UserStatus::Queued)
            .unwrap(),
        1
    );
    assert_eq!(store.summary("b").unwrap().status, BatchStatus::Syncing);
}

#[test]
fn one_failed_user_is_retried_without_touching_the_others() {
    let (_dir, store) = store();
    store.create(&new_batch("b"), &users()).unwrap();
    for email in ["a@contoso.com", "b@contoso.com"] {
        store
            .set_status("b", email, UserStatus::Failed, Some("refused"), None, None)
            .unwrap();
    }
    let moved = store
        .set_user_statuses(
            "b",
            "b@contoso.com",
            &[UserStatus::Failed],
            UserStatus::Queued,
        )
        .unwrap();
    assert_eq!(moved, 1);
    let statuses: Vec<(String, UserStatus)> = store
        .users("b")
        .unwrap()
        .into_iter()
        .map(|u| (u.email_address, u.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("a@contoso.com".to_string(), UserStatus::Failed),
            ("b@contoso.com".to_string(), UserStatus::Queued)
        ]
    );
    // A user who is not Failed is left alone.
    let again = store
        .set_user_statuses(
            "b",
            "b@contoso.com",
            &[UserStatus::Failed],
            UserStatus::Queued,
        )
        .unwrap();
    assert_eq!(again, 0);
}

#[test]
fn delete_removes_everything() {
    let (_dir, store) = store();
    store.create(&new_batch("gone"), &users()).unwrap();
    store.create(&new_batch("kept"), &users()).unwrap();
    let state = store.state();
    let record = |uid| crate::state::MessageRecord {
        uid,
        fingerprint: crate::fingerprint::Fingerprint(format!("fp{uid}")),
        flags: String::new(),
        destination_folder: "INBOX".into(),
        destination_uid: Some(uid),
        outcome: crate::state::Outcome::Copied,
    };
    let pair = state.pair_id("s", "d").unwrap();
    let other = state.pair_id("s2", "d2").unwrap();
    for p in [pair, other] {
        state.check_uidvalidity(p, "INBOX", 1).unwrap();
        state
            .record(p, "INBOX", 1, &[record(1), record(2)])
            .unwrap();
        state.record_run(p, 1, 2, "synced", "{}").unwrap();
    }

    store.delete("gone", &[("s".into(), "d".into())]).unwrap();
    assert_eq!(store.names().unwrap(), ["kept"]);
    assert!(store.users("gone").unwrap().is_empty());
    assert_eq!(store.users("kept").unwrap().len(), 2);
    // Its copy state, folders and runs are gone; another pair's are not.
    let counts = |p: i64| {
        state
            .with(|db| {
                let n = |table: &str| {
                    db.query_row(
                        &format!("SELECT COUNT(*) FROM {table} WHERE pair_id = ?1"),
                        params![p],
                        |r| r.get::<_, i64>(0),
                    )
                };
                Ok([n("messages")?, n("folders")?, n("runs")?])
            })
            .unwrap()
    };
    assert_eq!(counts(pair), [0, 0, 0]);
    assert_eq!(counts(other), [2, 1, 1]);
    assert!(matches!(
        store.delete("gone", &[]),
        Err(BatchError::NotFound(_))
    ));
}

#[test]
fn how_far_back_a_mailbox_is_copied_survives_a_restart() {
    use crate::copy::reach::FolderReach;
    use crate::events::Event;
    let (dir, store) = store();
    store.create(&new_batch("spring"), &users()).unwrap();
    assert_eq!(store.users("spring").unwrap()[0].copied_back_to, None);
    let mut copied_back = store.copied_back("spring", "a@contoso.com").unwrap();
    copied_back.apply(&Event::FoldersPlanned {
        sources: vec!["INBOX".into()],
    });
    copied_back.apply(&Event::Reached {
        source: "INBOX".into(),
        // 2 March 2025, 10:00:01 UTC.
        reach: FolderReach::Since {
            since: 1_740_909_601,
        },
    });
    store
        .record_copied_back("spring", "a@contoso.com", &copied_back)
        .unwrap();
    drop(store);

    let reopened = BatchStore::new(State::open(dir.path()).unwrap()).unwrap();
    let users = reopened.users("spring").unwrap();
    assert_eq!(users[0].copied_back_to.as_deref(), Some("2025-03-03"));
    assert_eq!(users[1].copied_back_to, None);
    assert_eq!(
        reopened.copied_back("spring", "a@contoso.com").unwrap(),
        copied_back,
        "the next pass starts from every folder's last word"
    );
}
