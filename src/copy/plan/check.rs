//! After a folder's pass: does the destination hold what it said it stored? A server that
//! answers OK and keeps nothing must never make a folder look synced.

use std::collections::HashSet;

/// One message this run appended: its source UID, and the destination UID the server named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    pub source_uid: u32,
    pub destination_uid: Option<u32>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum AppendedCheck {
    Held,
    Missing {
        accepted: u64,
        held: u64,
        /// The source UIDs not found, when each could be checked; otherwise every appended
        /// message is unproven.
        unproven: Option<Vec<u32>>,
    },
}

/// Whether an APPENDUID the server named lies at or beyond the UIDNEXT it now announces:
/// then it named UIDs it never gave, and none of them can be looked up.
pub fn appenduids_contradicted(appended: &[Appended], uidnext_after: Option<u32>) -> bool {
    appended.iter().any(|a| {
        a.destination_uid
            .is_some_and(|uid| uidnext_after.is_some_and(|next| uid >= next))
    })
}

/// With every appended message's destination UID known: those not present are missing.
pub fn check_by_uid(appended: &[Appended], present: &HashSet<u32>) -> AppendedCheck {
    let missing: Vec<u32> = appended
        .iter()
        .filter(|a| a.destination_uid.is_some_and(|uid| !present.contains(&uid)))
        .map(|a| a.source_uid)
        .collect();
    let accepted = appended.len() as u64;
    verdict(accepted, accepted - missing.len() as u64, Some(missing))
}

/// Without UIDs, by count: the folder must have grown by at least what was appended.
/// Someone else may add or delete meanwhile, so this can only catch a shortfall.
pub fn check_by_count(appended: usize, before: u32, after: u32) -> AppendedCheck {
    let before = u64::from(before);
    let after = u64::from(after);
    let accepted = appended as u64;
    if after >= before + accepted {
        AppendedCheck::Held
    } else {
        verdict(accepted, after.saturating_sub(before), None)
    }
}

fn verdict(accepted: u64, held: u64, unproven: Option<Vec<u32>>) -> AppendedCheck {
    if held >= accepted {
        AppendedCheck::Held
    } else {
        AppendedCheck::Missing {
            accepted,
            held,
            unproven,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn appended(pairs: &[(u32, Option<u32>)]) -> Vec<Appended> {
        pairs
            .iter()
            .map(|(source_uid, destination_uid)| Appended {
                source_uid: *source_uid,
                destination_uid: *destination_uid,
            })
            .collect()
    }

    #[test]
    fn a_destination_holding_less_than_it_accepted_is_caught_by_uid() {
        let sent = appended(&[(1, Some(10)), (2, Some(11)), (3, Some(12))]);
        assert_eq!(
            check_by_uid(&sent, &[10, 11, 12].into()),
            AppendedCheck::Held
        );
        assert_eq!(
            check_by_uid(&sent, &[11].into()),
            AppendedCheck::Missing {
                accepted: 3,
                held: 1,
                unproven: Some(vec![1, 3])
            }
        );
    }

    #[test]
    fn a_destination_holding_less_than_it_accepted_is_caught_by_count() {
        assert_eq!(check_by_count(3, 5, 8), AppendedCheck::Held);
        assert_eq!(check_by_count(3, 5, 9), AppendedCheck::Held);
        assert_eq!(
            check_by_count(3, 5, 6),
            AppendedCheck::Missing {
                accepted: 3,
                held: 1,
                unproven: None
            }
        );
        assert_eq!(
            check_by_count(2, 5, 0),
            AppendedCheck::Missing {
                accepted: 2,
                held: 0,
                unproven: None
            }
        );
    }

    #[test]
    fn appenduids_beyond_the_uidnext_announced_after_are_not_believed() {
        let sent = appended(&[(1, Some(10)), (2, None)]);
        assert!(appenduids_contradicted(&sent, Some(10)));
        assert!(!appenduids_contradicted(&sent, Some(11)));
        assert!(!appenduids_contradicted(&sent, None));
    }
}
