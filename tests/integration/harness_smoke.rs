//! Proves the harness itself works: real servers, real assertions.

use chrono::DateTime;

use crate::harness::client::{peer_certificate_der, tls_connect};
use crate::harness::{
    assert_same_messages, certs, corpus, diff_messages, mailbox_digest, CertChoice, CutPlan,
    CutProxy, Direction, Dovecot, DovecotConfig, Layout, StoredMessage, TestImap, UserSpec,
};

const SPECIAL_USE: [&str; 8] = [
    "\\All",
    "\\Archive",
    "\\Drafts",
    "\\Flagged",
    "\\Important",
    "\\Junk",
    "\\Sent",
    "\\Trash",
];

fn two_users(layout: Layout) -> DovecotConfig {
    DovecotConfig::new(layout)
        .user("alice", "alice-pw")
        .user("bob@example.com", "bob-pw")
}

fn parse_internaldate(date: &str) -> DateTime<chrono::FixedOffset> {
    DateTime::parse_from_str(date.trim_start(), "%d-%b-%Y %H:%M:%S %z")
        .unwrap_or_else(|e| panic!("corpus date {date:?}: {e}"))
}

/// Appends the whole corpus to `folder`, fetches it back and checks every message.
async fn round_trip_corpus(imap: &mut TestImap, folder: &str) -> Vec<StoredMessage> {
    let corpus = corpus::load();
    for message in &corpus {
        imap.append(folder, &message.flags, &message.internaldate, &message.body)
            .await;
    }
    let stored = imap.fetch_all(folder).await;
    assert_eq!(stored.len(), corpus.len(), "message count in {folder}");
    // The documented exceptions to byte-exactness really happen (see corpus.rs).
    let bare_lf = corpus
        .iter()
        .position(|m| m.name == "09-bare-lf.eml")
        .expect("bare-LF message");
    assert_ne!(
        stored[bare_lf].body, corpus[bare_lf].body,
        "bare LF served unchanged?"
    );
    assert!(!stored[bare_lf]
        .body
        .windows(2)
        .any(|w| w[1] == b'\n' && w[0] != b'\r'));
    let no_final = corpus
        .iter()
        .position(|m| m.name == "14-no-final-crlf.eml")
        .expect("no-final-CRLF message");
    assert!(stored[no_final].body.ends_with(b"not terminated."));
    let dates: std::collections::BTreeSet<i64> = corpus
        .iter()
        .map(|m| parse_internaldate(&m.internaldate).timestamp())
        .collect();
    assert_eq!(
        dates.len(),
        corpus.len(),
        "corpus INTERNALDATEs must be distinct"
    );
    for (sent, got) in corpus.iter().zip(&stored) {
        let expected = corpus::as_served_by_dovecot(&sent.body);
        // Only the bare-LF message is changed; everything else must be byte for byte.
        assert_eq!(
            expected == sent.body,
            sent.name != "09-bare-lf.eml",
            "{}",
            sent.name
        );
        assert!(
            got.body == expected,
            "{}: Dovecot served unexpected bytes in {folder}:\nsent {:?}\n got {:?}",
            sent.name,
            String::from_utf8_lossy(&sent.body),
            String::from_utf8_lossy(&got.body),
        );
        assert_eq!(got.sha256, corpus::sha256_hex(&expected));
        let mut flags: Vec<String> = sent.flags.iter().map(|f| f.to_string()).collect();
        flags.sort();
        assert_eq!(got.flags, flags, "{}: flags in {folder}", sent.name);
        assert_eq!(
            got.internaldate.timestamp(),
            parse_internaldate(&sent.internaldate).timestamp(),
            "{}: INTERNALDATE in {folder} (served as {})",
            sent.name,
            got.internaldate
        );
    }
    stored
}

async fn check_layout(layout: Layout) {
    let server = Dovecot::start(two_users(layout));
    let mut alice = TestImap::connect(&server, "alice", "alice-pw").await;

    let folders = alice.list().await;
    eprintln!("{layout:?} LIST: {folders:#?}");
    let separator = layout.separator().to_string();
    for folder in &folders {
        assert_eq!(
            folder.delimiter.as_deref(),
            Some(separator.as_str()),
            "{folder:?}"
        );
    }
    assert!(
        folders.iter().any(|f| f.name == "INBOX"),
        "no INBOX in {folders:?}"
    );
    for (name, special_use) in layout.special_folders() {
        let folder = folders
            .iter()
            .find(|f| f.name == *name)
            .unwrap_or_else(|| panic!("{layout:?}: {name} not listed in {folders:#?}"));
        for attribute in SPECIAL_USE {
            assert_eq!(
                folder.has_attribute(attribute),
                *special_use == Some(attribute),
                "{layout:?}: {attribute} on {folder:?}"
            );
        }
    }
    if matches!(layout, Layout::CourierLike | Layout::NoSpecialUse) {
        for folder in &folders {
            assert!(
                SPECIAL_USE.iter().all(|a| !folder.has_attribute(a)),
                "{layout:?} must have no special-use attributes: {folder:?}"
            );
        }
    }
    if layout == Layout::GmailLike {
        let parent = folders
            .iter()
            .find(|f| f.name == "[Gmail]")
            .expect("[Gmail] parent listed");
        assert!(
            parent.has_attribute("\\Noselect") || parent.has_attribute("\\NonExistent"),
            "[Gmail] must not be selectable: {parent:?}"
        );
    }
    let subscribed = alice.subscribed().await;
    for (name, _) in layout.special_folders() {
        assert!(
            subscribed.iter().any(|s| s == name),
            "{name} not subscribed: {subscribed:?}"
        );
    }

    let nested = layout.nested_folder();
    alice.create(nested).await;
    let inbox = round_trip_corpus(&mut alice, "INBOX").await;
    let nested_messages = round_trip_corpus(&mut alice, nested).await;
    assert_same_messages(&inbox, &nested_messages);
    assert!(alice.list().await.iter().any(|f| f.name == nested));

    // The second user's mailbox is separate.
    let mut bob = TestImap::connect(&server, "bob@example.com", "bob-pw").await;
    assert_eq!(bob.status_messages("INBOX").await, 0);
    bob.logout().await;
    alice.logout().await;
}

#[tokio::test]
async fn harness_layout_plain() {
    check_layout(Layout::Plain).await;
}

#[tokio::test]
async fn harness_layout_gmail_like() {
    check_layout(Layout::GmailLike).await;
}

#[tokio::test]
async fn harness_layout_exchange_like() {
    check_layout(Layout::ExchangeLike).await;
}

#[tokio::test]
async fn harness_layout_courier_like() {
    check_layout(Layout::CourierLike).await;
}

#[tokio::test]
async fn harness_layout_no_special_use() {
    check_layout(Layout::NoSpecialUse).await;
}

#[tokio::test]
async fn harness_master_user_login() {
    let server = Dovecot::start(two_users(Layout::Plain).master_user("admin", "admin-pw"));
    let mut alice = TestImap::connect(&server, "alice", "alice-pw").await;
    let message = corpus::get("01-plain-text.eml");
    alice
        .append(
            "INBOX",
            &message.flags,
            &message.internaldate,
            &message.body,
        )
        .await;
    let own_view = alice.fetch_all("INBOX").await;
    alice.logout().await;

    // SASL PLAIN with authzid = alice, authcid = admin.
    let mut via_master = TestImap::connect_master(&server, "alice", "admin", "admin-pw").await;
    assert_same_messages(&own_view, &via_master.fetch_all("INBOX").await);
    via_master.logout().await;

    // LOGIN user*master password.
    let mut via_login = TestImap::try_connect(&server, "alice*admin", "admin-pw")
        .await
        .expect("LOGIN alice*admin");
    assert_eq!(via_login.status_messages("INBOX").await, 1);
    via_login.logout().await;

    assert!(TestImap::try_connect(&server, "alice*admin", "wrong")
        .await
        .is_err());
    assert!(
        TestImap::try_connect(&server, "admin", "admin-pw")
            .await
            .is_err(),
        "master users are not mailboxes"
    );
}

#[tokio::test]
async fn harness_wrong_password_is_refused_without_penalty_and_set_password_works() {
    let server = Dovecot::start(two_users(Layout::Plain));
    // Dovecot's auth failure delay and anvil penalty would make every test that tries a wrong
    // password wait up to 15 s: the harness config turns both off, as the server reports.
    let effective = String::from_utf8_lossy(
        &std::process::Command::new("doveconf")
            .arg("-c")
            .arg(server.dir().join("dovecot.conf"))
            .arg("-n")
            .output()
            .expect("run doveconf")
            .stdout,
    )
    .into_owned();
    assert!(effective.contains("auth_failure_delay = 0"), "{effective}");
    let penalty = effective
        .split("unix_listener anvil-auth-penalty {")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .unwrap_or_default();
    assert!(
        penalty.contains("mode = 00"),
        "the anvil penalty listener is not closed:\n{effective}"
    );
    for _ in 0..3 {
        let refused = TestImap::try_connect(&server, "alice", "wrong-pw").await;
        let error = refused.err().expect("wrong password must be refused");
        assert!(
            error.contains("AUTHENTICATIONFAILED") || error.contains("failed"),
            "{error}"
        );
    }
    TestImap::connect(&server, "alice", "alice-pw")
        .await
        .logout()
        .await;

    server.set_password("alice", "new-pw");
    assert!(
        TestImap::try_connect(&server, "alice", "alice-pw")
            .await
            .is_err(),
        "old password still works"
    );
    TestImap::connect(&server, "alice", "new-pw")
        .await
        .logout()
        .await;
    // The other user is untouched.
    TestImap::connect(&server, "bob@example.com", "bob-pw")
        .await
        .logout()
        .await;
}

#[tokio::test]
async fn harness_quota_user_gets_overquota() {
    let server = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user_spec(UserSpec::new("full", "full-pw").quota_storage("1M")),
    );
    let mut imap = TestImap::connect(&server, "full", "full-pw").await;
    let small = corpus::get("01-plain-text.eml");
    imap.append("INBOX", &[], &small.internaldate, &small.body)
        .await;
    let refusal = imap
        .try_append(
            "INBOX",
            &[],
            "01-Feb-2021 10:00:00 +0000",
            &corpus::large_attachment(2_000_000, 7),
        )
        .await
        .expect_err("a 2 MB message must not fit a 1 MB quota");
    eprintln!("quota refusal: {refusal}");
    assert!(refusal.contains("OVERQUOTA"), "{refusal}");
    assert_eq!(imap.status_messages("INBOX").await, 1);
    imap.logout().await;
}

#[tokio::test]
async fn harness_max_mail_size_user_gets_limit() {
    let server = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user_spec(UserSpec::new("small", "small-pw").max_mail_size("1M")),
    );
    let mut imap = TestImap::connect(&server, "small", "small-pw").await;
    let refusal = imap
        .try_append(
            "INBOX",
            &[],
            "01-Feb-2021 10:00:00 +0000",
            &corpus::large_attachment(2_000_000, 8),
        )
        .await
        .expect_err("a 2 MB message must exceed a 1 MB size limit");
    eprintln!("size refusal: {refusal}");
    assert!(
        refusal.contains("LIMIT") || refusal.to_lowercase().contains("too large"),
        "{refusal}"
    );
    // Smaller messages still go in.
    imap.append(
        "INBOX",
        &[],
        "01-Feb-2021 10:00:00 +0000",
        &corpus::large_attachment(500_000, 9),
    )
    .await;
    assert_eq!(imap.status_messages("INBOX").await, 1);
    imap.logout().await;
}

#[tokio::test]
async fn harness_cut_proxy_cuts_fetch_then_passes() {
    let server = Dovecot::start(two_users(Layout::Plain));
    let big = corpus::large_attachment(300_000, 1);
    let mut direct = TestImap::connect(&server, "alice", "alice-pw").await;
    direct
        .append("INBOX", &["\\Seen"], "01-Feb-2021 10:00:00 +0000", &big)
        .await;

    let proxy = CutProxy::start(
        server.imaps_port(),
        CutPlan::new(Direction::ServerToClient, 100_000, 1),
    );
    let ca = server.ca_pem_path();
    let mut cut = TestImap::try_connect_port(proxy.port(), &ca, "alice", "alice-pw")
        .await
        .expect("login fits in the first 100 kB");
    let error = cut
        .try_fetch_all("INBOX")
        .await
        .expect_err("FETCH of 300 kB must be cut");
    eprintln!("cut FETCH: {error}");
    assert_eq!(proxy.cuts_done(), 1);

    let mut passed = TestImap::try_connect_port(proxy.port(), &ca, "alice", "alice-pw")
        .await
        .expect("second connection is not cut");
    let fetched = passed.fetch_all("INBOX").await;
    assert_eq!(fetched.len(), 1);
    assert!(fetched[0].body == big);
    passed.logout().await;
    assert_eq!((proxy.connections_seen(), proxy.cuts_done()), (2, 1));
    direct.logout().await;
}

#[tokio::test]
async fn harness_cut_proxy_cuts_append_without_partial_message() {
    let server = Dovecot::start(two_users(Layout::Plain));
    let big = corpus::large_attachment(300_000, 2);
    let proxy = CutProxy::start(
        server.imaps_port(),
        CutPlan::new(Direction::ClientToServer, 60_000, 1),
    );
    let ca = server.ca_pem_path();
    let mut cut = TestImap::try_connect_port(proxy.port(), &ca, "alice", "alice-pw")
        .await
        .expect("login fits in the first 60 kB");
    let error = cut
        .try_append("INBOX", &[], "01-Feb-2021 10:00:00 +0000", &big)
        .await
        .expect_err("APPEND of 300 kB must be cut");
    eprintln!("cut APPEND: {error}");
    assert_eq!(proxy.cuts_done(), 1);

    let mut direct = TestImap::connect(&server, "alice", "alice-pw").await;
    assert_eq!(
        direct.status_messages("INBOX").await,
        0,
        "a cut APPEND must leave nothing behind"
    );
    let mut passed = TestImap::try_connect_port(proxy.port(), &ca, "alice", "alice-pw")
        .await
        .expect("second connection is not cut");
    passed
        .append("INBOX", &[], "01-Feb-2021 10:00:00 +0000", &big)
        .await;
    passed.logout().await;
    assert_eq!(direct.status_messages("INBOX").await, 1);
    direct.logout().await;
}

#[tokio::test]
async fn harness_certificates_and_fingerprints() {
    let trusted = Dovecot::start(two_users(Layout::Plain));
    let untrusted = Dovecot::start(two_users(Layout::Plain).cert(CertChoice::SelfSigned));

    tls_connect(trusted.imaps_port(), &trusted.ca_pem_path())
        .await
        .expect("test CA trusted");
    let error = tls_connect(untrusted.imaps_port(), &trusted.ca_pem_path())
        .await
        .expect_err("self-signed cert must be rejected by a client trusting only the test CA");
    eprintln!("self-signed rejection: {error}");
    assert!(error.contains("certificate"), "{error}");
    // ca_pem_path() of a SelfSigned server is the certificate itself, which TestImap can
    // trust to load test data onto it.
    TestImap::connect(&untrusted, "alice", "alice-pw")
        .await
        .logout()
        .await;
    // Every instance shares the process-wide test CA, so one CA file trusts them all.
    assert_eq!(
        std::fs::read_to_string(trusted.ca_pem_path()).unwrap(),
        certs::test_ca_pem()
    );

    for server in [&trusted, &untrusted] {
        let presented = certs::sha256_hex(&peer_certificate_der(server.imaps_port()).await);
        assert_eq!(presented, server.server_cert_sha256_hex());
        assert_eq!(presented.len(), 64);
    }
    assert_ne!(
        trusted.server_cert_sha256_hex(),
        untrusted.server_cert_sha256_hex()
    );
}

/// Reads one CRLF-terminated line from a raw socket.
async fn read_line(stream: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut line = Vec::new();
    while !line.ends_with(b"\r\n") {
        let mut byte = [0u8; 1];
        assert_eq!(
            stream.read(&mut byte).await.expect("read line"),
            1,
            "EOF after {line:?}"
        );
        line.push(byte[0]);
    }
    String::from_utf8(line).expect("ASCII line")
}

/// Skips untagged lines (Dovecot sends `* BAD [ALERT] ...` before refusing a plaintext LOGIN).
async fn read_tagged(stream: &mut tokio::net::TcpStream, tag: &str) -> String {
    loop {
        let line = read_line(stream).await;
        if line.starts_with(&format!("{tag} ")) {
            return line;
        }
    }
}

#[tokio::test]
async fn harness_plain_port_starttls_and_plaintext_policy() {
    use tokio::io::AsyncWriteExt;
    let strict = Dovecot::start(two_users(Layout::ExchangeLike));
    let lax = Dovecot::start(two_users(Layout::Plain).allow_plaintext_auth(true));

    // Default: STARTTLS offered, LOGIN refused before it.
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", strict.imap_port()))
        .await
        .unwrap();
    let greeting = read_line(&mut tcp).await;
    assert!(
        greeting.contains("STARTTLS") && greeting.contains("LOGINDISABLED"),
        "{greeting}"
    );
    assert!(
        greeting.contains("The Microsoft Exchange IMAP4 service is ready."),
        "{greeting}"
    );
    tcp.write_all(b"a LOGIN alice alice-pw\r\n").await.unwrap();
    let refused = read_tagged(&mut tcp, "a").await;
    assert!(
        refused.starts_with("a NO") || refused.starts_with("a BAD"),
        "{refused}"
    );
    tcp.write_all(b"b STARTTLS\r\n").await.unwrap();
    assert!(read_tagged(&mut tcp, "b").await.starts_with("b OK"));
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let tls = tokio_rustls::TlsConnector::from(crate::harness::client::client_config(
        &strict.ca_pem_path(),
    ))
    .connect(name, tcp)
    .await
    .expect("STARTTLS handshake");
    let session = async_imap::Client::new(tls)
        .login("alice", "alice-pw")
        .await
        .map_err(|(e, _)| e)
        .expect("LOGIN after STARTTLS");
    let mut session = session;
    session.logout().await.unwrap();

    // allow_plaintext_auth: LOGIN without TLS works.
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", lax.imap_port()))
        .await
        .unwrap();
    let greeting = read_line(&mut tcp).await;
    assert!(!greeting.contains("LOGINDISABLED"), "{greeting}");
    tcp.write_all(b"a LOGIN alice alice-pw\r\n").await.unwrap();
    let reply = read_tagged(&mut tcp, "a").await;
    assert!(reply.starts_with("a OK"), "{reply}");
}

#[tokio::test]
async fn harness_condstore_and_capabilities() {
    let server = Dovecot::start(two_users(Layout::Plain));
    let mut imap = TestImap::connect(&server, "alice", "alice-pw").await;
    let capabilities = imap.capabilities().await;
    for needed in [
        "CONDSTORE",
        "UIDPLUS",
        "LITERAL+",
        "SPECIAL-USE",
        "MOVE",
        "QUOTA",
    ] {
        assert!(
            capabilities.iter().any(|c| c == needed),
            "{needed} missing from {capabilities:?}"
        );
    }
    let message = corpus::get("01-plain-text.eml");
    imap.append("INBOX", &[], &message.internaldate, &message.body)
        .await;
    let on_select = imap
        .select_condstore("INBOX")
        .await
        .expect("HIGHESTMODSEQ on SELECT (CONDSTORE)");
    let before = imap.highest_modseq("INBOX").await;
    assert_eq!(on_select, before);
    let uid = imap.fetch_all("INBOX").await[0].uid;
    imap.store_flags("INBOX", uid, "+FLAGS (\\Flagged)").await;
    let after = imap.highest_modseq("INBOX").await;
    assert!(after > before, "HIGHESTMODSEQ {before} -> {after}");
    assert_eq!(imap.fetch_all("INBOX").await[0].flags, vec!["\\Flagged"]);
    imap.store_flags("INBOX", uid, "+FLAGS (\\Deleted)").await;
    imap.expunge_all_deleted("INBOX").await;
    assert_eq!(imap.status_messages("INBOX").await, 0);
    assert!(imap.highest_modseq("INBOX").await > after);
    imap.logout().await;
}

#[tokio::test]
async fn harness_uidvalidity_change_helper() {
    let server = Dovecot::start(two_users(Layout::Plain));
    let mut imap = TestImap::connect(&server, "alice", "alice-pw").await;
    imap.create("Projects").await;
    round_trip_corpus(&mut imap, "Projects").await;
    let before = imap.fetch_all("Projects").await;
    let (old, new) = imap.recreate_with_new_uidvalidity("Projects").await;
    assert_ne!(old, new);
    assert_eq!(imap.uidvalidity("Projects").await, new);
    let after = imap.fetch_all("Projects").await;
    assert_same_messages(&before, &after);
    assert_eq!(mailbox_digest(&before), mailbox_digest(&after));
    imap.logout().await;
}

#[tokio::test]
async fn harness_duplicates_and_large_messages() {
    let server = Dovecot::start(two_users(Layout::Plain));
    let mut imap = TestImap::connect(&server, "alice", "alice-pw").await;

    let (first, second) = corpus::duplicate_pair();
    assert_eq!(first, second);
    imap.append("INBOX", &["\\Seen"], "02-Mar-2021 08:00:00 +0100", &first)
        .await;
    imap.append("INBOX", &["\\Seen"], "02-Mar-2021 08:00:00 +0100", &second)
        .await;
    let stored = imap.fetch_all("INBOX").await;
    assert_eq!(stored.len(), 2, "identical messages must stay two");
    let digest = mailbox_digest(&stored);
    assert_eq!(digest[0], digest[1]);
    // One copy is not the same as two.
    let report = diff_messages(&stored, &stored[..1]);
    assert!(report.contains("missing from destination x1"), "{report}");
    assert!(report.contains("Delivered twice"), "{report}");
    assert!(diff_messages(&stored[..1], &stored).contains("extra in destination x1"));

    let small = corpus::large_attachment(200_000, 42);
    assert_eq!(
        small,
        corpus::large_attachment(200_000, 42),
        "deterministic"
    );
    assert_ne!(small, corpus::large_attachment(200_000, 43));
    assert!(small.ends_with(b"--large-42--\r\n"));
    let size = 21 * 1024 * 1024;
    let large = corpus::large_attachment(size, 42);
    assert!(
        large.len() <= size && large.len() > size - 1024,
        "{} vs {size}",
        large.len()
    );
    imap.create("Large").await;
    imap.append("Large", &[], "01-Feb-2021 10:00:00 +0000", &large)
        .await;
    let fetched = imap.fetch_all("Large").await;
    assert!(fetched[0].body == large, "21 MB message changed on the way");
    imap.logout().await;
}

#[test]
fn harness_urls_and_paths() {
    let server = Dovecot::start(two_users(Layout::Plain));
    assert_eq!(
        server.url_imaps("bob@example.com"),
        format!(
            "imaps://bob%40example.com@127.0.0.1:{}",
            server.imaps_port()
        )
    );
    assert_eq!(
        server.url_starttls("alice"),
        format!("imap://alice@127.0.0.1:{}", server.imap_port())
    );
    assert!(server.dir().join("dovecot.conf").exists());
    assert!(
        server.log_tail().contains("starting up"),
        "{}",
        server.log_tail()
    );
    assert!(crate::harness::mailferry_bin().exists());
    let state = crate::harness::fresh_state_dir();
    assert_eq!(std::fs::read_dir(state.path()).unwrap().count(), 0);
}
