//! Creating a batch: one set of rules for the command line and the window.
//!
//! [`decide`] is pure: it checks a definition against what is already stored (the facts) and
//! gives the batch as it will be kept, or the first rule it breaks. [`create`] gathers those
//! facts from the database, the batch's secrets and the keyring, keeps the secrets handed
//! over with the definition, and then creates the batch — secrets first, so that a batch
//! that exists can run.
//!
//! Errors are facts (which mailbox, which rule); the command line words them with its
//! options, the window with its fields and buttons.

use std::collections::HashSet;

use thiserror::Error;

use super::mailbox_sign_ins::{self, Row};
use crate::batch::{
    is_per_user, normalize_sign_in, BatchError, BatchOptions, BatchSecrets, BatchStore, NewBatch,
    ServerSpec, SignInSide,
};
use crate::error::{Classify, ErrorKind};
use crate::secrets::{SecretError, SecretString};

/// One mailbox of a new batch: a row of Microsoft's CSV, or a row typed into the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// The mailbox on the new server.
    pub email_address: String,
    /// The login on the old server.
    pub user_name: String,
    pub user_root: Option<String>,
}

/// A batch as the owner describes it.
#[derive(Debug, Clone)]
pub struct Definition {
    pub name: String,
    pub source: ServerSpec,
    pub destination: ServerSpec,
    pub options: BatchOptions,
    pub users: Vec<NewUser>,
}

/// Passwords handed over together with the definition (the command line reads them from the
/// CSV and the environment). The window keeps each one as it is typed, before it creates the
/// batch, so it hands over none.
#[derive(Default)]
pub struct GivenSecrets {
    /// By mailbox address.
    pub source_passwords: Vec<(String, SecretString)>,
    pub admin_password: Option<SecretString>,
}

/// What is already stored, as far as the rules need it.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// A batch of that name exists.
    pub name_taken: bool,
    /// Mailboxes (lower case) with a source password kept for this batch, or handed over now.
    pub passwords: HashSet<String>,
    /// The destination admin's password is kept for this batch, or handed over now.
    pub admin_password: bool,
    /// A destination admin password was handed over now (not merely left from before).
    pub admin_password_given: bool,
    /// The names of the stored sign-ins (`microsoft:admin@contoso.com`, …).
    pub sign_ins: HashSet<String>,
    /// Nothing was looked up yet: take everything stored as present, so that only the rules
    /// about the definition itself (and what was handed over) can refuse it.
    pub assume_stored: bool,
}

impl Facts {
    fn name_taken(&self) -> bool {
        !self.assume_stored && self.name_taken
    }
    fn has_password(&self, email: &str) -> bool {
        self.assume_stored || self.passwords.contains(&email.to_lowercase())
    }
    fn has_admin_password(&self) -> bool {
        self.assume_stored || self.admin_password
    }
    fn has_sign_in(&self, name: &str) -> bool {
        self.assume_stored || self.sign_ins.contains(name)
    }
}

/// Which server a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Source,
    Destination,
}

impl Server {
    fn words(self) -> &'static str {
        match self {
            Server::Source => "old server",
            Server::Destination => "new server",
        }
    }
}

impl From<SignInSide> for Server {
    fn from(side: SignInSide) -> Server {
        match side {
            SignInSide::Source => Server::Source,
            SignInSide::Destination => Server::Destination,
        }
    }
}

/// Why a batch was not created.
#[derive(Debug, Error)]
pub enum NewBatchError {
    #[error("the batch has no name")]
    NoName,
    #[error("a batch called \"{name}\" already exists")]
    NameTaken { name: String },
    #[error("the batch has no mailboxes")]
    NoUsers,
    #[error("the mailbox address {email_address:?} {why}")]
    BadAddress { email_address: String, why: String },
    #[error("the mailbox {email_address} is listed twice")]
    DuplicateAddress { email_address: String },
    #[error("the mailbox {email_address} has no user name for the old server")]
    NoUserName { email_address: String },
    #[error("the {} address {url:?} cannot be used: {why}", .server.words())]
    BadServer {
        server: Server,
        url: String,
        why: String,
    },
    #[error("{provider} does not accept passwords any more: {help}")]
    PasswordsRefused { provider: String, help: String },
    #[error("the {} sign-in {name:?} cannot be used: {why}", .server.words())]
    BadSignIn {
        server: Server,
        name: String,
        why: String,
    },
    #[error("the {} sign-in {name} is not stored on this computer", .server.words())]
    SignInMissing { server: Server, name: String },
    #[error("the new server is opened either by a sign-in or by an admin account, not both")]
    SignInAndAdmin,
    #[error("an admin password was given but no admin account to use it with")]
    AdminPasswordUnused,
    #[error("no password is stored for the new server's admin account {admin}")]
    NoAdminPassword { admin: String },
    #[error("nothing opens the new mailboxes: neither an admin account nor a sign-in is set")]
    NoDestinationAccess,
    #[error("no password is stored for {}", .email_addresses.join(", "))]
    MissingPasswords { email_addresses: Vec<String> },
    #[error(transparent)]
    Store(#[from] BatchError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The stored sign-ins could not be listed (the keyring refused).
    #[error("the stored sign-ins cannot be read: {}", .0.message)]
    SignIns(crate::error::Problem),
}

impl Classify for NewBatchError {
    fn kind(&self) -> ErrorKind {
        match self {
            NewBatchError::Store(e) => e.kind(),
            NewBatchError::Secret(e) => e.kind(),
            NewBatchError::SignIns(p) => p.kind,
            _ => ErrorKind::Input,
        }
    }

    /// Plain words without either front end's controls; each front end has its own.
    fn hint(&self) -> String {
        match self {
            NewBatchError::NoName => "Give the batch a name.".into(),
            NewBatchError::NameTaken { .. } => "Pick another name.".into(),
            NewBatchError::NoUsers => "Add at least one mailbox.".into(),
            NewBatchError::BadAddress { .. } | NewBatchError::DuplicateAddress { .. } => {
                "Correct the mailbox addresses.".into()
            }
            NewBatchError::NoUserName { .. } => {
                "Give each mailbox the name it signs in with on the old server.".into()
            }
            NewBatchError::BadServer { .. } => "Correct the server's address.".into(),
            NewBatchError::PasswordsRefused { .. } => {
                "Sign in to each old mailbox with the provider instead.".into()
            }
            NewBatchError::BadSignIn { .. } | NewBatchError::SignInMissing { .. } => {
                "Sign in again, then create the batch.".into()
            }
            NewBatchError::SignInAndAdmin | NewBatchError::AdminPasswordUnused => {
                "Choose one way to open the new mailboxes.".into()
            }
            NewBatchError::NoAdminPassword { .. } => "Give the admin's password.".into(),
            NewBatchError::NoDestinationAccess => {
                "Choose how Mailferry opens the new mailboxes: an admin account, or a sign-in."
                    .into()
            }
            NewBatchError::MissingPasswords { .. } => {
                "Give each of these mailboxes its password (or app password).".into()
            }
            NewBatchError::Store(e) => e.hint(),
            NewBatchError::Secret(e) => e.hint(),
            NewBatchError::SignIns(p) => p.hint.clone(),
        }
    }
}

/// The batch as it will be kept.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub batch: NewBatch,
    pub users: Vec<NewUser>,
    /// Mailboxes whose own sign-in (`microsoft:*`) is not stored yet.
    pub awaiting_sign_in: Vec<String>,
}

/// Checks a definition against what is stored. The order of the rules is the order an owner
/// fills a batch in: name, mailboxes, servers, how each server is opened, then whether every
/// mailbox can actually be opened.
pub fn decide(definition: &Definition, facts: &Facts) -> Result<Accepted, NewBatchError> {
    let name = definition.name.trim().to_string();
    if name.is_empty() {
        return Err(NewBatchError::NoName);
    }
    if facts.name_taken() {
        return Err(NewBatchError::NameTaken { name });
    }
    check_users(&definition.users)?;
    check_server(Server::Source, &definition.source)?;
    check_server(Server::Destination, &definition.destination)?;

    let mut options = definition.options.clone();
    options.source_sign_in = normalized(Server::Source, &options.source_sign_in)?;
    options.destination_sign_in = normalized(Server::Destination, &options.destination_sign_in)?;
    if options.source_sign_in.is_none() {
        if let Some(preset) = definition
            .source
            .preset
            .as_deref()
            .and_then(crate::presets::find)
        {
            if !preset.accepts_passwords() {
                return Err(NewBatchError::PasswordsRefused {
                    provider: preset.name,
                    help: preset.help,
                });
            }
        }
    }
    // A sign-in shared by every mailbox must exist now: without it every mailbox would fail.
    for (server, sign_in) in [
        (Server::Source, &options.source_sign_in),
        (Server::Destination, &options.destination_sign_in),
    ] {
        if let Some(name) = sign_in {
            if !is_per_user(name) && !facts.has_sign_in(name) {
                return Err(NewBatchError::SignInMissing {
                    server,
                    name: name.clone(),
                });
            }
        }
    }
    options.destination_admin = options
        .destination_admin
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string);
    match (&options.destination_sign_in, &options.destination_admin) {
        (Some(_), Some(_)) => return Err(NewBatchError::SignInAndAdmin),
        (Some(_), None) if facts.admin_password_given => {
            return Err(NewBatchError::AdminPasswordUnused)
        }
        (None, None) if facts.admin_password_given => {
            return Err(NewBatchError::AdminPasswordUnused)
        }
        (None, None) => return Err(NewBatchError::NoDestinationAccess),
        (None, Some(admin)) if !facts.has_admin_password() => {
            return Err(NewBatchError::NoAdminPassword {
                admin: admin.clone(),
            })
        }
        _ => {}
    }

    // Passwords are the owner's to give, now. Each person's own sign-in is theirs to make:
    // people sign in on their own time (often on their own computer), so a batch of many
    // mailboxes must not wait for the slowest one. Those not signed in yet are listed here,
    // fail alone with the exact sign-in to make when their turn comes, and Retry takes
    // them once they have signed in.
    let mut missing_passwords = Vec::new();
    if options.source_sign_in.is_none() {
        for user in &definition.users {
            let email = user.email_address.trim();
            if !facts.has_password(email) {
                missing_passwords.push(email.to_string());
            }
        }
    }
    let rows: Vec<Row<'_>> = definition
        .users
        .iter()
        .map(|u| Row {
            user_name: &u.user_name,
            email_address: &u.email_address,
        })
        .collect();
    let awaiting_sign_in =
        mailbox_sign_ins::awaiting(&mailbox_sign_ins::of_batch(&options, &rows, &[]), |name| {
            facts.has_sign_in(name)
        });
    if !missing_passwords.is_empty() {
        return Err(NewBatchError::MissingPasswords {
            email_addresses: missing_passwords,
        });
    }
    let users = definition
        .users
        .iter()
        .map(|u| NewUser {
            email_address: u.email_address.trim().to_string(),
            user_name: u.user_name.trim().to_string(),
            user_root: u
                .user_root
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string),
        })
        .collect();
    Ok(Accepted {
        batch: NewBatch {
            name,
            source: definition.source.clone(),
            destination: definition.destination.clone(),
            options,
        },
        users,
        awaiting_sign_in,
    })
}

fn check_users(users: &[NewUser]) -> Result<(), NewBatchError> {
    if users.is_empty() {
        return Err(NewBatchError::NoUsers);
    }
    let mut seen = HashSet::new();
    for user in users {
        let email = user.email_address.trim();
        crate::migration_csv::check_email(email).map_err(|why| NewBatchError::BadAddress {
            email_address: email.to_string(),
            why: why.trim_start_matches(&format!("\"{email}\" ")).to_string(),
        })?;
        if !seen.insert(email.to_lowercase()) {
            return Err(NewBatchError::DuplicateAddress {
                email_address: email.to_string(),
            });
        }
        if user.user_name.trim().is_empty() {
            return Err(NewBatchError::NoUserName {
                email_address: email.to_string(),
            });
        }
    }
    Ok(())
}

/// A batch names its servers without users: each row supplies the user.
fn check_server(server: Server, spec: &ServerSpec) -> Result<(), NewBatchError> {
    let bad = |why: String| NewBatchError::BadServer {
        server,
        url: spec.url.clone(),
        why,
    };
    let endpoint = crate::endpoint::Endpoint::parse(&spec.url).map_err(|e| bad(e.to_string()))?;
    if !endpoint.user.is_empty() {
        return Err(bad(
            "it names a user; each mailbox supplies its own".to_string()
        ));
    }
    Ok(())
}

fn normalized(server: Server, name: &Option<String>) -> Result<Option<String>, NewBatchError> {
    match name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        None => Ok(None),
        Some(name) => {
            normalize_sign_in(name)
                .map(Some)
                .map_err(|problem| NewBatchError::BadSignIn {
                    server,
                    name: name.to_string(),
                    why: problem.message,
                })
        }
    }
}

/// A created batch.
#[derive(Debug, Clone)]
pub struct Created {
    pub name: String,
    pub users: usize,
    /// Mailboxes whose own sign-in is still to be made; they fail alone until it is.
    pub awaiting_sign_in: Vec<String>,
}

/// Where the stored sign-ins come from; the keyring in the app, a list in tests.
pub type SignInList<'a> = &'a dyn Fn() -> Result<Vec<String>, crate::error::Problem>;

/// The stored sign-ins, from the OS keyring.
pub fn keyring_sign_ins() -> Result<Vec<String>, crate::error::Problem> {
    crate::oauth::list_sign_ins()
        .map(|list| list.into_iter().map(|info| info.name).collect())
        .map_err(|e| e.problem())
}

/// The name rule alone, for a form that asks for the name before anything else.
pub fn check_name(store: &BatchStore, name: &str) -> Result<(), NewBatchError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(NewBatchError::NoName);
    }
    match store.batch(name) {
        Ok(_) => Err(NewBatchError::NameTaken { name: name.into() }),
        Err(BatchError::NotFound(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Checks the definition against what is stored, keeps the secrets handed over, then
/// creates the batch.
pub fn create(
    store: &BatchStore,
    secrets: &BatchSecrets,
    definition: &Definition,
    given: GivenSecrets,
    sign_ins: SignInList<'_>,
) -> Result<Created, NewBatchError> {
    // The rules about the definition itself come first, before anything is looked up.
    decide(
        definition,
        &Facts {
            admin_password_given: given.admin_password.is_some(),
            assume_stored: true,
            ..Facts::default()
        },
    )?;
    let name = definition.name.trim();
    let name_taken = match store.batch(name) {
        Ok(_) => true,
        Err(BatchError::NotFound(_)) => false,
        Err(e) => return Err(e.into()),
    };
    let mut facts = Facts {
        name_taken,
        admin_password_given: given.admin_password.is_some(),
        ..Facts::default()
    };
    if !name.is_empty() && !name_taken {
        // Only what was not handed over is looked up: a definition that brings its secrets
        // is checked without the keyring (which may be missing, or prompt to unlock).
        let names_admin = definition
            .options
            .destination_admin
            .as_deref()
            .is_some_and(|a| !a.trim().is_empty());
        facts.admin_password =
            facts.admin_password_given || (names_admin && secrets.admin_password(name)?.is_some());
        for (email, password) in &given.source_passwords {
            if !password.expose().is_empty() {
                facts.passwords.insert(email.trim().to_lowercase());
            }
        }
        if definition.options.source_sign_in.is_none() {
            for user in &definition.users {
                let email = user.email_address.trim().to_lowercase();
                if !facts.passwords.contains(&email)
                    && secrets.source_password(name, &email)?.is_some()
                {
                    facts.passwords.insert(email);
                }
            }
        }
        // The keyring is asked only when the batch names a sign-in (it may prompt to unlock).
        if definition.options.source_sign_in.is_some()
            || definition.options.destination_sign_in.is_some()
        {
            facts.sign_ins = sign_ins()
                .map_err(NewBatchError::SignIns)?
                .into_iter()
                .collect();
        }
    }
    let accepted = decide(definition, &facts)?;
    let batch = &accepted.batch.name;
    for (email, password) in given
        .source_passwords
        .iter()
        .filter(|(_, p)| !p.expose().is_empty())
    {
        secrets.set_source_password(batch, email.trim(), password)?;
    }
    if let Some(password) = &given.admin_password {
        secrets.set_admin_password(batch, password)?;
    }
    let rows: Vec<(String, String, Option<String>)> = accepted
        .users
        .iter()
        .map(|u| {
            (
                u.email_address.clone(),
                u.user_name.clone(),
                u.user_root.clone(),
            )
        })
        .collect();
    store.create(&accepted.batch, &rows)?;
    Ok(Created {
        name: batch.clone(),
        users: rows.len(),
        awaiting_sign_in: accepted.awaiting_sign_in,
    })
}

#[cfg(test)]
mod tests;
