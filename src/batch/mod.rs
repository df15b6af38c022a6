//! Migration batches, as the Microsoft 365 admin center has them: one source server, one
//! destination, options, and a list of users, each moving through Queued → Syncing → Synced
//! with incremental passes until the owner stops or completes the batch.

mod copied_back;
pub mod domain_watch;
mod model;
mod progress;
mod runner;
mod secrets;
mod sign_in;
mod status;
mod store;
mod supervisor;

pub use copied_back::{copied_back_to, CopiedBack};
pub use model::{
    sign_in_source, BatchOptions, BatchStatus, BatchSummary, BatchUser, NewBatch, ServerSpec,
    TrustedCertificate, UserStatus,
};
pub use progress::{BatchUpdate, ProgressHub, UserProgress};
pub use runner::{run, RunMode, StopToken};
pub use secrets::{BatchSecrets, SecretMode};
pub use sign_in::{
    is_per_user, normalize as normalize_sign_in, reference_for as sign_in_reference_for,
    user_token_source, SignInSide, EACH_USER,
};
pub use status::{Changed, StatusListener};
pub use store::{BatchError, BatchStore, StoredBatch};
pub use supervisor::{Spawner, Supervisor};
