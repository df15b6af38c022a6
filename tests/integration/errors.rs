//! Connections, sign-in, error classification and secrets, driven through the real binary.
//!
//! Every failure must be classified in the JSON report (`errors[0]` with `kind`, a readable
//! `message` and a `hint`), be told on stderr, end with the specified exit status, and leave
//! nothing half-written: the destination's folders and message counts are compared before
//! and after. Successful runs are checked message by message (body SHA-256, flags,
//! INTERNALDATE) with the harness's independent client.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

use crate::harness::run::{mailferry, two_sided_args, Outcome, NO_ENV};
use crate::harness::{
    assert_same_messages, corpus, fresh_state_dir, mailbox_digest, CertChoice, CutPlan, CutProxy,
    Dovecot, DovecotConfig, Layout, StoredMessage, TestImap, UserSpec,
};

const SRC_PW_VAR: &str = "SRC_PW";
const DST_PW_VAR: &str = "DST_PW";

/// Corpus messages loaded into the source's INBOX and into a user folder.
const INBOX_MAIL: [&str; 4] = [
    "01-plain-text.eml",
    "02-html-with-attachment.eml",
    "10-rfc2047-subject.eml",
    "14-no-final-crlf.eml",
];
const PROJECT_FOLDER: &str = "Projects";
const PROJECT_MAIL: [&str; 2] = ["05-shared-message-id-a.eml", "11-raw-utf8-subject.eml"];

// ---------------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------------

/// `mailferry <command> --source .. --dest ..` with passwords from SRC_PW / DST_PW, the
/// test CA, a state dir and `--json`; `extra` is appended.
fn command_args(
    command: &str,
    source: &str,
    dest: &str,
    ca_file: &Path,
    state_dir: &Path,
    extra: &[&str],
) -> Vec<String> {
    let mut args = two_sided_args(
        command,
        source,
        dest,
        ca_file,
        state_dir,
        &["--timeout", "20", "--json"],
    );
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

fn migrate_args(
    source: &str,
    dest: &str,
    ca_file: &Path,
    state_dir: &Path,
    extra: &[&str],
) -> Vec<String> {
    command_args("migrate", source, dest, ca_file, state_dir, extra)
}

fn passwords<'a>(source: &'a str, dest: &'a str) -> [(&'static str, &'a str); 2] {
    [(SRC_PW_VAR, source), (DST_PW_VAR, dest)]
}

// ---------------------------------------------------------------------------------------------
// Checking outcomes
// ---------------------------------------------------------------------------------------------

/// Exit 1, `"status": "failed"`, and `errors[0]` of `kind` with a message and a hint.
/// Returns `errors[0]`.
fn assert_classified_failure(out: &Outcome, kind: &str) -> Value {
    assert_eq!(out.code, 1, "expected exit status 1:\n{}", out.context());
    let report = out.json();
    assert_eq!(report["status"], "failed", "{}", out.context());
    let error = report["errors"]
        .get(0)
        .unwrap_or_else(|| panic!("no errors[0] in the report:\n{}", out.context()))
        .clone();
    assert_eq!(
        error["kind"],
        kind,
        "errors[0] has the wrong kind:\n{}",
        out.context()
    );
    assert_readable(&error, out);
    error
}

/// A problem a person can act on: a one-line message and a non-empty hint.
fn assert_readable(error: &Value, out: &Outcome) {
    let message = error["message"].as_str().unwrap_or_default();
    let hint = error["hint"].as_str().unwrap_or_default();
    assert!(
        !message.trim().is_empty(),
        "empty message:\n{}",
        out.context()
    );
    assert!(
        !message.contains('\n') && !message.contains('\r'),
        "message is not one line: {message:?}"
    );
    assert!(!hint.trim().is_empty(), "empty hint:\n{}", out.context());
}

/// The failure is told on stderr too, not only in the JSON on stdout.
fn assert_told_on_stderr(out: &Outcome, error: &Value) {
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        out.stderr.contains(message),
        "stderr does not tell the problem {message:?}:\n{}",
        out.context()
    );
}

/// Exit 2 (unusable input) with an explanation on stderr containing every `needles`.
fn assert_input_refused(out: &Outcome, needles: &[&str]) {
    assert_eq!(
        out.code,
        2,
        "expected exit status 2 (unusable input):\n{}",
        out.context()
    );
    assert!(
        out.stderr.trim().len() > 20,
        "no clear message on stderr:\n{}",
        out.context()
    );
    for needle in needles {
        assert!(
            out.stderr.contains(needle),
            "stderr does not mention {needle:?}:\n{}",
            out.context()
        );
    }
    if out.stdout.trim().starts_with('{') {
        let report = out.json();
        assert_eq!(report["status"], "failed", "{}", out.context());
        assert_eq!(report["errors"][0]["kind"], "input", "{}", out.context());
        assert_readable(&report["errors"][0], out);
    }
}

/// None of the secrets shows up on stdout or stderr.
fn assert_secrets_hidden(out: &Outcome, secrets: &[&str]) {
    for secret in secrets {
        for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            assert!(
                !text.contains(secret),
                "the password {secret:?} appears on {stream}:\n{}",
                out.context()
            );
        }
    }
}

/// Reads every file under `dir` as bytes and checks no secret occurs in any of them.
fn assert_no_secrets_in_dir(dir: &Path, secrets: &[&str]) {
    let mut files = Vec::new();
    collect_files(dir, &mut files);
    assert!(
        !files.is_empty(),
        "the state dir {} is empty: did mailferry use it?",
        dir.display()
    );
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        for secret in secrets {
            assert!(
                !contains_bytes(&bytes, secret.as_bytes()),
                "the password {secret:?} is stored in {}",
                file.display()
            );
        }
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The report's entry for a source folder.
fn folder_report<'a>(report: &'a Value, source: &str) -> &'a Value {
    report["folders"]
        .as_array()
        .and_then(|folders| folders.iter().find(|f| f["source"] == source))
        .unwrap_or_else(|| panic!("no folder {source:?} in the report:\n{report:#}"))
}

fn count(value: &Value) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("not a count: {value}"))
}

// ---------------------------------------------------------------------------------------------
// Mailboxes
// ---------------------------------------------------------------------------------------------

/// Every folder of a mailbox with its message count (`None` for non-selectable folders).
async fn snapshot(server: &Dovecot, user: &str, password: &str) -> BTreeMap<String, Option<u32>> {
    let mut imap = TestImap::connect(server, user, password).await;
    let mut out = BTreeMap::new();
    for folder in imap.list().await {
        let selectable =
            !folder.has_attribute("\\Noselect") && !folder.has_attribute("\\NonExistent");
        let messages = if selectable {
            Some(imap.status_messages(&folder.name).await)
        } else {
            None
        };
        out.insert(folder.name, messages);
    }
    imap.logout().await;
    out
}

/// HIGHESTMODSEQ of every selectable folder: any change on the source moves it.
async fn modseqs(server: &Dovecot, user: &str, password: &str) -> BTreeMap<String, u64> {
    let mut imap = TestImap::connect(server, user, password).await;
    let mut out = BTreeMap::new();
    for folder in imap.list().await {
        if folder.has_attribute("\\Noselect") || folder.has_attribute("\\NonExistent") {
            continue;
        }
        let modseq = imap.highest_modseq(&folder.name).await;
        out.insert(folder.name, modseq);
    }
    imap.logout().await;
    out
}

/// Loads INBOX and `Projects` with corpus messages (flags and dates from the corpus) and
/// returns what the server stores, by folder.
async fn seed_source(
    server: &Dovecot,
    user: &str,
    password: &str,
) -> BTreeMap<String, Vec<StoredMessage>> {
    let mut imap = TestImap::connect(server, user, password).await;
    imap.create(PROJECT_FOLDER).await;
    let mut out = BTreeMap::new();
    for (folder, names) in [
        ("INBOX", &INBOX_MAIL[..]),
        (PROJECT_FOLDER, &PROJECT_MAIL[..]),
    ] {
        for name in names {
            let message = corpus::get(name);
            imap.append(folder, &message.flags, &message.internaldate, &message.body)
                .await;
        }
        let stored = imap.fetch_all(folder).await;
        assert_eq!(stored.len(), names.len(), "seeding {folder}");
        out.insert(folder.to_string(), stored);
    }
    imap.logout().await;
    out
}

/// The destination holds exactly the source's messages in every seeded folder.
async fn assert_mailbox_copied(
    expected: &BTreeMap<String, Vec<StoredMessage>>,
    server: &Dovecot,
    user: &str,
    password: &str,
) {
    let mut imap = TestImap::connect(server, user, password).await;
    for (folder, messages) in expected {
        let copied = imap.fetch_all(folder).await;
        assert_same_messages(messages, &copied);
    }
    imap.logout().await;
}

fn total_messages(expected: &BTreeMap<String, Vec<StoredMessage>>) -> u64 {
    expected.values().map(|m| m.len() as u64).sum()
}

/// exit 0, "synced", and every seeded folder reports all of its messages copied.
fn assert_synced_fresh_copy(out: &Outcome, expected: &BTreeMap<String, Vec<StoredMessage>>) {
    assert_eq!(out.code, 0, "expected success:\n{}", out.context());
    let report = out.json();
    assert_eq!(report["status"], "synced", "{}", out.context());
    for (folder, messages) in expected {
        let entry = folder_report(&report, folder);
        assert_eq!(entry["status"], "synced", "{folder}: {entry:#}");
        assert_eq!(
            count(&entry["copied"]),
            messages.len() as u64,
            "{folder}: {entry:#}"
        );
        assert_eq!(
            count(&entry["messages_in_source"]),
            messages.len() as u64,
            "{folder}: {entry:#}"
        );
    }
    assert_eq!(
        count(&report["totals"]["copied"]),
        total_messages(expected),
        "{}",
        out.context()
    );
}

/// Replaces the value that follows `flag` in `args`.
fn set_flag(args: &mut [String], flag: &str, value: &str) {
    let at = args
        .iter()
        .position(|a| a == flag)
        .unwrap_or_else(|| panic!("{flag} not in {args:?}"));
    args[at + 1] = value.to_string();
}

/// A user name no other test (or earlier run) uses, for keyring entries.
fn unique_user(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// A 127.0.0.1 port nothing listens on (bound, then released).
fn refused_port() -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind probe port");
    let port = listener.local_addr().expect("probe addr").port();
    drop(listener);
    port
}

// ---------------------------------------------------------------------------------------------
// A fake IMAP peer that never offers STARTTLS and records everything it is sent
// ---------------------------------------------------------------------------------------------

/// Greets with `* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi`, answers CAPABILITY without
/// STARTTLS, refuses everything else, and records every line and connection.
struct FakeImap {
    port: u16,
    connections: Arc<AtomicUsize>,
    lines: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeImap {
    fn start() -> FakeImap {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind fake IMAP server");
        listener
            .set_nonblocking(true)
            .expect("non-blocking fake listener");
        let port = listener.local_addr().expect("fake addr").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (connections, lines, stop) = (connections.clone(), lines.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            connections.fetch_add(1, Ordering::SeqCst);
                            let lines = lines.clone();
                            std::thread::spawn(move || fake_session(stream, lines));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        FakeImap {
            port,
            connections,
            lines,
            stop,
            thread: Some(thread),
        }
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("fake lines lock").clone()
    }

    /// Whether any command could have carried credentials.
    fn saw_sign_in(&self) -> bool {
        self.lines().iter().any(|line| {
            let command = line.split_whitespace().nth(1).unwrap_or("");
            command.eq_ignore_ascii_case("LOGIN") || command.eq_ignore_ascii_case("AUTHENTICATE")
        })
    }
}

impl Drop for FakeImap {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn fake_session(stream: TcpStream, lines: Arc<Mutex<Vec<String>>>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    if writer
        .write_all(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n")
        .is_err()
    {
        return;
    }
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let text = line.trim_end().to_string();
        lines.lock().expect("fake lines lock").push(text.clone());
        let mut words = text.split_whitespace();
        let tag = words.next().unwrap_or("*").to_string();
        let command = words.next().unwrap_or("").to_ascii_uppercase();
        let reply = match command.as_str() {
            "CAPABILITY" => {
                format!("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK CAPABILITY completed\r\n")
            }
            "NOOP" => format!("{tag} OK NOOP completed\r\n"),
            "LOGOUT" => format!("* BYE bye\r\n{tag} OK LOGOUT completed\r\n"),
            "LOGIN" | "AUTHENTICATE" => {
                format!("{tag} NO [AUTHENTICATIONFAILED] this fake never signs anyone in\r\n")
            }
            _ => format!("{tag} BAD unknown command\r\n"),
        };
        if writer.write_all(reply.as_bytes()).is_err() || command == "LOGOUT" {
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Wrong passwords
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn wrong_source_password_is_an_authentication_error_and_touches_nothing() {
    let server = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user("alice", "alice-right-pw")
            .user("bob", "bob-right-pw"),
    );
    seed_source(&server, "alice", "alice-right-pw").await;
    let before = snapshot(&server, "bob", "bob-right-pw").await;
    let state = fresh_state_dir();
    let wrong = "Wr0ng-Src-Passw0rd-4471";

    let out = mailferry(
        &migrate_args(
            &server.url_imaps("alice"),
            &server.url_imaps("bob"),
            &server.ca_pem_path(),
            state.path(),
            &[],
        ),
        &passwords(wrong, "bob-right-pw"),
    );

    let error = assert_classified_failure(&out, "authentication");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("alice"),
        "the message should name the account that was refused: {message:?}"
    );
    assert_eq!(snapshot(&server, "bob", "bob-right-pw").await, before);
    assert_secrets_hidden(&out, &[wrong, "bob-right-pw"]);
    assert_no_secrets_in_dir(state.path(), &[wrong, "bob-right-pw"]);
    assert_told_on_stderr(&out, &error);
}

#[tokio::test]
async fn wrong_destination_password_is_an_authentication_error_and_touches_nothing() {
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", "alice-right-pw"));
    let dest = Dovecot::start(DovecotConfig::new(Layout::Plain).user("bob", "bob-right-pw"));
    seed_source(&source, "alice", "alice-right-pw").await;
    let before = snapshot(&dest, "bob", "bob-right-pw").await;
    let state = fresh_state_dir();
    let wrong = "Wr0ng-Dst-Passw0rd-8812";

    let out = mailferry(
        &migrate_args(
            &source.url_imaps("alice"),
            &dest.url_imaps("bob"),
            &dest.ca_pem_path(),
            state.path(),
            &[],
        ),
        &passwords("alice-right-pw", wrong),
    );

    let error = assert_classified_failure(&out, "authentication");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("bob"),
        "the message should name the account that was refused: {message:?}"
    );
    assert_eq!(snapshot(&dest, "bob", "bob-right-pw").await, before);
    assert_secrets_hidden(&out, &[wrong, "alice-right-pw"]);
    assert_no_secrets_in_dir(state.path(), &[wrong, "alice-right-pw"]);
    assert_told_on_stderr(&out, &error);
}

// ---------------------------------------------------------------------------------------------
// 2. Unreachable servers
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_source_host_is_a_network_error() {
    let dest = Dovecot::start(DovecotConfig::new(Layout::Plain).user("bob", "bob-pw"));
    let before = snapshot(&dest, "bob", "bob-pw").await;
    let state = fresh_state_dir();

    let out = mailferry(
        &migrate_args(
            "imaps://a@no-such-host.invalid:993",
            &dest.url_imaps("bob"),
            &dest.ca_pem_path(),
            state.path(),
            &[],
        ),
        &passwords("src-pw-31337", "bob-pw"),
    );

    let error = assert_classified_failure(&out, "network");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("no-such-host.invalid"),
        "the message should name the server: {message:?}"
    );
    assert_eq!(snapshot(&dest, "bob", "bob-pw").await, before);
    assert_secrets_hidden(&out, &["src-pw-31337", "bob-pw"]);
    assert_told_on_stderr(&out, &error);
}

#[tokio::test]
async fn refused_port_is_a_network_error_on_either_side() {
    let server = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user("alice", "alice-pw")
            .user("bob", "bob-pw"),
    );
    seed_source(&server, "alice", "alice-pw").await;
    let before = snapshot(&server, "bob", "bob-pw").await;
    let closed = format!("imaps://nobody@127.0.0.1:{}", refused_port());

    // Source unreachable: the destination is never written.
    let state = fresh_state_dir();
    let out = mailferry(
        &migrate_args(
            &closed,
            &server.url_imaps("bob"),
            &server.ca_pem_path(),
            state.path(),
            &[],
        ),
        &passwords("nobody-pw", "bob-pw"),
    );
    let source_error = assert_classified_failure(&out, "network");
    assert_eq!(snapshot(&server, "bob", "bob-pw").await, before);
    assert_secrets_hidden(&out, &["nobody-pw", "bob-pw"]);

    // Destination unreachable.
    let state = fresh_state_dir();
    let out_dest = mailferry(
        &migrate_args(
            &server.url_imaps("alice"),
            &closed,
            &server.ca_pem_path(),
            state.path(),
            &[],
        ),
        &passwords("alice-pw", "nobody-pw"),
    );
    let dest_error = assert_classified_failure(&out_dest, "network");
    assert_secrets_hidden(&out_dest, &["nobody-pw", "alice-pw"]);

    assert_told_on_stderr(&out, &source_error);
    assert_told_on_stderr(&out_dest, &dest_error);
}

// ---------------------------------------------------------------------------------------------
// 3. Certificates
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn untrusted_certificate_names_its_fingerprint_and_pin_cert_trusts_exactly_it() {
    let source = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user("alice", "alice-pw")
            .cert(CertChoice::SelfSigned),
    );
    let dest = Dovecot::start(DovecotConfig::new(Layout::Plain).user("bob", "bob-pw"));
    let expected = seed_source(&source, "alice", "alice-pw").await;
    let source_modseqs = modseqs(&source, "alice", "alice-pw").await;
    let before = snapshot(&dest, "bob", "bob-pw").await;
    let fingerprint = source.server_cert_sha256_hex();
    let env = passwords("alice-pw", "bob-pw");

    // The test CA (which signed the destination) does not vouch for the self-signed source.
    let state = fresh_state_dir();
    let untrusted = mailferry(
        &migrate_args(
            &source.url_imaps("alice"),
            &dest.url_imaps("bob"),
            &dest.ca_pem_path(),
            state.path(),
            &[],
        ),
        &env,
    );
    let error = assert_classified_failure(&untrusted, "certificate");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.to_ascii_lowercase().contains(&fingerprint),
        "the message must show the certificate's SHA-256 fingerprint {fingerprint}: {message:?}"
    );
    assert_eq!(snapshot(&dest, "bob", "bob-pw").await, before);
    assert_secrets_hidden(&untrusted, &["alice-pw", "bob-pw"]);

    // A pin of another certificate (the destination's, a real and valid one) is no trust.
    let state = fresh_state_dir();
    let wrong_pin = dest.server_cert_sha256_hex();
    let mispinned = mailferry(
        &migrate_args(
            &source.url_imaps("alice"),
            &dest.url_imaps("bob"),
            &dest.ca_pem_path(),
            state.path(),
            &["--pin-cert", &wrong_pin],
        ),
        &env,
    );
    let wrong_pin_error = assert_classified_failure(&mispinned, "certificate");
    assert_eq!(snapshot(&dest, "bob", "bob-pw").await, before);

    // The printed fingerprint, pinned, makes the same migration work.
    let state = fresh_state_dir();
    let pinned = mailferry(
        &migrate_args(
            &source.url_imaps("alice"),
            &dest.url_imaps("bob"),
            &dest.ca_pem_path(),
            state.path(),
            &["--pin-cert", &fingerprint],
        ),
        &env,
    );
    assert_synced_fresh_copy(&pinned, &expected);
    assert_mailbox_copied(&expected, &dest, "bob", "bob-pw").await;
    assert_eq!(
        modseqs(&source, "alice", "alice-pw").await,
        source_modseqs,
        "the source changed during the migration"
    );
    assert_secrets_hidden(&pinned, &["alice-pw", "bob-pw"]);
    assert_no_secrets_in_dir(state.path(), &["alice-pw", "bob-pw"]);

    assert_told_on_stderr(&untrusted, &error);
    assert_told_on_stderr(&mispinned, &wrong_pin_error);
}

// ---------------------------------------------------------------------------------------------
// 4. STARTTLS
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn starttls_migrates_end_to_end_without_touching_the_source() {
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", "alice-st-pw"));
    let dest = Dovecot::start(DovecotConfig::new(Layout::Plain).user("bob", "bob-st-pw"));
    let expected = seed_source(&source, "alice", "alice-st-pw").await;
    let source_modseqs = modseqs(&source, "alice", "alice-st-pw").await;
    let state = fresh_state_dir();

    let source_url = source.url_starttls("alice");
    let dest_url = dest.url_starttls("bob");
    assert!(source_url.starts_with("imap://") && dest_url.starts_with("imap://"));
    let out = mailferry(
        &migrate_args(
            &source_url,
            &dest_url,
            &dest.ca_pem_path(),
            state.path(),
            &[],
        ),
        &passwords("alice-st-pw", "bob-st-pw"),
    );

    assert_synced_fresh_copy(&out, &expected);
    assert_mailbox_copied(&expected, &dest, "bob", "bob-st-pw").await;
    assert_eq!(
        modseqs(&source, "alice", "alice-st-pw").await,
        source_modseqs,
        "the source changed during the migration"
    );
    assert_secrets_hidden(&out, &["alice-st-pw", "bob-st-pw"]);
    assert_no_secrets_in_dir(state.path(), &["alice-st-pw", "bob-st-pw"]);
}

#[tokio::test]
async fn server_without_starttls_is_refused_before_any_sign_in() {
    let server = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user("alice", "alice-pw")
            .user("bob", "bob-pw"),
    );
    seed_source(&server, "alice", "alice-pw").await;
    let before = snapshot(&server, "bob", "bob-pw").await;

    // The source offers no STARTTLS.
    let fake = FakeImap::start();
    let state = fresh_state_dir();
    let out = mailferry(
        &migrate_args(
            &format!("imap://carol@127.0.0.1:{}", fake.port),
            &server.url_imaps("bob"),
            &server.ca_pem_path(),
            state.path(),
            &[],
        ),
        &passwords("carol-secret-pw", "bob-pw"),
    );
    let source_error = assert_classified_failure(&out, "certificate");
    assert!(fake.connections() >= 1, "mailferry never reached the fake");
    assert!(
        !fake.saw_sign_in(),
        "credentials were sent without encryption: {:?}",
        fake.lines()
    );
    assert!(
        fake.lines().iter().all(|l| !l.contains("carol-secret-pw")),
        "the password crossed the wire in plain text: {:?}",
        fake.lines()
    );
    assert_eq!(snapshot(&server, "bob", "bob-pw").await, before);
    assert_secrets_hidden(&out, &["carol-secret-pw", "bob-pw"]);

    // The destination offers no STARTTLS.
    let fake_dest = FakeImap::start();
    let state = fresh_state_dir();
    let out_dest = mailferry(
        &migrate_args(
            &server.url_imaps("alice"),
            &format!("imap://carol@127.0.0.1:{}", fake_dest.port),
            &server.ca_pem_path(),
            state.path(),
            &[],
        ),
        &passwords("alice-pw", "carol-secret-pw"),
    );
    let dest_error = assert_classified_failure(&out_dest, "certificate");
    assert!(
        fake_dest.connections() >= 1,
        "mailferry never reached the fake"
    );
    assert!(
        !fake_dest.saw_sign_in(),
        "credentials were sent without encryption: {:?}",
        fake_dest.lines()
    );
    assert!(
        fake_dest
            .lines()
            .iter()
            .all(|l| !l.contains("carol-secret-pw")),
        "the password crossed the wire in plain text: {:?}",
        fake_dest.lines()
    );
    assert_secrets_hidden(&out_dest, &["carol-secret-pw", "alice-pw"]);

    assert_told_on_stderr(&out, &source_error);
    assert_told_on_stderr(&out_dest, &dest_error);
}

// ---------------------------------------------------------------------------------------------
// 5. No encryption at all
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn tls_none_sends_a_password_only_with_allow_insecure_auth() {
    let server = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user("alice", "alice-plain-pw")
            .user("bob", "bob-plain-pw")
            .allow_plaintext_auth(true),
    );
    let expected = seed_source(&server, "alice", "alice-plain-pw").await;
    let before = snapshot(&server, "bob", "bob-plain-pw").await;
    // Counts the connections made to the plain port.
    let counter = CutProxy::start(server.imap_port(), CutPlan::pass_through());
    let plain_url = format!("imap://alice@127.0.0.1:{}?tls=none", counter.port());
    let env = passwords("alice-plain-pw", "bob-plain-pw");

    let state = fresh_state_dir();
    let refused = mailferry(
        &migrate_args(
            &plain_url,
            &server.url_imaps("bob"),
            &server.ca_pem_path(),
            state.path(),
            &[],
        ),
        &env,
    );
    assert_input_refused(&refused, &["--allow-insecure-auth"]);
    assert_eq!(
        counter.connections_seen(),
        0,
        "mailferry connected to the unencrypted server although it must not sign in there"
    );
    assert_eq!(snapshot(&server, "bob", "bob-plain-pw").await, before);
    assert_secrets_hidden(&refused, &["alice-plain-pw", "bob-plain-pw"]);

    let state = fresh_state_dir();
    let allowed = mailferry(
        &migrate_args(
            &plain_url,
            &server.url_imaps("bob"),
            &server.ca_pem_path(),
            state.path(),
            &["--allow-insecure-auth"],
        ),
        &env,
    );
    assert_synced_fresh_copy(&allowed, &expected);
    assert!(
        counter.connections_seen() >= 1,
        "the plain port was not used"
    );
    // Dovecot logs how each session signed in: through the plain port (relayed from
    // 127.0.0.2), without TLS.
    let log = std::fs::read_to_string(server.dir().join("dovecot.log")).expect("Dovecot log");
    let plain_logins: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("Login: user=<alice>") && l.contains("rip=127.0.0.2"))
        .collect();
    assert!(
        !plain_logins.is_empty() && plain_logins.iter().all(|l| !l.contains("TLS")),
        "the source session was not an unencrypted sign-in:\n{log}"
    );
    assert_mailbox_copied(&expected, &server, "bob", "bob-plain-pw").await;
    assert_secrets_hidden(&allowed, &["alice-plain-pw", "bob-plain-pw"]);
    assert_no_secrets_in_dir(state.path(), &["alice-plain-pw", "bob-plain-pw"]);
}

// ---------------------------------------------------------------------------------------------
// 6. Unusable input
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn unusable_input_exits_2_before_connecting_anywhere() {
    let source = FakeImap::start();
    let dest = FakeImap::start();
    let source_url = format!("imaps://alice@127.0.0.1:{}", source.port);
    let dest_url = format!("imaps://bob@127.0.0.1:{}", dest.port);
    let ca_dir = tempfile::tempdir().expect("temp dir");
    let ca_file = ca_dir.path().join("ca.pem");
    std::fs::write(&ca_file, crate::harness::certs::test_ca_pem()).expect("write CA file");
    let env = passwords("alice-in-pw", "bob-in-pw");
    let run = |source: &str, dest: &str, ca: &Path, extra: &[&str], env: &[(&str, &str)]| {
        let state = fresh_state_dir();
        let out = mailferry(&migrate_args(source, dest, ca, state.path(), extra), env);
        assert_secrets_hidden(&out, &["alice-in-pw", "bob-in-pw"]);
        out
    };

    // A password inside the address; the password itself is not echoed back.
    let out = run(
        &format!("imaps://alice:s3cret-in-url@127.0.0.1:{}", source.port),
        &dest_url,
        &ca_file,
        &[],
        &env,
    );
    assert_input_refused(&out, &["password"]);
    assert_secrets_hidden(&out, &["s3cret-in-url"]);

    // A scheme that is not IMAP.
    let out = run(
        &format!("pop3://alice@127.0.0.1:{}", source.port),
        &dest_url,
        &ca_file,
        &[],
        &env,
    );
    assert_input_refused(&out, &["pop3://", "imaps://"]);

    // The named password variable is not set.
    let unset = format!("MAILFERRY_ERRORS_TEST_UNSET_{}", std::process::id());
    let state = fresh_state_dir();
    let mut args = migrate_args(&source_url, &dest_url, &ca_file, state.path(), &[]);
    set_flag(&mut args, "--source-password-env", &unset);
    let out = mailferry(&args, &env);
    assert_input_refused(&out, &[&unset]);
    assert_secrets_hidden(&out, &["alice-in-pw", "bob-in-pw"]);

    // A CA file that cannot be read.
    let missing_ca = ca_dir.path().join("no-such-dir").join("ca.pem");
    let out = run(&source_url, &dest_url, &missing_ca, &[], &env);
    assert_input_refused(&out, &[&missing_ca.display().to_string()]);

    // A pin that is not a SHA-256 fingerprint.
    let out = run(
        &source_url,
        &dest_url,
        &ca_file,
        &["--pin-cert", "not-a-fingerprint"],
        &env,
    );
    assert_input_refused(&out, &["not-a-fingerprint"]);
    let short_pin = "ab".repeat(20);
    let out = run(
        &source_url,
        &dest_url,
        &ca_file,
        &["--pin-cert", &short_pin],
        &env,
    );
    assert_input_refused(&out, &[&short_pin]);

    assert_eq!(
        (source.connections(), dest.connections()),
        (0, 0),
        "mailferry connected although the input was unusable"
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Full destination
// ---------------------------------------------------------------------------------------------

/// Rewrites the (single-user) passwd-file of `server` with a new quota and waits until
/// Dovecot can see the change (it rereads the file at most once per second).
fn set_quota(server: &Dovecot, user: &str, password: &str, quota: &str) {
    let path = server.dir().join("passwd");
    let line = format!("{user}:{{PLAIN}}{password}::::::userdb_quota_rule=*:storage={quota}\n");
    std::fs::write(&path, line).expect("rewrite passwd-file");
    let later = std::time::SystemTime::now() + Duration::from_secs(2);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_modified(later))
        .expect("bump passwd-file mtime");
    std::thread::sleep(Duration::from_millis(1100));
}

#[tokio::test]
async fn full_destination_is_a_quota_error_and_keeps_exact_copies_only() {
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", "alice-q-pw"));
    let dest = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user_spec(UserSpec::new("bob", "bob-q-pw").quota_storage("1M")),
    );
    let mut imap = TestImap::connect(&source, "alice", "alice-q-pw").await;
    for seed in 0..6u64 {
        let body = corpus::large_attachment(300_000, 700 + seed);
        let flags: &[&str] = if seed % 2 == 0 { &["\\Seen"] } else { &[] };
        let date = format!("{:02}-Apr-2022 10:00:00 +0200", seed + 1);
        imap.append("INBOX", flags, &date, &body).await;
    }
    let source_inbox = imap.fetch_all("INBOX").await;
    imap.logout().await;
    let source_modseqs = modseqs(&source, "alice", "alice-q-pw").await;
    let env = passwords("alice-q-pw", "bob-q-pw");
    let state = fresh_state_dir();
    let args = migrate_args(
        &source.url_imaps("alice"),
        &dest.url_imaps("bob"),
        &dest.ca_pem_path(),
        state.path(),
        &[],
    );

    let out = mailferry(&args, &env);
    let error = assert_classified_failure(&out, "quota");
    let report = out.json();
    let inbox = folder_report(&report, "INBOX");
    assert_eq!(inbox["status"], "failed", "{inbox:#}");
    assert_eq!(inbox["error"]["kind"], "quota", "{inbox:#}");
    let copied = count(&inbox["copied"]);
    assert!(
        (1..6).contains(&copied),
        "a 1 MB quota takes some but not all of six 300 KB messages; copied {copied}:\n{}",
        out.context()
    );
    let mut dest_imap = TestImap::connect(&dest, "bob", "bob-q-pw").await;
    let first_pass = dest_imap.fetch_all("INBOX").await;
    assert_eq!(
        first_pass.len() as u64,
        copied,
        "copied count vs destination"
    );
    assert_exact_subset(&source_inbox, &first_pass);

    // Running again while still full neither duplicates nor loses anything.
    let again = mailferry(&args, &env);
    let again_error = assert_classified_failure(&again, "quota");
    let second_pass = dest_imap.fetch_all("INBOX").await;
    assert_eq!(
        mailbox_digest(&second_pass),
        mailbox_digest(&first_pass),
        "a second run into a full mailbox changed it:\n{}",
        again.context()
    );

    // Once there is room, the next run completes the copy, each message exactly once.
    dest_imap.logout().await;
    set_quota(&dest, "bob", "bob-q-pw", "100M");
    let done = mailferry(&args, &env);
    assert_eq!(done.code, 0, "after raising the quota:\n{}", done.context());
    let done_report = done.json();
    let done_inbox = folder_report(&done_report, "INBOX");
    assert_eq!(
        count(&done_inbox["copied"]),
        6 - copied,
        "{}",
        done.context()
    );
    assert_eq!(
        count(&done_inbox["previously_copied"]),
        copied,
        "{}",
        done.context()
    );
    let mut dest_imap = TestImap::connect(&dest, "bob", "bob-q-pw").await;
    assert_same_messages(&source_inbox, &dest_imap.fetch_all("INBOX").await);
    dest_imap.logout().await;
    assert_eq!(
        modseqs(&source, "alice", "alice-q-pw").await,
        source_modseqs
    );
    assert_secrets_hidden(&out, &["alice-q-pw", "bob-q-pw"]);

    assert_told_on_stderr(&out, &error);
    assert_told_on_stderr(&again, &again_error);
}

/// Every destination message is an exact copy (bytes, flags, date) of a distinct source
/// message: nothing corrupted, nothing duplicated.
fn assert_exact_subset(source: &[StoredMessage], dest: &[StoredMessage]) {
    let mut available = mailbox_digest(source);
    for entry in mailbox_digest(dest) {
        let position = available
            .iter()
            .position(|e| *e == entry)
            .unwrap_or_else(|| {
                panic!(
                    "destination message {entry:?} is not an exact, not yet matched copy of a \
                 source message"
                )
            });
        available.remove(position);
    }
}

// ---------------------------------------------------------------------------------------------
// 8. Message too large for the destination
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn too_large_message_is_skipped_and_listed_and_the_rest_copied() {
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", "alice-l-pw"));
    let dest = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user_spec(UserSpec::new("bob", "bob-l-pw").max_mail_size("1M")),
    );
    let mut imap = TestImap::connect(&source, "alice", "alice-l-pw").await;
    let small: Vec<_> = [
        "01-plain-text.eml",
        "07-8bit-utf8-no-mime.eml",
        "15-calendar-invite.eml",
    ]
    .iter()
    .map(|name| corpus::get(name))
    .collect();
    imap.append(
        "INBOX",
        &small[0].flags,
        &small[0].internaldate,
        &small[0].body,
    )
    .await;
    let large = corpus::large_attachment(2_000_000, 4242);
    imap.append(
        "INBOX",
        &["\\Flagged"],
        "03-May-2021 09:30:00 +0000",
        &large,
    )
    .await;
    for message in &small[1..] {
        imap.append(
            "INBOX",
            &message.flags,
            &message.internaldate,
            &message.body,
        )
        .await;
    }
    let source_inbox = imap.fetch_all("INBOX").await;
    imap.logout().await;
    let large_sha = corpus::sha256_hex(&large);
    let large_uid = source_inbox
        .iter()
        .find(|m| m.sha256 == large_sha)
        .expect("the large message is on the source")
        .uid;
    let state = fresh_state_dir();

    let out = mailferry(
        &migrate_args(
            &source.url_imaps("alice"),
            &dest.url_imaps("bob"),
            &dest.ca_pem_path(),
            state.path(),
            &[],
        ),
        &passwords("alice-l-pw", "bob-l-pw"),
    );

    assert_eq!(
        out.code,
        0,
        "a too-large message must not fail the run:\n{}",
        out.context()
    );
    let report = out.json();
    assert_eq!(report["status"], "synced", "{}", out.context());
    let inbox = folder_report(&report, "INBOX");
    assert_eq!(count(&inbox["copied"]), 3, "{inbox:#}");
    assert_eq!(count(&inbox["skipped"]), 1, "{inbox:#}");
    let skipped = &inbox["skipped_items"];
    assert_eq!(skipped.as_array().map(Vec::len), Some(1), "{inbox:#}");
    assert_eq!(skipped[0]["uid"], large_uid, "{inbox:#}");
    assert_eq!(skipped[0]["reason"], "too_large", "{inbox:#}");
    assert!(
        skipped[0]["subject"]
            .as_str()
            .is_some_and(|s| s.contains("Large attachment")),
        "the skipped message should be identified by its subject: {inbox:#}"
    );
    assert!(
        count(&skipped[0]["size"]) >= 1_900_000,
        "the skipped message's size: {inbox:#}"
    );
    assert!(
        skipped[0]["explanation"]
            .as_str()
            .is_some_and(|s| !s.trim().is_empty()),
        "no explanation: {inbox:#}"
    );
    let expected: Vec<StoredMessage> = source_inbox
        .iter()
        .filter(|m| m.sha256 != large_sha)
        .cloned()
        .collect();
    let mut dest_imap = TestImap::connect(&dest, "bob", "bob-l-pw").await;
    assert_same_messages(&expected, &dest_imap.fetch_all("INBOX").await);
    dest_imap.logout().await;
    assert_secrets_hidden(&out, &["alice-l-pw", "bob-l-pw"]);
}

// ---------------------------------------------------------------------------------------------
// 9. Admin sign-in
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn admin_sign_in_lands_mail_in_the_named_users_mailbox() {
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", "alice-a-pw"));
    let dest = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user("bob", "bob-a-pw")
            .user("carol", "carol-a-pw")
            .user("dave", "dave-a-pw")
            .master_user("admin", "adminpw-9931"),
    );
    let expected = seed_source(&source, "alice", "alice-a-pw").await;
    let env = passwords("alice-a-pw", "adminpw-9931");

    // --dest-auth-user: SASL PLAIN as admin on behalf of bob.
    let state = fresh_state_dir();
    let out = mailferry(
        &migrate_args(
            &source.url_imaps("alice"),
            &dest.url_imaps("bob"),
            &dest.ca_pem_path(),
            state.path(),
            &["--dest-auth-user", "admin"],
        ),
        &env,
    );
    assert_synced_fresh_copy(&out, &expected);
    assert_mailbox_copied(&expected, &dest, "bob", "bob-a-pw").await;
    assert_secrets_hidden(&out, &["alice-a-pw", "adminpw-9931"]);
    assert_no_secrets_in_dir(state.path(), &["alice-a-pw", "adminpw-9931"]);

    // Dovecot's `user*master` login name, percent-encoded in the URL.
    let encoded = dest.url_imaps("carol*admin");
    assert!(encoded.contains("carol%2Aadmin"), "{encoded}");
    let state = fresh_state_dir();
    let out = mailferry(
        &migrate_args(
            &source.url_imaps("alice"),
            &encoded,
            &dest.ca_pem_path(),
            state.path(),
            &[],
        ),
        &env,
    );
    assert_synced_fresh_copy(&out, &expected);
    assert_mailbox_copied(&expected, &dest, "carol", "carol-a-pw").await;
    assert_secrets_hidden(&out, &["alice-a-pw", "adminpw-9931"]);

    // ... and written literally.
    let state = fresh_state_dir();
    let out = mailferry(
        &migrate_args(
            &source.url_imaps("alice"),
            &format!("imaps://dave*admin@127.0.0.1:{}", dest.imaps_port()),
            &dest.ca_pem_path(),
            state.path(),
            &[],
        ),
        &env,
    );
    assert_synced_fresh_copy(&out, &expected);
    assert_mailbox_copied(&expected, &dest, "dave", "dave-a-pw").await;
    assert_secrets_hidden(&out, &["alice-a-pw", "adminpw-9931"]);
}

// ---------------------------------------------------------------------------------------------
// 10. OS keyring
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn keyring_password_is_found_and_once_deleted_is_missing() {
    let source_user = unique_user("kr-src");
    let source_pw = format!("{source_user}-Keyring-Pw");
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user(&source_user, &source_pw));
    let dest = Dovecot::start(DovecotConfig::new(Layout::Plain).user("bob", "bob-kr-pw"));
    let expected = seed_source(&source, &source_user, &source_pw).await;
    let source_url = source.url_imaps(&source_user);
    let base = |state: &Path| {
        let mut args = migrate_args(
            &source_url,
            &dest.url_imaps("bob"),
            &dest.ca_pem_path(),
            state,
            &[],
        );
        // The source password comes from the keyring: drop --source-password-env.
        let at = args
            .iter()
            .position(|a| a == "--source-password-env")
            .expect("flag present");
        args.drain(at..at + 2);
        args
    };

    let stored = mailferry(
        &[
            "password".into(),
            "set".into(),
            source_url.clone(),
            "--from-env".into(),
            "KEYRING_PW".into(),
        ],
        &[("KEYRING_PW", &source_pw)],
    );
    assert_eq!(stored.code, 0, "password set:\n{}", stored.context());
    assert_secrets_hidden(&stored, &[&source_pw]);

    let state = fresh_state_dir();
    let out = mailferry(&base(state.path()), &[(DST_PW_VAR, "bob-kr-pw")]);
    // Remove the entry before asserting, so a failure leaves nothing behind in the keyring.
    let deleted = mailferry(
        &["password".into(), "delete".into(), source_url.clone()],
        NO_ENV,
    );
    assert_synced_fresh_copy(&out, &expected);
    assert_mailbox_copied(&expected, &dest, "bob", "bob-kr-pw").await;
    assert_secrets_hidden(&out, &[&source_pw, "bob-kr-pw"]);
    assert_no_secrets_in_dir(state.path(), &[&source_pw, "bob-kr-pw"]);
    assert_eq!(deleted.code, 0, "password delete:\n{}", deleted.context());

    // No keyring entry, no environment variable, no terminal: unusable input.
    let before = snapshot(&dest, "bob", "bob-kr-pw").await;
    let state = fresh_state_dir();
    let missing = mailferry(&base(state.path()), &[(DST_PW_VAR, "bob-kr-pw")]);
    assert_input_refused(&missing, &[&source_user]);
    assert!(
        missing.stderr.to_ascii_lowercase().contains("password"),
        "stderr should say a password is missing:\n{}",
        missing.context()
    );
    assert!(
        missing.stderr.contains("--source-password-env")
            && !missing.stderr.contains("--dest-password-env"),
        "the advice should name the option of the side without a password:\n{}",
        missing.context()
    );
    assert_eq!(snapshot(&dest, "bob", "bob-kr-pw").await, before);
    assert_secrets_hidden(&missing, &[&source_pw, "bob-kr-pw"]);
}
