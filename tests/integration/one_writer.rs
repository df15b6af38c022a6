//! One writer per mailbox, across processes: a second `migrate` of a pair that is being
//! copied is refused at once (naming who copies it) or, with `--wait`, waits its turn; a
//! lease held by a process killed with SIGKILL is free at once. The destination is compared
//! message by message afterwards: nothing copied twice.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::harness::hostile::{Act, ClientCommand, HostileProxy, Script};
use crate::harness::run::{mailferry, two_sided_args, Outcome};
use crate::harness::{
    assert_same_messages, corpus, fresh_state_dir, mailferry_bin, Dovecot, DovecotConfig, Layout,
    StoredMessage, TestImap,
};

const SRC_PW: &str = "alice-lease-pw";
const DST_PW: &str = "bob-lease-pw";
const MAIL: [&str; 4] = [
    "01-plain-text.eml",
    "02-html-with-attachment.eml",
    "10-rfc2047-subject.eml",
    "16-reply-with-references.eml",
];

/// Holds the first body FETCH for a while, so that the first run is still copying when the
/// second one starts.
struct SlowFirstFetch {
    held: Arc<AtomicBool>,
    hold: Duration,
}

impl Script for SlowFirstFetch {
    fn command(&self, c: &ClientCommand) -> Act {
        if c.verb == "UID FETCH"
            && c.line.contains("BODY.PEEK[]")
            && !self.held.swap(true, Ordering::SeqCst)
        {
            let hold = self.hold;
            return Act::ForwardAfter(Box::new(move || std::thread::sleep(hold)));
        }
        Act::Forward
    }
}

struct Setup {
    source: Dovecot,
    dest: Dovecot,
    proxy: HostileProxy,
    state: tempfile::TempDir,
    expected: Vec<StoredMessage>,
}

async fn setup(hold: Duration) -> Setup {
    let source = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user("alice", SRC_PW)
            .allow_plaintext_auth(true),
    );
    let dest = Dovecot::start(DovecotConfig::new(Layout::Plain).user("bob", DST_PW));
    let mut imap = TestImap::connect(&source, "alice", SRC_PW).await;
    for name in MAIL {
        let m = corpus::get(name);
        imap.append("INBOX", &m.flags, &m.internaldate, &m.body)
            .await;
    }
    let expected = imap.fetch_all("INBOX").await;
    imap.logout().await;
    let proxy = HostileProxy::start(
        source.imap_port(),
        SlowFirstFetch {
            held: Arc::new(AtomicBool::new(false)),
            hold,
        },
    );
    Setup {
        source,
        dest,
        proxy,
        state: fresh_state_dir(),
        expected,
    }
}

impl Setup {
    fn args(&self, extra: &[&str]) -> Vec<String> {
        let mut args = two_sided_args(
            "migrate",
            &self.proxy.url("alice"),
            &self.dest.url_imaps("bob"),
            &self.dest.ca_pem_path(),
            self.state.path(),
            &["--allow-insecure-auth", "--json"],
        );
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    }

    fn migrate(&self, extra: &[&str]) -> Outcome {
        mailferry(&self.args(extra), &[("SRC_PW", SRC_PW), ("DST_PW", DST_PW)])
    }

    /// Starts a migration in the background, as a second window or a scheduled run would.
    fn spawn(&self) -> std::process::Child {
        Command::new(mailferry_bin())
            .args(self.args(&[]))
            .env("SRC_PW", SRC_PW)
            .env("DST_PW", DST_PW)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mailferry")
    }

    /// Waits until a running migration holds the pair's lease (its lease file names it).
    fn wait_for_holder(&self, pid: u32) {
        let dir = self.state.path().join("leases");
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let named = std::fs::read_dir(&dir)
                .into_iter()
                .flatten()
                .flatten()
                .any(|entry| {
                    std::fs::read_to_string(entry.path())
                        .is_ok_and(|text| text.contains(&format!("\"pid\":{pid}")))
                });
            if named {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the first migration never took the mailbox's lease");
    }

    async fn assert_copied_once(&self) {
        let mut imap = TestImap::connect(&self.dest, "bob", DST_PW).await;
        let copied = imap.fetch_all("INBOX").await;
        imap.logout().await;
        assert_same_messages(&self.expected, &copied);
    }
}

#[tokio::test]
async fn a_second_migrate_of_the_same_mailbox_is_refused_or_waits_its_turn() {
    let setup = setup(Duration::from_secs(3)).await;
    let mut first = setup.spawn();
    setup.wait_for_holder(first.id());

    let refused = setup.migrate(&[]);
    refused.assert_code(1);
    let error = &refused.json()["errors"][0];
    assert_eq!(error["kind"], "busy", "{}", refused.context());
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&first.id().to_string()) && message.contains("mailferry migrate"),
        "the refusal does not name who copies the mailbox: {message}"
    );

    let waited = setup.migrate(&["--wait"]);
    let status = first.wait().expect("first migration");
    assert!(status.success(), "the first migration failed");
    waited.assert_code(0);
    assert_eq!(
        waited.json()["totals"]["copied"],
        0,
        "the waiting run copied again what the first one had copied:\n{}",
        waited.context()
    );
    setup.assert_copied_once().await;
    let _ = &setup.source;
}

#[tokio::test]
async fn a_lease_held_by_a_killed_process_is_free_at_once() {
    let setup = setup(Duration::from_secs(8)).await;
    let mut first = setup.spawn();
    setup.wait_for_holder(first.id());
    first.kill().expect("kill -9 the first migration");
    first.wait().expect("reap it");

    let out = setup.migrate(&[]);
    out.assert_code(0);
    setup.assert_copied_once().await;
}
