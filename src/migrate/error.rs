//! The errors a whole migration can end with, each already explained by its own layer.

use thiserror::Error;

use crate::endpoint::EndpointError;
use crate::error::{self, AuthMethod, Classify, ErrorKind, Facts};
use crate::imap::ImapError;
use crate::secrets::SecretError;
use crate::state::StateError;
use crate::tls::TrustError;

#[derive(Debug, Error)]
pub enum MigrateError {
    #[error(transparent)]
    Imap(#[from] ImapError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Trust(#[from] TrustError),
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    #[error(transparent)]
    Lease(#[from] crate::lease::LeaseError),
    #[error("{0}")]
    Input(String),
    /// The destination said it stored messages that it does not hold.
    #[error(
        "the new server accepted {accepted} messages for {folder} but holds only {held} of them"
    )]
    DestinationMissing {
        folder: String,
        accepted: u64,
        held: u64,
    },
    /// Opening one side's connection failed: the side and how it signs in there change
    /// what the owner has to fix.
    #[error("{}", on_side_message(*.side, *.auth_method, .source))]
    OnSide {
        side: error::Side,
        auth_method: AuthMethod,
        source: Box<MigrateError>,
    },
    /// A part of the copy stopped on an internal error (a bug), never a silent success.
    #[error("copying {folder} stopped on an internal error: {detail}")]
    Internal { folder: String, detail: String },
}

/// A refused sign-in names the side and what was refused ("the new server (host) refused
/// the access token for anna: ..."); anything else only gets the side in front.
fn on_side_message(side: error::Side, method: AuthMethod, source: &MigrateError) -> String {
    match source {
        MigrateError::Imap(ImapError::AuthFailed { host, user, text }) => format!(
            "{} ({host}) refused the {} for {user}: {text}",
            side.server_words(),
            method.words()
        ),
        other => format!("{}: {other}", side.server_words()),
    }
}

impl MigrateError {
    /// Tags a failure to open `side`'s connection with the side and its sign-in method.
    pub fn on_side(
        error: impl Into<MigrateError>,
        which: error::Side,
        side: &super::Side,
    ) -> MigrateError {
        MigrateError::OnSide {
            side: which,
            auth_method: side.auth_method(),
            source: Box::new(error.into()),
        }
    }

    /// Worth trying again after a pause: the connection broke or the server is throttling.
    pub fn is_transient(&self) -> bool {
        match self {
            MigrateError::OnSide { source, .. } => source.is_transient(),
            MigrateError::Imap(e) => {
                e.kind().is_transient() || e.breaks_connection() || e.is_server_hiccup()
            }
            _ => false,
        }
    }

    /// Stops the whole mailbox rather than one folder: nothing else can succeed either.
    pub fn stops_mailbox(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::Authentication
                | ErrorKind::Quota
                | ErrorKind::Certificate
                | ErrorKind::Local
                | ErrorKind::Input
        )
    }

    pub fn suggested_backoff(&self) -> Option<std::time::Duration> {
        match self {
            MigrateError::OnSide { source, .. } => source.suggested_backoff(),
            MigrateError::Imap(e) => e.suggested_backoff(),
            _ => None,
        }
    }
}

impl Classify for MigrateError {
    fn kind(&self) -> ErrorKind {
        match self {
            MigrateError::OnSide { source, .. } => source.kind(),
            MigrateError::Imap(e) => e.kind(),
            MigrateError::State(e) => e.kind(),
            MigrateError::Secret(e) => e.kind(),
            MigrateError::Trust(e) => e.kind(),
            MigrateError::Endpoint(e) => e.kind(),
            MigrateError::Lease(e) => e.kind(),
            MigrateError::Input(_) => ErrorKind::Input,
            MigrateError::DestinationMissing { .. } => ErrorKind::ServerRefused,
            MigrateError::Internal { .. } => ErrorKind::Internal,
        }
    }
    fn facts(&self) -> Facts {
        match self {
            MigrateError::Imap(e) => e.facts(),
            MigrateError::Endpoint(e) => e.facts(),
            MigrateError::OnSide {
                side,
                auth_method,
                source,
            } => {
                let mut facts = source.facts();
                facts.side.get_or_insert(*side);
                if source.kind() == ErrorKind::Authentication {
                    facts.auth_method.get_or_insert(*auth_method);
                }
                facts
            }
            _ => Facts::default(),
        }
    }

    fn hint(&self) -> String {
        match self {
            MigrateError::OnSide {
                auth_method,
                source,
                ..
            } => match source.as_ref() {
                MigrateError::Imap(ImapError::AuthFailed { host, .. }) => {
                    crate::imap::sign_in_hint(*auth_method, host)
                }
                other => other.hint(),
            },
            MigrateError::Imap(e) => e.hint(),
            MigrateError::State(e) => e.hint(),
            MigrateError::Secret(e) => e.hint(),
            MigrateError::Trust(e) => e.hint(),
            MigrateError::Endpoint(e) => e.hint(),
            MigrateError::Lease(e) => e.hint(),
            MigrateError::Input(_) => "Check the settings named above, then try again.".into(),
            MigrateError::DestinationMissing { .. } => {
                "The new server reported success without storing the mail. Nothing it lost is counted as copied: run the migration again, and if it repeats, contact the new server's provider.".into()
            }
            MigrateError::Internal { .. } => {
                "This is a fault in Mailferry, not in your mail. The other folders went on; run again, and if it repeats, send the report to support.".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Credentials;
    use crate::cutover::error::CutoverError;
    use crate::endpoint::{Endpoint, Security};
    use crate::error::{NetworkFailure, Problem, Side as Which, SYSTEM_DNS};
    use crate::oauth::{OAuthError, ProviderKind};
    use crate::secrets::{Secret, SecretString};

    fn side(
        host: &str,
        login: &str,
        secret: Secret,
        on_behalf_of: Option<&str>,
    ) -> super::super::Side {
        super::super::Side {
            endpoint: Endpoint {
                host: host.into(),
                port: 993,
                security: Security::Tls,
                user: login.into(),
            },
            credentials: Credentials {
                login: login.into(),
                secret,
                on_behalf_of: on_behalf_of.map(str::to_string),
            },
            allow_insecure_auth: false,
        }
    }

    fn password() -> Secret {
        Secret::Password(SecretString::new("pw".into()))
    }

    fn token() -> Secret {
        Secret::AccessToken(SecretString::new("tok".into()))
    }

    fn auth_failed(host: &str, user: &str) -> ImapError {
        ImapError::AuthFailed {
            host: host.into(),
            user: user.into(),
            text: "[AUTHENTICATIONFAILED] Authentication failed.".into(),
        }
    }

    /// The problems the engine really produces for the cases each front end must word,
    /// named for the front ends' tests.
    fn samples() -> Vec<(&'static str, Problem)> {
        let old = side("mail.oldhost.example", "alice", password(), None);
        let new_token = side("outlook.office365.com", "anna@contoso.com", token(), None);
        let new_admin = side(
            "mail.contoso.com",
            "admin",
            password(),
            Some("anna@contoso.com"),
        );
        let gmail = side("imap.gmail.com", "anna@gmail.com", password(), None);
        vec![
            (
                "wrong_password_old_server",
                MigrateError::on_side(
                    auth_failed("mail.oldhost.example", "alice"),
                    Which::Source,
                    &old,
                )
                .problem(),
            ),
            (
                "refused_token_new_server",
                MigrateError::on_side(
                    auth_failed("outlook.office365.com", "anna@contoso.com"),
                    Which::Destination,
                    &new_token,
                )
                .problem(),
            ),
            (
                "refused_admin_login_new_server",
                MigrateError::on_side(
                    auth_failed("mail.contoso.com", "anna@contoso.com"),
                    Which::Destination,
                    &new_admin,
                )
                .problem(),
            ),
            (
                "refused_app_password_old_server",
                MigrateError::on_side(
                    auth_failed("imap.gmail.com", "anna@gmail.com"),
                    Which::Source,
                    &gmail,
                )
                .problem(),
            ),
            (
                "expired_stored_sign_in_new_server",
                MigrateError::on_side(
                    ImapError::Token {
                        host: "outlook.office365.com".into(),
                        source: Box::new(OAuthError::SignInExpired {
                            provider: ProviderKind::Microsoft,
                            account: "anna@contoso.com".into(),
                            description: "AADSTS70043: The refresh token has expired".into(),
                        }),
                    },
                    Which::Destination,
                    &new_token,
                )
                .problem(),
            ),
            (
                "missing_own_sign_in_new_server",
                OAuthError::UserNotSignedIn {
                    provider: ProviderKind::Microsoft,
                    account: "anna@contoso.com".into(),
                }
                .problem()
                .on_side(Which::Destination, Some(AuthMethod::StoredSignIn)),
            ),
            (
                "unknown_host_old_server",
                MigrateError::on_side(
                    ImapError::UnknownHost {
                        host: "imap.gmial.com".into(),
                        detail: "failed to lookup address information: Name or service not known"
                            .into(),
                    },
                    Which::Source,
                    &old,
                )
                .problem(),
            ),
            (
                "refused_port_new_server",
                MigrateError::on_side(
                    ImapError::Connect {
                        host: "mail.contoso.com".into(),
                        port: 993,
                        source: std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
                    },
                    Which::Destination,
                    &new_admin,
                )
                .problem(),
            ),
            (
                "throttled_new_server",
                MigrateError::on_side(
                    ImapError::Refused {
                        host: "outlook.office365.com".into(),
                        command: "APPEND".into(),
                        text: "Request is throttled. Suggested Backoff Time: 1500 milliseconds"
                            .into(),
                    },
                    Which::Destination,
                    &new_token,
                )
                .problem(),
            ),
            (
                "dns_no_answer_this_computer",
                CutoverError::NoAnswer {
                    server: "of this computer".into(),
                    waited: std::time::Duration::from_secs(4),
                }
                .problem(),
            ),
            (
                "dns_refused_named_server",
                CutoverError::Refused {
                    server: "192.0.2.53:53".into(),
                    name: "contoso.com".into(),
                    code: "Refused".into(),
                }
                .problem(),
            ),
        ]
    }

    fn sample(name: &str) -> Problem {
        samples()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, p)| p)
            .unwrap_or_else(|| panic!("no sample {name}"))
    }

    #[test]
    fn a_refused_sign_in_names_the_side_and_what_was_refused() {
        let token = sample("refused_token_new_server");
        assert_eq!(token.kind, ErrorKind::Authentication);
        assert!(
            token.message.starts_with("the new server (outlook.office365.com) refused the access token for anna@contoso.com"),
            "{}",
            token.message
        );
        assert_eq!(token.facts.side, Some(Which::Destination));
        assert_eq!(token.facts.auth_method, Some(AuthMethod::Token));
        assert_eq!(token.facts.host.as_deref(), Some("outlook.office365.com"));
        // A token is not a password: the advice is to sign in again.
        assert!(token.hint.contains("sign in again"), "{}", token.hint);
        assert!(!token.hint.contains("password"), "{}", token.hint);

        let password = sample("wrong_password_old_server");
        assert!(password
            .message
            .starts_with("the old server (mail.oldhost.example) refused the password for alice"));
        assert_eq!(password.facts.side, Some(Which::Source));
        assert_eq!(password.facts.auth_method, Some(AuthMethod::Password));
        assert!(password.hint.contains("user name and password"));

        let admin = sample("refused_admin_login_new_server");
        assert_eq!(admin.facts.auth_method, Some(AuthMethod::AdminLogin));
        assert!(admin.hint.contains("admin account"), "{}", admin.hint);
        let gmail = sample("refused_app_password_old_server");
        assert_eq!(gmail.facts.auth_method, Some(AuthMethod::AppPassword));
        assert!(gmail.hint.contains("app password"));

        // The stored sign-in's own advice stays; the side and whose sign-in are facts.
        let expired = sample("expired_stored_sign_in_new_server");
        assert_eq!(expired.facts.side, Some(Which::Destination));
        assert_eq!(expired.facts.auth_method, Some(AuthMethod::StoredSignIn));
        assert_eq!(
            expired.facts.sign_in.as_ref().map(|s| s.account.as_str()),
            Some("anna@contoso.com")
        );
    }

    #[test]
    fn network_facts_say_what_failed_and_where() {
        let unknown = sample("unknown_host_old_server");
        assert_eq!(unknown.facts.network, Some(NetworkFailure::UnknownHost));
        assert_eq!(unknown.facts.host.as_deref(), Some("imap.gmial.com"));
        assert_eq!(unknown.facts.auth_method, None, "not a sign-in problem");
        let refused = sample("refused_port_new_server");
        assert_eq!(refused.facts.network, Some(NetworkFailure::Refused));
        assert_eq!(refused.facts.port, Some(993));
        assert_eq!(refused.facts.side, Some(Which::Destination));
        let throttled = sample("throttled_new_server");
        assert_eq!(throttled.kind, ErrorKind::Throttled);
        assert_eq!(
            throttled.facts.retry_after_secs,
            Some(2),
            "1.5 s, rounded up"
        );
        assert_eq!(
            sample("dns_no_answer_this_computer")
                .facts
                .dns_server
                .as_deref(),
            Some(SYSTEM_DNS)
        );
        assert_eq!(
            sample("dns_refused_named_server")
                .facts
                .dns_server
                .as_deref(),
            Some("192.0.2.53:53")
        );
    }

    #[test]
    fn no_engine_advice_names_a_command_line_option() {
        for (name, problem) in samples() {
            assert!(!problem.hint.contains("--"), "{name}: {}", problem.hint);
            assert!(
                !problem.hint.contains("mailferry "),
                "{name}: {}",
                problem.hint
            );
        }
    }

    /// The window's wording is tested with exactly these problems: the file its component
    /// test reads is this JSON. `MAILFERRY_BLESS=1` writes it after a deliberate change.
    #[test]
    fn the_windows_samples_are_what_the_engine_says() {
        let samples: serde_json::Map<String, serde_json::Value> = samples()
            .into_iter()
            .map(|(name, p)| {
                (
                    name.to_string(),
                    serde_json::to_value(p).expect("plain data"),
                )
            })
            .collect();
        let text = serde_json::to_string_pretty(&samples).expect("plain data") + "\n";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("ui/src/test/engineProblems.json");
        if std::env::var_os("MAILFERRY_BLESS").is_some() {
            std::fs::write(&path, &text).expect("write the samples");
        }
        let stored = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            stored,
            text,
            "{} is out of date: run this test with MAILFERRY_BLESS=1",
            path.display()
        );
    }
}
