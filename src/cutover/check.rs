//! `cutover check`: asks DNS about each domain, assesses the answers and keeps the
//! 72-hour clock. The command line, `batch status` and the window all go through here.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::assess::{assess, Stage};
use super::completion::SAFE_AFTER_SECS;
use super::dns::{DnsLookup, MxRecord, Observation};
use super::domain::DomainName;
use super::error::CutoverError;
use super::history::History;
use crate::error::{Classify, ErrorKind, Problem};

/// The whole check ends within this, however many domains and however slow the server.
pub const CHECK_BUDGET: Duration = Duration::from_secs(25);

/// One domain's state, as printed by `cutover check --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainReport {
    pub domain: String,
    /// False when DNS says the domain does not exist.
    pub exists: bool,
    pub mx: Vec<MxRecord>,
    pub points_to_microsoft: bool,
    /// Null when the domain could not be checked (see `error`).
    pub stage: Option<Stage>,
    /// The SPF records found (normally one).
    pub spf: Vec<String>,
    pub spf_ok: bool,
    /// Where autodiscover.<domain> points, if it is a CNAME.
    pub autodiscover: Option<String>,
    pub autodiscover_ok: bool,
    pub ttl_ok: bool,
    pub expected_mx: Option<String>,
    pub expected_spf: Option<String>,
    pub expected_autodiscover: Option<String>,
    /// What to change at the DNS host, one sentence each.
    pub advice: Vec<String>,
    /// RFC 3339; when this state folder first saw the domain switched.
    pub switched_first_seen: Option<String>,
    /// RFC 3339; 72 hours after `switched_first_seen`.
    pub safe_to_complete_at: Option<String>,
    /// Seconds since the epoch, for the same two moments.
    pub switched_first_seen_epoch: Option<i64>,
    pub safe_to_complete_at_epoch: Option<i64>,
    pub ready: bool,
    pub error: Option<Problem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    pub domains: Vec<DomainReport>,
    /// Every domain is switched with SPF and Autodiscover right.
    pub ready: bool,
}

fn rfc3339(epoch: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp(epoch, 0).map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// Builds one domain's report from what DNS said and when it was first seen switched.
pub fn report(domain: &DomainName, seen: &Observation, first_seen: Option<i64>) -> DomainReport {
    let a = assess(domain, seen);
    let safe_at = first_seen.map(|t| t.saturating_add(SAFE_AFTER_SECS));
    DomainReport {
        domain: domain.to_string(),
        exists: seen.exists,
        mx: seen.mx.clone(),
        points_to_microsoft: a.points_to_microsoft,
        stage: Some(a.stage),
        spf: super::assess::spf_records(&seen.txt)
            .into_iter()
            .map(str::to_string)
            .collect(),
        spf_ok: a.spf_ok,
        autodiscover: seen.autodiscover_cname.clone(),
        autodiscover_ok: a.autodiscover_ok,
        ttl_ok: a.ttl_ok,
        ready: a.ready(),
        expected_mx: a.expected_mx,
        expected_spf: a.expected_spf,
        expected_autodiscover: a.expected_autodiscover,
        advice: a.advice,
        switched_first_seen: first_seen.and_then(rfc3339),
        safe_to_complete_at: safe_at.and_then(rfc3339),
        switched_first_seen_epoch: first_seen,
        safe_to_complete_at_epoch: safe_at,
        error: None,
    }
}

/// A domain that could not be checked.
pub fn failed(domain: &DomainName, problem: Problem) -> DomainReport {
    DomainReport {
        domain: domain.to_string(),
        exists: true,
        mx: Vec::new(),
        points_to_microsoft: false,
        stage: None,
        spf: Vec::new(),
        spf_ok: false,
        autodiscover: None,
        autodiscover_ok: false,
        ttl_ok: false,
        expected_mx: None,
        expected_spf: None,
        expected_autodiscover: None,
        advice: Vec::new(),
        switched_first_seen: None,
        safe_to_complete_at: None,
        switched_first_seen_epoch: None,
        safe_to_complete_at_epoch: None,
        ready: false,
        error: Some(problem),
    }
}

/// Checks every domain in turn. After the first question a server leaves unanswered (or
/// once [`CHECK_BUDGET`] is spent) the remaining domains are not asked about: the server
/// would most likely keep the owner waiting for each of them.
pub async fn check(
    domains: &[DomainName],
    lookup: &DnsLookup,
    history: &History,
    now: DateTime<Utc>,
) -> Result<CheckReport, CutoverError> {
    let deadline = tokio::time::Instant::now() + CHECK_BUDGET;
    let mut reports = Vec::with_capacity(domains.len());
    let mut gave_up = false;
    for domain in domains {
        if gave_up {
            let skipped = CutoverError::Skipped {
                server: lookup.server().into(),
            };
            reports.push(failed(domain, skipped.problem()));
            continue;
        }
        let observed = tokio::time::timeout_at(deadline, lookup.observe(domain))
            .await
            .unwrap_or_else(|_| {
                Err(CutoverError::NoAnswer {
                    server: lookup.server().into(),
                    waited: CHECK_BUDGET,
                })
            });
        match observed {
            Ok(seen) => {
                let switched = assess(domain, &seen).stage == Stage::Switched;
                let first_seen = history.observe(domain.as_str(), switched, now.timestamp())?;
                reports.push(report(domain, &seen, first_seen));
            }
            Err(e) => {
                gave_up = e.kind() == ErrorKind::Network;
                // What DNS cannot tell says nothing about the switch: the history is kept.
                let mut r = failed(domain, e.problem());
                if let Some(first) = history.first_seen(domain.as_str())? {
                    r.switched_first_seen = rfc3339(first);
                    r.switched_first_seen_epoch = Some(first);
                }
                reports.push(r);
            }
        }
    }
    let ready = !reports.is_empty() && reports.iter().all(|r| r.ready);
    Ok(CheckReport {
        domains: reports,
        ready,
    })
}
