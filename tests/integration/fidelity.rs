//! Copy fidelity and folder mapping, end to end through the `mailferry` binary.
//!
//! Every test loads a real Dovecot source with the harness's own IMAP client, runs
//! `mailferry` exactly as a user would, then reads both servers back and compares them
//! message by message (SHA-256 of BODY[], flags, INTERNALDATE), never just counts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{
    assert_same_messages, corpus, fresh_state_dir, mailbox_digest, mailferry_bin, Dovecot,
    DovecotConfig, Layout, ListedFolder, StoredMessage, TestImap,
};

const USER: &str = "alice";
const SRC_PW: &str = "source-secret";
const DST_PW: &str = "dest-secret";

// ---------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------

/// One user's migration job: the two addresses, their passwords and one state directory,
/// reused by every command of the job as a person would.
struct Job {
    source_url: String,
    dest_url: String,
    source_password: String,
    dest_password: String,
    ca_file: PathBuf,
    state: tempfile::TempDir,
    /// Extra arguments given to every command (exclusions, admin login...).
    common: Vec<String>,
}

impl Job {
    /// `alice` on both servers.
    fn new(src: &Dovecot, dst: &Dovecot) -> Job {
        Job {
            source_url: src.url_imaps(USER),
            dest_url: dst.url_imaps(USER),
            source_password: SRC_PW.to_string(),
            dest_password: DST_PW.to_string(),
            ca_file: src.ca_pem_path(),
            state: fresh_state_dir(),
            common: Vec::new(),
        }
    }

    fn with_args(mut self, args: &[&str]) -> Job {
        self.common.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// Runs `mailferry COMMAND ... --json` and parses its single JSON object.
    fn run(&self, command: &str) -> Run {
        let mut cmd = Command::new(mailferry_bin());
        cmd.arg(command)
            .arg("--source")
            .arg(&self.source_url)
            .arg("--dest")
            .arg(&self.dest_url)
            .args([
                "--source-password-env",
                "SRC_PW",
                "--dest-password-env",
                "DST_PW",
            ])
            .arg("--ca-file")
            .arg(&self.ca_file)
            .arg("--state-dir")
            .arg(self.state.path())
            .args(["--timeout", "30", "--json"])
            .args(&self.common)
            .env("SRC_PW", &self.source_password)
            .env("DST_PW", &self.dest_password)
            .env_remove("RUST_LOG");
        let started = Instant::now();
        let output = cmd.output().expect("run the mailferry binary");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let code = output.status.code().unwrap_or(-1);
        let json: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "mailferry {command} (exit {code}) did not print one JSON object: {e}\n\
                 stdout:\n{stdout}\nstderr:\n{stderr}"
            )
        });
        eprintln!(
            "mailferry {command} {:?}: exit {code} in {:?}",
            self.common,
            started.elapsed()
        );
        Run { code, json, stderr }
    }

    /// `migrate`, which must succeed (exit 0, status "synced").
    fn migrate_ok(&self) -> Run {
        let run = self.run("migrate");
        run.expect_exit(0, "synced");
        for entry in run.folders() {
            assert_eq!(entry["status"], "synced", "{entry}\n{}", run.context());
        }
        run
    }
}

struct Run {
    code: i32,
    json: Value,
    stderr: String,
}

impl Run {
    fn context(&self) -> String {
        format!(
            "exit {}\njson: {}\nstderr:\n{}",
            self.code,
            serde_json::to_string_pretty(&self.json).unwrap_or_default(),
            self.stderr
        )
    }

    fn expect_exit(&self, code: i32, status: &str) {
        assert!(
            self.code == code && self.json["status"] == status,
            "expected exit {code} with status {status:?}, got {}",
            self.context()
        );
    }

    fn folders(&self) -> &Vec<Value> {
        self.json["folders"]
            .as_array()
            .unwrap_or_else(|| panic!("no folders array: {}", self.context()))
    }

    /// The report entry for a source folder (as the report spells it, decoded).
    fn folder(&self, source: &str) -> &Value {
        self.folders()
            .iter()
            .find(|f| f["source"] == source)
            .unwrap_or_else(|| panic!("no folder entry for source {source:?}: {}", self.context()))
    }

    /// Per-folder entry of `verify`, found by destination name.
    fn compared(&self, destination: &str) -> &Value {
        self.folders()
            .iter()
            .find(|f| f["destination"] == destination)
            .unwrap_or_else(|| {
                panic!(
                    "no comparison for destination {destination:?}: {}",
                    self.context()
                )
            })
    }

    fn not_copied(&self) -> BTreeMap<String, String> {
        self.json["folders_not_copied"]
            .as_array()
            .unwrap_or_else(|| panic!("no folders_not_copied: {}", self.context()))
            .iter()
            .map(|f| {
                (
                    f["source"].as_str().expect("source name").to_string(),
                    f["reason"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    fn num(&self, entry: &Value, field: &str) -> u64 {
        entry[field].as_u64().unwrap_or_else(|| {
            panic!(
                "field {field:?} missing or not a number in {entry}\n{}",
                self.context()
            )
        })
    }
}

// ---------------------------------------------------------------------------------------
// Building and reading mailboxes
// ---------------------------------------------------------------------------------------

/// A small unique message; `tag` is its subject and Message-ID.
fn mail(tag: &str) -> Vec<u8> {
    format!(
        "Message-ID: <{tag}@fidelity.example>\r\n\
         Date: Wed, 02 Mar 2022 10:00:00 +0100\r\n\
         From: Someone <someone@example.com>\r\n\
         To: alice@example.com\r\n\
         Subject: {tag}\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         Body of {tag}.\r\n"
    )
    .into_bytes()
}

/// Distinct INTERNALDATEs: the n-th minute of 2022-03-14, in a +0100 zone.
fn date(n: u32) -> String {
    format!("14-Mar-2022 {:02}:{:02}:07 +0100", 8 + n / 60, n % 60)
}

/// Appends a unique small message to `folder`.
async fn put(imap: &mut TestImap, folder: &str, tag: &str, flags: &[&str], n: u32) {
    imap.append(folder, flags, &date(n), &mail(tag)).await;
}

fn selectable(folder: &ListedFolder) -> bool {
    !folder.has_attribute("\\Noselect") && !folder.has_attribute("\\NonExistent")
}

/// Every folder name as LISTed (wire names), sorted.
async fn folder_names(imap: &mut TestImap) -> BTreeSet<String> {
    imap.list().await.into_iter().map(|f| f.name).collect()
}

/// Every selectable folder with its messages.
async fn mailbox(imap: &mut TestImap) -> BTreeMap<String, Vec<StoredMessage>> {
    let mut out = BTreeMap::new();
    for folder in imap.list().await {
        if selectable(&folder) {
            let messages = imap.fetch_all(&folder.name).await;
            out.insert(folder.name, messages);
        }
    }
    out
}

/// Messages not flagged \Deleted: what a migration must carry.
fn live(messages: &[StoredMessage]) -> Vec<StoredMessage> {
    messages
        .iter()
        .filter(|m| !m.flags.iter().any(|f| f == "\\Deleted"))
        .cloned()
        .collect()
}

fn concat(parts: &[&[StoredMessage]]) -> Vec<StoredMessage> {
    parts.iter().flat_map(|p| p.iter().cloned()).collect()
}

/// `dst[folder]` holds exactly `expected` (bytes, flags, INTERNALDATE, duplicates counted).
fn assert_folder(
    dst: &BTreeMap<String, Vec<StoredMessage>>,
    folder: &str,
    expected: &[StoredMessage],
) {
    let got = dst.get(folder).unwrap_or_else(|| {
        panic!(
            "destination has no folder {folder:?}; it has {:?}",
            dst.keys().collect::<Vec<_>>()
        )
    });
    eprintln!(
        "checking destination folder {folder:?}: {} messages",
        got.len()
    );
    assert_same_messages(expected, got);
}

/// What must not change on the source: folders, subscriptions, and per folder its
/// UIDVALIDITY, HIGHESTMODSEQ and every message's UID, flags, date and bytes.
#[derive(Debug, PartialEq, Eq)]
struct SourceState {
    folders: Vec<(String, Vec<String>)>,
    subscribed: Vec<String>,
    per_folder: BTreeMap<String, FolderState>,
}

#[derive(Debug, PartialEq, Eq)]
struct FolderState {
    uidvalidity: u32,
    highest_modseq: u64,
    messages: Vec<(u32, Vec<String>, i64, String)>,
}

async fn source_state(imap: &mut TestImap) -> SourceState {
    let mut folders: Vec<(String, Vec<String>)> = imap
        .list()
        .await
        .into_iter()
        .map(|f| {
            // \Marked / \Unmarked only say whether new mail arrived since the last look.
            let mut attributes: Vec<String> = f
                .attributes
                .iter()
                .filter(|a| {
                    !a.eq_ignore_ascii_case("\\Marked") && !a.eq_ignore_ascii_case("\\Unmarked")
                })
                .cloned()
                .collect();
            attributes.sort();
            (f.name, attributes)
        })
        .collect();
    folders.sort();
    let mut per_folder = BTreeMap::new();
    for (name, attributes) in &folders {
        if attributes.iter().any(|a| {
            a.eq_ignore_ascii_case("\\Noselect") || a.eq_ignore_ascii_case("\\NonExistent")
        }) {
            continue;
        }
        let messages = imap
            .fetch_all(name)
            .await
            .into_iter()
            .map(|m| (m.uid, m.flags, m.internaldate.timestamp(), m.sha256))
            .collect();
        let state = FolderState {
            uidvalidity: imap.uidvalidity(name).await,
            highest_modseq: imap.highest_modseq(name).await,
            messages,
        };
        per_folder.insert(name.clone(), state);
    }
    SourceState {
        folders,
        subscribed: imap.subscribed().await,
        per_folder,
    }
}

/// A server with `alice`, every folder opened once (see `open_every_folder`).
async fn start(layout: Layout, password: &str) -> Dovecot {
    let server = Dovecot::start(DovecotConfig::new(layout).user(USER, password));
    open_every_folder(&server, USER, password).await;
    server
}

/// Opens (EXAMINEs) every folder of `user` once, as any mailbox in real use has been.
///
/// Dovecot creates its auto-created special folders (`auto = subscribe`) on disk only when
/// they are first opened, and Dovecot 2.3.19 sometimes panics when several connections of
/// one user do that at the same moment ("fcntl(.../dovecot.list.index.log, write-lock,
/// F_SETLKW) locking failed: Resource deadlock avoided"), after which EXAMINE of that folder
/// fails with "[ALREADYEXISTS] Mailbox already exists". A migration opens up to four
/// folders at once, so fresh servers would make these tests flaky for a reason that has
/// nothing to do with what they check.
async fn open_every_folder(server: &Dovecot, user: &str, password: &str) {
    let mut imap = TestImap::connect(server, user, password).await;
    for folder in imap.list().await {
        if selectable(&folder) {
            imap.fetch_all(&folder.name).await;
        }
    }
    imap.logout().await;
}

/// Lets a running harness Dovecot store names containing characters its storage
/// forbids, such as `/` on a `.`-separated (Courier-style) server, with Dovecot's
/// listescape plugin. The harness config has no switch for it, so the config file is
/// edited and the server reloaded; returns once a new login can create `probe`.
async fn enable_listescape(server: &Dovecot, probe: &str) -> TestImap {
    let path = server.dir().join("dovecot.conf");
    let conf = std::fs::read_to_string(&path).expect("read dovecot.conf");
    let needle = "mail_plugins = $mail_plugins quota\n";
    assert!(
        conf.contains(needle),
        "harness config changed: {needle:?} not found"
    );
    std::fs::write(
        &path,
        conf.replacen(needle, "mail_plugins = $mail_plugins quota listescape\n", 1),
    )
    .expect("write dovecot.conf");
    server.doveadm(&["reload"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut imap = TestImap::connect(server, USER, SRC_PW).await;
        match imap.session().create(probe).await {
            Ok(()) => return imap,
            Err(e) if Instant::now() > deadline => {
                panic!(
                    "CREATE {probe:?} still refused after reload: {e}\n{}",
                    server.log_tail()
                )
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Rules 1-3: bytes, flags, dates, \Deleted, and a read-only source
// ---------------------------------------------------------------------------------------

/// The awkward corpus, a byte-identical duplicate pair and messages pending deletion
/// arrive byte for byte with flags and INTERNALDATE; \Deleted ones stay behind and are
/// counted; the same message in two folders lands in both; the source (folders,
/// subscriptions, UIDs, flags, HIGHESTMODSEQ) is exactly as it was.
#[tokio::test]
async fn corpus_arrives_byte_for_byte_and_source_is_untouched() {
    let src = start(Layout::Plain, SRC_PW).await;
    let dst = start(Layout::Plain, DST_PW).await;
    let mut s = TestImap::connect(&src, USER, SRC_PW).await;

    let corpus = corpus::load();
    for m in &corpus {
        s.append("INBOX", &m.flags, &m.internaldate, &m.body).await;
    }
    let (twin_a, twin_b) = corpus::duplicate_pair();
    let twin_date = "02-Mar-2021 08:00:05 +0100";
    s.append("INBOX", &[], twin_date, &twin_a).await;
    s.append("INBOX", &[], twin_date, &twin_b).await;
    put(&mut s, "INBOX", "pending-deletion-1", &["\\Deleted"], 1).await;
    put(
        &mut s,
        "INBOX",
        "pending-deletion-2",
        &["\\Deleted", "\\Seen"],
        2,
    )
    .await;

    // The same messages again in a nested folder, and one more pending deletion there.
    s.create("Clients/Acme").await;
    for m in corpus.iter().filter(|m| {
        [
            "03-no-message-id.eml",
            "09-bare-lf.eml",
            "12-no-headers.eml",
            "14-no-final-crlf.eml",
        ]
        .contains(&m.name)
    }) {
        s.append("Clients/Acme", &m.flags, &m.internaldate, &m.body)
            .await;
    }
    put(
        &mut s,
        "Clients/Acme",
        "acme-deleted",
        &["\\Deleted", "\\Flagged"],
        3,
    )
    .await;
    // Unread mail elsewhere (reading it must not mark it \Seen), an empty folder, and a
    // folder called Files, which only Microsoft 365 reserves.
    put(&mut s, "Sent", "sent-unread", &[], 4).await;
    put(&mut s, "Drafts", "draft", &["\\Draft"], 5).await;
    s.create("Empty").await;
    s.create("Files").await;
    put(&mut s, "Files", "files-note", &["$Forwarded", "Work"], 6).await;

    let before = source_state(&mut s).await;
    let source = mailbox(&mut s).await;
    assert_eq!(source["INBOX"].len(), corpus.len() + 4);

    let run = Job::new(&src, &dst).migrate_ok();

    // The destination holds every live message of every source folder, nothing else.
    let mut d = TestImap::connect(&dst, USER, DST_PW).await;
    let destination = mailbox(&mut d).await;
    assert_eq!(
        folder_names(&mut d).await,
        folder_names(&mut s).await,
        "a Plain → Plain migration keeps every folder name"
    );
    for (folder, messages) in &source {
        assert_folder(&destination, folder, &live(messages));
    }
    // A parent that only holds folders on the source (`Clients`) may become a real folder.
    for (folder, messages) in &destination {
        assert!(
            source.contains_key(folder) || messages.is_empty(),
            "{folder:?} is not a source folder but holds {} messages",
            messages.len()
        );
    }

    // Byte for byte against the corpus files themselves (as Dovecot serves them).
    let inbox = &destination["INBOX"];
    for m in &corpus {
        let expected = corpus::sha256_hex(&corpus::as_served_by_dovecot(&m.body));
        assert!(
            inbox.iter().any(|d| d.sha256 == expected),
            "{} did not arrive byte for byte",
            m.name
        );
    }
    let twin_sha = corpus::sha256_hex(&twin_a);
    assert_eq!(
        inbox.iter().filter(|m| m.sha256 == twin_sha).count(),
        2,
        "two identical source messages must stay two"
    );
    assert!(
        inbox
            .iter()
            .any(|m| m.body.ends_with(b"not terminated.") && m.flags.contains(&"Work".to_string())),
        "message without final CRLF changed or lost its keyword"
    );
    for folder in destination.values() {
        for m in folder {
            assert!(
                !m.subject().contains("pending-deletion") && !m.subject().contains("acme-deleted"),
                "a \\Deleted source message was copied: {:?}",
                m.subject()
            );
            assert!(
                !m.flags.iter().any(|f| f == "\\Deleted"),
                "a destination message has \\Deleted"
            );
        }
    }
    // Every created folder is subscribed.
    let subscribed = d.subscribed().await;
    for folder in ["Clients/Acme", "Empty", "Files", "Sent", "Drafts"] {
        assert!(
            subscribed.iter().any(|s| s == folder),
            "{folder} not subscribed: {subscribed:?}"
        );
    }

    // The report counts what happened.
    let entry = run.folder("INBOX");
    assert_eq!(entry["destination"], "INBOX");
    assert_eq!(entry["status"], "synced");
    assert_eq!(
        run.num(entry, "messages_in_source"),
        corpus.len() as u64 + 2
    );
    assert_eq!(run.num(entry, "copied"), corpus.len() as u64 + 2);
    assert_eq!(run.num(entry, "deleted_not_copied"), 2);
    assert_eq!(run.num(entry, "already_present"), 0);
    assert_eq!(run.num(entry, "previously_copied"), 0);
    assert_eq!(run.num(entry, "skipped"), 0);
    assert_eq!(run.num(entry, "failed"), 0);
    let inbox_bytes: usize = live(&source["INBOX"]).iter().map(|m| m.body.len()).sum();
    assert_eq!(run.num(entry, "bytes_copied"), inbox_bytes as u64);
    let acme = run.folder("Clients/Acme");
    assert_eq!(acme["destination"], "Clients/Acme");
    assert_eq!(run.num(acme, "messages_in_source"), 4);
    assert_eq!(run.num(acme, "copied"), 4);
    assert_eq!(run.num(acme, "deleted_not_copied"), 1);
    let files = run.folder("Files");
    assert_eq!(
        files["destination"], "Files",
        "only Microsoft 365 reserves Files"
    );
    assert!(
        files.get("renamed").is_none(),
        "Files renamed on a non-Exchange server: {files}"
    );
    assert_eq!(run.num(run.folder("Empty"), "messages_in_source"), 0);

    // The source is read-only: nothing changed, not even a \Seen (HIGHESTMODSEQ).
    let after = source_state(&mut s).await;
    assert_eq!(before, after, "the migration changed the source");
}

/// One ~25 MB message with a base64 attachment arrives byte for byte next to a small one.
#[tokio::test]
async fn large_attachment_arrives_byte_for_byte() {
    let src = start(Layout::Plain, SRC_PW).await;
    let dst = start(Layout::Plain, DST_PW).await;
    let mut s = TestImap::connect(&src, USER, SRC_PW).await;
    let large = corpus::large_attachment(25 * 1024 * 1024, 25);
    s.append(
        "INBOX",
        &["\\Seen", "$Forwarded"],
        "01-Feb-2021 10:00:00 +0000",
        &large,
    )
    .await;
    put(&mut s, "INBOX", "small-next-to-large", &[], 1).await;

    let run = Job::new(&src, &dst).migrate_ok();

    // Fetching 25 MB through the test client is slow in a debug build: read the
    // destination only, and compare it with what was appended.
    let mut d = TestImap::connect(&dst, USER, DST_PW).await;
    let inbox = d.fetch_all("INBOX").await;
    assert_eq!(
        inbox.len(),
        2,
        "INBOX should hold the large and the small message"
    );
    let arrived = inbox
        .iter()
        .find(|m| m.body.len() > 20_000_000)
        .expect("the large message arrived");
    assert!(arrived.body == large, "the large message's bytes differ");
    assert_eq!(arrived.flags, vec!["$Forwarded", "\\Seen"]);
    assert_eq!(
        arrived.internaldate.timestamp(),
        chrono::DateTime::parse_from_rfc3339("2021-02-01T10:00:00Z")
            .expect("date")
            .timestamp()
    );
    let small = inbox
        .iter()
        .find(|m| m.body.len() < 1000)
        .expect("the small message arrived");
    assert!(small.body == mail("small-next-to-large") && small.flags.is_empty());
    let entry = run.folder("INBOX");
    assert_eq!(run.num(entry, "copied"), 2);
    assert_eq!(run.num(entry, "skipped"), 0);
    assert!(run.num(entry, "bytes_copied") >= large.len() as u64);
}

// ---------------------------------------------------------------------------------------
// Rule 4: folders
// ---------------------------------------------------------------------------------------

/// Loads INBOX, the special folders named in `specials` and a regular folder with one or
/// two messages each, migrates to an Exchange-like server and checks that each lands in
/// Exchange's counterpart with exactly its messages, and no source name is left behind.
async fn special_folders_land_in_exchange_counterparts(
    layout: Layout,
    specials: &[(&str, &str, &str)],
) {
    let src = start(layout, SRC_PW).await;
    let dst = start(Layout::ExchangeLike, DST_PW).await;
    let mut s = TestImap::connect(&src, USER, SRC_PW).await;
    let existing = folder_names(&mut s).await;
    put(&mut s, "INBOX", "inbox-1", &["\\Seen"], 1).await;
    s.create("Clients").await;
    put(&mut s, "Clients", "clients-1", &["\\Flagged"], 2).await;
    for (n, (source, _, _)) in specials.iter().enumerate() {
        if !existing.contains(*source) {
            s.create(source).await;
        }
        let n = n as u32 * 2 + 10;
        put(&mut s, source, &format!("{source}-a"), &["\\Seen"], n).await;
        put(
            &mut s,
            source,
            &format!("{source}-b"),
            &["\\Seen", "\\Answered"],
            n + 1,
        )
        .await;
    }
    let source = mailbox(&mut s).await;

    let run = Job::new(&src, &dst).migrate_ok();

    let mut d = TestImap::connect(&dst, USER, DST_PW).await;
    let destination = mailbox(&mut d).await;
    assert_folder(&destination, "INBOX", &source["INBOX"]);
    assert_folder(&destination, "Clients", &source["Clients"]);
    for (source_name, destination_name, role) in specials {
        assert_folder(&destination, destination_name, &source[*source_name]);
        let entry = run.folder(source_name);
        assert_eq!(entry["destination"], *destination_name, "{entry}");
        assert_eq!(entry["role"], *role, "{entry}");
        assert_eq!(run.num(entry, "copied"), 2);
        if source_name != destination_name {
            assert!(
                !destination.contains_key(*source_name),
                "{source_name} was created on the destination besides {destination_name}"
            );
        }
    }
    let expected: BTreeSet<&str> = ["INBOX", "Clients"]
        .into_iter()
        .chain(specials.iter().map(|(_, d, _)| *d))
        .collect();
    for (folder, messages) in &destination {
        assert!(
            expected.contains(folder.as_str()) || messages.is_empty(),
            "unexpected messages in destination {folder:?}"
        );
    }
}

/// A Plain source's special-use folders land in Exchange's own special folders.
#[tokio::test]
async fn special_use_folders_map_to_exchange_names() {
    special_folders_land_in_exchange_counterparts(
        Layout::Plain,
        &[
            ("Sent", "Sent Items", "sent"),
            ("Trash", "Deleted Items", "trash"),
            ("Junk", "Junk Email", "junk"),
            ("Drafts", "Drafts", "drafts"),
            ("Archive", "Archive", "archive"),
        ],
    )
    .await;
}

/// Without SPECIAL-USE attributes the same mapping follows the folder names.
#[tokio::test]
async fn special_folders_without_attributes_map_by_name() {
    special_folders_land_in_exchange_counterparts(
        Layout::NoSpecialUse,
        &[
            ("Sent", "Sent Items", "sent"),
            ("Trash", "Deleted Items", "trash"),
            ("Junk", "Junk Email", "junk"),
            ("Drafts", "Drafts", "drafts"),
        ],
    )
    .await;
}

/// On an Exchange-like destination: a top-level `Files` becomes `Files (imported)` (and
/// the report says so) while a nested one keeps its name; an accented name arrives intact
/// (same modified UTF-7 on the wire, decoded in the report); `Projects` and `projects`
/// merge into one folder holding both folders' messages.
#[tokio::test]
async fn exchange_reserved_accented_and_case_colliding_names() {
    let src = start(Layout::Plain, SRC_PW).await;
    let dst = start(Layout::ExchangeLike, DST_PW).await;
    let mut s = TestImap::connect(&src, USER, SRC_PW).await;
    const ACCENTED: &str = "Fam&AO0-lia/Or&AOc-amento";
    for folder in ["Files", "Clients/Files", ACCENTED, "Projects", "projects"] {
        s.create(folder).await;
    }
    put(&mut s, "Files", "files-1", &["\\Seen"], 1).await;
    put(&mut s, "Files", "files-2", &[], 2).await;
    put(&mut s, "Clients/Files", "clients-files", &["Work"], 3).await;
    put(&mut s, ACCENTED, "orcamento", &["\\Seen", "\\Flagged"], 4).await;
    put(&mut s, "Projects", "projects-upper-1", &["\\Seen"], 5).await;
    put(&mut s, "Projects", "projects-upper-2", &["\\Answered"], 6).await;
    put(&mut s, "projects", "projects-lower", &["$Forwarded"], 7).await;
    let source = mailbox(&mut s).await;

    let run = Job::new(&src, &dst).migrate_ok();

    let mut d = TestImap::connect(&dst, USER, DST_PW).await;
    let destination = mailbox(&mut d).await;

    assert_folder(&destination, "Files (imported)", &source["Files"]);
    assert!(
        !destination.contains_key("Files"),
        "Files created on Exchange"
    );
    let files = run.folder("Files");
    assert_eq!(files["destination"], "Files (imported)");
    assert!(
        files["renamed"].as_str().is_some_and(|r| !r.is_empty()),
        "the rename of Files is not reported: {files}"
    );
    assert_folder(&destination, "Clients/Files", &source["Clients/Files"]);
    assert_eq!(run.folder("Clients/Files")["destination"], "Clients/Files");

    assert_folder(&destination, ACCENTED, &source[ACCENTED]);
    let accented = run.folder("Família/Orçamento");
    assert_eq!(accented["destination"], "Família/Orçamento");
    assert!(accented.get("renamed").is_none(), "{accented}");

    let merged: Vec<&String> = destination
        .keys()
        .filter(|name| name.eq_ignore_ascii_case("projects"))
        .collect();
    assert_eq!(
        merged.len(),
        1,
        "case-only collision not merged: {merged:?}"
    );
    assert_folder(
        &destination,
        merged[0],
        &concat(&[&source["Projects"], &source["projects"]]),
    );
    assert_eq!(
        run.folder("Projects")["destination"],
        run.folder("projects")["destination"]
    );
    assert_eq!(run.folder("Projects")["destination"], merged[0].as_str());

    let subscribed = d.subscribed().await;
    for folder in [
        "Files (imported)",
        "Clients/Files",
        ACCENTED,
        merged[0].as_str(),
    ] {
        assert!(
            subscribed.iter().any(|s| s == folder),
            "{folder} not subscribed: {subscribed:?}"
        );
    }
}

/// A Courier-style source (`INBOX.` prefix, "." separator, no special-use) lands on an
/// Exchange-like server as a "/" hierarchy: `INBOX.Clients.Acme` → `Clients/Acme`, empty
/// folders at any depth recreated and subscribed, a parent that only holds folders
/// recreated as a parent, special folders found by name, and a name part containing "/"
/// (`INBOX.a/b`) landing as `a_b` with the rename reported.
#[tokio::test]
async fn courier_hierarchy_lands_on_exchange() {
    let src = start(Layout::CourierLike, SRC_PW).await;
    let dst = start(Layout::ExchangeLike, DST_PW).await;
    // Courier itself allows "/" inside a name; Dovecot needs its listescape plugin.
    let mut s = enable_listescape(&src, "INBOX.a/b").await;
    for folder in [
        "INBOX.Clients",
        "INBOX.Clients.Acme",
        "INBOX.Empty",
        "INBOX.Empty.Deeper",
        "INBOX.Old.2019",
    ] {
        s.create(folder).await;
    }
    put(&mut s, "INBOX", "inbox-1", &["\\Seen"], 1).await;
    put(&mut s, "INBOX", "inbox-2", &[], 2).await;
    put(
        &mut s,
        "INBOX.Clients",
        "clients-1",
        &["\\Answered", "\\Seen"],
        3,
    )
    .await;
    put(
        &mut s,
        "INBOX.Clients.Acme",
        "acme-1",
        &["\\Seen", "Work"],
        4,
    )
    .await;
    put(&mut s, "INBOX.Clients.Acme", "acme-2", &["\\Flagged"], 5).await;
    put(&mut s, "INBOX.Old.2019", "old-2019", &["\\Seen"], 6).await;
    put(&mut s, "INBOX.Sent", "sent-1", &["\\Seen"], 7).await;
    put(
        &mut s,
        "INBOX.Trash",
        "trash-1",
        &["\\Seen", "\\Deleted"],
        8,
    )
    .await;
    put(&mut s, "INBOX.Trash", "trash-2", &["\\Seen"], 9).await;
    put(&mut s, "INBOX.Drafts", "draft-1", &["\\Draft"], 10).await;
    put(&mut s, "INBOX.a/b", "slash-1", &["\\Seen"], 11).await;
    let listed = s.list().await;
    assert!(
        listed
            .iter()
            .any(|f| f.name == "INBOX.a/b" && selectable(f)),
        "the source must list INBOX.a/b: {listed:?}"
    );
    let source = mailbox(&mut s).await;

    let run = Job::new(&src, &dst).migrate_ok();

    let mut d = TestImap::connect(&dst, USER, DST_PW).await;
    let destination = mailbox(&mut d).await;
    let expected = [
        ("INBOX", "INBOX"),
        ("INBOX.Clients", "Clients"),
        ("INBOX.Clients.Acme", "Clients/Acme"),
        ("INBOX.Empty", "Empty"),
        ("INBOX.Empty.Deeper", "Empty/Deeper"),
        ("INBOX.Old.2019", "Old/2019"),
        ("INBOX.Sent", "Sent Items"),
        ("INBOX.Trash", "Deleted Items"),
        ("INBOX.Drafts", "Drafts"),
        ("INBOX.a/b", "a_b"),
    ];
    for (source_name, destination_name) in expected {
        assert_folder(&destination, destination_name, &live(&source[source_name]));
        assert_eq!(
            run.folder(source_name)["destination"],
            destination_name,
            "report entry for {source_name}"
        );
    }
    let slash = run.folder("INBOX.a/b");
    assert!(
        slash["renamed"].as_str().is_some_and(|r| !r.is_empty()),
        "the a/b → a_b rename is not reported: {slash}"
    );
    assert_eq!(run.num(run.folder("INBOX.Trash"), "deleted_not_copied"), 1);

    // No Courier-style name, no INBOX.* folder, no "a" parent from splitting "a/b".
    let names = folder_names(&mut d).await;
    for name in &names {
        assert!(
            !name.starts_with("INBOX.") && !name.starts_with("INBOX/") && name != "a",
            "unexpected destination folder {name:?} in {names:?}"
        );
    }
    assert!(names.contains("Old"), "parent Old missing: {names:?}");
    let wanted: BTreeSet<&str> = expected.iter().map(|(_, d)| *d).collect();
    for (folder, messages) in &destination {
        assert!(
            wanted.contains(folder.as_str()) || messages.is_empty(),
            "unexpected messages in {folder:?}"
        );
    }
    let subscribed = d.subscribed().await;
    for folder in [
        "Clients",
        "Clients/Acme",
        "Empty",
        "Empty/Deeper",
        "Old/2019",
        "a_b",
    ] {
        assert!(
            subscribed.iter().any(|s| s == folder),
            "{folder} not subscribed: {subscribed:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Rule 5: Gmail
// ---------------------------------------------------------------------------------------

/// Gmail-like source → Exchange-like destination. Gmail shows one message in every folder
/// (label) it carries and again in All Mail; archived mail is only in All Mail; Spam and
/// Trash are not in All Mail. Only the archived messages go to Archive, every other folder
/// gets exactly its messages, Starred/Important are views (not created, listed as not
/// copied) and the starred message keeps \Flagged; no `[Gmail]` folder appears.
#[tokio::test]
async fn gmail_labels_and_all_mail_land_without_duplicates() {
    let src = start(Layout::GmailLike, SRC_PW).await;
    let dst = start(Layout::ExchangeLike, DST_PW).await;
    let mut s = TestImap::connect(&src, USER, SRC_PW).await;
    s.create("Receipts").await;

    const ALL: &str = "[Gmail]/All Mail";
    // (tag, flags, folders besides All Mail, also in All Mail?)
    let messages: &[(&str, &[&str], &[&str], bool)] = &[
        ("inbox-plain", &["\\Seen"], &["INBOX"], true),
        (
            "inbox-starred",
            &["\\Seen", "\\Flagged"],
            &["INBOX", "[Gmail]/Starred"],
            true,
        ),
        (
            "inbox-and-receipts",
            &[],
            &["INBOX", "Receipts", "[Gmail]/Important"],
            true,
        ),
        ("receipts-only", &["\\Seen", "Work"], &["Receipts"], true),
        ("sent", &["\\Seen"], &["[Gmail]/Sent Mail"], true),
        ("draft", &["\\Draft"], &["[Gmail]/Drafts"], true),
        ("archived-1", &["\\Seen"], &[], true),
        ("archived-2", &["\\Answered", "$Forwarded"], &[], true),
        (
            "archived-starred",
            &["\\Flagged"],
            &["[Gmail]/Starred"],
            true,
        ),
        ("spam", &[], &["[Gmail]/Spam"], false),
        ("trash", &["\\Seen"], &["[Gmail]/Trash"], false),
    ];
    for (n, (tag, flags, folders, in_all)) in messages.iter().enumerate() {
        let body = mail(tag);
        let when = date(n as u32);
        for folder in folders.iter().copied().chain(in_all.then_some(ALL)) {
            s.append(folder, flags, &when, &body).await;
        }
    }
    let source = mailbox(&mut s).await;
    let tagged = |wanted: &[&str]| -> Vec<StoredMessage> {
        source[ALL]
            .iter()
            .chain(&source["[Gmail]/Spam"])
            .chain(&source["[Gmail]/Trash"])
            .filter(|m| wanted.contains(&m.subject().as_str()))
            .cloned()
            .collect()
    };

    let run = Job::new(&src, &dst).migrate_ok();

    let mut d = TestImap::connect(&dst, USER, DST_PW).await;
    let destination = mailbox(&mut d).await;
    assert_folder(&destination, "INBOX", &source["INBOX"]);
    assert_folder(&destination, "Receipts", &source["Receipts"]);
    assert_folder(&destination, "Sent Items", &source["[Gmail]/Sent Mail"]);
    assert_folder(&destination, "Drafts", &source["[Gmail]/Drafts"]);
    assert_folder(&destination, "Junk Email", &source["[Gmail]/Spam"]);
    assert_folder(&destination, "Deleted Items", &source["[Gmail]/Trash"]);
    assert_folder(
        &destination,
        "Archive",
        &tagged(&["archived-1", "archived-2", "archived-starred"]),
    );
    let starred = destination["INBOX"]
        .iter()
        .find(|m| m.subject() == "inbox-starred")
        .expect("starred message in INBOX");
    assert!(
        starred.flags.iter().any(|f| f == "\\Flagged"),
        "star lost: {starred:?}"
    );

    let names = folder_names(&mut d).await;
    for name in &names {
        assert!(
            !name.contains("[Gmail]"),
            "a [Gmail] folder on the destination: {names:?}"
        );
        assert!(
            !name.contains("Starred") && !name.contains("Important") && !name.contains("All Mail"),
            "a Gmail view became a folder: {names:?}"
        );
    }
    // Every destination message is in exactly the folders its source copies are.
    let total: usize = destination.values().map(Vec::len).sum();
    assert_eq!(
        total,
        3 + 2 + 1 + 1 + 1 + 1 + 3,
        "destination holds duplicates or extras: {:?}",
        destination
            .iter()
            .map(|(f, m)| (f, m.iter().map(StoredMessage::subject).collect::<Vec<_>>()))
            .collect::<Vec<_>>()
    );

    let not_copied = run.not_copied();
    for view in ["[Gmail]/Starred", "[Gmail]/Important"] {
        assert!(
            not_copied.contains_key(view),
            "{view} not in folders_not_copied: {not_copied:?}"
        );
        assert!(
            run.folders().iter().all(|f| f["source"] != view),
            "{view} copied as a folder"
        );
    }
    let all_mail = run.folder(ALL);
    assert_eq!(all_mail["destination"], "Archive");
    assert_eq!(run.num(all_mail, "copied"), 3);
    assert_eq!(
        run.num(all_mail, "in_other_folders"),
        source[ALL].len() as u64 - 3
    );
}

// ---------------------------------------------------------------------------------------
// Rule 7: options
// ---------------------------------------------------------------------------------------

/// `--exclude` by name, by `NAME/*` subtree and by token: excluded folders are absent on
/// the destination (their messages nowhere) and listed in folders_not_copied; folders
/// that merely resemble them are copied.
#[tokio::test]
async fn exclude_by_name_subtree_and_token() {
    let src = start(Layout::Plain, SRC_PW).await;
    let dst = start(Layout::Plain, DST_PW).await;
    let mut s = TestImap::connect(&src, USER, SRC_PW).await;
    for folder in [
        "Personal",
        "Old",
        "Old/2019",
        "Old/2020",
        "Oldies",
        "Keep",
        "Keep/Personal",
    ] {
        s.create(folder).await;
    }
    let mut n = 0;
    for folder in [
        "INBOX",
        "Personal",
        "Old",
        "Old/2019",
        "Old/2020",
        "Oldies",
        "Keep",
        "Keep/Personal",
        "Junk",
        "Sent",
    ] {
        n += 1;
        put(&mut s, folder, &format!("in-{folder}"), &["\\Seen"], n).await;
    }
    let source = mailbox(&mut s).await;

    let run = Job::new(&src, &dst)
        .with_args(&[
            "--exclude",
            "Personal",
            "--exclude",
            "Old/*",
            "--exclude",
            "#JunkEmail#",
        ])
        .migrate_ok();

    let mut d = TestImap::connect(&dst, USER, DST_PW).await;
    let destination = mailbox(&mut d).await;
    for folder in ["INBOX", "Oldies", "Keep", "Keep/Personal", "Sent"] {
        assert_folder(&destination, folder, &source[folder]);
    }
    let names = folder_names(&mut d).await;
    for folder in ["Personal", "Old", "Old/2019", "Old/2020"] {
        assert!(
            !names.contains(folder),
            "excluded {folder} exists on the destination: {names:?}"
        );
    }
    // Junk exists on a fresh Plain server anyway; it must stay empty.
    assert_folder(&destination, "Junk", &[]);
    let copied: usize = destination.values().map(Vec::len).sum();
    assert_eq!(copied, 5, "messages of excluded folders arrived somewhere");

    let not_copied = run.not_copied();
    for folder in ["Personal", "Old", "Old/2019", "Old/2020", "Junk"] {
        assert!(
            not_copied.contains_key(folder),
            "{folder} not listed in folders_not_copied: {not_copied:?}"
        );
    }
    for folder in ["Oldies", "Keep/Personal"] {
        assert!(
            !not_copied.contains_key(folder),
            "{folder} wrongly excluded"
        );
        assert_eq!(run.num(run.folder(folder), "copied"), 1);
    }
}

/// `--max-message-size` leaves larger messages behind, reports each one as `too_large`
/// with its UID and size, copies the rest, and still exits 0.
#[tokio::test]
async fn max_message_size_skips_and_reports_larger_messages() {
    let src = start(Layout::Plain, SRC_PW).await;
    let dst = start(Layout::Plain, DST_PW).await;
    let mut s = TestImap::connect(&src, USER, SRC_PW).await;
    let big = corpus::large_attachment(300_000, 11);
    put(&mut s, "INBOX", "small-1", &["\\Seen"], 1).await;
    s.append("INBOX", &["\\Flagged"], &date(2), &big).await;
    put(&mut s, "INBOX", "small-2", &[], 3).await;
    put(&mut s, "Archive", "small-archived", &["\\Seen"], 4).await;
    let source = mailbox(&mut s).await;
    let big_uid = source["INBOX"]
        .iter()
        .find(|m| m.body.len() > 200_000)
        .expect("large message on the source")
        .uid;

    let run = Job::new(&src, &dst)
        .with_args(&["--max-message-size", "100000"])
        .migrate_ok();

    let mut d = TestImap::connect(&dst, USER, DST_PW).await;
    let destination = mailbox(&mut d).await;
    let small: Vec<StoredMessage> = source["INBOX"]
        .iter()
        .filter(|m| m.uid != big_uid)
        .cloned()
        .collect();
    assert_folder(&destination, "INBOX", &small);
    assert_folder(&destination, "Archive", &source["Archive"]);

    let entry = run.folder("INBOX");
    assert_eq!(entry["status"], "synced");
    assert_eq!(run.num(entry, "messages_in_source"), 3);
    assert_eq!(run.num(entry, "copied"), 2);
    assert_eq!(run.num(entry, "skipped"), 1);
    assert_eq!(run.num(entry, "failed"), 0);
    let items = entry["skipped_items"].as_array().expect("skipped_items");
    assert_eq!(items.len(), 1, "{entry}");
    assert_eq!(items[0]["reason"], "too_large", "{entry}");
    assert_eq!(items[0]["uid"], big_uid, "{entry}");
    assert_eq!(items[0]["size"], big.len() as u64, "{entry}");
    assert!(
        items[0]["subject"]
            .as_str()
            .is_some_and(|s| s.contains("Large attachment")),
        "{entry}"
    );
}

/// `--user-root` on a "." server with shared folders: only the chosen sub-tree is copied,
/// its root into INBOX and its children below it; nothing from elsewhere arrives.
#[tokio::test]
async fn user_root_scopes_the_source_to_one_subtree() {
    let src = start(Layout::CourierLike, SRC_PW).await;
    let dst = start(Layout::Plain, DST_PW).await;
    let mut s = TestImap::connect(&src, USER, SRC_PW).await;
    for folder in [
        "INBOX.shared",
        "INBOX.shared.alice",
        "INBOX.shared.alice.Projects",
        "INBOX.shared.alice.Projects.2024",
        "INBOX.shared.bob",
        "INBOX.shared.bob.Projects",
        "INBOX.Other",
    ] {
        s.create(folder).await;
    }
    let mut n = 0;
    for folder in [
        "INBOX",
        "INBOX.Other",
        "INBOX.shared",
        "INBOX.shared.alice",
        "INBOX.shared.alice",
        "INBOX.shared.alice.Projects",
        "INBOX.shared.alice.Projects.2024",
        "INBOX.shared.bob",
        "INBOX.shared.bob.Projects",
        "INBOX.Sent",
    ] {
        n += 1;
        put(&mut s, folder, &format!("in-{folder}-{n}"), &["\\Seen"], n).await;
    }
    let source = mailbox(&mut s).await;

    let run = Job::new(&src, &dst)
        .with_args(&["--user-root", "INBOX.shared.alice"])
        .migrate_ok();

    let mut d = TestImap::connect(&dst, USER, DST_PW).await;
    let destination = mailbox(&mut d).await;
    assert_folder(&destination, "INBOX", &source["INBOX.shared.alice"]);
    assert_folder(
        &destination,
        "Projects",
        &source["INBOX.shared.alice.Projects"],
    );
    assert_folder(
        &destination,
        "Projects/2024",
        &source["INBOX.shared.alice.Projects.2024"],
    );
    let total: usize = destination.values().map(Vec::len).sum();
    assert_eq!(total, 4, "mail from outside the user root arrived");
    let names = folder_names(&mut d).await;
    for name in &names {
        assert!(
            !name.contains("shared") && !name.contains("Other") && !name.contains("bob"),
            "folder from outside the user root: {name:?} in {names:?}"
        );
    }
    let sources: BTreeSet<&str> = run
        .folders()
        .iter()
        .filter_map(|f| f["source"].as_str())
        .collect();
    assert_eq!(
        sources,
        BTreeSet::from([
            "INBOX.shared.alice",
            "INBOX.shared.alice.Projects",
            "INBOX.shared.alice.Projects.2024"
        ]),
        "the report covers folders outside the user root"
    );
    assert_eq!(run.folder("INBOX.shared.alice")["destination"], "INBOX");
}

/// Admin migration: `--dest-auth-user admin` with a Dovecot master user's password and the
/// URL naming bob puts the mail in bob's mailbox, not the admin's or anyone else's.
#[tokio::test]
async fn admin_login_lands_mail_in_the_target_mailbox() {
    let src = start(Layout::Plain, SRC_PW).await;
    let dst = Dovecot::start(
        DovecotConfig::new(Layout::ExchangeLike)
            .user("bob@contoso.com", "bob-own-password")
            .user("carol@contoso.com", "carol-password")
            .master_user("admin", "admin-password"),
    );
    open_every_folder(&dst, "bob@contoso.com", "bob-own-password").await;
    open_every_folder(&dst, "carol@contoso.com", "carol-password").await;
    let mut s = TestImap::connect(&src, USER, SRC_PW).await;
    s.create("Clients/Acme").await;
    put(&mut s, "INBOX", "for-bob-1", &["\\Seen"], 1).await;
    put(&mut s, "INBOX", "for-bob-2", &["\\Flagged"], 2).await;
    put(&mut s, "Clients/Acme", "for-bob-acme", &["Work"], 3).await;
    put(&mut s, "Sent", "bob-sent", &["\\Seen"], 4).await;
    let source = mailbox(&mut s).await;

    let mut job = Job::new(&src, &dst).with_args(&["--dest-auth-user", "admin"]);
    job.dest_url = dst.url_imaps("bob@contoso.com");
    job.dest_password = "admin-password".to_string();
    let run = job.run("migrate");
    run.expect_exit(0, "synced");

    let mut bob = TestImap::connect(&dst, "bob@contoso.com", "bob-own-password").await;
    let destination = mailbox(&mut bob).await;
    assert_folder(&destination, "INBOX", &source["INBOX"]);
    assert_folder(&destination, "Clients/Acme", &source["Clients/Acme"]);
    assert_folder(&destination, "Sent Items", &source["Sent"]);
    let mut carol = TestImap::connect(&dst, "carol@contoso.com", "carol-password").await;
    let untouched: usize = mailbox(&mut carol).await.values().map(Vec::len).sum();
    assert_eq!(untouched, 0, "mail landed in another user's mailbox");
    assert!(!folder_names(&mut carol).await.contains("Clients/Acme"));
}

// ---------------------------------------------------------------------------------------
// Rule 8: plan and verify
// ---------------------------------------------------------------------------------------

/// `plan --json` copies nothing and reports each folder's live message count and size as
/// the source has them; after `migrate`, `verify` says "match" (exit 0); after a message is
/// expunged on the destination it says "differences" (exit 1) and names what is missing.
#[tokio::test]
async fn plan_copies_nothing_and_verify_finds_a_missing_message() {
    let src = start(Layout::Plain, SRC_PW).await;
    let dst = start(Layout::ExchangeLike, DST_PW).await;
    let mut s = TestImap::connect(&src, USER, SRC_PW).await;
    s.create("Clients/Acme").await;
    s.create("Empty").await;
    let corpus = corpus::load();
    for m in corpus.iter().take(5) {
        s.append("INBOX", &m.flags, &m.internaldate, &m.body).await;
    }
    put(&mut s, "INBOX", "inbox-deleted", &["\\Deleted"], 1).await;
    for m in corpus.iter().skip(5).take(3) {
        s.append("Clients/Acme", &m.flags, &m.internaldate, &m.body)
            .await;
    }
    put(&mut s, "Sent", "sent-1", &["\\Seen"], 2).await;
    let source = mailbox(&mut s).await;

    let mut d = TestImap::connect(&dst, USER, DST_PW).await;
    let dest_before = mailbox(&mut d).await;
    let names_before = folder_names(&mut d).await;

    let job = Job::new(&src, &dst);
    let plan = job.run("plan");
    plan.expect_exit(0, "planned");
    for (source_name, destination_name) in [
        ("INBOX", "INBOX"),
        ("Clients/Acme", "Clients/Acme"),
        ("Empty", "Empty"),
        ("Sent", "Sent Items"),
        ("Drafts", "Drafts"),
    ] {
        let entry = plan.folder(source_name);
        let messages = live(&source[source_name]);
        let bytes: usize = messages.iter().map(|m| m.body.len()).sum();
        assert_eq!(entry["destination"], destination_name, "{entry}");
        assert_eq!(
            plan.num(entry, "messages"),
            messages.len() as u64,
            "{entry}"
        );
        assert_eq!(plan.num(entry, "bytes"), bytes as u64, "{entry}");
        assert_eq!(plan.num(entry, "too_large"), 0, "{entry}");
    }
    assert_eq!(
        folder_names(&mut d).await,
        names_before,
        "plan changed the folders"
    );
    let dest_after_plan = mailbox(&mut d).await;
    assert_eq!(
        dest_after_plan
            .iter()
            .map(|(f, m)| (f.clone(), mailbox_digest(m)))
            .collect::<Vec<_>>(),
        dest_before
            .iter()
            .map(|(f, m)| (f.clone(), mailbox_digest(m)))
            .collect::<Vec<_>>(),
        "plan changed the destination"
    );

    job.migrate_ok();
    let verify = job.run("verify");
    verify.expect_exit(0, "match");
    for entry in verify.folders() {
        for field in ["missing", "extra", "flag_differences"] {
            assert_eq!(
                verify.num(entry, field),
                0,
                "{field} after migrate: {entry}"
            );
        }
    }
    let acme = verify.compared("Clients/Acme");
    assert_eq!(verify.num(acme, "source_messages"), 3);
    assert_eq!(verify.num(acme, "destination_messages"), 3);

    // Lose one message on the destination.
    let victim = d.fetch_all("Clients/Acme").await[1].clone();
    d.store_flags("Clients/Acme", victim.uid, "+FLAGS (\\Deleted)")
        .await;
    d.expunge_all_deleted("Clients/Acme").await;
    assert_eq!(d.fetch_all("Clients/Acme").await.len(), 2);

    let verify = job.run("verify");
    verify.expect_exit(1, "differences");
    let acme = verify.compared("Clients/Acme");
    assert_eq!(verify.num(acme, "missing"), 1, "{acme}");
    assert_eq!(verify.num(acme, "destination_messages"), 2, "{acme}");
    let source_uid = source["Clients/Acme"]
        .iter()
        .find(|m| m.sha256 == victim.sha256)
        .expect("victim on the source")
        .uid;
    let items = acme["missing_items"].as_array().expect("missing_items");
    assert!(
        items.len() == 1 && items[0]["uid"] == source_uid,
        "missing_items should name source UID {source_uid}: {acme}"
    );
    for entry in verify.folders() {
        if entry["destination"] != "Clients/Acme" {
            assert_eq!(verify.num(entry, "missing"), 0, "{entry}");
        }
    }
}
