//! The Exchange Online personality (harness/exchange.rs) does what Exchange does, proven with
//! the harness's own IMAP client and, where the bytes on the wire matter, raw lines. What the
//! proxy changes is checked on the Dovecot behind it, directly.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, ReadHalf, WriteHalf};

use crate::harness::client::{tls_connect, TlsImapStream};
use crate::harness::exchange::{
    BYE, EXCHANGE_CAPABILITIES, EXCHANGE_GREETING, EXCHANGE_PRELOGIN_CAPABILITIES,
};
use crate::harness::{
    Dovecot, DovecotConfig, ExchangeConfig, ExchangeProxy, Layout, TestImap, Throttle,
};

const USER: &str = "anna@contoso.test";
const PASSWORD: &str = "anna-pw";
const DATE: &str = "05-Mar-2021 14:02:11 +0100";

fn exchange_like() -> Dovecot {
    Dovecot::start(DovecotConfig::new(Layout::ExchangeLike).user(USER, PASSWORD))
}

async fn through(proxy: &ExchangeProxy, server: &Dovecot) -> TestImap {
    TestImap::try_connect_port(proxy.port(), &server.ca_pem_path(), USER, PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("login through the Exchange proxy: {e}"))
}

fn message(subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: a@example.com\r\nTo: anna@contoso.test\r\nSubject: {subject}\r\n\
         Message-ID: <{subject}@example.com>\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// A line-level client, for what async-imap hides: the greeting's bytes, LITERAL+, BYE.
struct Raw {
    reader: BufReader<ReadHalf<TlsImapStream>>,
    writer: WriteHalf<TlsImapStream>,
}

impl Raw {
    async fn connect(port: u16, server: &Dovecot) -> (Raw, String) {
        let tls = tls_connect(port, &server.ca_pem_path())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let (reader, writer) = tokio::io::split(tls);
        let mut raw = Raw {
            reader: BufReader::new(reader),
            writer,
        };
        let greeting = raw.line().await.expect("a greeting");
        (raw, greeting)
    }

    async fn login(port: u16, server: &Dovecot) -> Raw {
        let (mut raw, _) = Raw::connect(port, server).await;
        let (_, done) = raw
            .command("l", &format!("LOGIN \"{USER}\" \"{PASSWORD}\""))
            .await;
        assert!(done.starts_with("l OK"), "{done}");
        raw
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.expect("send to proxy");
        self.writer.flush().await.expect("flush to proxy");
    }

    /// The next line without its CRLF; `None` once the connection is closed.
    async fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line).await {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_string()),
        }
    }

    /// Lines up to and including the tagged one for `tag`.
    async fn until_tagged(&mut self, tag: &str) -> (Vec<String>, String) {
        let mut untagged = Vec::new();
        loop {
            let line = self
                .line()
                .await
                .unwrap_or_else(|| panic!("closed before {tag} completed; saw {untagged:?}"));
            if line.starts_with(&format!("{tag} ")) {
                return (untagged, line);
            }
            untagged.push(line);
        }
    }

    async fn command(&mut self, tag: &str, command: &str) -> (Vec<String>, String) {
        self.send(format!("{tag} {command}\r\n").as_bytes()).await;
        self.until_tagged(tag).await
    }

    /// APPEND with LITERAL+ (`{n+}`): the message follows at once.
    async fn append_nonsync(&mut self, tag: &str, flags: &str, body: &[u8]) -> String {
        let mut bytes =
            format!("{tag} APPEND INBOX ({flags}) {{{}+}}\r\n", body.len()).into_bytes();
        bytes.extend_from_slice(body);
        bytes.extend_from_slice(b"\r\n");
        self.send(&bytes).await;
        self.until_tagged(tag).await.1
    }
}

#[tokio::test]
async fn exchange_personality_greets_and_announces_capabilities_as_exchange() {
    let server = exchange_like();
    let proxy = ExchangeProxy::start(&server, ExchangeConfig::exchange_online());

    let (mut raw, greeting) = Raw::connect(proxy.port(), &server).await;
    assert_eq!(greeting, EXCHANGE_GREETING);
    let (untagged, done) = raw.command("a", "CAPABILITY").await;
    assert!(done.starts_with("a OK"), "{done}");
    assert_eq!(
        untagged,
        vec![format!("* CAPABILITY {EXCHANGE_PRELOGIN_CAPABILITIES}")]
    );
    let (_, done) = raw
        .command("b", &format!("LOGIN \"{USER}\" \"{PASSWORD}\""))
        .await;
    assert!(done.starts_with("b OK"), "{done}");
    let (untagged, _) = raw.command("c", "CAPABILITY").await;
    assert_eq!(
        untagged,
        vec![format!("* CAPABILITY {EXCHANGE_CAPABILITIES}")]
    );

    // Sign-in with synchronising literals, capabilities not asked for first: the proxy gives
    // the `+` and takes Dovecot's, and the OK's capability code is Exchange's.
    let (mut raw, _) = Raw::connect(proxy.port(), &server).await;
    raw.send(format!("b LOGIN {{{}}}\r\n", USER.len()).as_bytes())
        .await;
    assert!(raw.line().await.expect("continuation").starts_with("+ "));
    raw.send(format!("{USER} {{{}}}\r\n", PASSWORD.len()).as_bytes())
        .await;
    assert!(raw.line().await.expect("continuation").starts_with("+ "));
    raw.send(format!("{PASSWORD}\r\n").as_bytes()).await;
    let (_, done) = raw.until_tagged("b").await;
    assert!(
        done.starts_with(&format!("b OK [CAPABILITY {EXCHANGE_CAPABILITIES}]")),
        "{done}"
    );

    let mut direct = TestImap::connect(&server, USER, PASSWORD).await;
    let dovecot_caps = direct.capabilities().await;
    assert!(dovecot_caps.iter().any(|c| c == "CONDSTORE"));
    let mut imap = through(&proxy, &server).await;
    let caps = imap.capabilities().await;
    for absent in [
        "CONDSTORE",
        "SPECIAL-USE",
        "COMPRESS=DEFLATE",
        "QRESYNC",
        "ENABLE",
    ] {
        assert!(!caps.iter().any(|c| c == absent), "{absent} in {caps:?}");
    }
    assert!(
        !caps.iter().any(|c| c.starts_with("APPENDLIMIT")),
        "{caps:?}"
    );
    for present in [
        "MOVE",
        "UIDPLUS",
        "LITERAL+",
        "CLIENTACCESSRULES",
        "AUTH=XOAUTH2",
    ] {
        assert!(
            caps.iter().any(|c| c == present),
            "{present} not in {caps:?}"
        );
    }
}

#[tokio::test]
async fn exchange_personality_keeps_only_exchanges_flags() {
    let server = exchange_like();
    let proxy = ExchangeProxy::start(&server, ExchangeConfig::exchange_online());
    let mut imap = through(&proxy, &server).await;

    let mailbox = imap.session().select("INBOX").await.expect("SELECT INBOX");
    let permanent: Vec<String> = mailbox
        .permanent_flags
        .iter()
        .map(|f| format!("{f:?}"))
        .collect();
    assert_eq!(
        permanent,
        [
            "Seen",
            "Answered",
            "Flagged",
            "Deleted",
            "Draft",
            "Custom(\"$MDNSent\")"
        ],
        "PERMANENTFLAGS without \\*"
    );

    imap.append(
        "INBOX",
        &["\\Seen", "\\Flagged", "$MDNSent", "$Label1", "Project"],
        DATE,
        &message("flags", "Hello."),
    )
    .await;
    let mut direct = TestImap::connect(&server, USER, PASSWORD).await;
    let stored = direct.fetch_all("INBOX").await;
    assert_eq!(stored.len(), 1);
    // \Flagged dropped at APPEND, keywords other than $MDNSent not kept, $MDNSent as is.
    assert_eq!(stored[0].flags, ["$MDNSent", "\\Seen"]);

    // A later STORE keeps \Flagged, but still no other keyword.
    imap.store_flags("INBOX", stored[0].uid, "+FLAGS (\\Flagged $Label1)")
        .await;
    let stored = direct.fetch_all("INBOX").await;
    assert_eq!(stored[0].flags, ["$MDNSent", "\\Flagged", "\\Seen"]);

    let stats = proxy.stats();
    assert_eq!(stats.flagged_dropped, 1);
    assert_eq!(stats.keywords_dropped, 3);
    assert_eq!(stats.appends_accepted, 1);

    // The same through a transparent proxy keeps everything: the rules are the proxy's.
    let open = ExchangeProxy::start(&server, ExchangeConfig::pass_through());
    let mut plain = through(&open, &server).await;
    plain
        .append(
            "Drafts",
            &["\\Flagged", "$Label1"],
            DATE,
            &message("kept", "x"),
        )
        .await;
    assert_eq!(
        direct.fetch_all("Drafts").await[0].flags,
        ["$Label1", "\\Flagged"]
    );
}

#[tokio::test]
async fn exchange_personality_lists_inbox_as_inbox() {
    let server = exchange_like();
    let proxy = ExchangeProxy::start(&server, ExchangeConfig::exchange_online());
    // Raw lines: async-imap (like imap-proto) spells any case of INBOX as "INBOX".
    let mut raw = Raw::login(proxy.port(), &server).await;
    let (lines, _) = raw.command("a", "LIST \"\" \"*\"").await;
    assert!(lines.iter().any(|l| l.ends_with(" Inbox")), "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("INBOX")), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\\Sent") && l.ends_with("\"Sent Items\"")),
        "{lines:?}"
    );
    let (_, done) = raw.command("s", "SUBSCRIBE INBOX").await;
    assert!(done.starts_with("s OK"), "{done}");
    let (lines, _) = raw.command("b", "LSUB \"\" \"*\"").await;
    assert!(lines.iter().any(|l| l.ends_with(" Inbox")), "{lines:?}");
    let mut direct = Raw::login(server.imaps_port(), &server).await;
    let (lines, _) = direct.command("a", "LIST \"\" \"*\"").await;
    assert!(lines.iter().any(|l| l.ends_with(" INBOX")), "{lines:?}");
}

#[tokio::test]
async fn exchange_personality_refuses_long_lines_large_messages_and_files() {
    let server = exchange_like();
    let proxy = ExchangeProxy::start(
        &server,
        ExchangeConfig::exchange_online().max_message_size(50_000),
    );
    let mut imap = through(&proxy, &server).await;

    let long = message("long", &"x".repeat(12_000));
    let refusal = imap
        .try_append("INBOX", &[], DATE, &long)
        .await
        .expect_err("a 12,000-character line must be refused");
    assert_eq!(refusal, "BAD Command Argument Error. 11");
    let at_limit = message("at-limit", &"y".repeat(10_500));
    imap.append("INBOX", &[], DATE, &at_limit).await;

    let large = message("large", &"z\r\n".repeat(20_000));
    let refusal = imap
        .try_append("INBOX", &[], DATE, &large)
        .await
        .expect_err("a message over the limit must be refused");
    assert_eq!(
        refusal,
        "NO Maximum size of appendable message has been exceeded."
    );

    let refusal = imap
        .session()
        .create("Files")
        .await
        .expect_err("Files is reserved");
    assert!(
        refusal.to_string().contains("Folder name is reserved."),
        "{refusal}"
    );
    imap.create("Files (imported)").await;

    let mut direct = TestImap::connect(&server, USER, PASSWORD).await;
    let stored = direct.fetch_all("INBOX").await;
    assert_eq!(stored.len(), 1, "only the message at the limit arrives");
    assert_eq!(stored[0].body, at_limit);
    let names: Vec<String> = direct.list().await.into_iter().map(|f| f.name).collect();
    assert!(!names.iter().any(|n| n == "Files"), "{names:?}");
    let stats = proxy.stats();
    assert_eq!(
        (stats.long_lines, stats.too_large, stats.reserved),
        (1, 1, 1)
    );
    assert_eq!(stats.appends_refused, 2);
}

#[tokio::test]
async fn exchange_personality_reads_literal_plus_appends_whole() {
    let server = exchange_like();
    let proxy = ExchangeProxy::start(
        &server,
        ExchangeConfig::exchange_online().max_message_size(50_000),
    );
    let mut raw = Raw::login(proxy.port(), &server).await;

    // Refused with LITERAL+: the proxy must still read the whole literal, or its bytes would
    // be taken for commands.
    let large = message("large", &"NOOP\r\n".repeat(10_000));
    let done = raw.append_nonsync("a", "\\Seen", &large).await;
    assert_eq!(
        done,
        "a NO Maximum size of appendable message has been exceeded."
    );
    let long = message("long", &format!("{}\r\nb NOOP", "x".repeat(11_000)));
    let done = raw.append_nonsync("b", "", &long).await;
    assert_eq!(done, "b BAD Command Argument Error. 11");
    let (_, done) = raw.command("c", "NOOP").await;
    assert!(done.starts_with("c OK"), "{done}");

    let small = message("literal-plus", "Sent without waiting.");
    let done = raw
        .append_nonsync("d", "\\Seen \\Flagged $Label1", &small)
        .await;
    assert!(done.starts_with("d OK"), "{done}");
    let mut direct = TestImap::connect(&server, USER, PASSWORD).await;
    let stored = direct.fetch_all("INBOX").await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].body, small);
    assert_eq!(stored[0].flags, ["\\Seen"]);
}

#[tokio::test]
async fn exchange_personality_throttles_then_closes_the_session() {
    let server = exchange_like();
    let proxy = ExchangeProxy::start(
        &server,
        ExchangeConfig::exchange_online().throttle(Throttle::after(3, 1500).refusals_before_bye(2)),
    );
    let mut raw = Raw::login(proxy.port(), &server).await;
    for i in 0..3 {
        let done = raw
            .append_nonsync(&format!("a{i}"), "", &message(&format!("m{i}"), "x"))
            .await;
        assert!(done.starts_with(&format!("a{i} OK")), "{done}");
    }
    let done = raw.append_nonsync("t1", "", &message("t1", "x")).await;
    assert_eq!(
        done,
        "t1 NO Request is throttled. Suggested Backoff Time: 1500 milliseconds"
    );
    // The second refusal is followed by BYE and the end of the session.
    raw.send(b"t2 APPEND INBOX () {5}\r\n").await;
    assert_eq!(
        raw.line().await.as_deref(),
        Some("t2 NO Request is throttled. Suggested Backoff Time: 1500 milliseconds"),
        "refused before the continuation"
    );
    assert_eq!(raw.line().await.as_deref(), Some(BYE));
    assert_eq!(raw.line().await, None, "the session is closed");

    let stats = proxy.stats();
    assert_eq!(stats.throttled, 2);
    assert_eq!(stats.sessions_ended, 1);
    assert_eq!(stats.ended_for_errors, 0);
    assert_eq!(stats.appends_accepted, 3);

    // The episode is over: a new session appends again.
    let mut imap = through(&proxy, &server).await;
    imap.append("INBOX", &[], DATE, &message("after", "x"))
        .await;
    let mut direct = TestImap::connect(&server, USER, PASSWORD).await;
    assert_eq!(direct.fetch_all("INBOX").await.len(), 4);
}

#[tokio::test]
async fn exchange_personality_says_bye_after_ten_errors() {
    let server = exchange_like();
    let proxy = ExchangeProxy::start(&server, ExchangeConfig::exchange_online());
    let mut raw = Raw::login(proxy.port(), &server).await;
    for i in 1..=9 {
        let (_, done) = raw
            .command(&format!("e{i}"), "SELECT \"No such folder\"")
            .await;
        assert!(done.starts_with(&format!("e{i} NO")), "{done}");
    }
    let (_, done) = raw.command("ok", "NOOP").await;
    assert!(
        done.starts_with("ok OK"),
        "nine errors are tolerated: {done}"
    );
    // The tenth: Dovecot's NO, then Exchange's BYE.
    let (_, done) = raw.command("e10", "CREATE Files").await;
    assert_eq!(done, "e10 NO Folder name is reserved.");
    assert_eq!(raw.line().await.as_deref(), Some(BYE));
    assert_eq!(raw.line().await, None, "the session is closed");
    let stats = proxy.stats();
    assert_eq!((stats.sessions_ended, stats.ended_for_errors), (1, 1));

    // Switched off, errors never end the session.
    let lenient = ExchangeProxy::start(
        &server,
        ExchangeConfig::exchange_online().bye_after_errors(None),
    );
    let mut raw = Raw::login(lenient.port(), &server).await;
    for i in 1..=12 {
        let (_, done) = raw.command(&format!("e{i}"), "SELECT Nowhere").await;
        assert!(done.starts_with(&format!("e{i} NO")), "{done}");
    }
    assert_eq!(lenient.stats().sessions_ended, 0);
}
