//! "Connect Microsoft 365" checked against the identity-provider stand-in and a Dovecot that
//! asks the stand-in about every token (Exchange Online's place): the checker signs in
//! through the real browser flow, reads what was granted and opens a sample mailbox over
//! IMAP with XOAUTH2; each missing piece of the setup is named with its fix. Sign-ins go to
//! the real OS keyring.

use std::time::Duration;

use mailferry::oauth::setup_check::{
    check_browser_setup, check_stored_setup, CheckStatus, MailboxTarget, SetupCheck, SetupItem,
    SetupReport,
};
use mailferry::oauth::setup_script::SetupPath;
use mailferry::oauth::{
    self, AppCredential, Endpoints, OAuthError, ProviderConfig, SignInOptions, SignInRef,
};
use mailferry::secrets::SecretString;
use mailferry::tls::{Trust, TrustOptions};

use crate::harness::idp::{IdpEndpoint, IMAP_SCOPE};
use crate::harness::{Dovecot, DovecotConfig, Idp, Layout};
use crate::login::{unique, DEST_PW};

const TENANT: &str = "contoso.example";

fn config(idp: &Idp, client_id: &str, tenant: &str) -> ProviderConfig {
    let endpoints = Endpoints {
        authority_url: Some(idp.base_url()),
        graph_url: Some(idp.base_url()),
        ..Endpoints::default()
    };
    ProviderConfig::microsoft(tenant, client_id, &endpoints, false)
}

/// Exchange's place: every user signs in with a token the stand-in vouches for.
fn exchange(idp: &Idp, users: &[&str]) -> Dovecot {
    let mut config = DovecotConfig::new(Layout::Plain);
    for user in users {
        config = config.user(user, DEST_PW);
    }
    Dovecot::start(config.oauth2(&idp.introspection_url()))
}

fn target(dovecot: &Dovecot, mailbox: &str) -> MailboxTarget {
    MailboxTarget {
        imap_url: dovecot.url_imaps(mailbox),
        mailbox: Some(mailbox.to_string()),
        trust: Trust::new(&TrustOptions {
            ca_file: Some(dovecot.ca_pem_path()),
            pinned_sha256: None,
            host_pins: Vec::new(),
        })
        .expect("trust the test CA"),
    }
}

/// A person in the browser: opens the sign-in page and follows wherever it sends them
/// (back to Mailferry's loopback listener, with a code or an error).
fn browser() -> impl FnOnce(&str) -> Result<(), OAuthError> {
    |url: &str| {
        let url = url.to_string();
        tokio::spawn(async move {
            let http = crate::harness::idp::http_client_builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("HTTP client");
            let answer = http.get(&url).send().await.expect("GET authorize");
            if let Some(location) = answer.headers().get("location") {
                let location = location.to_str().expect("location").to_string();
                let _ = http.get(&location).send().await;
            }
        });
        Ok(())
    }
}

fn options(admin: &str) -> SignInOptions {
    SignInOptions {
        login_hint: Some(admin.to_string()),
        client_secret: None,
        timeout: Some(Duration::from_secs(60)),
    }
}

fn status(report: &SetupReport, item: SetupItem) -> CheckStatus {
    report
        .checks
        .iter()
        .find(|c| c.item == item)
        .map(|c| c.status)
        .unwrap_or_else(|| panic!("{item:?} not in {:#?}", report.checks))
}

fn verdict(report: &SetupReport, item: SetupItem) -> &SetupCheck {
    report
        .checks
        .iter()
        .find(|c| c.item == item)
        .expect("item in the report")
}

fn forget(name: &str) {
    let _ = oauth::forget_sign_in(&SignInRef::parse(name).expect("sign-in name"));
}

fn stored(name: &str) -> bool {
    oauth::list_sign_ins()
        .expect("list sign-ins")
        .iter()
        .any(|s| s.name == name)
}

#[tokio::test]
async fn a_complete_setup_passes_every_check_and_leaves_the_admin_signed_in() {
    let idp = Idp::start();
    let admin = unique("admin");
    let dovecot = exchange(&idp, &[&admin]);
    idp.set_browser_user(&admin);

    let report = check_browser_setup(
        SetupPath::Admin,
        config(&idp, Idp::CLIENT_ID, TENANT),
        options(&admin),
        target(&dovecot, &admin),
        browser(),
    )
    .await;

    assert!(report.ready(), "{:#?}", report.checks);
    assert!(
        report
            .checks
            .iter()
            .all(|c| c.status == CheckStatus::Passed),
        "{:#?}",
        report.checks
    );
    let signed_in = report.signed_in.expect("signed in");
    assert_eq!(signed_in.account, admin);
    assert!(stored(&signed_in.name));
    // The mailbox was opened with a token the stand-in issued for the admin.
    assert!(idp
        .introspections()
        .iter()
        .any(|r| r.active == Some(true) && r.user.as_deref() == Some(admin.as_str())));
    forget(&signed_in.name);
}

#[tokio::test]
async fn an_unknown_application_is_named_before_any_browser_opens() {
    let idp = Idp::start();
    let admin = unique("admin");
    let dovecot = exchange(&idp, &[&admin]);
    let unknown = "0b7c3a52-6d1e-4f3a-9c2b-8e5d4f6a7b81";

    let report = check_browser_setup(
        SetupPath::Admin,
        config(&idp, unknown, TENANT),
        options(&admin),
        target(&dovecot, &admin),
        |_: &str| panic!("no browser for an app that does not exist"),
    )
    .await;

    let app = verdict(&report, SetupItem::App);
    assert_eq!(app.status, CheckStatus::Failed);
    assert!(
        app.problem.as_deref().unwrap_or("").contains(unknown),
        "{app:#?}"
    );
    assert_eq!(app.link.as_deref(), Some("https://shell.azure.com"));
    assert!(report.checks[1..]
        .iter()
        .all(|c| c.status == CheckStatus::NotChecked));
    assert!(report.signed_in.is_none());
    let requests = idp.requests();
    assert!(requests
        .iter()
        .any(|r| r.endpoint == IdpEndpoint::DeviceCode && r.status == 400));
    assert!(!requests
        .iter()
        .any(|r| r.endpoint == IdpEndpoint::Authorize));
}

#[tokio::test]
async fn missing_admin_consent_links_to_the_consent_page_and_stores_nothing() {
    let idp = Idp::start();
    let admin = unique("admin");
    let dovecot = exchange(&idp, &[&admin]);
    idp.set_browser_user(&admin);
    idp.withhold_consent();

    let report = check_browser_setup(
        SetupPath::Admin,
        config(&idp, Idp::CLIENT_ID, TENANT),
        options(&admin),
        target(&dovecot, &admin),
        browser(),
    )
    .await;

    let consent = verdict(&report, SetupItem::Consent);
    assert_eq!(consent.status, CheckStatus::Failed, "{:#?}", report.checks);
    assert_eq!(
        consent.link.as_deref(),
        Some(&*format!(
            "{}/{TENANT}/adminconsent?client_id={}",
            idp.base_url(),
            Idp::CLIENT_ID
        ))
    );
    assert_eq!(
        status(&report, SetupItem::ImapPermission),
        CheckStatus::NotChecked
    );
    assert_eq!(
        status(&report, SetupItem::MailboxAccess),
        CheckStatus::NotChecked
    );
    assert!(report.signed_in.is_none());
    assert!(!stored(&format!("microsoft:{admin}")));
    assert!(idp.introspections().is_empty());
}

#[tokio::test]
async fn a_token_without_the_imap_permission_names_the_grant() {
    let idp = Idp::start();
    let admin = unique("admin");
    let dovecot = exchange(&idp, &[&admin]);
    idp.set_browser_user(&admin);
    idp.withhold_scope(IMAP_SCOPE);

    let report = check_browser_setup(
        SetupPath::Admin,
        config(&idp, Idp::CLIENT_ID, TENANT),
        options(&admin),
        target(&dovecot, &admin),
        browser(),
    )
    .await;

    let imap = verdict(&report, SetupItem::ImapPermission);
    assert_eq!(imap.status, CheckStatus::Failed, "{:#?}", report.checks);
    assert!(imap
        .command
        .as_deref()
        .unwrap_or("")
        .contains("-Scope \"IMAP.AccessAsUser.All\""));
    // Exchange's place refused the token too: the mailbox waits for the permission.
    assert!(idp.introspections().iter().any(|r| r.active == Some(false)));
    assert_eq!(
        status(&report, SetupItem::MailboxAccess),
        CheckStatus::NotChecked
    );
    if let Some(signed_in) = report.signed_in {
        forget(&signed_in.name);
    }
}

#[tokio::test]
async fn a_mailbox_without_full_access_names_add_mailbox_permission() {
    let idp = Idp::start();
    let admin = unique("admin");
    let bob = unique("bob");
    let dovecot = exchange(&idp, &[&admin, &bob]);
    idp.set_browser_user(&admin);

    let report = check_browser_setup(
        SetupPath::Admin,
        config(&idp, Idp::CLIENT_ID, TENANT),
        options(&admin),
        target(&dovecot, &bob),
        browser(),
    )
    .await;

    for item in [
        SetupItem::App,
        SetupItem::SignIn,
        SetupItem::Consent,
        SetupItem::ImapPermission,
    ] {
        assert_eq!(status(&report, item), CheckStatus::Passed, "{item:?}");
    }
    let access = verdict(&report, SetupItem::MailboxAccess);
    assert_eq!(access.status, CheckStatus::Failed);
    assert_eq!(
        access.problem.as_deref(),
        Some(&*format!("{admin} has no Full Access to {bob}."))
    );
    assert!(access.command.as_deref().unwrap_or("").contains(&format!(
        "Add-MailboxPermission -Identity \"{bob}\" -User \"{admin}\" -AccessRights FullAccess"
    )));
    forget(&format!("microsoft:{admin}"));
}

#[tokio::test]
async fn the_app_only_path_names_the_missing_service_principal_until_the_mailbox_is_granted() {
    let idp = Idp::start();
    let bob = unique("bob");
    let dovecot = exchange(&idp, &[&bob]);
    let tenant = format!("{}.example", unique("fabrikam"));
    let signed_in = oauth::sign_in_app(
        config(&idp, Idp::CLIENT_ID, &tenant),
        AppCredential::Secret(SecretString::new(Idp::CLIENT_SECRET.to_string())),
    )
    .await
    .expect("the app signs in with its secret");

    let before = check_stored_setup(&signed_in.reference, target(&dovecot, &bob)).await;
    assert_eq!(
        before.checks.iter().map(|c| c.item).collect::<Vec<_>>(),
        vec![
            SetupItem::App,
            SetupItem::ImapPermission,
            SetupItem::MailboxAccess
        ]
    );
    assert_eq!(status(&before, SetupItem::App), CheckStatus::Passed);
    let access = verdict(&before, SetupItem::MailboxAccess);
    assert_eq!(access.status, CheckStatus::Failed, "{:#?}", before.checks);
    let command = access.command.as_deref().unwrap_or("");
    assert!(command.contains(&format!(
        "New-ServicePrincipal -AppId \"{}\"",
        Idp::CLIENT_ID
    )));
    assert!(command.contains(&format!("Add-MailboxPermission -Identity \"{bob}\"")));

    idp.grant_app_mailbox(&bob);
    let after = check_stored_setup(&signed_in.reference, target(&dovecot, &bob)).await;
    assert_eq!(
        status(&after, SetupItem::MailboxAccess),
        CheckStatus::Passed
    );
    assert!(after.ready(), "{:#?}", after.checks);
    forget(&signed_in.name);
}

#[tokio::test]
async fn outlook_com_accounts_consent_for_themselves() {
    let idp = Idp::start();
    let person = unique("anna");
    let dovecot = exchange(&idp, &[&person]);
    idp.set_browser_user(&person);
    idp.withhold_consent();

    let declined = check_browser_setup(
        SetupPath::Personal,
        config(&idp, Idp::CLIENT_ID, "consumers"),
        options(&person),
        target(&dovecot, &person),
        browser(),
    )
    .await;
    let consent = verdict(&declined, SetupItem::Consent);
    assert_eq!(consent.status, CheckStatus::Failed);
    assert_eq!(consent.link, None, "no admin page for a personal account");
    assert!(consent.fix.as_deref().unwrap_or("").contains("Accept"));
    assert_eq!(
        idp.requests()
            .iter()
            .find(|r| r.endpoint == IdpEndpoint::Authorize)
            .and_then(|r| r.tenant.clone())
            .as_deref(),
        Some("consumers")
    );
}
