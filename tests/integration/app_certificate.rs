//! App-only sign-in with a certificate (Entra ID's certificate credential): the certificate
//! and key are made by openssl as an owner would make them, the identity-provider stand-in
//! checks the signed client assertion as Entra ID does, and Dovecot checks the app's token
//! before the app writes into the one mailbox it was given.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::keyring;
use crate::harness::run::mailferry;
use crate::harness::{fresh_state_dir, Dovecot, DovecotConfig, Idp, Layout};
use crate::login::{
    assert_copied, assert_hidden, every_secret, login_args, logout, migrate, oauth_dest, seed,
    strings, unique, Home, SOURCE_PW,
};

/// A self-signed RSA certificate and its private key, made the way the README tells owners to.
struct CertificatePair {
    certificate: PathBuf,
    key: PathBuf,
}

impl CertificatePair {
    fn create(dir: &Path, name: &str) -> CertificatePair {
        let pair = CertificatePair {
            certificate: dir.join(format!("{name}.crt")),
            key: dir.join(format!("{name}.key")),
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=Mailferry test app",
            "-keyout",
            &pair.key.display().to_string(),
            "-out",
            &pair.certificate.display().to_string(),
        ]);
        pair
    }

    fn certificate_pem(&self) -> String {
        std::fs::read_to_string(&self.certificate).expect("read the certificate")
    }

    fn key_pem(&self) -> String {
        std::fs::read_to_string(&self.key).expect("read the private key")
    }

    /// The SHA-1 thumbprint in upper-case hex, as Entra ID's Certificates & secrets page shows.
    fn thumbprint(&self) -> String {
        let out = openssl(&[
            "x509",
            "-noout",
            "-fingerprint",
            "-sha1",
            "-in",
            &self.certificate.display().to_string(),
        ]);
        out.rsplit('=')
            .next()
            .expect("openssl prints NAME=FINGERPRINT")
            .trim()
            .replace(':', "")
            .to_uppercase()
    }

    /// A line of the private key's base64 body, to look for where it must (not) be.
    fn key_line(&self) -> String {
        self.key_pem()
            .lines()
            .nth(3)
            .expect("a 2048-bit key has many lines")
            .to_string()
    }
}

fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl ({e}); apt-get install openssl"));
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn certificate_login(
    idp: &Idp,
    home: &Home,
    tenant: &str,
    files: &[&Path],
) -> crate::harness::run::Outcome {
    let mut extra = strings(&["--client-credentials", "--tenant", tenant, "--json"]);
    extra.push("--certificate".into());
    extra.push(files[0].display().to_string());
    if let Some(key) = files.get(1) {
        extra.push("--private-key".into());
        extra.push(key.display().to_string());
    }
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    mailferry(&login_args(idp, &extra), &home.env())
}

#[tokio::test]
async fn a_certificate_signs_the_app_in_and_writes_into_the_mailbox_it_was_given() {
    let idp = Idp::start();
    let home = Home::new();
    let keys = tempfile::tempdir().expect("temp dir for keys");
    let app = CertificatePair::create(keys.path(), "app");
    let other = CertificatePair::create(keys.path(), "other");
    let tenant = format!("{}.example", unique("fabrikam"));

    // A key from another certificate is caught on this computer, before Microsoft is asked.
    let mismatched = certificate_login(&idp, &home, &tenant, &[&app.certificate, &other.key]);
    assert_eq!(mismatched.code, 2, "{}", mismatched.context());
    assert_eq!(mismatched.json()["errors"][0]["kind"], "input");
    assert!(
        mismatched
            .stderr
            .contains("does not belong to the certificate"),
        "{}",
        mismatched.context()
    );
    assert!(idp.requests().is_empty(), "nothing should reach the IdP");

    // A certificate not uploaded to the app registration: Entra ID's AADSTS700027, explained
    // with the thumbprint to look for on the Certificates & secrets page.
    let not_uploaded = certificate_login(&idp, &home, &tenant, &[&app.certificate, &app.key]);
    assert_eq!(not_uploaded.code, 1, "{}", not_uploaded.context());
    let problem = &not_uploaded.json()["errors"][0];
    assert_eq!(
        problem["kind"],
        "authentication",
        "{}",
        not_uploaded.context()
    );
    assert!(
        problem["message"]
            .as_str()
            .unwrap_or_default()
            .contains("AADSTS700027"),
        "{}",
        not_uploaded.context()
    );
    let hint = problem["hint"].as_str().unwrap_or_default();
    assert!(hint.contains("Certificates & secrets"), "{hint}");
    assert!(hint.contains(&app.thumbprint()), "{hint}");
    let name = format!("microsoft-app:{tenant}");
    assert!(
        keyring::lookup(&format!("oauth:{name}")).is_none(),
        "a refused credential must not be stored"
    );

    // Uploaded: one PEM file holding key and certificate, as `openssl pkcs12 -nodes` writes.
    idp.register_certificate(&app.certificate_pem());
    let combined = keys.path().join("app.pem");
    std::fs::write(&combined, app.key_pem() + &app.certificate_pem()).expect("write app.pem");
    let signed_in = certificate_login(&idp, &home, &tenant, &[&combined]);
    signed_in.assert_code(0);
    assert_eq!(signed_in.json()["name"], name.as_str());
    let stored =
        keyring::lookup(&format!("oauth:{name}")).expect("the app sign-in is in the keyring");
    assert!(
        stored.contains(&app.key_line()),
        "the private key lives in the keyring"
    );
    let token_requests: Vec<_> = idp
        .requests()
        .into_iter()
        .filter(|r| r.grant_type.as_deref() == Some("client_credentials"))
        .collect();
    assert_eq!(
        token_requests.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![401, 200],
        "one refusal before the upload, one token after"
    );
    let listed = mailferry(&strings(&["login", "list", "--json"]), &home.env());
    listed.assert_code(0);
    let entry = listed
        .json()
        .as_array()
        .and_then(|all| all.iter().find(|s| s["name"] == name.as_str()).cloned())
        .unwrap_or_else(|| panic!("{name} is not listed:\n{}", listed.context()));
    assert_eq!(entry["certificate_thumbprint"], app.thumbprint().as_str());
    assert_eq!(entry["app"], true);

    // The app was given bob's mailbox (Add-MailboxPermission FullAccess): a migration signs in
    // with a fresh assertion, Dovecot checks the app's token, and every message arrives.
    idp.grant_app_mailbox("bob");
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", SOURCE_PW));
    let dest = oauth_dest(&idp, "bob");
    let expected = seed(&source, "alice", &["INBOX", "Projects"], 12, 3_000).await;
    let state = fresh_state_dir();
    let run = migrate(
        &source,
        "alice",
        &dest.url_imaps("bob"),
        state.path(),
        &home,
        &["--dest-client-credentials", &tenant],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.context(), dest.log_tail());
    assert_eq!(run.json()["status"], "synced", "{}", run.context());
    assert_copied(&expected, &dest, "bob").await;
    assert!(
        idp.introspections().iter().any(|r| r.active == Some(true)),
        "Dovecot checked the app's token with the IdP"
    );

    let mut secrets = every_secret(&idp);
    secrets.push(app.key_line());
    assert_hidden(
        &[&mismatched, &not_uploaded, &signed_in, &listed, &run],
        &[home.dir.path(), state.path()],
        &secrets,
    );
    logout(&name);
    assert!(keyring::lookup(&format!("oauth:{name}")).is_none());
}
