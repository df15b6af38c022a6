//! `mailferry batch …`: many mailboxes from Microsoft's CSV, run in the foreground with live
//! statuses, and reports.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mailferry::app::csv_import::CsvImportError;
use mailferry::app::mailbox_sides::{self, Mailbox, SideError};
use mailferry::app::run_control::{self, Control};
use mailferry::batch::{
    self, BatchError, BatchSecrets, BatchStore, ProgressHub, RunMode, SecretMode, ServerSpec,
    StopToken,
};
use mailferry::display::escape_controls as show;
use mailferry::endpoint::Endpoint;
use mailferry::error::{Classify, ErrorKind, Problem};
use mailferry::migrate::MigrateError;
use mailferry::migration_csv;
use mailferry::report::export;
use mailferry::secrets::SecretString;
use mailferry::state::State;

use super::args::{
    BatchAction, BatchCommon, BatchCompleteArgs, BatchStartArgs, BatchStatusArgs, ReportFormat,
    SecretsArg,
};
use super::EXIT_FAILED;

pub async fn run(action: BatchAction) -> ExitCode {
    let result = match action {
        BatchAction::Create(args) => super::batch_create::create(*args),
        BatchAction::List(common) => list(&common),
        BatchAction::Status(args) => status(&args).await,
        BatchAction::Test(args) => preflight(args).await,
        BatchAction::Start(args) => start(args, Control::Start).await,
        BatchAction::Resume(args) => start(args, Control::Resume).await,
        BatchAction::Retry(args) => start(args, Control::Retry).await,
        BatchAction::Complete(args) => complete(args).await,
        BatchAction::Stop(named) => stop(&named.name, &named.common),
        BatchAction::Delete(named) => delete(&named.name, &named.common),
        BatchAction::Report(args) => report(
            args.name.as_str(),
            args.format,
            args.output.as_deref(),
            &args.common,
        ),
    };
    match result {
        Ok(code) => code,
        Err(problem) => {
            super::commands::fail_by_kind_in(&problem, false, super::wording::Command::Batch)
        }
    }
}

fn problem(e: BatchError) -> Problem {
    e.problem()
}

pub(super) fn open_store(common: &BatchCommon) -> Result<BatchStore, Problem> {
    let dir = common
        .state_dir
        .clone()
        .unwrap_or_else(super::commands::default_state_dir);
    let state = State::open(&dir).map_err(|e| e.problem())?;
    BatchStore::new(state).map_err(problem)
}

pub(super) fn input(message: String, hint: &str) -> Problem {
    Problem::new(ErrorKind::Input, message, hint)
}

/// `--source gmail` or `--source imaps://host:port`; batches name servers without users.
pub(super) fn server_spec(text: &str) -> Result<ServerSpec, Problem> {
    if let Some(preset) = mailferry::presets::find(text) {
        let endpoint = preset.endpoint("").ok_or_else(|| {
            input(
                format!(
                    "the preset \"{}\" has no server; give its address as imaps://host:port",
                    preset.id
                ),
                "For other servers, write --source imaps://imap.example.com:993.",
            )
        })?;
        return Ok(ServerSpec {
            preset: Some(preset.id),
            url: endpoint.display_url(),
        });
    }
    let endpoint = Endpoint::parse(text).map_err(|e| e.problem())?;
    if !endpoint.user.is_empty() {
        return Err(input(
            format!("{text} names a user; in a batch each CSV row supplies the user"),
            "Write the server without a user: imaps://host:port.",
        ));
    }
    Ok(ServerSpec {
        preset: None,
        url: endpoint.display_url(),
    })
}

pub(super) fn secrets_for(mode: SecretsArg) -> BatchSecrets {
    BatchSecrets::new(match mode {
        SecretsArg::Keyring => SecretMode::Keyring,
        SecretsArg::Memory => SecretMode::Memory,
    })
}

/// The CSV's mailboxes; a refused file's problems are listed one per line on stderr.
pub(super) fn read_csv(
    path: &Path,
    signs_in: bool,
) -> Result<Vec<migration_csv::CsvUser>, Problem> {
    mailferry::app::csv_import::read(path, signs_in).map_err(|e| match e {
        CsvImportError::Refused(problems) => {
            for p in &problems {
                eprintln!("  {}", show(&p.to_string()));
            }
            problem(BatchError::Csv(problems))
        }
        other => other.problem(),
    })
}

/// Puts the passwords where `args` says: the CSV's source passwords and the admin's.
fn store_secrets(
    secrets: &BatchSecrets,
    batch: &str,
    users: &[migration_csv::CsvUser],
    admin_password_env: Option<&str>,
) -> Result<(), Problem> {
    secrets
        .set_csv_passwords(batch, users)
        .map_err(|e| e.problem())?;
    if let Some(var) = admin_password_env {
        let password = std::env::var(var).map_err(|_| {
            input(
                format!("the environment variable {var} is not set"),
                "Set it to the destination admin's password.",
            )
        })?;
        secrets
            .set_admin_password(batch, &SecretString::new(password))
            .map_err(|e| e.problem())?;
    }
    Ok(())
}

fn time_text(epoch: Option<i64>) -> String {
    epoch
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "—".into())
}

fn list(common: &BatchCommon) -> Result<ExitCode, Problem> {
    let store = open_store(common)?;
    let mut summaries = Vec::new();
    for name in store.names().map_err(problem)? {
        summaries.push(store.summary(&name).map_err(problem)?);
    }
    if common.json {
        println!("{}", serde_json::to_string(&summaries).unwrap_or_default());
    } else {
        println!(
            "{:<24} {:<36} {:<18} {:>9}  LAST SYNC",
            "NAME", "SOURCE", "STATUS", "SYNCED"
        );
        for s in summaries {
            println!(
                "{:<24} {:<36} {:<18} {:>4}/{:<4}  {}",
                show(&s.name),
                show(&s.source.preset.clone().unwrap_or(s.source.url)),
                format!("{:?}", s.status),
                s.users_synced,
                s.users_total,
                time_text(s.last_synced_at)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_users(store: &BatchStore, name: &str) -> Result<(), Problem> {
    println!(
        "{:<32} {:<20} {:>9} {:>9} {:>10}  {:<17} {:<14} DETAIL",
        "MAILBOX", "STATUS", "MESSAGES", "DONE", "COPIED", "LAST SYNC", "COPIED BACK TO"
    );
    for u in store.users(name).map_err(problem)? {
        println!(
            "{:<32} {:<20} {:>9} {:>9} {:>8.1}MB  {:<17} {:<14} {}",
            show(&u.email_address),
            u.status.as_str(),
            u.messages_in_source,
            u.messages_done,
            u.bytes_copied as f64 / 1_000_000.0,
            time_text(u.last_synced_at),
            // Newest mail goes first: every message received on or after this day is there.
            u.copied_back_to.as_deref().unwrap_or("-"),
            show(&u.detail.unwrap_or_default())
        );
    }
    Ok(())
}

/// Each of the batch's domains as DNS shows it now (the 72-hour clock kept in the state folder).
async fn check_batch_domains(
    store: &BatchStore,
    name: &str,
    dns_server: Option<&str>,
) -> Result<mailferry::cutover::CheckReport, Problem> {
    let server = super::cutover::dns_server(dns_server).await?;
    mailferry::app::cutover::check_batch_domains(store, name, &server).await
}

fn print_domains(report: &mailferry::cutover::CheckReport) {
    println!(
        "\n{:<32} {:<10} {:<4} {:<12} {:<17} TO DO",
        "DOMAIN", "STAGE", "SPF", "AUTODISCOVER", "SAFE TO COMPLETE"
    );
    let ok = |b: bool| if b { "ok" } else { "no" };
    for d in &report.domains {
        let todo = match &d.error {
            Some(problem) => problem.message.clone(),
            None => d.advice.first().cloned().unwrap_or_default(),
        };
        println!(
            "{:<32} {:<10} {:<4} {:<12} {:<17} {}",
            d.domain,
            d.stage.map(|s| s.as_str()).unwrap_or("unknown"),
            ok(d.spf_ok),
            ok(d.autodiscover_ok),
            time_text(d.safe_to_complete_at_epoch),
            todo
        );
    }
}

fn read_last_checks(
    store: &BatchStore,
    name: &str,
) -> Result<Vec<mailferry::cutover::history::LastCheck>, Problem> {
    let domains = store.domains(name).map_err(problem)?;
    let names: Vec<&str> = domains.iter().map(|d| d.as_str()).collect();
    mailferry::cutover::history::History::new(store.state().clone())
        .last_checks(&names)
        .map_err(|e| e.problem())
}

fn print_last_checks(checks: &[mailferry::cutover::history::LastCheck]) {
    if checks.is_empty() {
        return;
    }
    println!("\nDomains as the running batch last saw them:");
    for c in checks {
        let seen = match (&c.stage, &c.error) {
            (_, Some(problem)) => format!("could not be checked: {}", show(&problem.message)),
            (Some(stage), None) => stage.as_str().to_string(),
            (None, None) => "unknown".into(),
        };
        println!(
            "  {:<32} {:<17} {seen}",
            c.domain,
            time_text(Some(c.checked_at))
        );
    }
}

async fn status(args: &BatchStatusArgs) -> Result<ExitCode, Problem> {
    let (name, common) = (args.name.as_str(), &args.common);
    let store = open_store(common)?;
    let summary = store.summary(name).map_err(problem)?;
    let dns = args.dns.dns_server.as_deref();
    let mut domains = if args.no_dns {
        None
    } else {
        Some(check_batch_domains(&store, name, dns).await?)
    };
    // Without asking DNS, what the running batch last saw of each domain.
    let last_checks = if args.no_dns {
        Some(read_last_checks(&store, name)?)
    } else {
        None
    };
    if common.json {
        let mut users = store.users(name).map_err(problem)?;
        for user in &mut users {
            if let Some(error) = &user.error {
                user.error = Some(super::wording::for_command_line(
                    error,
                    super::wording::Command::Batch,
                ));
            }
        }
        let domains = domains.as_ref().map(|d| &d.domains);
        println!(
            "{}",
            serde_json::json!({ "batch": summary, "users": users, "domains": domains, "last_checks": last_checks })
        );
        return Ok(ExitCode::SUCCESS);
    }
    if !std::io::stdout().is_terminal() {
        println!(
            "{} — {:?}, {}/{} synced",
            summary.name, summary.status, summary.users_synced, summary.users_total
        );
        print_users(&store, name)?;
        if let Some(report) = &domains {
            print_domains(report);
        }
        if let Some(checks) = &last_checks {
            print_last_checks(checks);
        }
        return Ok(ExitCode::SUCCESS);
    }
    // On a terminal the table follows the running batch (another process updates the
    // database); DNS changes slowly, so the domains are looked up again once a minute.
    let mut checked_at = std::time::Instant::now();
    loop {
        let summary = store.summary(name).map_err(problem)?;
        if domains.is_some() && checked_at.elapsed() >= std::time::Duration::from_secs(60) {
            domains = Some(check_batch_domains(&store, name, dns).await?);
            checked_at = std::time::Instant::now();
        }
        print!("\x1b[2J\x1b[H");
        println!(
            "{} — {:?}, {}/{} synced (Ctrl-C to leave; the batch keeps running)\n",
            summary.name, summary.status, summary.users_synced, summary.users_total
        );
        print_users(&store, name)?;
        if let Some(report) = &domains {
            print_domains(report);
        }
        if args.no_dns {
            print_last_checks(&read_last_checks(&store, name)?);
        }
        let _ = std::io::stdout().flush();
        if summary.status != batch::BatchStatus::Syncing {
            return Ok(ExitCode::SUCCESS);
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
            _ = tokio::signal::ctrl_c() => return Ok(ExitCode::SUCCESS),
        }
    }
}

/// Only one process runs a batch at a time; others just change statuses in the database.
fn try_lock(store_dir: &Path, name: &str) -> Option<std::fs::File> {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = store_dir.join(format!("batch-{safe}.lock"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .ok()?;
    file.try_lock().ok()?;
    Some(file)
}

fn state_dir(common: &BatchCommon) -> PathBuf {
    common
        .state_dir
        .clone()
        .unwrap_or_else(super::commands::default_state_dir)
}

/// With `--secrets memory` the passwords come from the CSV (and environment) again.
fn load_memory_secrets(
    args: &BatchStartArgs,
    secrets: &BatchSecrets,
    batch: &mailferry::batch::StoredBatch,
) -> Result<(), Problem> {
    if secrets.mode() != SecretMode::Memory {
        return Ok(());
    }
    let csv = args.secrets.csv.as_ref().ok_or_else(|| {
        input(
            "--secrets memory needs --csv FILE to read the passwords from".into(),
            "Pass the same CSV the batch was created from.",
        )
    })?;
    let users = read_csv(csv, batch.options.source_sign_in.is_some())?;
    store_secrets(
        secrets,
        &args.name,
        &users,
        args.secrets.dest_password_env.as_deref(),
    )
}

async fn start(args: BatchStartArgs, control: Control) -> Result<ExitCode, Problem> {
    let store = open_store(&args.common)?;
    let batch = store.batch(&args.name).map_err(problem)?;
    let moved = run_control::queue(&store, &args.name, &control).map_err(problem)?;
    let Some(_lock) = try_lock(&state_dir(&args.common), &args.name) else {
        println!("Batch \"{}\" is already running in another Mailferry process; {moved} mailbox(es) queued for it.", args.name);
        return Ok(ExitCode::SUCCESS);
    };
    let secrets = secrets_for(args.secrets.secrets);
    load_memory_secrets(&args, &secrets, &batch)?;
    let mode = if args.once {
        RunMode::Once
    } else {
        RunMode::Continuous
    };
    let run = run_foreground(
        &store,
        &secrets,
        &args.name,
        mode,
        args.common.json,
        args.progress_json,
        true,
    );
    match mode {
        // Left running through the domain switch, the batch notices it by itself.
        RunMode::Continuous => {
            let dns = batch::domain_watch::DnsChoice::FromEnvironment;
            batch::domain_watch::alongside(&store, &args.name, &dns, run).await
        }
        RunMode::Once => run.await,
    }
}

async fn run_foreground(
    store: &BatchStore,
    secrets: &BatchSecrets,
    name: &str,
    mode: RunMode,
    json: bool,
    progress_json: bool,
    print_result: bool,
) -> Result<ExitCode, Problem> {
    let hub = ProgressHub::new(store, name);
    let stop = StopToken::default();
    let display = if progress_json {
        Some(super::batch_progress::spawn_json_lines(&hub))
    } else {
        (!json).then(|| super::batch_progress::spawn(&hub))
    };
    let ctrl_c = {
        let stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("Stopping; run `mailferry batch start` to continue where it was.");
                stop.stop();
            }
        })
    };
    let result = batch::run(store, secrets, name, mode, &hub, &stop).await;
    ctrl_c.abort();
    drop(hub);
    if let Some(display) = display {
        let _ = display.await;
    }
    result.map_err(problem)?;
    let users = store.users(name).map_err(problem)?;
    // Otherwise the caller prints its own result (`complete` adds what can be retired).
    if print_result && json {
        println!(
            "{}",
            serde_json::json!({ "batch": store.summary(name).map_err(problem)?, "users": users })
        );
    } else if print_result && !progress_json {
        print_users(store, name)?;
    }
    Ok(if run_control::run_went_well(&users) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    })
}

async fn complete(complete: BatchCompleteArgs) -> Result<ExitCode, Problem> {
    let args = complete.start;
    let store = open_store(&args.common)?;
    let batch = store.batch(&args.name).map_err(problem)?;
    // Completing ends the copying from the old provider: first make sure nothing is still
    // delivered there (every domain switched, 72 hours ago or more).
    let domains =
        check_batch_domains(&store, &args.name, complete.dns.dns_server.as_deref()).await?;
    let verdict = mailferry::app::cutover::completion(&domains);
    if !verdict.safe() {
        if !complete.force {
            if args.common.json {
                println!(
                    "{}",
                    serde_json::json!({
                        "status": "refused",
                        "reason": verdict.warning(),
                        "domains": domains.domains,
                    })
                );
            }
            eprintln!(
                "mailferry: batch \"{}\" was not completed. {}\n  What to do: switch the MX records (`mailferry cutover check DOMAIN`) and complete the batch 72 hours later; the batch keeps copying meanwhile. To complete now anyway, add --force.",
                args.name,
                verdict.warning()
            );
            return Ok(ExitCode::from(EXIT_FAILED));
        }
        eprintln!("Completing anyway (--force). {}", verdict.warning());
    }
    let Some(_lock) = try_lock(&state_dir(&args.common), &args.name) else {
        return Err(input(
            format!(
                "batch \"{}\" is running in another Mailferry process",
                args.name
            ),
            "Stop it first (`mailferry batch stop`), then complete it.",
        ));
    };
    let secrets = secrets_for(args.secrets.secrets);
    load_memory_secrets(&args, &secrets, &batch)?;
    // The final pass copies what arrived since the last one; then the migration is closed.
    let code = run_foreground(
        &store,
        &secrets,
        &args.name,
        RunMode::Once,
        args.common.json,
        args.progress_json,
        false,
    )
    .await?;
    let completed = run_control::close_synced(&store, &args.name).map_err(problem)?;
    let retirement = mailferry::app::cutover::retirement(&store, &args.name)?;
    if args.common.json {
        println!(
            "{}",
            serde_json::json!({
                "status": "completed",
                "completed": completed,
                "batch": store.summary(&args.name).map_err(problem)?,
                "retirement": retirement,
            })
        );
    } else {
        println!("{completed} mailbox(es) completed.");
        print_retirement(&retirement);
    }
    Ok(code)
}

fn print_retirement(retirement: &mailferry::cutover::Retirement) {
    let line = |m: &mailferry::cutover::RetiringMailbox| {
        println!(
            "  {}  (now {})  last synced {}, {} of {} messages copied",
            show(&m.source_mailbox),
            show(&m.new_mailbox),
            time_text(m.last_synced_at),
            m.messages_copied,
            m.messages_in_source
        );
        if !m.excluded_folders.is_empty() {
            println!(
                "      not copied, as the batch's options say: {}",
                show(&m.excluded_folders.join(", "))
            );
        }
    };
    let total = retirement.mailboxes.len();
    println!(
        "\nThese old mailboxes can be retired ({} of {total}):",
        retirement.ready
    );
    for m in retirement.mailboxes.iter().filter(|m| m.can_retire) {
        line(m);
    }
    if retirement.ready < total {
        println!("\nNot yet: these still hold mail the new mailboxes do not have:");
        for m in retirement.mailboxes.iter().filter(|m| !m.can_retire) {
            line(m);
            for why in &m.before_retiring {
                println!("      - {}", show(why));
            }
        }
    }
    println!("\nNext steps:");
    for (i, step) in retirement.next_steps.iter().enumerate() {
        println!("  {}. {step}", i + 1);
    }
}

fn stop(name: &str, common: &BatchCommon) -> Result<ExitCode, Problem> {
    let moved = run_control::stop(&open_store(common)?, name).map_err(problem)?;
    println!("{moved} mailbox(es) stopped.");
    Ok(ExitCode::SUCCESS)
}

fn delete(name: &str, common: &BatchCommon) -> Result<ExitCode, Problem> {
    let store = open_store(common)?;
    // Nothing may still be writing to the batch's records when they go.
    let Some(_lock) = try_lock(&state_dir(common), name) else {
        return Err(input(
            format!("batch \"{name}\" is running in another Mailferry process"),
            "Stop it first (`mailferry batch stop`, then end that process), then delete it.",
        ));
    };
    run_control::delete(&store, &BatchSecrets::new(SecretMode::Keyring), name).map_err(problem)?;
    println!("Deleted batch \"{name}\" with its records and stored passwords.");
    Ok(ExitCode::SUCCESS)
}

fn report(
    name: &str,
    format: ReportFormat,
    output: Option<&Path>,
    common: &BatchCommon,
) -> Result<ExitCode, Problem> {
    let store = open_store(common)?;
    let report = export::collect(&store, name).map_err(problem)?;
    let text = match format {
        ReportFormat::Json => export::to_json(&report),
        ReportFormat::Html => export::to_html(&report),
        ReportFormat::Csv => export::to_csv(&report).map_err(|e| {
            Problem::new(
                ErrorKind::Local,
                format!("cannot write the CSV: {e}"),
                String::new(),
            )
        })?,
    };
    match output {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            Problem::new(
                ErrorKind::Local,
                format!("cannot write {}: {e}", path.display()),
                "Check the folder exists and is writable.",
            )
        })?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// One user's pre-flight result.
#[derive(serde::Serialize)]
struct Preflight {
    email_address: String,
    ok: bool,
    source: Option<mailferry::probe::ConnectionSummary>,
    destination_sign_in: bool,
    error: Option<Problem>,
}

/// Signs in for every user before the batch starts: what will be moved, how long it may
/// take, and what will be left behind as too large.
async fn preflight(args: BatchStartArgs) -> Result<ExitCode, Problem> {
    let store = open_store(&args.common)?;
    let batch = store.batch(&args.name).map_err(problem)?;
    let secrets = secrets_for(args.secrets.secrets);
    load_memory_secrets(&args, &secrets, &batch)?;
    let trust = batch.options.trust().map_err(|e| e.problem())?;
    let timeouts = batch.options.timeouts();
    let mut results = Vec::new();
    for user in store.users(&args.name).map_err(problem)? {
        let mut result = Preflight {
            email_address: user.email_address.clone(),
            ok: false,
            source: None,
            destination_sign_in: false,
            error: None,
        };
        let outcome: Result<(), Problem> = async {
            let mailbox = Mailbox {
                batch: &args.name,
                user_name: &user.user_name,
                email_address: &user.email_address,
            };
            let source =
                mailbox_sides::source_side(&batch.source, &batch.options, &secrets, mailbox)
                    .map_err(|e| side_problem(&e))?;
            result.source = Some(
                mailferry::probe::test_side(
                    mailferry::error::Side::Source,
                    &source,
                    &trust,
                    timeouts,
                    batch.options.max_message_size,
                )
                .await
                .map_err(|e| e.problem())?,
            );
            let destination = match mailbox_sides::destination_side(
                &batch.destination,
                &batch.options,
                &secrets,
                mailbox,
            ) {
                Ok(side) => side,
                // Nothing to sign in with: the destination is not part of this check.
                Err(SideError::NoDestinationSignIn) => return Ok(()),
                Err(e) => return Err(side_problem(&e)),
            };
            let conn = destination.connect(&trust, timeouts).await.map_err(|e| {
                MigrateError::on_side(e, mailferry::error::Side::Destination, &destination)
                    .problem()
            })?;
            conn.logout().await;
            result.destination_sign_in = true;
            Ok(())
        }
        .await;
        match outcome {
            Ok(()) => result.ok = true,
            Err(problem) => {
                result.error = Some(super::wording::for_command_line(
                    &problem,
                    super::wording::Command::Batch,
                ))
            }
        }
        results.push(result);
    }
    if args.common.json {
        println!("{}", serde_json::to_string(&results).unwrap_or_default());
    } else {
        println!(
            "{:<32} {:>7} {:>9} {:>10} {:>9} {:>10}  PROBLEM",
            "MAILBOX", "FOLDERS", "MESSAGES", "SIZE", "TOO LARGE", "ESTIMATE"
        );
        for r in &results {
            let s = r.source.as_ref();
            println!(
                "{:<32} {:>7} {:>9} {:>8.1}MB {:>9} {:>10}  {}",
                show(&r.email_address),
                s.map(|s| s.folders).unwrap_or(0),
                s.map(|s| s.messages).unwrap_or(0),
                s.map(|s| s.bytes as f64 / 1_000_000.0).unwrap_or(0.0),
                s.map(|s| s.too_large).unwrap_or(0),
                s.and_then(|s| s.estimated_secs)
                    .map(|t| format!("{t} s"))
                    .unwrap_or_else(|| "—".into()),
                r.error
                    .as_ref()
                    .map(|e| format!("{} ({})", show(&e.message), show(&e.hint)))
                    .unwrap_or_default()
            );
        }
    }
    Ok(if results.iter().all(|r| r.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    })
}

/// The command line's words for what a mailbox is missing: where on the command line the
/// owner gives it.
fn side_problem(error: &SideError) -> Problem {
    let mut worded = match error {
        SideError::MissingSourcePassword { .. } => {
            input(error.to_string(), "Import the CSV again.")
        }
        SideError::MissingAdminPassword => input(
            error.to_string(),
            "Create the batch again with --dest-password-env.",
        ),
        other => other.problem(),
    };
    worded.facts = Box::new(error.facts());
    worded
}
