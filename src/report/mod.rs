//! The outcome of a run, per folder, as the user reads it and as `--json` prints it.

use serde::{Deserialize, Serialize};

use crate::display::escape_controls as show;
use crate::error::Problem;
use crate::folder_name::Role;
use crate::folder_plan::SkippedFolder;

/// Why a message was left behind or could not be copied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageIssue {
    pub uid: u32,
    pub subject: Option<String>,
    pub date: Option<String>,
    pub size: u64,
    /// `too_large`, `deleted`, or an error kind.
    pub reason: String,
    pub explanation: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FolderStatus {
    Synced,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderReport {
    pub source: String,
    pub destination: String,
    pub role: Role,
    pub status: FolderStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed: Option<String>,
    /// Messages in the source folder, not counting those pending deletion (\Deleted).
    pub messages_in_source: u64,
    /// Appended by this run.
    pub copied: u64,
    /// Found on the destination already (earlier runs, or put there by hand).
    pub already_present: u64,
    /// Copied by an earlier run and still in place.
    pub previously_copied: u64,
    /// Gmail's All Mail: messages that are copied from another folder instead.
    pub in_other_folders: u64,
    pub skipped: u64,
    pub skipped_items: Vec<MessageIssue>,
    pub failed: u64,
    pub failed_items: Vec<MessageIssue>,
    /// Marked \Deleted on the source (waiting to be expunged): not copied.
    pub deleted_not_copied: u64,
    /// Deleted on the old server while this pass was copying (the owner still uses it): not
    /// copied, and not a failure.
    #[serde(default)]
    pub deleted_during_copy: u64,
    pub flags_updated: u64,
    /// Keywords the destination cannot keep (or that are deliberately not sent, such as
    /// `$MDNSent` to Microsoft 365), with how many messages carried each.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub keywords_not_kept: std::collections::BTreeMap<String, u64>,
    /// Delivered with some parts re-encoded (same content once decoded), because the
    /// destination refuses their long lines; each is listed with the reason.
    #[serde(default)]
    pub reencoded: u64,
    #[serde(default)]
    pub reencoded_items: Vec<MessageIssue>,
    /// Messages already read whose read-receipt request was renamed, as the owner asked.
    #[serde(default)]
    pub receipts_disarmed: u64,
    pub bytes_copied: u64,
    /// Messages in the destination folder after the pass (the final check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_messages: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Problem>,
}

impl FolderReport {
    pub fn new(
        source: &str,
        destination: &str,
        role: Role,
        renamed: Option<String>,
    ) -> FolderReport {
        FolderReport {
            source: source.into(),
            destination: destination.into(),
            role,
            status: FolderStatus::Synced,
            renamed,
            messages_in_source: 0,
            copied: 0,
            already_present: 0,
            previously_copied: 0,
            in_other_folders: 0,
            skipped: 0,
            skipped_items: Vec::new(),
            failed: 0,
            failed_items: Vec::new(),
            deleted_not_copied: 0,
            deleted_during_copy: 0,
            keywords_not_kept: Default::default(),
            reencoded: 0,
            reencoded_items: Vec::new(),
            receipts_disarmed: 0,
            flags_updated: 0,
            bytes_copied: 0,
            destination_messages: None,
            error: None,
        }
    }

    pub fn skip(&mut self, issue: MessageIssue) {
        self.skipped += 1;
        self.skipped_items.push(issue);
    }

    pub fn reencode(&mut self, issue: MessageIssue) {
        self.reencoded += 1;
        self.reencoded_items.push(issue);
    }

    pub fn fail(&mut self, issue: MessageIssue) {
        self.failed += 1;
        self.failed_items.push(issue);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Every folder is synced (skipped messages are listed but do not fail a run).
    Synced,
    Failed,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub messages_in_source: u64,
    pub copied: u64,
    pub already_present: u64,
    pub previously_copied: u64,
    pub skipped: u64,
    pub failed: u64,
    pub bytes_copied: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationReport {
    pub status: RunStatus,
    pub source: String,
    pub destination: String,
    pub folders: Vec<FolderReport>,
    pub folders_not_copied: Vec<SkippedFolder>,
    pub totals: Totals,
    /// Problems that stopped the whole run or a folder.
    pub errors: Vec<Problem>,
    pub duration_ms: u64,
}

impl MigrationReport {
    pub fn finish(
        source: String,
        destination: String,
        folders: Vec<FolderReport>,
        folders_not_copied: Vec<SkippedFolder>,
        mut errors: Vec<Problem>,
        duration_ms: u64,
    ) -> MigrationReport {
        let mut totals = Totals::default();
        for f in &folders {
            totals.messages_in_source += f.messages_in_source;
            totals.copied += f.copied;
            totals.already_present += f.already_present;
            totals.previously_copied += f.previously_copied;
            totals.skipped += f.skipped;
            totals.failed += f.failed;
            totals.bytes_copied += f.bytes_copied;
            if let Some(problem) = &f.error {
                if !errors.contains(problem) {
                    errors.push(problem.clone());
                }
            }
        }
        let failed = !errors.is_empty()
            || folders
                .iter()
                .any(|f| f.status == FolderStatus::Failed || f.failed > 0);
        MigrationReport {
            status: if failed {
                RunStatus::Failed
            } else {
                RunStatus::Synced
            },
            source,
            destination,
            folders,
            folders_not_copied,
            totals,
            errors,
            duration_ms,
        }
    }

    /// A short human summary for the terminal.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for f in &self.folders {
            let mut line = format!(
                "{:<32} → {:<28} {:>6} in source, {:>6} copied, {:>6} already there",
                show(&f.source),
                show(&f.destination),
                f.messages_in_source,
                f.copied,
                f.already_present + f.previously_copied + f.in_other_folders
            );
            if f.skipped > 0 {
                line.push_str(&format!(", {} skipped", f.skipped));
            }
            if f.failed > 0 {
                line.push_str(&format!(", {} FAILED", f.failed));
            }
            if let Some(note) = &f.renamed {
                line.push_str(&format!(" ({})", show(note)));
            }
            out.push_str(&line);
            out.push('\n');
            for issue in f.skipped_items.iter().chain(&f.failed_items) {
                out.push_str(&format!(
                    "    UID {} {:?} ({} bytes): {}\n",
                    issue.uid,
                    issue.subject.as_deref().unwrap_or("(no subject)"),
                    issue.size,
                    show(&issue.explanation)
                ));
            }
        }
        for s in &self.folders_not_copied {
            out.push_str(&format!(
                "{:<32}   not copied: {}\n",
                show(&s.source),
                show(&s.reason)
            ));
        }
        for e in &self.errors {
            out.push_str(&format!(
                "Problem: {}\n  What to do: {}\n",
                show(&e.message),
                show(&e.hint)
            ));
        }
        let t = &self.totals;
        out.push_str(&format!(
            "{}: {} messages, {} copied ({:.1} MB), {} already there, {} skipped, {} failed, in {:.1} s\n",
            match self.status {
                RunStatus::Synced => "Synced",
                RunStatus::Failed => "FAILED",
            },
            t.messages_in_source,
            t.copied,
            t.bytes_copied as f64 / 1_000_000.0,
            t.already_present + t.previously_copied,
            t.skipped,
            t.failed,
            self.duration_ms as f64 / 1000.0
        ));
        out
    }
}

pub mod export;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_summary_shows_control_characters_as_text() {
        let mut folder = FolderReport::new("\u{1b}[2JInbox\u{7}", "Inbox_", Role::Regular, None);
        folder.skip(MessageIssue {
            uid: 1,
            subject: Some("\u{1b}]0;title\u{7}".into()),
            date: None,
            size: 1,
            reason: "too_large".into(),
            explanation: "\u{9b}31m big".into(),
        });
        let report = MigrationReport::finish(
            "s".into(),
            "d".into(),
            vec![folder],
            vec![SkippedFolder {
                source: "\u{0}Views".into(),
                reason: "a view".into(),
            }],
            Vec::new(),
            1,
        );
        let summary = report.summary();
        let raw: Vec<char> = summary
            .chars()
            .filter(|c| c.is_control() && *c != '\n')
            .collect();
        assert!(raw.is_empty(), "{summary:?}");
        assert!(summary.contains("\\u{1b}[2JInbox\\u{7}"));
        assert!(summary.contains("\\u{0}Views"));
    }
}
