//! After Complete: which old mailboxes can be retired, and which still hold mail the new
//! ones do not have. The owner cancels the old provider on the strength of this list, so a
//! mailbox with a message that failed or was left behind is never called safe to retire.

use serde::Serialize;

use crate::batch::{BatchUser, UserStatus};
use crate::report::export::{BatchReport, UserReport};
use crate::report::FolderStatus;

/// One old mailbox of a completed batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetiringMailbox {
    /// The sign-in name on the old provider.
    pub source_mailbox: String,
    /// Where its mail is now.
    pub new_mailbox: String,
    pub status: UserStatus,
    /// The end of its last pass (the one Complete ran), seconds since the epoch.
    pub last_synced_at: Option<i64>,
    pub messages_in_source: u64,
    /// In the new mailbox, copied by any pass or found there already.
    pub messages_copied: u64,
    /// Left behind on purpose (too large for the new mailbox, …): still only in the old one.
    pub skipped: u64,
    /// Could not be copied: still only in the old mailbox.
    pub failed: u64,
    /// Folders whose copy failed in the last pass.
    pub failed_folders: Vec<String>,
    /// Folders left out by the batch's options (`--exclude`): their mail was never copied.
    pub excluded_folders: Vec<String>,
    /// Nothing it holds is missing from the new mailbox (apart from excluded folders).
    pub can_retire: bool,
    /// What to do before retiring it, one sentence each; empty when it can be retired.
    pub before_retiring: Vec<String>,
}

/// The list printed after `batch complete` and shown by the window's Completed view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retirement {
    pub batch: String,
    pub mailboxes: Vec<RetiringMailbox>,
    /// How many of them can be retired now.
    pub ready: usize,
    /// What is left for the owner after this, in order.
    pub next_steps: Vec<String>,
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Decides, for one mailbox, from its stored counts and its last pass's report.
pub fn retiring_mailbox(user: &UserReport) -> RetiringMailbox {
    let BatchUser {
        email_address,
        user_name,
        status,
        ..
    } = &user.user;
    let (failed_folders, excluded_folders) = match &user.report {
        Some(report) => (
            report
                .folders
                .iter()
                .filter(|f| f.status == FolderStatus::Failed)
                .map(|f| f.source.clone())
                .collect(),
            report
                .folders_not_copied
                .iter()
                .filter(|f| f.reason.starts_with("excluded"))
                .map(|f| f.source.clone())
                .collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let u = &user.user;
    let mut before = Vec::new();
    if *status != UserStatus::Completed {
        let why = u
            .detail
            .clone()
            .or_else(|| u.error.as_ref().map(|e| e.message.clone()))
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        before.push(format!(
            "Its migration is not complete: it is {}{why}. Fix that and complete the batch again; until then the new mailbox may be missing mail.",
            status.as_str()
        ));
    }
    if u.last_synced_at.is_none() {
        before.push("It was never fully copied.".to_string());
    }
    if u.failed > 0 {
        before.push(format!(
            "{} could not be copied; the batch's report lists each one. Retry the batch, or move them by hand.",
            plural(u.failed, "message", "messages")
        ));
    }
    if !failed_folders.is_empty() {
        before.push(format!(
            "These folders could not be copied in the last pass: {}.",
            failed_folders.join(", ")
        ));
    }
    if u.skipped > 0 {
        before.push(format!(
            "{} left behind (the batch's report says why, e.g. too large for the new mailbox); save them from the old mailbox first.",
            plural(u.skipped, "message was", "messages were")
        ));
    }
    RetiringMailbox {
        source_mailbox: user_name.clone(),
        new_mailbox: email_address.clone(),
        status: *status,
        last_synced_at: u.last_synced_at,
        messages_in_source: u.messages_in_source,
        messages_copied: u.messages_done,
        skipped: u.skipped,
        failed: u.failed,
        can_retire: before.is_empty(),
        failed_folders,
        excluded_folders,
        before_retiring: before,
    }
}

/// Every mailbox of the batch, those that can be retired first.
pub fn retirement(report: &BatchReport) -> Retirement {
    let mut mailboxes: Vec<RetiringMailbox> = report.users.iter().map(retiring_mailbox).collect();
    mailboxes.sort_by_key(|m| !m.can_retire);
    let ready = mailboxes.iter().filter(|m| m.can_retire).count();
    let mut next_steps = vec![
        "Set up Outlook and the phones with the new mailboxes (Outlook finds them by itself once the Autodiscover record is set).".to_string(),
    ];
    if ready < mailboxes.len() {
        next_steps.push(
            "Before retiring the mailboxes marked above, save or copy what they still hold."
                .to_string(),
        );
    }
    next_steps.push(
        "Keep the old mailboxes for as long as you want a fallback (many keep them a month), then cancel the old provider. Nothing is deleted from them by Mailferry.".to_string(),
    );
    Retirement {
        batch: report.batch.name.clone(),
        mailboxes,
        ready,
        next_steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{BatchStatus, BatchSummary, ServerSpec};
    use crate::folder_name::Role;
    use crate::folder_plan::SkippedFolder;
    use crate::report::{FolderReport, MigrationReport};

    fn user(email: &str, status: UserStatus, skipped: u64, failed: u64) -> BatchUser {
        BatchUser {
            email_address: email.into(),
            user_name: format!("old.{email}"),
            user_root: None,
            status,
            detail: None,
            error: None,
            resume_at: None,
            last_synced_at: Some(1_700_000_000),
            next_sync_at: None,
            messages_in_source: 10,
            messages_done: 10 - skipped - failed,
            bytes_copied: 0,
            skipped,
            failed,
            copied_back_to: None,
        }
    }

    fn folder(name: &str, status: FolderStatus) -> FolderReport {
        let mut f: FolderReport = serde_json::from_value(serde_json::json!({
            "source": name, "destination": name, "role": Role::Regular, "status": status,
            "messages_in_source": 0, "copied": 0, "already_present": 0, "previously_copied": 0,
            "in_other_folders": 0, "skipped": 0, "skipped_items": [], "failed": 0,
            "failed_items": [], "deleted_not_copied": 0, "flags_updated": 0, "bytes_copied": 0
        }))
        .unwrap();
        f.status = status;
        f
    }

    fn batch(users: Vec<UserReport>) -> BatchReport {
        BatchReport {
            batch: BatchSummary {
                name: "b".into(),
                source: ServerSpec {
                    preset: None,
                    url: "imaps://old.test:993".into(),
                },
                destination: ServerSpec {
                    preset: None,
                    url: "imaps://new.test:993".into(),
                },
                status: BatchStatus::Completed,
                users_total: users.len(),
                users_synced: 0,
                last_synced_at: None,
                created_at: 0,
            },
            users,
            generated_at: 0,
        }
    }

    #[test]
    fn only_a_completed_mailbox_with_nothing_missing_can_be_retired() {
        let report = MigrationReport::finish(
            "s".into(),
            "d".into(),
            vec![
                folder("INBOX", FolderStatus::Synced),
                folder("Projects", FolderStatus::Failed),
            ],
            vec![
                SkippedFolder {
                    source: "Spam".into(),
                    reason: "excluded by Spam".into(),
                },
                SkippedFolder {
                    source: "[Gmail]/Starred".into(),
                    reason: "a view of starred messages".into(),
                },
            ],
            Vec::new(),
            0,
        );
        let all = retirement(&batch(vec![
            UserReport {
                user: user("failing@x.test", UserStatus::Completed, 0, 2),
                report: Some(report),
            },
            UserReport {
                user: user("clean@x.test", UserStatus::Completed, 0, 0),
                report: None,
            },
            UserReport {
                user: user("big@x.test", UserStatus::Completed, 1, 0),
                report: None,
            },
            UserReport {
                user: BatchUser {
                    detail: Some("the password was refused".into()),
                    ..user("broken@x.test", UserStatus::Failed, 0, 0)
                },
                report: None,
            },
        ]));
        assert_eq!(all.ready, 1);
        let clean = &all.mailboxes[0];
        assert_eq!(clean.new_mailbox, "clean@x.test");
        assert!(clean.can_retire && clean.before_retiring.is_empty());
        assert_eq!(clean.source_mailbox, "old.clean@x.test");

        let find = |email: &str| {
            all.mailboxes
                .iter()
                .find(|m| m.new_mailbox == email)
                .unwrap()
        };
        let failing = find("failing@x.test");
        assert!(!failing.can_retire);
        assert_eq!(failing.failed_folders, ["Projects"]);
        assert_eq!(failing.excluded_folders, ["Spam"]);
        assert!(failing.before_retiring[0].starts_with("2 messages could not be copied"));
        assert!(failing.before_retiring[1].contains("Projects"));

        let big = find("big@x.test");
        assert!(!big.can_retire);
        assert!(big.before_retiring[0].starts_with("1 message was left behind"));

        let broken = find("broken@x.test");
        assert!(!broken.can_retire);
        assert!(broken.before_retiring[0].contains("it is Failed (the password was refused)"));
        assert!(all.next_steps.iter().any(|s| s.contains("save or copy")));
    }

    #[test]
    fn when_every_mailbox_can_go_the_steps_say_so() {
        let all = retirement(&batch(vec![UserReport {
            user: user("a@x.test", UserStatus::Completed, 0, 0),
            report: None,
        }]));
        assert_eq!(all.ready, 1);
        assert_eq!(all.next_steps.len(), 2);
        assert!(all.next_steps[0].contains("Outlook"));
        assert!(all.next_steps[1].contains("cancel the old provider"));
    }
}
