//! Building IMAP command lines, with strings quoted or sent as literals as RFC 3501 requires.

/// One piece of a command: protocol text, or bytes that must travel as a literal.
#[derive(Debug)]
pub(crate) enum Part {
    Text(Vec<u8>),
    Literal(Vec<u8>),
}

/// What a command may bring back, so that the connection can refuse a server that sends far
/// more (a hostile or broken server) and give the command a deadline fit for its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// The largest literal an answer may carry (a message body, a folder name).
    pub max_literal: u64,
    /// Roughly how many bytes go back and forth, for the command's deadline.
    pub expected_bytes: u64,
    /// How many untagged responses the answer may hold.
    pub max_responses: u64,
}

impl Budget {
    /// The most an answer may bring in all: generous over what is expected, so that only a
    /// server that floods is cut off.
    pub fn max_bytes(&self) -> u64 {
        self.expected_bytes
            .saturating_mul(4)
            .saturating_add(16 * 1024 * 1024)
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_literal: 1024 * 1024,
            expected_bytes: 64 * 1024,
            max_responses: 1000,
        }
    }
}

/// A command without its tag. `label` names it in errors and logs, and never holds a secret.
#[derive(Debug)]
pub struct Command {
    pub(crate) label: String,
    pub(crate) parts: Vec<Part>,
    pub(crate) budget: Budget,
}

impl Command {
    /// Starts a command with protocol text such as `UID FETCH 1:* (FLAGS)`.
    pub fn new(text: impl Into<String>) -> Command {
        let text = text.into();
        let label = text
            .split_whitespace()
            .take_while(|word| word.chars().all(|c| c.is_ascii_alphabetic()))
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        Command {
            label,
            parts: vec![Part::Text(text.into_bytes())],
            budget: Budget::default(),
        }
    }

    /// Allows literals up to `bytes` in the answer (message bodies, header blocks).
    pub fn max_literal(mut self, bytes: u64) -> Command {
        self.budget.max_literal = bytes.max(self.budget.max_literal);
        self
    }

    /// Expects up to `count` untagged responses of about `bytes_each` (a FETCH of many
    /// messages), which also lengthens the command's deadline.
    pub fn expect_responses(mut self, count: u64, bytes_each: u64) -> Command {
        self.budget.max_responses = self.budget.max_responses.saturating_add(count);
        self.budget.expected_bytes = self
            .budget
            .expected_bytes
            .saturating_add(count.saturating_mul(bytes_each));
        self
    }

    /// Expects about `bytes` more to travel (message bodies), for the deadline.
    pub fn expect_bytes(mut self, bytes: u64) -> Command {
        self.budget.expected_bytes = self.budget.expected_bytes.saturating_add(bytes);
        self
    }

    pub fn budget(&self) -> Budget {
        self.budget
    }

    /// Appends more protocol text.
    pub fn text(mut self, text: &str) -> Command {
        self.parts.push(Part::Text(text.as_bytes().to_vec()));
        self
    }

    /// Appends a string argument: quoted when that is safe, else a literal.
    pub fn string(mut self, value: &[u8]) -> Command {
        if can_quote(value) {
            let mut quoted = Vec::with_capacity(value.len() + 2);
            quoted.push(b'"');
            for &byte in value {
                if byte == b'"' || byte == b'\\' {
                    quoted.push(b'\\');
                }
                quoted.push(byte);
            }
            quoted.push(b'"');
            self.parts.push(Part::Text(quoted));
        } else {
            self.parts.push(Part::Literal(value.to_vec()));
        }
        self
    }

    /// Appends raw bytes that must go as a literal (message contents).
    pub fn literal(mut self, bytes: Vec<u8>) -> Command {
        self.budget.expected_bytes = self
            .budget
            .expected_bytes
            .saturating_add(bytes.len() as u64);
        self.parts.push(Part::Literal(bytes));
        self
    }

    /// Replaces the label, for commands whose text must not be logged.
    pub fn labelled(mut self, label: &str) -> Command {
        self.label = label.to_string();
        self
    }

    pub fn label(&self) -> &str {
        &self.label
    }
}

fn can_quote(value: &[u8]) -> bool {
    value.len() < 1000
        && value
            .iter()
            .all(|&b| b.is_ascii() && b != b'\r' && b != b'\n' && b != 0)
}

/// Writes a set of UIDs compactly (`1:5,9,12:14`) to keep command lines short.
pub fn uid_set(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_are_compact() {
        assert_eq!(uid_set(&[5, 1, 2, 3, 9, 12, 13, 14]), "1:3,5,9,12:14");
        assert_eq!(uid_set(&[7]), "7");
    }

    #[test]
    fn strings_are_quoted_or_literal() {
        let c = Command::new("SELECT ").string(br#"a "b" \c"#);
        assert!(matches!(&c.parts[1], Part::Text(t) if t == br#""a \"b\" \\c""#));
        let c = Command::new("LOGIN ").string("pässword".as_bytes());
        assert!(matches!(&c.parts[1], Part::Literal(_)));
        assert_eq!(Command::new("UID FETCH 1:* (FLAGS)").label(), "UID FETCH");
    }
}
