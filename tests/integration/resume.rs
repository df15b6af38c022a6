//! Resumability, incremental passes and broken connections, through the real binary.
//!
//! Every test starts its own source and destination Dovecot, loads the source with the
//! harness's independent IMAP client, runs `mailferry migrate --json` the way a user or an
//! acceptance script would, and compares the destination with the source message by
//! message: body SHA-256, flags and INTERNALDATE, duplicates counted.

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use async_imap::imap_proto::{Response, Status};
use chrono::{DateTime, FixedOffset};
use serde_json::Value;
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;

use crate::harness::{
    assert_same_messages, corpus, fresh_state_dir, mailbox_digest, mailferry_bin, CutPlan,
    CutProxy, DigestEntry, Direction, Dovecot, DovecotConfig, Layout, StoredMessage, TestImap,
};

const USER: &str = "alice";
const SRC_PW: &str = "source-secret";
const DST_PW: &str = "destination-secret";

// ---------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------

/// One message to load: its bytes, flags and APPEND date-time.
#[derive(Clone, Debug)]
struct Msg {
    body: Vec<u8>,
    flags: Vec<&'static str>,
    date: String,
}

const FLAG_SETS: &[&[&str]] = &[
    &[],
    &["\\Seen"],
    &["\\Seen", "\\Answered"],
    &["\\Flagged"],
    &["\\Seen", "$Forwarded"],
    &["Work"],
    &["\\Seen", "\\Flagged", "Work"],
    &["\\Draft"],
];

/// UTC offsets in seconds, half-hour and +1345 included.
const ZONES: &[i32] = &[0, 3600, -5 * 3600, 19_800, 9 * 3600, -8 * 3600, 49_500];

fn when(i: usize) -> DateTime<FixedOffset> {
    let zone = FixedOffset::east_opt(ZONES[i % ZONES.len()]).expect("valid offset");
    // From 2012 on, a prime number of minutes apart, with varying seconds.
    let seconds = 1_325_376_000 + i as i64 * 7_919 * 60 + (i as i64 * 37) % 60;
    DateTime::from_timestamp(seconds, 0)
        .expect("valid timestamp")
        .with_timezone(&zone)
}

fn append_date(i: usize) -> String {
    when(i).format("%d-%b-%Y %H:%M:%S %z").to_string()
}

/// Message `i` of a generated set named `tag`: a unique Message-ID except every 9th
/// (i % 9 == 4) which has none, varied flags, dates and sizes around `pad` bytes of text.
fn message(tag: &str, i: usize, pad: usize) -> Msg {
    let mut head = String::new();
    if i % 9 != 4 {
        head.push_str(&format!(
            "Message-ID: <{tag}-{i}@resume.mailferry.test>\r\n"
        ));
    }
    head.push_str(&format!(
        "Date: {}\r\nFrom: Sender {i} <sender{i}@example.com>\r\nTo: alice@example.com\r\n\
         Subject: {tag} message {i}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n",
        when(i).format("%a, %d %b %Y %H:%M:%S %z")
    ));
    let mut body = head.into_bytes();
    let target = body.len() + pad + (i % 7) * 41;
    let mut line = 0;
    while body.len() < target {
        body.extend_from_slice(
            format!("{tag} {i} line {line}: the quick brown fox jumps over the lazy dog\r\n")
                .as_bytes(),
        );
        line += 1;
    }
    Msg {
        body,
        flags: FLAG_SETS[i % FLAG_SETS.len()].to_vec(),
        date: append_date(i),
    }
}

fn generate(tag: &str, count: usize, pad: usize) -> Vec<Msg> {
    (0..count).map(|i| message(tag, i, pad)).collect()
}

/// Follows every message with i % `every` == 4 by an identical copy (bytes, flags, date).
/// With `every` = 20 both kinds occur: i = 4 and 184 have no Message-ID, 24..164 have one.
fn with_duplicates(messages: Vec<Msg>, every: usize) -> Vec<Msg> {
    let mut out = Vec::with_capacity(messages.len() + messages.len() / every + 1);
    for (i, m) in messages.into_iter().enumerate() {
        let twice = i % every == 4;
        if twice {
            out.push(m.clone());
        }
        out.push(m);
    }
    out
}

/// A message of about `size` bytes with a base64 attachment, dated and flagged like `i`.
fn large(i: usize, size: usize) -> Msg {
    Msg {
        body: corpus::large_attachment(size, 1000 + i as u64),
        flags: FLAG_SETS[i % FLAG_SETS.len()].to_vec(),
        date: append_date(i),
    }
}

/// Loads `messages` into `folder` quickly: MULTIAPPEND (RFC 3502) with LITERAL+ literals,
/// a few hundred messages per command, in order (so UIDs follow the slice order).
async fn load(imap: &mut TestImap, folder: &str, messages: &[Msg]) {
    for (n, chunk) in messages.chunks(200).enumerate() {
        let tag = format!("LOAD{n}");
        let mut command = format!("{tag} APPEND \"{folder}\"").into_bytes();
        for m in chunk {
            command.extend_from_slice(
                format!(
                    " ({}) \"{}\" {{{}+}}\r\n",
                    m.flags.join(" "),
                    m.date,
                    m.body.len()
                )
                .as_bytes(),
            );
            command.extend_from_slice(&m.body);
        }
        command.extend_from_slice(b"\r\n");
        let session = imap.session();
        let stream = session.get_mut();
        stream.write_all(&command).await.expect("send APPEND");
        stream.flush().await.expect("flush APPEND");
        loop {
            let response = session
                .read_response()
                .await
                .expect("read APPEND response")
                .expect("connection closed during APPEND");
            if let Response::Done {
                tag: done,
                status,
                information,
                ..
            } = response.parsed()
            {
                if done.0 == tag {
                    assert!(
                        *status == Status::Ok,
                        "MULTIAPPEND to {folder:?} refused: {information:?}"
                    );
                    break;
                }
            }
        }
    }
    assert_eq!(
        imap.status_messages(folder).await as usize,
        messages.len(),
        "{folder}: loaded message count"
    );
}

// ---------------------------------------------------------------------------------------
// Servers and the binary
// ---------------------------------------------------------------------------------------

/// A source and a destination Dovecot (user `alice` on both) and a state directory.
struct Servers {
    src: Dovecot,
    dst: Dovecot,
    state: TempDir,
}

impl Servers {
    fn start() -> Servers {
        Servers {
            src: Dovecot::start(DovecotConfig::new(Layout::Plain).user(USER, SRC_PW)),
            dst: Dovecot::start(DovecotConfig::new(Layout::Plain).user(USER, DST_PW)),
            state: fresh_state_dir(),
        }
    }

    fn src_url(&self) -> String {
        self.src.url_imaps(USER)
    }

    fn dst_url(&self) -> String {
        self.dst.url_imaps(USER)
    }

    async fn src_imap(&self) -> TestImap {
        TestImap::connect(&self.src, USER, SRC_PW).await
    }

    async fn dst_imap(&self) -> TestImap {
        TestImap::connect(&self.dst, USER, DST_PW).await
    }

    fn command(&self, source: &str, dest: &str, extra: &[&str]) -> Command {
        let mut command = Command::new(mailferry_bin());
        command
            .arg("migrate")
            .args(["--source", source, "--dest", dest])
            .args(["--source-password-env", "SRC_PW"])
            .args(["--dest-password-env", "DST_PW"])
            .arg("--ca-file")
            .arg(self.src.ca_pem_path())
            .arg("--state-dir")
            .arg(self.state.path())
            .arg("--json")
            .args(extra)
            .env("SRC_PW", SRC_PW)
            .env("DST_PW", DST_PW)
            .stdin(Stdio::null());
        command
    }

    /// `mailferry migrate` between the two servers, to completion.
    fn run(&self, extra: &[&str]) -> Run {
        self.run_via(&self.src_url(), &self.dst_url(), extra)
    }

    /// Like `run`, with other addresses (a proxy in front of one side).
    fn run_via(&self, source: &str, dest: &str, extra: &[&str]) -> Run {
        let output = self
            .command(source, dest, extra)
            .output()
            .expect("run mailferry");
        Run::new(output, self.log_tail())
    }

    /// `mailferry migrate` as a child process, for killing it.
    fn spawn(&self) -> Child {
        self.command(&self.src_url(), &self.dst_url(), &[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn mailferry")
    }

    fn log_tail(&self) -> String {
        let log =
            std::fs::read_to_string(self.state.path().join("mailferry.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

/// One finished `mailferry migrate --json`.
struct Run {
    code: i32,
    json: Value,
    stderr: String,
    log: String,
}

impl Run {
    fn new(output: Output, log: String) -> Run {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let json = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "mailferry --json did not print one JSON object ({e}); exit {:?}\n\
                 stdout: {stdout}\nstderr: {stderr}",
                output.status
            )
        });
        Run {
            code: output.status.code().unwrap_or(-1),
            json,
            stderr,
            log,
        }
    }

    fn context(&self) -> String {
        format!(
            "exit status {}\nreport: {:#}\nstderr: {}\nlog tail:\n{}",
            self.code, self.json, self.stderr, self.log
        )
    }

    fn folders(&self) -> &Vec<Value> {
        self.json["folders"]
            .as_array()
            .unwrap_or_else(|| panic!("no folders array\n{}", self.context()))
    }

    fn folder(&self, source: &str) -> &Value {
        self.folders()
            .iter()
            .find(|f| f["source"] == source)
            .unwrap_or_else(|| panic!("no folder {source:?} in the report\n{}", self.context()))
    }

    fn count(&self, source: &str, field: &str) -> u64 {
        self.folder(source)[field]
            .as_u64()
            .unwrap_or_else(|| panic!("{source}: no number {field}\n{}", self.context()))
    }

    /// Exit 0, status synced, every folder synced, no errors.
    fn assert_synced(&self) {
        assert_eq!(
            self.code,
            0,
            "mailferry did not succeed\n{}",
            self.context()
        );
        assert_eq!(self.json["status"], "synced", "{}", self.context());
        assert_eq!(
            self.json["errors"].as_array().map(Vec::len),
            Some(0),
            "{}",
            self.context()
        );
        for folder in self.folders() {
            assert_eq!(folder["status"], "synced", "{folder}\n{}", self.context());
            assert_eq!(folder["failed"], 0, "{folder}\n{}", self.context());
        }
    }

    /// Checks the given counters of one folder.
    fn assert_counts(&self, source: &str, expected: &[(&str, u64)]) {
        for (field, want) in expected {
            assert_eq!(
                self.count(source, field),
                *want,
                "{source}: {field}\n{}",
                self.context()
            );
        }
    }

    /// Every message in the source is accounted for exactly once in this run's counters.
    fn assert_accounted(&self, source: &str, messages: usize) {
        let accounted = self.count(source, "copied")
            + self.count(source, "already_present")
            + self.count(source, "previously_copied");
        assert_eq!(
            self.count(source, "messages_in_source"),
            messages as u64,
            "{source}: messages_in_source\n{}",
            self.context()
        );
        assert_eq!(
            accounted,
            messages as u64,
            "{source}: copied + already_present + previously_copied\n{}",
            self.context()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Checking mailboxes
// ---------------------------------------------------------------------------------------

/// The destination holds exactly the source's messages in each folder: same bytes, flags
/// and INTERNALDATE, with duplicates counted (so nothing missing and nothing twice).
async fn assert_exact_copy(src: &mut TestImap, dst: &mut TestImap, folders: &[&str]) {
    for folder in folders {
        let source = src.fetch_all(folder).await;
        let destination = dst.fetch_all(folder).await;
        eprintln!(
            "comparing {folder}: source {} messages, destination {}",
            source.len(),
            destination.len()
        );
        assert_same_messages(&source, &destination);
        assert_eq!(source.len(), destination.len(), "{folder}: message count");
    }
}

/// Every destination message is a source message, and none is there more often than in
/// the source (a partial copy without duplicates).
fn assert_no_extra(folder: &str, src: &[StoredMessage], dst: &[StoredMessage]) {
    let mut balance: BTreeMap<DigestEntry, i64> = BTreeMap::new();
    for entry in mailbox_digest(src) {
        *balance.entry(entry).or_default() += 1;
    }
    for entry in mailbox_digest(dst) {
        *balance.entry(entry).or_default() -= 1;
    }
    let extra: Vec<_> = balance.iter().filter(|(_, n)| **n < 0).collect();
    assert!(
        extra.is_empty(),
        "{folder}: destination has messages the source lacks, or duplicates: {extra:#?}"
    );
}

/// Messages in `folder`, 0 if it does not exist (yet).
async fn message_count(imap: &mut TestImap, folder: &str) -> usize {
    imap.session()
        .status(folder, "(MESSAGES)")
        .await
        .map(|m| m.exists as usize)
        .unwrap_or(0)
}

async fn total_count(imap: &mut TestImap, folders: &[&str]) -> usize {
    let mut total = 0;
    for folder in folders {
        total += message_count(imap, folder).await;
    }
    total
}

/// The total once the server has finished what a killed client left in its buffers.
async fn settled_count(imap: &mut TestImap, folders: &[&str]) -> usize {
    let mut last = total_count(imap, folders).await;
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = total_count(imap, folders).await;
        if now == last {
            return now;
        }
        last = now;
    }
}

/// UID, body hash, flags and date of every message: equal snapshots mean nothing changed.
async fn snapshot(imap: &mut TestImap, folder: &str) -> Vec<(u32, String, Vec<String>, i64)> {
    imap.fetch_all(folder)
        .await
        .into_iter()
        .map(|m| (m.uid, m.sha256, m.flags, m.internaldate.timestamp()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

/// Rule 1: the same command again copies nothing and leaves the destination untouched.
#[tokio::test]
async fn resume_second_run_is_idempotent() {
    let servers = Servers::start();
    let folders = ["INBOX", "Projects", "Projects/Old"];
    let mut src = servers.src_imap().await;
    src.create("Projects").await;
    src.create("Projects/Old").await;
    let mut inbox: Vec<Msg> = corpus::load()
        .into_iter()
        .map(|m| Msg {
            body: m.body,
            flags: m.flags,
            date: m.internaldate,
        })
        .collect();
    let (a, b) = corpus::duplicate_pair();
    for body in [a, b] {
        inbox.push(Msg {
            body,
            flags: vec!["\\Seen"],
            date: "02-Mar-2021 08:00:00 +0100".into(),
        });
    }
    inbox.extend(generate("idem", 40, 400));
    let projects = with_duplicates(generate("idem-projects", 30, 800), 20);
    let old = generate("idem-old", 10, 200);
    load(&mut src, "INBOX", &inbox).await;
    load(&mut src, "Projects", &projects).await;
    load(&mut src, "Projects/Old", &old).await;
    let sizes = [inbox.len(), projects.len(), old.len()];

    let first = servers.run(&[]);
    first.assert_synced();
    for (folder, size) in folders.iter().zip(sizes) {
        first.assert_counts(folder, &[("messages_in_source", size as u64)]);
        first.assert_counts(folder, &[("copied", size as u64), ("already_present", 0)]);
    }
    let mut dst = servers.dst_imap().await;
    assert_exact_copy(&mut src, &mut dst, &folders).await;
    let mut before = Vec::new();
    for folder in folders {
        before.push(snapshot(&mut dst, folder).await);
    }

    let second = servers.run(&[]);
    second.assert_synced();
    for folder in second.folders() {
        let name = folder["source"].as_str().expect("folder source name");
        let messages = second.count(name, "messages_in_source");
        second.assert_counts(
            name,
            &[
                ("copied", 0),
                ("already_present", 0),
                ("previously_copied", messages),
                ("flags_updated", 0),
                ("bytes_copied", 0),
            ],
        );
    }
    for (folder, size) in folders.iter().zip(sizes) {
        second.assert_counts(folder, &[("previously_copied", size as u64)]);
    }
    assert_eq!(second.json["totals"]["copied"], 0, "{}", second.context());
    for (folder, earlier) in folders.iter().zip(&before) {
        assert_eq!(
            &snapshot(&mut dst, folder).await,
            earlier,
            "{folder}: the second run changed the destination"
        );
    }
    assert_exact_copy(&mut src, &mut dst, &folders).await;
}

/// Rule 2: new messages (in an existing and in a new folder) and flag changes on copied
/// messages are all that the next run carries over.
#[tokio::test]
async fn resume_incremental_run_copies_only_new_mail_and_flag_changes() {
    let servers = Servers::start();
    let mut src = servers.src_imap().await;
    src.create("Projects").await;
    let inbox = generate("incr", 30, 300);
    let projects = generate("incr-projects", 12, 300);
    load(&mut src, "INBOX", &inbox).await;
    load(&mut src, "Projects", &projects).await;

    let first = servers.run(&[]);
    first.assert_synced();
    first.assert_counts("INBOX", &[("copied", 30)]);
    first.assert_counts("Projects", &[("copied", 12)]);

    // New mail in INBOX and in a folder that did not exist before.
    let new_inbox = generate("incr-new", 5, 300);
    let clients = with_duplicates(generate("incr-clients", 7, 300), 20);
    src.create("Clients").await;
    load(&mut src, "Clients", &clients).await;
    for m in &new_inbox {
        src.append("INBOX", &m.flags, &m.date, &m.body).await;
    }
    // Flag changes on copied messages: +\Flagged, -\Seen, a new keyword.
    let stored = src.fetch_all("INBOX").await;
    assert_eq!(stored.len(), 35);
    assert!(!stored[0].flags.contains(&"\\Flagged".to_string()));
    assert!(stored[1].flags.contains(&"\\Seen".to_string()));
    src.store_flags("INBOX", stored[0].uid, "+FLAGS (\\Flagged)")
        .await;
    src.store_flags("INBOX", stored[1].uid, "-FLAGS (\\Seen)")
        .await;
    src.store_flags("INBOX", stored[2].uid, "+FLAGS ($Label1)")
        .await;
    let stored = src.fetch_all("Projects").await;
    src.store_flags(
        "Projects",
        stored[3].uid,
        "FLAGS (\\Seen \\Answered $Label2)",
    )
    .await;

    let second = servers.run(&[]);
    second.assert_synced();
    second.assert_counts(
        "INBOX",
        &[
            ("messages_in_source", 35),
            ("copied", 5),
            ("previously_copied", 30),
            ("already_present", 0),
            ("flags_updated", 3),
        ],
    );
    second.assert_counts(
        "Projects",
        &[
            ("messages_in_source", 12),
            ("copied", 0),
            ("previously_copied", 12),
            ("flags_updated", 1),
        ],
    );
    second.assert_counts(
        "Clients",
        &[
            ("messages_in_source", clients.len() as u64),
            ("copied", clients.len() as u64),
            ("previously_copied", 0),
            ("already_present", 0),
        ],
    );
    let mut dst = servers.dst_imap().await;
    assert_exact_copy(&mut src, &mut dst, &["INBOX", "Projects", "Clients"]).await;
    let changed = dst.fetch_all("INBOX").await;
    assert!(changed
        .iter()
        .any(|m| m.flags.contains(&"$Label1".to_string())));

    // The flag changes were recorded: a third run has nothing left to do.
    let third = servers.run(&[]);
    third.assert_synced();
    for folder in ["INBOX", "Projects", "Clients"] {
        third.assert_counts(folder, &[("copied", 0), ("flags_updated", 0)]);
    }
}

/// Rule 3: a source folder re-created with a new UIDVALIDITY is matched by fingerprint,
/// not copied again.
#[tokio::test]
async fn resume_uidvalidity_change_matches_by_fingerprint_without_duplicates() {
    let servers = Servers::start();
    let mut src = servers.src_imap().await;
    src.create("Projects").await;
    let inbox = generate("uidv", 15, 300);
    // Duplicates at 4 (no Message-ID) and 24 (with one): 32 messages.
    let projects = with_duplicates(generate("uidv-projects", 30, 300), 20);
    assert_eq!(projects.len(), 32);
    load(&mut src, "INBOX", &inbox).await;
    load(&mut src, "Projects", &projects).await;

    let first = servers.run(&[]);
    first.assert_synced();
    first.assert_counts("Projects", &[("copied", 32)]);

    let (old, new) = src.recreate_with_new_uidvalidity("Projects").await;
    eprintln!("Projects UIDVALIDITY {old} -> {new}");

    let second = servers.run(&[]);
    second.assert_synced();
    second.assert_counts(
        "Projects",
        &[
            ("messages_in_source", 32),
            ("copied", 0),
            ("already_present", 32),
            ("previously_copied", 0),
        ],
    );
    second.assert_counts("INBOX", &[("copied", 0), ("previously_copied", 15)]);
    let mut dst = servers.dst_imap().await;
    assert_exact_copy(&mut src, &mut dst, &["INBOX", "Projects"]).await;
}

/// Rule 4: messages put on the destination by hand before the first run are recognised
/// (with or without a Message-ID); of two identical source messages, the one copy already
/// there counts for one. Mail the destination has of its own stays untouched.
#[tokio::test]
async fn resume_mail_already_on_destination_is_not_duplicated() {
    let servers = Servers::start();
    let mut src = servers.src_imap().await;
    let mut dst = servers.dst_imap().await;
    src.create("Projects").await;
    dst.create("Projects").await;

    let (twice_a, twice_b) = corpus::duplicate_pair();
    let twice_date = "02-Mar-2021 08:00:00 +0100";
    let mut inbox = generate("pre", 12, 300);
    for body in [twice_a, twice_b] {
        inbox.push(Msg {
            body,
            flags: vec!["\\Seen"],
            date: twice_date.into(),
        });
    }
    let projects = generate("pre-projects", 5, 300);
    load(&mut src, "INBOX", &inbox).await;
    load(&mut src, "Projects", &projects).await;

    // By hand on the destination: #1, #4 (no Message-ID), #7 with other flags, one copy of
    // the identical pair, and an unrelated welcome message.
    assert!(!inbox[4].body.starts_with(b"Message-ID"));
    let welcome = message("welcome", 0, 200);
    let mut by_hand = vec![
        inbox[1].clone(),
        inbox[4].clone(),
        inbox[7].clone(),
        inbox[12].clone(),
        welcome.clone(),
    ];
    assert_eq!(by_hand[2].flags, ["\\Draft"]);
    by_hand[2].flags = vec!["\\Seen"];
    load(&mut dst, "INBOX", &by_hand).await;
    load(
        &mut dst,
        "Projects",
        &[projects[0].clone(), projects[3].clone()],
    )
    .await;

    let run = servers.run(&[]);
    run.assert_synced();
    run.assert_counts(
        "INBOX",
        &[
            ("messages_in_source", 14),
            ("already_present", 4),
            ("copied", 10),
            ("previously_copied", 0),
            ("flags_updated", 1),
        ],
    );
    run.assert_counts(
        "Projects",
        &[
            ("messages_in_source", 5),
            ("already_present", 2),
            ("copied", 3),
        ],
    );

    let source = src.fetch_all("INBOX").await;
    let destination = dst.fetch_all("INBOX").await;
    let twice_sha = corpus::sha256_hex(&inbox[12].body);
    assert_eq!(
        destination.iter().filter(|m| m.sha256 == twice_sha).count(),
        2,
        "the identical pair must be on the destination exactly twice"
    );
    // The destination = the source + its own welcome message.
    let (welcome_on_dst, rest): (Vec<StoredMessage>, Vec<StoredMessage>) = destination
        .into_iter()
        .partition(|m| m.sha256 == corpus::sha256_hex(&welcome.body));
    assert_eq!(welcome_on_dst.len(), 1, "the destination's own message");
    assert_eq!(welcome_on_dst[0].flags, Vec::<String>::new());
    assert_same_messages(&source, &rest);
    assert_exact_copy(&mut src, &mut dst, &["Projects"]).await;
}

#[derive(Clone, Copy, Debug)]
enum KillAt {
    /// This long after the start (while signing in and scanning the folders).
    Millis(u64),
    /// This long after the run's first message reached the destination (mid-copy).
    CopyingFor(u64),
    /// When the destination INBOX has this many more messages than at the start.
    InboxGrew(usize),
}

/// Rule 5: SIGKILL at several points, then a run to completion: nothing missing, nothing
/// twice, even for identical messages and messages without a Message-ID.
#[tokio::test]
async fn resume_after_kill_9_at_several_points_copies_everything_exactly_once() {
    let servers = Servers::start();
    let folders = ["INBOX", "Projects", "Projects/Old"];
    let mut src = servers.src_imap().await;
    src.create("Projects").await;
    src.create("Projects/Old").await;
    let mut sizes = Vec::new();
    for (folder, count) in folders.iter().zip([1800, 900, 500]) {
        let tag = folder.replace('/', "-").to_lowercase();
        let messages = with_duplicates(generate(&tag, count, 500), 20);
        load(&mut src, folder, &messages).await;
        sizes.push(messages.len());
    }
    let total: usize = sizes.iter().sum();
    let mut dst = servers.dst_imap().await;

    // Later cycles have less left to copy, so their kill points come sooner: on a fast, idle
    // machine a late count-based point could be passed by a run that simply finishes.
    let points = [
        KillAt::InboxGrew(200),
        KillAt::Millis(150),
        KillAt::CopyingFor(400),
        KillAt::CopyingFor(150),
        KillAt::CopyingFor(50),
    ];
    let mut previous = 0;
    for (cycle, point) in points.iter().enumerate() {
        let inbox_at_start = message_count(&mut dst, "INBOX").await;
        let mut child = servers.spawn();
        let started = Instant::now();
        let mut copying_since: Option<Instant> = None;
        loop {
            if let Some(status) = child.try_wait().expect("poll mailferry") {
                panic!(
                    "cycle {cycle}: mailferry ended ({status}) before the kill point {point:?}; \
                     the mailbox is too small for this machine\n{}",
                    servers.log_tail()
                );
            }
            let reached = match *point {
                KillAt::Millis(ms) => started.elapsed() >= Duration::from_millis(ms),
                KillAt::CopyingFor(ms) => match copying_since {
                    Some(since) => since.elapsed() >= Duration::from_millis(ms),
                    None => {
                        if total_count(&mut dst, &folders).await > previous {
                            copying_since = Some(Instant::now());
                        }
                        false
                    }
                },
                KillAt::InboxGrew(n) => message_count(&mut dst, "INBOX").await > inbox_at_start + n,
            };
            if reached {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "cycle {cycle}: {point:?} not reached in 2 minutes\n{}",
                servers.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        child.kill().expect("SIGKILL mailferry");
        let status = child.wait().expect("reap mailferry");
        assert_eq!(
            status.signal(),
            Some(9),
            "cycle {cycle}: mailferry was not killed at {point:?} but ended with {status}"
        );
        let now = settled_count(&mut dst, &folders).await;
        eprintln!(
            "cycle {cycle}: killed at {point:?} after {:?}; destination has {now} of {total} \
             (before this cycle {previous})",
            started.elapsed()
        );
        assert!(
            now > 0 && now < total,
            "cycle {cycle}: the kill at {point:?} did not land mid-copy: {now} of {total}"
        );
        assert!(
            now >= previous,
            "cycle {cycle}: the destination lost messages"
        );
        if !matches!(point, KillAt::Millis(_)) {
            assert!(
                now > previous,
                "cycle {cycle}: nothing was copied before the kill at {point:?}"
            );
        }
        previous = now;
    }

    let last = servers.run(&[]);
    last.assert_synced();
    for (folder, size) in folders.iter().zip(&sizes) {
        last.assert_accounted(folder, *size);
    }
    assert_exact_copy(&mut src, &mut dst, &folders).await;

    let again = servers.run(&[]);
    again.assert_synced();
    for (folder, size) in folders.iter().zip(&sizes) {
        again.assert_counts(
            folder,
            &[("copied", 0), ("previously_copied", *size as u64)],
        );
    }
}

/// Source and destination for the cut tests: a few MB, mostly 100 KB messages.
async fn load_few_megabytes(src: &mut TestImap) -> Vec<(&'static str, usize)> {
    src.create("Projects").await;
    let mut inbox: Vec<Msg> = (0..24).map(|i| large(i, 100_000)).collect();
    inbox.extend(with_duplicates(generate("cut", 20, 300), 20));
    let mut projects: Vec<Msg> = (24..30).map(|i| large(i, 100_000)).collect();
    projects.extend(generate("cut-projects", 5, 300));
    load(src, "INBOX", &inbox).await;
    load(src, "Projects", &projects).await;
    vec![("INBOX", inbox.len()), ("Projects", projects.len())]
}

/// Rule 6: the source connection drops in the middle of a FETCH of message bodies; the run
/// reconnects, finishes, and copies everything once.
#[tokio::test]
async fn resume_source_connection_cut_mid_fetch_is_retried_without_duplicates() {
    let servers = Servers::start();
    let mut src = servers.src_imap().await;
    let folders = load_few_megabytes(&mut src).await;
    let proxy = CutProxy::start(
        servers.src.imaps_port(),
        CutPlan::new(Direction::ServerToClient, 200_000, 2),
    );
    let source = format!("imaps://{USER}@127.0.0.1:{}", proxy.port());

    let run = servers.run_via(&source, &servers.dst_url(), &["--connections", "1"]);
    eprintln!(
        "proxy: {} connections, {} cut",
        proxy.connections_seen(),
        proxy.cuts_done()
    );
    assert!(
        proxy.cuts_done() >= 1,
        "the proxy never cut\n{}",
        run.context()
    );
    run.assert_synced();
    let mut dst = servers.dst_imap().await;
    let names: Vec<&str> = folders.iter().map(|(f, _)| *f).collect();
    assert_exact_copy(&mut src, &mut dst, &names).await;
    // One run from an empty state: nothing can have been recorded by an earlier run, and
    // every message is either copied by it or found already there, once.
    for (folder, size) in &folders {
        run.assert_accounted(folder, *size);
        run.assert_counts(folder, &[("previously_copied", 0)]);
    }
}

/// Rule 7: the destination connection drops in the middle of pipelined APPENDs; messages
/// whose APPEND the server finished without the client hearing of it are not added twice.
#[tokio::test]
async fn resume_destination_connection_cut_mid_append_is_retried_without_duplicates() {
    let servers = Servers::start();
    let mut src = servers.src_imap().await;
    let folders = load_few_megabytes(&mut src).await;
    let proxy = CutProxy::start(
        servers.dst.imaps_port(),
        CutPlan::new(Direction::ClientToServer, 200_000, 2),
    );
    let dest = format!("imaps://{USER}@127.0.0.1:{}", proxy.port());

    let run = servers.run_via(&servers.src_url(), &dest, &["--connections", "1"]);
    eprintln!(
        "proxy: {} connections, {} cut",
        proxy.connections_seen(),
        proxy.cuts_done()
    );
    assert!(
        proxy.cuts_done() >= 1,
        "the proxy never cut\n{}",
        run.context()
    );
    run.assert_synced();
    let mut dst = servers.dst_imap().await;
    let names: Vec<&str> = folders.iter().map(|(f, _)| *f).collect();
    assert_exact_copy(&mut src, &mut dst, &names).await;
    // One run from an empty state: nothing can have been recorded by an earlier run, and
    // every message is either copied by it or found already there, once.
    for (folder, size) in &folders {
        run.assert_accounted(folder, *size);
        run.assert_counts(folder, &[("previously_copied", 0)]);
    }
}

/// Rule 8: a connection that breaks on every attempt before anything more can be copied
/// makes the run fail with a network error after its retries (attempts are counted only
/// while nothing moves), with what was copied copied once; a later run without the broken
/// link finishes the job exactly.
#[tokio::test]
async fn resume_connection_cut_on_every_attempt_fails_then_later_run_completes() {
    let servers = Servers::start();
    let mut src = servers.src_imap().await;
    src.create("Projects").await;
    // 64 messages of ~16 KB make one batch of ~1 MB. Cutting each source connection after
    // 300 KB lets no batch through, so no attempt moves anything and the 6 attempts run out.
    let inbox = with_duplicates(generate("every", 450, 16_000), 20);
    let projects = generate("every-projects", 5, 300);
    load(&mut src, "INBOX", &inbox).await;
    load(&mut src, "Projects", &projects).await;
    let proxy = CutProxy::start(
        servers.src.imaps_port(),
        CutPlan::new(Direction::ServerToClient, 300_000, 20),
    );
    let source = format!("imaps://{USER}@127.0.0.1:{}", proxy.port());

    let failed = servers.run_via(&source, &servers.dst_url(), &["--connections", "1"]);
    eprintln!(
        "proxy: {} connections, {} cut",
        proxy.connections_seen(),
        proxy.cuts_done()
    );
    assert_eq!(failed.code, 1, "exit status\n{}", failed.context());
    assert_eq!(failed.json["status"], "failed", "{}", failed.context());
    let kinds: Vec<&str> = failed.json["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["kind"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        kinds.contains(&"network"),
        "no network error: {kinds:?}\n{}",
        failed.context()
    );
    let inbox_report = failed.folder("INBOX");
    assert_eq!(inbox_report["status"], "failed", "{}", failed.context());
    assert_eq!(
        inbox_report["error"]["kind"],
        "network",
        "{}",
        failed.context()
    );
    assert!(
        proxy.cuts_done() >= 6,
        "every attempt should have been cut\n{}",
        failed.context()
    );
    failed.assert_counts("Projects", &[("copied", 5)]);
    assert_eq!(failed.folder("Projects")["status"], "synced");
    drop(proxy);

    let mut dst = servers.dst_imap().await;
    let source_inbox = src.fetch_all("INBOX").await;
    let partial = dst.fetch_all("INBOX").await;
    eprintln!(
        "after the failed run: {} of {} on the destination",
        partial.len(),
        inbox.len()
    );
    assert!(
        partial.len() < inbox.len(),
        "expected an incomplete copy, got {} of {}",
        partial.len(),
        inbox.len()
    );
    assert_no_extra("INBOX", &source_inbox, &partial);

    let done = servers.run(&[]);
    done.assert_synced();
    done.assert_accounted("INBOX", inbox.len());
    // Whether the database or the fingerprints account for them, the messages already
    // there are not copied again.
    done.assert_counts("INBOX", &[("copied", (inbox.len() - partial.len()) as u64)]);
    done.assert_counts("Projects", &[("copied", 0)]);
    assert_exact_copy(&mut src, &mut dst, &["INBOX", "Projects"]).await;
}
