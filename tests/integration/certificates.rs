//! Certificate refusals that an owner can read and act on.

use crate::harness::run::{mailferry, two_sided_args};
use crate::harness::{fresh_state_dir, CertChoice, Dovecot, DovecotConfig, Layout};

/// `openssl req -x509` makes a self-signed certificate marked CA:TRUE. Even with that very
/// certificate passed as `--ca-file`, it is refused as a server certificate; the reason must
/// be a sentence and the fingerprint must be there to check and pin.
#[tokio::test]
async fn a_self_made_ca_certificate_is_refused_in_plain_words_with_its_fingerprint() {
    let source = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user("alice", "alice-ca-pw")
            .cert(CertChoice::SelfSignedCa),
    );
    let dest = Dovecot::start(DovecotConfig::new(Layout::Plain).user("bob", "bob-ca-pw"));
    let fingerprint = source.server_cert_sha256_hex();
    let state = fresh_state_dir();
    // The source's own certificate, as an owner would try first.
    let args = two_sided_args(
        "plan",
        &source.url_imaps("alice"),
        &dest.url_imaps("bob"),
        &source.ca_pem_path(),
        state.path(),
        &["--timeout", "20", "--json"],
    );
    let out = mailferry(&args, &[("SRC_PW", "alice-ca-pw"), ("DST_PW", "bob-ca-pw")]);
    out.assert_code(1);
    let report = out.json();
    let error = &report["errors"][0];
    assert_eq!(error["kind"], "certificate", "{}", out.context());
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("self-made certificate")
            && message.contains("marked as a certificate authority"),
        "not the plain-words reason: {message:?}"
    );
    assert!(
        message.to_ascii_lowercase().contains(&fingerprint),
        "the fingerprint {fingerprint} is missing: {message:?}"
    );
    for debug in ["CaUsedAsEndEntity", "OtherError", "Other("] {
        assert!(!message.contains(debug), "Debug text leaked: {message:?}");
        assert!(
            !out.stderr.contains(debug),
            "Debug text leaked:\n{}",
            out.stderr
        );
    }
    assert!(out.stderr.contains(message), "{}", out.context());
}

/// A refused certificate carries what the owner checks before trusting it: who issued it,
/// whom it names, when it is valid and its fingerprint, as facts beside the words; the
/// command line names the option that trusts exactly it.
#[tokio::test]
async fn a_refused_certificate_tells_its_issuer_validity_and_fingerprint() {
    // Signed by the harness's private CA, which this run is not told to trust.
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", "alice-pw"));
    let dest = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user("bob", "bob-pw")
            .cert(CertChoice::SelfSigned),
    );
    let fingerprint = source.server_cert_sha256_hex();
    let state = fresh_state_dir();
    let args = two_sided_args(
        "plan",
        &source.url_imaps("alice"),
        &dest.url_imaps("bob"),
        &dest.ca_pem_path(),
        state.path(),
        &["--timeout", "20", "--json"],
    );
    let out = mailferry(&args, &[("SRC_PW", "alice-pw"), ("DST_PW", "bob-pw")]);
    out.assert_code(1);
    let report = out.json();
    let error = &report["errors"][0];
    assert_eq!(error["kind"], "certificate", "{}", out.context());
    let facts = &error["facts"];
    assert_eq!(facts["host"], "127.0.0.1", "{}", out.context());
    let certificate = &facts["certificate"];
    assert_eq!(certificate["fingerprint_sha256"], fingerprint.as_str());
    assert_eq!(certificate["reason"], "issued by an unknown authority");
    let issuer = certificate["issuer"].as_str().unwrap_or_default();
    assert!(issuer.contains("CN=Mailferry Test CA"), "{issuer:?}");
    let subject = certificate["subject"].as_str().unwrap_or_default();
    assert!(subject.contains("CN=localhost"), "{subject:?}");
    for bound in ["not_before", "not_after"] {
        let text = certificate[bound].as_str().unwrap_or_default();
        assert!(
            chrono::DateTime::parse_from_rfc3339(text).is_ok(),
            "{bound} is not RFC 3339: {text:?}"
        );
    }
    assert!(
        certificate["not_before"].as_str() < certificate["not_after"].as_str(),
        "{certificate}"
    );
    // The command line's words (its report's hint too) name the option that trusts exactly it.
    assert!(
        error["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("--pin-cert"),
        "{}",
        out.context()
    );
    assert!(
        out.stderr.contains(&format!("--pin-cert {fingerprint}")),
        "{}",
        out.context()
    );
}

/// A self-signed certificate names itself as its issuer; trusting the fingerprint the facts
/// carry (as the window does) for that server makes the same run work.
#[tokio::test]
async fn a_self_signed_certificate_is_its_own_issuer_and_its_fingerprint_trusts_it() {
    let source = Dovecot::start(
        DovecotConfig::new(Layout::Plain)
            .user("alice", "alice-pw")
            .cert(CertChoice::SelfSigned),
    );
    let dest = Dovecot::start(DovecotConfig::new(Layout::Plain).user("bob", "bob-pw"));
    let state = fresh_state_dir();
    let env = [("SRC_PW", "alice-pw"), ("DST_PW", "bob-pw")];
    let run = |extra: &[&str]| {
        let mut words = vec!["--timeout", "20", "--json"];
        words.extend_from_slice(extra);
        mailferry(
            &two_sided_args(
                "plan",
                &source.url_imaps("alice"),
                &dest.url_imaps("bob"),
                &dest.ca_pem_path(),
                state.path(),
                &words,
            ),
            &env,
        )
    };
    let refused = run(&[]);
    refused.assert_code(1);
    let certificate = refused.json()["errors"][0]["facts"]["certificate"].clone();
    assert_eq!(
        certificate["issuer"],
        certificate["subject"],
        "{}",
        refused.context()
    );
    let pin = certificate["fingerprint_sha256"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(pin, source.server_cert_sha256_hex());
    let trusted = run(&["--pin-cert", &pin]);
    trusted.assert_code(0);
}
