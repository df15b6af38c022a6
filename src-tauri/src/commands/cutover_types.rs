//! The window's own types for switching a domain to Microsoft 365 (where each domain stands
//! in DNS, whether completing is safe) and for retiring the old mailboxes after Complete.
//! A domain's JSON is the engine's (what `cutover check --json` prints), field for field.

use mailferry::cutover as engine;
use serde::Serialize;

use super::batch_types::UserStatus;
use super::problem_types::Problem;

/// Where a domain's incoming mail goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// No MX record points at Microsoft 365: mail still goes to the old provider.
    Before,
    /// Some MX records point at Microsoft 365, some elsewhere: mail goes to both.
    Switching,
    /// Every MX record points at Microsoft 365.
    Switched,
    /// No MX record at all, or the domain does not exist.
    NoMx,
}

impl From<engine::Stage> for Stage {
    fn from(stage: engine::Stage) -> Self {
        match stage {
            engine::Stage::Before => Stage::Before,
            engine::Stage::Switching => Stage::Switching,
            engine::Stage::Switched => Stage::Switched,
            engine::Stage::NoMx => Stage::NoMx,
        }
    }
}

/// One MX record as the server gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct MxRecord {
    /// The mail server's name, lower case, without the trailing dot.
    pub host: String,
    pub preference: u16,
    /// Seconds a resolver may keep the record (what remains of it, through a caching resolver).
    pub ttl: u32,
}

impl From<engine::MxRecord> for MxRecord {
    fn from(mx: engine::MxRecord) -> Self {
        let engine::MxRecord {
            host,
            preference,
            ttl,
        } = mx;
        MxRecord {
            host,
            preference,
            ttl,
        }
    }
}

/// One domain's state, as printed by `cutover check --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
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

impl From<engine::DomainReport> for DomainReport {
    fn from(d: engine::DomainReport) -> Self {
        let engine::DomainReport {
            domain,
            exists,
            mx,
            points_to_microsoft,
            stage,
            spf,
            spf_ok,
            autodiscover,
            autodiscover_ok,
            ttl_ok,
            expected_mx,
            expected_spf,
            expected_autodiscover,
            advice,
            switched_first_seen,
            safe_to_complete_at,
            switched_first_seen_epoch,
            safe_to_complete_at_epoch,
            ready,
            error,
        } = d;
        DomainReport {
            domain,
            exists,
            mx: mx.into_iter().map(Into::into).collect(),
            points_to_microsoft,
            stage: stage.map(Into::into),
            spf,
            spf_ok,
            autodiscover,
            autodiscover_ok,
            ttl_ok,
            expected_mx,
            expected_spf,
            expected_autodiscover,
            advice,
            switched_first_seen,
            safe_to_complete_at,
            switched_first_seen_epoch,
            safe_to_complete_at_epoch,
            ready,
            error: error.map(Into::into),
        }
    }
}

// The domain check as the window shows it: the engine's check report, with the verdict on
// completing the batch now.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DomainSwitch {
    pub domains: Vec<DomainReport>,
    /// Every domain is switched with SPF and Autodiscover right.
    pub ready: bool,
    /// Completing now cannot lose mail: every domain switched at least 72 hours ago.
    pub safe_to_complete: bool,
    /// What could be lost by completing now, in a sentence (empty when safe).
    pub completion_warning: String,
}

impl DomainSwitch {
    pub fn new(report: engine::CheckReport, verdict: &engine::CompletionVerdict) -> DomainSwitch {
        let engine::CheckReport { domains, ready } = report;
        DomainSwitch {
            domains: domains.into_iter().map(Into::into).collect(),
            ready,
            safe_to_complete: verdict.safe(),
            completion_warning: if verdict.safe() {
                String::new()
            } else {
                verdict.warning()
            },
        }
    }
}

/// One old mailbox of a completed batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
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

impl From<engine::RetiringMailbox> for RetiringMailbox {
    fn from(m: engine::RetiringMailbox) -> Self {
        let engine::RetiringMailbox {
            source_mailbox,
            new_mailbox,
            status,
            last_synced_at,
            messages_in_source,
            messages_copied,
            skipped,
            failed,
            failed_folders,
            excluded_folders,
            can_retire,
            before_retiring,
        } = m;
        RetiringMailbox {
            source_mailbox,
            new_mailbox,
            status: status.into(),
            last_synced_at,
            messages_in_source,
            messages_copied,
            skipped,
            failed,
            failed_folders,
            excluded_folders,
            can_retire,
            before_retiring,
        }
    }
}

/// The list printed after `batch complete` and shown by the window's Completed view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Retirement {
    pub batch: String,
    pub mailboxes: Vec<RetiringMailbox>,
    /// How many of them can be retired now.
    pub ready: usize,
    /// What is left for the owner after this, in order.
    pub next_steps: Vec<String>,
}

impl From<engine::Retirement> for Retirement {
    fn from(r: engine::Retirement) -> Self {
        let engine::Retirement {
            batch,
            mailboxes,
            ready,
            next_steps,
        } = r;
        Retirement {
            batch,
            mailboxes: mailboxes.into_iter().map(Into::into).collect(),
            ready,
            next_steps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailferry::cutover::{DomainName, Observation};
    use mailferry::error::{ErrorKind, Problem as EngineProblem};

    fn domain(name: &str) -> DomainName {
        DomainName::parse(name).expect("domain")
    }

    /// Three domains: switched and seen long ago, still at the old provider, not checked.
    fn check_report() -> engine::CheckReport {
        let switched = Observation {
            exists: true,
            mx: vec![engine::MxRecord {
                host: "contoso-com.mail.protection.outlook.com".into(),
                preference: 0,
                ttl: 3600,
            }],
            txt: vec!["v=spf1 include:spf.protection.outlook.com -all".into()],
            autodiscover_cname: Some("autodiscover.outlook.com".into()),
        };
        let before = Observation {
            exists: true,
            mx: vec![
                engine::MxRecord {
                    host: "mx1.old.example".into(),
                    preference: 10,
                    ttl: 86_400,
                },
                engine::MxRecord {
                    host: "mx2.old.example".into(),
                    preference: 20,
                    ttl: 86_400,
                },
            ],
            txt: vec!["v=spf1 include:old.example ~all".into()],
            autodiscover_cname: None,
        };
        let mut unchecked = EngineProblem::new(
            ErrorKind::Network,
            "the DNS server did not answer",
            "Try again later.",
        );
        unchecked.facts.dns_server = Some("127.0.0.1:5353".into());
        let domains = vec![
            engine::check::report(&domain("contoso.com"), &switched, Some(1_700_000_000)),
            engine::check::report(&domain("fabrikam.com"), &before, None),
            engine::check::failed(&domain("example.org"), unchecked),
        ];
        engine::CheckReport {
            ready: domains.iter().all(|d| d.ready),
            domains,
        }
    }

    #[test]
    fn the_window_gets_each_domain_as_the_engine_writes_it() {
        let report = check_report();
        let engine_json = serde_json::to_value(&report).expect("engine JSON");
        let verdict = engine::completion_verdict(&report.domains, 1_800_000_000);
        let window_json =
            serde_json::to_value(DomainSwitch::new(report, &verdict)).expect("window JSON");
        let engine_fields = engine_json.as_object().expect("engine object");
        assert_eq!(engine_fields.len(), 2, "{engine_fields:?}");
        for (field, value) in engine_fields {
            assert_eq!(&window_json[field], value, "{field}");
        }
        // The three kinds of domain each came through with what makes them that kind.
        let domains = window_json["domains"].as_array().expect("domains");
        assert_eq!(domains[0]["stage"], "switched");
        assert_eq!(domains[1]["mx"].as_array().map(Vec::len), Some(2));
        assert_eq!(domains[2]["error"]["facts"]["dns_server"], "127.0.0.1:5353");
        assert_eq!(window_json["safe_to_complete"], false);
    }
}
