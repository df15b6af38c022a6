use super::*;
use crate::batch::SecretMode;

fn server(url: &str) -> ServerSpec {
    ServerSpec {
        preset: None,
        url: url.into(),
    }
}

fn user(email: &str, login: &str) -> NewUser {
    NewUser {
        email_address: email.into(),
        user_name: login.into(),
        user_root: None,
    }
}

/// A batch that passes every rule: two mailboxes with passwords, an admin with a password.
fn good() -> (Definition, Facts) {
    let definition = Definition {
        name: " Contoso ".into(),
        source: server("imaps://imap.old.example:993"),
        destination: server("imaps://outlook.office365.com:993"),
        options: BatchOptions {
            destination_admin: Some("admin@contoso.com".into()),
            ..BatchOptions::default()
        },
        users: vec![
            user("anna@contoso.com", "anna"),
            user("ben@contoso.com", "ben"),
        ],
    };
    let facts = Facts {
        passwords: ["anna@contoso.com", "ben@contoso.com"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        admin_password: true,
        ..Facts::default()
    };
    (definition, facts)
}

fn refused(definition: &Definition, facts: &Facts) -> NewBatchError {
    let error = decide(definition, facts).expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Input, "{error}");
    assert!(!error.to_string().contains("--"), "{error}");
    assert!(!error.hint().contains("--"), "{error}");
    error
}

#[test]
fn a_good_definition_is_accepted_with_its_name_trimmed() {
    let (definition, facts) = good();
    let accepted = decide(&definition, &facts).expect("accepted");
    assert_eq!(accepted.batch.name, "Contoso");
    assert_eq!(accepted.users.len(), 2);
    assert!(accepted.awaiting_sign_in.is_empty());
}

#[test]
fn a_batch_needs_a_name_not_yet_taken() {
    let (mut definition, facts) = good();
    definition.name = "  ".into();
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::NoName
    ));
    let (definition, mut facts) = good();
    facts.name_taken = true;
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::NameTaken { name } if name == "Contoso"
    ));
}

#[test]
fn a_batch_needs_mailboxes_with_addresses_and_user_names() {
    let (mut definition, facts) = good();
    definition.users.clear();
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::NoUsers
    ));

    let (mut definition, facts) = good();
    definition.users[1].email_address = "ben-at-contoso".into();
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::BadAddress { email_address, why }
            if email_address == "ben-at-contoso" && why == "is not an email address"
    ));

    let (mut definition, facts) = good();
    definition.users[1].email_address = "ANNA@contoso.com".into();
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::DuplicateAddress { email_address } if email_address == "ANNA@contoso.com"
    ));

    let (mut definition, facts) = good();
    definition.users[0].user_name = " ".into();
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::NoUserName { email_address } if email_address == "anna@contoso.com"
    ));
}

#[test]
fn servers_are_addresses_without_a_user() {
    let (mut definition, facts) = good();
    definition.source.url = "pop3://old.example".into();
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::BadServer {
            server: Server::Source,
            ..
        }
    ));
    let (mut definition, facts) = good();
    definition.destination.url = "imaps://someone@outlook.office365.com".into();
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::BadServer {
            server: Server::Destination,
            ..
        }
    ));
}

#[test]
fn a_provider_without_passwords_needs_a_sign_in() {
    let (mut definition, facts) = good();
    definition.source = ServerSpec {
        preset: Some("outlook".into()),
        url: "imaps://outlook.office365.com:993".into(),
    };
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::PasswordsRefused { provider, .. } if provider.contains("Outlook")
    ));
    definition.options.source_sign_in = Some("Outlook:*".into());
    let accepted = decide(&definition, &facts).expect("signing in is accepted");
    assert_eq!(
        accepted.batch.options.source_sign_in.as_deref(),
        Some("microsoft:*")
    );
}

#[test]
fn sign_in_names_are_normalised_and_a_shared_one_must_be_stored() {
    let (mut definition, mut facts) = good();
    definition.options.destination_admin = None;
    definition.options.destination_sign_in = Some("yahoo:admin@contoso.com".into());
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::BadSignIn {
            server: Server::Destination,
            ..
        }
    ));
    definition.options.destination_sign_in = Some("microsoft-app:*".into());
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::BadSignIn { .. }
    ));
    definition.options.destination_sign_in = Some("Outlook:Admin@Contoso.com".into());
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::SignInMissing { server: Server::Destination, name }
            if name == "microsoft:admin@contoso.com"
    ));
    facts.sign_ins.insert("microsoft:admin@contoso.com".into());
    let accepted = decide(&definition, &facts).expect("stored sign-in");
    assert_eq!(
        accepted.batch.options.destination_sign_in.as_deref(),
        Some("microsoft:admin@contoso.com")
    );

    let (mut definition, facts) = good();
    definition.options.source_sign_in = Some("google:owner@gmail.com".into());
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::SignInMissing {
            server: Server::Source,
            ..
        }
    ));
}

#[test]
fn each_persons_own_sign_in_may_come_later_and_is_listed() {
    let (mut definition, mut facts) = good();
    definition.options.source_sign_in = Some("microsoft:*".into());
    facts.passwords.clear();
    facts.sign_ins.insert("microsoft:anna".into());
    let accepted = decide(&definition, &facts).expect("accepted");
    assert_eq!(
        accepted.awaiting_sign_in,
        vec!["ben@contoso.com".to_string()]
    );

    // On the new server the address names the sign-in.
    let (mut definition, mut facts) = good();
    definition.options.destination_admin = None;
    definition.options.destination_sign_in = Some("microsoft:*".into());
    facts.admin_password = false;
    facts.sign_ins.insert("microsoft:ben@contoso.com".into());
    let accepted = decide(&definition, &facts).expect("accepted");
    assert_eq!(
        accepted.awaiting_sign_in,
        vec!["anna@contoso.com".to_string()]
    );
}

#[test]
fn the_new_server_is_opened_one_way_and_the_admin_needs_a_password() {
    let (mut definition, mut facts) = good();
    definition.options.destination_sign_in = Some("microsoft:admin@contoso.com".into());
    facts.sign_ins.insert("microsoft:admin@contoso.com".into());
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::SignInAndAdmin
    ));

    definition.options.destination_admin = None;
    facts.admin_password_given = true;
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::AdminPasswordUnused
    ));
    definition.options.destination_sign_in = None;
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::AdminPasswordUnused
    ));
    facts.admin_password_given = false;
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::NoDestinationAccess
    ));

    let (definition, mut facts) = good();
    facts.admin_password = false;
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::NoAdminPassword { admin } if admin == "admin@contoso.com"
    ));
}

#[test]
fn every_mailbox_without_a_sign_in_needs_its_password() {
    let (definition, mut facts) = good();
    facts.passwords.remove("ben@contoso.com");
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::MissingPasswords { email_addresses } if email_addresses == ["ben@contoso.com"]
    ));
    // Addresses are compared without regard to case, as the keyring stores them.
    let (mut definition, facts) = good();
    definition.users[0].email_address = "Anna@Contoso.com".into();
    decide(&definition, &facts).expect("accepted");
}

fn memory_store() -> (tempfile::TempDir, BatchStore, BatchSecrets) {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = crate::state::State::open(dir.path()).expect("state");
    let store = BatchStore::new(state).expect("store");
    (dir, store, BatchSecrets::new(SecretMode::Memory))
}

fn no_sign_ins() -> Result<Vec<String>, crate::error::Problem> {
    Ok(Vec::new())
}

#[test]
fn create_keeps_the_secrets_handed_over_then_the_batch() {
    let (_dir, store, secrets) = memory_store();
    let (definition, _) = good();
    let given = GivenSecrets {
        source_passwords: vec![
            ("anna@contoso.com".into(), SecretString::new("pw-a".into())),
            ("ben@contoso.com".into(), SecretString::new("pw-b".into())),
        ],
        admin_password: Some(SecretString::new("pw-admin".into())),
    };
    let created = create(&store, &secrets, &definition, given, &no_sign_ins).expect("created");
    assert_eq!((created.name.as_str(), created.users), ("Contoso", 2));
    assert!(secrets
        .source_password("Contoso", "ben@contoso.com")
        .unwrap()
        .is_some());
    assert!(secrets.admin_password("Contoso").unwrap().is_some());
    assert_eq!(store.users("Contoso").unwrap().len(), 2);

    // The same name again is refused before any secret is touched.
    let given = GivenSecrets {
        admin_password: Some(SecretString::new("pw-other".into())),
        ..GivenSecrets::default()
    };
    let error = create(&store, &secrets, &definition, given, &no_sign_ins).unwrap_err();
    assert!(matches!(error, NewBatchError::NameTaken { .. }));
    assert_eq!(
        secrets.admin_password("Contoso").unwrap().unwrap().expose(),
        "pw-admin"
    );
}

#[test]
fn create_counts_passwords_kept_beforehand_and_keeps_nothing_when_refused() {
    let (_dir, store, secrets) = memory_store();
    let (definition, _) = good();
    // As the window does: each password kept as it is typed, before creating.
    secrets
        .set_source_password(
            "Contoso",
            "anna@contoso.com",
            &SecretString::new("a".into()),
        )
        .unwrap();
    secrets
        .set_admin_password("Contoso", &SecretString::new("admin".into()))
        .unwrap();
    let error = create(
        &store,
        &secrets,
        &definition,
        GivenSecrets::default(),
        &no_sign_ins,
    )
    .unwrap_err();
    assert!(matches!(
        &error,
        NewBatchError::MissingPasswords { email_addresses } if email_addresses == &["ben@contoso.com"]
    ));
    assert!(store.names().unwrap().is_empty());
    secrets
        .set_source_password("Contoso", "ben@contoso.com", &SecretString::new("b".into()))
        .unwrap();
    create(
        &store,
        &secrets,
        &definition,
        GivenSecrets::default(),
        &no_sign_ins,
    )
    .expect("created");
}

#[test]
fn the_keyring_is_asked_for_sign_ins_only_when_the_batch_names_one() {
    let (_dir, store, secrets) = memory_store();
    let (mut definition, _) = good();
    let failing = || -> Result<Vec<String>, crate::error::Problem> {
        Err(crate::error::Problem::new(ErrorKind::Local, "locked", ""))
    };
    definition.options.destination_admin = None;
    definition.options.destination_sign_in = Some("microsoft:admin@contoso.com".into());
    let error = create(
        &store,
        &secrets,
        &definition,
        GivenSecrets::default(),
        &failing,
    )
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Local);
    let stored = || Ok(vec!["microsoft:admin@contoso.com".to_string()]);
    let given = GivenSecrets {
        source_passwords: vec![
            ("anna@contoso.com".into(), SecretString::new("a".into())),
            ("ben@contoso.com".into(), SecretString::new("b".into())),
        ],
        admin_password: None,
    };
    create(&store, &secrets, &definition, given, &stored).expect("created");
}

#[test]
fn the_definition_alone_is_judged_before_anything_is_looked_up() {
    let (_dir, store, secrets) = memory_store();
    let (mut definition, _) = good();
    definition.source = ServerSpec {
        preset: Some("outlook".into()),
        url: "imaps://outlook.office365.com:993".into(),
    };
    // A keyring that cannot be read must not hide what is wrong with the definition.
    definition.options.destination_admin = None;
    definition.options.destination_sign_in = Some("microsoft:admin@contoso.com".into());
    let unreadable =
        || -> Result<Vec<String>, crate::error::Problem> { panic!("the keyring was asked") };
    let error = create(
        &store,
        &secrets,
        &definition,
        GivenSecrets::default(),
        &unreadable,
    )
    .unwrap_err();
    assert!(matches!(error, NewBatchError::PasswordsRefused { .. }));
    // Taking everything stored as present still applies the rules about what was handed over.
    let (mut definition, _) = good();
    definition.options.destination_admin = None;
    let facts = Facts {
        admin_password_given: true,
        assume_stored: true,
        ..Facts::default()
    };
    assert!(matches!(
        refused(&definition, &facts),
        NewBatchError::AdminPasswordUnused
    ));
}
