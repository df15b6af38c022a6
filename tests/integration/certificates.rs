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
