//! The command line's words for a problem. The engine says what happened and gives advice
//! that suits every front end; only here does the advice name this program's options and
//! commands, from the problem's kind and facts (which side, how it signed in, what failed).

use mailferry::error::{AuthMethod, ErrorKind, Facts, NetworkFailure, Problem, Side};
use mailferry::report::MigrationReport;

/// Which command is speaking: a one-off migration and a batch give secrets differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `migrate`, `plan`, `verify`, `password`: both sides given as options.
    Migrate,
    /// `batch ...`: the sides come from the stored batch and its CSV.
    Batch,
    /// `login`, `logout`, `cutover` and anything else with no sides of its own.
    Other,
}

/// The problem as the command line shows it: the side named in front of a refused
/// sign-in, and advice with this program's options.
pub fn for_command_line(problem: &Problem, command: Command) -> Problem {
    Problem {
        kind: problem.kind,
        message: headline(problem),
        hint: fix(problem, command),
        facts: problem.facts.clone(),
    }
}

/// Every problem of a migration report, worded for the command line.
pub fn report_for_command_line(report: &mut MigrationReport, command: Command) {
    for problem in &mut report.errors {
        *problem = for_command_line(problem, command);
    }
    for folder in &mut report.folders {
        if let Some(problem) = &folder.error {
            folder.error = Some(for_command_line(problem, command));
        }
    }
}

/// A refused sign-in always says whether the old or the new server refused it.
fn headline(problem: &Problem) -> String {
    let message = problem.message.trim();
    match problem.facts.side {
        Some(side)
            if problem.kind == ErrorKind::Authentication
                && !message.starts_with(side.server_words()) =>
        {
            format!("{}: {message}", side.server_words())
        }
        _ => message.to_string(),
    }
}

/// `source` or `dest`, as the options of a side are spelled.
fn flag_side(side: Side) -> &'static str {
    match side {
        Side::Source => "source",
        Side::Destination => "dest",
    }
}

fn fix(problem: &Problem, command: Command) -> String {
    let neutral = problem.hint.trim();
    let facts: &Facts = &problem.facts;
    let extra = match problem.kind {
        ErrorKind::Authentication => sign_in_fix(facts, command),
        // A secret that was not given at all (a batch words its own: the CSV).
        ErrorKind::Input if command == Command::Migrate => missing_secret_fix(facts),
        ErrorKind::Certificate => Some(match facts.network {
            Some(NetworkFailure::NoStarttls) => "On the command line: use an imaps:// address (port 993), or, only on a network you trust completely, add ?tls=none to the address.".to_string(),
            _ => "On the command line: --ca-file FILE trusts the server's CA, --pin-cert SHA256 trusts exactly this certificate.".to_string(),
        }),
        ErrorKind::Network if facts.dns_server.is_some() => {
            Some("Name another DNS server with --dns-server HOST:PORT.".into())
        }
        ErrorKind::Network
            if command == Command::Migrate && facts.network == Some(NetworkFailure::Timeout) =>
        {
            Some("--timeout SECONDS gives a slow server longer.".into())
        }
        ErrorKind::ServerRefused | ErrorKind::Protocol if facts.dns_server.is_some() => {
            Some("Name another DNS server with --dns-server HOST:PORT.".into())
        }
        ErrorKind::TooLarge if command == Command::Migrate => {
            Some("--max-message-size BYTES sets the limit.".into())
        }
        ErrorKind::Busy if command == Command::Migrate => {
            Some("Or pass --wait to wait for it and continue then.".into())
        }
        _ => None,
    };
    // A refused token is only ever fixed by a new token: the password advice does not apply.
    if problem.kind == ErrorKind::Authentication && facts.auth_method == Some(AuthMethod::Token) {
        return extra.unwrap_or_else(|| neutral.to_string());
    }
    match extra {
        Some(extra) if neutral.is_empty() => extra,
        Some(extra) => format!("{} {extra}", sentence_end(neutral)),
        None => neutral.to_string(),
    }
}

/// How the command line gives a side a new secret, by how that side signs in.
fn sign_in_fix(facts: &Facts, command: Command) -> Option<String> {
    let method = facts.auth_method?;
    let side = facts.side;
    match (method, command) {
        (AuthMethod::StoredSignIn, _) => Some(match &facts.sign_in {
            Some(sign_in) if !sign_in.app => {
                let login = format!(
                    "mailferry login {} --login-hint {}",
                    sign_in.provider.as_str(),
                    sign_in.account
                );
                match command {
                    Command::Batch => format!("On the command line: `{login}`, then `mailferry batch retry BATCH`."),
                    _ => format!("On the command line: `{login}`."),
                }
            }
            _ => "`mailferry login list` shows the stored sign-ins; `mailferry login microsoft` (or google) signs in again.".into(),
        }),
        (AuthMethod::Token, _) => {
            let option = side
                .map(|s| format!("--{}-token-env", flag_side(s)))
                .unwrap_or_else(|| "--source-token-env / --dest-token-env".into());
            Some(format!(
                "It may have expired, or it does not open this mailbox: get a new access token and give it with {option}."
            ))
        }
        (AuthMethod::Password | AuthMethod::AppPassword, Command::Batch) => Some(
            "On the command line: correct the Password column of the CSV and import it again (with --secrets memory, give the CSV again with --csv FILE).".into(),
        ),
        (AuthMethod::Password | AuthMethod::AppPassword, _) => {
            let option = side
                .map(|s| format!("--{}-password-env", flag_side(s)))
                .unwrap_or_else(|| "--source-password-env / --dest-password-env".into());
            Some(format!(
                "On the command line: give it with {option}, or store it with `mailferry password set URL`."
            ))
        }
        (AuthMethod::AdminLogin, Command::Batch) => {
            Some("On the command line: give the admin's password with --dest-password-env.".into())
        }
        (AuthMethod::AdminLogin, _) => {
            let s = flag_side(side.unwrap_or(Side::Destination));
            Some(format!(
                "On the command line: the admin's name goes in --{s}-auth-user, its password in --{s}-password-env."
            ))
        }
    }
}

fn missing_secret_fix(facts: &Facts) -> Option<String> {
    let side = flag_side(facts.side?);
    match facts.auth_method? {
        AuthMethod::Password | AuthMethod::AppPassword | AuthMethod::AdminLogin => Some(format!(
            "On the command line: give it with --{side}-password-env, store it with `mailferry password set URL`, or run Mailferry in a terminal to be asked."
        )),
        AuthMethod::Token => Some(format!("On the command line: set the variable --{side}-token-env names.")),
        AuthMethod::StoredSignIn => None,
    }
}

fn sentence_end(text: &str) -> String {
    if text.ends_with(['.', '!', '?', ')']) {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailferry::oauth::{ProviderKind, SignInRef};

    fn refused(side: Side, method: AuthMethod) -> Problem {
        let mut problem = Problem::new(
            ErrorKind::Authentication,
            format!(
                "{} (mail.contoso.com) refused the {} for anna: [AUTHENTICATIONFAILED] no",
                side.server_words(),
                method.words()
            ),
            "Check the user name and password.",
        );
        problem.facts.side = Some(side);
        problem.facts.auth_method = Some(method);
        problem
    }

    #[test]
    fn a_refused_token_is_fixed_with_the_option_that_gives_it() {
        let worded = for_command_line(
            &refused(Side::Destination, AuthMethod::Token),
            Command::Migrate,
        );
        assert!(worded.message.starts_with("the new server"));
        assert!(worded.hint.contains("--dest-token-env"), "{}", worded.hint);
        assert!(worded.hint.contains("expired"), "{}", worded.hint);
        assert!(!worded.hint.contains("password"), "{}", worded.hint);
    }

    #[test]
    fn a_refused_password_names_the_option_of_its_side() {
        let worded = for_command_line(
            &refused(Side::Source, AuthMethod::Password),
            Command::Migrate,
        );
        assert!(worded.hint.starts_with("Check the user name and password."));
        assert!(
            worded.hint.contains("--source-password-env"),
            "{}",
            worded.hint
        );
        let batch = for_command_line(
            &refused(Side::Source, AuthMethod::AppPassword),
            Command::Batch,
        );
        assert!(batch.hint.contains("CSV"), "{}", batch.hint);
        let admin = for_command_line(
            &refused(Side::Destination, AuthMethod::AdminLogin),
            Command::Migrate,
        );
        assert!(admin.hint.contains("--dest-auth-user"), "{}", admin.hint);
    }

    #[test]
    fn a_stored_sign_in_says_the_login_command_for_that_person() {
        let mut problem = Problem::new(
            ErrorKind::Authentication,
            "anna@contoso.com has not signed in with Microsoft yet",
            "Sign anna@contoso.com in with Microsoft, then try this mailbox again.",
        );
        problem.facts.auth_method = Some(AuthMethod::StoredSignIn);
        problem.facts.side = Some(Side::Destination);
        problem.facts.sign_in = Some(SignInRef::user(ProviderKind::Microsoft, "anna@contoso.com"));
        let worded = for_command_line(&problem, Command::Batch);
        assert!(worded
            .message
            .starts_with("the new server: anna@contoso.com"));
        assert!(worded
            .hint
            .contains("mailferry login microsoft --login-hint anna@contoso.com"));
        assert!(worded.hint.contains("mailferry batch retry BATCH"));
    }

    #[test]
    fn problems_without_facts_keep_the_engines_advice() {
        let problem = Problem::new(ErrorKind::Quota, "full", "Free up space.");
        assert_eq!(
            for_command_line(&problem, Command::Migrate),
            Problem::new(ErrorKind::Quota, "full", "Free up space.")
        );
    }

    #[test]
    fn network_and_dns_problems_point_at_their_options() {
        let mut timeout = Problem::new(ErrorKind::Network, "slow", "Usually temporary.");
        timeout.facts.network = Some(NetworkFailure::Timeout);
        assert!(fix(&timeout, Command::Migrate).contains("--timeout"));
        let mut dns = Problem::new(ErrorKind::Network, "no answer", "Check the connection.");
        dns.facts.dns_server = Some("192.0.2.53:53".into());
        assert!(fix(&dns, Command::Other).contains("--dns-server"));
    }
}
