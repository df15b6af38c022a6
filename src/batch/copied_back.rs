//! "Copied back to <date>" for one mailbox: the day D such that every message received on
//! or after D, in every folder being copied, is on the destination.
//!
//! The rules, so the date is never a promise the copy has not kept:
//! - A folder no pass has started yet (or one being copied where a message still to copy
//!   has no readable received date) allows no date for the mailbox at all.
//! - A folder being copied newest first is on the destination from its frontier onwards;
//!   a message that failed keeps the frontier where it is (a later pass may still copy it);
//!   one skipped as too large for the destination does not (no pass will copy it, and the
//!   report lists it on its own), so the date reads "everything since D, apart from what is
//!   listed as skipped".
//! - A finished folder is complete and limits nothing; when every folder is complete, D is
//!   the day of the oldest message seen.
//! - D is a day in UTC: the first whole day on or after every folder's frontier.
//! - It holds as of each folder's last look: mail that arrives later is copied by the next
//!   incremental pass, which moves the date again.
//!
//! Folders the owner excluded are not part of the mailbox's copy and do not count.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::copy::reach::FolderReach;
use crate::events::Event;

const DAY: i64 = 86_400;

/// Every folder of one mailbox, as the copy last reported it (kept in the database).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopiedBack {
    folders: BTreeMap<String, FolderReach>,
}

impl CopiedBack {
    /// Takes in one event of a pass; says whether anything changed.
    pub fn apply(&mut self, event: &Event) -> bool {
        let before = self.folders.clone();
        match event {
            Event::FoldersPlanned { sources } => {
                // A folder's earlier word stands until this pass reaches it; a folder gone from
                // the source is no longer part of the mailbox.
                let mut folders = BTreeMap::new();
                for source in sources {
                    let known = self.folders.get(source).copied();
                    folders.insert(source.clone(), known.unwrap_or(FolderReach::NotStarted));
                }
                self.folders = folders;
            }
            Event::Reached { source, reach } => {
                let previous = self.folders.get(source).copied();
                self.folders.insert(source.clone(), reach.after(previous));
            }
            _ => {}
        }
        before != self.folders
    }

    /// The mailbox's date, when one can be claimed.
    pub fn date(&self) -> Option<NaiveDate> {
        copied_back_to(self.folders.values().copied())
    }
}

/// The day D for a mailbox's folders (see the module's rules).
pub fn copied_back_to(folders: impl IntoIterator<Item = FolderReach>) -> Option<NaiveDate> {
    let mut frontier: Option<i64> = None;
    let mut oldest: Option<i64> = None;
    let mut any = false;
    for folder in folders {
        any = true;
        match folder {
            FolderReach::NotStarted | FolderReach::Unknown => return None,
            FolderReach::Since { since } => {
                frontier = Some(frontier.map_or(since, |f| f.max(since)));
            }
            FolderReach::Complete { oldest: Some(at) } => {
                oldest = Some(oldest.map_or(at, |o| o.min(at)));
            }
            FolderReach::Complete { oldest: None } => {}
        }
    }
    if !any {
        return None;
    }
    match frontier {
        // The first whole day on or after the frontier.
        Some(since) => day_of(since.div_euclid(DAY) + i64::from(since.rem_euclid(DAY) != 0)),
        // Everything is there: from the day of the oldest message on.
        None => day_of(oldest?.div_euclid(DAY)),
    }
}

fn day_of(days_since_1970: i64) -> Option<NaiveDate> {
    chrono::DateTime::from_timestamp(days_since_1970.checked_mul(DAY)?, 0).map(|d| d.date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp()
    }

    fn date(text: &str) -> Option<NaiveDate> {
        Some(NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap())
    }

    fn since(text: &str) -> FolderReach {
        FolderReach::Since { since: at(text) }
    }

    fn complete(oldest: Option<&str>) -> FolderReach {
        FolderReach::Complete {
            oldest: oldest.map(at),
        }
    }

    #[test]
    fn the_day_after_the_newest_missing_message() {
        // The newest message not copied was received on 2 March at 10:00: mail of 2 March
        // may be missing, mail from 3 March on is there.
        assert_eq!(
            copied_back_to([since("2025-03-02T10:00:01Z")]),
            date("2025-03-03")
        );
        // A frontier exactly at midnight covers that whole day.
        assert_eq!(
            copied_back_to([since("2025-03-03T00:00:00Z")]),
            date("2025-03-03")
        );
    }

    #[test]
    fn the_folder_furthest_behind_sets_the_date_and_finished_folders_limit_nothing() {
        let folders = [
            since("2025-01-10T00:00:01Z"),
            since("2025-03-02T10:00:01Z"),
            complete(Some("2019-05-05T08:00:00Z")),
        ];
        assert_eq!(copied_back_to(folders), date("2025-03-03"));
    }

    #[test]
    fn a_folder_not_started_or_without_a_date_means_no_date_yet() {
        assert_eq!(
            copied_back_to([since("2025-03-02T10:00:01Z"), FolderReach::NotStarted]),
            None
        );
        assert_eq!(copied_back_to([complete(None), FolderReach::Unknown]), None);
        assert_eq!(copied_back_to([]), None, "no folders, no date");
    }

    #[test]
    fn a_finished_mailbox_is_copied_back_to_its_oldest_message() {
        let folders = [
            complete(Some("2021-06-01T23:59:59Z")),
            complete(Some("2018-02-14T12:00:00Z")),
            complete(None),
        ];
        assert_eq!(copied_back_to(folders), date("2018-02-14"));
        assert_eq!(copied_back_to([complete(None)]), None, "an empty mailbox");
    }

    #[test]
    fn a_pass_plans_its_folders_and_moves_each_back_as_it_copies() {
        let mut mailbox = CopiedBack::default();
        let planned = Event::FoldersPlanned {
            sources: vec!["INBOX".into(), "Sent".into()],
        };
        assert!(mailbox.apply(&planned));
        assert_eq!(mailbox.date(), None);
        let reached = |source: &str, reach| Event::Reached {
            source: source.into(),
            reach,
        };
        assert!(mailbox.apply(&reached("INBOX", since("2025-03-02T10:00:01Z"))));
        assert_eq!(mailbox.date(), None, "Sent not started");
        mailbox.apply(&reached("Sent", complete(Some("2020-01-01T00:00:00Z"))));
        assert_eq!(mailbox.date(), date("2025-03-03"));
        mailbox.apply(&reached("INBOX", complete(Some("2019-07-07T07:00:00Z"))));
        assert_eq!(mailbox.date(), date("2019-07-07"));

        // The next pass: what each folder said stands until the pass reaches it; a folder
        // deleted on the source no longer counts, a new one has no date yet.
        assert!(!mailbox.apply(&planned));
        assert_eq!(mailbox.date(), date("2019-07-07"));
        mailbox.apply(&Event::FoldersPlanned {
            sources: vec!["INBOX".into(), "Projects".into()],
        });
        assert_eq!(mailbox.date(), None);
        mailbox.apply(&reached("Projects", complete(None)));
        assert_eq!(mailbox.date(), date("2019-07-07"));
    }
}
