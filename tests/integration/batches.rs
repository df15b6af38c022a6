//! Migration batches (many mailboxes from Microsoft's CSV), driven through the real binary.
//!
//! Every test starts a source Dovecot holding the old mailboxes and a destination Dovecot
//! with the same mailbox names plus a master user (`admin`), the way a Microsoft 365 tenant
//! is reached with an admin. It writes the CSV, runs `mailferry batch …` like an owner would,
//! follows the batch with `batch status --json`, and compares every destination mailbox with
//! its source message by message (body SHA-256, flags, INTERNALDATE) with the harness's
//! independent IMAP client. Batch names are unique per run: the OS keyring is shared by
//! every test and outlives the run.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_imap::imap_proto::{Response, Status};
use serde_json::Value;
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;

use crate::harness::run::{mailferry, Outcome, NO_ENV};
use crate::harness::{
    diff_messages, fresh_state_dir, keyring, mailferry_bin, Dovecot, DovecotConfig, Layout,
    StoredMessage, TestImap,
};

const ADMIN: &str = "admin";
const ADMIN_PW_VAR: &str = "ADMIN_PW";
/// The user folder every mailbox has besides INBOX.
const PROJECTS: &str = "Projects";
// ---------------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------------

/// A `mailferry` child left running (a batch runner), output going to files; killed on drop
/// if still running.
struct Runner {
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
    what: String,
    status: Option<ExitStatus>,
}

impl Runner {
    fn spawn(args: &[String], env: &[(&str, &str)], dir: &Path, label: &str) -> Runner {
        let stdout = dir.join(format!("{label}.stdout"));
        let stderr = dir.join(format!("{label}.stderr"));
        let child = Command::new(mailferry_bin())
            .args(args)
            .env("MAILFERRY_DNS_SERVER", crate::harness::dns::NO_DNS)
            .envs(env.iter().copied())
            .env_remove("MAILFERRY_LOG")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).expect("create stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("create stderr file"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", mailferry_bin().display()));
        Runner {
            child,
            stdout,
            stderr,
            what: format!("mailferry {}", args.join(" ")),
            status: None,
        }
    }

    fn exited(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().expect("poll mailferry");
        }
        self.status
    }

    /// Waits up to `limit` for the child to end.
    async fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.exited()
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(
            status.success(),
            "kill -{signal} {} failed",
            self.child.id()
        );
    }

    fn sigkill(&mut self) -> ExitStatus {
        self.child.kill().expect("SIGKILL mailferry");
        let status = self.child.wait().expect("reap mailferry");
        self.status = Some(status);
        status
    }

    fn context(&self) -> String {
        format!(
            "{}\nexit status {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.what,
            self.status,
            std::fs::read_to_string(&self.stdout).unwrap_or_default(),
            std::fs::read_to_string(&self.stderr).unwrap_or_default()
        )
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if self.exited().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// Unique within this run and across runs (the keyring outlives the run).
fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    format!("{prefix}-{}-{:x}", std::process::id(), nanos % (1 << 40))
}

fn now_epoch() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/// One message to load: bytes, flags and APPEND date-time.
#[derive(Clone, Debug)]
struct Msg {
    body: Vec<u8>,
    flags: Vec<&'static str>,
    date: String,
}

const FLAG_SETS: &[&[&str]] = &[
    &[],
    &["\\Seen"],
    &["\\Seen", "\\Flagged"],
    &["\\Seen", "\\Answered"],
    &["$Forwarded"],
    &["\\Seen", "Work"],
];

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const ZONES: [&str; 5] = ["+0000", "+0100", "-0500", "+0530", "+0900"];

/// Message `n` of `folder` in mailbox `owner` (its index `user`): a unique Message-ID,
/// subject and body, varied flags and dates, about `size` bytes.
fn message(user: usize, owner: &str, folder: &str, n: usize, size: usize) -> Msg {
    let year = 2010 + (user + n) % 14;
    let month = MONTHS[(n + user) % 12];
    let day = 1 + (n * 7 + user) % 28;
    let (hour, minute, second) = ((n + 3 * user) % 24, (n * 11) % 60, (n * 17 + user) % 60);
    let zone = ZONES[(n + user) % ZONES.len()];
    let tag = format!("u{user}-{}-{n}", folder.to_lowercase());
    let mut text = format!(
        "Message-ID: <{tag}@batches.mailferry.test>\r\n\
         Date: {day} {month} {year} {hour:02}:{minute:02}:{second:02} {zone}\r\n\
         From: Sender {n} <sender{n}@example.net>\r\n\
         To: {owner}\r\n\
         Subject: {folder} message {n} for {owner}\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\
         \r\n\
         Hello {owner}, this is message {n} in {folder}.\r\n"
    );
    let mut line = 0;
    while text.len() < size {
        text.push_str(&format!(
            "{tag} line {line:05}: the quick brown fox jumps over the lazy dog\r\n"
        ));
        line += 1;
    }
    Msg {
        body: text.into_bytes(),
        flags: FLAG_SETS[(n + user) % FLAG_SETS.len()].to_vec(),
        date: format!("{day:02}-{month}-{year} {hour:02}:{minute:02}:{second:02} {zone}"),
    }
}

/// Loads `messages` into `folder` with MULTIAPPEND and LITERAL+ (fast), in order.
async fn load(imap: &mut TestImap, folder: &str, messages: &[Msg]) {
    let before = imap.status_messages(folder).await as usize;
    for (n, chunk) in messages.chunks(100).enumerate() {
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
        before + messages.len(),
        "{folder}: loaded message count"
    );
}

// ---------------------------------------------------------------------------------------------
// A batch: servers, mailboxes, CSV, state
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Mailbox {
    /// The destination mailbox: the CSV's EmailAddress.
    email: String,
    /// The source sign-in: the CSV's UserName.
    login: String,
    /// The real source password (the CSV may carry a wrong one).
    source_password: String,
    /// The mailbox's own password on the destination, for checking it.
    dest_password: String,
}

struct Batch {
    source: Dovecot,
    dest: Dovecot,
    state: TempDir,
    /// CSV, reports, runner output.
    files: TempDir,
    name: String,
    admin_password: String,
    mailboxes: Vec<Mailbox>,
}

impl Batch {
    /// Two servers with `users` mailboxes named after `tag`; nothing loaded yet.
    fn new(tag: &str, users: usize) -> Batch {
        let name = unique(&format!("batch-{tag}"));
        // Distinctive secrets, so finding one in a file cannot be a coincidence.
        let token = name.rsplit('-').next().unwrap_or("x").to_string();
        let mailboxes: Vec<Mailbox> = (0..users)
            .map(|i| Mailbox {
                email: format!("{tag}{i:02}@example.com"),
                login: format!("old.{tag}{i:02}"),
                source_password: format!("SrcPw-{tag}{i:02}-{token}"),
                dest_password: format!("DstPw-{tag}{i:02}-{token}"),
            })
            .collect();
        let mut source_cfg = DovecotConfig::new(Layout::Plain);
        let mut dest_cfg =
            DovecotConfig::new(Layout::Plain).master_user(ADMIN, &format!("AdminPw-{token}"));
        for mb in &mailboxes {
            source_cfg = source_cfg.user(&mb.login, &mb.source_password);
            dest_cfg = dest_cfg.user(&mb.email, &mb.dest_password);
        }
        // The harness creates the special folders on disk (Dovecot 2.3.19 can deadlock when
        // several never-opened auto folders are first opened at once).
        Batch {
            source: Dovecot::start(source_cfg),
            dest: Dovecot::start(dest_cfg),
            state: fresh_state_dir(),
            files: tempfile::Builder::new()
                .prefix("mailferry-batch-files-")
                .tempdir()
                .expect("create temp dir"),
            name,
            admin_password: format!("AdminPw-{token}"),
            mailboxes,
        }
    }

    /// Fills every source mailbox: `per_folder` messages of about `size` bytes in INBOX and
    /// in Projects, all distinct. Mailboxes are loaded concurrently.
    async fn seed(&self, per_folder: usize, size: usize) {
        let loads = self.mailboxes.iter().enumerate().map(|(i, mb)| async move {
            let mut imap = TestImap::connect(&self.source, &mb.login, &mb.source_password).await;
            imap.create(PROJECTS).await;
            for folder in ["INBOX", PROJECTS] {
                let messages: Vec<Msg> = (0..per_folder)
                    .map(|n| message(i, &mb.email, folder, n, size))
                    .collect();
                load(&mut imap, folder, &messages).await;
            }
            imap.logout().await;
        });
        futures::future::join_all(loads).await;
    }

    fn source_url(&self) -> String {
        format!("imaps://127.0.0.1:{}", self.source.imaps_port())
    }

    fn dest_url(&self) -> String {
        format!("imaps://127.0.0.1:{}", self.dest.imaps_port())
    }

    fn csv_path(&self) -> PathBuf {
        self.files.path().join("users.csv")
    }

    /// Writes the CSV; `password_of` may replace a mailbox's source password.
    fn write_csv(&self, password_of: impl Fn(&Mailbox) -> String) -> PathBuf {
        let mut text = String::from("EmailAddress,UserName,Password\r\n");
        for mb in &self.mailboxes {
            text.push_str(&format!(
                "{},{},{}\r\n",
                mb.email,
                mb.login,
                password_of(mb)
            ));
        }
        std::fs::write(self.csv_path(), text).expect("write CSV");
        self.csv_path()
    }

    fn env(&self) -> [(&'static str, &str); 1] {
        [(ADMIN_PW_VAR, self.admin_password.as_str())]
    }

    /// `mailferry batch <words…> --state-dir DIR` with the admin password in the environment.
    fn run(&self, words: &[&str]) -> Outcome {
        mailferry(&self.args(words), &self.env())
    }

    fn args(&self, words: &[&str]) -> Vec<String> {
        let mut args = strings(&["batch"]);
        args.extend(strings(words));
        args.push("--state-dir".into());
        args.push(self.state.path().display().to_string());
        args
    }

    /// `batch create` for this batch's servers; `extra` is appended.
    fn create(&self, extra: &[&str]) -> Outcome {
        let csv = self.csv_path().display().to_string();
        let (source, dest) = (self.source_url(), self.dest_url());
        let ca = self.source.ca_pem_path().display().to_string();
        let mut words = vec![
            "create",
            "--csv",
            &csv,
            "--source",
            &source,
            "--dest",
            &dest,
            "--name",
            &self.name,
            "--dest-auth-user",
            ADMIN,
            "--dest-password-env",
            ADMIN_PW_VAR,
            "--ca-file",
            &ca,
            "--timeout",
            "20",
        ];
        words.extend_from_slice(extra);
        self.run(&words)
    }

    /// `batch create` that must succeed.
    fn create_ok(&self, extra: &[&str]) -> Outcome {
        let out = self.create(extra);
        out.assert_code(0);
        out
    }

    fn spawn(&self, words: &[&str], label: &str) -> Runner {
        Runner::spawn(&self.args(words), &self.env(), self.files.path(), label)
    }

    /// `batch status NAME --json`.
    fn status(&self) -> Value {
        let out = self.run(&["status", &self.name, "--json", "--no-dns"]);
        out.assert_code(0);
        out.json()
    }

    /// `batch list --json`.
    fn list(&self) -> Value {
        let out = self.run(&["list", "--json"]);
        out.assert_code(0);
        out.json()
    }

    /// Polls `batch status --json` until `done` holds; panics with `what` after `limit`.
    async fn wait_status(
        &self,
        limit: Duration,
        what: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let status = self.status();
            if done(&status) {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{what} not reached within {limit:?}; last status:\n{status:#}\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn log_tail(&self) -> String {
        let log =
            std::fs::read_to_string(self.state.path().join("mailferry.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        format!(
            "--- mailferry.log (tail) ---\n{}",
            lines[lines.len().saturating_sub(30)..].join("\n")
        )
    }

    /// Every secret of this batch: the source passwords (right and `extra` wrong ones) and the
    /// admin password. Destination users' own passwords are never given to mailferry.
    fn secrets(&self, extra: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = self
            .mailboxes
            .iter()
            .map(|mb| mb.source_password.clone())
            .collect();
        out.push(self.admin_password.clone());
        out.extend(extra.iter().map(|s| s.to_string()));
        out
    }

    /// The destination mailbox is an exact copy of its source: the same selectable folders,
    /// each with the same messages (bytes, flags, INTERNALDATE; duplicates counted).
    async fn assert_copied(&self, mb: &Mailbox) {
        let source = folder_contents(&self.source, &mb.login, &mb.source_password).await;
        let dest = folder_contents(&self.dest, &mb.email, &mb.dest_password).await;
        let mut report = String::new();
        let names: BTreeSet<&String> = source.keys().chain(dest.keys()).collect();
        for folder in names {
            match (source.get(folder), dest.get(folder)) {
                (Some(src), Some(dst)) => {
                    let diff = diff_messages(src, dst);
                    if !diff.is_empty() {
                        report.push_str(&format!(
                            "{folder:?}: source {} messages, destination {}:\n{diff}",
                            src.len(),
                            dst.len()
                        ));
                    }
                }
                (Some(src), None) => report.push_str(&format!(
                    "{folder:?} ({} messages) is missing from the destination\n",
                    src.len()
                )),
                (None, Some(dst)) => report.push_str(&format!(
                    "{folder:?} ({} messages) is on the destination but not the source\n",
                    dst.len()
                )),
                (None, None) => unreachable!(),
            }
        }
        assert!(
            report.is_empty(),
            "{} (source login {}) is not an exact copy:\n{report}{}",
            mb.email,
            mb.login,
            self.log_tail()
        );
        assert!(
            source.get("INBOX").is_some_and(|m| !m.is_empty()),
            "{}: the source INBOX is empty; nothing was tested",
            mb.login
        );
    }

    /// What `copied_back_to` promises: every source message received on or after `day`
    /// (UTC) is on the destination, in its folder, with the same content.
    /// Every source message received on or after `day` is on the destination, apart from
    /// those too large for it (larger than `max_size`), which the report lists as skipped.
    async fn assert_copied_back_to(&self, mb: &Mailbox, day: &str) {
        self.assert_copied_back_to_within(mb, day, usize::MAX).await;
    }

    async fn assert_copied_back_to_within(&self, mb: &Mailbox, day: &str, max_size: usize) {
        let from = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .unwrap_or_else(|e| panic!("{}: copied_back_to {day:?} is not a date: {e}", mb.email))
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc();
        let source = folder_contents(&self.source, &mb.login, &mb.source_password).await;
        let dest = folder_contents(&self.dest, &mb.email, &mb.dest_password).await;
        let mut missing = Vec::new();
        for (folder, messages) in &source {
            let there: BTreeSet<&str> = dest
                .get(folder)
                .map(|d| d.iter().map(|m| m.sha256.as_str()).collect())
                .unwrap_or_default();
            for m in messages
                .iter()
                .filter(|m| m.internaldate >= from && m.body.len() <= max_size)
            {
                if !there.contains(m.sha256.as_str()) {
                    missing.push(format!("{folder}: received {}", m.internaldate));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "{} says it is copied back to {day}, but these are not on the destination:\n{}",
            mb.email,
            missing.join("\n")
        );
    }

    async fn assert_all_copied(&self) {
        for mb in &self.mailboxes {
            self.assert_copied(mb).await;
        }
    }

    /// Messages in INBOX and Projects of every destination mailbox.
    async fn dest_total(&self, imaps: &mut [TestImap]) -> u64 {
        let mut total = 0;
        for imap in imaps.iter_mut() {
            // Projects appears on the destination only once the migration creates it.
            let listed: Vec<String> = imap.list().await.into_iter().map(|f| f.name).collect();
            for folder in ["INBOX", PROJECTS] {
                if listed.iter().any(|name| name == folder) {
                    total += u64::from(imap.status_messages(folder).await);
                }
            }
        }
        total
    }

    async fn dest_sessions(&self) -> Vec<TestImap> {
        let mut out = Vec::new();
        for mb in &self.mailboxes {
            out.push(TestImap::connect(&self.dest, &mb.email, &mb.dest_password).await);
        }
        out
    }

    /// The destination mailbox as the migration left it (for "touched nothing" checks).
    async fn dest_folders(&self, mb: &Mailbox) -> BTreeMap<String, Vec<StoredMessage>> {
        folder_contents(&self.dest, &mb.email, &mb.dest_password).await
    }
}

impl Drop for Batch {
    /// Best effort: `batch delete` removes the batch's keyring entries, which outlive the
    /// run (the state dir is a temp dir and goes anyway). Already deleted is fine.
    fn drop(&mut self) {
        let _ = Command::new(mailferry_bin())
            .args(self.args(&["delete", &self.name]))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Every selectable folder of a mailbox with its messages.
async fn folder_contents(
    server: &Dovecot,
    user: &str,
    password: &str,
) -> BTreeMap<String, Vec<StoredMessage>> {
    let mut imap = TestImap::connect(server, user, password).await;
    let mut out = BTreeMap::new();
    for folder in imap.list().await {
        if folder.has_attribute("\\Noselect") || folder.has_attribute("\\NonExistent") {
            continue;
        }
        let messages = imap.fetch_all(&folder.name).await;
        out.insert(folder.name, messages);
    }
    imap.logout().await;
    out
}

// ---------------------------------------------------------------------------------------------
// Reading statuses
// ---------------------------------------------------------------------------------------------

/// `users` of a status JSON by email address.
fn users_of(status: &Value) -> BTreeMap<String, Value> {
    status["users"]
        .as_array()
        .unwrap_or_else(|| panic!("no users array in {status:#}"))
        .iter()
        .map(|u| {
            (
                u["email_address"]
                    .as_str()
                    .unwrap_or_else(|| panic!("user without email_address: {u:#}"))
                    .to_string(),
                u.clone(),
            )
        })
        .collect()
}

fn status_of(user: &Value) -> &str {
    user["status"].as_str().unwrap_or("")
}

fn all_users_are(status: &Value, wanted: &str) -> bool {
    let users = users_of(status);
    !users.is_empty() && users.values().all(|u| status_of(u) == wanted)
}

fn count(value: &Value) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("not a count: {value}"))
}

/// A synced user whose counts say every one of its `messages` source messages was done.
fn assert_user_synced(user: &Value, messages: u64) {
    assert_eq!(status_of(user), "Synced", "{user:#}");
    assert_eq!(count(&user["messages_in_source"]), messages, "{user:#}");
    assert_eq!(count(&user["messages_done"]), messages, "{user:#}");
    assert_eq!(count(&user["failed"]), 0, "{user:#}");
    assert_eq!(count(&user["skipped"]), 0, "{user:#}");
    assert!(count(&user["bytes_copied"]) > 0, "{user:#}");
    assert!(user["last_synced_at"].as_i64().is_some(), "{user:#}");
    assert!(
        user["error"].is_null(),
        "a synced user has an error: {user:#}"
    );
}

/// A one-line message and a non-empty hint.
fn assert_readable(problem: &Value) {
    let message = problem["message"].as_str().unwrap_or_default();
    let hint = problem["hint"].as_str().unwrap_or_default();
    assert!(
        !message.trim().is_empty() && !message.contains('\n'),
        "the message is not one readable line: {problem:#}"
    );
    assert!(!hint.trim().is_empty(), "no hint: {problem:#}");
}

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

fn assert_no_secrets_in(what: &str, text: &[u8], secrets: &[String]) {
    for secret in secrets {
        assert!(
            !contains_bytes(text, secret.as_bytes()),
            "the password {secret:?} appears in {what}"
        );
    }
}

/// Reads every file under `dir` as bytes; none may contain any of the secrets.
fn assert_no_secrets_in_dir(dir: &Path, secrets: &[String]) {
    let mut files = Vec::new();
    collect_files(dir, &mut files);
    assert!(
        !files.is_empty(),
        "the state dir {} is empty: did mailferry use it?",
        dir.display()
    );
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        assert_no_secrets_in(&file.display().to_string(), &bytes, secrets);
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

fn assert_outcome_hides(out: &Outcome, secrets: &[String]) {
    for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        for secret in secrets {
            assert!(
                !text.contains(secret.as_str()),
                "the password {secret:?} appears on {stream}:\n{}",
                out.context()
            );
        }
    }
}

fn source_account(batch: &str, email: &str) -> String {
    format!("batch:{batch}:source:{}", email.to_lowercase())
}

fn admin_account(batch: &str) -> String {
    format!("batch:{batch}:destination-admin")
}

// ---------------------------------------------------------------------------------------------
// 1. Twenty mailboxes at once
// ---------------------------------------------------------------------------------------------

/// Sessions seen in a Dovecot log: the largest number of distinct users logged in at once,
/// judged from the order of "Login" and "Disconnected" lines.
fn max_concurrent_users(log: &str) -> usize {
    let mut open: BTreeMap<String, i64> = BTreeMap::new();
    let mut best = 0;
    for line in log.lines() {
        if let Some(rest) = line.split("imap-login: Info: Login: user=<").nth(1) {
            let user = rest.split('>').next().unwrap_or("").to_string();
            *open.entry(user).or_default() += 1;
        } else if line.contains("Disconnected") {
            if let Some(rest) = line.split(" imap(").nth(1) {
                let user = rest.split(')').next().unwrap_or("").to_string();
                if let Some(n) = open.get_mut(&user) {
                    *n -= 1;
                }
            }
        }
        best = best.max(open.values().filter(|n| **n > 0).count());
    }
    best
}

#[tokio::test]
async fn twenty_mailboxes_migrate_concurrently_into_exact_copies() {
    let batch = Batch::new("tw", 20);
    batch.seed(3, 600).await;
    // A different count in Projects for some, so counts cannot match by accident.
    for (i, mb) in batch
        .mailboxes
        .iter()
        .enumerate()
        .filter(|(i, _)| i.is_multiple_of(3))
    {
        let mut imap = TestImap::connect(&batch.source, &mb.login, &mb.source_password).await;
        load(
            &mut imap,
            PROJECTS,
            &[message(i, &mb.email, PROJECTS, 99, 900)],
        )
        .await;
        imap.logout().await;
    }
    let expected = |i: usize| if i.is_multiple_of(3) { 7 } else { 6 };
    batch.write_csv(|mb| mb.source_password.clone());
    let created = batch.create_ok(&["--json"]);
    let created = created.json();
    assert_eq!(created["users"], 20, "{created:#}");
    assert_eq!(created["name"], batch.name.as_str(), "{created:#}");

    let before = batch.status();
    assert_eq!(before["batch"]["status"], "Created", "{before:#}");
    assert!(all_users_are(&before, "Queued"), "{before:#}");

    let started = Instant::now();
    let out = batch.run(&["start", &batch.name, "--once"]);
    let took = started.elapsed();
    assert_eq!(out.code, 0, "{}\n{}", out.context(), batch.log_tail());

    let status = batch.status();
    assert_eq!(status["batch"]["status"], "Synced", "{status:#}");
    assert_eq!(status["batch"]["users_total"], 20, "{status:#}");
    assert_eq!(status["batch"]["users_synced"], 20, "{status:#}");
    let users = users_of(&status);
    assert_eq!(users.len(), 20, "{status:#}");
    for (i, mb) in batch.mailboxes.iter().enumerate() {
        let user = users
            .get(&mb.email)
            .unwrap_or_else(|| panic!("{} missing from {status:#}", mb.email));
        assert_eq!(user["user_name"], mb.login.as_str(), "{user:#}");
        assert_user_synced(user, expected(i));
    }
    batch.assert_all_copied().await;

    let list = batch.list();
    let entries = list.as_array().unwrap_or_else(|| panic!("{list:#}"));
    assert_eq!(entries.len(), 1, "{list:#}");
    assert_eq!(entries[0]["name"], batch.name.as_str(), "{list:#}");
    assert_eq!(entries[0]["status"], "Synced", "{list:#}");
    assert_eq!(entries[0]["users_synced"], 20, "{list:#}");
    assert_eq!(entries[0]["users_total"], 20, "{list:#}");

    // Concurrently: the destination saw several mailboxes signed in at the same time.
    let log = std::fs::read_to_string(batch.dest.dir().join("dovecot.log")).unwrap_or_default();
    let overlap = max_concurrent_users(&log);
    assert!(
        overlap >= 2,
        "the mailboxes were migrated one after another (at most {overlap} signed in at once; \
         the whole batch took {took:?})"
    );
    eprintln!("20 mailboxes in {took:?}, up to {overlap} signed in on the destination at once");
}

// ---------------------------------------------------------------------------------------------
// 2. One wrong password among six
// ---------------------------------------------------------------------------------------------

/// Failed sign-ins of `login` in a Dovecot log.
fn password_mismatches(server: &Dovecot, login: &str) -> usize {
    let log = std::fs::read_to_string(server.dir().join("dovecot.log")).unwrap_or_default();
    let needle = format!("({login},");
    log.lines()
        .filter(|line| line.contains(&needle) && line.contains("Password mismatch"))
        .count()
}

/// The failed user: Failed, classified as `authentication`, readable, naming the account.
fn assert_auth_failed(user: &Value, mb: &Mailbox) {
    assert_eq!(status_of(user), "Failed", "{user:#}");
    let error = &user["error"];
    assert_eq!(error["kind"], "authentication", "{user:#}");
    assert_readable(error);
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&mb.login) || message.contains(&mb.email),
        "the message should name the mailbox whose sign-in was refused: {message:?}"
    );
    assert!(
        user["detail"]
            .as_str()
            .is_some_and(|d| !d.trim().is_empty()),
        "a failed user shows why in its detail: {user:#}"
    );
    assert!(user["last_synced_at"].is_null(), "{user:#}");
}

#[tokio::test]
async fn wrong_password_fails_one_mailbox_clearly_and_retry_fails_it_again() {
    let batch = Batch::new("wp", 6);
    batch.seed(3, 500).await;
    let bad = batch.mailboxes[2].clone();
    let wrong = format!("Wrong-{}", bad.source_password);
    batch.write_csv(|mb| {
        if mb.email == bad.email {
            wrong.clone()
        } else {
            mb.source_password.clone()
        }
    });
    batch.create_ok(&[]);

    let out = batch.run(&["start", &batch.name, "--once"]);
    assert_eq!(out.code, 1, "{}\n{}", out.context(), batch.log_tail());
    let status = batch.status();
    assert_eq!(status["batch"]["status"], "SyncedWithErrors", "{status:#}");
    assert_eq!(status["batch"]["users_synced"], 5, "{status:#}");
    assert_eq!(status["batch"]["users_total"], 6, "{status:#}");
    let users = users_of(&status);
    for mb in &batch.mailboxes {
        let user = &users[&mb.email];
        if mb.email == bad.email {
            assert_auth_failed(user, mb);
        } else {
            assert_user_synced(user, 6);
            batch.assert_copied(mb).await;
        }
    }
    // The refused mailbox's destination was not touched.
    let untouched = batch.dest_folders(&bad).await;
    assert!(
        !untouched.contains_key(PROJECTS) && untouched.values().all(Vec::is_empty),
        "{}'s destination changed although its source sign-in was refused: {:?}",
        bad.email,
        untouched
            .iter()
            .map(|(f, m)| (f, m.len()))
            .collect::<Vec<_>>()
    );
    // The owner is told on the terminal too.
    assert!(
        out.stdout.contains(&bad.email) && out.stdout.contains("Failed"),
        "the final table should show {} as Failed:\n{}",
        bad.email,
        out.context()
    );
    let refused_once = password_mismatches(&batch.source, &bad.login);
    assert!(
        refused_once >= 1,
        "the source never refused {}: {}",
        bad.login,
        batch.source.log_tail()
    );

    // The password lives in the keyring under the batch: retry cannot fix it, but it must
    // queue the failed mailbox again, try it again, and classify it the same way.
    let retry = batch.run(&["retry", &batch.name, "--once"]);
    assert_eq!(retry.code, 1, "{}\n{}", retry.context(), batch.log_tail());
    assert!(
        password_mismatches(&batch.source, &bad.login) > refused_once,
        "retry did not sign in to {} again:\n{}",
        bad.login,
        batch.source.log_tail()
    );
    let status = batch.status();
    assert_eq!(status["batch"]["status"], "SyncedWithErrors", "{status:#}");
    assert_eq!(status["batch"]["users_synced"], 5, "{status:#}");
    let users = users_of(&status);
    assert_auth_failed(&users[&bad.email], &bad);
    for mb in batch.mailboxes.iter().filter(|mb| mb.email != bad.email) {
        assert_user_synced(&users[&mb.email], 6);
        // The extra pass for the synced mailboxes copied nothing twice.
        batch.assert_copied(mb).await;
    }
}

// ---------------------------------------------------------------------------------------------
// 3. CSV refused
// ---------------------------------------------------------------------------------------------

/// `batch create` with `csv` as the file, against servers that do not exist (nothing may be
/// contacted); returns the outcome after checking nothing was created anywhere.
fn create_refused(csv: &str, tag: &str) -> Outcome {
    let state = fresh_state_dir();
    let files = tempfile::tempdir().expect("temp dir");
    let path = files.path().join("users.csv");
    std::fs::write(&path, csv).expect("write CSV");
    let name = unique(tag);
    let base = |words: &[&str]| {
        let mut args = strings(&["batch"]);
        args.extend(strings(words));
        args.push("--state-dir".into());
        args.push(state.path().display().to_string());
        args
    };
    let out = mailferry(
        &base(&[
            "create",
            "--csv",
            &path.display().to_string(),
            "--source",
            "imaps://127.0.0.1:1",
            "--dest",
            "imaps://127.0.0.1:2",
            "--name",
            &name,
            "--dest-auth-user",
            ADMIN,
            "--dest-password-env",
            ADMIN_PW_VAR,
        ]),
        &[(ADMIN_PW_VAR, "AdminPw-never-stored")],
    );
    out.assert_code(2);
    let list = mailferry(&base(&["list", "--json"]), NO_ENV);
    list.assert_code(0);
    assert_eq!(
        list.json(),
        serde_json::json!([]),
        "a refused CSV created a batch:\n{}",
        list.context()
    );
    assert_eq!(
        keyring::accounts_of_batch(&name),
        Vec::<String>::new(),
        "a refused CSV left passwords in the keyring"
    );
    out
}

/// stderr has a line naming `line` and containing every one of `words`.
fn assert_problem_listed(out: &Outcome, line: u64, words: &[&str]) {
    let prefix = format!("line {line}");
    assert!(
        out.stderr.lines().any(|l| {
            let l = l.trim();
            (l.starts_with(&format!("{prefix},")) || l.starts_with(&format!("{prefix}:")))
                && words.iter().all(|w| l.contains(w))
        }),
        "stderr does not list the problem on line {line} ({words:?}):\n{}",
        out.context()
    );
}

#[test]
fn csv_with_row_problems_is_refused_listing_each_line() {
    let out = create_refused(
        "EmailAddress,UserName,Password\r\n\
         ann@example.com,ann,Pw-Ann-1\r\n\
         bob@example.com,bob,Pw-Bob-2\r\n\
         ANN@example.com,ann2,Pw-Ann-3\r\n\
         not-an-address,carl,Pw-Carl-4\r\n\
         dora@example.com,,Pw-Dora-5\r\n",
        "csv-rows",
    );
    assert_problem_listed(&out, 4, &["EmailAddress", "ANN@example.com", "line 2"]);
    assert_problem_listed(&out, 5, &["EmailAddress", "not-an-address"]);
    assert_problem_listed(&out, 6, &["UserName"]);
    for good in [2, 3] {
        assert!(
            !out.stderr.contains(&format!("line {good},"))
                && !out.stderr.contains(&format!("line {good}:")),
            "line {good} is fine but is listed:\n{}",
            out.context()
        );
    }
    for password in ["Pw-Ann-1", "Pw-Bob-2", "Pw-Ann-3", "Pw-Carl-4", "Pw-Dora-5"] {
        assert!(!out.stderr.contains(password), "{}", out.context());
    }
}

#[test]
fn csv_with_misspelled_header_and_duplicate_is_refused_listing_both() {
    let out = create_refused(
        "Email Address,UserName,Password\r\n\
         ann@example.com,ann,Pw-Ann-1\r\n\
         bob@example.com,bob,Pw-Bob-2\r\n\
         ann@example.com,ann2,Pw-Ann-3\r\n",
        "csv-header",
    );
    assert_problem_listed(&out, 1, &["Email Address", "EmailAddress"]);
    // Every problem at once: the duplicate is not hidden behind the header's.
    assert_problem_listed(&out, 4, &["ann@example.com", "line 2"]);
}

// ---------------------------------------------------------------------------------------------
// 4. Killed mid-batch
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn batch_killed_mid_copy_finishes_exactly_on_the_next_start() {
    let per_folder = 150;
    let batch = Batch::new("kl", 4);
    batch.seed(per_folder, 4000).await;
    let total = (batch.mailboxes.len() * per_folder * 2) as u64;
    batch.write_csv(|mb| mb.source_password.clone());
    batch.create_ok(&["--connections", "2"]);

    let mut dest = batch.dest_sessions().await;
    let mut runner = batch.spawn(&["start", &batch.name, "--once"], "first-start");
    let started = Instant::now();
    loop {
        if let Some(status) = runner.exited() {
            panic!(
                "the batch ended ({status}) before it could be killed mid-copy; the mailboxes \
                 are too small for this machine\n{}",
                runner.context()
            );
        }
        // A quarter of the way: several mailboxes are mid-copy.
        let copied = batch.dest_total(&mut dest).await;
        if copied >= total / 4 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "a quarter of the messages did not reach the destinations within 60 s\n{}\n{}",
            runner.context(),
            batch.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let status = runner.sigkill();
    assert_eq!(
        status.signal(),
        Some(9),
        "the runner was not killed but ended with {status}\n{}",
        runner.context()
    );
    // Let Dovecot finish what the killed process left in its buffers.
    let mut settled = batch.dest_total(&mut dest).await;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = batch.dest_total(&mut dest).await;
        if now == settled {
            break;
        }
        settled = now;
    }
    eprintln!(
        "killed after {:?}: {settled} of {total} messages on the destinations",
        started.elapsed()
    );
    assert!(
        settled > 0 && settled < total,
        "the kill did not land mid-batch: {settled} of {total}"
    );
    let killed = batch.status();
    assert!(
        !all_users_are(&killed, "Synced"),
        "every user is Synced although the runner was killed mid-copy: {killed:#}"
    );
    // However far each mailbox got, the date it shows is a promise kept.
    let mut dated = 0;
    for mb in &batch.mailboxes {
        if let Some(day) = copied_back_to(&killed, mb).as_str() {
            batch.assert_copied_back_to(mb, day).await;
            dated += 1;
        }
    }
    eprintln!(
        "{dated} of {} mailboxes had a copied-back date when killed",
        batch.mailboxes.len()
    );

    let out = batch.run(&["start", &batch.name, "--once"]);
    assert_eq!(out.code, 0, "{}\n{}", out.context(), batch.log_tail());
    let status = batch.status();
    assert_eq!(status["batch"]["status"], "Synced", "{status:#}");
    let users = users_of(&status);
    for mb in &batch.mailboxes {
        assert_user_synced(&users[&mb.email], (per_folder * 2) as u64);
    }
    batch.assert_all_copied().await;
}

// ---------------------------------------------------------------------------------------------
// 5. Incremental passes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn incremental_passes_bring_new_mail_until_the_batch_is_stopped() {
    let batch = Batch::new("in", 3);
    batch.seed(2, 500).await;
    batch.write_csv(|mb| mb.source_password.clone());
    batch.create_ok(&["--incremental-interval", "1"]);

    let mut runner = batch.spawn(&["start", &batch.name], "continuous");
    let synced = batch
        .wait_status(Duration::from_secs(30), "every user Synced", |s| {
            all_users_are(s, "Synced")
        })
        .await;
    assert!(runner.exited().is_none(), "{}", runner.context());
    for user in users_of(&synced).values() {
        assert_user_synced(user, 4);
        assert!(
            user["next_sync_at"].as_i64().is_some(),
            "a continuously running batch schedules the next pass: {user:#}"
        );
    }
    batch.assert_all_copied().await;

    // New mail on the source, in two mailboxes and two folders.
    let arrivals = [(0, "INBOX"), (1, PROJECTS)];
    for (i, folder) in arrivals {
        let mb = &batch.mailboxes[i];
        let mut imap = TestImap::connect(&batch.source, &mb.login, &mb.source_password).await;
        load(
            &mut imap,
            folder,
            &[message(i, &mb.email, folder, 500, 700)],
        )
        .await;
        imap.logout().await;
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    for (i, folder) in arrivals {
        let mb = &batch.mailboxes[i];
        let mut imap = TestImap::connect(&batch.dest, &mb.email, &mb.dest_password).await;
        while imap.status_messages(folder).await < 3 {
            assert!(
                Instant::now() < deadline,
                "the new message in {}'s {folder} did not reach the destination in 20 s\n{}\n{}",
                mb.email,
                runner.context(),
                batch.log_tail()
            );
            assert!(runner.exited().is_none(), "{}", runner.context());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        imap.logout().await;
    }

    let stop = batch.run(&["stop", &batch.name]);
    stop.assert_code(0);
    // Every user stopped: the runner has nothing left to do. It may end by itself; if not,
    // Ctrl-C (SIGINT) ends it.
    if runner.wait_exit(Duration::from_secs(5)).await.is_none() {
        eprintln!("the runner kept running after `batch stop`; sending SIGINT");
        runner.signal("INT");
    }
    let exit = runner
        .wait_exit(Duration::from_secs(15))
        .await
        .unwrap_or_else(|| panic!("the runner did not end\n{}", runner.context()));
    assert_eq!(exit.code(), Some(0), "{}", runner.context());

    let status = batch.status();
    assert_eq!(status["batch"]["status"], "Stopped", "{status:#}");
    assert!(all_users_are(&status, "Stopped"), "{status:#}");
    batch.assert_all_copied().await;
}

// ---------------------------------------------------------------------------------------------
// 6. Passwords only in the keyring
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn passwords_stay_in_the_keyring_and_delete_removes_them() {
    let batch = Batch::new("kr", 3);
    batch.seed(2, 500).await;
    let bad = batch.mailboxes[1].clone();
    let wrong = format!("Wrong-{}", bad.source_password);
    let csv_password = |mb: &Mailbox| {
        if mb.email == bad.email {
            wrong.clone()
        } else {
            mb.source_password.clone()
        }
    };
    batch.write_csv(csv_password);
    let secrets = batch.secrets(&[&wrong]);
    let mut outcomes = vec![batch.create_ok(&[])];

    // The keyring holds exactly what the CSV and the environment gave, under the `keyring`
    // crate's attributes: service "Mailferry", username "batch:NAME:source:EMAIL".
    let mut expected_accounts = vec![admin_account(&batch.name)];
    for mb in &batch.mailboxes {
        let account = source_account(&batch.name, &mb.email);
        assert_eq!(
            keyring::lookup(&account).as_deref(),
            Some(csv_password(mb).as_str()),
            "keyring entry {account}"
        );
        expected_accounts.push(account);
    }
    assert_eq!(
        keyring::lookup(&admin_account(&batch.name)).as_deref(),
        Some(batch.admin_password.as_str()),
        "keyring entry {}",
        admin_account(&batch.name)
    );
    let mut stored = keyring::accounts_of_batch(&batch.name);
    stored.sort();
    expected_accounts.sort();
    assert_eq!(stored, expected_accounts, "the batch's keyring entries");

    let run = batch.run(&["start", &batch.name, "--once"]);
    assert_eq!(run.code, 1, "{}\n{}", run.context(), batch.log_tail());
    outcomes.push(run);
    let status = batch.status();
    let users = users_of(&status);
    assert_auth_failed(&users[&bad.email], &bad);
    for mb in batch.mailboxes.iter().filter(|mb| mb.email != bad.email) {
        assert_user_synced(&users[&mb.email], 4);
        batch.assert_copied(mb).await;
    }

    // No password in any file of the state dir, in any report, or on any output.
    assert_no_secrets_in_dir(batch.state.path(), &secrets);
    for format in ["html", "csv", "json"] {
        let out = batch.run(&["report", &batch.name, "--format", format]);
        out.assert_code(0);
        assert!(out.stdout.contains(&bad.email), "{}", out.context());
        assert_no_secrets_in(
            &format!("the {format} report"),
            out.stdout.as_bytes(),
            &secrets,
        );
        outcomes.push(out);
        let file = batch.files.path().join(format!("report.{format}"));
        let file_text = file.display().to_string();
        let out = batch.run(&[
            "report",
            &batch.name,
            "--format",
            format,
            "--output",
            &file_text,
        ]);
        out.assert_code(0);
        let bytes = std::fs::read(&file).expect("read the report file");
        assert!(!bytes.is_empty(), "{file_text} is empty");
        assert_no_secrets_in(&file_text, &bytes, &secrets);
        outcomes.push(out);
    }
    outcomes.push(batch.run(&["status", &batch.name, "--no-dns"]));
    outcomes.push(batch.run(&["list"]));

    let deleted = batch.run(&["delete", &batch.name]);
    deleted.assert_code(0);
    outcomes.push(deleted);
    assert_eq!(
        batch.list(),
        serde_json::json!([]),
        "the batch is still listed"
    );
    let gone = batch.run(&["status", &batch.name, "--json"]);
    assert_ne!(
        gone.code,
        0,
        "status of a deleted batch:\n{}",
        gone.context()
    );
    for account in &expected_accounts {
        assert_eq!(
            keyring::lookup(account),
            None,
            "keyring entry {account} survived `batch delete`"
        );
    }
    assert_eq!(
        keyring::accounts_of_batch(&batch.name),
        Vec::<String>::new(),
        "keyring entries survived `batch delete`"
    );
    assert_no_secrets_in_dir(batch.state.path(), &secrets);
    for out in &outcomes {
        assert_outcome_hides(out, &secrets);
    }
}

// ---------------------------------------------------------------------------------------------
// 7. Reports
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn reports_are_self_contained_html_csv_and_json_for_every_mailbox() {
    let batch = Batch::new("rp", 4);
    batch.seed(3, 500).await;
    // A folder name with markup in it must not break the page ("R&-D" is "R&D" in IMAP's
    // modified UTF-7).
    let mb0 = &batch.mailboxes[0];
    let odd_folder = "R&-D <2024>";
    let mut imap = TestImap::connect(&batch.source, &mb0.login, &mb0.source_password).await;
    imap.create(odd_folder).await;
    load(
        &mut imap,
        odd_folder,
        &[message(0, &mb0.email, "R&D", 1, 400)],
    )
    .await;
    imap.logout().await;
    let expected = |i: usize| if i == 0 { 7 } else { 6 };

    batch.write_csv(|mb| mb.source_password.clone());
    batch.create_ok(&[]);
    let run = batch.run(&["start", &batch.name, "--once"]);
    assert_eq!(run.code, 0, "{}\n{}", run.context(), batch.log_tail());
    batch.assert_all_copied().await;

    // HTML: one page, every mailbox, nothing fetched from anywhere.
    let html_path = batch.files.path().join("report.html");
    let out = batch.run(&[
        "report",
        &batch.name,
        "--format",
        "html",
        "--output",
        &html_path.display().to_string(),
    ]);
    out.assert_code(0);
    let html = std::fs::read_to_string(&html_path).expect("read the HTML report");
    let lower = html.to_ascii_lowercase();
    assert!(lower.starts_with("<!doctype html"), "{html}");
    assert!(lower.trim_end().ends_with("</html>"), "{html}");
    for mb in &batch.mailboxes {
        assert!(
            html.contains(&mb.email),
            "{} missing from the page",
            mb.email
        );
    }
    for external in [
        "http://", "https://", "<script", "<link", "<img", "<iframe", "src=", "@import", "url(",
    ] {
        assert!(
            !lower.contains(external),
            "the page refers to something outside itself ({external:?}):\n{html}"
        );
    }
    assert!(
        !html.contains("<2024>"),
        "a folder name reached the page unescaped:\n{html}"
    );

    // CSV: a header row, then one `user` row per mailbox with its counts.
    let out = batch.run(&["report", &batch.name, "--format", "csv"]);
    out.assert_code(0);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(out.stdout.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap_or_else(|e| panic!("CSV header: {e}\n{}", out.stdout))
        .iter()
        .map(str::to_string)
        .collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    let (row_type, email, status, in_source, copied, failed) = (
        column("RowType"),
        column("EmailAddress"),
        column("Status"),
        column("MessagesInSource"),
        column("Copied"),
        column("Failed"),
    );
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .map(|r| r.unwrap_or_else(|e| panic!("CSV row: {e}\n{}", out.stdout)))
        .collect();
    let user_rows: Vec<&csv::StringRecord> =
        rows.iter().filter(|r| &r[row_type] == "user").collect();
    assert_eq!(user_rows.len(), batch.mailboxes.len(), "{}", out.stdout);
    for (i, mb) in batch.mailboxes.iter().enumerate() {
        let row = user_rows
            .iter()
            .find(|r| r[email] == mb.email)
            .unwrap_or_else(|| panic!("no user row for {}:\n{}", mb.email, out.stdout));
        assert_eq!(&row[status], "Synced", "{row:?}");
        assert_eq!(
            row[in_source].parse::<usize>().ok(),
            Some(expected(i)),
            "{row:?}"
        );
        assert_eq!(
            row[copied].parse::<usize>().ok(),
            Some(expected(i)),
            "{row:?}"
        );
        assert_eq!(&row[failed], "0", "{row:?}");
        assert!(
            rows.iter()
                .any(|r| &r[row_type] == "folder" && r[email] == mb.email),
            "no folder rows for {}:\n{}",
            mb.email,
            out.stdout
        );
    }

    // JSON: every user with the report of their last pass.
    let out = batch.run(&["report", &batch.name, "--format", "json"]);
    out.assert_code(0);
    let report = out.json();
    assert_eq!(report["batch"]["name"], batch.name.as_str(), "{report:#}");
    assert_eq!(report["batch"]["status"], "Synced", "{report:#}");
    let users = report["users"]
        .as_array()
        .unwrap_or_else(|| panic!("no users in {report:#}"));
    assert_eq!(users.len(), batch.mailboxes.len(), "{report:#}");
    for (i, mb) in batch.mailboxes.iter().enumerate() {
        let entry = users
            .iter()
            .find(|u| u["user"]["email_address"] == mb.email.as_str())
            .unwrap_or_else(|| panic!("{} missing from {report:#}", mb.email));
        assert_user_synced(&entry["user"], expected(i) as u64);
        let last = &entry["report"];
        assert_eq!(last["status"], "synced", "{entry:#}");
        assert_eq!(
            count(&last["totals"]["copied"]),
            expected(i) as u64,
            "{entry:#}"
        );
        let folders: BTreeMap<&str, &Value> = last["folders"]
            .as_array()
            .unwrap_or_else(|| panic!("no folders in {entry:#}"))
            .iter()
            .map(|f| (f["source"].as_str().unwrap_or(""), f))
            .collect();
        assert_eq!(count(&folders["INBOX"]["copied"]), 3, "{entry:#}");
        assert_eq!(count(&folders[PROJECTS]["copied"]), 3, "{entry:#}");
        if i == 0 {
            let odd = folders
                .get("R&D <2024>")
                .or_else(|| folders.get(odd_folder))
                .unwrap_or_else(|| panic!("no folder {odd_folder:?} in {entry:#}"));
            assert_eq!(count(&odd["copied"]), 1, "{entry:#}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 8. Secrets in memory only
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn secrets_in_memory_run_the_batch_without_touching_the_keyring() {
    let batch = Batch::new("mem", 3);
    batch.seed(2, 500).await;
    let csv = batch.write_csv(|mb| mb.source_password.clone());
    let csv = csv.display().to_string();
    let secrets = batch.secrets(&[]);
    let created = batch.create_ok(&["--secrets", "memory"]);
    assert_eq!(
        keyring::accounts_of_batch(&batch.name),
        Vec::<String>::new(),
        "--secrets memory wrote to the keyring at create"
    );

    // Without the CSV the passwords are gone: refused as unusable input, nothing copied.
    let missing = batch.run(&["start", &batch.name, "--once", "--secrets", "memory"]);
    missing.assert_code(2);
    assert!(missing.stderr.contains("--csv"), "{}", missing.context());
    for mb in &batch.mailboxes {
        let dest = batch.dest_folders(mb).await;
        assert!(
            dest.values().all(Vec::is_empty),
            "{} changed although the batch was refused",
            mb.email
        );
    }

    let run = batch.run(&[
        "start",
        &batch.name,
        "--once",
        "--secrets",
        "memory",
        "--csv",
        &csv,
        "--dest-password-env",
        ADMIN_PW_VAR,
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.context(), batch.log_tail());
    let status = batch.status();
    assert_eq!(status["batch"]["status"], "Synced", "{status:#}");
    for user in users_of(&status).values() {
        assert_user_synced(user, 4);
    }
    batch.assert_all_copied().await;
    assert_eq!(
        keyring::accounts_of_batch(&batch.name),
        Vec::<String>::new(),
        "--secrets memory wrote to the keyring"
    );
    assert_no_secrets_in_dir(batch.state.path(), &secrets);
    for out in [&created, &missing, &run] {
        assert_outcome_hides(out, &secrets);
    }
}

// ---------------------------------------------------------------------------------------------
// 9. Waiting for an unreachable destination
// ---------------------------------------------------------------------------------------------

/// A TCP relay to a server that can be "down" (connections accepted and closed at once, as a
/// dying server or NAT does) or "up" (bytes forwarded both ways).
struct Gate {
    port: u16,
    up: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Gate {
    fn start(target_port: u16) -> Gate {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind gate");
        listener.set_nonblocking(true).expect("non-blocking gate");
        let port = listener.local_addr().expect("gate address").port();
        let up = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_up, thread_stop) = (up.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !thread_stop.load(Ordering::SeqCst) {
                let client = match listener.accept() {
                    Ok((client, _)) => client,
                    Err(_) => {
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                };
                if !thread_up.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let _ = client.set_nonblocking(false);
                let Ok(server) = TcpStream::connect(("127.0.0.1", target_port)) else {
                    continue;
                };
                for (from, to) in [
                    (client.try_clone(), server.try_clone()),
                    (server.try_clone(), client.try_clone()),
                ] {
                    if let (Ok(mut from), Ok(mut to)) = (from, to) {
                        std::thread::spawn(move || {
                            let _ = std::io::copy(&mut from, &mut to);
                            let _ = to.shutdown(std::net::Shutdown::Both);
                            let _ = from.shutdown(std::net::Shutdown::Both);
                        });
                    }
                }
            }
        });
        Gate {
            port,
            up,
            stop,
            thread: Some(thread),
        }
    }

    fn open(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[tokio::test]
async fn unreachable_destination_makes_users_wait_then_sync_on_their_own() {
    let retry_wait = 3;
    let batch = Batch::new("wt", 2);
    batch.seed(2, 500).await;
    let gate = Gate::start(batch.dest.imaps_port());
    batch.write_csv(|mb| mb.source_password.clone());
    // The batch's destination is the gate, which is down.
    let csv = batch.csv_path().display().to_string();
    let (source, dest) = (
        batch.source_url(),
        format!("imaps://127.0.0.1:{}", gate.port),
    );
    let ca = batch.source.ca_pem_path().display().to_string();
    let retry_wait_text = retry_wait.to_string();
    batch
        .run(&[
            "create",
            "--csv",
            &csv,
            "--source",
            &source,
            "--dest",
            &dest,
            "--name",
            &batch.name,
            "--dest-auth-user",
            ADMIN,
            "--dest-password-env",
            ADMIN_PW_VAR,
            "--ca-file",
            &ca,
            "--timeout",
            "20",
            "--retry-wait",
            &retry_wait_text,
        ])
        .assert_code(0);

    let mut runner = batch.spawn(&["start", &batch.name, "--once"], "waiting");
    let waiting = batch
        .wait_status(Duration::from_secs(20), "every user Waiting", |s| {
            all_users_are(s, "Waiting")
        })
        .await;
    let seen_at = now_epoch();
    assert_eq!(waiting["batch"]["status"], "Syncing", "{waiting:#}");
    for user in users_of(&waiting).values() {
        let detail = user["detail"].as_str().unwrap_or_default();
        assert!(
            !detail.trim().is_empty(),
            "a waiting user says why: {user:#}"
        );
        let resume_at = user["resume_at"]
            .as_i64()
            .unwrap_or_else(|| panic!("a waiting user says when it resumes: {user:#}"));
        assert!(
            resume_at >= seen_at - 1 && resume_at <= seen_at + retry_wait + 1,
            "resume_at {resume_at} is not about {retry_wait} s after {seen_at}: {user:#}"
        );
        assert_eq!(user["error"]["kind"], "network", "{user:#}");
        assert_readable(&user["error"]);
        // The facts the window words "the new server cannot be reached; Mailferry waits
        // about 3 seconds" from: the side, and the wait the runner really takes.
        let facts = &user["error"]["facts"];
        assert_eq!(facts["side"], "destination", "{user:#}");
        assert_eq!(facts["retry_after_secs"], retry_wait, "{user:#}");
    }
    assert!(runner.exited().is_none(), "{}", runner.context());

    // The destination comes back: the users try again at resume_at and finish by themselves.
    gate.open();
    let exit = runner
        .wait_exit(Duration::from_secs(40))
        .await
        .unwrap_or_else(|| panic!("the batch did not finish\n{}", runner.context()));
    assert_eq!(
        exit.code(),
        Some(0),
        "{}\n{}",
        runner.context(),
        batch.log_tail()
    );
    let status = batch.status();
    assert_eq!(status["batch"]["status"], "Synced", "{status:#}");
    for user in users_of(&status).values() {
        assert_user_synced(user, 4);
        assert!(user["resume_at"].is_null(), "{user:#}");
    }
    batch.assert_all_copied().await;
}

/// Thousands of small messages move in a few seconds, yet a listener sees at most about ten
/// updates a second, and the last update's counts are the report's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_updates_are_coalesced_and_end_with_the_reports_counts() {
    let batch = Batch::new("pg", 2);
    batch.seed(1000, 300).await;
    batch.write_csv(|mb| mb.source_password.clone());
    batch.create_ok(&[]);

    let started = Instant::now();
    let out = batch.run(&["start", &batch.name, "--once", "--progress-json"]);
    let seconds = started.elapsed().as_secs_f64();
    out.assert_code(0);
    let updates: Vec<Value> = out
        .stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}\n{}", out.context()))
        })
        .collect();
    // One snapshot first, then ≤ 10 a second (+ the forced final one per pass).
    let bound = (seconds * 10.0).ceil() as usize + 2 + batch.mailboxes.len();
    assert!(
        updates.len() <= bound,
        "{} updates in {seconds:.1} s (bound {bound})",
        updates.len()
    );
    assert!(updates.len() >= 2, "{}", out.context());

    let last = updates.last().expect("a final update");
    let report: Value = serde_json::from_str(
        &batch
            .run(&["report", &batch.name, "--format", "json"])
            .stdout,
    )
    .expect("report json");
    for mb in &batch.mailboxes {
        let progress = last["users"]
            .as_array()
            .and_then(|users| {
                users
                    .iter()
                    .find(|u| u["email_address"] == mb.email.as_str())
            })
            .unwrap_or_else(|| panic!("{} missing from the last update: {last:#}", mb.email));
        assert_eq!(progress["status"], "Synced", "{last:#}");
        let user_report = report["users"]
            .as_array()
            .and_then(|users| {
                users
                    .iter()
                    .find(|u| u["user"]["email_address"] == mb.email.as_str())
            })
            .unwrap_or_else(|| panic!("{} missing from the report", mb.email));
        let copied = &user_report["report"]["totals"]["copied"];
        assert_eq!(
            &progress["copied"], copied,
            "final update vs report for {}",
            mb.email
        );
        assert_eq!(copied, 2000, "{}", mb.email);
        let bytes = &user_report["report"]["totals"]["bytes_copied"];
        assert_eq!(
            &progress["bytes_copied"], bytes,
            "final update vs report for {}",
            mb.email
        );
    }
    batch.assert_all_copied().await;
}

// ---------------------------------------------------------------------------------------------
// The desktop app's background runners (Supervisor), driven as the window's commands drive it
// ---------------------------------------------------------------------------------------------

impl Batch {
    /// The batch created through the library, as the desktop app creates it: its store, and
    /// the passwords held in memory.
    fn create_in_library(
        &self,
        interval_secs: u64,
    ) -> (mailferry::batch::BatchStore, mailferry::batch::BatchSecrets) {
        use mailferry::batch::{
            BatchOptions, BatchSecrets, BatchStore, NewBatch, SecretMode, ServerSpec,
        };
        use mailferry::secrets::SecretString;
        let state = mailferry::state::State::open(self.state.path()).expect("open the state");
        let store = BatchStore::new(state).expect("batch store");
        let secrets = BatchSecrets::new(SecretMode::Memory);
        for mb in &self.mailboxes {
            secrets
                .set_source_password(
                    &self.name,
                    &mb.email,
                    &SecretString::new(mb.source_password.clone()),
                )
                .expect("keep the source password");
        }
        secrets
            .set_admin_password(&self.name, &SecretString::new(self.admin_password.clone()))
            .expect("keep the admin password");
        let server = |port: u16| ServerSpec {
            preset: None,
            url: format!("imaps://127.0.0.1:{port}"),
        };
        let options = BatchOptions {
            destination_admin: Some(ADMIN.into()),
            ca_file: Some(self.source.ca_pem_path().display().to_string()),
            incremental_interval_secs: interval_secs,
            ..BatchOptions::default()
        };
        let rows: Vec<(String, String, Option<String>)> = self
            .mailboxes
            .iter()
            .map(|mb| (mb.email.clone(), mb.login.clone(), None))
            .collect();
        store
            .create(
                &NewBatch {
                    name: self.name.clone(),
                    source: server(self.source.imaps_port()),
                    destination: server(self.dest.imaps_port()),
                    options,
                },
                &rows,
            )
            .expect("create the batch");
        (store, secrets)
    }
}

fn tokio_spawner() -> mailferry::batch::Spawner {
    Box::new(|future| {
        tokio::spawn(future);
    })
}

/// Waits (at most a minute) until `check` holds for the batch's users.
async fn wait_for_users(
    store: &mailferry::batch::BatchStore,
    name: &str,
    what: &str,
    check: impl Fn(&[mailferry::batch::BatchUser]) -> bool,
) {
    let started = Instant::now();
    loop {
        let users = store.users(name).expect("read the users");
        if check(&users) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what} never happened: {users:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Follows the updates as the window does until all `mailboxes` were last shown as `status`.
async fn wait_until_followers_see(
    updates: &mut tokio::sync::broadcast::Receiver<mailferry::batch::BatchUpdate>,
    mailboxes: usize,
    status: mailferry::batch::UserStatus,
) {
    let mut last_seen = BTreeMap::new();
    while !(last_seen.len() == mailboxes && last_seen.values().all(|s| *s == status)) {
        let update = tokio::time::timeout(Duration::from_secs(10), updates.recv())
            .await
            .unwrap_or_else(|_| {
                panic!("followers never saw every mailbox {status:?}: {last_seen:?}")
            })
            .expect("updates go on");
        for user in update.users {
            last_seen.insert(user.email_address, user.status);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_connection_mid_copy_waits_for_the_runner_and_copies_each_message_once() {
    use mailferry::batch::{RunMode, Supervisor, UserStatus};
    let batch = Batch::new("close", 3);
    batch.seed(150, 6_000).await;
    let (store, secrets) = batch.create_in_library(3600);
    let supervisor = Supervisor::new(store.clone(), tokio_spawner());
    supervisor.start(&batch.name, secrets.clone(), RunMode::Continuous);
    // A second start while it runs must not start a second runner on the same mailboxes.
    supervisor.start(&batch.name, secrets.clone(), RunMode::Continuous);
    assert_eq!(supervisor.running(), vec![batch.name.clone()]);
    wait_for_users(&store, &batch.name, "an initial copy under way", |users| {
        users.iter().any(|u| u.messages_done > 0)
    })
    .await;

    // The owner closes the connection while the first copies are still running.
    let mut updates = supervisor.subscribe();
    supervisor
        .complete(&batch.name, secrets.clone())
        .await
        .expect("complete the batch");
    // A window following the batch ends up showing every mailbox Completed, not the last
    // pass's Synced.
    wait_until_followers_see(&mut updates, batch.mailboxes.len(), UserStatus::Completed).await;
    assert!(!supervisor.is_running(&batch.name));
    let users = store.users(&batch.name).expect("users");
    assert!(
        users.iter().all(|u| u.status == UserStatus::Completed),
        "{users:#?}"
    );
    for mb in &batch.mailboxes {
        batch.assert_copied(mb).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resuming_right_after_stopping_keeps_the_batch_running() {
    use mailferry::batch::{RunMode, Supervisor, UserStatus};
    let batch = Batch::new("resume", 2);
    batch.seed(20, 2_000).await;
    let (store, secrets) = batch.create_in_library(1);
    let supervisor = Supervisor::new(store.clone(), tokio_spawner());
    let mut updates = supervisor.subscribe();
    supervisor.start(&batch.name, secrets.clone(), RunMode::Continuous);
    wait_for_users(&store, &batch.name, "the first sync", |users| {
        users.iter().all(|u| u.status == UserStatus::Synced)
    })
    .await;
    assert!(
        updates.try_recv().is_ok(),
        "the runner's progress reaches subscribers"
    );

    // Stop, then Resume at once, as two quick clicks in the window do.
    store.stop(&batch.name).expect("stop");
    store
        .set_statuses(&batch.name, &[UserStatus::Stopped], UserStatus::Queued)
        .expect("resume");
    supervisor.start(&batch.name, secrets.clone(), RunMode::Continuous);
    let resumed_at = chrono::Utc::now().timestamp();
    wait_for_users(&store, &batch.name, "a pass after resuming", |users| {
        users.iter().all(|u| {
            u.status == UserStatus::Synced && u.last_synced_at.is_some_and(|t| t >= resumed_at)
        })
    })
    .await;
    assert!(
        supervisor.is_running(&batch.name),
        "incremental passes go on"
    );

    // Delete-style stop: the runner has ended when `stop` returns.
    supervisor.stop(&batch.name).await;
    assert!(!supervisor.is_running(&batch.name));
    for mb in &batch.mailboxes {
        batch.assert_copied(mb).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_shows_every_mailbox_stopped_to_a_following_window() {
    use mailferry::batch::{RunMode, Supervisor, UserStatus};
    let batch = Batch::new("stopview", 2);
    batch.seed(150, 6_000).await;
    let (store, secrets) = batch.create_in_library(3600);
    let supervisor = Supervisor::new(store.clone(), tokio_spawner());
    let mut updates = supervisor.subscribe();
    supervisor.start(&batch.name, secrets.clone(), RunMode::Continuous);
    wait_for_users(
        &store,
        &batch.name,
        "both mailboxes copying or copied",
        |users| users.iter().all(|u| u.messages_done > 0),
    )
    .await;

    store.stop(&batch.name).expect("stop");
    wait_until_followers_see(&mut updates, batch.mailboxes.len(), UserStatus::Stopped).await;
    supervisor.stop(&batch.name).await;
    let users = store.users(&batch.name).expect("users");
    assert!(
        users.iter().all(|u| u.status == UserStatus::Stopped),
        "{users:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_pass_copies_nothing_more_once_stop_has_returned() {
    use mailferry::batch::{RunMode, Supervisor};
    let batch = Batch::new("cancel", 2);
    batch.seed(300, 6_000).await;
    let (store, secrets) = batch.create_in_library(3600);
    let supervisor = Supervisor::new(store.clone(), tokio_spawner());
    let mut updates = supervisor.subscribe();
    supervisor.start(&batch.name, secrets.clone(), RunMode::Continuous);
    // The first copied messages, as a window following the batch sees them.
    loop {
        let update = tokio::time::timeout(Duration::from_secs(30), updates.recv())
            .await
            .expect("progress arrives")
            .expect("updates go on");
        if update.users.iter().any(|u| u.copied > 0) {
            break;
        }
    }

    // Stop ends the pass and its folder workers: none may go on copying beside whatever
    // runs next on these mailboxes.
    store.stop(&batch.name).expect("stop");
    supervisor.stop(&batch.name).await;
    let mut sessions = batch.dest_sessions().await;
    let after_stop = batch.dest_total(&mut sessions).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let later = batch.dest_total(&mut sessions).await;
    assert!(
        after_stop < 2 * 600,
        "the copy finished before it could be stopped; the test proves nothing"
    );
    assert_eq!(
        later, after_stop,
        "messages kept arriving after the pass was stopped"
    );
}

// ---------------------------------------------------------------------------------------------
// The command line and the window on one batch
// ---------------------------------------------------------------------------------------------

/// What one runner showed of each mailbox: whether it found it busy (another runner held
/// its lease) and the most it copied in one pass.
#[derive(Debug, Default)]
struct Seen {
    busy: BTreeSet<String>,
    copied: BTreeMap<String, u64>,
}

impl Seen {
    fn note(&mut self, update: &Value) {
        for user in update["users"].as_array().into_iter().flatten() {
            let email = user["email_address"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let busy = user["detail"]
                .as_str()
                .is_some_and(|d| d.contains("Another Mailferry window or command"));
            if user["status"] == "Waiting" && busy {
                self.busy.insert(email.clone());
            }
            let copied = user["copied"].as_u64().unwrap_or(0);
            let most = self.copied.entry(email).or_default();
            *most = (*most).max(copied);
        }
    }

    fn copied_any(&self) -> bool {
        self.copied.values().any(|c| *c > 0)
    }
}

/// `mailferry batch start` in one process and the window's runner (the engine's Supervisor,
/// what the desktop shell calls) in another, on the same batch and state folder at once.
/// Each mailbox's lease lets one of them copy it at a time: the other finds it busy and
/// waits, then finds nothing left to copy. Afterwards every mailbox is exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_and_the_windows_runner_on_one_batch_copy_each_message_once() {
    use mailferry::batch::{BatchSecrets, BatchStore, RunMode, SecretMode, Supervisor, UserStatus};
    let batch = Batch::new("twofronts", 3);
    // Mailboxes large enough that a pass lasts well beyond the window runner's first look
    // (a few seconds each here), so the two runners meet on a mailbox however busy the
    // machine is.
    batch.seed(300, 30_000).await;
    batch.write_csv(|mb| mb.source_password.clone());
    // One mailbox at a time per runner, so that each runner has mailboxes of its own to copy
    // as well as ones the other holds.
    batch.create_ok(&["--max-concurrent", "1"]);
    let mut cli = batch.spawn(
        &["start", &batch.name, "--once", "--progress-json"],
        "cli-runner",
    );
    let store = BatchStore::new(mailferry::state::State::open(batch.state.path()).expect("state"))
        .expect("batch store");
    // Started while the command line is in the middle of a mailbox's pass: the window's
    // runner looks at that mailbox first (it is the first in the list, and a pass found
    // running is queued again) and must find it held.
    wait_for_users(&store, &batch.name, "the command line copying", |users| {
        users.iter().any(|u| u.status == UserStatus::Syncing)
    })
    .await;

    // The window's runner, on the passwords the command line kept in the keyring.
    let supervisor = Supervisor::new(store.clone(), tokio_spawner());
    let mut updates = supervisor.subscribe();
    supervisor.start(
        &batch.name,
        BatchSecrets::new(SecretMode::Keyring),
        RunMode::Once,
    );
    let mut window = Seen::default();
    let deadline = Instant::now() + Duration::from_secs(240);
    while supervisor.is_running(&batch.name) || cli.exited().is_none() {
        assert!(
            Instant::now() < deadline,
            "the two runners did not finish\n{}\n{}",
            cli.context(),
            batch.log_tail()
        );
        match tokio::time::timeout(Duration::from_millis(200), updates.recv()).await {
            Ok(Ok(update)) => window.note(&serde_json::to_value(&update).expect("update as JSON")),
            Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) | Err(_) => {}
            Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => break,
        }
    }
    while let Ok(update) = updates.try_recv() {
        window.note(&serde_json::to_value(&update).expect("update as JSON"));
    }
    let status = cli.exited().expect("the command line's runner ended");
    assert!(status.success(), "{}", cli.context());
    let mut command_line = Seen::default();
    for line in std::fs::read_to_string(&cli.stdout)
        .unwrap_or_default()
        .lines()
    {
        if let Ok(update) = serde_json::from_str::<Value>(line) {
            command_line.note(&update);
        }
    }

    // Both really worked on the batch, and on the same mailboxes at once: the window's
    // runner found at least one held by the command line and was kept out of it.
    assert!(
        command_line.copied_any() && window.copied_any(),
        "each runner copied mailboxes of its own\ncommand line: {command_line:?}\nwindow: {window:?}"
    );
    assert!(
        !(command_line.busy.is_empty() && window.busy.is_empty()),
        "neither runner ever found a mailbox held by the other; the test proves nothing\ncommand line: {command_line:?}\nwindow: {window:?}"
    );
    let users = store.users(&batch.name).expect("users");
    assert!(
        users.iter().all(|u| u.status == UserStatus::Synced),
        "{users:#?}"
    );
    // Nothing missing, nothing twice.
    batch.assert_all_copied().await;
}

/// Deleting a batch that a `batch start` is running is refused (its records would go while
/// it writes them); once that runner has ended, delete removes the batch.
#[tokio::test]
async fn delete_waits_for_the_batchs_runner_to_end() {
    let batch = Batch::new("del", 1);
    batch.seed(2, 500).await;
    batch.write_csv(|mb| mb.source_password.clone());
    batch.create_ok(&[]);
    let mut runner = batch.spawn(&["start", &batch.name], "continuous");
    batch
        .wait_status(Duration::from_secs(30), "the mailbox Synced", |s| {
            all_users_are(s, "Synced")
        })
        .await;
    assert!(runner.exited().is_none(), "{}", runner.context());

    let refused = batch.run(&["delete", &batch.name]);
    assert_eq!(refused.code, 2, "{}", refused.context());
    assert!(
        refused
            .stderr
            .contains("running in another Mailferry process"),
        "{}",
        refused.context()
    );
    let names: Vec<Value> = batch.list().as_array().cloned().unwrap_or_default();
    assert!(
        names.iter().any(|b| b["name"] == batch.name.as_str()),
        "the batch is still there"
    );

    runner.sigkill();
    batch.run(&["delete", &batch.name]).assert_code(0);
    assert_eq!(batch.list(), serde_json::json!([]));
}

// ---------------------------------------------------------------------------------------------
// How far back each mailbox is copied
// ---------------------------------------------------------------------------------------------

/// A small message of `folder` received at `date` (INTERNALDATE syntax).
fn dated(owner: &str, folder: &str, n: usize, date: &str, size: usize) -> Msg {
    let mut msg = message(0, owner, folder, n, size);
    msg.date = date.into();
    msg
}

fn copied_back_to(status: &Value, mb: &Mailbox) -> Value {
    users_of(status)[&mb.email]["copied_back_to"].clone()
}

#[tokio::test]
async fn copied_back_to_is_the_day_from_which_every_message_is_on_the_destination() {
    let batch = Batch::new("back", 2);
    let (holey, whole) = (&batch.mailboxes[0], &batch.mailboxes[1]);
    let big = 40_000;
    let mailboxes = [
        // The message of 2 March is too large for the destination: skipped and listed on its
        // own, it does not hold the date back.
        (
            holey,
            vec![
                dated(&holey.email, "INBOX", 0, "20-May-2025 08:00:00 +0000", 800),
                dated(&holey.email, "INBOX", 1, "02-Mar-2025 10:00:00 +0000", big),
                dated(&holey.email, "INBOX", 2, "10-Jan-2025 09:30:00 +0000", 800),
            ],
            vec![dated(
                &holey.email,
                PROJECTS,
                3,
                "05-Nov-2024 12:00:00 +0000",
                800,
            )],
        ),
        (
            whole,
            vec![
                dated(&whole.email, "INBOX", 0, "01-Feb-2025 09:00:00 +0000", 800),
                dated(&whole.email, "INBOX", 1, "24-Dec-2024 18:00:00 +0000", 800),
            ],
            vec![
                dated(&whole.email, PROJECTS, 2, "15-Jul-2023 12:00:00 +0000", 800),
                dated(&whole.email, PROJECTS, 3, "01-Jun-2023 07:00:00 +0000", 800),
            ],
        ),
    ];
    for (mb, inbox, projects) in &mailboxes {
        let mut imap = TestImap::connect(&batch.source, &mb.login, &mb.source_password).await;
        imap.create(PROJECTS).await;
        load(&mut imap, "INBOX", inbox).await;
        load(&mut imap, PROJECTS, projects).await;
        imap.logout().await;
    }
    let csv = batch.write_csv(|mb| mb.source_password.clone());
    let csv = csv.display().to_string();
    batch.create_ok(&["--secrets", "memory", "--max-message-size", "20000"]);
    assert_eq!(copied_back_to(&batch.status(), holey), Value::Null);
    let pass = |words: &[&str], fault: Option<&str>| {
        let mut words = words.to_vec();
        words.extend([
            &batch.name,
            "--once",
            "--secrets",
            "memory",
            "--csv",
            &csv,
            "--dest-password-env",
            ADMIN_PW_VAR,
        ]);
        let mut env = vec![(ADMIN_PW_VAR, batch.admin_password.as_str())];
        env.extend(fault.map(|f| ("MAILFERRY_FAULT", f)));
        mailferry(&batch.args(&words), &env)
    };

    // Stopped early: copying Projects breaks down before its first message lands.
    let broken = pass(&["start"], Some("append:Projects"));
    assert_ne!(broken.code, 0, "{}", broken.context());
    let status = batch.status();
    assert_eq!(
        copied_back_to(&status, holey),
        "2024-11-06",
        "INBOX is complete but for the skipped message; Projects' only message (5 November \
         2024, 12:00) is not there yet: {status:#}"
    );
    assert_eq!(
        copied_back_to(&status, whole),
        "2023-07-16",
        "Projects' newest message (15 July 2023, 12:00) is not there yet: {status:#}"
    );
    batch
        .assert_copied_back_to_within(holey, "2024-11-06", 20_000)
        .await;
    batch.assert_copied_back_to(whole, "2023-07-16").await;

    // Finished: Projects copied too.
    let retried = pass(&["retry"], None);
    assert_eq!(
        retried.code,
        0,
        "{}\n{}",
        retried.context(),
        batch.log_tail()
    );
    let status = batch.status();
    assert_eq!(
        copied_back_to(&status, whole),
        "2023-06-01",
        "every message is there, down to the oldest: {status:#}"
    );
    assert_eq!(copied_back_to(&status, holey), "2024-11-05", "{status:#}");
    batch.assert_copied(whole).await;
    batch
        .assert_copied_back_to_within(holey, "2024-11-05", 20_000)
        .await;

    // Kept in the database: a stopped batch still says so.
    batch.run(&["stop", &batch.name]).assert_code(0);
    let status = batch.status();
    assert!(all_users_are(&status, "Stopped"), "{status:#}");
    assert_eq!(copied_back_to(&status, holey), "2024-11-05");
    assert_eq!(copied_back_to(&status, whole), "2023-06-01");
    let text = batch.run(&["status", &batch.name, "--no-dns"]);
    text.assert_code(0);
    assert!(
        text.stdout.contains("COPIED BACK TO") && text.stdout.contains("2023-06-01"),
        "{}",
        text.context()
    );
}
