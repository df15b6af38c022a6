//! Message flags, and which of them a destination keeps and how each must be given. The
//! copy, the flag sync and `verify` all ask here, so they can never disagree.

use std::fmt;

use crate::exchange;

/// One IMAP flag. System flags are matched without regard to case, as IMAP compares them,
/// and printed in their standard spelling; keywords keep the spelling the server gave.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Flag {
    Seen,
    Answered,
    Flagged,
    Deleted,
    Draft,
    /// Set by the server only: no client can give it, so it is never copied.
    Recent,
    /// A keyword (`$Forwarded`, `Work`): kept by a folder announcing `\*`.
    Keyword(String),
    /// A backslash flag no standard defines (`\Junk` from some servers). Kept apart from
    /// keywords because `\*` in PERMANENTFLAGS lets a client create keywords, not these.
    Extension(String),
}

impl Flag {
    /// Reads one flag atom as a server sent it. Never fails: anything that is not a system
    /// flag is a keyword or an extension, carried as it came.
    pub fn parse(atom: &str) -> Flag {
        const SYSTEM: [(&str, Flag); 6] = [
            ("\\Seen", Flag::Seen),
            ("\\Answered", Flag::Answered),
            ("\\Flagged", Flag::Flagged),
            ("\\Deleted", Flag::Deleted),
            ("\\Draft", Flag::Draft),
            ("\\Recent", Flag::Recent),
        ];
        if let Some((_, flag)) = SYSTEM.iter().find(|(s, _)| s.eq_ignore_ascii_case(atom)) {
            return flag.clone();
        }
        if atom.starts_with('\\') {
            Flag::Extension(atom.to_string())
        } else {
            Flag::Keyword(atom.to_string())
        }
    }

    /// The atom to send to a server.
    pub fn as_str(&self) -> &str {
        match self {
            Flag::Seen => "\\Seen",
            Flag::Answered => "\\Answered",
            Flag::Flagged => "\\Flagged",
            Flag::Deleted => "\\Deleted",
            Flag::Draft => "\\Draft",
            Flag::Recent => "\\Recent",
            Flag::Keyword(atom) | Flag::Extension(atom) => atom,
        }
    }

    pub fn is_keyword(&self) -> bool {
        matches!(self, Flag::Keyword(_))
    }

    /// Whether a flag atom a server announced (in PERMANENTFLAGS, say) names this flag.
    pub fn is_named(&self, atom: &str) -> bool {
        self.as_str().eq_ignore_ascii_case(atom)
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Reads a list of flag atoms as a server sent them.
pub fn parse_all(atoms: &[String]) -> Vec<Flag> {
    atoms.iter().map(|atom| Flag::parse(atom)).collect()
}

/// Flags as atoms, for the commands that carry them.
pub fn atoms(flags: &[Flag]) -> Vec<String> {
    flags.iter().map(|flag| flag.as_str().to_string()).collect()
}

/// Whether a message with these flags is deleted (and so never copied).
pub fn is_deleted(atoms: &[String]) -> bool {
    atoms.iter().any(|atom| Flag::parse(atom) == Flag::Deleted)
}

/// What to do with one message's flags on the way into a destination folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagPlan {
    /// Flags to give with the APPEND.
    pub at_append: Vec<Flag>,
    /// Set with `UID STORE +FLAGS` right after the APPEND: Exchange drops \Flagged given at
    /// APPEND but keeps it when stored afterwards.
    pub after_append: Vec<Flag>,
    /// Keywords the destination cannot keep (its PERMANENTFLAGS lack them and `\*`), to be
    /// reported per folder rather than dropped silently.
    pub not_kept: Vec<Flag>,
    /// Keywords deliberately not sent (`$MDNSent` to Exchange), counted in the report.
    pub withheld: Vec<Flag>,
}

impl FlagPlan {
    /// Every flag the destination ends up with, whenever it is set, in key order.
    pub fn kept(&self) -> Vec<Flag> {
        let mut kept: Vec<Flag> = self
            .at_append
            .iter()
            .chain(&self.after_append)
            .cloned()
            .collect();
        kept.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
        kept
    }

    /// Keywords that will not reach the destination, whatever the reason.
    pub fn left_behind(&self) -> impl Iterator<Item = &Flag> {
        self.not_kept.iter().chain(&self.withheld)
    }
}

/// Splits a message's source flags for a destination folder that announced
/// `permanent_flags` (`None`: none announced, so every flag is kept). `\Recent` can never be
/// set by a client and `\Deleted` is never copied.
pub fn plan(flags: &[Flag], permanent_flags: Option<&[String]>, exchange: bool) -> FlagPlan {
    let mut plan = FlagPlan::default();
    for flag in flags {
        if matches!(flag, Flag::Recent | Flag::Deleted) {
            continue;
        }
        if exchange && exchange::is_withheld_keyword(flag.as_str()) {
            plan.withheld.push(flag.clone());
        } else if !is_kept(flag, permanent_flags) {
            plan.not_kept.push(flag.clone());
        } else if exchange && exchange::flag_must_follow_append(flag.as_str()) {
            plan.after_append.push(flag.clone());
        } else {
            plan.at_append.push(flag.clone());
        }
    }
    plan
}

/// Whether `flag` survives on a server announcing `permanent_flags`.
pub fn is_kept(flag: &Flag, permanent_flags: Option<&[String]>) -> bool {
    match permanent_flags {
        None => true,
        Some(permanent) => {
            permanent.iter().any(|atom| flag.is_named(atom))
                || (flag.is_keyword() && permanent.iter().any(|atom| atom == "\\*"))
        }
    }
}

/// Flags as the state database keeps them, so runs can compare: sorted, space-separated,
/// without \Recent (which no client can set). Databases written before flags were typed
/// hold the same text for the same flags.
pub fn key(flags: &[Flag]) -> String {
    let mut kept: Vec<&str> = flags
        .iter()
        .filter(|flag| **flag != Flag::Recent)
        .map(Flag::as_str)
        .collect();
    kept.sort_unstable();
    kept.join(" ")
}

/// The flags of a key, back as a list.
pub fn from_key(key: &str) -> Vec<Flag> {
    key.split_whitespace().map(Flag::parse).collect()
}

/// Whether a recorded key stands for the same flags as `flags`. The key is read back rather
/// than compared as text, so a system flag recorded in another case still matches.
pub fn matches_key(recorded: &str, flags: &[Flag]) -> bool {
    key(&from_key(recorded)) == key(flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(list: &[&str]) -> Vec<Flag> {
        list.iter().map(|atom| Flag::parse(atom)).collect()
    }

    #[test]
    fn system_flags_are_read_in_any_case_and_keywords_as_given() {
        assert_eq!(Flag::parse("\\SEEN"), Flag::Seen);
        assert_eq!(Flag::parse("\\flagged").to_string(), "\\Flagged");
        assert_eq!(Flag::parse("$Work"), Flag::Keyword("$Work".into()));
        assert_eq!(Flag::parse("$Work").as_str(), "$Work");
        assert_eq!(Flag::parse("\\Junk"), Flag::Extension("\\Junk".into()));
        assert!(!Flag::parse("\\Junk").is_keyword());
        assert!(Flag::Seen.is_named("\\seen"));
        assert!(is_deleted(&["\\DELETED".to_string()]));
        assert_eq!(atoms(&flags(&["\\seen", "Work"])), ["\\Seen", "Work"]);
    }

    #[test]
    fn a_server_without_permanentflags_keeps_everything_but_recent_and_deleted() {
        let plan = plan(
            &flags(&["\\Seen", "\\Recent", "\\Deleted", "$Work", "\\Flagged"]),
            None,
            false,
        );
        assert_eq!(plan.at_append, flags(&["\\Seen", "$Work", "\\Flagged"]));
        assert!(plan.after_append.is_empty() && plan.not_kept.is_empty());
    }

    #[test]
    fn keywords_need_a_wildcard_or_their_name() {
        let permanent = ["\\Seen".to_string(), "$Forwarded".to_string()];
        let plan = plan(
            &flags(&["\\Seen", "$Forwarded", "Work"]),
            Some(&permanent),
            false,
        );
        assert_eq!(plan.at_append, flags(&["\\Seen", "$Forwarded"]));
        assert_eq!(plan.not_kept, flags(&["Work"]));
        let open = ["\\Seen".to_string(), "\\*".to_string()];
        assert!(is_kept(&Flag::parse("Work"), Some(&open)));
        assert!(!is_kept(&Flag::Flagged, Some(&open)));
        assert!(!is_kept(&Flag::parse("\\Junk"), Some(&open)));
    }

    #[test]
    fn exchange_gets_flagged_after_append_and_never_mdnsent() {
        let permanent = exchange::exchange_permanent_flags();
        let plan = plan(
            &flags(&["\\Seen", "\\Flagged", "$MDNSent", "$Work"]),
            Some(&permanent),
            true,
        );
        assert_eq!(plan.at_append, [Flag::Seen]);
        assert_eq!(plan.after_append, [Flag::Flagged]);
        assert_eq!(plan.withheld, flags(&["$MDNSent"]));
        assert_eq!(plan.not_kept, flags(&["$Work"]));
        assert_eq!(plan.kept(), [Flag::Flagged, Flag::Seen]);
        assert_eq!(plan.left_behind().count(), 2);
    }

    #[test]
    fn keys_are_sorted_and_never_hold_recent() {
        let key = key(&flags(&["\\Seen", "\\Recent", "$Forwarded", "Work"]));
        // Byte order, as keys were always written: `$` before uppercase before `\`.
        assert_eq!(key, "$Forwarded Work \\Seen");
        assert_eq!(from_key(&key), flags(&["$Forwarded", "Work", "\\Seen"]));
        assert_eq!(super::key(&[]), "");
    }

    #[test]
    fn a_key_recorded_in_another_case_still_matches() {
        assert!(matches_key(
            "$Forwarded \\Seen",
            &flags(&["\\seen", "$Forwarded"])
        ));
        assert!(matches_key("\\SEEN", &[Flag::Seen]));
        assert!(!matches_key("\\Seen", &[Flag::Seen, Flag::Flagged]));
        assert!(!matches_key("$work", &flags(&["$Work"])));
        assert!(matches_key("", &[Flag::Recent]));
    }
}
