//! How failures are explained to a person who is not an email administrator.
//!
//! Every layer has its own `thiserror` enum; each implements [`Classify`] so the
//! command line, the report and (later) the window can show the same three things:
//! what kind of problem it is, one plain sentence, and what to do about it.

use serde::{Deserialize, Serialize};

/// The families of problems a user can act on differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The server did not accept the user name or password.
    Authentication,
    /// The server's certificate could not be trusted.
    Certificate,
    /// The server could not be reached, or the connection broke.
    Network,
    /// The destination mailbox is full.
    Quota,
    /// A message is larger than the destination accepts.
    TooLarge,
    /// The server asked us to slow down.
    Throttled,
    /// The server refused an operation for a reason of its own.
    ServerRefused,
    /// The server said something that breaks the IMAP protocol.
    Protocol,
    /// What the user gave us cannot be used (bad URL, missing password, unreadable file).
    Input,
    /// Local storage (the state database, the keyring) failed.
    Local,
    /// A fault in Mailferry itself: the work it stopped is reported failed, never done.
    Internal,
    /// Another Mailferry window or command is copying the same mailbox right now.
    Busy,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Authentication => "authentication",
            ErrorKind::Certificate => "certificate",
            ErrorKind::Network => "network",
            ErrorKind::Quota => "quota",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Throttled => "throttled",
            ErrorKind::ServerRefused => "server_refused",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Input => "input",
            ErrorKind::Local => "local",
            ErrorKind::Internal => "internal",
            ErrorKind::Busy => "busy",
        }
    }

    /// Whether trying the same thing again later may succeed.
    pub fn is_transient(self) -> bool {
        matches!(self, ErrorKind::Network | ErrorKind::Throttled)
    }
}

/// A problem as shown to the user: the kind, the technical message, and a fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub kind: ErrorKind,
    /// One line a non-technical person can read.
    pub message: String,
    /// What to do about it, in words that suit every front end (no option names).
    pub hint: String,
    /// What is known about it, so each front end can word it for its own user.
    /// Boxed: problems travel inside `Result`s, which stay small that way.
    #[serde(default)]
    pub facts: Box<Facts>,
}

impl Problem {
    pub fn new(kind: ErrorKind, message: impl Into<String>, hint: impl Into<String>) -> Problem {
        Problem {
            kind,
            message: message.into(),
            hint: hint.into(),
            facts: Box::default(),
        }
    }
}

/// The structured facts behind a problem. Every field is optional: a layer fills in what it
/// knows, and a layer above may add what only it knows (which side a connection was for).
/// Stored with reports, so fields are only ever added, each with a default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Facts {
    /// The old server (where mail is copied from) or the new one.
    pub side: Option<Side>,
    pub host: Option<String>,
    pub port: Option<u16>,
    /// How Mailferry signed in when the server refused it.
    pub auth_method: Option<AuthMethod>,
    /// What went wrong on the network.
    pub network: Option<NetworkFailure>,
    /// The certificate that could not be trusted.
    pub certificate: Option<CertificateFacts>,
    /// The port speaks another kind of encryption than the one chosen.
    pub security_mismatch: Option<SecurityMismatch>,
    /// How long the server asked us to wait.
    pub retry_after_secs: Option<u64>,
    /// The stored sign-in concerned (whose sign-in expired, is missing or was refused).
    pub sign_in: Option<crate::oauth::SignInRef>,
    /// The DNS server a domain check asked: its address, or [`SYSTEM_DNS`] for the
    /// computer's own.
    pub dns_server: Option<String>,
}

/// `Facts::dns_server` when the domain check asked the computer's own DNS server.
pub const SYSTEM_DNS: &str = "system";

impl Problem {
    /// Adds what the layer that opened the connection knows: which side it was for, and
    /// how it signs in there (kept only for a refused or missing secret, where it changes
    /// the advice). Facts a lower layer already filled are kept.
    pub fn on_side(mut self, side: Side, auth_method: Option<AuthMethod>) -> Problem {
        let facts = &mut self.facts;
        facts.side.get_or_insert(side);
        let about_the_secret = matches!(self.kind, ErrorKind::Authentication | ErrorKind::Input);
        if about_the_secret && facts.auth_method.is_none() {
            facts.auth_method = auth_method;
        }
        self
    }
}

impl Side {
    /// How the engine's messages name the side.
    pub fn server_words(self) -> &'static str {
        match self {
            Side::Source => "the old server",
            Side::Destination => "the new server",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The server mail is copied from.
    Source,
    /// The server mail is copied to.
    Destination,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    Password,
    AppPassword,
    /// An administrator's name and password opening each user's mailbox.
    AdminLogin,
    /// A sign-in kept by Mailferry (refresh token), renewed as needed.
    StoredSignIn,
    /// An access token handed to Mailferry as it is.
    Token,
}

impl AuthMethod {
    /// What the server was given, as a refusal names it ("refused the access token").
    pub fn words(self) -> &'static str {
        match self {
            AuthMethod::Password => "password",
            AuthMethod::AppPassword => "app password",
            AuthMethod::AdminLogin => "admin login",
            AuthMethod::StoredSignIn => "stored sign-in",
            AuthMethod::Token => "access token",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkFailure {
    /// The host name does not resolve.
    UnknownHost,
    /// Nothing listens on that port.
    Refused,
    /// The server did not answer in time.
    Timeout,
    /// The connection broke.
    Broken,
    /// The server does not offer STARTTLS.
    NoStarttls,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateFacts {
    /// Why it was not trusted, in a few words ("issued by an unknown authority", "expired").
    pub reason: String,
    pub subject: Option<String>,
    pub issuer: Option<String>,
    /// RFC 3339.
    pub not_before: Option<String>,
    /// RFC 3339.
    pub not_after: Option<String>,
    /// SHA-256 of the certificate (DER), as Mailferry's pins are written.
    pub fingerprint_sha256: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityMismatch {
    /// STARTTLS was chosen, but the port starts with TLS at once.
    PortExpectsTls,
    /// TLS was chosen, but the port starts in plain text (STARTTLS or none).
    PortExpectsStarttls,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.hint)
    }
}

/// Implemented by every layer's error type.
pub trait Classify {
    fn kind(&self) -> ErrorKind;
    fn hint(&self) -> String;
    /// What this error knows in structured form; nothing by default.
    fn facts(&self) -> Facts {
        Facts::default()
    }
    fn problem(&self) -> Problem
    where
        Self: std::fmt::Display,
    {
        Problem {
            kind: self.kind(),
            message: self.to_string(),
            hint: self.hint(),
            facts: Box::new(self.facts()),
        }
    }
}
