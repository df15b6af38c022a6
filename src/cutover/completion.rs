//! Whether completing a batch is safe: once it is completed nothing copies mail from the
//! old provider any more, so anything still delivered there would be lost.

use super::assess::Stage;
use super::check::DomainReport;

/// Microsoft's advice: wait at least 72 hours after switching the MX records before
/// stopping the synchronisation, so every sender has noticed the change.
pub const SAFE_AFTER_SECS: i64 = 72 * 3600;

/// Why completing now could lose mail, for one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocker {
    /// DNS could not be asked about the domain.
    NotChecked { domain: String, reason: String },
    /// Its MX records do not all point to Microsoft 365 yet.
    NotSwitched { domain: String, stage: Stage },
    /// Switched, but less than 72 hours ago.
    Waiting {
        domain: String,
        safe_at: i64,
        hours_left: i64,
    },
}

impl Blocker {
    pub fn explain(&self) -> String {
        match self {
            Blocker::NotChecked { domain, reason } => format!(
                "{domain}: its MX records could not be checked ({reason})."
            ),
            Blocker::NotSwitched { domain, stage } => match stage {
                Stage::Switching => format!(
                    "{domain}: some MX records still point to the old provider, so some mail is still delivered there."
                ),
                Stage::NoMx => format!("{domain}: has no MX record pointing to Microsoft 365."),
                _ => format!(
                    "{domain}: the MX records still point to the old provider, so mail is still delivered there."
                ),
            },
            Blocker::Waiting { domain, safe_at, hours_left } => format!(
                "{domain}: switched less than 72 hours ago; some senders may still deliver to the old provider until {} (about {hours_left} hour(s) from now).",
                chrono::DateTime::from_timestamp(*safe_at, 0)
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default()
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionVerdict {
    pub blockers: Vec<Blocker>,
}

impl CompletionVerdict {
    pub fn safe(&self) -> bool {
        self.blockers.is_empty()
    }

    /// What completing now would cost, for a confirmation question.
    pub fn warning(&self) -> String {
        let mut text = String::from(
            "Completing now stops copying from the old provider: mail still delivered there after this would be lost.",
        );
        for b in &self.blockers {
            text.push_str("\n  - ");
            text.push_str(&b.explain());
        }
        text
    }
}

/// Decides from the domains' reports whether completing at `now` (seconds) is safe.
pub fn completion_verdict(domains: &[DomainReport], now: i64) -> CompletionVerdict {
    let mut blockers = Vec::new();
    for d in domains {
        let domain = d.domain.clone();
        if let Some(problem) = &d.error {
            blockers.push(Blocker::NotChecked {
                domain,
                reason: problem.message.clone(),
            });
            continue;
        }
        match (d.stage, d.safe_to_complete_at_epoch) {
            (Some(Stage::Switched), Some(safe_at)) if safe_at <= now => {}
            (Some(Stage::Switched), Some(safe_at)) => blockers.push(Blocker::Waiting {
                domain,
                safe_at,
                hours_left: (safe_at - now + 3599) / 3600,
            }),
            (Some(Stage::Switched), None) => blockers.push(Blocker::Waiting {
                domain,
                safe_at: now + SAFE_AFTER_SECS,
                hours_left: 72,
            }),
            (stage, _) => blockers.push(Blocker::NotSwitched {
                domain,
                stage: stage.unwrap_or(Stage::Before),
            }),
        }
    }
    CompletionVerdict { blockers }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cutover::check::{failed, report};
    use crate::cutover::dns::{MxRecord, Observation};
    use crate::cutover::domain::DomainName;
    use crate::error::{ErrorKind, Problem};

    const NOW: i64 = 1_800_000_000;

    fn domain_with(hosts: &[&str], first_seen: Option<i64>) -> DomainReport {
        let domain = DomainName::parse("contoso.com").unwrap();
        let seen = Observation {
            exists: true,
            mx: hosts
                .iter()
                .map(|h| MxRecord {
                    host: h.to_string(),
                    preference: 0,
                    ttl: 3600,
                })
                .collect(),
            txt: vec![],
            autodiscover_cname: None,
        };
        report(&domain, &seen, first_seen)
    }

    const MS: &str = "contoso-com.mail.protection.outlook.com";

    #[test]
    fn switched_for_72_hours_is_safe_even_with_spf_or_autodiscover_missing() {
        let verdict = completion_verdict(&[domain_with(&[MS], Some(NOW - SAFE_AFTER_SECS))], NOW);
        assert!(verdict.safe(), "{}", verdict.warning());
    }

    #[test]
    fn switched_less_than_72_hours_ago_must_wait() {
        let verdict = completion_verdict(&[domain_with(&[MS], Some(NOW - 3600))], NOW);
        assert!(!verdict.safe());
        assert!(
            matches!(verdict.blockers[0], Blocker::Waiting { hours_left: 71, .. }),
            "{:?}",
            verdict.blockers
        );
        assert!(verdict.warning().contains("would be lost"));
    }

    #[test]
    fn not_switched_switching_no_mx_and_unchecked_domains_block() {
        for d in [
            domain_with(&["mx.oldhost.net"], None),
            domain_with(&[MS, "mx.oldhost.net"], None),
            domain_with(&[], None),
            failed(
                &DomainName::parse("contoso.com").unwrap(),
                Problem {
                    kind: ErrorKind::Network,
                    message: "no answer".into(),
                    hint: String::new(),
                    facts: Default::default(),
                },
            ),
        ] {
            let verdict = completion_verdict(std::slice::from_ref(&d), NOW);
            assert!(!verdict.safe(), "{d:?}");
            assert!(verdict.warning().contains("contoso.com"));
        }
    }

    #[test]
    fn every_domain_must_be_safe() {
        let ok = domain_with(&[MS], Some(NOW - SAFE_AFTER_SECS - 1));
        let mut other = domain_with(&["mx.oldhost.net"], None);
        other.domain = "fabrikam.com".into();
        let verdict = completion_verdict(&[ok, other], NOW);
        assert_eq!(verdict.blockers.len(), 1);
        assert!(verdict.warning().contains("fabrikam.com"));
    }
}
