//! What one pass over a folder will do, decided from plain data before anything moves: which
//! source messages are new, already on the destination, elsewhere, too large or refused
//! earlier; which flag changes to carry; in what order and batches to send; which APPENDUIDs
//! to believe; and afterwards whether the destination holds what it accepted. Nothing here
//! does I/O, so each rule is tested on its own; the executors beside this module follow the
//! plan.

mod append;
mod check;
mod listing;
mod matching;

use std::collections::{HashMap, HashSet};

pub use append::{
    appended_flags, batches, disarm_receipt, fit_lines, forget_unstored, refusal, AfterRefusal,
    AppendUids, LineFit, StoreAfter,
};
pub use check::{appenduids_contradicted, check_by_count, check_by_uid, Appended, AppendedCheck};
pub use listing::{candidates, plan_listing, received_at};
pub use matching::{destination_pool, plan_new, pool_needs_scan, Pool, Rules};

use crate::fingerprint::{self, Fingerprint};
use crate::flags::Flag;
use crate::imap::MessageMeta;
use crate::report::{FolderReport, MessageIssue};
use crate::state::MessageRecord;

/// A new source message with what the plan needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub meta: MessageMeta,
    pub fingerprint: Fingerprint,
    pub flags: Vec<Flag>,
}

/// A message whose flags on the destination should change. `record` holds what the
/// destination has now, so a sync cut short is picked up again by the next run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagChange {
    pub record: MessageRecord,
    /// The source's flags.
    pub wanted: Vec<Flag>,
}

/// What earlier attempts at this folder within the same run found out, so a retry after a
/// broken connection decides as they did and counts nothing twice.
#[derive(Debug, Default)]
pub struct Memory {
    /// Source UIDs appended by this run.
    pub copied: HashSet<u32>,
    /// Source UIDs found already on the destination by this run.
    pub present: HashSet<u32>,
    /// Messages the destination refused for themselves.
    pub refused: HashMap<u32, Refused>,
}

/// A message left out of the copy and reported: skipped (the destination cannot take it) or
/// failed. One the destination refused is not sent again in this run (a retry would only
/// collect the same refusal, and Exchange ends a session after ten of them), but every
/// attempt reports it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    Skipped(MessageIssue),
    Failed(MessageIssue),
}

impl Refused {
    pub fn add_to(&self, report: &mut FolderReport) {
        match self {
            Refused::Skipped(issue) => report.skip(issue.clone()),
            Refused::Failed(issue) => report.fail(issue.clone()),
        }
    }
}

/// A message's entry in the report, described by its subject and date so a person can
/// find it.
pub fn issue(meta: &MessageMeta, reason: &str, explanation: String) -> MessageIssue {
    let summary = fingerprint::summarize_header(&meta.header_fields);
    MessageIssue {
        uid: meta.uid,
        subject: summary.subject,
        date: summary.date,
        size: meta.size,
        reason: reason.into(),
        explanation,
    }
}

#[cfg(test)]
pub(crate) mod test_data {
    use super::*;

    pub fn meta(uid: u32, size: u64, flags: &[&str]) -> MessageMeta {
        MessageMeta {
            uid,
            flags: flags.iter().map(|f| f.to_string()).collect(),
            internaldate: String::new(),
            size,
            header_fields: b"Subject: hello\r\n".to_vec(),
        }
    }

    pub fn fingerprint(name: &str) -> Fingerprint {
        Fingerprint(name.to_string())
    }

    pub fn candidate(uid: u32, size: u64, name: &str, flags: &[&str]) -> Candidate {
        Candidate {
            meta: meta(uid, size, flags),
            fingerprint: fingerprint(name),
            flags: flags.iter().map(|f| Flag::parse(f)).collect(),
        }
    }
}
