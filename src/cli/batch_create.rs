//! `mailferry batch create`: parses the options into a batch definition, lets the
//! application layer check and create it, and words its refusals with the options an owner
//! types here.

use std::process::ExitCode;

use mailferry::app::csv_import;
use mailferry::app::new_batch::{self, Definition, NewBatchError, Server};
use mailferry::batch::{BatchOptions, SecretMode};
use mailferry::error::{Classify, Problem};
use mailferry::secrets::SecretString;

use super::args::BatchCreateArgs;
use super::batch::{input, open_store, read_csv, secrets_for, server_spec};

pub fn create(args: BatchCreateArgs) -> Result<ExitCode, Problem> {
    let users = read_csv(&args.csv, args.source_login.is_some())?;
    let source = server_spec(&args.source)?;
    let destination = server_spec(&args.dest)?;
    // Two options that fill one field: only the command line can tell them apart.
    let destination_sign_in = match (&args.dest_login, &args.dest_client_credentials) {
        (Some(_), Some(_)) => {
            return Err(input(
                "--dest-login and --dest-client-credentials cannot be used together".into(),
                "Choose the admin's sign-in or the app's.",
            ))
        }
        (Some(name), None) => Some(name.clone()),
        (None, Some(tenant)) => Some(
            mailferry::oauth::SignInRef::app(mailferry::oauth::ProviderKind::Microsoft, tenant)
                .to_string(),
        ),
        (None, None) => None,
    };
    let name = args.name.clone().unwrap_or_else(|| {
        args.csv
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "batch".into())
    });
    let options = BatchOptions {
        excludes: args.exclude.clone(),
        max_message_size: args.max_message_size,
        max_concurrent_migrations: args.max_concurrent.max(1),
        max_concurrent_incremental: args.max_concurrent_incremental.max(1),
        incremental_interval_secs: args.incremental_interval.max(1),
        connections_per_mailbox: args.connections.max(1),
        destination_admin: args.dest_auth_user.clone(),
        destination_sign_in,
        source_sign_in: args.source_login.clone(),
        ca_file: args
            .ca_file
            .as_ref()
            .map(|p| p.to_string_lossy().into_owned()),
        pin_cert: args.pin_cert.clone(),
        allow_insecure_auth: args.allow_insecure_auth,
        timeout_secs: args.timeout.max(1),
        retry_wait_secs: args.retry_wait.max(1),
        disarm_read_receipts: args.disarm_read_receipts,
        // Trusted one server at a time from the window; the command line trusts with
        // --ca-file and --pin-cert.
        trusted_certificates: Vec::new(),
    };
    let (mailboxes, mut given) = csv_import::into_batch(users);
    let csv_holds_passwords = !given.source_passwords.is_empty();
    if let Some(var) = &args.dest_password_env {
        let password = std::env::var(var).map_err(|_| {
            input(
                format!("the environment variable {var} is not set"),
                "Set it to the destination admin's password.",
            )
        })?;
        given.admin_password = Some(SecretString::new(password));
    }
    let store = open_store(&args.common)?;
    let secrets = secrets_for(args.secrets);
    let definition = Definition {
        name,
        source,
        destination,
        options,
        users: mailboxes,
    };
    let created = new_batch::create(
        &store,
        &secrets,
        &definition,
        given,
        &new_batch::keyring_sign_ins,
    )
    .map_err(|e| words(&e, &args))?;
    let name = &created.name;
    if args.common.json {
        println!(
            "{}",
            serde_json::json!({
                "status": "created",
                "name": name,
                "users": created.users,
                "awaiting_sign_in": created.awaiting_sign_in,
            })
        );
    } else {
        println!(
            "Created batch \"{name}\" with {} mailbox(es).",
            created.users
        );
    }
    if !created.awaiting_sign_in.is_empty() {
        let provider = args
            .source_login
            .iter()
            .chain(&args.dest_login)
            .find_map(|option| mailferry::oauth::SignInRef::parse(option).ok())
            .map_or("microsoft", |reference| reference.provider.as_str());
        let batch = shell_word(name);
        eprintln!(
            "Not signed in yet: {}. Each fails alone until that person signs in (`mailferry login {provider} --login-hint USER`); then `mailferry batch retry {batch}` copies it. `mailferry batch test {batch}` lists who is still missing.",
            created.awaiting_sign_in.join(", ")
        );
    }
    if csv_holds_passwords {
        eprintln!("Note: {} still contains passwords. Delete it or keep it somewhere safe; Mailferry does not need it any more{}.", args.csv.display(), if secrets.mode() == SecretMode::Memory { " once the batch has run (with --secrets memory, pass it again to `batch start --csv`)" } else { "" });
    }
    Ok(ExitCode::SUCCESS)
}

/// The command line's words for a refused batch: the fact as the engine states it, and what
/// to type.
fn words(error: &NewBatchError, args: &BatchCreateArgs) -> Problem {
    let option = |server: &Server| match server {
        Server::Source => "--source-login",
        Server::Destination => {
            if args.dest_client_credentials.is_some() {
                "--dest-client-credentials"
            } else {
                "--dest-login"
            }
        }
    };
    let hint: String = match error {
        NewBatchError::NoName => "Give the batch a name with --name.".into(),
        NewBatchError::NameTaken { name } => format!(
            "Pick another name with --name, or delete the old batch first (`mailferry batch delete {name}`)."
        ),
        NewBatchError::NoUsers => "Add one line per mailbox to the CSV.".into(),
        NewBatchError::BadAddress { .. } | NewBatchError::DuplicateAddress { .. } => {
            "Correct the EmailAddress column of the CSV.".into()
        }
        NewBatchError::NoUserName { .. } => "Fill in the UserName column of the CSV.".into(),
        NewBatchError::BadServer { server, .. } => format!(
            "Write {} as a provider (gmail, outlook, …) or imaps://host:port, without a user.",
            match server {
                Server::Source => "--source",
                Server::Destination => "--dest",
            }
        ),
        NewBatchError::PasswordsRefused { .. } => "Sign each mailbox in with `mailferry login microsoft --tenant consumers --login-hint USER`, then create the batch with --source-login microsoft:* (the Password column may then stay empty).".into(),
        NewBatchError::BadSignIn { server, .. } => format!(
            "Give {} a stored sign-in's name (`mailferry login list` shows them), or PROVIDER:* for each user's own.",
            option(server)
        ),
        NewBatchError::SignInMissing { server, name } => format!(
            "Sign in first (`mailferry login {}`; `mailferry login list` shows what is stored), then pass its name to {}.",
            name.split(':').next().unwrap_or("microsoft"),
            option(server)
        ),
        NewBatchError::SignInAndAdmin => format!(
            "A stored sign-in ({}) replaces --dest-auth-user and --dest-password-env: leave those out; each row's EmailAddress is the mailbox the sign-in opens.",
            option(&Server::Destination)
        ),
        NewBatchError::AdminPasswordUnused => {
            if args.dest_login.is_some() || args.dest_client_credentials.is_some() {
                format!(
                    "A stored sign-in ({}) replaces --dest-password-env: leave it out.",
                    option(&Server::Destination)
                )
            } else {
                "--dest-password-env goes with --dest-auth-user: give the destination admin's name too.".into()
            }
        }
        NewBatchError::NoAdminPassword { .. } => "--dest-auth-user and --dest-password-env go together: give the variable holding the admin's password.".into(),
        NewBatchError::NoDestinationAccess => "Add --dest-auth-user ADMIN --dest-password-env VAR, or --dest-login / --dest-client-credentials with a stored sign-in.".into(),
        NewBatchError::MissingPasswords { .. } => "Fill in the Password column for these rows (or sign them in with --source-login).".into(),
        NewBatchError::Store(_) | NewBatchError::Secret(_) | NewBatchError::SignIns(_) => {
            return error.problem()
        }
    };
    Problem::new(error.kind(), error.to_string(), hint)
}

/// A batch name as it is typed in a shell: quoted when it holds anything but plain
/// characters, so the suggested command works when pasted.
fn shell_word(name: &str) -> String {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.@+,".contains(c));
    if plain && !name.is_empty() {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn a_batch_name_is_quoted_for_the_shell_only_when_it_needs_it() {
        assert_eq!(shell_word("pilot-2"), "pilot-2");
        assert_eq!(
            shell_word("Waiting for a sign-in"),
            "'Waiting for a sign-in'"
        );
        assert_eq!(shell_word("Anna's team"), "'Anna'\\''s team'");
        assert_eq!(shell_word(""), "''");
    }
}
