//! What can go wrong talking IMAP, classified for the user.

use thiserror::Error;

use crate::error::{
    AuthMethod, CertificateFacts, Classify, ErrorKind, Facts, NetworkFailure, SecurityMismatch,
};

#[derive(Debug, Error)]
pub enum ImapError {
    #[error("cannot find the server {host}: {detail}")]
    UnknownHost { host: String, detail: String },
    #[error("cannot connect to {host}:{port}: {source}")]
    Connect {
        host: String,
        port: u16,
        source: std::io::Error,
    },
    #[error("{host} did not answer within {seconds} seconds ({during})")]
    Timeout {
        host: String,
        seconds: u64,
        during: &'static str,
    },
    #[error("the connection to {host} broke: {source}")]
    Io {
        host: String,
        source: std::io::Error,
    },
    #[error("{host} closed the connection{}", text_suffix(.text))]
    Closed { host: String, text: String },
    #[error("the certificate of {host} is not trusted: {reason}{}", fingerprint_suffix(.fingerprint))]
    Certificate {
        host: String,
        reason: String,
        fingerprint: Option<String>,
        /// What the refused certificate says about itself, when the server sent one.
        certificate: Option<Box<CertificateFacts>>,
    },
    /// The port speaks another kind of encryption than the one chosen.
    #[error("{}", mismatch_text(.host, *.port, *.expected))]
    SecurityMismatch {
        host: String,
        port: u16,
        expected: SecurityMismatch,
    },
    #[error("{host} does not offer STARTTLS, so the connection cannot be encrypted")]
    StartTlsNotOffered { host: String },
    #[error("refusing to send the password for {host} over an unencrypted connection")]
    InsecureAuthRefused { host: String },
    #[error("{host} refused the sign-in for {user}: {text}")]
    AuthFailed {
        host: String,
        user: String,
        text: String,
    },
    #[error("{host} offers no sign-in method Mailferry can use for this account ({needed})")]
    NoAuthMechanism { host: String, needed: &'static str },
    #[error("{host} refused {command}: {text}")]
    Refused {
        host: String,
        command: String,
        text: String,
    },
    #[error("{host} rejected {command} as malformed: {text}")]
    Bad {
        host: String,
        command: String,
        text: String,
    },
    #[error("{host} sent a reply Mailferry cannot understand: {snippet}")]
    Protocol { host: String, snippet: String },
    /// The server sent more than any honest answer holds (a huge literal, an endless line, a
    /// flood of responses): the connection is dropped before memory follows it.
    #[error("{host} sent {what}, which no working server does; the connection was closed")]
    Unreasonable { host: String, what: String },
    /// A command ran past its deadline although the server kept the connection alive.
    #[error("{host} was too slow: {during} did not finish in the time its size allows")]
    TooSlow { host: String, during: &'static str },
    /// No token to sign in with: the stored sign-in could not give one.
    #[error("{source}")]
    Token {
        host: String,
        source: Box<crate::oauth::OAuthError>,
    },
}

fn text_suffix(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

fn mismatch_text(host: &str, port: u16, expected: SecurityMismatch) -> String {
    match expected {
        SecurityMismatch::PortExpectsTls => format!(
            "{host} port {port} expects SSL/TLS from the first byte, but the connection was opened unencrypted (STARTTLS or none)"
        ),
        SecurityMismatch::PortExpectsStarttls => format!(
            "{host} port {port} starts unencrypted (STARTTLS or none), but SSL/TLS was chosen"
        ),
    }
}

fn fingerprint_suffix(fingerprint: &Option<String>) -> String {
    match fingerprint {
        Some(f) => format!(" (certificate SHA-256 fingerprint {f})"),
        None => String::new(),
    }
}

impl ImapError {
    /// The server's own words, when it refused something.
    pub fn server_text(&self) -> Option<&str> {
        match self {
            ImapError::Refused { text, .. }
            | ImapError::Bad { text, .. }
            | ImapError::AuthFailed { text, .. }
            | ImapError::Closed { text, .. } => Some(text),
            _ => None,
        }
    }

    /// How long the server asked us to wait, when it throttles.
    pub fn suggested_backoff(&self) -> Option<std::time::Duration> {
        self.server_text().and_then(suggested_backoff)
    }

    /// A refusal that says more about the server's state at that moment than about the
    /// request: worth a new connection and another try.
    pub fn is_server_hiccup(&self) -> bool {
        let ImapError::Refused { command, text, .. } = self else {
            return false;
        };
        let upper = text.to_ascii_uppercase();
        upper.contains("[INUSE]")
            || upper.contains("[SERVERBUG]")
            // Exchange Online ends a session whose token ran out; a new connection signs in
            // with a fresh one.
            || upper.contains("ACCESSTOKENEXPIRED")
            || upper.contains("[UNAVAILABLE]")
            // Seen from Dovecot right after an internal crash while opening a folder.
            || (matches!(command.as_str(), "EXAMINE" | "SELECT") && upper.contains("[ALREADYEXISTS]"))
    }

    /// What the server's words say the copy should do, beyond the error's kind.
    pub fn refusal(&self) -> Option<Refusal> {
        let (command, text) = match self {
            ImapError::Refused { command, text, .. } | ImapError::Bad { command, text, .. } => {
                (command.as_str(), text.as_str())
            }
            _ => return None,
        };
        if command.eq_ignore_ascii_case("APPEND") && is_line_too_long_text(text) {
            return Some(Refusal::LineTooLong);
        }
        if is_reserved_name_text(text) {
            return Some(Refusal::ReservedName);
        }
        match refusal_kind(text) {
            ErrorKind::TooLarge => Some(Refusal::TooLarge),
            ErrorKind::Throttled => Some(Refusal::Throttled {
                backoff: suggested_backoff(text),
            }),
            _ => None,
        }
    }

    /// Exchange refused an APPEND because a line of the message is longer than it accepts
    /// (10,500 characters): the message must be sent re-encoded.
    pub fn is_line_too_long(&self) -> bool {
        self.refusal() == Some(Refusal::LineTooLong)
    }

    /// The server reserves the folder name (Exchange's `Files`): the folder needs another.
    pub fn is_reserved_name(&self) -> bool {
        self.refusal() == Some(Refusal::ReservedName)
    }

    /// The connection is unusable after this error and must be opened again.
    pub fn breaks_connection(&self) -> bool {
        matches!(
            self,
            ImapError::Timeout { .. }
                | ImapError::Io { .. }
                | ImapError::Closed { .. }
                | ImapError::Protocol { .. }
                | ImapError::Unreasonable { .. }
                | ImapError::TooSlow { .. }
        )
    }

    fn host(&self) -> &str {
        match self {
            ImapError::UnknownHost { host, .. }
            | ImapError::Connect { host, .. }
            | ImapError::Timeout { host, .. }
            | ImapError::Io { host, .. }
            | ImapError::Closed { host, .. }
            | ImapError::Certificate { host, .. }
            | ImapError::SecurityMismatch { host, .. }
            | ImapError::StartTlsNotOffered { host }
            | ImapError::InsecureAuthRefused { host }
            | ImapError::AuthFailed { host, .. }
            | ImapError::NoAuthMechanism { host, .. }
            | ImapError::Refused { host, .. }
            | ImapError::Bad { host, .. }
            | ImapError::Protocol { host, .. }
            | ImapError::Unreasonable { host, .. }
            | ImapError::TooSlow { host, .. }
            | ImapError::Token { host, .. } => host,
        }
    }
}

/// A refusal the copy acts on in its own way, read from the server's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The message has a line longer than the server accepts (Exchange's `BAD Command
    /// Argument Error. 11` to an APPEND): re-encode it and send it again.
    LineTooLong,
    /// The folder name is reserved (Exchange's `NO Folder name is reserved.`).
    ReservedName,
    /// The message is larger than the server accepts: skip it and report it.
    TooLarge,
    /// The server asks to slow down, for `backoff` when it says how long.
    Throttled {
        backoff: Option<std::time::Duration>,
    },
}

/// Exchange's answer to an APPEND with an over-long line is only `Command Argument Error.
/// 11`: the number, not the words, tells it apart from Exchange's other argument errors.
fn is_line_too_long_text(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    let Some(at) = upper.find("COMMAND ARGUMENT ERROR.") else {
        return false;
    };
    let rest = upper[at + "COMMAND ARGUMENT ERROR.".len()..].trim_start();
    let code: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    code == "11"
}

fn is_reserved_name_text(text: &str) -> bool {
    text.to_ascii_uppercase()
        .contains("FOLDER NAME IS RESERVED")
}

/// Exchange Online: `Request is throttled. Suggested Backoff Time: 1500 milliseconds`.
pub fn suggested_backoff(text: &str) -> Option<std::time::Duration> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find("suggested backoff time:")? + "suggested backoff time:".len();
    let digits: String = lower[at..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits
        .parse::<u64>()
        .ok()
        .map(std::time::Duration::from_millis)
}

fn refusal_kind(text: &str) -> ErrorKind {
    let upper = text.to_ascii_uppercase();
    // Gmail's daily download budget says OVERQUOTA too, but it passes by itself tomorrow.
    if upper.contains("BANDWIDTH") || upper.contains("EXCEEDED COMMAND") {
        return ErrorKind::Throttled;
    }
    if upper.contains("[OVERQUOTA]")
        || upper.contains("QUOTA EXCEEDED")
        || upper.contains("MAILBOX IS FULL")
    {
        ErrorKind::Quota
    } else if upper.contains("[LIMIT]")
        || upper.contains("TOO LARGE")
        || upper.contains("TOO BIG")
        // Exchange Online: "Maximum size of appendable message has been exceeded."
        || upper.contains("MAXIMUM SIZE OF APPENDABLE MESSAGE")
    {
        ErrorKind::TooLarge
    } else if upper.contains("THROTTL")
        || upper.contains("SUGGESTED BACKOFF")
        || upper.contains("[UNAVAILABLE]")
        || upper.contains("BANDWIDTH LIMIT")
        || upper.contains("TRY AGAIN LATER")
    {
        ErrorKind::Throttled
    } else if upper.contains("[AUTHENTICATIONFAILED]") || upper.contains("[AUTHORIZATIONFAILED]") {
        ErrorKind::Authentication
    } else if upper.contains("[SERVERBUG]") {
        ErrorKind::Protocol
    } else {
        ErrorKind::ServerRefused
    }
}

impl Classify for ImapError {
    fn kind(&self) -> ErrorKind {
        match self {
            ImapError::UnknownHost { .. }
            | ImapError::Connect { .. }
            | ImapError::Timeout { .. }
            | ImapError::Io { .. }
            | ImapError::Closed { .. }
            | ImapError::TooSlow { .. } => ErrorKind::Network,
            ImapError::Certificate { .. } | ImapError::StartTlsNotOffered { .. } => {
                ErrorKind::Certificate
            }
            ImapError::InsecureAuthRefused { .. } => ErrorKind::Input,
            // The server works; the security setting chosen for it does not fit the port.
            ImapError::SecurityMismatch { .. } => ErrorKind::Input,
            ImapError::AuthFailed { .. } | ImapError::NoAuthMechanism { .. } => {
                ErrorKind::Authentication
            }
            // The server is fine and the message is not too large: only its form is refused,
            // which `refusal()` tells the copy so it can send the message re-encoded.
            ImapError::Refused { .. } | ImapError::Bad { .. } if self.is_line_too_long() => {
                ErrorKind::ServerRefused
            }
            ImapError::Refused { text, .. } => refusal_kind(text),
            ImapError::Bad { text, .. } => match refusal_kind(text) {
                ErrorKind::ServerRefused => ErrorKind::Protocol,
                other => other,
            },
            ImapError::Protocol { .. } | ImapError::Unreasonable { .. } => ErrorKind::Protocol,
            ImapError::Token { source, .. } => source.kind(),
        }
    }

    fn facts(&self) -> Facts {
        if let ImapError::Token { host, source } = self {
            return Facts {
                host: Some(host.clone()),
                ..source.facts()
            };
        }
        let network = match self {
            ImapError::UnknownHost { .. } => Some(NetworkFailure::UnknownHost),
            ImapError::Connect { source, .. } => match source.kind() {
                std::io::ErrorKind::ConnectionRefused => Some(NetworkFailure::Refused),
                std::io::ErrorKind::TimedOut => Some(NetworkFailure::Timeout),
                _ => None,
            },
            ImapError::Timeout { .. } | ImapError::TooSlow { .. } => Some(NetworkFailure::Timeout),
            ImapError::Io { .. } | ImapError::Closed { .. } => Some(NetworkFailure::Broken),
            ImapError::StartTlsNotOffered { .. } => Some(NetworkFailure::NoStarttls),
            _ => None,
        };
        let retry_after_secs = match self.kind() {
            // Whole seconds, rounded up: a front end says "about N seconds".
            ErrorKind::Throttled => self
                .suggested_backoff()
                .map(|wait| wait.as_millis().div_ceil(1000) as u64),
            _ => None,
        };
        Facts {
            host: Some(self.host().to_string()),
            port: match self {
                ImapError::Connect { port, .. } => Some(*port),
                _ => self.mismatched_port(),
            },
            network,
            retry_after_secs,
            // What a trust or a new security setting is stored for.
            certificate: self.certificate_facts(),
            security_mismatch: self.security_mismatch(),
            ..Facts::default()
        }
    }

    fn hint(&self) -> String {
        let host = self.host().to_ascii_lowercase();
        match self {
            ImapError::UnknownHost { .. } => {
                "Check the server name for typing mistakes and that this computer is online.".into()
            }
            ImapError::Connect { .. } => {
                "Check the port number and security setting (993 for SSL/TLS, 143 for STARTTLS), and that no firewall blocks it.".into()
            }
            ImapError::Timeout { .. } | ImapError::Io { .. } | ImapError::Closed { .. } => {
                "This is usually temporary; Mailferry retries by itself. If it keeps happening, check the network connection.".into()
            }
            ImapError::TooSlow { .. } => {
                "The server kept the connection open but sent almost nothing. Mailferry tries again by itself; if it keeps happening the server is overloaded, so try later or raise the time limit.".into()
            }
            ImapError::Unreasonable { .. } => {
                "The server is broken, or something on the network tampers with the connection. Use an encrypted connection (SSL/TLS), and if it repeats, tell the server's administrator.".into()
            }
            ImapError::Certificate { .. } => {
                "If the server uses its own certificate, get its CA file from the server's administrator, or check the fingerprint with them and trust this certificate for this server.".into()
            }
            ImapError::SecurityMismatch { expected: SecurityMismatch::PortExpectsTls, .. } => {
                "Choose SSL/TLS as the security for this port, or use the server's STARTTLS port (usually 143).".into()
            }
            ImapError::SecurityMismatch { expected: SecurityMismatch::PortExpectsStarttls, .. } => {
                "Choose STARTTLS as the security for this port, or use the server's SSL/TLS port (usually 993).".into()
            }
            ImapError::StartTlsNotOffered { .. } => {
                "Choose SSL/TLS (usually port 993) if the server offers it. Only if you trust the network completely, choose no encryption.".into()
            }
            ImapError::InsecureAuthRefused { .. } => {
                "Use an encrypted connection (SSL/TLS or STARTTLS). Only on a network you trust completely, allow the password to be sent unencrypted.".into()
            }
            ImapError::AuthFailed { .. } | ImapError::NoAuthMechanism { .. } => auth_hint(&host),
            ImapError::Token { source, .. } => source.hint(),
            _ if self.is_line_too_long() => "Microsoft 365 refuses messages with a line longer than 10,500 characters; Mailferry sends such a message re-encoded (same content once decoded) and lists it in the report.".into(),
            _ if self.is_reserved_name() => "Microsoft 365 reserves this folder name; Mailferry copies the folder under another name (such as \"Files (imported)\") and lists the rename in the report.".into(),
            _ => match self.kind() {
                ErrorKind::Quota => "Free up space in the destination mailbox or raise its quota, then run the migration again; nothing already copied will be copied twice.".into(),
                ErrorKind::TooLarge => "Raise the destination's message size limit (Microsoft 365 allows up to 150 MB) or leave the message behind; it is listed in the report.".into(),
                ErrorKind::Throttled => "The server asked to slow down; Mailferry waits and continues by itself.".into(),
                ErrorKind::Authentication => auth_hint(&host),
                ErrorKind::Protocol => "This looks like a server fault. Run again; if it repeats, send the report to support.".into(),
                _ => "Check the server's message in the report; run again once it is fixed. Nothing already copied will be copied twice.".into(),
            },
        }
    }
}

impl ImapError {
    /// The refused certificate, for the facts.
    fn certificate_facts(&self) -> Option<CertificateFacts> {
        match self {
            ImapError::Certificate { certificate, .. } => certificate.as_deref().cloned(),
            _ => None,
        }
    }

    fn mismatched_port(&self) -> Option<u16> {
        match self {
            ImapError::SecurityMismatch { port, .. } => Some(*port),
            _ => None,
        }
    }

    /// The encryption the port expects, for the facts.
    fn security_mismatch(&self) -> Option<SecurityMismatch> {
        match self {
            ImapError::SecurityMismatch { expected, .. } => Some(*expected),
            _ => None,
        }
    }
}

/// Advice for a refused sign-in once the layer that opened the connection knows how it
/// signed in: a token or a stored sign-in is fixed by signing in again, not by a password.
pub fn sign_in_hint(method: AuthMethod, host: &str) -> String {
    match method {
        AuthMethod::Password | AuthMethod::AppPassword => auth_hint(&host.to_ascii_lowercase()),
        AuthMethod::AdminLogin => "Check the admin account's name and password, and that the server lets it open other users' mailboxes.".into(),
        AuthMethod::StoredSignIn => "The sign-in may have expired or been revoked, or it has no access to this mailbox: sign in again.".into(),
        AuthMethod::Token => "The access token may have expired, or it does not open this mailbox: sign in again for a new one.".into(),
    }
}

/// Advice that depends on the provider, because each one hides the fix somewhere else.
fn auth_hint(host: &str) -> String {
    if host.ends_with("gmail.com") || host.ends_with("googlemail.com") {
        "Gmail needs an app password: turn on 2-Step Verification, then create one at myaccount.google.com → Security → App passwords, and use it instead of the normal password.".into()
    } else if host.contains("yahoo") || host.contains("aol.com") {
        "Yahoo and AOL need an app password: Account Security → Generate app password, and use it instead of the normal password.".into()
    } else if host.contains("office365.com")
        || host.contains("outlook.com")
        || host.contains("hotmail")
    {
        "Microsoft switched off password sign-in for IMAP; these mailboxes need Sign in with Microsoft.".into()
    } else if host.contains("icloud.com") || host.contains("me.com") {
        "iCloud needs an app-specific password: appleid.apple.com → Sign-In and Security → App-Specific Passwords.".into()
    } else {
        "Check the user name and password. Some providers require an app password instead of the normal one.".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> ImapError {
        ImapError::Refused {
            host: "h".into(),
            command: "APPEND".into(),
            text: text.into(),
        }
    }

    #[test]
    fn refusals_are_classified_by_the_servers_words() {
        assert_eq!(
            refused("[OVERQUOTA] Quota exceeded (mailbox for user is full)").kind(),
            ErrorKind::Quota
        );
        assert_eq!(
            refused("[LIMIT] Mail size is too large").kind(),
            ErrorKind::TooLarge
        );
        assert_eq!(
            refused("Request is throttled. Suggested Backoff Time: 1500 milliseconds").kind(),
            ErrorKind::Throttled
        );
        assert_eq!(
            refused("[CANNOT] Invalid mailbox name").kind(),
            ErrorKind::ServerRefused
        );
    }

    fn bad(command: &str, text: &str) -> ImapError {
        ImapError::Bad {
            host: "outlook.office365.com".into(),
            command: command.into(),
            text: text.into(),
        }
    }

    #[test]
    fn exchange_too_large_wording_is_too_large() {
        let e = refused("Maximum size of appendable message has been exceeded.");
        assert_eq!(e.kind(), ErrorKind::TooLarge);
        assert_eq!(e.refusal(), Some(Refusal::TooLarge));
        assert!(e.hint().contains("150 MB"));
    }

    #[test]
    fn exchange_reserved_folder_name_is_recognised() {
        let e = ImapError::Refused {
            host: "outlook.office365.com".into(),
            command: "CREATE".into(),
            text: "Folder name is reserved.".into(),
        };
        assert!(e.is_reserved_name());
        assert_eq!(e.refusal(), Some(Refusal::ReservedName));
        assert_eq!(e.kind(), ErrorKind::ServerRefused);
        assert!(e.hint().contains("Files (imported)"));
        assert!(!refused("[CANNOT] Invalid mailbox name").is_reserved_name());
    }

    #[test]
    fn exchange_long_line_refusal_is_its_own_fact() {
        let e = bad("APPEND", "Command Argument Error. 11");
        assert!(e.is_line_too_long());
        assert_eq!(e.refusal(), Some(Refusal::LineTooLong));
        // Not a server fault (Protocol) and not a size problem (TooLarge would skip it).
        assert_eq!(e.kind(), ErrorKind::ServerRefused);
        assert!(e.hint().contains("re-encoded"));
        // Exchange's other argument errors, and the same words to other commands, are not it.
        assert!(!bad("APPEND", "Command Argument Error. 12").is_line_too_long());
        assert!(!bad("APPEND", "Command Argument Error. 110").is_line_too_long());
        assert!(!bad("UID STORE", "Command Argument Error. 11").is_line_too_long());
        assert_eq!(
            bad("UID STORE", "Command Argument Error. 11").kind(),
            ErrorKind::Protocol
        );
    }

    #[test]
    fn exchange_throttling_carries_its_backoff() {
        let e = refused("Request is throttled. Suggested Backoff Time: 2500 milliseconds");
        assert_eq!(e.kind(), ErrorKind::Throttled);
        assert_eq!(
            e.refusal(),
            Some(Refusal::Throttled {
                backoff: Some(std::time::Duration::from_millis(2500))
            })
        );
        assert_eq!(
            refused("[UNAVAILABLE] try again later").refusal(),
            Some(Refusal::Throttled { backoff: None })
        );
        assert_eq!(refused("[CANNOT] nope").refusal(), None);
    }

    #[test]
    fn exchange_backoff_is_read() {
        let e = refused("Request is throttled. Suggested Backoff Time: 1500 milliseconds");
        assert_eq!(
            e.suggested_backoff(),
            Some(std::time::Duration::from_millis(1500))
        );
        assert_eq!(refused("no").suggested_backoff(), None);
    }

    #[test]
    fn network_failures_are_facts_with_the_host() {
        let cases = [
            (
                ImapError::Timeout {
                    host: "h".into(),
                    seconds: 60,
                    during: "greeting",
                },
                Some(NetworkFailure::Timeout),
            ),
            (
                ImapError::Io {
                    host: "h".into(),
                    source: std::io::Error::from(std::io::ErrorKind::ConnectionReset),
                },
                Some(NetworkFailure::Broken),
            ),
            (
                ImapError::StartTlsNotOffered { host: "h".into() },
                Some(NetworkFailure::NoStarttls),
            ),
            (
                ImapError::Connect {
                    host: "h".into(),
                    port: 143,
                    source: std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
                },
                Some(NetworkFailure::Refused),
            ),
            (refused("[CANNOT] nope"), None),
        ];
        for (error, network) in cases {
            let facts = error.facts();
            assert_eq!(facts.network, network, "{error}");
            assert_eq!(facts.host.as_deref(), Some("h"), "{error}");
            assert_eq!(facts.retry_after_secs, None, "{error}");
        }
        // A throttle without a suggested wait says none.
        assert_eq!(
            refused("[UNAVAILABLE] try again later")
                .facts()
                .retry_after_secs,
            None
        );
    }

    #[test]
    fn a_refused_sign_in_is_advised_by_how_it_signed_in() {
        let token = sign_in_hint(AuthMethod::Token, "outlook.office365.com");
        assert!(token.contains("sign in again") && !token.contains("password"));
        assert!(sign_in_hint(AuthMethod::Password, "imap.gmail.com").contains("app password"));
        assert!(sign_in_hint(AuthMethod::AdminLogin, "mail.contoso.com").contains("admin"));
        for method in [
            AuthMethod::Password,
            AuthMethod::AppPassword,
            AuthMethod::AdminLogin,
            AuthMethod::StoredSignIn,
            AuthMethod::Token,
        ] {
            assert!(!sign_in_hint(method, "h").contains("--"));
        }
    }

    #[test]
    fn the_wrong_encryption_for_a_port_is_an_input_error_with_its_facts() {
        let e = ImapError::SecurityMismatch {
            host: "mail.example.com".into(),
            port: 993,
            expected: SecurityMismatch::PortExpectsTls,
        };
        assert_eq!(e.kind(), ErrorKind::Input);
        assert!(
            !e.kind().is_transient(),
            "retrying the same setting cannot help"
        );
        let facts = e.facts();
        assert_eq!(
            facts.security_mismatch,
            Some(SecurityMismatch::PortExpectsTls)
        );
        assert_eq!(facts.host.as_deref(), Some("mail.example.com"));
        assert_eq!(facts.port, Some(993));
        assert!(e.hint().contains("SSL/TLS") && !e.hint().contains("--"));
        // Other errors carry no such facts.
        let other = refused("[CANNOT] nope").facts();
        assert_eq!(other.security_mismatch, None);
        assert_eq!(other.certificate, None);
    }

    #[test]
    fn gmail_login_failures_mention_app_passwords() {
        let e = ImapError::AuthFailed {
            host: "imap.gmail.com".into(),
            user: "a".into(),
            text: "[AUTHENTICATIONFAILED] Invalid credentials".into(),
        };
        assert_eq!(e.kind(), ErrorKind::Authentication);
        assert!(e.hint().contains("app password"));
    }
}
