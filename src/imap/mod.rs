//! The IMAP protocol as Mailferry speaks it.

mod command;
mod connection;
mod error;
pub mod framing;
mod ops;
mod security_probe;

pub use command::{uid_set, Budget, Command};
pub use connection::{Connection, Done, DoneStatus, Reply, Timeouts};
pub use error::{sign_in_hint, suggested_backoff, ImapError, Refusal};
pub use ops::*;
