//! Deciding for each new source message: already on the destination (matched by
//! fingerprint, never by UID), copied from another folder (Gmail's All Mail), left out, or
//! to copy.

use std::collections::{HashMap, HashSet};

use super::{issue, Candidate, FlagChange, Refused};
use crate::fingerprint::Fingerprint;
use crate::flags::{self, Flag};
use crate::folder_name::Role;
use crate::imap::MessageMeta;
use crate::state::{MessageRecord, Outcome};

/// Destination messages no source message accounts for yet: by fingerprint, their UIDs and
/// flags. A fingerprint can stand for several identical messages, so each is a list.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pool(HashMap<Fingerprint, Vec<(u32, Vec<Flag>)>>);

impl Pool {
    /// Takes one unaccounted destination message with this fingerprint.
    fn take(&mut self, fingerprint: &Fingerprint) -> Option<(u32, Vec<Flag>)> {
        self.0.get_mut(fingerprint).and_then(Vec::pop)
    }
}

/// Whether the destination folder must be scanned for matches. When every message in it
/// is already accounted for there is nothing to match, and skipping the scan keeps
/// incremental runs into large folders fast.
pub fn pool_needs_scan(destination_exists: u32, claimed: usize) -> bool {
    destination_exists as usize > claimed
}

/// The pool of a destination folder's messages, less those claimed by earlier records.
/// Deleted messages are not there to match.
pub fn destination_pool(
    metas: &[MessageMeta],
    fingerprints: &HashMap<u32, Fingerprint>,
    claimed: &[(Fingerprint, Option<u32>)],
) -> Pool {
    let mut pool = Pool::default();
    for meta in metas {
        let flags = flags::parse_all(&meta.flags);
        if flags.contains(&Flag::Deleted) {
            continue;
        }
        if let Some(fp) = fingerprints.get(&meta.uid) {
            pool.0
                .entry(fp.clone())
                .or_default()
                .push((meta.uid, flags));
        }
    }
    // Exact UIDs first, so a claim without a UID never takes a message another claim names.
    for (fp, uid) in claimed.iter().filter(|(_, uid)| uid.is_some()) {
        if let Some(found) = pool.0.get_mut(fp) {
            found.retain(|(u, _)| Some(*u) != *uid);
        }
    }
    for (fp, _) in claimed.iter().filter(|(_, uid)| uid.is_none()) {
        if let Some(found) = pool.0.get_mut(fp) {
            found.pop();
        }
    }
    pool
}

/// What the folder and the run say about new messages.
pub struct Rules<'a> {
    pub role: Role,
    /// For Gmail's All Mail: fingerprints of messages that other folders carry.
    pub elsewhere: Option<&'a HashSet<Fingerprint>>,
    /// The largest message the destination takes.
    pub max_message_size: Option<u64>,
    pub destination_raw: &'a str,
    /// Messages the destination refused in an earlier attempt of this run.
    pub refused_earlier: &'a HashMap<u32, Refused>,
}

/// The fate of each new source message, and the records that settle it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NewMessages {
    /// Messages found already there or elsewhere, to record before copying starts.
    pub records: Vec<MessageRecord>,
    /// Messages found already there with other flags than the source's.
    pub flag_changes: Vec<FlagChange>,
    /// Newest first.
    pub to_copy: Vec<Candidate>,
    /// Source UIDs found already on the destination.
    pub present: Vec<u32>,
    /// Too large or refused before, in the order they are reported.
    pub left_out: Vec<Refused>,
    pub in_other_folders: u64,
    pub already_present: u64,
}

/// Decides each candidate in turn, taking matched destination messages out of the pool so
/// two identical source messages need two identical destination messages. A message found
/// there with other flags is recorded with the destination's flags, so a flag sync cut
/// short is picked up by the next run.
pub fn plan_new(candidates: Vec<Candidate>, pool: &mut Pool, rules: &Rules<'_>) -> NewMessages {
    let mut plan = NewMessages::default();
    for candidate in candidates {
        let record = |outcome, destination_uid, destination_folder: &str| MessageRecord {
            uid: candidate.meta.uid,
            fingerprint: candidate.fingerprint.clone(),
            flags: flags::key(&candidate.flags),
            destination_folder: destination_folder.to_string(),
            destination_uid,
            outcome,
        };
        if rules.role == Role::All
            && rules
                .elsewhere
                .is_some_and(|set| set.contains(&candidate.fingerprint))
        {
            plan.records.push(record(Outcome::Elsewhere, None, ""));
            plan.in_other_folders += 1;
            continue;
        }
        if let Some((uid, there)) = pool.take(&candidate.fingerprint) {
            let mut present = record(Outcome::Present, Some(uid), rules.destination_raw);
            if !flags::matches_key(&present.flags, &there) {
                present.flags = flags::key(&there);
                plan.flag_changes.push(FlagChange {
                    record: present.clone(),
                    wanted: candidate.flags.clone(),
                });
            }
            plan.records.push(present);
            plan.already_present += 1;
            plan.present.push(candidate.meta.uid);
            continue;
        }
        if let Some(refused) = rules.refused_earlier.get(&candidate.meta.uid) {
            plan.left_out.push(refused.clone());
            continue;
        }
        if let Some(limit) = rules.max_message_size.filter(|l| candidate.meta.size > *l) {
            let explanation = format!(
                "{} bytes is more than the destination accepts ({limit} bytes)",
                candidate.meta.size
            );
            let skipped = issue(&candidate.meta, "too_large", explanation);
            plan.left_out.push(Refused::Skipped(skipped));
            continue;
        }
        plan.to_copy.push(candidate);
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::super::test_data::{candidate, fingerprint, meta};
    use super::*;

    static NO_REFUSALS: std::sync::LazyLock<HashMap<u32, Refused>> =
        std::sync::LazyLock::new(HashMap::new);

    fn rules(role: Role) -> Rules<'static> {
        Rules {
            role,
            elsewhere: None,
            max_message_size: None,
            destination_raw: "INBOX",
            refused_earlier: &NO_REFUSALS,
        }
    }

    /// Destination messages: (uid, fingerprint, flags).
    fn pool(messages: &[(u32, &str, &[&str])], claimed: &[(&str, Option<u32>)]) -> Pool {
        let metas: Vec<MessageMeta> = messages.iter().map(|(u, _, f)| meta(*u, 1, f)).collect();
        let fingerprints = messages
            .iter()
            .map(|(u, n, _)| (*u, fingerprint(n)))
            .collect();
        let claimed: Vec<_> = claimed.iter().map(|(n, u)| (fingerprint(n), *u)).collect();
        destination_pool(&metas, &fingerprints, &claimed)
    }

    fn uids_in(pool: &Pool, name: &str) -> Vec<u32> {
        let found = pool.0.get(&fingerprint(name));
        found.map_or(vec![], |list| list.iter().map(|(u, _)| *u).collect())
    }

    #[test]
    fn the_destination_is_scanned_only_when_something_there_is_unaccounted() {
        assert!(pool_needs_scan(3, 2));
        assert!(!pool_needs_scan(2, 2));
        assert!(!pool_needs_scan(0, 0));
    }

    #[test]
    fn claimed_messages_and_deleted_ones_are_not_in_the_pool() {
        let messages: &[(u32, &str, &[&str])] = &[
            (10, "a", &[]),
            (11, "a", &[]),
            (12, "a", &[]),
            (13, "b", &["\\Deleted"]),
        ];
        // A claim naming UID 10 takes exactly that one; a claim without a UID takes one of
        // the rest, never the one named.
        let pool = pool(messages, &[("a", None), ("a", Some(10))]);
        assert_eq!(uids_in(&pool, "a"), [11]);
        assert_eq!(uids_in(&pool, "b"), Vec::<u32>::new());
    }

    #[test]
    fn a_message_already_there_is_recorded_with_its_uid_and_not_copied() {
        let mut pool = pool(&[(10, "a", &["\\Seen"])], &[]);
        let plan = plan_new(
            vec![candidate(1, 5, "a", &["\\Seen", "\\Recent"])],
            &mut pool,
            &rules(Role::Inbox),
        );
        assert!(plan.to_copy.is_empty() && plan.flag_changes.is_empty());
        assert_eq!(plan.present, [1]);
        assert_eq!(plan.already_present, 1);
        let record = &plan.records[0];
        assert_eq!(record.outcome, Outcome::Present);
        assert_eq!(record.destination_uid, Some(10));
        assert_eq!(record.destination_folder, "INBOX");
        assert_eq!(record.flags, "\\Seen");
    }

    #[test]
    fn a_message_already_there_with_other_flags_gets_a_flag_change() {
        let mut pool = pool(&[(10, "a", &["\\Seen"])], &[]);
        let plan = plan_new(
            vec![candidate(1, 5, "a", &["\\Seen", "\\Flagged"])],
            &mut pool,
            &rules(Role::Inbox),
        );
        // Recorded as the destination has it, so an interrupted sync is retried.
        assert_eq!(plan.records[0].flags, "\\Seen");
        assert_eq!(plan.flag_changes.len(), 1);
        assert_eq!(plan.flag_changes[0].record, plan.records[0]);
        assert_eq!(plan.flag_changes[0].wanted, [Flag::Seen, Flag::Flagged]);
    }

    #[test]
    fn identical_messages_need_as_many_on_the_destination() {
        let mut pool = pool(&[(10, "a", &[])], &[]);
        let plan = plan_new(
            vec![candidate(1, 5, "a", &[]), candidate(2, 5, "a", &[])],
            &mut pool,
            &rules(Role::Inbox),
        );
        assert_eq!(plan.present, [1]);
        assert_eq!(plan.to_copy.len(), 1);
        assert_eq!(plan.to_copy[0].meta.uid, 2);
    }

    #[test]
    fn all_mail_leaves_messages_other_folders_carry() {
        let elsewhere = HashSet::from([fingerprint("a")]);
        let mut all_mail = rules(Role::All);
        all_mail.elsewhere = Some(&elsewhere);
        let plan = plan_new(
            vec![candidate(1, 5, "a", &[])],
            &mut Pool::default(),
            &all_mail,
        );
        assert!(plan.to_copy.is_empty());
        assert_eq!(plan.in_other_folders, 1);
        assert_eq!(plan.records[0].outcome, Outcome::Elsewhere);
        assert_eq!(plan.records[0].destination_folder, "");

        let mut inbox = rules(Role::Inbox);
        inbox.elsewhere = Some(&elsewhere);
        let plan = plan_new(
            vec![candidate(1, 5, "a", &[])],
            &mut Pool::default(),
            &inbox,
        );
        assert_eq!(
            plan.to_copy.len(),
            1,
            "only All Mail defers to other folders"
        );
    }

    #[test]
    fn a_message_larger_than_the_destination_takes_is_skipped() {
        let mut limited = rules(Role::Inbox);
        limited.max_message_size = Some(100);
        let plan = plan_new(
            vec![candidate(1, 101, "a", &[]), candidate(2, 100, "b", &[])],
            &mut Pool::default(),
            &limited,
        );
        assert_eq!(plan.to_copy.len(), 1);
        let Some(Refused::Skipped(skipped)) = plan.left_out.first() else {
            panic!("not skipped: {:?}", plan.left_out);
        };
        assert_eq!((skipped.uid, skipped.reason.as_str()), (1, "too_large"));
        assert_eq!(skipped.subject.as_deref(), Some("hello"));
        assert!(
            plan.records.is_empty(),
            "left for a later run with a higher limit"
        );
    }

    #[test]
    fn a_message_refused_earlier_in_the_run_is_reported_again_not_resent() {
        let refused = Refused::Failed(issue(&meta(1, 5, &[]), "protocol", "bad".into()));
        let earlier = HashMap::from([(1, refused.clone())]);
        let mut retry = rules(Role::Inbox);
        retry.refused_earlier = &earlier;
        let plan = plan_new(
            vec![candidate(1, 5, "a", &[])],
            &mut Pool::default(),
            &retry,
        );
        assert!(plan.to_copy.is_empty());
        assert_eq!(plan.left_out, [refused]);
    }
}
