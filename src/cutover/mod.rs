//! Switching a domain to Microsoft 365: where each domain stands, read from DNS itself.
//!
//! Copying the mail is only half of a move. The owner then points the domain's MX records at
//! Microsoft 365, waits for the change to reach every sender (up to 72 hours) while the
//! batch keeps synchronising, and only then completes the batch and retires the old
//! mailboxes. This module looks the records up ([`dns`]), decides what they mean
//! ([`assess`]), remembers when each domain was first seen switched ([`history`]) and decides
//! whether completing a batch is safe yet ([`completion`]), and after Complete which old
//! mailboxes can be retired ([`retirement`]).

pub mod assess;
pub mod check;
pub mod completion;
pub mod dns;
pub mod domain;
pub mod error;
pub mod history;
pub mod retirement;

pub use assess::{
    assess, Assessment, Stage, AUTODISCOVER_TARGET, MICROSOFT_MX_SUFFIX, SPF_INCLUDE, SPF_RECORD,
};
pub use check::{check, CheckReport, DomainReport};
pub use completion::{completion_verdict, Blocker, CompletionVerdict, SAFE_AFTER_SECS};
pub use dns::{DnsLookup, DnsServer, MxRecord, Observation};
pub use domain::{domains_of_addresses, DomainName};
pub use error::CutoverError;
pub use retirement::{retirement, Retirement, RetiringMailbox};
