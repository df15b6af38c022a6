//! The wrong kind of encryption for a port is told as such, well before the time limit, with
//! the setting to choose instead: STARTTLS on a port that starts with TLS (which waits
//! silently for the client), and SSL/TLS on a port that greets in plain text.

use crate::harness::run::{mailferry, two_sided_args};
use crate::harness::{fresh_state_dir, Dovecot, DovecotConfig, Layout};

fn servers() -> (Dovecot, Dovecot) {
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", "alice-pw"));
    let dest = Dovecot::start(DovecotConfig::new(Layout::Plain).user("bob", "bob-pw"));
    (source, dest)
}

/// Runs `plan` with a 60-second limit for every wait: a run that waited it out would end
/// with a timeout, not with the mismatch, and the harness's own limit stops a hang.
fn plan(source_url: &str, dest_url: &str, source: &Dovecot) -> crate::harness::run::Outcome {
    let state = fresh_state_dir();
    mailferry(
        &two_sided_args(
            "plan",
            source_url,
            dest_url,
            &source.ca_pem_path(),
            state.path(),
            &["--timeout", "60", "--json"],
        ),
        &[("SRC_PW", "alice-pw"), ("DST_PW", "bob-pw")],
    )
}

#[tokio::test]
async fn starttls_on_a_port_that_starts_with_tls_is_told_as_a_mismatch() {
    let (source, dest) = servers();
    let port = source.imaps_port();
    let out = plan(
        &format!("imap://alice@127.0.0.1:{port}"),
        &dest.url_imaps("bob"),
        &source,
    );
    // A failed plan ends with status 1 whatever the kind; the kind is in the report.
    out.assert_code(1);
    let error = &out.json()["errors"][0];
    assert_eq!(error["kind"], "input", "{}", out.context());
    assert_eq!(error["facts"]["security_mismatch"], "port_expects_tls");
    assert_eq!(error["facts"]["host"], "127.0.0.1");
    assert_eq!(error["facts"]["port"], port);
    let hint = error["hint"].as_str().unwrap_or_default();
    assert!(hint.contains("SSL/TLS") && !hint.contains("--"), "{hint:?}");
    assert!(
        out.stderr.contains(&format!("imaps://127.0.0.1:{port}")),
        "the command line must say which address to use:\n{}",
        out.context()
    );
}

#[tokio::test]
async fn ssl_tls_on_a_port_that_greets_in_plain_text_is_told_as_a_mismatch() {
    let (source, dest) = servers();
    let port = dest.imap_port();
    let out = plan(
        &source.url_imaps("alice"),
        &format!("imaps://bob@127.0.0.1:{port}"),
        &source,
    );
    out.assert_code(1);
    let error = &out.json()["errors"][0];
    assert_eq!(error["kind"], "input", "{}", out.context());
    assert_eq!(error["facts"]["security_mismatch"], "port_expects_starttls");
    assert_eq!(error["facts"]["port"], port);
    assert!(
        out.stderr.contains(&format!("imap://127.0.0.1:{port}")),
        "the command line must say which address to use:\n{}",
        out.context()
    );
}

/// The right settings on the same ports still work: the check changes nothing for them.
#[tokio::test]
async fn the_right_security_on_each_port_still_connects() {
    let (source, dest) = servers();
    let out = plan(
        &source.url_starttls("alice"),
        &dest.url_imaps("bob"),
        &source,
    );
    out.assert_code(0);
}
