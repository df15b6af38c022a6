//! What a batch is, and the statuses users and batches go through.

use serde::{Deserialize, Serialize};

use crate::endpoint::{Endpoint, EndpointError};
use crate::error::Problem;

/// A mail server named once for the whole batch; each user row supplies the login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerSpec {
    /// The provider preset it came from (`gmail`, …), or `None` for a typed-in server.
    pub preset: Option<String>,
    /// `imaps://host:port` or `imap://host:port[?tls=none]`, without a user.
    pub url: String,
}

impl ServerSpec {
    pub fn endpoint_for(&self, user: &str) -> Result<Endpoint, EndpointError> {
        Ok(Endpoint::parse(&self.url)?.for_user(user))
    }
}

/// How a batch runs. Defaults follow Microsoft's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BatchOptions {
    pub excludes: Vec<String>,
    pub max_message_size: Option<u64>,
    /// Mailboxes migrated at once (Microsoft's endpoint default: 20).
    pub max_concurrent_migrations: usize,
    /// Mailboxes in an incremental pass at once (Microsoft's default: 10).
    pub max_concurrent_incremental: usize,
    /// Seconds between incremental passes (Microsoft: every 24 hours).
    pub incremental_interval_secs: u64,
    /// Folder connections per mailbox; shrunk to fit the provider's per-account cap.
    pub connections_per_mailbox: usize,
    /// Sign in to every destination mailbox as this admin (SASL PLAIN authorization).
    pub destination_admin: Option<String>,
    /// A stored sign-in (`microsoft:admin@contoso.com`, or `microsoft-app:<tenant>` for the
    /// app's own) every destination mailbox is opened with. Only the name is kept here; the
    /// token stays in the keyring. `provider:*` means each mailbox's own sign-in.
    pub destination_sign_in: Option<String>,
    /// The same for every source mailbox.
    pub source_sign_in: Option<String>,
    pub ca_file: Option<String>,
    pub pin_cert: Option<String>,
    pub allow_insecure_auth: bool,
    /// Seconds to wait for a server before calling it unresponsive.
    pub timeout_secs: u64,
    /// First wait after a network failure or throttling; it doubles on each further wait.
    pub retry_wait_secs: u64,
    /// Rename read-receipt requests on messages already read (see `receipts`).
    #[serde(default)]
    pub disarm_read_receipts: bool,
    /// Server certificates trusted as they are, each for its own server only.
    #[serde(default)]
    pub trusted_certificates: Vec<TrustedCertificate>,
}

/// A server's own certificate the owner checked and trusted for that server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedCertificate {
    /// The server name as typed in the server's address.
    pub host: String,
    /// SHA-256 of the certificate, as its fingerprint is shown.
    pub sha256: String,
}

impl BatchOptions {
    /// The TLS trust these options describe (extra CA file, pinned certificate).
    pub fn trust(&self) -> Result<crate::tls::Trust, crate::tls::TrustError> {
        let pinned_sha256 = match &self.pin_cert {
            Some(pin) => Some(crate::tls::parse_pin(pin)?),
            None => None,
        };
        let host_pins = self
            .trusted_certificates
            .iter()
            .map(|t| Ok((t.host.clone(), crate::tls::parse_pin(&t.sha256)?)))
            .collect::<Result<Vec<_>, crate::tls::TrustError>>()?;
        crate::tls::Trust::new(&crate::tls::TrustOptions {
            ca_file: self.ca_file.clone().map(Into::into),
            pinned_sha256,
            host_pins,
        })
    }

    /// Timeouts for every connection of the batch.
    pub fn timeouts(&self) -> crate::imap::Timeouts {
        let idle = std::time::Duration::from_secs(self.timeout_secs.max(1));
        crate::imap::Timeouts {
            connect: idle.min(std::time::Duration::from_secs(30)),
            idle,
        }
    }
}

/// The token source of a stored sign-in named in a batch's options, shared by every user;
/// a per-user name (`microsoft:*`) goes through [`super::user_token_source`] instead.
pub fn sign_in_source(name: &str) -> Result<crate::oauth::TokenSource, Problem> {
    use crate::error::Classify;
    let reference = crate::oauth::SignInRef::parse(name).map_err(|e| e.problem())?;
    crate::oauth::TokenSource::shared(&reference, crate::oauth::Purpose::Imap)
        .map_err(|e| e.problem())
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            excludes: Vec::new(),
            max_message_size: None,
            max_concurrent_migrations: 20,
            max_concurrent_incremental: 10,
            incremental_interval_secs: 24 * 60 * 60,
            connections_per_mailbox: 4,
            destination_admin: None,
            destination_sign_in: None,
            source_sign_in: None,
            ca_file: None,
            pin_cert: None,
            allow_insecure_auth: false,
            timeout_secs: 60,
            retry_wait_secs: 30,
            disarm_read_receipts: false,
            trusted_certificates: Vec::new(),
        }
    }
}

/// What the owner asked for when creating a batch.
#[derive(Debug, Clone)]
pub struct NewBatch {
    pub name: String,
    pub source: ServerSpec,
    pub destination: ServerSpec,
    pub options: BatchOptions,
}

/// A user's place in the migration, with Microsoft's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserStatus {
    Queued,
    Starting,
    Syncing,
    /// The initial copy is done; incremental passes continue.
    Synced,
    IncrementalSyncing,
    /// Backing off (throttled, provider daily limit, network down) until `resume_at`.
    Waiting,
    Stopped,
    Failed,
    /// The owner closed the migration for this user; no more passes.
    Completed,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Queued => "Queued",
            UserStatus::Starting => "Starting",
            UserStatus::Syncing => "Syncing",
            UserStatus::Synced => "Synced",
            UserStatus::IncrementalSyncing => "IncrementalSyncing",
            UserStatus::Waiting => "Waiting",
            UserStatus::Stopped => "Stopped",
            UserStatus::Failed => "Failed",
            UserStatus::Completed => "Completed",
        }
    }

    pub fn parse(text: &str) -> UserStatus {
        match text {
            "Starting" => UserStatus::Starting,
            "Syncing" => UserStatus::Syncing,
            "Synced" => UserStatus::Synced,
            "IncrementalSyncing" => UserStatus::IncrementalSyncing,
            "Waiting" => UserStatus::Waiting,
            "Stopped" => UserStatus::Stopped,
            "Failed" => UserStatus::Failed,
            "Completed" => UserStatus::Completed,
            _ => UserStatus::Queued,
        }
    }

    /// A pass is running (or about to) for this user.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            UserStatus::Starting | UserStatus::Syncing | UserStatus::IncrementalSyncing
        )
    }
}

/// A batch's status, derived from its users' (never stored on its own, so it cannot drift).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BatchStatus {
    Created,
    Syncing,
    Synced,
    SyncedWithErrors,
    Stopped,
    Completed,
    Failed,
}

impl BatchStatus {
    pub fn derive(users: &[UserStatus]) -> BatchStatus {
        use UserStatus as U;
        if users.is_empty() || users.iter().all(|s| *s == U::Queued) {
            return BatchStatus::Created;
        }
        if users
            .iter()
            .any(|s| s.is_active() || matches!(s, U::Queued | U::Waiting))
        {
            return BatchStatus::Syncing;
        }
        if users.iter().all(|s| *s == U::Completed) {
            return BatchStatus::Completed;
        }
        if users.iter().all(|s| *s == U::Failed) {
            return BatchStatus::Failed;
        }
        if users.contains(&U::Stopped) {
            return BatchStatus::Stopped;
        }
        if users.contains(&U::Failed) {
            return BatchStatus::SyncedWithErrors;
        }
        BatchStatus::Synced
    }
}

/// One mailbox of a batch, with where it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchUser {
    /// The destination mailbox.
    pub email_address: String,
    /// The sign-in name on the source.
    pub user_name: String,
    pub user_root: Option<String>,
    pub status: UserStatus,
    /// Why it waits or failed, in plain words.
    pub detail: Option<String>,
    pub error: Option<Problem>,
    /// When a Waiting user tries again (seconds since the epoch).
    pub resume_at: Option<i64>,
    pub last_synced_at: Option<i64>,
    pub next_sync_at: Option<i64>,
    pub messages_in_source: u64,
    pub messages_done: u64,
    pub bytes_copied: u64,
    pub skipped: u64,
    pub failed: u64,
    /// Every message received on or after this day (RFC 3339 full-date, UTC) is on the
    /// destination, in every folder being copied (`copied_back`); none until one can be said.
    pub copied_back_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchSummary {
    pub name: String,
    pub source: ServerSpec,
    pub destination: ServerSpec,
    pub status: BatchStatus,
    pub users_total: usize,
    pub users_synced: usize,
    pub last_synced_at: Option<i64>,
    pub created_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use UserStatus as U;

    #[test]
    fn batch_status_follows_its_users() {
        assert_eq!(
            BatchStatus::derive(&[U::Queued, U::Queued]),
            BatchStatus::Created
        );
        assert_eq!(
            BatchStatus::derive(&[U::Synced, U::Syncing]),
            BatchStatus::Syncing
        );
        assert_eq!(
            BatchStatus::derive(&[U::Synced, U::Waiting]),
            BatchStatus::Syncing
        );
        assert_eq!(
            BatchStatus::derive(&[U::Synced, U::Synced]),
            BatchStatus::Synced
        );
        assert_eq!(
            BatchStatus::derive(&[U::Synced, U::Failed]),
            BatchStatus::SyncedWithErrors
        );
        assert_eq!(
            BatchStatus::derive(&[U::Failed, U::Failed]),
            BatchStatus::Failed
        );
        assert_eq!(
            BatchStatus::derive(&[U::Stopped, U::Synced]),
            BatchStatus::Stopped
        );
        assert_eq!(
            BatchStatus::derive(&[U::Completed, U::Completed]),
            BatchStatus::Completed
        );
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            U::Queued,
            U::Starting,
            U::Syncing,
            U::Synced,
            U::IncrementalSyncing,
            U::Waiting,
            U::Stopped,
            U::Failed,
            U::Completed,
        ] {
            assert_eq!(UserStatus::parse(s.as_str()), s);
        }
    }
}
