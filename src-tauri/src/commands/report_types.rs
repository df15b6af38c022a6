//! The window's own types for a mailbox's report: each folder's outcome, the messages left
//! behind or not copied, the totals. The JSON is the engine's (what `--json` prints and what
//! reports are exported as), field for field; a test below proves it.

use std::collections::BTreeMap;

use mailferry::report as engine;
use serde::Serialize;

use super::problem_types::Problem;

/// Why a message was left behind or could not be copied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct MessageIssue {
    pub uid: u32,
    pub subject: Option<String>,
    pub date: Option<String>,
    pub size: u64,
    /// `too_large`, `deleted`, or an error kind.
    pub reason: String,
    pub explanation: String,
}

impl From<engine::MessageIssue> for MessageIssue {
    fn from(m: engine::MessageIssue) -> Self {
        let engine::MessageIssue {
            uid,
            subject,
            date,
            size,
            reason,
            explanation,
        } = m;
        MessageIssue {
            uid,
            subject,
            date,
            size,
            reason,
            explanation,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FolderStatus {
    Synced,
    Failed,
}

impl From<engine::FolderStatus> for FolderStatus {
    fn from(status: engine::FolderStatus) -> Self {
        match status {
            engine::FolderStatus::Synced => FolderStatus::Synced,
            engine::FolderStatus::Failed => FolderStatus::Failed,
        }
    }
}

/// What a folder is for. Special roles are matched across servers, whatever their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Inbox,
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
    /// Gmail's "All Mail": every message, whatever its labels.
    All,
    /// Gmail's "Starred": a view of \Flagged messages.
    Flagged,
    /// Gmail's "Important": a view chosen by Gmail.
    Important,
    Regular,
}

impl From<mailferry::folder_name::Role> for Role {
    fn from(role: mailferry::folder_name::Role) -> Self {
        use mailferry::folder_name::Role as E;
        match role {
            E::Inbox => Role::Inbox,
            E::Sent => Role::Sent,
            E::Drafts => Role::Drafts,
            E::Trash => Role::Trash,
            E::Junk => Role::Junk,
            E::Archive => Role::Archive,
            E::All => Role::All,
            E::Flagged => Role::Flagged,
            E::Important => Role::Important,
            E::Regular => Role::Regular,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
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
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub keywords_not_kept: BTreeMap<String, u64>,
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

impl From<engine::FolderReport> for FolderReport {
    fn from(f: engine::FolderReport) -> Self {
        let engine::FolderReport {
            source,
            destination,
            role,
            status,
            renamed,
            messages_in_source,
            copied,
            already_present,
            previously_copied,
            in_other_folders,
            skipped,
            skipped_items,
            failed,
            failed_items,
            deleted_not_copied,
            deleted_during_copy,
            flags_updated,
            keywords_not_kept,
            reencoded,
            reencoded_items,
            receipts_disarmed,
            bytes_copied,
            destination_messages,
            error,
        } = f;
        FolderReport {
            source,
            destination,
            role: role.into(),
            status: status.into(),
            renamed,
            messages_in_source,
            copied,
            already_present,
            previously_copied,
            in_other_folders,
            skipped,
            skipped_items: issues(skipped_items),
            failed,
            failed_items: issues(failed_items),
            deleted_not_copied,
            deleted_during_copy,
            flags_updated,
            keywords_not_kept,
            reencoded,
            reencoded_items: issues(reencoded_items),
            receipts_disarmed,
            bytes_copied,
            destination_messages,
            error: error.map(Into::into),
        }
    }
}

fn issues(items: Vec<engine::MessageIssue>) -> Vec<MessageIssue> {
    items.into_iter().map(Into::into).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Every folder is synced (skipped messages are listed but do not fail a run).
    Synced,
    Failed,
}

impl From<engine::RunStatus> for RunStatus {
    fn from(status: engine::RunStatus) -> Self {
        match status {
            engine::RunStatus::Synced => RunStatus::Synced,
            engine::RunStatus::Failed => RunStatus::Failed,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct Totals {
    pub messages_in_source: u64,
    pub copied: u64,
    pub already_present: u64,
    pub previously_copied: u64,
    pub skipped: u64,
    pub failed: u64,
    pub bytes_copied: u64,
}

impl From<engine::Totals> for Totals {
    fn from(t: engine::Totals) -> Self {
        let engine::Totals {
            messages_in_source,
            copied,
            already_present,
            previously_copied,
            skipped,
            failed,
            bytes_copied,
        } = t;
        Totals {
            messages_in_source,
            copied,
            already_present,
            previously_copied,
            skipped,
            failed,
            bytes_copied,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SkippedFolder {
    pub source: String,
    pub reason: String,
}

impl From<mailferry::folder_plan::SkippedFolder> for SkippedFolder {
    fn from(s: mailferry::folder_plan::SkippedFolder) -> Self {
        let mailferry::folder_plan::SkippedFolder { source, reason } = s;
        SkippedFolder { source, reason }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
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

impl From<engine::MigrationReport> for MigrationReport {
    fn from(r: engine::MigrationReport) -> Self {
        let engine::MigrationReport {
            status,
            source,
            destination,
            folders,
            folders_not_copied,
            totals,
            errors,
            duration_ms,
        } = r;
        MigrationReport {
            status: status.into(),
            source,
            destination,
            folders: folders.into_iter().map(Into::into).collect(),
            folders_not_copied: folders_not_copied.into_iter().map(Into::into).collect(),
            totals: totals.into(),
            errors: errors.into_iter().map(Into::into).collect(),
            duration_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailferry::error::{ErrorKind, Facts, Problem as EngineProblem, Side};
    use mailferry::folder_name::Role as EngineRole;
    use mailferry::folder_plan::SkippedFolder as EngineSkipped;

    fn issue(uid: u32, reason: &str) -> engine::MessageIssue {
        engine::MessageIssue {
            uid,
            subject: Some(format!("Message {uid}")),
            date: Some("Mon, 7 Dec 2026 09:00:00 +0000".into()),
            size: 1000 + u64::from(uid),
            reason: reason.into(),
            explanation: format!("message {uid}: {reason}"),
        }
    }

    fn refused() -> EngineProblem {
        let mut problem = EngineProblem::new(
            ErrorKind::ServerRefused,
            "the new server refused the folder",
            "Try again later.",
        );
        problem.facts = Box::new(Facts {
            side: Some(Side::Destination),
            host: Some("outlook.office365.com".into()),
            port: Some(993),
            ..Facts::default()
        });
        problem
    }

    /// Two folders: one with everything a report can list, one failed with nothing optional.
    fn report() -> engine::MigrationReport {
        let mut inbox = engine::FolderReport::new(
            "INBOX",
            "Inbox",
            EngineRole::Inbox,
            Some("Microsoft 365 names it Inbox".into()),
        );
        inbox.messages_in_source = 12;
        inbox.copied = 7;
        inbox.already_present = 1;
        inbox.previously_copied = 1;
        inbox.in_other_folders = 1;
        inbox.skip(issue(3, "too_large"));
        inbox.fail(issue(4, "server_refused"));
        inbox.reencode(issue(5, "long lines"));
        inbox.deleted_not_copied = 1;
        inbox.deleted_during_copy = 1;
        inbox.flags_updated = 2;
        inbox.keywords_not_kept.insert("$MDNSent".into(), 2);
        inbox.receipts_disarmed = 1;
        inbox.bytes_copied = 70_000;
        inbox.destination_messages = Some(9);
        let mut archive =
            engine::FolderReport::new("Archive/2020", "Archive/2020", EngineRole::Archive, None);
        archive.status = engine::FolderStatus::Failed;
        archive.error = Some(refused());
        engine::MigrationReport::finish(
            "alice@old.example".into(),
            "alice@contoso.com".into(),
            vec![inbox, archive],
            vec![EngineSkipped {
                source: "[Gmail]/Important".into(),
                reason: "a view of other folders".into(),
            }],
            vec![refused()],
            4200,
        )
    }

    #[test]
    fn the_window_gets_a_report_as_the_engine_writes_it() {
        let engine_report = report();
        assert_eq!(engine_report.status, engine::RunStatus::Failed);
        let engine_json = serde_json::to_value(&engine_report).expect("engine JSON");
        let window_json =
            serde_json::to_value(MigrationReport::from(engine_report)).expect("window JSON");
        assert_eq!(window_json, engine_json);
        // The report had every list filled: issues, keywords, a renamed folder, errors.
        let inbox = &window_json["folders"][0];
        for list in ["skipped_items", "failed_items", "reencoded_items"] {
            assert_eq!(inbox[list].as_array().map(Vec::len), Some(1), "{list}");
        }
        assert_eq!(inbox["keywords_not_kept"]["$MDNSent"], 2);
        assert!(window_json["folders"][1].get("renamed").is_none());
    }

    #[test]
    fn every_role_keeps_its_name() {
        use EngineRole as R;
        for role in [
            R::Inbox,
            R::Sent,
            R::Drafts,
            R::Trash,
            R::Junk,
            R::Archive,
            R::All,
            R::Flagged,
            R::Important,
            R::Regular,
        ] {
            assert_eq!(
                serde_json::to_value(Role::from(role)).expect("window"),
                serde_json::to_value(role).expect("engine")
            );
        }
    }
}
