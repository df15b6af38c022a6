//! What can go wrong while checking a domain, in words the owner can act on.

use std::time::Duration;

use thiserror::Error;

use crate::error::{Classify, ErrorKind, Facts, NetworkFailure, SYSTEM_DNS};
use crate::state::StateError;

#[derive(Debug, Error)]
pub enum CutoverError {
    #[error("\"{name}\" is not a domain name: {reason}")]
    InvalidDomain { name: String, reason: &'static str },
    #[error("the DNS server \"{given}\" is not HOST:PORT: {reason}")]
    InvalidServer { given: String, reason: String },
    #[error("the DNS server {server} did not answer within {} seconds", .waited.as_secs())]
    NoAnswer { server: String, waited: Duration },
    #[error("not checked: the DNS server {server} did not answer an earlier question")]
    Skipped { server: String },
    #[error("the DNS server {server} cannot be reached: {detail}")]
    Unreachable { server: String, detail: String },
    #[error("the DNS server {server} refused to answer about {name}: {code}")]
    Refused {
        server: String,
        name: String,
        code: String,
    },
    #[error("the DNS server {server} sent an answer that cannot be used: {detail}")]
    BadAnswer { server: String, detail: String },
    #[error("cannot remember the domain's history: {0}")]
    State(#[from] StateError),
}

impl Classify for CutoverError {
    fn kind(&self) -> ErrorKind {
        match self {
            CutoverError::InvalidDomain { .. } | CutoverError::InvalidServer { .. } => {
                ErrorKind::Input
            }
            CutoverError::NoAnswer { .. }
            | CutoverError::Skipped { .. }
            | CutoverError::Unreachable { .. } => ErrorKind::Network,
            CutoverError::Refused { .. } => ErrorKind::ServerRefused,
            CutoverError::BadAnswer { .. } => ErrorKind::Protocol,
            CutoverError::State(e) => e.kind(),
        }
    }

    fn facts(&self) -> Facts {
        let (server, network) = match self {
            CutoverError::NoAnswer { server, .. } | CutoverError::Skipped { server } => {
                (server, Some(NetworkFailure::Timeout))
            }
            CutoverError::Unreachable { server, .. } => (server, None),
            CutoverError::Refused { server, .. } | CutoverError::BadAnswer { server, .. } => {
                (server, None)
            }
            CutoverError::InvalidDomain { .. }
            | CutoverError::InvalidServer { .. }
            | CutoverError::State(_) => return Facts::default(),
        };
        Facts {
            dns_server: Some(dns_server_fact(server)),
            network,
            ..Facts::default()
        }
    }

    fn hint(&self) -> String {
        match self {
            CutoverError::InvalidDomain { .. } => {
                "Give the part of the email addresses after the @, for example contoso.com.".into()
            }
            CutoverError::InvalidServer { .. } => {
                "Write the DNS server as an address and port, for example 192.0.2.53:53 or [2001:db8::53]:53.".into()
            }
            CutoverError::NoAnswer { .. } | CutoverError::Skipped { .. } | CutoverError::Unreachable { .. } => {
                "Check the internet connection (or the DNS server's address, if one was named), then run the check again.".into()
            }
            CutoverError::Refused { .. } | CutoverError::BadAnswer { .. } => {
                "Try again in a few minutes, or ask another DNS server.".into()
            }
            CutoverError::State(e) => e.hint(),
        }
    }
}

/// The errors name the computer's own DNS server in words (see `DnsServer::describe`); the
/// facts say it as a token a front end can tell from an address.
fn dns_server_fact(described: &str) -> String {
    if described == crate::cutover::dns::SYSTEM_DESCRIPTION {
        SYSTEM_DNS.to_string()
    } else {
        described.to_string()
    }
}
