//! What a domain's DNS records mean for the move, decided without any I/O.

use serde::{Deserialize, Serialize};

use super::dns::{MxRecord, Observation};
use super::domain::DomainName;

/// Every Microsoft 365 MX host ends with this.
pub const MICROSOFT_MX_SUFFIX: &str = ".mail.protection.outlook.com";
/// The SPF term that lets Microsoft 365 send mail for the domain.
pub const SPF_INCLUDE: &str = "include:spf.protection.outlook.com";
/// The SPF record Microsoft 365 asks for when it sends all of the domain's mail.
pub const SPF_RECORD: &str = "v=spf1 include:spf.protection.outlook.com -all";
/// Where `autodiscover.<domain>` points so that Outlook finds the new mailboxes.
pub const AUTODISCOVER_TARGET: &str = "autodiscover.outlook.com";
/// Microsoft's advice before migrating: MX TTLs of an hour or less, so the switch takes
/// effect within the hour.
pub const MAX_MX_TTL: u32 = 3600;

/// Where a domain's incoming mail goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Before => "before",
            Stage::Switching => "switching",
            Stage::Switched => "switched",
            Stage::NoMx => "no_mx",
        }
    }
}

/// What the records mean, and what to change when they are not right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub stage: Stage,
    pub points_to_microsoft: bool,
    pub spf_ok: bool,
    pub autodiscover_ok: bool,
    pub ttl_ok: bool,
    /// The MX host Microsoft 365 expects, while the MX records are not switched.
    pub expected_mx: Option<String>,
    /// The SPF record Microsoft 365 expects, while the SPF is not right.
    pub expected_spf: Option<String>,
    /// The CNAME target Microsoft 365 expects, while Autodiscover is not right.
    pub expected_autodiscover: Option<String>,
    /// One plain sentence per change to make at the DNS host.
    pub advice: Vec<String>,
}

impl Assessment {
    /// Nothing left to change for this domain.
    pub fn ready(&self) -> bool {
        self.stage == Stage::Switched && self.spf_ok && self.autodiscover_ok
    }
}

/// A host name compared the way DNS compares them: case-insensitively, trailing dot ignored.
fn canonical(host: &str) -> String {
    host.trim().trim_end_matches('.').to_ascii_lowercase()
}

pub fn is_microsoft_mx(host: &str) -> bool {
    let host = canonical(host);
    host.len() > MICROSOFT_MX_SUFFIX.len() && host.ends_with(MICROSOFT_MX_SUFFIX)
}

pub fn stage(mx: &[MxRecord]) -> Stage {
    let at_microsoft = mx.iter().filter(|r| is_microsoft_mx(&r.host)).count();
    match (mx.len(), at_microsoft) {
        (0, _) => Stage::NoMx,
        (_, 0) => Stage::Before,
        (all, some) if some == all => Stage::Switched,
        _ => Stage::Switching,
    }
}

/// Microsoft 365's MX host for a domain: its dots become dashes (contoso.com →
/// contoso-com.mail.protection.outlook.com). The admin center shows the exact value.
pub fn expected_mx_host(domain: &DomainName) -> String {
    format!("{}{MICROSOFT_MX_SUFFIX}", domain.as_str().replace('.', "-"))
}

/// The SPF records among a name's TXT records (each TXT record's strings already joined).
pub fn spf_records(txt: &[String]) -> Vec<&str> {
    txt.iter()
        .map(|t| t.trim())
        .filter(|t| {
            let lower = t.to_ascii_lowercase();
            lower == "v=spf1" || lower.starts_with("v=spf1 ")
        })
        .collect()
}

/// Whether an SPF record lets Microsoft 365 send: an `include:spf.protection.outlook.com`
/// term that passes (no qualifier or `+`; `-include:` or `~include:` would not).
pub fn spf_includes_microsoft(record: &str) -> bool {
    record.split_ascii_whitespace().skip(1).any(|term| {
        let term = term.strip_prefix('+').unwrap_or(term);
        canonical(term) == SPF_INCLUDE
    })
}

/// One SPF record (two or more make every SPF check fail) that includes Microsoft 365.
pub fn spf_ok(txt: &[String]) -> bool {
    matches!(spf_records(txt).as_slice(), [only] if spf_includes_microsoft(only))
}

pub fn autodiscover_ok(cname: Option<&str>) -> bool {
    cname.is_some_and(|target| canonical(target) == AUTODISCOVER_TARGET)
}

pub fn ttl_ok(mx: &[MxRecord]) -> bool {
    mx.iter().all(|r| r.ttl <= MAX_MX_TTL)
}

fn host_list(records: &[&MxRecord]) -> String {
    records
        .iter()
        .map(|r| canonical(&r.host))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Decides everything about one domain from what DNS said.
pub fn assess(domain: &DomainName, seen: &Observation) -> Assessment {
    let stage = stage(&seen.mx);
    let spf_ok = spf_ok(&seen.txt);
    let autodiscover_ok = autodiscover_ok(seen.autodiscover_cname.as_deref());
    let ttl_ok = ttl_ok(&seen.mx);
    let mx_host = expected_mx_host(domain);
    let mut advice = Vec::new();

    match stage {
        Stage::NoMx if !seen.exists => advice.push(format!(
            "The domain {domain} does not exist in DNS. Check its spelling; if it is right, the domain has to be registered and hosted before mail can reach it."
        )),
        Stage::NoMx => advice.push(format!(
            "Add an MX record for {domain}: host @, points to {mx_host}, priority 0, TTL 3600. Without an MX record no mail reaches the domain."
        )),
        Stage::Before => advice.push(format!(
            "When every mailbox is Synced, change the MX record of {domain} to {mx_host} (priority 0) and delete the old ones ({}). Mail then arrives at Microsoft 365; the batch keeps copying what still reaches the old provider.",
            host_list(&seen.mx.iter().collect::<Vec<_>>())
        )),
        Stage::Switching => {
            let old: Vec<&MxRecord> = seen.mx.iter().filter(|r| !is_microsoft_mx(&r.host)).collect();
            advice.push(format!(
                "Delete the MX records of {domain} that still point to the old provider ({}). Until then some mail is still delivered to the old mailboxes.",
                host_list(&old)
            ));
        }
        Stage::Switched => {}
    }
    if !ttl_ok && stage != Stage::Switched {
        let long: Vec<&MxRecord> = seen.mx.iter().filter(|r| r.ttl > MAX_MX_TTL).collect();
        advice.push(format!(
            "Lower the TTL of the MX records of {domain} to 3600 seconds (one hour) or less now, before switching ({}). Senders then notice the switch within the hour instead of days.",
            long.iter()
                .map(|r| format!("{} has {} seconds", canonical(&r.host), r.ttl))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let spf = spf_records(&seen.txt);
    // A domain that does not exist has one thing to fix first; the rest would be noise.
    if !spf_ok && seen.exists {
        advice.push(match spf.as_slice() {
            [] => format!("Add a TXT record for {domain} (host @): {SPF_RECORD}"),
            [one] => format!(
                "Change the SPF record of {domain} from \"{one}\" to \"{SPF_RECORD}\" (keep other include: terms only for services that still send mail as {domain})."
            ),
            many => format!(
                "{domain} has {} SPF records; receivers then reject all of them. Replace them with one TXT record: {SPF_RECORD}",
                many.len()
            ),
        });
    }
    if !autodiscover_ok && seen.exists {
        advice.push(match seen.autodiscover_cname.as_deref() {
            None => format!(
                "Add a CNAME record autodiscover.{domain} pointing to {AUTODISCOVER_TARGET}, so that Outlook finds the new mailboxes."
            ),
            Some(other) => format!(
                "Change the CNAME record autodiscover.{domain} from {} to {AUTODISCOVER_TARGET}.",
                canonical(other)
            ),
        });
    }
    Assessment {
        stage,
        points_to_microsoft: stage == Stage::Switched,
        spf_ok,
        autodiscover_ok,
        ttl_ok,
        expected_mx: (stage != Stage::Switched).then_some(mx_host),
        expected_spf: (!spf_ok).then(|| SPF_RECORD.to_string()),
        expected_autodiscover: (!autodiscover_ok).then(|| AUTODISCOVER_TARGET.to_string()),
        advice,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mx(host: &str, ttl: u32) -> MxRecord {
        MxRecord {
            host: host.into(),
            preference: 10,
            ttl,
        }
    }

    fn domain() -> DomainName {
        DomainName::parse("contoso.com").unwrap()
    }

    fn seen(mx: Vec<MxRecord>, txt: &[&str], cname: Option<&str>) -> Observation {
        Observation {
            exists: true,
            mx,
            txt: txt.iter().map(|s| s.to_string()).collect(),
            autodiscover_cname: cname.map(str::to_string),
        }
    }

    const MS: &str = "contoso-com.mail.protection.outlook.com";

    #[test]
    fn microsoft_hosts_match_case_insensitively_with_or_without_trailing_dot() {
        assert!(is_microsoft_mx(MS));
        assert!(is_microsoft_mx("Contoso-COM.Mail.Protection.Outlook.com."));
        assert!(!is_microsoft_mx("mail.protection.outlook.com"));
        assert!(!is_microsoft_mx(".mail.protection.outlook.com"));
        assert!(!is_microsoft_mx(
            "contoso-com.mail.protection.outlook.com.evil.example"
        ));
        assert!(!is_microsoft_mx("mx.contoso.com"));
    }

    #[test]
    fn stages_follow_the_share_of_mx_records_at_microsoft() {
        assert_eq!(stage(&[]), Stage::NoMx);
        assert_eq!(stage(&[mx("mx1.oldhost.net", 300)]), Stage::Before);
        assert_eq!(
            stage(&[mx(MS, 300), mx("mx1.oldhost.net.", 300)]),
            Stage::Switching
        );
        assert_eq!(
            stage(&[mx(MS, 300), mx("OTHER.mail.protection.outlook.com.", 300)]),
            Stage::Switched
        );
    }

    #[test]
    fn a_missing_domain_and_a_domain_without_mx_are_both_no_mx_with_different_advice() {
        let mut missing = seen(vec![], &[], None);
        missing.exists = false;
        let a = assess(&domain(), &missing);
        assert_eq!(a.stage, Stage::NoMx);
        assert!(!a.points_to_microsoft);
        assert_eq!(a.advice.len(), 1, "{:?}", a.advice);
        assert!(a.advice[0].contains("does not exist"), "{:?}", a.advice);

        let a = assess(&domain(), &seen(vec![], &[], None));
        assert_eq!(a.stage, Stage::NoMx);
        assert!(a.advice[0].contains("Add an MX record"), "{:?}", a.advice);
        assert_eq!(a.expected_mx.as_deref(), Some(MS));
    }

    #[test]
    fn expected_mx_host_turns_dots_into_dashes() {
        assert_eq!(
            expected_mx_host(&DomainName::parse("Mail.Contoso.co.uk").unwrap()),
            "mail-contoso-co-uk.mail.protection.outlook.com"
        );
    }

    #[test]
    fn spf_needs_exactly_one_record_with_the_microsoft_include() {
        let ok = |txt: &[&str]| spf_ok(&txt.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(ok(&[SPF_RECORD]));
        assert!(ok(&[
            "V=SPF1 +Include:SPF.protection.outlook.com. ~all",
            "google-site-verification=x"
        ]));
        assert!(ok(&[
            "v=spf1 include:_spf.oldhost.net include:spf.protection.outlook.com -all"
        ]));
        assert!(!ok(&[]));
        assert!(!ok(&["google-site-verification=x"]));
        assert!(!ok(&["v=spf1 include:_spf.oldhost.net -all"]));
        assert!(!ok(&["v=spf1 -include:spf.protection.outlook.com -all"]));
        assert!(!ok(&["v=spf10 include:spf.protection.outlook.com -all"]));
        assert!(!ok(&[
            "v=spf1 include:spf.protection.outlook.com.evil.example -all"
        ]));
        assert!(!ok(&[SPF_RECORD, "v=spf1 include:_spf.oldhost.net -all"]));
    }

    #[test]
    fn spf_advice_names_the_record_to_change_or_add() {
        let a = assess(
            &domain(),
            &seen(
                vec![mx(MS, 300)],
                &["v=spf1 include:_spf.oldhost.net -all"],
                Some(AUTODISCOVER_TARGET),
            ),
        );
        assert!(!a.spf_ok);
        assert_eq!(a.expected_spf.as_deref(), Some(SPF_RECORD));
        assert_eq!(a.advice.len(), 1, "{:?}", a.advice);
        assert!(
            a.advice[0].contains("include:_spf.oldhost.net") && a.advice[0].contains(SPF_RECORD)
        );

        let a = assess(
            &domain(),
            &seen(vec![mx(MS, 300)], &[], Some(AUTODISCOVER_TARGET)),
        );
        assert!(
            a.advice[0].starts_with("Add a TXT record"),
            "{:?}",
            a.advice
        );
    }

    #[test]
    fn autodiscover_compares_the_cname_target_case_insensitively() {
        assert!(autodiscover_ok(Some("autodiscover.outlook.com")));
        assert!(autodiscover_ok(Some("AutoDiscover.Outlook.COM.")));
        assert!(!autodiscover_ok(Some("autodiscover.oldhost.net")));
        assert!(!autodiscover_ok(None));
        let a = assess(
            &domain(),
            &seen(
                vec![mx(MS, 300)],
                &[SPF_RECORD],
                Some("Autodiscover.OldHost.net."),
            ),
        );
        assert_eq!(
            a.expected_autodiscover.as_deref(),
            Some(AUTODISCOVER_TARGET)
        );
        assert!(
            a.advice[0].contains("from autodiscover.oldhost.net to autodiscover.outlook.com"),
            "{:?}",
            a.advice
        );
    }

    #[test]
    fn ttl_over_an_hour_is_flagged_before_the_switch_only() {
        assert!(ttl_ok(&[mx("a", 3600), mx("b", 60)]));
        assert!(!ttl_ok(&[mx("a", 3600), mx("b", 3601)]));
        let before = assess(
            &domain(),
            &seen(
                vec![mx("mx1.oldhost.net", 86400)],
                &[SPF_RECORD],
                Some(AUTODISCOVER_TARGET),
            ),
        );
        assert!(!before.ttl_ok);
        assert!(
            before
                .advice
                .iter()
                .any(|a| a.contains("mx1.oldhost.net has 86400 seconds")),
            "{:?}",
            before.advice
        );
        let after = assess(
            &domain(),
            &seen(
                vec![mx(MS, 86400)],
                &[SPF_RECORD],
                Some(AUTODISCOVER_TARGET),
            ),
        );
        assert!(!after.ttl_ok);
        assert!(after.advice.is_empty(), "{:?}", after.advice);
    }

    #[test]
    fn ready_needs_switched_mx_spf_and_autodiscover() {
        let all = assess(
            &domain(),
            &seen(vec![mx(MS, 3600)], &[SPF_RECORD], Some(AUTODISCOVER_TARGET)),
        );
        assert!(all.ready() && all.points_to_microsoft && all.advice.is_empty());
        assert_eq!(all.expected_mx, None);
        let mixed = assess(
            &domain(),
            &seen(
                vec![mx(MS, 3600), mx("mx.oldhost.net", 3600)],
                &[SPF_RECORD],
                Some(AUTODISCOVER_TARGET),
            ),
        );
        assert_eq!(mixed.stage, Stage::Switching);
        assert!(!mixed.ready() && !mixed.points_to_microsoft);
        assert!(
            mixed.advice[0].contains("mx.oldhost.net") && !mixed.advice[0].contains(MS),
            "{:?}",
            mixed.advice
        );
        let no_autodiscover = assess(&domain(), &seen(vec![mx(MS, 3600)], &[SPF_RECORD], None));
        assert!(!no_autodiscover.ready());
    }
}
