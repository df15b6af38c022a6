//! A refused sign-in, through the real binary: the report's problem says which server
//! refused what (the facts the window words its sentence from), and the command line's advice
//! names the option that gives that side's secret. The facts are compared with the samples
//! the window's component test is fed (ui/src/test/engineProblems.json), so both front ends
//! are tested with what the engine really says.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::harness::run::{mailferry, Outcome};
use crate::harness::{fresh_state_dir, Dovecot, DovecotConfig, Idp, Layout};

const ALICE_PW: &str = "Alice-Src-Pw-3307";
const BOB_PW: &str = "Bob-Dst-Pw-9142";

/// `mailferry migrate --json` with each side's secret in an environment variable.
fn migrate(
    source: &str,
    source_secret: (&str, &str),
    dest: &str,
    dest_secret: (&str, &str),
    ca_file: &Path,
    state_dir: &Path,
) -> Outcome {
    let mut args: Vec<String> = ["migrate", "--source", source, "--dest", dest]
        .iter()
        .map(|a| a.to_string())
        .collect();
    let mut env = Vec::new();
    for (side, (kind, value)) in [("source", source_secret), ("dest", dest_secret)] {
        let var = format!("{side}_{kind}").to_uppercase();
        args.push(format!("--{side}-{kind}-env"));
        args.push(var.clone());
        env.push((var, value.to_string()));
    }
    for a in [
        "--ca-file",
        &ca_file.display().to_string(),
        "--state-dir",
        &state_dir.display().to_string(),
        "--timeout",
        "20",
        "--json",
    ] {
        args.push(a.to_string());
    }
    mailferry(&args, &env)
}

/// The one problem of a failed run, told on stderr with the same words and advice.
fn the_problem(out: &Outcome) -> Value {
    assert_eq!(out.code, 1, "expected exit status 1:\n{}", out.context());
    let report = out.json();
    assert_eq!(report["status"], "failed", "{}", out.context());
    let problem = report["errors"][0].clone();
    assert_eq!(problem["kind"], "authentication", "{}", out.context());
    let message = problem["message"].as_str().unwrap_or_default();
    let hint = problem["hint"].as_str().unwrap_or_default();
    assert!(
        out.stderr
            .contains(&format!("mailferry: {message}\n  What to do: {hint}")),
        "stderr does not tell the same problem:\n{}",
        out.context()
    );
    problem
}

/// The window's sample for this case has the same kind and facts, the server's name aside.
fn assert_like_the_windows_sample(problem: &Value, sample: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/test/engineProblems.json");
    let text = std::fs::read_to_string(&path).expect("the window's samples");
    let samples: Value = serde_json::from_str(&text).expect("JSON");
    let expected = &samples[sample];
    assert_eq!(problem["kind"], expected["kind"], "{problem:#}");
    let mut facts = problem["facts"].clone();
    let mut expected_facts = expected["facts"].clone();
    for f in [&mut facts, &mut expected_facts] {
        f["host"] = Value::Null;
        f["port"] = Value::Null;
    }
    assert_eq!(facts, expected_facts, "{problem:#}");
}

#[tokio::test]
async fn a_refused_token_is_the_new_servers_and_is_fixed_with_a_new_token() {
    let idp = Idp::start();
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", ALICE_PW));
    let dest = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user("bob", BOB_PW)
            .oauth2(&idp.introspection_url()),
    );
    let expired = idp.issue_token("bob", Duration::ZERO);
    let state = fresh_state_dir();

    let out = migrate(
        &source.url_imaps("alice"),
        ("password", ALICE_PW),
        &dest.url_imaps("bob"),
        ("token", &expired),
        &dest.ca_pem_path(),
        state.path(),
    );

    let problem = the_problem(&out);
    let message = problem["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("the new server (127.0.0.1) refused the access token for bob"),
        "{message:?}"
    );
    assert_eq!(problem["facts"]["side"], "destination", "{problem:#}");
    assert_eq!(problem["facts"]["auth_method"], "token", "{problem:#}");
    let hint = problem["hint"].as_str().unwrap_or_default();
    assert!(
        hint.contains("expired") && hint.contains("--dest-token-env"),
        "the advice should say to give a new token with --dest-token-env: {hint:?}"
    );
    assert!(
        !hint.to_lowercase().contains("password"),
        "a token is not a password: {hint:?}"
    );
    assert!(!out.stdout.contains(&expired) && !out.stderr.contains(&expired));
    assert_like_the_windows_sample(&problem, "refused_token_new_server");
}

#[tokio::test]
async fn a_wrong_password_is_the_old_servers_and_is_fixed_on_the_source_side() {
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", ALICE_PW));
    let dest = Dovecot::start(DovecotConfig::new(Layout::Plain).user("bob", BOB_PW));
    let state = fresh_state_dir();
    let wrong = "Wr0ng-Old-Passw0rd-5150";

    let out = migrate(
        &source.url_imaps("alice"),
        ("password", wrong),
        &dest.url_imaps("bob"),
        ("password", BOB_PW),
        &source.ca_pem_path(),
        state.path(),
    );

    let problem = the_problem(&out);
    let message = problem["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("the old server (127.0.0.1) refused the password for alice"),
        "{message:?}"
    );
    assert_eq!(problem["facts"]["side"], "source", "{problem:#}");
    assert_eq!(problem["facts"]["auth_method"], "password", "{problem:#}");
    let hint = problem["hint"].as_str().unwrap_or_default();
    assert!(
        hint.contains("user name and password") && hint.contains("--source-password-env"),
        "{hint:?}"
    );
    assert!(
        !hint.contains("--dest-"),
        "the other side's option: {hint:?}"
    );
    assert!(!out.stdout.contains(wrong) && !out.stderr.contains(wrong));
    assert_like_the_windows_sample(&problem, "wrong_password_old_server");
}
