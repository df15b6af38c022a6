//! The first decisions of a pass, from the source's listing (UIDs and flags) and the
//! records of earlier runs: what is new, what is known, which known flags changed.

use std::collections::HashMap;

use super::{Candidate, FlagChange, Memory};
use crate::fingerprint::Fingerprint;
use crate::flags::{self, Flag};
use crate::imap::MessageMeta;
use crate::report::FolderReport;
use crate::state::{MessageRecord, Outcome};

/// What the listing says, before anything else is fetched.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ListingPlan {
    /// Source UIDs without a record: to be looked for on the destination, or copied.
    pub new: Vec<u32>,
    /// Known messages whose flags changed on the source since they were recorded.
    pub flag_changes: Vec<FlagChange>,
    pub tally: Tally,
}

/// The counts the listing alone settles.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub deleted_not_copied: u64,
    pub messages_in_source: u64,
    pub in_other_folders: u64,
    pub already_present: u64,
    pub previously_copied: u64,
}

impl Tally {
    pub fn add_to(&self, report: &mut FolderReport) {
        report.deleted_not_copied += self.deleted_not_copied;
        report.messages_in_source += self.messages_in_source;
        report.in_other_folders += self.in_other_folders;
        report.already_present += self.already_present;
        report.previously_copied += self.previously_copied;
    }
}

/// Sorts the source listing against the records: deleted messages are never copied, new
/// ones go on to be matched, known ones are counted (found already there by this run, or
/// copied by an earlier one) and their flags compared with what was last written.
pub fn plan_listing(
    listing: &[(u32, Vec<Flag>)],
    known: &HashMap<u32, MessageRecord>,
    memory: &Memory,
) -> ListingPlan {
    let mut plan = ListingPlan::default();
    for (uid, flags) in listing {
        if flags.contains(&Flag::Deleted) {
            plan.tally.deleted_not_copied += 1;
            continue;
        }
        plan.tally.messages_in_source += 1;
        match known.get(uid) {
            None => plan.new.push(*uid),
            Some(record) if record.outcome == Outcome::Elsewhere => {
                plan.tally.in_other_folders += 1
            }
            Some(record) => {
                if memory.present.contains(uid) {
                    plan.tally.already_present += 1;
                } else if !memory.copied.contains(uid) {
                    plan.tally.previously_copied += 1;
                }
                if !flags::matches_key(&record.flags, flags) {
                    plan.flag_changes.push(FlagChange {
                        record: record.clone(),
                        wanted: flags.clone(),
                    });
                }
            }
        }
    }
    plan
}

/// The new messages worth deciding about, newest first. One deleted since the listing, or
/// one the server gave no fingerprint for, is left for the next pass.
pub fn candidates(
    mut metas: Vec<MessageMeta>,
    fingerprints: &HashMap<u32, Fingerprint>,
) -> Vec<Candidate> {
    newest_first(&mut metas);
    metas
        .into_iter()
        .filter_map(|meta| {
            let flags = flags::parse_all(&meta.flags);
            if flags.contains(&Flag::Deleted) {
                return None;
            }
            let fingerprint = fingerprints.get(&meta.uid)?.clone();
            Some(Candidate {
                meta,
                fingerprint,
                flags,
            })
        })
        .collect()
}

/// Newest first, as Microsoft's own service copies: after the first minutes of a long
/// migration, or when a provider's daily cap stops it, the recent months are already there.
/// Messages without a readable date go last, in UID order.
fn newest_first(metas: &mut [MessageMeta]) {
    metas.sort_by_cached_key(|m| {
        (
            std::cmp::Reverse(received_at(&m.internaldate)),
            std::cmp::Reverse(m.uid),
        )
    });
}

/// INTERNALDATE (`17-Jul-1996 02:44:25 -0700`) as seconds since 1970.
pub fn received_at(internaldate: &str) -> Option<i64> {
    chrono::DateTime::parse_from_str(internaldate.trim(), "%d-%b-%Y %H:%M:%S %z")
        .ok()
        .map(|d| d.timestamp())
}

#[cfg(test)]
mod tests {
    use super::super::test_data::{fingerprint, meta};
    use super::*;

    fn listed(uid: u32, flags: &[&str]) -> (u32, Vec<Flag>) {
        (uid, flags.iter().map(|f| Flag::parse(f)).collect())
    }

    fn record(uid: u32, flags: &str, outcome: Outcome) -> (u32, MessageRecord) {
        let record = MessageRecord {
            uid,
            fingerprint: fingerprint(&uid.to_string()),
            flags: flags.into(),
            destination_folder: "INBOX".into(),
            destination_uid: Some(uid + 100),
            outcome,
        };
        (uid, record)
    }

    #[test]
    fn deleted_messages_are_counted_and_never_copied() {
        let plan = plan_listing(
            &[
                listed(1, &["\\Deleted", "\\Seen"]),
                listed(2, &["\\deleted"]),
            ],
            &HashMap::new(),
            &Memory::default(),
        );
        assert!(plan.new.is_empty());
        assert_eq!(plan.tally.deleted_not_copied, 2);
        assert_eq!(plan.tally.messages_in_source, 0);
    }

    #[test]
    fn unrecorded_messages_are_new_and_recorded_ones_previously_copied() {
        let known = HashMap::from([record(2, "\\Seen", Outcome::Copied)]);
        let plan = plan_listing(
            &[listed(1, &[]), listed(2, &["\\Seen"])],
            &known,
            &Memory::default(),
        );
        assert_eq!(plan.new, [1]);
        assert_eq!(plan.tally.previously_copied, 1);
        assert_eq!(plan.tally.messages_in_source, 2);
        assert!(plan.flag_changes.is_empty());
    }

    #[test]
    fn a_retry_counts_what_this_run_did_as_it_did_the_first_time() {
        let known = HashMap::from([
            record(1, "", Outcome::Copied),
            record(2, "", Outcome::Present),
            record(3, "", Outcome::Elsewhere),
        ]);
        let memory = Memory {
            copied: [1].into(),
            present: [2].into(),
            ..Memory::default()
        };
        let plan = plan_listing(
            &[listed(1, &[]), listed(2, &[]), listed(3, &[])],
            &known,
            &memory,
        );
        let expected = Tally {
            messages_in_source: 3,
            already_present: 1,
            in_other_folders: 1,
            ..Tally::default()
        };
        assert_eq!(plan.tally, expected);
    }

    #[test]
    fn a_flag_changed_on_the_source_is_carried() {
        let known = HashMap::from([
            record(1, "\\Seen", Outcome::Copied),
            record(2, "$Forwarded \\SEEN", Outcome::Copied),
        ]);
        let plan = plan_listing(
            &[
                listed(1, &["\\Seen", "\\Flagged", "\\Recent"]),
                listed(2, &["\\Seen", "$Forwarded"]),
            ],
            &known,
            &Memory::default(),
        );
        assert_eq!(plan.flag_changes.len(), 1, "a case difference is no change");
        let change = &plan.flag_changes[0];
        assert_eq!(change.record.uid, 1);
        assert_eq!(flags::key(&change.wanted), "\\Flagged \\Seen");
    }

    #[test]
    fn newest_mail_goes_first_and_undated_mail_last() {
        let dated = |uid, date: &str| MessageMeta {
            internaldate: date.into(),
            ..meta(uid, 1, &[])
        };
        let metas = vec![
            dated(1, "01-Jan-2020 10:00:00 +0000"),
            dated(2, "garbage"),
            dated(3, " 5-Mar-2024 08:00:00 +0100"),
            dated(4, "05-Mar-2024 08:00:00 -0500"),
            dated(5, ""),
        ];
        let fingerprints = (1..=5).map(|uid| (uid, fingerprint("x"))).collect();
        let order: Vec<u32> = candidates(metas, &fingerprints)
            .iter()
            .map(|c| c.meta.uid)
            .collect();
        assert_eq!(order, vec![4, 3, 1, 5, 2]);
    }

    #[test]
    fn candidates_leave_out_deleted_and_unfingerprinted_messages() {
        let metas = vec![meta(1, 1, &["\\Deleted"]), meta(2, 1, &[]), meta(3, 1, &[])];
        let fingerprints = HashMap::from([(1, fingerprint("a")), (3, fingerprint("c"))]);
        let kept = candidates(metas, &fingerprints);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].meta.uid, 3);
        assert_eq!(kept[0].fingerprint, fingerprint("c"));
    }
}
