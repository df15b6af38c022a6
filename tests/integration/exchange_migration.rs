//! Migrations into the Exchange Online personality (harness/exchange.rs): every behaviour
//! Exchange shows over IMAP, handled so that nothing is lost, and the destination checked
//! message by message.

use serde_json::Value;

use crate::harness::run::{mailferry, two_sided_args, Outcome};
use crate::harness::{
    assert_same_messages, fresh_state_dir, Dovecot, DovecotConfig, ExchangeConfig, ExchangeProxy,
    Layout, StoredMessage, TestImap, Throttle,
};

const SRC_USER: &str = "alice";
const SRC_PW: &str = "alice-exo-pw";
const DST_USER: &str = "anna@contoso.test";
const DST_PW: &str = "anna-exo-pw";
const DATE: &str = "05-Mar-2021 14:02:11 +0100";

fn message(subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: a@example.com\r\nTo: anna@contoso.test\r\nSubject: {subject}\r\n\
         Date: Fri, 5 Mar 2021 14:02:11 +0100\r\nMessage-ID: <{subject}@example.com>\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn sized(subject: &str, bytes: usize) -> Vec<u8> {
    let line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\r\n";
    message(subject, &line.repeat(bytes / line.len() + 1))
}

/// A folder's messages to seed: flags and raw bytes.
type Seed<'a> = (&'a str, Vec<(Vec<&'a str>, Vec<u8>)>);

struct Source {
    server: Dovecot,
}

impl Source {
    async fn with(folders: &[Seed<'_>]) -> Source {
        let server = Dovecot::start(DovecotConfig::new(Layout::Plain).user(SRC_USER, SRC_PW));
        let mut imap = TestImap::connect(&server, SRC_USER, SRC_PW).await;
        for (folder, messages) in folders {
            if *folder != "INBOX" {
                imap.create(folder).await;
            }
            for (flags, body) in messages {
                imap.append(folder, flags, DATE, body).await;
            }
        }
        imap.logout().await;
        Source { server }
    }

    async fn messages(&self, folder: &str) -> Vec<StoredMessage> {
        let mut imap = TestImap::connect(&self.server, SRC_USER, SRC_PW).await;
        let messages = imap.fetch_all(folder).await;
        imap.logout().await;
        messages
    }
}

fn exchange_destination() -> Dovecot {
    Dovecot::start(DovecotConfig::new(Layout::ExchangeLike).user(DST_USER, DST_PW))
}

async fn destination_messages(server: &Dovecot, folder: &str) -> Vec<StoredMessage> {
    let mut imap = TestImap::connect(server, DST_USER, DST_PW).await;
    let messages = imap.fetch_all(folder).await;
    imap.logout().await;
    messages
}

fn migrate(
    source: &Source,
    proxy: &ExchangeProxy,
    dest: &Dovecot,
    state: &std::path::Path,
) -> Outcome {
    let args = migrate_args(source, proxy, dest, state);
    mailferry(&args, &[("SRC_PW", SRC_PW), ("DST_PW", DST_PW)])
}

fn migrate_args(
    source: &Source,
    proxy: &ExchangeProxy,
    dest: &Dovecot,
    state: &std::path::Path,
) -> Vec<String> {
    two_sided_args(
        "migrate",
        &source.server.url_imaps(SRC_USER),
        &proxy.url_imaps(DST_USER),
        &dest.ca_pem_path(),
        state,
        &["--timeout", "20", "--json"],
    )
}

fn folder<'a>(report: &'a Value, source: &str) -> &'a Value {
    report["folders"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["source"] == source))
        .unwrap_or_else(|| panic!("no report for {source}: {report:#}"))
}

/// What Exchange ends up holding of a source message: its flags without the keywords it
/// cannot keep.
fn as_exchange_keeps(messages: &[StoredMessage]) -> Vec<StoredMessage> {
    messages
        .iter()
        .map(|m| {
            let mut m = m.clone();
            m.flags.retain(|f| f.starts_with('\\'));
            m
        })
        .collect()
}

fn decoded_text(raw: &[u8]) -> String {
    let parsed = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a parsable message");
    parsed
        .body_text(0)
        .map(|t| t.replace("\r\n", "\n"))
        .unwrap_or_default()
}

#[tokio::test]
async fn exchange_quirks_are_handled_and_every_message_arrives_as_exchange_can_hold_it() {
    let long_line = "x".repeat(12_000);
    let long_body = format!("Before the long line.\r\n{long_line}\r\nAfter it.");
    let source = Source::with(&[
        (
            "INBOX",
            vec![
                (vec!["\\Seen", "\\Flagged"], message("flagged-read", "one")),
                (vec!["\\Flagged"], message("flagged-unread", "two")),
                (
                    vec!["\\Seen", "$MDNSent", "$Work"],
                    message("receipt-sent", "three"),
                ),
                (vec!["\\Answered"], message("answered", "four")),
            ],
        ),
        (
            "Long",
            vec![(vec!["\\Seen"], message("long-line", &long_body))],
        ),
        (
            "Big",
            vec![
                (vec![], sized("over-the-tenant-limit", 1_200_000)),
                (vec![], message("small", "fits")),
            ],
        ),
        (
            "Files",
            vec![(vec![], message("in-files", "reserved name"))],
        ),
    ])
    .await;
    let dest = exchange_destination();
    // A tenant limit of 1 MiB, so that Exchange's own refusal is what stops the big one.
    let proxy = ExchangeProxy::start(
        &dest,
        ExchangeConfig::exchange_online().max_message_size(1 << 20),
    );
    let state = fresh_state_dir();

    let out = migrate(&source, &proxy, &dest, state.path());
    assert_eq!(out.code, 0, "{}", out.context());
    let report = out.json();

    // Flags: \Flagged arrives (set after the APPEND), $MDNSent is not sent, other keywords
    // Exchange cannot keep are reported, everything else is byte for byte.
    let inbox = source.messages("INBOX").await;
    assert_same_messages(
        &as_exchange_keeps(&inbox),
        &destination_messages(&dest, "INBOX").await,
    );
    let not_kept = &folder(&report, "INBOX")["keywords_not_kept"];
    assert_eq!(not_kept["$MDNSent"], 1, "{report:#}");
    assert_eq!(not_kept["$Work"], 1, "{report:#}");

    // The long line arrives re-encoded, with the same content, and is reported.
    let long = folder(&report, "Long");
    assert_eq!(long["reencoded"], 1, "{long:#}");
    assert!(long["reencoded_items"][0]["explanation"]
        .as_str()
        .unwrap_or_default()
        .contains("10,500"));
    let copied = destination_messages(&dest, "Long").await;
    assert_eq!(copied.len(), 1);
    let original = source.messages("Long").await;
    assert_eq!(
        decoded_text(&copied[0].body),
        decoded_text(&original[0].body)
    );
    assert_eq!(copied[0].flags, original[0].flags);

    // Exchange's size refusal skips the big message and lists it; the rest of the folder arrives.
    let big = folder(&report, "Big");
    assert_eq!(big["status"], "synced", "{big:#}");
    assert_eq!(big["skipped"], 1, "{big:#}");
    assert_eq!(big["skipped_items"][0]["reason"], "too_large", "{big:#}");
    assert_eq!(destination_messages(&dest, "Big").await.len(), 1);

    // The reserved Files folder goes elsewhere.
    let files = folder(&report, "Files");
    assert_eq!(files["status"], "synced", "{files:#}");
    assert_eq!(
        destination_messages(&dest, files["destination"].as_str().unwrap_or("?"))
            .await
            .len(),
        1
    );
    assert!(
        proxy.stats().long_lines == 0,
        "a long line reached Exchange"
    );
}

#[tokio::test]
async fn throttling_and_sessions_ended_by_exchange_lose_and_duplicate_nothing() {
    let messages: Vec<(Vec<&str>, Vec<u8>)> = (0..40)
        .map(|i| {
            (
                vec!["\\Seen"],
                message(&format!("throttled-{i}"), &format!("body {i}")),
            )
        })
        .collect();
    let source = Source::with(&[("INBOX", messages)]).await;
    let dest = exchange_destination();
    let proxy = ExchangeProxy::start(
        &dest,
        ExchangeConfig::exchange_online()
            .throttle(Throttle::after(7, 300).refusals_before_bye(3).episodes(3)),
    );
    let state = fresh_state_dir();
    let out = migrate(&source, &proxy, &dest, state.path());
    assert_eq!(out.code, 0, "{}", out.context());
    assert!(proxy.stats().throttled > 0, "the proxy never throttled");
    assert!(
        proxy.stats().connections > 1,
        "the throttled session was never replaced by a new one"
    );
    assert_same_messages(
        &source.messages("INBOX").await,
        &destination_messages(&dest, "INBOX").await,
    );
}

#[tokio::test]
async fn ten_refusals_ending_a_session_do_not_stop_the_migration() {
    // Twelve messages Exchange refuses (over a 1 MiB tenant limit) among small ones: the
    // refusals end sessions, and the migration reconnects and carries on.
    let mut messages: Vec<(Vec<&str>, Vec<u8>)> = Vec::new();
    for i in 0..12 {
        messages.push((vec![], sized(&format!("big-{i}"), 1_100_000)));
        messages.push((vec!["\\Seen"], message(&format!("small-{i}"), "fits")));
    }
    let source = Source::with(&[("INBOX", messages)]).await;
    let dest = exchange_destination();
    let proxy = ExchangeProxy::start(
        &dest,
        ExchangeConfig::exchange_online().max_message_size(1 << 20),
    );
    let state = fresh_state_dir();
    let out = migrate(&source, &proxy, &dest, state.path());
    assert_eq!(out.code, 0, "{}", out.context());
    let inbox = folder(&out.json(), "INBOX").clone();
    assert_eq!(inbox["skipped"], 12, "{inbox:#}");
    assert_eq!(inbox["copied"], 12, "{inbox:#}");
    let small: Vec<StoredMessage> = source
        .messages("INBOX")
        .await
        .into_iter()
        .filter(|m| m.body.len() < 1 << 20)
        .collect();
    assert_same_messages(&small, &destination_messages(&dest, "INBOX").await);
}

#[tokio::test]
async fn read_receipts_can_be_disarmed_on_messages_already_read() {
    let receipt = |subject: &str| {
        format!(
            "From: a@example.com\r\nTo: anna@contoso.test\r\nSubject: {subject}\r\n\
             Disposition-Notification-To: a@example.com\r\nMessage-ID: <{subject}@example.com>\r\n\r\nPlease confirm.\r\n"
        )
        .into_bytes()
    };
    let source = Source::with(&[(
        "INBOX",
        vec![
            (vec!["\\Seen"], receipt("already-read")),
            (vec![], receipt("not-read-yet")),
        ],
    )])
    .await;
    let dest = exchange_destination();
    let proxy = ExchangeProxy::start(&dest, ExchangeConfig::exchange_online());
    let state = fresh_state_dir();
    let mut args = migrate_args(&source, &proxy, &dest, state.path());
    args.push("--disarm-read-receipts".into());
    let out = mailferry(&args, &[("SRC_PW", SRC_PW), ("DST_PW", DST_PW)]);
    assert_eq!(out.code, 0, "{}", out.context());
    assert_eq!(folder(&out.json(), "INBOX")["receipts_disarmed"], 1);

    let original = source.messages("INBOX").await;
    let copied = destination_messages(&dest, "INBOX").await;
    let by_subject = |messages: &[StoredMessage], subject: &str| {
        messages
            .iter()
            .find(|m| m.subject() == subject)
            .map(|m| m.body.clone())
            .unwrap_or_else(|| panic!("no message {subject}"))
    };
    // The unread message keeps its request, byte for byte.
    assert_eq!(
        by_subject(&copied, "not-read-yet"),
        by_subject(&original, "not-read-yet")
    );
    // The read one has it renamed, and nothing else changed.
    let disarmed = String::from_utf8(by_subject(&copied, "already-read")).expect("text");
    let expected = String::from_utf8(by_subject(&original, "already-read"))
        .expect("text")
        .replace(
            "Disposition-Notification-To:",
            "X-Mailferry-Disarmed-Disposition-Notification-To:",
        );
    assert_eq!(disarmed, expected);
}
