//! When this state folder first saw each domain switched: the 72 hours are counted from
//! there. Only switched domains have a row; a domain that goes back loses it, and its
//! 72 hours start again when it is switched once more.
//!
//! Also what a running batch last saw of each domain (its stage, or why DNS could not tell),
//! so that `batch status` can say so without asking DNS itself.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::assess::Stage;
use super::check::DomainReport;
use crate::error::Problem;
use crate::state::{State, StateError};

/// A domain as the last check saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastCheck {
    pub domain: String,
    /// Seconds since the epoch.
    pub checked_at: i64,
    /// Null when it could not be checked (see `error`).
    pub stage: Option<Stage>,
    pub error: Option<Problem>,
}

// Stored as text, read back leniently: a value this version does not know reads as unknown.
fn stage_from(text: Option<String>) -> Option<Stage> {
    text.and_then(|t| serde_json::from_value(serde_json::Value::String(t)).ok())
}

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

    /// Keeps what a check found, replacing the domain's previous one.
    pub fn record_check(&self, report: &DomainReport, at: i64) -> Result<(), StateError> {
        let error = report
            .error
            .as_ref()
            .and_then(|p| serde_json::to_string(p).ok());
        self.state.with(|db| {
            db.execute(
                "INSERT OR REPLACE INTO cutover_checks (domain, checked_at, stage, error) VALUES (?1, ?2, ?3, ?4)",
                params![report.domain, at, report.stage.map(Stage::as_str), error],
            )
        })?;
        Ok(())
    }

    /// The last checks of these domains, in their order; a domain never checked is left out.
    pub fn last_checks(&self, domains: &[&str]) -> Result<Vec<LastCheck>, StateError> {
        let mut found = Vec::new();
        for domain in domains {
            let row: Option<(i64, Option<String>, Option<String>)> = self.state.with(|db| {
                db.query_row(
                    "SELECT checked_at, stage, error FROM cutover_checks WHERE domain = ?1",
                    params![domain],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
            })?;
            if let Some((checked_at, stage, error)) = row {
                found.push(LastCheck {
                    domain: domain.to_string(),
                    checked_at,
                    stage: stage_from(stage),
                    error: error.and_then(|e| serde_json::from_str(&e).ok()),
                });
            }
        }
        Ok(found)
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
    fn the_last_check_is_kept_with_its_error_and_replaced_by_the_next() {
        use crate::cutover::check::failed;
        use crate::cutover::DomainName;
        use crate::error::ErrorKind;
        let dir = tempfile::tempdir().unwrap();
        let history = History::new(State::open(dir.path()).unwrap());
        let domain = DomainName::parse("contoso.test").unwrap();
        let problem = Problem::new(
            ErrorKind::Network,
            "the DNS server 127.0.0.1:9 did not answer",
            "Check the connection.",
        );
        let mut report = failed(&domain, problem.clone());
        history.record_check(&report, 100).unwrap();
        assert_eq!(
            history
                .last_checks(&["contoso.test", "never.test"])
                .unwrap(),
            [LastCheck {
                domain: "contoso.test".into(),
                checked_at: 100,
                stage: None,
                error: Some(problem),
            }]
        );
        report.error = None;
        report.stage = Some(Stage::Switched);
        history.record_check(&report, 200).unwrap();
        let last = history.last_checks(&["contoso.test"]).unwrap();
        assert_eq!(
            (last[0].checked_at, last[0].stage, &last[0].error),
            (200, Some(Stage::Switched), &None)
        );
        assert_eq!(stage_from(Some("sideways".into())), None);
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
