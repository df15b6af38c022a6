//! Sign in with Google against the stand-in's Google-shaped endpoints (installed-app flow:
//! PKCE, loopback on 127.0.0.1, `access_type=offline`, the desktop client's secret, no refresh
//! token rotation, the account in the id_token's `email`), then a Gmail-like source that only
//! takes XOAUTH2 tokens, checked by Dovecot with the stand-in, migrated message by message.

use std::time::Duration;

use crate::harness::keyring;
use crate::harness::run::{mailferry, Outcome};
use crate::harness::{fresh_state_dir, Dovecot, DovecotConfig, Idp, Layout};
use crate::login::{
    assert_copied, assert_hidden, every_secret, follow_in_browser_to, logout, seed, strings,
    unique, Home, Running, DEST_PW, SOURCE_PW,
};

/// `mailferry login google` pointed at the stand-in; `extra` appended.
fn google_args(idp: &Idp, extra: &[&str]) -> Vec<String> {
    let mut args = strings(&[
        "login",
        "google",
        "--client-id",
        Idp::GOOGLE_CLIENT_ID,
        "--authority-url",
        &idp.google_auth_url(),
        "--token-url",
        &idp.google_token_url(),
    ]);
    args.extend(strings(extra));
    args
}

/// A browser sign-in finished by following the printed address; the address, and the outcome.
async fn google_browser_login(args: &[String], env: &[(String, String)]) -> (String, Outcome) {
    let mut running = Running::spawn(args, env);
    let url = running.wait_line("the sign-in address", |line| {
        line.starts_with("http://").then(|| line.to_string())
    });
    follow_in_browser_to(&url, "http://127.0.0.1:").await;
    (url, running.finish())
}

#[tokio::test]
async fn google_sign_in_opens_a_gmail_like_source_that_takes_only_tokens() {
    let idp = Idp::start();
    let user = format!("{}@gmail.test", unique("carol"));
    idp.set_browser_user(&user);
    let home = Home::new();
    let mut env = home.env();
    env.push(("GOOGLE_SECRET".into(), Idp::GOOGLE_CLIENT_SECRET.into()));
    let hint = ["--no-browser", "--login-hint", user.as_str()];

    // Google's token endpoint wants the desktop client's secret: without it, say where it is.
    let (_, no_secret) = google_browser_login(&google_args(&idp, &hint), &env).await;
    assert_eq!(no_secret.code, 1, "{}", no_secret.context());
    assert!(
        no_secret.stderr.contains("client_secret is missing")
            && no_secret.stderr.contains("Google Cloud Console"),
        "{}",
        no_secret.context()
    );

    let mut with_secret = hint.to_vec();
    with_secret.extend(["--client-secret-env", "GOOGLE_SECRET"]);
    let (url, signed_in) = google_browser_login(&google_args(&idp, &with_secret), &env).await;
    signed_in.assert_code(0);
    assert!(
        signed_in.stdout.contains(&format!("Signed in as {user}")),
        "{}",
        signed_in.context()
    );
    let authorize = url::Url::parse(&url).expect("the printed address is a URL");
    let query: std::collections::HashMap<_, _> = authorize.query_pairs().into_owned().collect();
    assert_eq!(query["access_type"], "offline", "{url}");
    assert_eq!(query["prompt"], "consent", "{url}");
    assert_eq!(query["code_challenge_method"], "S256", "{url}");
    assert!(
        query["scope"]
            .split(' ')
            .any(|s| s == "https://mail.google.com/"),
        "{url}"
    );
    assert!(
        query["redirect_uri"].starts_with("http://127.0.0.1:"),
        "{url}"
    );

    let name = format!("google:{user}");
    let refresh = idp.refresh_tokens_of(&user);
    assert_eq!(refresh.len(), 1, "one sign-in, one refresh token");
    let stored = keyring::lookup(&format!("oauth:{name}")).expect("the sign-in is in the keyring");
    assert!(stored.contains(&refresh[0]));
    assert!(
        stored.contains(Idp::GOOGLE_CLIENT_SECRET),
        "the desktop client's secret is kept with the sign-in, for refreshing"
    );

    // Google's device sign-in cannot grant Gmail access: refused here, before Google is asked.
    let asked_before = idp.requests().len();
    let device = mailferry(&google_args(&idp, &["--device-code", "--json"]), &env);
    assert_eq!(device.code, 2, "{}", device.context());
    assert_eq!(device.json()["errors"][0]["kind"], "input");
    assert!(
        device.stderr.contains("browser on this computer"),
        "{}",
        device.context()
    );
    assert_eq!(idp.requests().len(), asked_before);

    // The Gmail-like source takes only tokens that the stand-in vouches for. Short-lived
    // tokens make the run refresh (Google keeps the same refresh token: none comes back).
    let source = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user(&user, SOURCE_PW)
            .oauth2(&idp.introspection_url()),
    );
    let dest = Dovecot::start(DovecotConfig::new(Layout::Plain).user("bob", DEST_PW));
    let expected = seed(&source, &user, &["INBOX", "Receipts"], 15, 2_500).await;
    idp.set_access_token_lifetime(Duration::from_secs(2));
    let state = fresh_state_dir();
    let mut migrate_env = env.clone();
    migrate_env.push(("DEST_PW".into(), DEST_PW.into()));
    let run = mailferry(
        &strings(&[
            "migrate",
            "--source",
            &source.url_imaps(&user),
            "--source-login",
            &name,
            "--dest",
            &dest.url_imaps("bob"),
            "--dest-password-env",
            "DEST_PW",
            "--ca-file",
            &source.ca_pem_path().display().to_string(),
            "--state-dir",
            &state.path().display().to_string(),
            "--timeout",
            "20",
            "--json",
        ]),
        &migrate_env,
    );
    assert_eq!(run.code, 0, "{}\n{}", run.context(), source.log_tail());
    assert_eq!(run.json()["status"], "synced", "{}", run.context());
    assert_copied(&expected, &dest, "bob").await;
    assert!(
        idp.refresh_count() >= 1,
        "the run signed in with the refresh token"
    );
    assert!(
        idp.introspections()
            .iter()
            .any(|r| r.user.as_deref() == Some(user.as_str()) && r.active == Some(true)),
        "Dovecot checked the Google token with the stand-in"
    );
    assert_eq!(
        idp.refresh_tokens_of(&user),
        refresh,
        "Google does not rotate refresh tokens"
    );
    assert!(keyring::lookup(&format!("oauth:{name}")).is_some_and(|s| s.contains(&refresh[0])));

    let mut secrets = every_secret(&idp);
    secrets.push(Idp::GOOGLE_CLIENT_SECRET.to_string());
    assert_hidden(
        &[&no_secret, &signed_in, &device, &run],
        &[home.dir.path(), state.path()],
        &secrets,
    );
    logout(&name);
    assert!(keyring::lookup(&format!("oauth:{name}")).is_none());
}
