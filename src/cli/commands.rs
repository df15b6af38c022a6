use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use mailferry::auth::Credentials;
use mailferry::display::escape_controls as show;
use mailferry::endpoint::{Endpoint, Security};
use mailferry::error::{AuthMethod, Classify, Problem};
use mailferry::events::Events;
use mailferry::folder_plan::PlanOptions;
use mailferry::imap::Timeouts;
use mailferry::migrate::{Migration, MigrationOptions, Side};
use mailferry::oauth::{ProviderKind, Purpose, SignInRef, TokenSource};
use mailferry::report::RunStatus;
use mailferry::secrets::{self, PasswordSource, Secret, SecretString};
use mailferry::state::State;
use mailferry::tls::{self, Trust, TrustOptions};

use super::args::{Cli, MigrateArgs, PasswordAction};
use super::wording::{self, Command};
use super::{progress, EXIT_FAILED, EXIT_INPUT};

pub async fn run(cli: Cli) -> ExitCode {
    use super::args::Command;
    match cli.command {
        Command::Migrate(args) => migrate(args).await,
        Command::Plan(args) => plan(args).await,
        Command::Verify(args) => verify(args).await,
        Command::Batch { action } => super::batch::run(action).await,
        Command::Cutover { action } => super::cutover::run(action).await,
        Command::Password { action } => password(action),
        Command::Login { action } => super::login::run(action).await,
        Command::Logout(args) => super::login::logout(args),
    }
}

/// Prints a problem the way every command does, and picks the exit status.
/// A failure told on stderr (and as JSON when asked), with the exit status its kind calls
/// for: 2 for unusable input, 1 for everything else.
pub fn fail_by_kind(problem: &Problem, json: bool) -> ExitCode {
    fail_by_kind_in(problem, json, Command::Other)
}

/// [`fail_by_kind`] for a command whose options the advice may name.
pub fn fail_by_kind_in(problem: &Problem, json: bool, command: Command) -> ExitCode {
    let status = if problem.kind == mailferry::error::ErrorKind::Input {
        EXIT_INPUT
    } else {
        EXIT_FAILED
    };
    fail_in(problem, json, status, command)
}

fn fail(problem: &Problem, json: bool, status: u8) -> ExitCode {
    fail_in(problem, json, status, Command::Migrate)
}

fn fail_in(problem: &Problem, json: bool, status: u8, command: Command) -> ExitCode {
    let problem = &wording::for_command_line(problem, command);
    if json {
        let body = serde_json::json!({ "status": "failed", "errors": [problem] });
        println!("{body}");
    }
    tell(problem);
    ExitCode::from(status)
}

/// A problem on stderr: what went wrong, what to do, and what to type when that is an option.
fn tell(problem: &Problem) {
    eprintln!(
        "mailferry: {}\n  What to do: {}",
        show(&problem.message),
        show(&problem.hint)
    );
    if let Some(advice) = super::advice::command_line_advice(problem) {
        eprintln!("  {}", show(&advice));
    }
}

fn input_problem(message: String, hint: &str) -> Problem {
    Problem::new(mailferry::error::ErrorKind::Input, message, hint)
}

/// The system's app-data folder for Mailferry.
/// The data folder the window uses too, unless `--state-dir` names another.
pub fn default_state_dir() -> PathBuf {
    mailferry::app::data_folder::data_folder()
}

fn state_dir(args: &MigrateArgs) -> PathBuf {
    args.state_dir.clone().unwrap_or_else(default_state_dir)
}

/// How one side signs in, as given on the command line.
struct SideArgs<'a> {
    url: &'a str,
    password_env: &'a Option<String>,
    token_env: &'a Option<String>,
    admin: &'a Option<String>,
    /// `--source-login` / `--dest-login`: a stored sign-in, `PROVIDER:ACCOUNT`.
    sign_in: &'a Option<String>,
    /// `--source-client-credentials` / `--dest-client-credentials`: the app's tenant.
    app_tenant: &'a Option<String>,
    /// `source` or `dest`, for messages.
    flag: &'static str,
}

/// The stored sign-in a side uses, if any, checked to exist before anything connects.
fn stored_sign_in(args: &SideArgs<'_>) -> Result<Option<TokenSource>, Problem> {
    let flag = args.flag;
    let reference = match (args.sign_in, args.app_tenant) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(input_problem(
                format!("--{flag}-login and --{flag}-client-credentials cannot be used together"),
                "Choose the person's sign-in or the app's.",
            ))
        }
        (Some(text), None) => SignInRef::parse(text).map_err(|e| e.problem())?,
        (None, Some(tenant)) => SignInRef::app(ProviderKind::Microsoft, tenant),
    };
    if args.password_env.is_some() || args.token_env.is_some() || args.admin.is_some() {
        return Err(input_problem(
            format!("a stored sign-in for the {flag} side replaces --{flag}-password-env, --{flag}-token-env and --{flag}-auth-user"),
            "Leave those out: the mailbox to open is the address's user, the stored sign-in proves access to it.",
        ));
    }
    TokenSource::shared(&reference, Purpose::Imap)
        .map(Some)
        .map_err(|e| e.problem())
}

/// Reads a secret for one side: a stored sign-in, a token, else a password (env, keyring, prompt).
fn side(args: SideArgs<'_>, allow_insecure: bool) -> Result<Side, Problem> {
    let SideArgs {
        url,
        password_env,
        token_env,
        admin,
        ..
    } = args;
    let endpoint = Endpoint::parse_with_user(url).map_err(|e| e.problem())?;
    let secret = if let Some(source) = stored_sign_in(&args)? {
        Secret::OAuth(source)
    } else if let Some(var) = token_env {
        let token = std::env::var(var)
            .map_err(|_| secrets::SecretError::EnvMissing(var.clone()).problem())?;
        Secret::AccessToken(SecretString::new(token))
    } else {
        let login_endpoint = match admin {
            Some(admin) => endpoint.for_user(admin),
            None => endpoint.clone(),
        };
        let account = login_endpoint.display_url();
        let source = PasswordSource {
            env_var: password_env.as_deref(),
            keyring_account: &account,
            prompt: true,
        };
        let which = match args.flag {
            "source" => mailferry::error::Side::Source,
            _ => mailferry::error::Side::Destination,
        };
        let method = match admin {
            Some(_) => AuthMethod::AdminLogin,
            None => AuthMethod::Password,
        };
        Secret::Password(secrets::resolve_password(&source).map_err(|e| match e {
            // No password anywhere: the advice names where this side's goes.
            secrets::SecretError::NotFound(_) => e.problem().on_side(which, Some(method)),
            other => other.problem(),
        })?)
    };
    if endpoint.security == Security::None
        && matches!(secret, Secret::Password(_) | Secret::OAuth(_))
        && !allow_insecure
    {
        return Err(input_problem(
            format!("{} is unencrypted (tls=none): the password would cross the network readable by anyone", endpoint.display_url()),
            "Use imaps:// or STARTTLS. Only on a network you trust completely, add --allow-insecure-auth.",
        ));
    }
    let credentials = match admin {
        Some(admin) => Credentials {
            login: admin.clone(),
            secret,
            on_behalf_of: Some(endpoint.user.clone()),
        },
        None => Credentials {
            login: endpoint.user.clone(),
            secret,
            on_behalf_of: None,
        },
    };
    Ok(Side {
        endpoint,
        credentials,
        allow_insecure_auth: allow_insecure,
    })
}

/// Everything `migrate`, `plan` and `verify` share, checked before any connection is made.
fn build(args: &MigrateArgs, events: Events) -> Result<Migration, Problem> {
    let source = side(
        SideArgs {
            url: &args.source,
            password_env: &args.source_password_env,
            token_env: &args.source_token_env,
            admin: &args.source_auth_user,
            sign_in: &args.source_login,
            app_tenant: &args.source_client_credentials,
            flag: "source",
        },
        args.allow_insecure_auth,
    )?;
    let destination = side(
        SideArgs {
            url: &args.dest,
            password_env: &args.dest_password_env,
            token_env: &args.dest_token_env,
            admin: &args.dest_auth_user,
            sign_in: &args.dest_login,
            app_tenant: &args.dest_client_credentials,
            flag: "dest",
        },
        args.allow_insecure_auth,
    )?;
    let pinned_sha256 = match &args.pin_cert {
        Some(pin) => Some(tls::parse_pin(pin).map_err(|e| e.problem())?),
        None => None,
    };
    let trust = Trust::new(&TrustOptions {
        ca_file: args.ca_file.clone(),
        pinned_sha256,
        host_pins: Vec::new(),
    })
    .map_err(|e| e.problem())?;
    if args.connections == 0 {
        return Err(input_problem(
            "--connections must be at least 1".into(),
            "Use the default of 4, or a number up to your provider's limit.",
        ));
    }
    let dir = state_dir(args);
    let state = State::open(&dir).map_err(|e| e.problem())?;
    init_logging(&dir);
    let timeout = Duration::from_secs(args.timeout.max(1));
    let options = MigrationOptions {
        plan: PlanOptions {
            excludes: args.exclude.clone(),
            user_root: args.user_root.clone(),
            destination_is_exchange: false,
        },
        max_message_size: args.max_message_size,
        connections: args.connections,
        timeouts: Timeouts {
            connect: timeout.min(Duration::from_secs(30)),
            idle: timeout,
        },
        wait_for_lease: args.wait,
        disarm_read_receipts: args.disarm_read_receipts,
        ..MigrationOptions::default()
    };
    Ok(Migration {
        source,
        destination,
        trust,
        options,
        state,
        events,
    })
}

/// Logs go to a file in the state folder; they never contain secrets (commands that carry
/// credentials are logged by name only).
fn init_logging(dir: &std::path::Path) {
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("mailferry.log"))
    else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("MAILFERRY_LOG")
        .unwrap_or_else(|_| "mailferry=info".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}

async fn migrate(args: MigrateArgs) -> ExitCode {
    let show_progress = !args.json && std::io::stderr().is_terminal();
    let (events, receiver) = if show_progress {
        let (e, r) = Events::channel();
        (e, Some(r))
    } else {
        (Events::none(), None)
    };
    let migration = match build(&args, events) {
        Ok(m) => m,
        Err(problem) => return fail(&problem, args.json, EXIT_INPUT),
    };
    let bar = receiver.map(|r| tokio::spawn(progress::show(r)));
    let mut report = migration.run().await;
    wording::report_for_command_line(&mut report, Command::Migrate);
    if let Some(bar) = bar {
        let _ = bar.await;
    }
    if args.json {
        match serde_json::to_string(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("mailferry: cannot write the report: {e}"),
        }
    } else {
        print!("{}", report.summary());
    }
    if report.status == RunStatus::Failed {
        // Whatever the output format, the reason for a failure also goes where scripts and
        // people look for it.
        for problem in &report.errors {
            tell(problem);
        }
        if report.errors.is_empty() {
            eprintln!(
                "mailferry: {} message(s) could not be copied; the report lists each one and why.",
                report.totals.failed
            );
        }
    }
    match report.status {
        RunStatus::Synced => ExitCode::SUCCESS,
        RunStatus::Failed => ExitCode::from(EXIT_FAILED),
    }
}

async fn plan(args: MigrateArgs) -> ExitCode {
    let migration = match build(&args, Events::none()) {
        Ok(m) => m,
        Err(problem) => return fail(&problem, args.json, EXIT_INPUT),
    };
    let mut planned = match migration.plan().await {
        Ok(p) => p,
        Err(e) => return fail(&e.problem(), args.json, EXIT_FAILED),
    };
    let survey = match mailferry::verify::survey(&mut planned).await {
        Ok(s) => s,
        Err(e) => return fail(&e.problem(), args.json, EXIT_FAILED),
    };
    if args.json {
        let body = serde_json::json!({ "status": "planned", "folders": survey, "folders_not_copied": planned.plan.skipped, "max_message_size": planned.max_message_size });
        println!("{body}");
    } else {
        for f in &survey {
            let note = f
                .renamed
                .as_deref()
                .map(|r| format!(" ({})", show(r)))
                .unwrap_or_default();
            let large = if f.too_large > 0 {
                format!(", {} too large", f.too_large)
            } else {
                String::new()
            };
            println!(
                "{:<32} → {:<28} {:>7} messages {:>10.1} MB{large}{note}",
                show(&f.source),
                show(&f.destination),
                f.messages,
                f.bytes as f64 / 1_000_000.0
            );
        }
        for s in &planned.plan.skipped {
            println!("{:<32}   not copied: {}", show(&s.source), show(&s.reason));
        }
    }
    ExitCode::SUCCESS
}

async fn verify(args: MigrateArgs) -> ExitCode {
    let migration = match build(&args, Events::none()) {
        Ok(m) => m,
        Err(problem) => return fail(&problem, args.json, EXIT_INPUT),
    };
    let mut planned = match migration.plan().await {
        Ok(p) => p,
        Err(e) => return fail(&e.problem(), args.json, EXIT_FAILED),
    };
    let report = match mailferry::verify::verify(&mut planned).await {
        Ok(r) => r,
        Err(e) => return fail(&e.problem(), args.json, EXIT_FAILED),
    };
    if args.json {
        match serde_json::to_string(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("mailferry: cannot write the report: {e}"),
        }
    } else {
        for f in &report.folders {
            println!(
                "{:<32} → {:<28} source {:>6}, destination {:>6}, missing {:>4}, extra {:>4}, flag differences {:>4}",
                show(&f.sources.join(" + ")),
                show(&f.destination),
                f.source_messages,
                f.destination_messages,
                f.missing,
                f.extra,
                f.flag_differences
            );
            for m in &f.missing_items {
                println!(
                    "    missing: {} UID {} {:?} ({} bytes)",
                    show(&m.source),
                    m.uid,
                    m.subject.as_deref().unwrap_or("(no subject)"),
                    m.size
                );
            }
        }
        println!(
            "{}",
            if report.status == "match" {
                "Everything in the source is on the destination."
            } else {
                "Differences found."
            }
        );
    }
    if report.status == "match" {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    }
}

fn password(action: PasswordAction) -> ExitCode {
    let result = match action {
        PasswordAction::Set { url, from_env } => Endpoint::parse_with_user(&url)
            .map_err(|e| e.problem())
            .and_then(|endpoint| {
                let account = endpoint.display_url();
                let secret = match from_env {
                    Some(var) => std::env::var(&var)
                        .map(SecretString::new)
                        .map_err(|_| secrets::SecretError::EnvMissing(var).problem())?,
                    None => rpassword::prompt_password(format!("Password for {account}: "))
                        .map(SecretString::new)
                        .map_err(|e| secrets::SecretError::Prompt(e.to_string()).problem())?,
                };
                secrets::keyring_set(&account, &secret).map_err(|e| e.problem())
            }),
        PasswordAction::Delete { url } => Endpoint::parse_with_user(&url)
            .map_err(|e| e.problem())
            .and_then(|endpoint| {
                secrets::keyring_delete(&endpoint.display_url()).map_err(|e| e.problem())
            }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => fail(
            &problem,
            false,
            if problem.kind == mailferry::error::ErrorKind::Input {
                EXIT_INPUT
            } else {
                EXIT_FAILED
            },
        ),
    }
}
