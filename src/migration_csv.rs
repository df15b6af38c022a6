//! Microsoft's IMAP migration CSV (`EmailAddress,UserName,Password[,UserRoot]`), validated the
//! way the Microsoft 365 admin center validates it — the whole file is refused if anything is
//! wrong — but with every problem listed at once, by line and column.

use std::collections::HashMap;

use serde::Serialize;

use crate::secrets::SecretString;

pub const MAX_ROWS: usize = 50_000;
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

const REQUIRED: [&str; 3] = ["EmailAddress", "UserName", "Password"];
const OPTIONAL: [&str; 1] = ["UserRoot"];

/// One mailbox to migrate.
#[derive(Clone, Debug)]
pub struct CsvUser {
    /// The destination mailbox.
    pub email_address: String,
    /// The sign-in name on the source server.
    pub user_name: String,
    /// Empty only where [`Passwords::Optional`] allowed it.
    pub password: SecretString,
    pub user_root: Option<String>,
    /// The line of the file the user came from, for messages.
    pub line: u64,
}

/// One reason the file was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CsvProblem {
    /// 1-based line in the file; 0 for problems with the file as a whole.
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
}

impl std::fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.line, &self.column) {
            (0, _) => write!(f, "{}", self.message),
            (line, Some(column)) => write!(f, "line {line}, {column}: {}", self.message),
            (line, None) => write!(f, "line {line}: {}", self.message),
        }
    }
}

fn problem(line: u64, column: Option<&str>, message: impl Into<String>) -> CsvProblem {
    CsvProblem {
        line,
        column: column.map(str::to_string),
        message: message.into(),
    }
}

/// Whether each row needs a password.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Passwords {
    /// The old mailboxes are opened with passwords (Microsoft's rule).
    #[default]
    Required,
    /// The old mailboxes sign in with Microsoft or Google: the Password column stays (the
    /// format has it), but may be left empty.
    Optional,
}

impl Passwords {
    /// Optional when the old mailboxes sign in with Microsoft or Google.
    pub fn when_signing_in(signs_in: bool) -> Passwords {
        if signs_in {
            Passwords::Optional
        } else {
            Passwords::Required
        }
    }
}

/// Reads and validates a whole file whose rows all need a password.
pub fn parse(bytes: &[u8]) -> Result<Vec<CsvUser>, Vec<CsvProblem>> {
    parse_with(bytes, Passwords::Required)
}

/// Reads and validates a whole file. Either every row is good, or nothing is imported.
pub fn parse_with(bytes: &[u8], passwords: Passwords) -> Result<Vec<CsvUser>, Vec<CsvProblem>> {
    if bytes.len() > MAX_BYTES {
        return Err(vec![problem(0, None, format!(
            "the file is {:.1} MB; Microsoft's limit, which Mailferry keeps, is 10 MB. Split it into several batches.",
            bytes.len() as f64 / 1_048_576.0
        ))]);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(vec![problem(0, None, "the file is empty; it needs a header line EmailAddress,UserName,Password and one line per mailbox")]);
    }
    if std::str::from_utf8(bytes).is_err() {
        return Err(vec![problem(
            0,
            None,
            "the file is not UTF-8 text; in Excel, save it as \"CSV UTF-8 (Comma delimited)\"",
        )]);
    }
    let lines = LineIndex::new(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(e)) => {
            return Err(vec![problem(
                1,
                None,
                format!("the header line cannot be read: {e}"),
            )])
        }
        None => return Err(vec![problem(0, None, "the file is empty")]),
    };
    // A header with problems still lets the rows be checked, so the owner sees every
    // problem at once (near misses like "Email Address" are read as the column they meant).
    let (columns, mut problems) = check_header(&header);
    if columns.is_empty() {
        return Err(problems);
    }

    let header_ok = problems.is_empty();
    let mut users = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut rows = 0usize;
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map(|p| lines.line_of(p.byte())).unwrap_or(0);
                problems.push(problem(
                    line,
                    None,
                    format!("this line cannot be read: {e}"),
                ));
                continue;
            }
        };
        let line = record
            .position()
            .map(|p| lines.line_of(p.byte()))
            .unwrap_or(0);
        if record.iter().all(|field| field.trim().is_empty()) {
            // Excel leaves blank lines at the end; they are not mailboxes.
            continue;
        }
        rows += 1;
        if rows > MAX_ROWS {
            problems.push(problem(line, None, format!("more than {MAX_ROWS} mailboxes; Microsoft's limit, which Mailferry keeps, is {MAX_ROWS} per batch")));
            break;
        }
        if record.len() != header.len() {
            problems.push(problem(
                line,
                None,
                format!(
                    "this line has {} values but the header has {} columns",
                    record.len(),
                    header.len()
                ),
            ));
            continue;
        }
        let field = |name: &str| {
            columns
                .get(name)
                .and_then(|i| record.get(*i))
                .map(str::trim)
                .unwrap_or("")
        };
        let email = field("EmailAddress");
        let user_name = field("UserName");
        // Passwords are taken exactly as written: spaces may be part of them.
        let password = columns
            .get("Password")
            .and_then(|i| record.get(*i))
            .unwrap_or("");
        let mut row_ok = true;
        if !columns.contains_key("EmailAddress") {
            // Nothing to check without the column; the header problem says why.
        } else if let Err(why) = check_email(email) {
            problems.push(problem(line, Some("EmailAddress"), why));
            row_ok = false;
        } else if let Some(first) = seen.insert(email.to_lowercase(), line) {
            problems.push(problem(
                line,
                Some("EmailAddress"),
                format!("{email} is already listed on line {first}"),
            ));
            row_ok = false;
        }
        if columns.contains_key("UserName") && user_name.is_empty() {
            problems.push(problem(
                line,
                Some("UserName"),
                "is empty; give the sign-in name on the old server",
            ));
            row_ok = false;
        }
        if columns.contains_key("Password")
            && password.is_empty()
            && passwords == Passwords::Required
        {
            problems.push(problem(
                line,
                Some("Password"),
                "is empty; give the password (or app password) for the old server",
            ));
            row_ok = false;
        }
        if row_ok {
            let user_root = Some(field("UserRoot"))
                .filter(|r| !r.is_empty())
                .map(str::to_string);
            users.push(CsvUser {
                email_address: email.to_string(),
                user_name: user_name.to_string(),
                password: SecretString::new(password.to_string()),
                user_root,
                line,
            });
        }
    }
    if !header_ok {
        return Err(problems);
    }
    if users.is_empty() && problems.is_empty() {
        problems.push(problem(0, None, "the file has a header but no mailboxes"));
    }
    if problems.is_empty() {
        Ok(users)
    } else {
        Err(problems)
    }
}

/// Line numbers from byte offsets. The csv crate's own line count is off by one after
/// CRLF line ends (Excel's), and people find rows by the number their editor shows.
struct LineIndex {
    bytes_len: usize,
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(bytes: &[u8]) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex {
            bytes_len: bytes.len(),
            starts,
        }
    }

    /// A record "starting" on a line's terminator belongs to the next line.
    fn line_of(&self, offset: u64) -> u64 {
        let offset = (offset as usize).min(self.bytes_len);
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        let next_start = self.starts.get(line).copied();
        // Offsets pointing at the "\n" of a CRLF pair are the start of the next line.
        if next_start == Some(offset + 1) {
            return line as u64 + 1;
        }
        line as u64
    }
}

/// Maps column names to positions; every header problem is reported, with a suggestion
/// for near misses ("Email Address" → "EmailAddress").
fn check_header(header: &csv::StringRecord) -> (HashMap<&'static str, usize>, Vec<CsvProblem>) {
    let mut problems = Vec::new();
    if header.len() == 1 {
        let only = header.get(0).unwrap_or("");
        if only.contains(';') || only.contains('\t') || only.contains('|') {
            return (HashMap::new(), vec![problem(1, None, "the values are not separated by commas; save the file as \"CSV (Comma delimited)\"")]);
        }
    }
    let mut columns = HashMap::new();
    for (index, raw) in header.iter().enumerate() {
        let name = raw.trim();
        match REQUIRED
            .iter()
            .chain(OPTIONAL.iter())
            .find(|known| **known == name)
        {
            Some(known) => {
                if columns.insert(*known, index).is_some() {
                    problems.push(problem(1, Some(name), "this column appears twice"));
                }
            }
            None => {
                let squashed: String = name
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .collect::<String>()
                    .to_lowercase();
                let suggestion = REQUIRED
                    .iter()
                    .chain(OPTIONAL.iter())
                    .find(|known| known.to_lowercase() == squashed);
                let message = match suggestion {
                    Some(known) => {
                        columns.entry(*known).or_insert(index);
                        format!("unknown column \"{name}\"; did you mean {known}? Column names must be written exactly")
                    }
                    None => format!("unknown column \"{name}\"; the columns are EmailAddress, UserName, Password and optionally UserRoot"),
                };
                problems.push(problem(1, Some(name), message));
            }
        }
    }
    for required in REQUIRED {
        if !columns.contains_key(required) {
            problems.push(problem(
                1,
                Some(required),
                format!("the column {required} is missing"),
            ));
        }
    }
    (columns, problems)
}

/// A practical address check: one `@`, something before it, a dotted domain after it,
/// no spaces or control characters. (Full RFC 5322 syntax accepts things no mailbox has.)
pub fn check_email(email: &str) -> Result<(), String> {
    if email.is_empty() {
        return Err("is empty; give the Microsoft 365 mailbox address".into());
    }
    let bad = || Err(format!("\"{email}\" is not an email address"));
    let Some((local, domain)) = email.split_once('@') else {
        return bad();
    };
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
        || email.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(c, ',' | ';' | '<' | '>' | '(' | ')' | '[' | ']' | '"')
        })
    {
        return bad();
    }
    Ok(())
}

#[cfg(test)]
mod tests;
