//! When this state folder first saw each domain switched: the 72 hours are counted from
//! there. Only switched domains have a row; a domain that goes back loses it, and its
//! 72 hours start again when it is switched once more.

use rusqlite::{params, OptionalExtension};

use crate::state::{State, StateError};

/// The first-seen time after an observation (seconds since the epoch).
pub fn next_first_seen(previous: Option<i64>, switched: bool, now: i64) -> Option<i64> {
    match (switched, previous) {
        (false, _) => None,
        (true, Some(first)) => Some(first),
        (true, None) => Some(now),
    }
}

pub struct History {
    state: State,
}

impl History {
    pub fn new(state: State) -> History {
        History { state }
    }

    pub fn first_seen(&self, domain: &str) -> Result<Option<i64>, StateError> {
        self.state.with(|db| {
            db.query_row(
                "SELECT switched_first_seen FROM cutover_domains WHERE domain = ?1",
                params![domain],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// Records whether the domain is switched now; returns when it was first seen switched.
    pub fn observe(
        &self,
        domain: &str,
        switched: bool,
        now: i64,
    ) -> Result<Option<i64>, StateError> {
        self.state.with(|db| {
            let tx = db.transaction()?;
            let previous: Option<i64> = tx
                .query_row(
                    "SELECT switched_first_seen FROM cutover_domains WHERE domain = ?1",
                    params![domain],
                    |r| r.get(0),
                )
                .optional()?;
            let next = next_first_seen(previous, switched, now);
            match next {
                Some(first) if previous != Some(first) => {
                    tx.execute(
                        "INSERT OR REPLACE INTO cutover_domains (domain, switched_first_seen) VALUES (?1, ?2)",
                        params![domain, first],
                    )?;
                }
                None if previous.is_some() => {
                    tx.execute("DELETE FROM cutover_domains WHERE domain = ?1", params![domain])?;
                }
                _ => {}
            }
            tx.commit()?;
            Ok(next)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_seen_is_kept_while_switched_and_cleared_when_it_goes_back() {
        assert_eq!(next_first_seen(None, false, 5), None);
        assert_eq!(next_first_seen(None, true, 5), Some(5));
        assert_eq!(next_first_seen(Some(3), true, 5), Some(3));
        assert_eq!(next_first_seen(Some(3), false, 5), None);
    }

    #[test]
    fn history_survives_reopening_the_state_folder() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::new(State::open(dir.path()).unwrap());
        assert_eq!(
            history.observe("contoso.com", true, 100).unwrap(),
            Some(100)
        );
        assert_eq!(history.observe("fabrikam.com", false, 100).unwrap(), None);
        drop(history);

        let history = History::new(State::open(dir.path()).unwrap());
        assert_eq!(history.first_seen("contoso.com").unwrap(), Some(100));
        assert_eq!(
            history.observe("contoso.com", true, 200).unwrap(),
            Some(100)
        );
        assert_eq!(history.observe("contoso.com", false, 300).unwrap(), None);
        assert_eq!(history.first_seen("contoso.com").unwrap(), None);
        assert_eq!(
            history.observe("contoso.com", true, 400).unwrap(),
            Some(400)
        );
    }
}
