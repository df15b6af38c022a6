//! Which of a message's flags a destination keeps, and how each must be given. The copy, the
//! flag sync and `verify` all ask here, so they can never disagree.

use crate::exchange;

/// What to do with one message's flags on the way into a destination folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagPlan {
    /// Flags to give with the APPEND.
    pub at_append: Vec<String>,
    /// Set with `UID STORE +FLAGS` right after the APPEND: Exchange drops \Flagged given at
    /// APPEND but keeps it when stored afterwards.
    pub after_append: Vec<String>,
    /// Keywords the destination cannot keep (its PERMANENTFLAGS lack them and `\*`), to be
    /// reported per folder rather than dropped silently.
    pub not_kept: Vec<String>,
    /// Keywords deliberately not sent (`$MDNSent` to Exchange), counted in the report.
    pub withheld: Vec<String>,
}

impl FlagPlan {
    /// Every flag the destination ends up with, whenever it is set.
    pub fn kept(&self) -> Vec<String> {
        let mut kept: Vec<String> = self
            .at_append
            .iter()
            .chain(&self.after_append)
            .cloned()
            .collect();
        kept.sort_unstable();
        kept
    }

    /// Keywords that will not reach the destination, whatever the reason.
    pub fn left_behind(&self) -> impl Iterator<Item = &String> {
        self.not_kept.iter().chain(&self.withheld)
    }
}

/// Splits a message's source flags for a destination folder that announced
/// `permanent_flags` (`None`: none announced, so every flag is kept). `\Recent` can never be
/// set by a client and `\Deleted` is never copied.
pub fn plan(flags: &[String], permanent_flags: Option<&[String]>, exchange: bool) -> FlagPlan {
    let mut plan = FlagPlan::default();
    for flag in flags {
        if flag.eq_ignore_ascii_case("\\Recent") || flag.eq_ignore_ascii_case("\\Deleted") {
            continue;
        }
        if exchange && exchange::is_withheld_keyword(flag) {
            plan.withheld.push(flag.clone());
        } else if !is_kept(flag, permanent_flags) {
            plan.not_kept.push(flag.clone());
        } else if exchange && exchange::flag_must_follow_append(flag) {
            plan.after_append.push(flag.clone());
        } else {
            plan.at_append.push(flag.clone());
        }
    }
    plan
}

/// Whether `flag` survives on a server announcing `permanent_flags`.
pub fn is_kept(flag: &str, permanent_flags: Option<&[String]>) -> bool {
    match permanent_flags {
        None => true,
        Some(flags) => {
            flags.iter().any(|f| f.eq_ignore_ascii_case(flag))
                || (!flag.starts_with('\\') && flags.iter().any(|f| f == "\\*"))
        }
    }
}

/// Flags as a comparable key: sorted, space-separated, without \Recent (which no client can
/// set).
pub fn key(flags: &[String]) -> String {
    let mut kept: Vec<&str> = flags
        .iter()
        .map(String::as_str)
        .filter(|f| !f.eq_ignore_ascii_case("\\Recent"))
        .collect();
    kept.sort_unstable();
    kept.join(" ")
}

/// The flags of a key, back as a list.
pub fn from_key(key: &str) -> Vec<String> {
    key.split_whitespace().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_server_without_permanentflags_keeps_everything_but_recent_and_deleted() {
        let plan = plan(
            &strings(&["\\Seen", "\\Recent", "\\Deleted", "$Work", "\\Flagged"]),
            None,
            false,
        );
        assert_eq!(plan.at_append, strings(&["\\Seen", "$Work", "\\Flagged"]));
        assert!(plan.after_append.is_empty() && plan.not_kept.is_empty());
    }

    #[test]
    fn keywords_need_a_wildcard_or_their_name() {
        let permanent = strings(&["\\Seen", "$Forwarded"]);
        let plan = plan(
            &strings(&["\\Seen", "$Forwarded", "Work"]),
            Some(&permanent),
            false,
        );
        assert_eq!(plan.at_append, strings(&["\\Seen", "$Forwarded"]));
        assert_eq!(plan.not_kept, strings(&["Work"]));
        let open = strings(&["\\Seen", "\\*"]);
        assert!(is_kept("Work", Some(&open)));
        assert!(!is_kept("\\Flagged", Some(&open)));
    }

    #[test]
    fn exchange_gets_flagged_after_append_and_never_mdnsent() {
        let permanent = exchange::exchange_permanent_flags();
        let plan = plan(
            &strings(&["\\Seen", "\\Flagged", "$MDNSent", "$Work"]),
            Some(&permanent),
            true,
        );
        assert_eq!(plan.at_append, strings(&["\\Seen"]));
        assert_eq!(plan.after_append, strings(&["\\Flagged"]));
        assert_eq!(plan.withheld, strings(&["$MDNSent"]));
        assert_eq!(plan.not_kept, strings(&["$Work"]));
        assert_eq!(plan.kept(), strings(&["\\Flagged", "\\Seen"]));
        assert_eq!(plan.left_behind().count(), 2);
    }

    #[test]
    fn keys_are_sorted_and_never_hold_recent() {
        let key = key(&strings(&["\\Seen", "\\Recent", "$Forwarded"]));
        assert_eq!(key, "$Forwarded \\Seen");
        assert_eq!(from_key(&key), strings(&["$Forwarded", "\\Seen"]));
    }
}
