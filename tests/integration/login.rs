//! `mailferry login` against the identity-provider stand-in, the real OS keyring and Dovecot
//! instances that check every token with the stand-in: browser and device-code sign-in,
//! migrations that sign in with the stored sign-in while tokens expire under them, revoked
//! sign-ins, app sign-in (client credentials) and Graph's user list. Nothing is mocked:
//! the binary talks HTTP to the stand-in and IMAP to Dovecot, secrets go to the keyring.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::run::{mailferry, Outcome};
use crate::harness::{
    assert_same_messages, fresh_state_dir, keyring, mailferry_bin, CutPlan, CutProxy, Direction,
    Dovecot, DovecotConfig, Idp, Layout, StoredMessage, TestImap,
};

pub(crate) const SOURCE_PW: &str = "Src-Pw-4410";
pub(crate) const DEST_PW: &str = "Dst-Pw-8812";

pub(crate) fn unique(prefix: &str) -> String {
    format!("{prefix}{:08x}", rand::random::<u32>())
}

pub(crate) fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// A home, config and data folder for the child, so the test can prove nothing lands in files.
pub(crate) struct Home {
    pub(crate) dir: tempfile::TempDir,
}

impl Home {
    pub(crate) fn new() -> Home {
        Home {
            dir: tempfile::Builder::new()
                .prefix("mailferry-home-")
                .tempdir()
                .expect("temp home"),
        }
    }

    pub(crate) fn env(&self) -> Vec<(String, String)> {
        let p = self.dir.path();
        vec![
            ("HOME".into(), p.display().to_string()),
            (
                "XDG_CONFIG_HOME".into(),
                p.join("config").display().to_string(),
            ),
            ("XDG_DATA_HOME".into(), p.join("data").display().to_string()),
            (
                "XDG_STATE_HOME".into(),
                p.join("state").display().to_string(),
            ),
            (
                "XDG_CACHE_HOME".into(),
                p.join("cache").display().to_string(),
            ),
            ("MAILFERRY_LOG".into(), "mailferry=trace".into()),
        ]
    }
}

/// The `login microsoft` arguments pointing at the stand-in; `extra` appended.
pub(crate) fn login_args(idp: &Idp, extra: &[&str]) -> Vec<String> {
    let mut args = strings(&[
        "login",
        "microsoft",
        "--client-id",
        Idp::CLIENT_ID,
        "--authority-url",
        &idp.base_url(),
        "--graph-url",
        &idp.base_url(),
    ]);
    args.extend(strings(extra));
    args
}

/// A running `mailferry` whose stdout the test reads line by line while it runs.
pub(crate) struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    stderr: std::thread::JoinHandle<String>,
}

impl Running {
    pub(crate) fn spawn(args: &[String], env: &[(String, String)]) -> Running {
        let mut child = Command::new(mailferry_bin())
            .args(args)
            .env_remove("MAILFERRY_LOG")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run mailferry");
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
            text
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
            stderr,
        }
    }

    /// The first stdout line for which `pick` gives something, within 30 s.
    pub(crate) fn wait_line<T>(&mut self, what: &str, pick: impl Fn(&str) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            match self.lines.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => {
                    let found = pick(&line);
                    self.seen.push(line);
                    if let Some(found) = found {
                        return found;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let _ = self.child.kill();
        panic!(
            "mailferry never printed {what}; stdout so far:\n{}",
            self.seen.join("\n")
        );
    }

    /// Waits (at most 60 s) for the exit; everything it printed.
    pub(crate) fn finish(mut self) -> Outcome {
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("poll child") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "mailferry did not finish; stdout:\n{}",
                    self.seen.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
            self.seen.push(line);
        }
        Outcome {
            code: status.code().unwrap_or(-1),
            stdout: self.seen.join("\n"),
            stderr: self.stderr.join().unwrap_or_default(),
            what: "mailferry login".into(),
            peak_memory_kb: 0,
        }
    }
}

fn http() -> reqwest::Client {
    crate::harness::idp::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

/// What a browser does: open the authorize URL (the stand-in's user is signed in), follow
/// its redirect to Mailferry's loopback listener, and show the page it answers with.
async fn follow_in_browser(authorize_url: &str) -> String {
    // Microsoft's registrations list `http://localhost`, so that is the redirect's host; the
    // listener behind it is on the IPv4 loopback address.
    follow_in_browser_to(authorize_url, "http://localhost:").await
}

/// `follow_in_browser` for a redirect that must start with `loopback`.
pub(crate) async fn follow_in_browser_to(authorize_url: &str, loopback: &str) -> String {
    let http = http();
    let answer = http.get(authorize_url).send().await.expect("GET authorize");
    assert_eq!(answer.status().as_u16(), 302, "authorize should redirect");
    let location = answer
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("redirect location")
        .to_string();
    assert!(
        location.starts_with(loopback) && location.contains("code="),
        "{location}"
    );
    let page = http.get(&location).send().await.expect("GET loopback");
    assert_eq!(page.status().as_u16(), 200);
    page.text().await.expect("loopback page")
}

/// `mailferry login microsoft --no-browser` completed by following the printed URL.
async fn browser_login(idp: &Idp, home: &Home, extra: &[&str]) -> Outcome {
    let mut args = login_args(idp, &["--no-browser"]);
    args.extend(strings(extra));
    browser_login_with(&args, &home.env()).await
}

/// `mailferry ARGS` (a browser sign-in) completed by following the printed URL.
async fn browser_login_with(args: &[String], env: &[(String, String)]) -> Outcome {
    let mut running = Running::spawn(args, env);
    let url = running.wait_line("the sign-in address", |line| {
        line.starts_with("http://").then(|| line.to_string())
    });
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    assert!(url.contains("state="), "{url}");
    let page = follow_in_browser(&url).await;
    assert!(page.contains("close this window"), "{page}");
    running.finish()
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// None of `secrets` is on the outcomes' stdout/stderr or in any file under `dirs`.
pub(crate) fn assert_hidden(outcomes: &[&Outcome], dirs: &[&Path], secrets: &[String]) {
    assert!(!secrets.is_empty(), "no secrets to look for");
    let mut files = Vec::new();
    for dir in dirs {
        collect_files(dir, &mut files);
    }
    for secret in secrets {
        for out in outcomes {
            assert!(
                !out.stdout.contains(secret) && !out.stderr.contains(secret),
                "a secret shows in the output:\n{}",
                out.context()
            );
        }
        for file in &files {
            let bytes = std::fs::read(file).unwrap_or_default();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "a secret is stored in {}",
                file.display()
            );
        }
    }
}

pub(crate) fn every_secret(idp: &Idp) -> Vec<String> {
    let mut secrets = idp.issued_tokens();
    secrets.push(Idp::CLIENT_SECRET.to_string());
    secrets
}

pub(crate) fn logout(name: &str) {
    let (provider, account) = name.split_once(':').expect("PROVIDER:ACCOUNT");
    let out = mailferry(
        &strings(&["logout", provider, account]),
        &[] as &[(&str, &str)],
    );
    out.assert_code(0);
}

/// `count` messages of about `size` bytes each, distinct and ready to APPEND.
fn bulk_messages(owner: &str, folder: &str, count: usize, size: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|n| {
            let mut body = format!(
                "From: sender{n}@example.com\r\nTo: {owner}@example.com\r\n\
                 Subject: {folder} message {n}\r\nMessage-ID: <{owner}.{folder}.{n}@example.com>\r\n\
                 Date: Mon, 3 Mar 2025 10:00:00 +0000\r\n\r\n"
            );
            let line = format!("{folder} {n} lorem ipsum dolor sit amet consectetur\r\n");
            while body.len() < size {
                body.push_str(&line);
            }
            body.into_bytes()
        })
        .collect()
}

/// Seeds `folders` with `per_folder` messages each; returns what the server stores.
pub(crate) async fn seed(
    server: &Dovecot,
    user: &str,
    folders: &[&str],
    per_folder: usize,
    size: usize,
) -> Vec<(String, Vec<StoredMessage>)> {
    let mut imap = TestImap::connect(server, user, SOURCE_PW).await;
    let mut out = Vec::new();
    for folder in folders {
        if *folder != "INBOX" {
            imap.create(folder).await;
        }
        for body in bulk_messages(user, folder, per_folder, size) {
            imap.append(folder, &[], "03-Mar-2025 10:00:00 +0000", &body)
                .await;
        }
        out.push((folder.to_string(), imap.fetch_all(folder).await));
    }
    imap.logout().await;
    out
}

pub(crate) async fn assert_copied(
    expected: &[(String, Vec<StoredMessage>)],
    dest: &Dovecot,
    user: &str,
) {
    let mut imap = TestImap::connect(dest, user, DEST_PW).await;
    for (folder, messages) in expected {
        let copied = imap.fetch_all(folder).await;
        assert_same_messages(messages, &copied);
    }
    imap.logout().await;
}

pub(crate) fn oauth_dest(idp: &Idp, user: &str) -> Dovecot {
    Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user(user, DEST_PW)
            .oauth2(&idp.introspection_url()),
    )
}

/// `mailferry migrate` from a password source into `dest_url`, with `extra` sign-in flags.
pub(crate) fn migrate(
    source: &Dovecot,
    src_user: &str,
    dest_url: &str,
    state: &Path,
    home: &Home,
    extra: &[&str],
) -> Outcome {
    let mut args = strings(&[
        "migrate",
        "--source",
        &source.url_imaps(src_user),
        "--source-password-env",
        "SOURCE_PW",
        "--dest",
        dest_url,
        "--ca-file",
        &source.ca_pem_path().display().to_string(),
        "--state-dir",
        &state.display().to_string(),
        "--timeout",
        "20",
        "--json",
    ]);
    args.extend(strings(extra));
    let mut env = home.env();
    env.push(("SOURCE_PW".into(), SOURCE_PW.into()));
    mailferry(&args, &env)
}

fn introspections_of(idp: &Idp, user: &str) -> Vec<bool> {
    idp.introspections()
        .iter()
        .filter(|r| r.user.as_deref() == Some(user))
        .filter_map(|r| r.active)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Signing in
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn browser_sign_in_keeps_the_refresh_token_in_the_keyring_and_migrates_with_it() {
    let idp = Idp::start();
    let user = unique("bob");
    idp.set_browser_user(&user);
    let home = Home::new();

    let out = browser_login(&idp, &home, &[]).await;
    out.assert_code(0);
    let name = format!("microsoft:{user}");
    assert!(
        out.stdout.contains(&format!("Signed in as {user}")),
        "{}",
        out.context()
    );
    assert!(out.stdout.contains(&name), "{}", out.context());

    // PKCE was checked by the stand-in (it refuses a wrong or missing verifier).
    let code_grants: Vec<_> = idp
        .requests()
        .into_iter()
        .filter(|r| r.grant_type.as_deref() == Some("authorization_code"))
        .collect();
    assert_eq!(code_grants.len(), 1, "{code_grants:#?}");
    assert_eq!(code_grants[0].status, 200, "{code_grants:#?}");

    let refresh = idp.refresh_tokens_of(&user);
    assert_eq!(refresh.len(), 1);
    let stored = keyring::lookup(&format!("oauth:{name}")).expect("the sign-in is in the keyring");
    assert!(
        stored.contains(&refresh[0]),
        "the refresh token is not in the keyring entry"
    );
    let listed = mailferry(&strings(&["login", "list", "--json"]), &home.env());
    listed.assert_code(0);
    assert!(
        listed
            .json()
            .as_array()
            .expect("list")
            .iter()
            .any(|s| s["name"] == name.as_str()),
        "{}",
        listed.context()
    );

    // The stored sign-in signs in to Dovecot, which checks the token with the stand-in.
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", SOURCE_PW));
    let dest = oauth_dest(&idp, &user);
    let expected = seed(&source, "alice", &["INBOX", "Projects"], 5, 2_000).await;
    let state = fresh_state_dir();
    let run = migrate(
        &source,
        "alice",
        &dest.url_imaps(&user),
        state.path(),
        &home,
        &["--dest-login", &name],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.context(), dest.log_tail());
    assert_eq!(run.json()["status"], "synced");
    assert_copied(&expected, &dest, &user).await;
    assert!(introspections_of(&idp, &user).contains(&true));

    assert_hidden(
        &[&out, &listed, &run],
        &[home.dir.path(), state.path()],
        &every_secret(&idp),
    );

    logout(&name);
    assert_eq!(keyring::lookup(&format!("oauth:{name}")), None);
    let listed = mailferry(&strings(&["login", "list", "--json"]), &home.env());
    assert!(
        !listed.stdout.contains(&name),
        "still listed after logout:\n{}",
        listed.context()
    );
}

#[tokio::test]
async fn device_code_sign_in_waits_for_approval_then_stores_the_sign_in() {
    let idp = Idp::start();
    let user = unique("carol");
    let home = Home::new();
    let mut running = Running::spawn(&login_args(&idp, &["--device-code"]), &home.env());
    let code = running.wait_line("the user code", |line| {
        line.strip_prefix("Code: ").map(str::to_string)
    });
    // Pending first: let it poll a few times before the user approves.
    std::thread::sleep(Duration::from_millis(2_500));
    let pending = idp
        .requests()
        .iter()
        .filter(|r| r.error.as_deref() == Some("authorization_pending"))
        .count();
    assert!(pending >= 1, "it should have polled while pending");
    idp.approve_device_code(&code, &user);
    let out = running.finish();
    out.assert_code(0);
    assert!(
        out.stdout.contains(&format!("Signed in as {user}")),
        "{}",
        out.context()
    );
    let name = format!("microsoft:{user}");
    let stored = keyring::lookup(&format!("oauth:{name}")).expect("in the keyring");
    assert!(stored.contains(&idp.refresh_tokens_of(&user)[0]));
    assert_hidden(&[&out], &[home.dir.path()], &every_secret(&idp));
    logout(&name);
}

// ---------------------------------------------------------------------------------------------
// Tokens running out during a migration
// ---------------------------------------------------------------------------------------------

/// Access tokens live 1 second; the connection to the destination is cut four times, so
/// the run reconnects long after the first token died. Every reconnect signs in with a
/// token refreshed in time, the copy resumes where it was, and the destination ends up an
/// exact copy. The first token really is dead: Dovecot refuses it afterwards.
#[tokio::test]
async fn tokens_expiring_mid_run_are_refreshed_and_the_copy_is_exact() {
    let idp = Idp::start();
    // One second: shorter than any run with four reconnects (each waits out a backoff), so
    // tokens die mid-run however fast the machine is.
    idp.set_access_token_lifetime(Duration::from_secs(1));
    let user = unique("dave");
    idp.set_browser_user(&user);
    let home = Home::new();
    browser_login(&idp, &home, &[]).await.assert_code(0);
    let name = format!("microsoft:{user}");

    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", SOURCE_PW));
    let dest = oauth_dest(&idp, &user);
    let expected = seed(
        &source,
        "alice",
        &["INBOX", "Projects", "Clients"],
        120,
        12_000,
    )
    .await;
    let proxy = CutProxy::start(
        dest.imaps_port(),
        CutPlan::new(Direction::ClientToServer, 400_000, 4),
    );
    let dest_url = format!("imaps://{user}@127.0.0.1:{}", proxy.port());
    let state = fresh_state_dir();
    let started = Instant::now();
    let run = migrate(
        &source,
        "alice",
        &dest_url,
        state.path(),
        &home,
        &["--dest-login", &name, "--connections", "2"],
    );
    let took = started.elapsed();

    assert_eq!(run.code, 0, "{}\n{}", run.context(), dest.log_tail());
    assert_eq!(run.json()["status"], "synced", "{}", run.context());
    assert!(
        proxy.cuts_done() >= 2,
        "the proxy cut {} connections",
        proxy.cuts_done()
    );
    assert!(
        took > Duration::from_secs(1),
        "the run ({took:?}) outlived no token"
    );
    assert_copied(&expected, &dest, &user).await;
    // The first access token came from the stored refresh token, later ones replaced it.
    assert!(
        idp.refresh_count() >= 2,
        "refreshes: {}",
        idp.refresh_count()
    );
    let checks = introspections_of(&idp, &user);
    assert!(checks.iter().filter(|a| **a).count() >= 3, "{checks:?}");

    // Dovecot really refuses an expired token: try the first one again.
    let first = idp.access_tokens_of(&user)[0].clone();
    let before = introspections_of(&idp, &user).len();
    let mut env = home.env();
    env.push(("DEAD_TOKEN".into(), first.clone()));
    env.push(("SOURCE_PW".into(), SOURCE_PW.into()));
    let dead = mailferry(
        &strings(&[
            "migrate",
            "--source",
            &source.url_imaps("alice"),
            "--source-password-env",
            "SOURCE_PW",
            "--dest",
            &dest.url_imaps(&user),
            "--dest-token-env",
            "DEAD_TOKEN",
            "--ca-file",
            &source.ca_pem_path().display().to_string(),
            "--state-dir",
            &state.path().display().to_string(),
            "--json",
        ]),
        &env,
    );
    assert_eq!(dead.code, 1, "{}", dead.context());
    assert_eq!(dead.json()["errors"][0]["kind"], "authentication");
    assert_eq!(
        &introspections_of(&idp, &user)[before..],
        &[false],
        "Dovecot must ask and be told inactive"
    );

    assert_hidden(
        &[&run],
        &[home.dir.path(), state.path()],
        &every_secret(&idp),
    );
    logout(&name);
}

/// The stand-in revokes the access tokens in use right after the first sign-in (as
/// Continuous Access Evaluation may): Dovecot refuses the token Mailferry still thinks
/// good, and Mailferry fetches a new one at once and carries on.
#[tokio::test]
async fn a_token_refused_before_its_expiry_is_replaced_at_once() {
    let idp = std::sync::Arc::new(Idp::start());
    let user = unique("erin");
    idp.set_browser_user(&user);
    let home = Home::new();
    browser_login(&idp, &home, &[]).await.assert_code(0);
    let name = format!("microsoft:{user}");

    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", SOURCE_PW));
    let dest = oauth_dest(&idp, &user);
    let expected = seed(&source, "alice", &["INBOX", "Projects"], 80, 10_000).await;
    let proxy = CutProxy::start(
        dest.imaps_port(),
        CutPlan::new(Direction::ClientToServer, 200_000, 1),
    );
    let revoker = {
        let idp = idp.clone();
        let user = user.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if introspections_of(&idp, &user).contains(&true) {
                    idp.revoke_all_of(&user, false);
                    return true;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            false
        })
    };
    let dest_url = format!("imaps://{user}@127.0.0.1:{}", proxy.port());
    let state = fresh_state_dir();
    let run = migrate(
        &source,
        "alice",
        &dest_url,
        state.path(),
        &home,
        &["--dest-login", &name, "--connections", "1"],
    );
    assert!(revoker.join().expect("revoker"), "nothing signed in");

    assert_eq!(run.code, 0, "{}\n{}", run.context(), dest.log_tail());
    assert_copied(&expected, &dest, &user).await;
    let checks = introspections_of(&idp, &user);
    let refused = checks
        .iter()
        .position(|a| !a)
        .unwrap_or_else(|| panic!("Dovecot never refused a token: {checks:?}"));
    assert!(
        checks[refused..].contains(&true),
        "no sign-in after the refusal: {checks:?}"
    );
    assert!(
        idp.refresh_count() >= 2,
        "refreshes: {}",
        idp.refresh_count()
    );
    assert_hidden(
        &[&run],
        &[home.dir.path(), state.path()],
        &every_secret(&idp),
    );
    logout(&name);
}

// ---------------------------------------------------------------------------------------------
// Revoked sign-ins
// ---------------------------------------------------------------------------------------------

fn assert_sign_in_again(problem: &Value, context: &str) {
    assert_eq!(problem["kind"], "authentication", "{context}");
    let hint = problem["hint"].as_str().unwrap_or_default();
    assert!(hint.contains("Sign in again"), "hint {hint:?}\n{context}");
}

#[tokio::test]
async fn a_revoked_sign_in_fails_the_migration_and_the_batch_user_with_sign_in_again() {
    let idp = Idp::start();
    let user = unique("frank");
    idp.set_browser_user(&user);
    let home = Home::new();
    browser_login(&idp, &home, &[]).await.assert_code(0);
    let name = format!("microsoft:{user}");
    idp.revoke_all_of(&user, true);

    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", SOURCE_PW));
    let dest = oauth_dest(&idp, &user);
    seed(&source, "alice", &["INBOX"], 3, 1_000).await;
    let state = fresh_state_dir();
    let run = migrate(
        &source,
        "alice",
        &dest.url_imaps(&user),
        state.path(),
        &home,
        &["--dest-login", &name],
    );
    assert_eq!(run.code, 1, "{}", run.context());
    assert_sign_in_again(&run.json()["errors"][0], &run.context());
    assert!(run.stderr.contains("Sign in again"), "{}", run.context());

    // A batch whose destination signs in with the same stored sign-in (the mailbox name
    // does not matter: no token can be had for any mailbox).
    let csv = state.path().join("users.csv");
    std::fs::write(
        &csv,
        format!("EmailAddress,UserName,Password\r\n{user}@contoso.example,alice,{SOURCE_PW}\r\n"),
    )
    .expect("csv");
    let batch_state = fresh_state_dir();
    let batch = |words: &[&str]| {
        let mut args = strings(&["batch"]);
        args.extend(strings(words));
        args.extend(strings(&[
            "--state-dir",
            &batch_state.path().display().to_string(),
        ]));
        mailferry(&args, &home.env())
    };
    let source_server = format!("imaps://127.0.0.1:{}", source.imaps_port());
    let dest_server = format!("imaps://127.0.0.1:{}", dest.imaps_port());
    let batch_name = unique("revoked");
    let created = batch(&[
        "create",
        "--csv",
        &csv.display().to_string(),
        "--source",
        &source_server,
        "--dest",
        &dest_server,
        "--name",
        &batch_name,
        "--dest-login",
        &name,
        "--ca-file",
        &source.ca_pem_path().display().to_string(),
        "--retry-wait",
        "1",
    ]);
    created.assert_code(0);
    let started = batch(&["start", &batch_name, "--once"]);
    assert_eq!(started.code, 1, "{}", started.context());
    let status = batch(&["status", &batch_name, "--json", "--no-dns"]);
    status.assert_code(0);
    let status = status.json();
    let row = &status["users"][0];
    assert_eq!(row["status"], "Failed", "{status:#}");
    assert_sign_in_again(&row["error"], &format!("{status:#}"));
    let deleted = batch(&["delete", &batch_name]);
    deleted.assert_code(0);
    assert_hidden(
        &[&run, &created, &started],
        &[home.dir.path(), state.path(), batch_state.path()],
        &every_secret(&idp),
    );
    logout(&name);
}

// ---------------------------------------------------------------------------------------------
// The app's own sign-in, and the directory
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn client_credentials_are_checked_stored_and_explain_missing_mailbox_access() {
    let idp = Idp::start();
    let home = Home::new();
    let tenant = format!("{}.example", unique("contoso"));
    let mut env = home.env();
    env.push(("APP_SECRET".into(), Idp::CLIENT_SECRET.into()));
    env.push(("WRONG_SECRET".into(), "not-the-secret".into()));

    let wrong = mailferry(
        &login_args(
            &idp,
            &[
                "--client-credentials",
                "--tenant",
                &tenant,
                "--client-secret-env",
                "WRONG_SECRET",
            ],
        ),
        &env,
    );
    assert_eq!(wrong.code, 1, "{}", wrong.context());
    assert!(
        wrong.stderr.contains("client secret"),
        "{}",
        wrong.context()
    );

    let out = mailferry(
        &login_args(
            &idp,
            &[
                "--client-credentials",
                "--tenant",
                &tenant,
                "--client-secret-env",
                "APP_SECRET",
            ],
        ),
        &env,
    );
    out.assert_code(0);
    let name = format!("microsoft-app:{tenant}");
    let stored =
        keyring::lookup(&format!("oauth:{name}")).expect("the app sign-in is in the keyring");
    assert!(stored.contains(Idp::CLIENT_SECRET));
    assert!(idp
        .requests()
        .iter()
        .any(|r| r.grant_type.as_deref() == Some("client_credentials") && r.status == 200));

    // An app token names no user, so Dovecot (like Exchange without the mailbox permission)
    // refuses it for bob: the error says which Exchange steps are missing.
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", SOURCE_PW));
    let dest = oauth_dest(&idp, "bob");
    seed(&source, "alice", &["INBOX"], 2, 1_000).await;
    let state = fresh_state_dir();
    let run = migrate(
        &source,
        "alice",
        &dest.url_imaps("bob"),
        state.path(),
        &home,
        &["--dest-client-credentials", &tenant],
    );
    assert_eq!(run.code, 1, "{}", run.context());
    let problem = &run.json()["errors"][0];
    assert_eq!(problem["kind"], "authentication", "{}", run.context());
    let hint = problem["hint"].as_str().unwrap_or_default();
    for step in [
        "IMAP.AccessAsApp",
        "New-ServicePrincipal",
        "Add-MailboxPermission",
        "FullAccess",
    ] {
        assert!(hint.contains(step), "the hint should name {step}: {hint}");
    }
    assert_hidden(
        &[&wrong, &out, &run],
        &[home.dir.path(), state.path()],
        &every_secret(&idp),
    );
    logout(&name);
}

#[tokio::test]
async fn graph_lists_all_1200_users_exactly_once_and_writes_a_migration_csv() {
    let idp = Idp::start();
    idp.set_directory_users(1_200);
    let user = unique("admin");
    idp.set_browser_user(&user);
    let home = Home::new();
    browser_login(&idp, &home, &["--with-users"])
        .await
        .assert_code(0);
    let name = format!("microsoft:{user}");
    let csv = home.dir.path().join("users.csv");
    let out = mailferry(
        &strings(&[
            "login",
            "users",
            &name,
            "--csv",
            &csv.display().to_string(),
            "--json",
        ]),
        &home.env(),
    );
    out.assert_code(0);
    let users = out.json();
    let users = users.as_array().expect("a JSON array");
    assert_eq!(users.len(), 1_200);
    let mut upns: Vec<&str> = users
        .iter()
        .map(|u| u["userPrincipalName"].as_str().expect("upn"))
        .collect();
    upns.sort();
    upns.dedup();
    assert_eq!(upns.len(), 1_200, "some users came twice");
    for i in [0, 599, 1_199] {
        assert!(upns.contains(&Idp::directory_user(i).as_str()));
    }
    let text = std::fs::read_to_string(&csv).expect("csv written");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "EmailAddress,UserName,Password");
    assert_eq!(lines.len(), 1_201);
    let pages = idp
        .requests()
        .iter()
        .filter(|r| r.endpoint == crate::harness::IdpEndpoint::GraphUsers)
        .count();
    assert!(
        pages >= 2,
        "Graph should have been paged ({pages} requests)"
    );
    std::fs::remove_file(&csv).expect("remove csv");
    assert_hidden(&[&out], &[home.dir.path()], &every_secret(&idp));
    logout(&name);
}

// ---------------------------------------------------------------------------------------------
// Each user's own sign-in in a batch
// ---------------------------------------------------------------------------------------------

/// `--source-login microsoft:*`: every user's source mailbox opens with that person's own
/// sign-in (`microsoft:<UserName>`), each made by a separate `login --login-hint` run. The
/// source checks every token with the stand-in and accepts it only for its own mailbox. A
/// user who has not signed in fails alone, with the command that signs them in; once they
/// have, `batch retry` copies their mailbox too.
#[tokio::test]
async fn a_batch_signs_in_to_each_source_mailbox_with_that_users_own_sign_in() {
    let idp = Idp::start();
    let home = Home::new();
    let tag = unique("own");
    // (UserName on the source, EmailAddress on the destination)
    let people: Vec<(String, String)> = ["anna", "ben", "carla"]
        .iter()
        .map(|p| {
            (
                format!("{p}.{tag}@old.example"),
                format!("{p}.{tag}@contoso.example"),
            )
        })
        .collect();
    let mut source_config = DovecotConfig::new(Layout::Plain).oauth2(&idp.introspection_url());
    let mut dest_config = DovecotConfig::new(Layout::Plain).master_user("admin", DEST_PW);
    for (login, email) in &people {
        source_config = source_config.user(login, SOURCE_PW);
        dest_config = dest_config.user(email, DEST_PW);
    }
    let source = Dovecot::start(source_config);
    let dest = Dovecot::start(dest_config);
    let mut expected = Vec::new();
    for (login, _) in &people {
        expected.push(seed(&source, login, &["INBOX", "Projects"], 4, 1_500).await);
    }

    // Anna and Ben sign in, each as themselves (the login hint picks the account).
    let mut outcomes = Vec::new();
    for (login, _) in &people[..2] {
        let out = browser_login(&idp, &home, &["--login-hint", login]).await;
        out.assert_code(0);
        assert!(
            out.stdout.contains(&format!("Signed in as {login}")),
            "{}",
            out.context()
        );
        outcomes.push(out);
    }

    // With --source-login the Password column (Microsoft's format keeps it) may stay empty;
    // a value there is never sent either.
    let csv_dir = fresh_state_dir();
    let csv = csv_dir.path().join("users.csv");
    let mut text = String::from("EmailAddress,UserName,Password\r\n");
    for (n, (login, email)) in people.iter().enumerate() {
        let password = if n == 0 {
            String::new()
        } else {
            format!("not-used-{tag}")
        };
        text.push_str(&format!("{email},{login},{password}\r\n"));
    }
    std::fs::write(&csv, text).expect("csv");
    let batch_state = fresh_state_dir();
    let mut env = home.env();
    env.push(("ADMIN_PW".into(), DEST_PW.into()));
    let batch = |words: &[&str]| {
        let mut args = strings(&["batch"]);
        args.extend(strings(words));
        args.extend(strings(&[
            "--state-dir",
            &batch_state.path().display().to_string(),
        ]));
        mailferry(&args, &env)
    };
    let batch_name = unique("own-sign-ins");
    let source_server = format!("imaps://127.0.0.1:{}", source.imaps_port());
    let dest_server = format!("imaps://127.0.0.1:{}", dest.imaps_port());
    let ca = source.ca_pem_path().display().to_string();
    let create = |source_login: &str| {
        batch(&[
            "create",
            "--csv",
            &csv.display().to_string(),
            "--source",
            &source_server,
            "--dest",
            &dest_server,
            "--name",
            &batch_name,
            "--source-login",
            source_login,
            "--dest-auth-user",
            "admin",
            "--dest-password-env",
            "ADMIN_PW",
            "--ca-file",
            &ca,
            "--timeout",
            "20",
        ])
    };
    // The provider part is checked even though no sign-in is looked up for `*`.
    let refused = create("yahoo:*");
    assert_eq!(refused.code, 2, "{}", refused.context());
    let created = create("Microsoft:*");
    created.assert_code(0);
    // Who still has to sign in, and how, is said when the batch is made.
    assert!(
        created
            .stderr
            .contains(&format!("Not signed in yet: {}.", people[2].1))
            && created
                .stderr
                .contains("`mailferry login microsoft --login-hint USER`"),
        "{}",
        created.context()
    );

    // The pre-flight names the one who has not signed in.
    let preflight = batch(&["test", &batch_name, "--json"]);
    assert_eq!(preflight.code, 1, "{}", preflight.context());
    let checks = preflight.json();
    let checks = checks.as_array().expect("pre-flight rows");
    let carla = &people[2];
    for check in checks {
        let missing = check["email_address"] == carla.1.as_str();
        assert_eq!(check["ok"], !missing, "{check:#}");
        if missing {
            assert_not_signed_in(&check["error"], &carla.0, &preflight.context());
        }
    }

    let started = batch(&["start", &batch_name, "--once"]);
    assert_eq!(started.code, 1, "{}", started.context());
    let status = batch(&["status", &batch_name, "--json", "--no-dns"]);
    status.assert_code(0);
    let status = status.json();
    let row_of = |status: &Value, email: &str| {
        status["users"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["email_address"] == email))
            .cloned()
            .unwrap_or_else(|| panic!("no row for {email}: {status:#}"))
    };
    for (i, (login, email)) in people[..2].iter().enumerate() {
        let row = row_of(&status, email);
        assert_eq!(row["status"], "Synced", "{status:#}");
        assert_eq!(row["messages_done"], 8, "{status:#}");
        assert_copied(&expected[i], &dest, email).await;
        // Each source mailbox was opened with its owner's own token, checked by the IdP.
        assert!(introspections_of(&idp, login).contains(&true), "{login}");
    }
    let row = row_of(&status, &carla.1);
    assert_eq!(row["status"], "Failed", "{status:#}");
    assert_not_signed_in(&row["error"], &carla.0, &format!("{status:#}"));
    assert!(introspections_of(&idp, &carla.0).is_empty());
    let mut carla_dest = TestImap::connect(&dest, &carla.1, DEST_PW).await;
    assert!(carla_dest.fetch_all("INBOX").await.is_empty());
    carla_dest.logout().await;

    // Carla does what the hint says; the retry copies her mailbox. The stand-in's address
    // comes from the environment this time, as the desktop app (which has no flags) gets it.
    let mut login_env = home.env();
    login_env.extend([
        ("MAILFERRY_MS_AUTHORITY_URL".to_string(), idp.base_url()),
        ("MAILFERRY_MS_GRAPH_URL".to_string(), idp.base_url()),
        (
            "MAILFERRY_MS_CLIENT_ID".to_string(),
            Idp::CLIENT_ID.to_string(),
        ),
    ]);
    let late = browser_login_with(
        &strings(&[
            "login",
            "microsoft",
            "--no-browser",
            "--login-hint",
            &carla.0,
        ]),
        &login_env,
    )
    .await;
    late.assert_code(0);
    let retried = batch(&["retry", &batch_name, "--once"]);
    retried.assert_code(0);
    let status = batch(&["status", &batch_name, "--json", "--no-dns"]).json();
    assert_eq!(row_of(&status, &carla.1)["status"], "Synced", "{status:#}");
    assert_copied(&expected[2], &dest, &carla.1).await;

    outcomes.extend([refused, created, preflight, started, late, retried]);
    assert_hidden(
        &outcomes.iter().collect::<Vec<_>>(),
        &[home.dir.path(), batch_state.path()],
        &every_secret(&idp),
    );
    batch(&["delete", &batch_name]).assert_code(0);
    for (login, _) in &people {
        logout(&format!("microsoft:{login}"));
    }
}

/// An authentication problem whose hint says how to sign `account` in.
fn assert_not_signed_in(problem: &Value, account: &str, context: &str) {
    assert_eq!(problem["kind"], "authentication", "{context}");
    let message = problem["message"].as_str().unwrap_or_default();
    assert!(message.contains(account), "{message:?}\n{context}");
    let hint = problem["hint"].as_str().unwrap_or_default();
    assert!(
        hint.contains(&format!("mailferry login microsoft --login-hint {account}")),
        "hint {hint:?}\n{context}"
    );
}
