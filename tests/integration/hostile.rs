//! Servers that misbehave, lie or attack: every case ends in a classified, readable failure
//! (exit 1), with memory bounded and nothing wrong written to the destination, and never in
//! a crash, a hang or a false "synced". The tampering proxy sits in front of a real Dovecot,
//! so everything it does not touch is a real server's behaviour.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::harness::hostile::{tagged, Act, ClientCommand, HostileProxy, Script};
use crate::harness::run::{mailferry, two_sided_args, Outcome};
use crate::harness::{
    assert_same_messages, corpus, fresh_state_dir, Dovecot, DovecotConfig, Layout, StoredMessage,
    TestImap,
};

const SRC_PW: &str = "alice-hostile-pw";
const DST_PW: &str = "bob-hostile-pw";
const INBOX_MAIL: [&str; 3] = [
    "01-plain-text.eml",
    "02-html-with-attachment.eml",
    "10-rfc2047-subject.eml",
];
const PROJECT_FOLDER: &str = "Projects";
const PROJECT_MAIL: [&str; 2] = ["05-shared-message-id-a.eml", "11-raw-utf8-subject.eml"];
/// The ceiling the tool must stay under whatever a server announces or repeats.
const MEMORY_LIMIT_KB: u64 = 300 * 1024;

struct Servers {
    source: Dovecot,
    dest: Dovecot,
    expected: BTreeMap<String, Vec<StoredMessage>>,
}

async fn servers() -> Servers {
    // Plain sign-in is allowed so that the proxies, which speak plain IMAP, can tamper.
    let source = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user("alice", SRC_PW)
            .allow_plaintext_auth(true),
    );
    let dest = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user("bob", DST_PW)
            .allow_plaintext_auth(true),
    );
    let mut imap = TestImap::connect(&source, "alice", SRC_PW).await;
    imap.create(PROJECT_FOLDER).await;
    let mut expected = BTreeMap::new();
    for (folder, names) in [
        ("INBOX", &INBOX_MAIL[..]),
        (PROJECT_FOLDER, &PROJECT_MAIL[..]),
    ] {
        for name in names {
            let message = corpus::get(name);
            imap.append(folder, &message.flags, &message.internaldate, &message.body)
                .await;
        }
        expected.insert(folder.to_string(), imap.fetch_all(folder).await);
    }
    imap.logout().await;
    Servers {
        source,
        dest,
        expected,
    }
}

/// `mailferry migrate` with a 5-second timeout, plain connections allowed (the proxies
/// speak plain IMAP so that they can tamper), JSON report.
fn migrate(source: &str, dest: &str, ca: &Path, state: &Path, env: &[(&str, &str)]) -> Outcome {
    let args = two_sided_args(
        "migrate",
        source,
        dest,
        ca,
        state,
        &["--timeout", "5", "--allow-insecure-auth", "--json"],
    );
    let mut vars = vec![("SRC_PW", SRC_PW), ("DST_PW", DST_PW)];
    vars.extend_from_slice(env);
    mailferry(&args, &vars)
}

/// Exit 1, a failed report, bounded memory; returns the report.
fn assert_failed_within_bounds(out: &Outcome) -> Value {
    assert_eq!(out.code, 1, "expected exit status 1:\n{}", out.context());
    assert!(
        out.peak_memory_kb < MEMORY_LIMIT_KB,
        "peak memory {} KiB:\n{}",
        out.peak_memory_kb,
        out.context()
    );
    let report = out.json();
    assert_eq!(report["status"], "failed", "{}", out.context());
    report
}

/// Every problem in the report (mailbox-wide and per folder), as (kind, message, hint).
fn problems(report: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut push = |p: &Value| {
        out.push((
            p["kind"].as_str().unwrap_or_default().to_string(),
            p["message"].as_str().unwrap_or_default().to_string(),
            p["hint"].as_str().unwrap_or_default().to_string(),
        ))
    };
    for p in report["errors"].as_array().into_iter().flatten() {
        push(p);
    }
    for folder in report["folders"].as_array().into_iter().flatten() {
        if !folder["error"].is_null() {
            push(&folder["error"]);
        }
    }
    out
}

/// Some problem of `kind` whose message contains `words`, with a hint.
fn assert_problem(out: &Outcome, kind: &str, words: &str) {
    let report = out.json();
    let found = problems(&report)
        .into_iter()
        .any(|(k, m, h)| k == kind && m.contains(words) && !h.trim().is_empty());
    assert!(
        found,
        "no {kind} problem saying {words:?}:\n{}",
        out.context()
    );
}

fn folder<'a>(report: &'a Value, source: &str) -> &'a Value {
    report["folders"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["source"] == source))
        .unwrap_or_else(|| panic!("no report for folder {source}: {report:#}"))
}

async fn dest_messages(servers: &Servers, folder: &str) -> Vec<StoredMessage> {
    let mut imap = TestImap::connect(&servers.dest, "bob", DST_PW).await;
    let listed = imap.list().await;
    let messages = if listed.iter().any(|f| f.name == folder) {
        imap.fetch_all(folder).await
    } else {
        Vec::new()
    };
    imap.logout().await;
    messages
}

/// A script that answers one kind of command itself and forwards the rest.
struct OnCommand<F: Fn(&ClientCommand) -> Option<Act> + Send + Sync + 'static>(F);

impl<F: Fn(&ClientCommand) -> Option<Act> + Send + Sync + 'static> Script for OnCommand<F> {
    fn command(&self, command: &ClientCommand) -> Act {
        (self.0)(command).unwrap_or(Act::Forward)
    }
}

fn is_body_fetch(command: &ClientCommand) -> bool {
    command.verb == "UID FETCH" && command.line.contains("BODY.PEEK[]")
}

fn is_flag_listing(command: &ClientCommand) -> bool {
    command.verb == "UID FETCH" && command.line.contains("1:* (UID FLAGS)")
}

fn source_through(servers: &Servers, script: impl Script) -> HostileProxy {
    HostileProxy::start(servers.source.imap_port(), script)
}

fn dest_through(servers: &Servers, script: impl Script) -> HostileProxy {
    HostileProxy::start(servers.dest.imap_port(), script)
}

/// `migrate` from the tampering proxy in front of the source into the real destination.
fn migrate_tampered_source(servers: &Servers, proxy: &HostileProxy, state: &Path) -> Outcome {
    migrate(
        &proxy.url("alice"),
        &direct_dest(servers),
        &servers.dest.ca_pem_path(),
        state,
        &[],
    )
}

/// Migrates from the source behind `script`: the run must fail within bounds with a `kind`
/// problem whose message says `words`. The servers are handed back for further checks.
async fn tampered_source_fails(script: impl Script, kind: &str, words: &str) -> Servers {
    let servers = servers().await;
    let proxy = source_through(&servers, script);
    let state = fresh_state_dir();
    let out = migrate_tampered_source(&servers, &proxy, state.path());
    assert_failed_within_bounds(&out);
    assert_problem(&out, kind, words);
    servers
}

fn direct_source(servers: &Servers) -> String {
    servers.source.url_imaps("alice")
}

fn direct_dest(servers: &Servers) -> String {
    servers.dest.url_imaps("bob")
}

// ---------------------------------------------------------------------------------------------
// Oversized announcements
// ---------------------------------------------------------------------------------------------

struct GreetingWith(&'static [u8]);

impl Script for GreetingWith {
    fn greeting(&self, _real: Vec<u8>) -> Vec<u8> {
        self.0.to_vec()
    }
}

#[tokio::test]
async fn a_terabyte_literal_in_the_greeting_is_refused_before_login() {
    let servers = servers().await;
    let proxy = source_through(&servers, GreetingWith(b"* OK {1000000000000}\r\n"));
    let state = fresh_state_dir();
    let out = migrate_tampered_source(&servers, &proxy, state.path());
    assert_failed_within_bounds(&out);
    assert_problem(&out, "protocol", "1.0 TB");
    assert!(
        !proxy.commands().iter().any(|c| c.contains("LOGIN")),
        "a password was sent to a server that could not even greet properly: {:?}",
        proxy.commands()
    );
    assert!(dest_messages(&servers, "INBOX").await.is_empty());
}

#[tokio::test]
async fn an_impossible_literal_in_a_folder_listing_is_refused() {
    tampered_source_fails(
        OnCommand(|c: &ClientCommand| {
            (c.verb == "LIST")
                .then(|| Act::Answer(b"* LIST () \"/\" {18446744073709551615}\r\n".to_vec()))
        }),
        "protocol",
        "literal of 18 EB",
    )
    .await;
}

#[tokio::test]
async fn a_terabyte_message_body_fails_its_folder_and_the_others_are_copied() {
    let servers = servers().await;
    let proxy = source_through(
        &servers,
        OnCommand(|c: &ClientCommand| {
            (is_body_fetch(c) && c.line.contains("1:2"))
                .then(|| Act::Answer(b"* 1 FETCH (UID 1 BODY[] {1000000000000}\r\n".to_vec()))
        }),
    );
    let state = fresh_state_dir();
    let out = migrate_tampered_source(&servers, &proxy, state.path());
    let report = assert_failed_within_bounds(&out);
    assert_problem(&out, "protocol", "1.0 TB");
    // Projects holds UIDs 1:2 and is the folder attacked; INBOX (1:3) still arrives whole.
    assert_eq!(folder(&report, PROJECT_FOLDER)["status"], "failed");
    assert_eq!(folder(&report, "INBOX")["status"], "synced", "{report:#}");
    assert_same_messages(
        &servers.expected["INBOX"],
        &dest_messages(&servers, "INBOX").await,
    );
    assert!(dest_messages(&servers, PROJECT_FOLDER).await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Floods
// ---------------------------------------------------------------------------------------------

fn flood_on_flag_listing(first: &'static [u8], unit: &'static [u8]) -> impl Script {
    OnCommand(move |c: &ClientCommand| {
        is_flag_listing(c).then(|| Act::Repeat {
            first: first.to_vec(),
            unit: unit.to_vec(),
            every: None,
            max: 5_000_000,
        })
    })
}

#[tokio::test]
async fn an_endless_line_is_cut_off_without_eating_memory() {
    tampered_source_fails(
        flood_on_flag_listing(b"* 1 FETCH (FLAGS (", b"x"),
        "protocol",
        "line longer than",
    )
    .await;
}

#[tokio::test]
async fn millions_of_unasked_responses_are_cut_off() {
    tampered_source_fails(
        flood_on_flag_listing(b"", b"* 1 FETCH (UID 1 FLAGS ())\r\n"),
        "protocol",
        "far more",
    )
    .await;
}

#[tokio::test]
async fn answers_to_commands_never_sent_are_not_kept() {
    tampered_source_fails(
        flood_on_flag_listing(b"", b"zz9 OK done\r\n"),
        "protocol",
        "never sent",
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Drips: alive, but never done
// ---------------------------------------------------------------------------------------------

/// A body FETCH answered with `first`, then `unit` every 2 seconds, never finished.
fn drip_on_body_fetch(first: &'static [u8], unit: &'static [u8]) -> impl Script {
    OnCommand(move |c: &ClientCommand| {
        is_body_fetch(c).then(|| Act::Repeat {
            first: first.to_vec(),
            unit: unit.to_vec(),
            every: Some(Duration::from_secs(2)),
            max: 10_000,
        })
    })
}

#[tokio::test]
async fn keepalives_while_a_fetch_never_completes_run_into_its_deadline() {
    tampered_source_fails(
        drip_on_body_fetch(b"", b"* OK still working\r\n"),
        "network",
        "too slow",
    )
    .await;
}

#[tokio::test]
async fn a_byte_drip_runs_into_the_deadline() {
    let servers = tampered_source_fails(
        drip_on_body_fetch(b"* 1 FETCH (UID 1 BODY[] {4000}\r\n", b"a"),
        "network",
        "too slow",
    )
    .await;
    assert!(dest_messages(&servers, "INBOX").await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Answers that do not answer, and lies
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_fetch_answered_without_bodies_fails_those_messages_by_uid() {
    let servers = servers().await;
    let proxy = source_through(
        &servers,
        OnCommand(|c: &ClientCommand| {
            (is_body_fetch(c) && c.line.contains("1:3"))
                .then(|| Act::Answer(tagged(c, "OK Fetch completed.")))
        }),
    );
    let state = fresh_state_dir();
    let out = migrate_tampered_source(&servers, &proxy, state.path());
    let report = assert_failed_within_bounds(&out);
    let inbox = folder(&report, "INBOX");
    assert_eq!(inbox["copied"], 0, "{inbox:#}");
    assert_eq!(inbox["failed"], 3, "{inbox:#}");
    let uids: Vec<u64> = inbox["failed_items"]
        .as_array()
        .into_iter()
        .flatten()
        .inspect(|item| assert_eq!(item["reason"], "protocol", "{item:#}"))
        .filter_map(|item| item["uid"].as_u64())
        .collect();
    let mut uids = uids;
    uids.sort_unstable();
    assert_eq!(uids, vec![1, 2, 3]);
    assert!(dest_messages(&servers, "INBOX").await.is_empty());
    // The other folder was not disturbed.
    assert_same_messages(
        &servers.expected[PROJECT_FOLDER],
        &dest_messages(&servers, PROJECT_FOLDER).await,
    );
}

/// A destination that takes every APPEND with OK and an APPENDUID, and keeps nothing
/// (until it is made honest).
struct BlackHole {
    honest: Arc<AtomicBool>,
    uidvalidity: Mutex<Option<String>>,
    next_uid: Mutex<u32>,
}

impl Script for BlackHole {
    fn command(&self, c: &ClientCommand) -> Act {
        if c.verb != "APPEND" || self.honest.load(Ordering::SeqCst) {
            return Act::Forward;
        }
        let validity = self
            .uidvalidity
            .lock()
            .unwrap()
            .clone()
            .unwrap_or("1".into());
        let mut next = self.next_uid.lock().unwrap();
        *next += 1;
        Act::Answer(tagged(
            c,
            &format!("OK [APPENDUID {validity} {}] Append completed.", *next),
        ))
    }
    fn response(&self, frame: Vec<u8>, _waiting: Option<&ClientCommand>) -> Vec<u8> {
        let text = String::from_utf8_lossy(&frame);
        if let Some(at) = text.find("[UIDVALIDITY ") {
            let rest = &text[at + 13..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            *self.uidvalidity.lock().unwrap() = Some(digits);
        }
        frame
    }
}

#[tokio::test]
async fn a_destination_that_stores_nothing_is_caught_and_the_next_run_copies_everything() {
    let servers = servers().await;
    let state = fresh_state_dir();
    let honest = Arc::new(AtomicBool::new(false));
    let proxy = dest_through(
        &servers,
        BlackHole {
            honest: honest.clone(),
            uidvalidity: Mutex::new(None),
            next_uid: Mutex::new(0),
        },
    );
    let out = migrate(
        &direct_source(&servers),
        &proxy.url("bob"),
        &servers.source.ca_pem_path(),
        state.path(),
        &[],
    );
    let report = assert_failed_within_bounds(&out);
    assert_eq!(folder(&report, "INBOX")["status"], "failed", "{report:#}");
    assert_problem(
        &out,
        "server_refused",
        "accepted 3 messages for INBOX but holds only 0",
    );
    assert!(dest_messages(&servers, "INBOX").await.is_empty());

    // The lie was not recorded as copied: once the server is honest, the same migration
    // copies all of it.
    honest.store(true, Ordering::SeqCst);
    let out = migrate(
        &direct_source(&servers),
        &proxy.url("bob"),
        &servers.source.ca_pem_path(),
        state.path(),
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.context());
    for (name, messages) in &servers.expected {
        assert_same_messages(messages, &dest_messages(&servers, name).await);
    }
}

/// Rewrites every APPENDUID to name UID 1.
struct SameAppendUid;

impl Script for SameAppendUid {
    fn response(&self, frame: Vec<u8>, _waiting: Option<&ClientCommand>) -> Vec<u8> {
        let text = String::from_utf8_lossy(&frame).into_owned();
        let Some(at) = text.find("[APPENDUID ") else {
            return frame;
        };
        let rest = &text[at + 11..];
        let Some(space) = rest.find(' ') else {
            return frame;
        };
        let Some(close) = rest.find(']') else {
            return frame;
        };
        format!("{}{} 1{}", &text[..at + 11], &rest[..space], &rest[close..]).into_bytes()
    }
}

#[tokio::test]
async fn a_reused_appenduid_is_not_believed_and_flags_land_on_the_right_messages() {
    let servers = servers().await;
    let proxy = dest_through(&servers, SameAppendUid);
    let state = fresh_state_dir();
    let out = migrate(
        &direct_source(&servers),
        &proxy.url("bob"),
        &servers.source.ca_pem_path(),
        state.path(),
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.context());

    // The owner changes flags on the old server; the next pass carries them over.
    let mut imap = TestImap::connect(&servers.source, "alice", SRC_PW).await;
    let before = imap.fetch_all("INBOX").await;
    imap.store_flags("INBOX", 3, "+FLAGS (\\Flagged $Work)")
        .await;
    imap.store_flags("INBOX", 2, "+FLAGS (\\Answered)").await;
    imap.store_flags("INBOX", 1, "-FLAGS (\\Seen)").await;
    let expected = imap.fetch_all("INBOX").await;
    imap.logout().await;

    let out = migrate(
        &direct_source(&servers),
        &proxy.url("bob"),
        &servers.source.ca_pem_path(),
        state.path(),
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.context());
    let changed = before
        .iter()
        .zip(&expected)
        .filter(|(a, b)| a.flags != b.flags)
        .count();
    assert!(changed >= 2, "the test changed too few flags");
    assert_eq!(
        folder(&out.json(), "INBOX")["flags_updated"],
        changed as u64
    );
    assert_same_messages(&expected, &dest_messages(&servers, "INBOX").await);
}

#[tokio::test]
async fn a_folder_the_destination_refuses_to_create_fails_alone() {
    let servers = servers().await;
    let proxy = dest_through(
        &servers,
        OnCommand(|c: &ClientCommand| {
            (c.verb == "CREATE" && c.line.contains(PROJECT_FOLDER))
                .then(|| Act::Answer(tagged(c, "NO [CANNOT] Invalid mailbox name.")))
        }),
    );
    let state = fresh_state_dir();
    let out = migrate(
        &direct_source(&servers),
        &proxy.url("bob"),
        &servers.source.ca_pem_path(),
        state.path(),
        &[],
    );
    let report = assert_failed_within_bounds(&out);
    let projects = folder(&report, PROJECT_FOLDER);
    assert_eq!(projects["status"], "failed", "{projects:#}");
    assert!(
        projects["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Invalid mailbox name"),
        "{projects:#}"
    );
    assert_eq!(folder(&report, "INBOX")["status"], "synced");
    assert_same_messages(
        &servers.expected["INBOX"],
        &dest_messages(&servers, "INBOX").await,
    );
}

// ---------------------------------------------------------------------------------------------
// The owner keeps using the old mailbox; Mailferry itself breaks; the disk fills up
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn messages_expunged_during_the_copy_are_counted_and_never_appended_empty() {
    let servers = servers().await;
    let source_dir = servers.source.dir().to_path_buf();
    let doveadm_conf = source_dir.join("dovecot.conf");
    let proxy = source_through(
        &servers,
        OnCommand(move |c: &ClientCommand| {
            if !(is_body_fetch(c) && c.line.contains("1:3")) {
                return None;
            }
            let conf = doveadm_conf.clone();
            Some(Act::ForwardAfter(Box::new(move || {
                let status = std::process::Command::new("doveadm")
                    .args(["-c", &conf.display().to_string()])
                    .args(["expunge", "-u", "alice", "mailbox", "INBOX", "uid", "2:3"])
                    .status()
                    .expect("run doveadm");
                assert!(status.success(), "doveadm expunge failed");
            })))
        }),
    );
    let state = fresh_state_dir();
    let out = migrate_tampered_source(&servers, &proxy, state.path());
    assert_eq!(out.code, 0, "{}", out.context());
    let inbox = folder(&out.json(), "INBOX").clone();
    assert_eq!(inbox["deleted_during_copy"], 2, "{inbox:#}");
    assert_eq!(inbox["copied"], 1, "{inbox:#}");
    assert_eq!(inbox["failed"], 0, "{inbox:#}");
    let copied = dest_messages(&servers, "INBOX").await;
    assert_same_messages(&servers.expected["INBOX"][..1], &copied);
}

#[tokio::test]
async fn a_panic_while_copying_a_folder_fails_that_folder_and_the_rest_is_copied() {
    let servers = servers().await;
    let state = fresh_state_dir();
    let out = migrate(
        &direct_source(&servers),
        &direct_dest(&servers),
        &servers.source.ca_pem_path(),
        state.path(),
        &[("MAILFERRY_FAULT", "append:Projects")],
    );
    let report = assert_failed_within_bounds(&out);
    let projects = folder(&report, PROJECT_FOLDER);
    assert_eq!(projects["status"], "failed", "{projects:#}");
    assert_eq!(projects["error"]["kind"], "internal", "{projects:#}");
    assert_eq!(folder(&report, "INBOX")["status"], "synced");
    assert_same_messages(
        &servers.expected["INBOX"],
        &dest_messages(&servers, "INBOX").await,
    );
}

#[tokio::test]
async fn a_full_disk_under_the_state_folder_stops_the_run_with_a_clear_error() {
    let servers = servers().await;
    let mount = tempfile::tempdir().expect("mount point");
    let status = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
        .arg(mount.path())
        .status()
        .expect("run mount");
    assert!(
        status.success(),
        "mounting a small tmpfs for the state folder failed"
    );
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(mount.path());
    let state = mount.path().join("state");

    // The disk fills up while the first messages are being fetched.
    let filler = mount.path().join("filler");
    let filled = Arc::new(AtomicBool::new(false));
    let proxy = source_through(
        &servers,
        OnCommand(move |c: &ClientCommand| {
            if !is_body_fetch(c) || filled.swap(true, Ordering::SeqCst) {
                return None;
            }
            let filler = filler.clone();
            Some(Act::ForwardAfter(Box::new(move || {
                let _ = std::process::Command::new("dd")
                    .args(["if=/dev/zero", "bs=64k"])
                    .arg(format!("of={}", filler.display()))
                    .stderr(std::process::Stdio::null())
                    .status();
            })))
        }),
    );
    let out = migrate(
        &proxy.url("alice"),
        &direct_dest(&servers),
        &servers.dest.ca_pem_path(),
        &state,
        &[],
    );
    assert_failed_within_bounds(&out);
    let report = out.json();
    let local: Vec<_> = problems(&report)
        .into_iter()
        .filter(|(kind, _, _)| kind == "local")
        .collect();
    assert!(!local.is_empty(), "no local problem:\n{}", out.context());
    assert!(
        local.iter().any(|(_, message, hint)| {
            (message.contains("INBOX") || message.contains(PROJECT_FOLDER))
                && message.contains("full")
                && hint.contains("space")
        }),
        "the folder, the cause or the fix is not named: {local:?}"
    );
}

/// Adds a folder the server cannot really have to every LIST answer, with a name that is
/// not valid modified UTF-7.
struct BrokenFolderName;

impl Script for BrokenFolderName {
    fn response(&self, frame: Vec<u8>, waiting: Option<&ClientCommand>) -> Vec<u8> {
        let answers_list = waiting.is_some_and(|c| c.verb == "LIST")
            && waiting.is_some_and(|c| frame.starts_with(format!("{} OK", c.tag).as_bytes()));
        if !answers_list {
            return frame;
        }
        let mut out = b"* LIST (\\HasNoChildren) \"/\" \"Broken&Jjo!-name\"\r\n".to_vec();
        out.extend_from_slice(&frame);
        out
    }
}

#[tokio::test]
async fn a_folder_name_that_is_not_valid_modified_utf7_fails_alone() {
    let servers = servers().await;
    let proxy = source_through(&servers, BrokenFolderName);
    let state = fresh_state_dir();
    let out = migrate_tampered_source(&servers, &proxy, state.path());
    let report = assert_failed_within_bounds(&out);
    let broken = report["folders"]
        .as_array()
        .and_then(|f| {
            f.iter().find(|f| {
                f["source"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("Broken"))
            })
        })
        .unwrap_or_else(|| panic!("the broken folder is not reported: {report:#}"));
    assert_eq!(broken["status"], "failed", "{broken:#}");
    assert!(
        broken["renamed"].as_str().is_some_and(|r| !r.is_empty()),
        "the name's problem is not reported: {broken:#}"
    );
    for (name, messages) in &servers.expected {
        assert_eq!(folder(&report, name)["status"], "synced", "{report:#}");
        assert_same_messages(messages, &dest_messages(&servers, name).await);
    }
}
