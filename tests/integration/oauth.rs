//! OAuth2 sign-in (XOAUTH2 and OAUTHBEARER) through the real binary, against Dovecot
//! instances whose `oauth2` passdb checks every token with the harness IdP, and self-tests
//! showing that the IdP stand-in speaks the Microsoft identity platform protocol.
//!
//! Every migration is checked the way the other modules check theirs: exit status, the JSON
//! report, the destination compared message by message (body SHA-256, flags, INTERNALDATE)
//! with the harness's own IMAP client, or left exactly as it was after a refusal. No token
//! may show up on stdout, stderr or anywhere in the state dir (runs use `MAILFERRY_LOG=trace`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncBufReadExt;

use crate::harness::client::tls_connect;
use crate::harness::idp::{pkce_s256, DEVICE_CODE_GRANT, IMAP_SCOPE};
use crate::harness::run::{mailferry, Outcome};
use crate::harness::{
    assert_same_messages, corpus, fresh_state_dir, Dovecot, DovecotConfig, Idp, IdpEndpoint,
    Layout, StoredMessage, TestImap,
};

/// Long enough that no token expires during a test unless the test wants it to.
const TOKEN_LIFETIME: Duration = Duration::from_secs(600);

const ALICE_PW: &str = "Alice-Src-Pw-5521";
const BOB_PW: &str = "Bob-Dst-Pw-7730";
const ADMIN_PW: &str = "Admin-Pw-1184";

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

/// How one side signs in.
#[derive(Clone, Copy)]
enum Secret<'a> {
    Password(&'a str),
    Token(&'a str),
}

/// `mailferry migrate` from `source` to `dest`, each side's secret handed over in an
/// environment variable, the test CA trusted, `--json`; `extra` is appended. Logging is
/// at its most talkative so that the state dir's log would show any leaked token.
fn migrate(
    source: (&str, Secret<'_>),
    dest: (&str, Secret<'_>),
    ca_file: &Path,
    state_dir: &Path,
    extra: &[&str],
) -> Outcome {
    let mut args: Vec<String> = vec![
        "migrate".into(),
        "--source".into(),
        source.0.into(),
        "--dest".into(),
        dest.0.into(),
    ];
    let mut env = vec![("MAILFERRY_LOG".to_string(), "mailferry=trace".to_string())];
    for (side, secret) in [("source", source.1), ("dest", dest.1)] {
        let (flag, var, value) = match secret {
            Secret::Password(pw) => ("password", format!("{side}_PW"), pw),
            Secret::Token(token) => ("token", format!("{side}_TOKEN"), token),
        };
        let var = var.to_uppercase();
        args.push(format!("--{side}-{flag}-env"));
        args.push(var.clone());
        env.push((var, value.to_string()));
    }
    args.extend(
        [
            "--ca-file",
            &ca_file.display().to_string(),
            "--state-dir",
            &state_dir.display().to_string(),
            "--timeout",
            "20",
            "--json",
        ]
        .iter()
        .map(|a| a.to_string()),
    );
    args.extend(extra.iter().map(|a| a.to_string()));
    mailferry(&args, &env)
}

// ---------------------------------------------------------------------------------------------
// Checking outcomes
// ---------------------------------------------------------------------------------------------

/// exit 0, "synced", every seeded folder reports all of its messages copied.
fn assert_synced_fresh_copy(out: &Outcome, expected: &BTreeMap<String, Vec<StoredMessage>>) {
    assert_eq!(out.code, 0, "expected success:\n{}", out.context());
    let report = out.json();
    assert_eq!(report["status"], "synced", "{}", out.context());
    for (folder, messages) in expected {
        let entry = report["folders"]
            .as_array()
            .and_then(|folders| folders.iter().find(|f| f["source"] == folder.as_str()))
            .unwrap_or_else(|| panic!("no folder {folder:?} in the report:\n{report:#}"));
        assert_eq!(entry["status"], "synced", "{folder}: {entry:#}");
        assert_eq!(
            entry["copied"].as_u64(),
            Some(messages.len() as u64),
            "{folder}: {entry:#}"
        );
    }
}

/// Exit 1, `"status": "failed"`, `errors[0]` of kind `authentication` naming `user`, told
/// on stderr too.
fn assert_authentication_failure(out: &Outcome, user: &str) {
    assert_eq!(out.code, 1, "expected exit status 1:\n{}", out.context());
    let report = out.json();
    assert_eq!(report["status"], "failed", "{}", out.context());
    let error = &report["errors"][0];
    assert_eq!(error["kind"], "authentication", "{}", out.context());
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(user),
        "the message should name the refused account {user:?}: {message:?}"
    );
    assert!(
        !error["hint"].as_str().unwrap_or_default().trim().is_empty(),
        "no hint:\n{}",
        out.context()
    );
    assert!(
        out.stderr.contains(message),
        "stderr does not tell the problem:\n{}",
        out.context()
    );
}

/// No token shows up on stdout, stderr, or in any file of the state dir.
fn assert_tokens_hidden(out: &Outcome, state_dir: &Path, tokens: &[&str]) {
    let mut files = Vec::new();
    collect_files(state_dir, &mut files);
    assert!(
        !files.is_empty(),
        "the state dir {} is empty: did mailferry use it?",
        state_dir.display()
    );
    for token in tokens {
        for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            assert!(
                !text.contains(token),
                "the token appears on {stream}:\n{}",
                out.context()
            );
        }
        for file in &files {
            let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            assert!(
                !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
                "the token is stored in {}",
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

/// Dovecot's whole log (auth, login and mail processes).
fn dovecot_log(server: &Dovecot) -> String {
    std::fs::read_to_string(server.dir().join("dovecot.log")).unwrap_or_default()
}

/// Dovecot's `Login:` lines: `user=<bob>, method=XOAUTH2, ...`.
fn logins(server: &Dovecot) -> Vec<String> {
    dovecot_log(server)
        .lines()
        .filter(|line| line.contains("imap-login: Info: Login: "))
        .map(str::to_string)
        .collect()
}

fn assert_logged_in_with(server: &Dovecot, user: &str, method: &str) {
    let needle = format!("user=<{user}>, method={method},");
    assert!(
        logins(server).iter().any(|line| line.contains(&needle)),
        "Dovecot never logged {needle:?}:\n{}",
        server.log_tail()
    );
}

/// Dovecot asked the IdP about a token of `user`, and the IdP answered `active`.
fn assert_introspected(idp: &Idp, user: &str, active: bool) {
    let checks = idp.introspections();
    assert!(
        checks
            .iter()
            .any(|r| r.user.as_deref() == Some(user) && r.active == Some(active)),
        "no introspection of {user}'s token answered active={active}: {checks:#?}"
    );
}

/// The capabilities in the implicit-TLS greeting, before any sign-in.
async fn greeting_capabilities(server: &Dovecot) -> String {
    let tls = tls_connect(server.imaps_port(), &server.ca_pem_path())
        .await
        .expect("TLS to Dovecot");
    let mut reader = tokio::io::BufReader::new(tls);
    let mut greeting = String::new();
    reader
        .read_line(&mut greeting)
        .await
        .expect("read greeting");
    greeting
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

/// Loads INBOX and `Projects` with corpus messages and returns what the server stores.
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

/// A destination for bob (and `others`) that accepts tokens checked by `idp`.
fn oauth_destination(idp: &Idp, others: &[(&str, &str)]) -> Dovecot {
    let mut cfg = DovecotConfig::new(Layout::Plain)
        .user("bob", BOB_PW)
        .oauth2(&idp.introspection_url());
    for (user, password) in others {
        cfg = cfg.user(user, password);
    }
    Dovecot::start(cfg)
}

// ---------------------------------------------------------------------------------------------
// Signing in with tokens
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn xoauth2_token_for_the_destination_is_checked_by_dovecot_and_copies_exactly() {
    let idp = Idp::start();
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", ALICE_PW));
    let dest = oauth_destination(&idp, &[]);
    let caps = greeting_capabilities(&dest).await;
    assert!(
        caps.contains("AUTH=XOAUTH2") && caps.contains("AUTH=OAUTHBEARER"),
        "{caps}"
    );
    let expected = seed_source(&source, "alice", ALICE_PW).await;
    let token = idp.issue_token("bob", TOKEN_LIFETIME);
    let state = fresh_state_dir();

    let out = migrate(
        (&source.url_imaps("alice"), Secret::Password(ALICE_PW)),
        (&dest.url_imaps("bob"), Secret::Token(&token)),
        &dest.ca_pem_path(),
        state.path(),
        &[],
    );

    assert_synced_fresh_copy(&out, &expected);
    assert_mailbox_copied(&expected, &dest, "bob", BOB_PW).await;
    // XOAUTH2 is preferred when both are offered, and Dovecot asked the IdP each time.
    assert_logged_in_with(&dest, "bob", "XOAUTH2");
    assert!(
        !logins(&dest)
            .iter()
            .any(|l| l.contains("method=OAUTHBEARER")),
        "{}",
        dest.log_tail()
    );
    assert_introspected(&idp, "bob", true);
    let token_logins = logins(&dest)
        .iter()
        .filter(|l| l.contains("method=XOAUTH2"))
        .count();
    assert!(
        idp.introspections().len() >= token_logins,
        "every token sign-in must be checked with the IdP ({token_logins} logins): {:#?}",
        idp.introspections()
    );
    assert_tokens_hidden(&out, state.path(), &[&token]);
}

#[tokio::test]
async fn oauthbearer_is_used_where_xoauth2_is_not_offered() {
    let idp = Idp::start();
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", ALICE_PW));
    let dest = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user("bob", BOB_PW)
            .oauth2(&idp.introspection_url())
            .oauth2_mechanisms(&["oauthbearer"]),
    );
    let caps = greeting_capabilities(&dest).await;
    assert!(
        caps.contains("AUTH=OAUTHBEARER") && !caps.contains("AUTH=XOAUTH2"),
        "{caps}"
    );
    let expected = seed_source(&source, "alice", ALICE_PW).await;
    let token = idp.issue_token("bob", TOKEN_LIFETIME);
    let state = fresh_state_dir();

    let out = migrate(
        (&source.url_imaps("alice"), Secret::Password(ALICE_PW)),
        (&dest.url_imaps("bob"), Secret::Token(&token)),
        &dest.ca_pem_path(),
        state.path(),
        &[],
    );

    assert_synced_fresh_copy(&out, &expected);
    assert_mailbox_copied(&expected, &dest, "bob", BOB_PW).await;
    assert_logged_in_with(&dest, "bob", "OAUTHBEARER");
    assert_introspected(&idp, "bob", true);
    assert_tokens_hidden(&out, state.path(), &[&token]);
}

#[tokio::test]
async fn a_token_signs_in_to_the_source_too() {
    let idp = Idp::start();
    let source = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user("alice", ALICE_PW)
            .oauth2(&idp.introspection_url()),
    );
    let dest = Dovecot::start(DovecotConfig::new(Layout::Plain).user("bob", BOB_PW));
    let expected = seed_source(&source, "alice", ALICE_PW).await;
    let token = idp.issue_token("alice", TOKEN_LIFETIME);
    let state = fresh_state_dir();

    let out = migrate(
        (&source.url_imaps("alice"), Secret::Token(&token)),
        (&dest.url_imaps("bob"), Secret::Password(BOB_PW)),
        &dest.ca_pem_path(),
        state.path(),
        &[],
    );

    assert_synced_fresh_copy(&out, &expected);
    assert_mailbox_copied(&expected, &dest, "bob", BOB_PW).await;
    assert_logged_in_with(&source, "alice", "XOAUTH2");
    assert_introspected(&idp, "alice", true);
    assert_tokens_hidden(&out, state.path(), &[&token]);
}

#[tokio::test]
async fn expired_or_revoked_token_is_an_authentication_error_and_touches_nothing() {
    let idp = Idp::start();
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", ALICE_PW));
    let dest = oauth_destination(&idp, &[]);
    seed_source(&source, "alice", ALICE_PW).await;
    let before = snapshot(&dest, "bob", BOB_PW).await;

    let expired = idp.issue_token("bob", Duration::ZERO);
    let revoked = idp.issue_token("bob", TOKEN_LIFETIME);
    idp.revoke(&revoked);

    for (case, token) in [("expired", &expired), ("revoked", &revoked)] {
        let checks_before = idp.introspections().len();
        let state = fresh_state_dir();
        let out = migrate(
            (&source.url_imaps("alice"), Secret::Password(ALICE_PW)),
            (&dest.url_imaps("bob"), Secret::Token(token)),
            &dest.ca_pem_path(),
            state.path(),
            &[],
        );
        assert_authentication_failure(&out, "bob");
        let checks = idp.introspections();
        let new_checks = &checks[checks_before..];
        assert!(
            !new_checks.is_empty()
                && new_checks
                    .iter()
                    .all(|r| r.user.as_deref() == Some("bob") && r.active == Some(false)),
            "{case}: Dovecot should have asked the IdP and been told inactive: {new_checks:#?}"
        );
        assert_eq!(snapshot(&dest, "bob", BOB_PW).await, before, "{case}");
        assert_tokens_hidden(&out, state.path(), &[token]);
    }
    assert!(
        !logins(&dest).iter().any(|l| l.contains("method=XOAUTH2")),
        "a dead token signed in:\n{}",
        dest.log_tail()
    );
}

#[tokio::test]
async fn a_token_issued_to_another_user_is_refused() {
    let idp = Idp::start();
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("carol", ALICE_PW));
    let dest = oauth_destination(&idp, &[("alice", ALICE_PW)]);
    seed_source(&source, "carol", ALICE_PW).await;
    let before = snapshot(&dest, "bob", BOB_PW).await;
    let alices = idp.issue_token("alice", TOKEN_LIFETIME);
    let state = fresh_state_dir();

    let out = migrate(
        (&source.url_imaps("carol"), Secret::Password(ALICE_PW)),
        (&dest.url_imaps("bob"), Secret::Token(&alices)),
        &dest.ca_pem_path(),
        state.path(),
        &[],
    );

    assert_authentication_failure(&out, "bob");
    // The token itself is fine; Dovecot refuses it because it names someone else.
    assert_introspected(&idp, "alice", true);
    let log = dovecot_log(&dest);
    assert!(
        log.contains("Username 'bob' did not match 'alice'"),
        "{}",
        dest.log_tail()
    );
    assert!(
        !logins(&dest).iter().any(|l| l.contains("method=XOAUTH2")),
        "{}",
        dest.log_tail()
    );
    assert_eq!(snapshot(&dest, "bob", BOB_PW).await, before);
    assert_tokens_hidden(&out, state.path(), &[&alices]);
}

/// `--dest-auth-user admin` with the admin's token: the engine must sign in for the
/// mailbox in the URL, i.e. send XOAUTH2 `user=bob` with the admin's bearer token.
///
/// Exchange Online accepts exactly that when the admin (or an app's service principal) has
/// FullAccess on bob's mailbox (`Add-MailboxPermission -AccessRights FullAccess`): the token
/// proves who signs in, `user=` names the mailbox to open. Dovecot 2.3's oauth2 passdb cannot
/// express delegation: it requires the introspected `username` to equal the SASL user
/// ("Username 'bob' did not match 'admin'"), for XOAUTH2 and OAUTHBEARER's `a=` alike, and it
/// sends the IdP only the token, so the IdP cannot answer per mailbox either. What can be
/// tested honestly is what the engine sends: Dovecot's auth log names the request `bob`
/// while the token it introspected is the admin's; the refusal is then reported as an
/// authentication error and bob's mailbox stays untouched.
#[tokio::test]
async fn delegated_admin_token_is_sent_for_the_mailbox_user() {
    let idp = Idp::start();
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", ALICE_PW));
    let dest = oauth_destination(&idp, &[("admin", ADMIN_PW)]);
    seed_source(&source, "alice", ALICE_PW).await;
    let before = snapshot(&dest, "bob", BOB_PW).await;
    let admins = idp.issue_token("admin", TOKEN_LIFETIME);
    let state = fresh_state_dir();

    let out = migrate(
        (&source.url_imaps("alice"), Secret::Password(ALICE_PW)),
        (&dest.url_imaps("bob"), Secret::Token(&admins)),
        &dest.ca_pem_path(),
        state.path(),
        &["--dest-auth-user", "admin"],
    );

    let log = dovecot_log(&dest);
    // `oauth2(bob,127.0.0.1,<session>): oauth2 failed: Introspection failed: ...`: the
    // passdb ran for the SASL user bob, with a token the IdP says is the admin's.
    assert!(
        log.lines().any(|l| l.contains("auth: Info: oauth2(bob,")
            && l.contains("Username 'bob' did not match 'admin'")),
        "the engine should send user=bob with the admin's token:\n{}",
        dest.log_tail()
    );
    assert!(
        !log.contains("oauth2(admin,"),
        "the engine signed in as the admin instead of for bob:\n{}",
        dest.log_tail()
    );
    assert_introspected(&idp, "admin", true);
    assert_authentication_failure(&out, "bob");
    assert!(
        !logins(&dest)
            .iter()
            .any(|l| l.contains("method=XOAUTH2") || l.contains("method=OAUTHBEARER")),
        "{}",
        dest.log_tail()
    );
    assert_eq!(snapshot(&dest, "bob", BOB_PW).await, before);
    assert_tokens_hidden(&out, state.path(), &[&admins]);
}

// ---------------------------------------------------------------------------------------------
// The IdP stand-in speaks the protocol
// ---------------------------------------------------------------------------------------------

fn http() -> reqwest::Client {
    crate::harness::idp::http_client_builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("HTTP client")
}

/// POSTs a form to the token endpoint; returns (status, JSON body).
async fn token_request(idp: &Idp, form: &[(&str, &str)]) -> (u16, Value) {
    let response = http()
        .post(idp.token_url("organizations"))
        .form(form)
        .send()
        .await
        .expect("token request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("token JSON"))
}

async fn introspect(idp: &Idp, token: &str) -> Value {
    http()
        .post(idp.introspection_url())
        .form(&[("token", token)])
        .send()
        .await
        .expect("introspection request")
        .json()
        .await
        .expect("introspection JSON")
}

/// An Entra ID error: the status, the `error`, and the AADSTS code leading the description.
fn assert_oauth_error(status: u16, body: &Value, want_status: u16, error: &str, aadsts: &str) {
    assert_eq!(status, want_status, "{body:#}");
    assert_eq!(body["error"], error, "{body:#}");
    let description = body["error_description"].as_str().unwrap_or_default();
    assert!(
        description.starts_with(&format!("{aadsts}: ")),
        "{description:?} should start with {aadsts}"
    );
    assert!(
        body["error_codes"][0].is_u64() && body["trace_id"].is_string(),
        "{body:#}"
    );
}

fn assert_bearer_response(status: u16, body: &Value, with_refresh: bool) -> String {
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(body["token_type"], "Bearer", "{body:#}");
    assert!(
        body["expires_in"].as_u64().is_some_and(|s| s > 0),
        "{body:#}"
    );
    assert!(body["scope"].is_string(), "{body:#}");
    assert_eq!(body["refresh_token"].is_string(), with_refresh, "{body:#}");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// The app's loopback redirect listener (RFC 8252): accepts one request, answers 200, and
/// returns the request target the browser was sent to.
fn loopback_redirect_receiver() -> (String, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind redirect listener");
    let uri = format!(
        "http://127.0.0.1:{}/callback",
        listener.local_addr().expect("addr").port()
    );
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("browser arrives");
        let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
        let mut request_line = String::new();
        reader.read_line(&mut request_line).expect("request line");
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
        }
        let page = "Signed in. You can close this window.";
        let mut stream = stream;
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{page}",
            page.len()
        );
        request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_string()
    });
    (uri, handle)
}

#[tokio::test]
async fn idp_authorization_code_with_pkce_round_trip() {
    let idp = Idp::start();
    idp.set_browser_user("alice");
    let (redirect_uri, receiver) = loopback_redirect_receiver();
    let verifier = "mUQ0pbx4Yq7o6BnLw8v4bWvZbX9r3JkVt2cHqgS1eA5sN0dPfRzyTi";
    let scope = format!("{IMAP_SCOPE} offline_access");

    // The browser opens the authorize URL and follows the redirect to the app.
    let authorize = url::Url::parse_with_params(
        &idp.authorize_url("common"),
        &[
            ("client_id", Idp::CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", &redirect_uri),
            ("scope", &scope),
            ("state", "st-8842"),
            ("code_challenge", &pkce_s256(verifier)),
            ("code_challenge_method", "S256"),
        ],
    )
    .expect("authorize URL");
    let page = http().get(authorize).send().await.expect("authorize");
    assert_eq!(page.status().as_u16(), 200);
    let target = receiver.join().expect("redirect receiver");
    let url = url::Url::parse(&format!("http://127.0.0.1{target}")).expect("redirect target");
    assert_eq!(url.path(), "/callback");
    let params: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(params.get("state").map(String::as_str), Some("st-8842"));
    let code = params.get("code").expect("code in the redirect").clone();

    let form = |verifier| {
        [
            ("grant_type", "authorization_code"),
            ("client_id", Idp::CLIENT_ID),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri.as_str()),
            ("code_verifier", verifier),
        ]
    };

    // A wrong verifier is refused, and does not use the code up.
    let wrong = form("not-the-verifier-that-was-hashed-at-authorize-time-000");
    let (status, body) = token_request(&idp, &wrong).await;
    assert_oauth_error(status, &body, 400, "invalid_grant", "AADSTS501481");

    let right = form(verifier);
    let (status, body) = token_request(&idp, &right).await;
    let access = assert_bearer_response(status, &body, true);
    assert_eq!(
        body["scope"], IMAP_SCOPE,
        "offline_access is not a resource scope"
    );
    let checked = introspect(&idp, &access).await;
    assert_eq!(checked["active"], true, "{checked:#}");
    assert_eq!(checked["username"], "alice", "{checked:#}");

    // A code is good once.
    let (status, body) = token_request(&idp, &right).await;
    assert_oauth_error(status, &body, 400, "invalid_grant", "AADSTS54005");

    let grants: Vec<Option<String>> = idp
        .requests()
        .into_iter()
        .filter(|r| r.endpoint == IdpEndpoint::Token)
        .map(|r| r.grant_type)
        .collect();
    assert_eq!(grants, vec![Some("authorization_code".to_string()); 3]);
}

#[tokio::test]
async fn idp_refresh_token_grant_and_revocation() {
    let idp = Idp::start();
    idp.set_access_token_lifetime(Duration::from_secs(120));
    let refresh = idp.issue_refresh_token("alice");

    let (status, body) = token_request(
        &idp,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", Idp::CLIENT_ID),
            ("refresh_token", &refresh),
        ],
    )
    .await;
    let access = assert_bearer_response(status, &body, true);
    assert_eq!(body["expires_in"], 120, "{body:#}");
    assert_ne!(
        body["refresh_token"],
        refresh.as_str(),
        "a new refresh token"
    );
    let checked = introspect(&idp, &access).await;
    assert_eq!(checked["username"], "alice", "{checked:#}");
    // A refresh token is no bearer token for a mail server.
    assert_eq!(introspect(&idp, &refresh).await["active"], false);
    assert!(idp
        .requests()
        .iter()
        .any(|r| r.endpoint == IdpEndpoint::Token
            && r.grant_type.as_deref() == Some("refresh_token")
            && r.status == 200
            && r.user.as_deref() == Some("alice")));

    idp.revoke(&refresh);
    let (status, body) = token_request(
        &idp,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", Idp::CLIENT_ID),
            ("refresh_token", &refresh),
        ],
    )
    .await;
    assert_oauth_error(status, &body, 400, "invalid_grant", "AADSTS50173");
    // A revoked access token is inactive at once.
    idp.revoke(&access);
    assert_eq!(
        introspect(&idp, &access).await,
        serde_json::json!({"active": false})
    );
    assert_eq!(introspect(&idp, "never-issued").await["active"], false);
}

#[tokio::test]
async fn idp_client_credentials() {
    let idp = Idp::start();
    idp.set_directory_users(3);
    let scope = "https://graph.microsoft.com/.default";

    let (status, body) = token_request(
        &idp,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", Idp::CLIENT_ID),
            ("client_secret", "wrong-secret"),
            ("scope", scope),
        ],
    )
    .await;
    assert_oauth_error(status, &body, 401, "invalid_client", "AADSTS7000215");

    let (status, body) = token_request(
        &idp,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", Idp::CLIENT_ID),
            ("client_secret", Idp::CLIENT_SECRET),
            ("scope", "User.Read.All"),
        ],
    )
    .await;
    assert_oauth_error(status, &body, 400, "invalid_scope", "AADSTS1002012");

    let (status, body) = token_request(
        &idp,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", Idp::CLIENT_ID),
            ("client_secret", Idp::CLIENT_SECRET),
            ("scope", scope),
        ],
    )
    .await;
    let app_token = assert_bearer_response(status, &body, false);
    let users: Value = http()
        .get(idp.graph_users_url())
        .bearer_auth(&app_token)
        .send()
        .await
        .expect("Graph users")
        .json()
        .await
        .expect("Graph JSON");
    assert_eq!(
        users["value"].as_array().map(Vec::len),
        Some(3),
        "{users:#}"
    );
}

#[tokio::test]
async fn idp_device_code_is_pending_until_approved() {
    let idp = Idp::start();
    let response: Value = http()
        .post(idp.device_code_url("common"))
        .form(&[
            ("client_id", Idp::CLIENT_ID),
            ("scope", &format!("{IMAP_SCOPE} offline_access")),
        ])
        .send()
        .await
        .expect("devicecode")
        .json()
        .await
        .expect("devicecode JSON");
    for field in ["device_code", "user_code", "verification_uri", "message"] {
        assert!(response[field].is_string(), "{field}: {response:#}");
    }
    assert!(response["expires_in"].as_u64().is_some_and(|s| s > 0));
    assert!(response["interval"].as_u64().is_some_and(|s| s > 0));
    let user_code = response["user_code"].as_str().unwrap_or_default();
    assert!(response["message"]
        .as_str()
        .unwrap_or_default()
        .contains(user_code));
    let device_code = response["device_code"].as_str().unwrap_or_default();
    let poll = [
        ("grant_type", DEVICE_CODE_GRANT),
        ("client_id", Idp::CLIENT_ID),
        ("device_code", device_code),
    ];

    for _ in 0..2 {
        let (status, body) = token_request(&idp, &poll).await;
        assert_oauth_error(status, &body, 400, "authorization_pending", "AADSTS70016");
    }
    idp.approve_device_code(user_code, "carol");
    let (status, body) = token_request(&idp, &poll).await;
    let access = assert_bearer_response(status, &body, true);
    assert_eq!(introspect(&idp, &access).await["username"], "carol");
    // Redeemed once only.
    let (status, body) = token_request(&idp, &poll).await;
    assert_eq!(
        (status, &body["error"]),
        (400, &Value::from("invalid_grant"))
    );
    let polls = idp
        .requests()
        .iter()
        .filter(|r| r.grant_type.as_deref() == Some(DEVICE_CODE_GRANT))
        .count();
    assert_eq!(polls, 4);
}

#[tokio::test]
async fn idp_graph_users_pages_through_the_whole_directory() {
    let idp = Idp::start();
    idp.set_directory_users(1200);

    // No token, an unknown one, an expired one: 401 InvalidAuthenticationToken.
    let expired = idp.issue_token("alice", Duration::ZERO);
    for token in [None, Some("not-a-token"), Some(expired.as_str())] {
        let mut request = http().get(idp.graph_users_url());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("Graph users");
        assert_eq!(response.status().as_u16(), 401);
        let body: Value = response.json().await.expect("Graph error JSON");
        assert_eq!(
            body["error"]["code"], "InvalidAuthenticationToken",
            "{body:#}"
        );
    }

    let token = idp.issue_token("admin", TOKEN_LIFETIME);
    let mut next = Some(format!("{}?$top=100", idp.graph_users_url()));
    let mut pages = 0;
    let mut names = Vec::new();
    while let Some(url) = next.take() {
        let page: Value = http()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("Graph page")
            .json()
            .await
            .expect("Graph page JSON");
        pages += 1;
        let users = page["value"].as_array().expect("value array");
        assert!(users.len() <= 100, "page {pages} has {}", users.len());
        names.extend(
            users
                .iter()
                .map(|u| u["userPrincipalName"].as_str().expect("UPN").to_string()),
        );
        next = page["@odata.nextLink"].as_str().map(str::to_string);
        assert!(pages <= 12, "paging does not end");
    }
    assert_eq!(pages, 12);
    let expected: Vec<String> = (0..1200).map(Idp::directory_user).collect();
    assert_eq!(names, expected);

    let (status, bad_top) = {
        let response = http()
            .get(format!("{}?$top=1000", idp.graph_users_url()))
            .bearer_auth(&token)
            .send()
            .await
            .expect("Graph users");
        let status = response.status().as_u16();
        (status, response.json::<Value>().await.expect("JSON"))
    };
    assert_eq!(status, 400);
    assert_eq!(bad_top["error"]["code"], "Request_UnsupportedQuery");
}

/// Who `/authorize` signs in: the `login_hint` account when the stand-in knows it (anyone
/// while it has no list of users), else the browser's user.
#[tokio::test]
async fn idp_login_hint_picks_the_account_that_signs_in() {
    let http = crate::harness::idp::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client");
    let known: &[&str] = &["Ben@Contoso.test"];
    for (browser, known, hint, expected) in [
        (
            None,
            None,
            Some("anna@contoso.test"),
            Some("anna@contoso.test"),
        ),
        (Some("alice"), None, None, Some("alice")),
        (Some("alice"), None, Some("ben"), Some("ben")),
        (
            Some("alice"),
            Some(known),
            Some("ben@contoso.test"),
            Some("Ben@Contoso.test"),
        ),
        (Some("alice"), Some(known), Some("carla"), Some("alice")),
        (None, Some(known), Some("carla"), None),
    ] {
        let idp = Idp::start();
        if let Some(browser) = browser {
            idp.set_browser_user(browser);
        }
        if let Some(known) = known {
            idp.set_known_users(known);
        }
        let mut params = vec![
            ("client_id", Idp::CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", "http://127.0.0.1:9/callback"),
            ("scope", IMAP_SCOPE),
            ("state", "st-1"),
        ];
        if let Some(hint) = hint {
            params.push(("login_hint", hint));
        }
        let url = url::Url::parse_with_params(&idp.authorize_url("common"), &params).expect("URL");
        let answer = http.get(url).send().await.expect("authorize");
        assert_eq!(answer.status().as_u16(), 302);
        let location = answer
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let signed_in = idp
            .requests()
            .into_iter()
            .find(|r| r.endpoint == IdpEndpoint::Authorize)
            .and_then(|r| r.user);
        match expected {
            Some(user) => {
                assert!(location.contains("code="), "{hint:?}: {location}");
                assert_eq!(signed_in.as_deref(), Some(user), "{hint:?}");
            }
            None => assert!(location.contains("error=login_required"), "{location}"),
        }
    }
}
