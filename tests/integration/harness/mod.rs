//! Shared test harness: real Dovecot servers, a connection-cutting proxy, an independent
//! IMAP client and a message corpus. Test modules use only what they need.
#![allow(dead_code, unused_imports)]

pub mod certs;
pub mod client;
pub mod corpus;
pub mod dns;
pub mod dovecot;
pub mod exchange;
pub mod hostile;
pub mod idp;
pub mod keyring;
pub mod proxy;
pub mod run;

use std::path::PathBuf;

pub use client::{
    assert_same_messages, diff_messages, mailbox_digest, DigestEntry, ListedFolder, StoredMessage,
    TestImap,
};
pub use corpus::CorpusMessage;
pub use dns::{DnsRecord, DnsStandIn};
pub use dovecot::{CertChoice, Dovecot, DovecotConfig, Layout, UserSpec};
pub use exchange::{ExchangeConfig, ExchangeProxy, ExchangeStats, Throttle};
pub use idp::{Idp, IdpEndpoint, IdpRequest};
pub use proxy::{CutPlan, CutProxy, Direction};

/// The mailferry binary Cargo built for this test run.
pub fn mailferry_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mailferry"))
}

/// An empty directory for mailferry's state (database, logs), removed on drop.
pub fn fresh_state_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("mailferry-state-")
        .tempdir()
        .expect("create state temp dir")
}
