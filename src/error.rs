//! How failures are explained to a person who is not an email administrator.
//!
//! Every layer has its own `thiserror` enum; each implements [`Classify`] so the
//! command line, the report and (later) the window can show the same three things:
//! what kind of problem it is, one plain sentence, and what to do about it.

use serde::{Deserialize, Serialize};

/// The families of problems a user can act on differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Problem {
    pub kind: ErrorKind,
    /// One line a non-technical person can read.
    pub message: String,
    /// What to do about it.
    pub hint: String,
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
    fn problem(&self) -> Problem
    where
        Self: std::fmt::Display,
    {
        Problem {
            kind: self.kind(),
            message: self.to_string(),
            hint: self.hint(),
        }
    }
}
