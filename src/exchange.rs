//! Exchange Online's IMAP rules, as pure decisions the copy engine asks about.
//!
//! Exchange accepts IMAP but keeps less than a generic server: a few keywords only, no
//! \Flagged given at APPEND, no line longer than 10,500 characters, 35 MB messages by
//! default. These functions say what to do about each; the engine does the I/O.

/// Exchange Online's default limit for a message (35 MB); tenants can raise it to 150 MB,
/// and `--max-message-size` says so. Elsewhere the server's APPENDLIMIT, if any, decides.
pub const EXCHANGE_ONLINE_MAX_MESSAGE: u64 = 35 * 1024 * 1024;

/// The longest line (in bytes, without its line ending) Exchange Online accepts in an
/// APPENDed message; a longer one gets `BAD Command Argument Error. 11`.
pub const EXCHANGE_LINE_LIMIT: usize = 10_500;

/// Keywords Exchange Online keeps besides the system flags: its PERMANENTFLAGS are
/// `(\Seen \Answered \Flagged \Deleted \Draft $MDNSent)`, without `\*`.
const EXCHANGE_PERMANENT_KEYWORDS: [&str; 1] = ["$MDNSent"];

/// Keywords Mailferry never sends to Exchange even though it would keep them: `$MDNSent`
/// turns into a visible category called "$MDNSent" in Outlook, and the read-receipt state it
/// records is carried by \Seen already.
const NEVER_SENT_TO_EXCHANGE: [&str; 1] = ["$MDNSent"];

/// Host names of Exchange Online's IMAP service, worldwide and in the national clouds
/// (US Government, China operated by 21Vianet, the former German cloud).
const EXCHANGE_ONLINE_HOSTS: [&str; 5] = [
    "outlook.office365.com",
    "outlook.office365.us",
    "partner.outlook.cn",
    "outlook.office.de",
    "outlook.office365.de",
];

/// Whether the server is Exchange (Online or on-premises): by its greeting, which also
/// catches custom names behind proxies and load balancers, or by Exchange Online's host
/// names, which also catches a greeting a proxy rewrote.
pub fn is_exchange(greeting: &str, host: &str) -> bool {
    greeting.to_ascii_lowercase().contains("microsoft exchange") || is_exchange_online_host(host)
}

/// Whether `host` is one of Exchange Online's IMAP addresses (or a name under one), or
/// Outlook.com's, which runs on the same service.
pub fn is_exchange_online_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let under = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
    EXCHANGE_ONLINE_HOSTS.iter().any(|domain| under(domain))
        || under("office365.com")
        || under("outlook.com")
}

/// The largest message to send when the owner set no limit: Exchange's 35 MB whoever the
/// host is (a greeting says Exchange behind a custom name too); elsewhere none, and the
/// server's APPENDLIMIT decides.
pub fn default_max_message_size(greeting: &str, host: &str) -> Option<u64> {
    is_exchange(greeting, host).then_some(EXCHANGE_ONLINE_MAX_MESSAGE)
}

/// The line limit to respect when delivering to this server, if it has one.
pub fn line_limit(greeting: &str, host: &str) -> Option<usize> {
    is_exchange(greeting, host).then_some(EXCHANGE_LINE_LIMIT)
}

pub use crate::flags::FlagPlan;
use crate::flags::{is_kept, Flag};

/// Splits a message's source flags for an Exchange destination (see [`crate::flags::plan`]).
pub fn plan_flags(flags: &[String], permanent_flags: Option<&[String]>) -> FlagPlan {
    crate::flags::plan(&crate::flags::parse_all(flags), permanent_flags, true)
}

/// Keywords Exchange cannot keep among `flags`, given a folder's PERMANENTFLAGS (Exchange
/// Online's own when `None`). `$MDNSent` is not among them: it is kept, just never sent.
pub fn keywords_not_kept(flags: &[String], permanent_flags: Option<&[String]>) -> Vec<String> {
    let exchange_default: Vec<String> = exchange_permanent_flags();
    let permanent = permanent_flags.unwrap_or(&exchange_default);
    flags
        .iter()
        .filter(|atom| {
            let flag = Flag::parse(atom);
            flag.is_keyword() && !is_kept(&flag, Some(permanent))
        })
        .cloned()
        .collect()
}

/// Whether Mailferry withholds this keyword from Exchange (see `NEVER_SENT_TO_EXCHANGE`).
pub fn is_withheld_keyword(flag: &str) -> bool {
    NEVER_SENT_TO_EXCHANGE
        .iter()
        .any(|k| k.eq_ignore_ascii_case(flag))
}

/// Whether Exchange drops `flag` when it is given at APPEND, so it must be stored after.
pub fn flag_must_follow_append(flag: &str) -> bool {
    flag.eq_ignore_ascii_case("\\Flagged")
}

/// Exchange Online's PERMANENTFLAGS, as it announces them on SELECT.
pub fn exchange_permanent_flags() -> Vec<String> {
    ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"]
        .iter()
        .copied()
        .chain(EXCHANGE_PERMANENT_KEYWORDS)
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GREETING: &str =
        "The Microsoft Exchange IMAP4 service is ready. [TQBOADIAUABSADAANgBDAEEAMAAwADAAMwA=]";

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn exchange_is_known_by_host_in_every_cloud() {
        for host in [
            "outlook.office365.com",
            "OUTLOOK.OFFICE365.COM",
            "outlook.office365.com.",
            "eur.outlook.office365.com",
            "outlook.office365.us",
            "partner.outlook.cn",
            "outlook.office.de",
            "imap-mail.outlook.com",
        ] {
            assert!(is_exchange("* OK ready", host), "{host}");
        }
        for host in [
            "imap.gmail.com",
            "mail.example.com",
            "notoutlook.office365.us.example.com",
            "myoffice365.company.com",
        ] {
            assert!(!is_exchange("Dovecot ready.", host), "{host}");
        }
    }

    #[test]
    fn exchange_is_known_by_greeting_behind_any_name() {
        assert!(is_exchange(GREETING, "mail.contoso.com"));
        assert!(is_exchange(
            "The MICROSOFT EXCHANGE IMAP4 service is ready.",
            "10.0.0.5"
        ));
        assert!(!is_exchange("Dovecot (Ubuntu) ready.", "mail.contoso.com"));
    }

    #[test]
    fn exchange_gets_35_mb_whoever_the_host() {
        assert_eq!(
            default_max_message_size("", "outlook.office365.com"),
            Some(36_700_160)
        );
        assert_eq!(
            default_max_message_size("", "outlook.office365.us"),
            Some(EXCHANGE_ONLINE_MAX_MESSAGE)
        );
        assert_eq!(
            default_max_message_size(GREETING, "imap.contoso.com"),
            Some(EXCHANGE_ONLINE_MAX_MESSAGE)
        );
        assert_eq!(
            default_max_message_size("Dovecot ready.", "imap.example.com"),
            None
        );
    }

    #[test]
    fn line_limit_applies_to_exchange_only() {
        assert_eq!(EXCHANGE_LINE_LIMIT, 10_500);
        assert_eq!(line_limit(GREETING, "x"), Some(10_500));
        assert_eq!(line_limit("Dovecot ready.", "imap.example.com"), None);
    }

    #[test]
    fn flags_are_split_for_exchange() {
        let permanent = exchange_permanent_flags();
        let plan = plan_flags(
            &strings(&[
                "\\Seen",
                "\\Flagged",
                "\\Recent",
                "$MDNSent",
                "$Label1",
                "\\Answered",
            ]),
            Some(&permanent),
        );
        assert_eq!(plan.at_append, [Flag::Seen, Flag::Answered]);
        assert_eq!(plan.after_append, [Flag::Flagged]);
        assert_eq!(plan.not_kept, [Flag::Keyword("$Label1".into())]);
        assert_eq!(plan.withheld, [Flag::Keyword("$MDNSent".into())]);
    }

    #[test]
    fn flagged_follows_append_even_without_permanentflags() {
        let plan = plan_flags(&strings(&["\\flagged", "Work"]), None);
        assert_eq!(plan.after_append, [Flag::Flagged]);
        assert_eq!(plan.at_append, [Flag::Keyword("Work".into())]);
        assert!(plan.not_kept.is_empty());
        assert!(flag_must_follow_append("\\Flagged"));
        assert!(!flag_must_follow_append("\\Seen"));
    }

    #[test]
    fn keywords_exchange_cannot_keep() {
        let flags = strings(&["\\Seen", "$MDNSent", "$Forwarded", "Important", "\\Draft"]);
        assert_eq!(
            keywords_not_kept(&flags, None),
            strings(&["$Forwarded", "Important"])
        );
        let with_star = strings(&["\\Seen", "\\*"]);
        assert!(keywords_not_kept(&flags, Some(&with_star)).is_empty());
        assert!(is_withheld_keyword("$mdnsent"));
        assert!(!is_withheld_keyword("$Forwarded"));
    }

    #[test]
    fn exchange_permanentflags_have_no_wildcard() {
        let flags = exchange_permanent_flags();
        assert!(flags.iter().any(|f| f == "$MDNSent"));
        assert!(!flags.iter().any(|f| f == "\\*"));
        assert_eq!(flags.len(), 6);
    }
}
