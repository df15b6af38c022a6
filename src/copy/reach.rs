//! How far back a folder's mail is on the destination. A folder is copied newest first, so
//! as a pass goes on, the received date (INTERNALDATE) above which nothing is missing moves
//! back in time. Pure: the executors feed it what they settle and emit what it says.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One folder, as far as anyone can honestly say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FolderReach {
    /// No pass has looked at the folder yet.
    NotStarted,
    /// Being copied, but no date can be claimed: a message not on the destination yet has no
    /// readable received date, so it could be of any date.
    Unknown,
    /// Every message received at or after `since` (seconds since 1970) is on the destination.
    Since { since: i64 },
    /// Every message of the folder is on the destination; `oldest` is the oldest received
    /// date seen by the passes that copied it, when one was seen.
    Complete { oldest: Option<i64> },
}

impl FolderReach {
    /// What a folder's record becomes when a pass reports `self`: a pass that finds the folder
    /// complete without copying anything (all of it recorded) has seen no dates, so the
    /// oldest date known from earlier passes is kept.
    pub fn after(self, previous: Option<FolderReach>) -> FolderReach {
        match (self, previous) {
            (
                FolderReach::Complete { oldest },
                Some(FolderReach::Complete {
                    oldest: Some(before),
                }),
            ) => FolderReach::Complete {
                oldest: Some(oldest.map_or(before, |o| o.min(before))),
            },
            _ => self,
        }
    }
}

/// The messages of one folder pass that are not on the destination yet, by UID, with their
/// received dates (`None`: unreadable).
#[derive(Debug, Default, Clone)]
pub struct Frontier {
    pending: BTreeMap<u32, Option<i64>>,
    oldest: Option<i64>,
}

impl Frontier {
    /// `new`: every message of the folder that no record accounts for, with its date;
    /// `settled`: those of them found on the destination already.
    pub fn new(new: impl IntoIterator<Item = (u32, Option<i64>)>, settled: &[u32]) -> Frontier {
        let mut frontier = Frontier::default();
        for (uid, received) in new {
            frontier.oldest = match (frontier.oldest, received) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            frontier.pending.insert(uid, received);
        }
        for uid in settled {
            frontier.settle(*uid);
        }
        frontier
    }

    /// The message is on the destination now.
    pub fn settle(&mut self, uid: u32) {
        self.pending.remove(&uid);
    }

    /// The message is skipped by rule (too large for the destination): it will not be copied
    /// by any pass and is listed in the report on its own, so it no longer holds the date
    /// back. A message that failed is different: it may still be copied, and keeps holding it.
    pub fn set_aside(&mut self, uid: u32) {
        self.pending.remove(&uid);
    }

    pub fn reach(&self) -> FolderReach {
        if self.pending.is_empty() {
            return FolderReach::Complete {
                oldest: self.oldest,
            };
        }
        let mut newest_missing = i64::MIN;
        for received in self.pending.values() {
            match received {
                None => return FolderReach::Unknown,
                Some(at) => newest_missing = newest_missing.max(*at),
            }
        }
        FolderReach::Since {
            since: newest_missing.saturating_add(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_moves_back_as_the_newest_messages_land() {
        let mut frontier = Frontier::new([(1, Some(100)), (2, Some(300)), (3, Some(200))], &[]);
        assert_eq!(frontier.reach(), FolderReach::Since { since: 301 });
        frontier.settle(2);
        assert_eq!(frontier.reach(), FolderReach::Since { since: 201 });
        frontier.settle(3);
        frontier.settle(1);
        assert_eq!(
            frontier.reach(),
            FolderReach::Complete { oldest: Some(100) }
        );
    }

    #[test]
    fn a_message_that_failed_holds_the_date_where_it_is() {
        // 300 failed (it may be copied by a later pass): older mail copied after it does not
        // move the date.
        let mut frontier = Frontier::new([(1, Some(100)), (2, Some(300)), (3, Some(400))], &[3]);
        frontier.settle(1);
        assert_eq!(frontier.reach(), FolderReach::Since { since: 301 });
    }

    #[test]
    fn a_message_skipped_as_too_large_does_not_hold_the_date() {
        // 300 is too large for the destination: listed on its own, never copied.
        let mut frontier = Frontier::new([(1, Some(100)), (2, Some(300)), (3, Some(400))], &[3]);
        frontier.set_aside(2);
        assert_eq!(frontier.reach(), FolderReach::Since { since: 101 });
        frontier.settle(1);
        assert_eq!(
            frontier.reach(),
            FolderReach::Complete { oldest: Some(100) }
        );
    }

    #[test]
    fn two_messages_of_the_same_second_are_both_needed() {
        let mut frontier = Frontier::new([(1, Some(200)), (2, Some(200))], &[]);
        frontier.settle(2);
        assert_eq!(frontier.reach(), FolderReach::Since { since: 201 });
    }

    #[test]
    fn an_undated_message_not_yet_copied_allows_no_date() {
        let mut frontier = Frontier::new([(1, None), (2, Some(300))], &[2]);
        assert_eq!(frontier.reach(), FolderReach::Unknown);
        frontier.settle(1);
        assert_eq!(
            frontier.reach(),
            FolderReach::Complete { oldest: Some(300) }
        );
    }

    #[test]
    fn nothing_new_is_complete_and_keeps_the_oldest_date_known() {
        let nothing = Frontier::new([], &[]).reach();
        assert_eq!(nothing, FolderReach::Complete { oldest: None });
        let before = FolderReach::Complete { oldest: Some(50) };
        assert_eq!(
            nothing.after(Some(before)),
            FolderReach::Complete { oldest: Some(50) }
        );
        let newer = FolderReach::Complete { oldest: Some(80) };
        assert_eq!(newer.after(Some(before)), before);
        let partial = FolderReach::Since { since: 10 };
        assert_eq!(
            partial.after(Some(before)),
            partial,
            "a new pass's word wins"
        );
    }
}
