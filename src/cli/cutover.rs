//! `mailferry cutover check`: where each domain stands in the switch to Microsoft 365, and
//! what to change at the DNS host. Exit status: 0 ready, 1 something still to do (or DNS did
//! not answer), 2 unusable input.

use std::process::ExitCode;

use mailferry::cutover::{self, CheckReport, DnsServer, DomainName, DomainReport, Stage};
use mailferry::error::{Classify, Problem};
use mailferry::state::State;

use super::args::{CutoverAction, CutoverCheckArgs};
use super::EXIT_FAILED;

pub async fn run(action: CutoverAction) -> ExitCode {
    match action {
        CutoverAction::Check(args) => check_command(args).await,
    }
}

fn fail(problem: &Problem, json: bool) -> ExitCode {
    super::commands::fail_by_kind(problem, json)
}

/// `--dns-server` as given, or the system's resolver.
pub async fn dns_server(given: Option<&str>) -> Result<DnsServer, Problem> {
    match given {
        None => Ok(DnsServer::System),
        Some(text) => DnsServer::parse(text).await.map_err(|e| e.problem()),
    }
}

pub use mailferry::app::cutover::check_domains;

async fn check_command(args: CutoverCheckArgs) -> ExitCode {
    let mut domains = Vec::new();
    for text in &args.domains {
        match DomainName::parse(text) {
            Ok(d) if !domains.contains(&d) => domains.push(d),
            Ok(_) => {}
            Err(e) => return fail(&e.problem(), args.json),
        }
    }
    let server = match dns_server(args.dns_server.as_deref()).await {
        Ok(server) => server,
        Err(problem) => return fail(&problem, args.json),
    };
    let dir = args
        .state_dir
        .clone()
        .unwrap_or_else(super::commands::default_state_dir);
    let state = match State::open(&dir) {
        Ok(state) => state,
        Err(e) => return fail(&e.problem(), args.json),
    };
    let report = match check_domains(&domains, &server, state).await {
        Ok(report) => report,
        Err(problem) => return fail(&problem, args.json),
    };
    if args.json {
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else {
        print!("{}", human(&report));
    }
    for d in &report.domains {
        if let Some(problem) = &d.error {
            let problem = super::wording::for_command_line(problem, super::wording::Command::Other);
            eprintln!(
                "mailferry: {}: {}\n  What to do: {}",
                d.domain, problem.message, problem.hint
            );
        }
    }
    if report.ready {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    }
}

/// Where a domain's mail goes, in one sentence.
pub fn stage_sentence(d: &DomainReport) -> &'static str {
    match d.stage {
        None => "could not be checked",
        Some(Stage::Before) => "mail still goes to the old provider",
        Some(Stage::Switching) => "mail goes partly to Microsoft 365, partly to the old provider",
        Some(Stage::Switched) => "all mail goes to Microsoft 365",
        Some(Stage::NoMx) if !d.exists => "the domain does not exist",
        Some(Stage::NoMx) => "the domain has no MX record",
    }
}

fn mark(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "CHANGE"
    }
}

/// The text report: per domain what DNS shows, what to change, and the 72-hour clock.
pub fn human(report: &CheckReport) -> String {
    let mut out = String::new();
    for d in &report.domains {
        out.push_str(&format!(
            "{}: {} ({}).\n",
            d.domain,
            d.stage.map(Stage::as_str).unwrap_or("unknown"),
            stage_sentence(d)
        ));
        if let Some(problem) = &d.error {
            let problem = super::wording::for_command_line(problem, super::wording::Command::Other);
            out.push_str(&format!("  {}\n  {}\n\n", problem.message, problem.hint));
            continue;
        }
        if d.mx.is_empty() {
            out.push_str(&format!("  MX            (none)  {}\n", mark(false)));
        }
        for mx in &d.mx {
            out.push_str(&format!(
                "  MX            {} (priority {}, TTL {} s)  {}\n",
                mx.host,
                mx.preference,
                mx.ttl,
                mark(cutover::assess::is_microsoft_mx(&mx.host))
            ));
        }
        let spf = if d.spf.is_empty() {
            "(none)".to_string()
        } else {
            d.spf.join(" | ")
        };
        out.push_str(&format!("  SPF           {spf}  {}\n", mark(d.spf_ok)));
        out.push_str(&format!(
            "  Autodiscover  {}  {}\n",
            d.autodiscover.as_deref().unwrap_or("(no CNAME)"),
            mark(d.autodiscover_ok)
        ));
        if let (Some(first), Some(safe)) = (&d.switched_first_seen, &d.safe_to_complete_at) {
            out.push_str(&format!(
                "  Switched since {first}. Keep the batch running until {safe} (72 hours later): until then some senders may still deliver to the old provider, and the batch copies that mail.\n"
            ));
        }
        if !d.advice.is_empty() {
            out.push_str("  To change at your DNS host:\n");
            for a in &d.advice {
                out.push_str(&format!("    - {a}\n"));
            }
        }
        out.push('\n');
    }
    out.push_str(if report.ready {
        "Ready: every domain points to Microsoft 365 with SPF and Autodiscover right.\n"
    } else {
        "Not ready yet: see the changes above, then run the check again.\n"
    });
    out
}
