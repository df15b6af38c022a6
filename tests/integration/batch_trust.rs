//! A certificate refused while a batch runs, trusted from the window: the refusal carries the
//! facts the window shows (issuer, validity, fingerprint, server), the window's command stores
//! the trust with the batch (`app::trust::trust_for_batch`), and Retry then copies the
//! mailbox, whether the batch's runner had ended or was still running for other mailboxes.

use std::time::{Duration, Instant};

use mailferry::app::trust::{trust_for_batch, TrustChoice};
use mailferry::batch::{
    BatchOptions, BatchSecrets, BatchStore, BatchUser, NewBatch, RunMode, SecretMode, ServerSpec,
    Supervisor, TrustedCertificate, UserStatus,
};
use mailferry::secrets::SecretString;

use crate::harness::{fresh_state_dir, CertChoice, Dovecot, DovecotConfig, Layout, TestImap};

const ADMIN: &str = "admin";
const ADMIN_PW: &str = "AdminPw-trust";

struct Setup {
    source: Dovecot,
    dest: Dovecot,
    _state: tempfile::TempDir,
    store: BatchStore,
    secrets: BatchSecrets,
    supervisor: std::sync::Arc<Supervisor>,
    name: String,
    emails: Vec<String>,
}

fn login(email: &str) -> String {
    format!("old.{}", email.split('@').next().unwrap_or(email))
}

/// A self-signed source (the test CA the batch trusts does not vouch for it), a destination
/// signed by the test CA, and mailboxes with three messages each.
async fn setup(tag: &str, users: usize, options: impl FnOnce(&Dovecot) -> BatchOptions) -> Setup {
    let emails: Vec<String> = (0..users)
        .map(|i| format!("{tag}{i}@example.com"))
        .collect();
    let mut source_cfg = DovecotConfig::new(Layout::Plain).cert(CertChoice::SelfSigned);
    let mut dest_cfg = DovecotConfig::new(Layout::Plain).master_user(ADMIN, ADMIN_PW);
    for email in &emails {
        source_cfg = source_cfg.user(&login(email), "SrcPw-trust");
        dest_cfg = dest_cfg.user(email, "DstPw-trust");
    }
    let source = Dovecot::start(source_cfg);
    let dest = Dovecot::start(dest_cfg);
    for email in &emails {
        let mut imap = TestImap::connect(&source, &login(email), "SrcPw-trust").await;
        for n in 0..3 {
            let body = format!(
                "From: a@example.com\r\nTo: {email}\r\nSubject: trust {n}\r\nMessage-ID: <trust-{tag}-{n}@example.com>\r\n\r\nBody {n}\r\n"
            );
            imap.append("INBOX", &[], "01-Jan-2024 10:00:00 +0000", body.as_bytes())
                .await;
        }
        imap.logout().await;
    }
    let state = fresh_state_dir();
    let store = BatchStore::new(mailferry::state::State::open(state.path()).expect("state"))
        .expect("store");
    let secrets = BatchSecrets::new(SecretMode::Memory);
    let name = format!("trust-{tag}");
    for email in &emails {
        secrets
            .set_source_password(&name, email, &SecretString::new("SrcPw-trust".into()))
            .expect("source password");
    }
    secrets
        .set_admin_password(&name, &SecretString::new(ADMIN_PW.into()))
        .expect("admin password");
    let server = |port: u16| ServerSpec {
        preset: None,
        url: format!("imaps://127.0.0.1:{port}"),
    };
    let rows: Vec<(String, String, Option<String>)> =
        emails.iter().map(|e| (e.clone(), login(e), None)).collect();
    let options = BatchOptions {
        destination_admin: Some(ADMIN.into()),
        ca_file: Some(dest.ca_pem_path().display().to_string()),
        incremental_interval_secs: 3600,
        ..options(&source)
    };
    store
        .create(
            &NewBatch {
                name: name.clone(),
                source: server(source.imaps_port()),
                destination: server(dest.imaps_port()),
                options,
            },
            &rows,
        )
        .expect("create the batch");
    let supervisor = Supervisor::new(
        store.clone(),
        Box::new(|future| {
            tokio::spawn(future);
        }),
    );
    Setup {
        source,
        dest,
        _state: state,
        store,
        secrets,
        supervisor,
        name,
        emails,
    }
}

impl Setup {
    async fn wait_for(&self, what: &str, check: impl Fn(&[BatchUser]) -> bool) -> Vec<BatchUser> {
        let started = Instant::now();
        loop {
            let users = self.store.users(&self.name).expect("users");
            if check(&users) {
                return users;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{what} never happened: {users:#?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What the window's Retry on a failed mailbox does.
    fn retry(&self, email: &str) {
        self.store
            .set_user_statuses(&self.name, email, &[UserStatus::Failed], UserStatus::Queued)
            .expect("queue again");
        self.supervisor
            .start(&self.name, self.secrets.clone(), RunMode::Continuous);
    }

    async fn assert_copied(&self, email: &str) {
        let mut imap = TestImap::connect(&self.dest, email, "DstPw-trust").await;
        assert_eq!(imap.status_messages("INBOX").await, 3, "{email}");
        imap.logout().await;
    }

    /// The window's "Trust this certificate for this server", from the facts it was shown.
    fn trust_shown_certificate(&self, user: &BatchUser) {
        let problem = user.error.as_ref().expect("the failed mailbox says why");
        let certificate = problem
            .facts
            .certificate
            .as_ref()
            .expect("the refusal describes the certificate");
        let host = problem
            .facts
            .host
            .clone()
            .expect("the refusal names the server");
        trust_for_batch(
            &self.store,
            &self.name,
            &TrustChoice::Certificate {
                host,
                sha256: certificate.fingerprint_sha256.clone(),
            },
        )
        .expect("store the trust with the batch");
    }
}

fn failed(users: &[BatchUser], email: &str) -> bool {
    users
        .iter()
        .any(|u| u.email_address == email && u.status == UserStatus::Failed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_certificate_trusted_from_the_window_lets_retry_copy_the_mailbox() {
    let setup = setup("refused", 1, |_| BatchOptions::default()).await;
    let email = setup.emails[0].clone();
    setup
        .supervisor
        .start(&setup.name, setup.secrets.clone(), RunMode::Continuous);
    let users = setup
        .wait_for("the certificate refusal", |users| failed(users, &email))
        .await;
    let problem = users[0].error.clone().expect("why it failed");
    assert_eq!(problem.kind.as_str(), "certificate", "{problem:#?}");
    let certificate = problem
        .facts
        .certificate
        .clone()
        .expect("certificate facts");
    assert_eq!(
        certificate.fingerprint_sha256,
        setup.source.server_cert_sha256_hex()
    );
    assert_eq!(certificate.issuer, certificate.subject, "self-signed");
    assert!(certificate.not_after.is_some(), "{certificate:#?}");
    assert_eq!(problem.facts.host.as_deref(), Some("127.0.0.1"));

    // Retry without trusting anything fails the same way: it is the trust that fixes it.
    setup.retry(&email);
    setup
        .wait_for("the second refusal", |users| {
            failed(users, &email) && users[0].error.is_some()
        })
        .await;
    setup
        .wait_for("the runner to end", |_| {
            !setup.supervisor.is_running(&setup.name)
        })
        .await;

    setup.trust_shown_certificate(&users[0]);
    let stored = setup.store.batch(&setup.name).expect("batch").options;
    assert_eq!(
        stored.trusted_certificates,
        vec![TrustedCertificate {
            host: "127.0.0.1".into(),
            sha256: setup.source.server_cert_sha256_hex()
        }]
    );
    setup.retry(&email);
    setup
        .wait_for("the retried copy", |users| {
            users[0].status == UserStatus::Synced
        })
        .await;
    setup.assert_copied(&email).await;
}

/// The runner keeps going while other mailboxes are synced (waiting for their next pass): a
/// mailbox retried then must use the trust stored since the runner started.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_that_keeps_running_uses_the_trust_stored_after_it_started() {
    // Both mailboxes start with the source's certificate trusted, so both copy and the runner
    // stays for their next pass.
    let setup = setup("running", 2, |source| BatchOptions {
        trusted_certificates: vec![TrustedCertificate {
            host: "127.0.0.1".into(),
            sha256: source.server_cert_sha256_hex(),
        }],
        ..BatchOptions::default()
    })
    .await;
    setup
        .supervisor
        .start(&setup.name, setup.secrets.clone(), RunMode::Continuous);
    setup
        .wait_for("both first copies", |users| {
            users.iter().all(|u| u.status == UserStatus::Synced)
        })
        .await;
    assert!(setup.supervisor.is_running(&setup.name));

    // The trust is withdrawn (as if another certificate had been trusted instead); the runner
    // that is still running refuses the certificate on the next pass of the first mailbox.
    let first = setup.emails[0].clone();
    let mut options = setup.store.batch(&setup.name).expect("batch").options;
    options.trusted_certificates.clear();
    setup
        .store
        .set_options(&setup.name, &options)
        .expect("options");
    setup
        .store
        .set_user_statuses(
            &setup.name,
            &first,
            &[UserStatus::Synced],
            UserStatus::Queued,
        )
        .expect("queue a pass");
    setup
        .supervisor
        .start(&setup.name, setup.secrets.clone(), RunMode::Continuous);
    let users = setup
        .wait_for("the refusal in the running runner", |users| {
            failed(users, &first)
        })
        .await;
    assert!(setup.supervisor.is_running(&setup.name));

    // Trusted again from the window, Retry copies with the runner that never stopped.
    let refused = users
        .iter()
        .find(|u| u.email_address == first)
        .expect("the first mailbox");
    setup.trust_shown_certificate(refused);
    setup.retry(&first);
    setup
        .wait_for("the retried pass", |users| {
            users.iter().all(|u| u.status == UserStatus::Synced)
        })
        .await;
    assert!(setup.supervisor.is_running(&setup.name));
    for email in &setup.emails {
        setup.assert_copied(email).await;
    }
    setup.supervisor.stop(&setup.name).await;
}
