//! The errors a whole migration can end with, each already explained by its own layer.

use thiserror::Error;

use crate::endpoint::EndpointError;
use crate::error::{Classify, ErrorKind};
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
    /// A part of the copy stopped on an internal error (a bug), never a silent success.
    #[error("copying {folder} stopped on an internal error: {detail}")]
    Internal { folder: String, detail: String },
}

impl MigrateError {
    /// Worth trying again after a pause: the connection broke or the server is throttling.
    pub fn is_transient(&self) -> bool {
        match self {
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
            MigrateError::Imap(e) => e.suggested_backoff(),
            _ => None,
        }
    }
}

impl Classify for MigrateError {
    fn kind(&self) -> ErrorKind {
        match self {
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
    fn facts(&self) -> crate::error::Facts {
        match self {
            MigrateError::Imap(e) => e.facts(),
            _ => crate::error::Facts::default(),
        }
    }
    fn hint(&self) -> String {
        match self {
            MigrateError::Imap(e) => e.hint(),
            MigrateError::State(e) => e.hint(),
            MigrateError::Secret(e) => e.hint(),
            MigrateError::Trust(e) => e.hint(),
            MigrateError::Endpoint(e) => e.hint(),
            MigrateError::Lease(e) => e.hint(),
            MigrateError::Input(_) => {
                "Check the command line; `mailferry migrate --help` lists every option.".into()
            }
            MigrateError::DestinationMissing { .. } => {
                "The new server reported success without storing the mail. Nothing it lost is counted as copied: run the migration again, and if it repeats, contact the new server's provider.".into()
            }
            MigrateError::Internal { .. } => {
                "This is a fault in Mailferry, not in your mail. The other folders went on; run again, and if it repeats, send the report to support.".into()
            }
        }
    }
}
