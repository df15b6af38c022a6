//! The window's own types for defining a batch, testing its servers, and listing batches and
//! their mailboxes. They are converted into
//! and out of the engine's at this boundary, so that a change in the engine cannot change
//! what the window sends or is shown without this file (and ui/src/bindings.ts) changing too.

use mailferry::batch as engine;
use serde::{Deserialize, Serialize};

use super::problem_types::Problem;

/// A mail server named once for the whole batch; each user row supplies the login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ServerSpec {
    /// The provider preset it came from (`gmail`, …), or `None` for a typed-in server.
    pub preset: Option<String>,
    /// `imaps://host:port` or `imap://host:port[?tls=none]`, without a user.
    pub url: String,
}

impl From<ServerSpec> for engine::ServerSpec {
    fn from(s: ServerSpec) -> Self {
        engine::ServerSpec {
            preset: s.preset,
            url: s.url,
        }
    }
}

// Conversions from the engine name every field (no `..`): a field added there fails to
// compile here until the window is given it or left without it on purpose.
impl From<engine::ServerSpec> for ServerSpec {
    fn from(s: engine::ServerSpec) -> Self {
        let engine::ServerSpec { preset, url } = s;
        ServerSpec { preset, url }
    }
}

/// How a batch runs. Defaults follow Microsoft's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
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
    /// Server certificates the owner checked and trusted, each for its own server only.
    pub trusted_certificates: Vec<TrustedCertificate>,
}

impl Default for BatchOptions {
    /// The engine's defaults: the window leaves out what the owner did not change.
    fn default() -> Self {
        engine::BatchOptions::default().into()
    }
}

impl From<engine::BatchOptions> for BatchOptions {
    fn from(o: engine::BatchOptions) -> Self {
        let engine::BatchOptions {
            excludes,
            max_message_size,
            max_concurrent_migrations,
            max_concurrent_incremental,
            incremental_interval_secs,
            connections_per_mailbox,
            destination_admin,
            destination_sign_in,
            source_sign_in,
            ca_file,
            pin_cert,
            allow_insecure_auth,
            timeout_secs,
            retry_wait_secs,
            disarm_read_receipts,
            trusted_certificates,
        } = o;
        BatchOptions {
            excludes,
            max_message_size,
            max_concurrent_migrations,
            max_concurrent_incremental,
            incremental_interval_secs,
            connections_per_mailbox,
            destination_admin,
            destination_sign_in,
            source_sign_in,
            ca_file,
            pin_cert,
            allow_insecure_auth,
            timeout_secs,
            retry_wait_secs,
            disarm_read_receipts,
            trusted_certificates: trusted_certificates.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<BatchOptions> for engine::BatchOptions {
    fn from(o: BatchOptions) -> Self {
        engine::BatchOptions {
            excludes: o.excludes,
            max_message_size: o.max_message_size,
            max_concurrent_migrations: o.max_concurrent_migrations,
            max_concurrent_incremental: o.max_concurrent_incremental,
            incremental_interval_secs: o.incremental_interval_secs,
            connections_per_mailbox: o.connections_per_mailbox,
            destination_admin: o.destination_admin,
            destination_sign_in: o.destination_sign_in,
            source_sign_in: o.source_sign_in,
            ca_file: o.ca_file,
            pin_cert: o.pin_cert,
            allow_insecure_auth: o.allow_insecure_auth,
            timeout_secs: o.timeout_secs,
            retry_wait_secs: o.retry_wait_secs,
            disarm_read_receipts: o.disarm_read_receipts,
            trusted_certificates: o.trusted_certificates.into_iter().map(Into::into).collect(),
        }
    }
}

/// A server's own certificate the owner checked and trusted for that server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct TrustedCertificate {
    /// The server name as typed in the server's address.
    pub host: String,
    /// SHA-256 of the certificate, as its fingerprint is shown.
    pub sha256: String,
}

impl From<TrustedCertificate> for engine::TrustedCertificate {
    fn from(t: TrustedCertificate) -> Self {
        engine::TrustedCertificate {
            host: t.host,
            sha256: t.sha256,
        }
    }
}

impl From<engine::TrustedCertificate> for TrustedCertificate {
    fn from(t: engine::TrustedCertificate) -> Self {
        let engine::TrustedCertificate { host, sha256 } = t;
        TrustedCertificate { host, sha256 }
    }
}

/// A user's place in the migration, with Microsoft's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
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

impl From<engine::UserStatus> for UserStatus {
    fn from(status: engine::UserStatus) -> Self {
        use engine::UserStatus as E;
        match status {
            E::Queued => UserStatus::Queued,
            E::Starting => UserStatus::Starting,
            E::Syncing => UserStatus::Syncing,
            E::Synced => UserStatus::Synced,
            E::IncrementalSyncing => UserStatus::IncrementalSyncing,
            E::Waiting => UserStatus::Waiting,
            E::Stopped => UserStatus::Stopped,
            E::Failed => UserStatus::Failed,
            E::Completed => UserStatus::Completed,
        }
    }
}

/// A batch's status, derived from its users' (never stored on its own, so it cannot drift).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub enum BatchStatus {
    Created,
    Syncing,
    Synced,
    SyncedWithErrors,
    Stopped,
    Completed,
    Failed,
}

impl From<engine::BatchStatus> for BatchStatus {
    fn from(status: engine::BatchStatus) -> Self {
        use engine::BatchStatus as E;
        match status {
            E::Created => BatchStatus::Created,
            E::Syncing => BatchStatus::Syncing,
            E::Synced => BatchStatus::Synced,
            E::SyncedWithErrors => BatchStatus::SyncedWithErrors,
            E::Stopped => BatchStatus::Stopped,
            E::Completed => BatchStatus::Completed,
            E::Failed => BatchStatus::Failed,
        }
    }
}

/// One batch as the list of migrations shows it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
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

impl From<engine::BatchSummary> for BatchSummary {
    fn from(s: engine::BatchSummary) -> Self {
        let engine::BatchSummary {
            name,
            source,
            destination,
            status,
            users_total,
            users_synced,
            last_synced_at,
            created_at,
        } = s;
        BatchSummary {
            name,
            source: source.into(),
            destination: destination.into(),
            status: status.into(),
            users_total,
            users_synced,
            last_synced_at,
            created_at,
        }
    }
}

/// One mailbox of a batch, with where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
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
    /// Every message received on or after this day (`YYYY-MM-DD`, UTC) is copied.
    pub copied_back_to: Option<String>,
}

impl From<engine::BatchUser> for BatchUser {
    fn from(u: engine::BatchUser) -> Self {
        let engine::BatchUser {
            email_address,
            user_name,
            user_root,
            status,
            detail,
            error,
            resume_at,
            last_synced_at,
            next_sync_at,
            messages_in_source,
            messages_done,
            bytes_copied,
            skipped,
            failed,
            copied_back_to,
        } = u;
        BatchUser {
            email_address,
            user_name,
            user_root,
            status: status.into(),
            detail,
            error: error.map(Into::into),
            resume_at,
            last_synced_at,
            next_sync_at,
            messages_in_source,
            messages_done,
            bytes_copied,
            skipped,
            failed,
            copied_back_to,
        }
    }
}

/// What Test connection found on one server.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct ConnectionSummary {
    /// Folders that hold mail (containers excluded).
    pub folders: u64,
    pub messages: u64,
    pub bytes: u64,
    /// Messages larger than `size_limit`, when one was given.
    pub too_large: u64,
    /// Download speed measured on a sample of recent messages (bytes per second).
    pub measured_bytes_per_sec: Option<f64>,
    /// How long copying everything would take at that speed over one connection.
    pub estimated_secs: Option<u64>,
}

impl From<mailferry::probe::ConnectionSummary> for ConnectionSummary {
    fn from(c: mailferry::probe::ConnectionSummary) -> Self {
        let mailferry::probe::ConnectionSummary {
            folders,
            messages,
            bytes,
            too_large,
            measured_bytes_per_sec,
            estimated_secs,
        } = c;
        ConnectionSummary {
            folders,
            messages,
            bytes,
            too_large,
            measured_bytes_per_sec,
            estimated_secs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_left_out_by_the_window_are_the_engines_defaults() {
        let from_window: BatchOptions =
            serde_json::from_str(r#"{"destination_admin": "admin"}"#).expect("options");
        let engine: engine::BatchOptions = from_window.into();
        assert_eq!(
            engine,
            engine::BatchOptions {
                destination_admin: Some("admin".into()),
                ..engine::BatchOptions::default()
            }
        );
    }
}

/// One mailbox's live progress in the current pass.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct UserProgress {
    pub email_address: String,
    pub status: UserStatus,
    /// Why it waits, in plain words.
    pub detail: Option<String>,
    /// When a Waiting mailbox tries again (seconds since the epoch).
    pub resume_at: Option<i64>,
    /// Messages this pass has to copy (grows as folders are scanned).
    pub to_copy: u64,
    pub copied: u64,
    pub bytes_copied: u64,
    pub folders_done: u64,
    /// Messages per second over this pass.
    pub rate: f64,
    /// Seconds left at the current rate, once there is a rate.
    pub eta_secs: Option<u64>,
    /// Every message received on or after this day (`YYYY-MM-DD`, UTC) is copied.
    pub copied_back_to: Option<String>,
}

impl From<engine::UserProgress> for UserProgress {
    fn from(p: engine::UserProgress) -> Self {
        let engine::UserProgress {
            email_address,
            status,
            detail,
            resume_at,
            to_copy,
            copied,
            bytes_copied,
            folders_done,
            rate,
            eta_secs,
            copied_back_to,
        } = p;
        UserProgress {
            email_address,
            status: status.into(),
            detail,
            resume_at,
            to_copy,
            copied,
            bytes_copied,
            folders_done,
            rate,
            eta_secs,
            copied_back_to,
        }
    }
}

/// Everything about a batch's progress at one moment (the `BatchProgress` event, and what a
/// window that opens while the batch runs starts from).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct BatchUpdate {
    pub batch: String,
    pub users: Vec<UserProgress>,
}

impl From<engine::BatchUpdate> for BatchUpdate {
    fn from(u: engine::BatchUpdate) -> Self {
        let engine::BatchUpdate { batch, users } = u;
        BatchUpdate {
            batch,
            users: users.into_iter().map(Into::into).collect(),
        }
    }
}
