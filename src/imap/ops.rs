//! The IMAP commands a migration needs, with their replies turned into plain Rust values.

use std::borrow::Cow;

use imap_proto::{AttributeValue, MailboxDatum, NameAttribute, Response, ResponseCode};

use super::command::{uid_set, Command};
use super::connection::{Connection, Reply};
use super::error::ImapError;

/// A folder as the server lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedFolder {
    /// The name exactly as on the wire (modified UTF-7), needed to select it again.
    pub raw_name: String,
    pub delimiter: Option<char>,
    /// Lower-case attributes: `\noselect`, `\sent`, `\all`, …
    pub attributes: Vec<String>,
}

impl ListedFolder {
    pub fn has_attribute(&self, attribute: &str) -> bool {
        self.attributes
            .iter()
            .any(|a| a.eq_ignore_ascii_case(attribute))
    }
    pub fn is_selectable(&self) -> bool {
        !self.has_attribute("\\noselect") && !self.has_attribute("\\nonexistent")
    }
}

/// What SELECT / EXAMINE tells about a folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderStatus {
    pub uidvalidity: u32,
    pub uidnext: Option<u32>,
    pub exists: u32,
    pub highest_modseq: Option<u64>,
    /// `None` when the server sent no PERMANENTFLAGS (then every flag is permanent).
    pub permanent_flags: Option<Vec<String>>,
}

impl FolderStatus {
    /// Whether a flag set on APPEND or STORE will be kept.
    pub fn keeps_flag(&self, flag: &str) -> bool {
        match &self.permanent_flags {
            None => true,
            Some(flags) => {
                flags.iter().any(|f| f.eq_ignore_ascii_case(flag))
                    || (!flag.starts_with('\\') && flags.iter().any(|f| f == "\\*"))
            }
        }
    }
}

/// A message's identity and metadata, fetched without its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageMeta {
    pub uid: u32,
    pub flags: Vec<String>,
    /// INTERNALDATE exactly as the server wrote it; APPEND takes the same syntax back.
    pub internaldate: String,
    pub size: u64,
    /// The requested header lines (Message-ID, Subject, Date), raw.
    pub header_fields: Vec<u8>,
}

/// More folders than any real mailbox has (large ones have a few thousand).
const MAX_FOLDERS: u64 = 100_000;

/// A message's header block (for fingerprints of messages without a Message-ID) is at most
/// this large; real ones are a few KB, spam sometimes a few hundred.
const MAX_HEADER_BLOCK: u64 = 8 * 1024 * 1024;

/// The header lines fetched with every message's metadata.
pub const META_HEADER_FIELDS: &str = "MESSAGE-ID SUBJECT DATE";

pub async fn list_folders(
    conn: &mut Connection,
    reference: &str,
    pattern: &str,
) -> Result<Vec<ListedFolder>, ImapError> {
    let mut folders = Vec::new();
    // Some accounts have thousands of folders; far more than that is a server talking past us.
    let command = Command::new("LIST ")
        .string(reference.as_bytes())
        .text(" ")
        .string(pattern.as_bytes())
        .expect_responses(MAX_FOLDERS, 200);
    conn.run(command, |reply| {
        if let Reply::Parsed(Response::MailboxData(MailboxDatum::List {
            name_attributes,
            delimiter,
            name,
        })) = reply
        {
            folders.push(ListedFolder {
                raw_name: name.to_string(),
                delimiter: delimiter.and_then(|d| d.chars().next()),
                attributes: name_attributes.iter().map(attribute_text).collect(),
            });
        }
    })
    .await?;
    Ok(folders)
}

pub async fn list_subscribed(conn: &mut Connection) -> Result<Vec<String>, ImapError> {
    let mut names = Vec::new();
    let command = Command::new("LSUB \"\" \"*\"").expect_responses(MAX_FOLDERS, 200);
    conn.run(command, |reply| {
        if let Reply::Raw(frame) = reply {
            // imap-proto does not parse LSUB; the name is the last field of the line.
            if let Some(name) = lsub_name(frame) {
                names.push(name);
            }
        }
        if let Reply::Parsed(Response::MailboxData(MailboxDatum::List { name, .. })) = reply {
            names.push(name.to_string());
        }
    })
    .await?;
    Ok(names)
}

fn lsub_name(frame: &[u8]) -> Option<String> {
    let line = std::str::from_utf8(frame).ok()?.trim_end();
    let rest = line.strip_prefix("* LSUB ")?;
    let after_attrs = &rest[rest.find(')')? + 1..];
    let mut fields = after_attrs.trim_start().splitn(2, ' ');
    let _delimiter = fields.next()?;
    let name = fields.next()?.trim();
    Some(unquote(name))
}

fn unquote(text: &str) -> String {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => text.to_string(),
    }
}

fn attribute_text(attribute: &NameAttribute<'_>) -> String {
    match attribute {
        NameAttribute::NoInferiors => "\\noinferiors".into(),
        NameAttribute::NoSelect => "\\noselect".into(),
        NameAttribute::Marked => "\\marked".into(),
        NameAttribute::Unmarked => "\\unmarked".into(),
        NameAttribute::All => "\\all".into(),
        NameAttribute::Archive => "\\archive".into(),
        NameAttribute::Drafts => "\\drafts".into(),
        NameAttribute::Flagged => "\\flagged".into(),
        NameAttribute::Junk => "\\junk".into(),
        NameAttribute::Sent => "\\sent".into(),
        NameAttribute::Trash => "\\trash".into(),
        NameAttribute::Extension(other) => other.to_ascii_lowercase(),
        other => format!("{other:?}").to_ascii_lowercase(),
    }
}

/// The personal namespace's prefix and delimiter (`("INBOX." ".")` on Courier-style servers).
pub async fn personal_namespace(
    conn: &mut Connection,
) -> Result<Option<(String, Option<char>)>, ImapError> {
    if !conn.has_capability("NAMESPACE") {
        return Ok(None);
    }
    let mut found = None;
    conn.run(Command::new("NAMESPACE"), |reply| {
        if let Reply::Raw(frame) = reply {
            if found.is_none() {
                found = parse_personal_namespace(frame);
            }
        }
    })
    .await?;
    Ok(found)
}

/// imap-proto has no NAMESPACE parser; this reads just the first personal entry,
/// `* NAMESPACE (("prefix" "delim") ...) ...`.
fn parse_personal_namespace(frame: &[u8]) -> Option<(String, Option<char>)> {
    let line = std::str::from_utf8(frame).ok()?;
    let rest = line.strip_prefix("* NAMESPACE ")?.trim_start();
    let rest = rest.strip_prefix("((")?;
    let (prefix, after) = read_quoted(rest)?;
    let after = after.trim_start();
    let delimiter = if after.starts_with("NIL") {
        None
    } else {
        let (delim, _) = read_quoted(after)?;
        delim.chars().next()
    };
    Some((prefix, delimiter))
}

fn read_quoted(text: &str) -> Option<(String, &str)> {
    let text = text.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?.1),
            '"' => return Some((out, &text[i + 1..])),
            other => out.push(other),
        }
    }
    None
}

/// Opens a folder read-only. The source is only ever opened this way.
pub async fn examine(conn: &mut Connection, raw_name: &str) -> Result<FolderStatus, ImapError> {
    open_folder(conn, "EXAMINE ", raw_name).await
}

/// Opens a folder for writing (destination only).
pub async fn select(conn: &mut Connection, raw_name: &str) -> Result<FolderStatus, ImapError> {
    open_folder(conn, "SELECT ", raw_name).await
}

async fn open_folder(
    conn: &mut Connection,
    verb: &str,
    raw_name: &str,
) -> Result<FolderStatus, ImapError> {
    let mut command = Command::new(verb).string(raw_name.as_bytes());
    if conn.has_capability("CONDSTORE") {
        command = command.text(" (CONDSTORE)");
    }
    let mut status = FolderStatus::default();
    conn.run(command, |reply| match reply {
        Reply::Parsed(Response::MailboxData(MailboxDatum::Exists(n))) => status.exists = n,
        Reply::Parsed(Response::Data {
            code: Some(code), ..
        }) => match code {
            ResponseCode::UidValidity(v) => status.uidvalidity = v,
            ResponseCode::UidNext(n) => status.uidnext = Some(n),
            ResponseCode::HighestModSeq(m) => status.highest_modseq = Some(m),
            ResponseCode::PermanentFlags(flags) => {
                status.permanent_flags = Some(flags.iter().map(|f| f.to_string()).collect())
            }
            _ => {}
        },
        _ => {}
    })
    .await?;
    conn.set_selected_exists(status.exists);
    Ok(status)
}

/// Runs a FETCH, handing each message's attributes to `on_message`. A FETCH line that cannot
/// be parsed is an error, never a silently missing message.
async fn run_fetch<F>(
    conn: &mut Connection,
    command: Command,
    mut on_message: F,
) -> Result<(), ImapError>
where
    F: FnMut(Vec<AttributeValue<'_>>),
{
    let mut unparsed: Option<String> = None;
    conn.run(command, |reply| match reply {
        Reply::Parsed(Response::Fetch(_, attributes)) => on_message(attributes),
        Reply::Raw(frame) if unparsed.is_none() && is_fetch_line(frame) => {
            unparsed = Some(String::from_utf8_lossy(&frame[..frame.len().min(200)]).into_owned());
        }
        _ => {}
    })
    .await?;
    match unparsed {
        Some(snippet) => Err(ImapError::Protocol {
            host: conn.host().to_string(),
            snippet,
        }),
        None => Ok(()),
    }
}

fn is_fetch_line(frame: &[u8]) -> bool {
    let head = &frame[..frame.len().min(40)];
    let text = String::from_utf8_lossy(head).to_ascii_uppercase();
    let mut words = text.split_whitespace();
    words.next() == Some("*")
        && words
            .next()
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
        && words.next() == Some("FETCH")
}

/// Every message's UID and flags: cheap enough to run on every pass.
pub async fn fetch_flags(conn: &mut Connection) -> Result<Vec<(u32, Vec<String>)>, ImapError> {
    let mut out = Vec::new();
    run_fetch(
        conn,
        Command::new("UID FETCH 1:* (UID FLAGS)")
            .expect_responses(u64::from(conn.selected_exists()), 200),
        |attributes| {
            if let Some(meta) = meta_from(attributes) {
                out.push((meta.uid, meta.flags));
            }
        },
    )
    .await?;
    Ok(out)
}

/// Every message's size and whether it is marked \Deleted (for dry runs).
pub async fn fetch_sizes(conn: &mut Connection) -> Result<Vec<(u64, bool)>, ImapError> {
    let mut out = Vec::new();
    run_fetch(
        conn,
        Command::new("UID FETCH 1:* (UID FLAGS RFC822.SIZE)")
            .expect_responses(u64::from(conn.selected_exists()), 200),
        |attributes| {
            if let Some(meta) = meta_from(attributes) {
                let deleted = meta
                    .flags
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case("\\Deleted"));
                out.push((meta.size, deleted));
            }
        },
    )
    .await?;
    Ok(out)
}

/// Metadata of the given messages (or all with `None`), with a few header lines for
/// fingerprints and reports. UIDs are sent in slices to keep command lines short.
pub async fn fetch_meta(
    conn: &mut Connection,
    uids: Option<&[u32]>,
) -> Result<Vec<MessageMeta>, ImapError> {
    let sets: Vec<(String, u64)> = match uids {
        None => vec![("1:*".to_string(), u64::from(conn.selected_exists()))],
        Some([]) => return Ok(Vec::new()),
        Some(uids) => uids
            .chunks(2000)
            .map(|chunk| (uid_set(chunk), chunk.len() as u64))
            .collect(),
    };
    let mut out = Vec::new();
    for (set, count) in sets {
        let command = Command::new(format!(
            "UID FETCH {set} (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS ({META_HEADER_FIELDS})])"
        ))
        .expect_responses(count, 1024);
        run_fetch(conn, command, |attributes| {
            if let Some(meta) = meta_from(attributes) {
                out.push(meta);
            }
        })
        .await?;
    }
    Ok(out)
}

fn meta_from(attributes: Vec<AttributeValue<'_>>) -> Option<MessageMeta> {
    let mut meta = MessageMeta {
        uid: 0,
        flags: Vec::new(),
        internaldate: String::new(),
        size: 0,
        header_fields: Vec::new(),
    };
    for attribute in attributes {
        match attribute {
            AttributeValue::Uid(u) => meta.uid = u,
            AttributeValue::Flags(list) => {
                meta.flags = list.iter().map(|f| f.to_string()).collect()
            }
            AttributeValue::InternalDate(d) => meta.internaldate = d.to_string(),
            AttributeValue::Rfc822Size(s) => meta.size = u64::from(s),
            AttributeValue::BodySection { data, .. } => {
                meta.header_fields = data.map(Cow::into_owned).unwrap_or_default()
            }
            _ => {}
        }
    }
    (meta.uid != 0).then_some(meta)
}

/// The whole header block of each message, for fingerprints of messages without a Message-ID.
pub async fn fetch_headers(
    conn: &mut Connection,
    uids: &[u32],
) -> Result<Vec<(u32, Vec<u8>)>, ImapError> {
    let wanted: Vec<(u32, u64)> = uids.iter().map(|uid| (*uid, 8 * 1024)).collect();
    let fetched = fetch_section(conn, &wanted, "BODY.PEEK[HEADER]", MAX_HEADER_BLOCK).await?;
    Ok(fetched.bodies.into_iter().collect())
}

/// What a body FETCH brought back, held to what was asked for: a server may answer for
/// messages nobody asked about, twice for one, or not at all, and none of that may turn
/// into a message appended somewhere.
#[derive(Debug, Default)]
pub struct Fetched {
    pub bodies: std::collections::HashMap<u32, Vec<u8>>,
    /// Asked for, but no content came back (expunged meanwhile, or a broken server).
    pub missing: Vec<u32>,
    /// Answered more than once with different contents: neither can be trusted.
    pub conflicting: Vec<u32>,
    /// Answers for messages that were not asked for, dropped.
    pub unrequested: u64,
}

/// Full message bodies exactly as stored, without setting \Seen. `wanted` pairs each UID
/// with the size the server announced for it, which bounds what may come back.
pub async fn fetch_bodies(
    conn: &mut Connection,
    wanted: &[(u32, u64)],
) -> Result<Fetched, ImapError> {
    let largest = wanted.iter().map(|(_, size)| *size).max().unwrap_or(0);
    // Sizes are announced before line endings are normalised, so a body may come back
    // somewhat larger than announced; twice as large is no honest server.
    let limit = largest.saturating_mul(2).saturating_add(1024 * 1024);
    fetch_section(conn, wanted, "BODY.PEEK[]", limit).await
}

async fn fetch_section(
    conn: &mut Connection,
    wanted: &[(u32, u64)],
    item: &str,
    max_literal: u64,
) -> Result<Fetched, ImapError> {
    let asked: std::collections::HashSet<u32> = wanted.iter().map(|(uid, _)| *uid).collect();
    let mut fetched = Fetched::default();
    let mut conflicting = std::collections::HashSet::new();
    for chunk in wanted.chunks(2000) {
        let uids: Vec<u32> = chunk.iter().map(|(uid, _)| *uid).collect();
        let bytes: u64 = chunk.iter().map(|(_, size)| *size).sum();
        let command = Command::new(format!("UID FETCH {} (UID {item})", uid_set(&uids)))
            .max_literal(max_literal)
            .expect_responses(chunk.len() as u64, 256)
            .expect_bytes(bytes);
        run_fetch(conn, command, |attributes| {
            let mut uid = None;
            let mut body = None;
            for attribute in attributes {
                match attribute {
                    AttributeValue::Uid(u) => uid = Some(u),
                    AttributeValue::BodySection { data, .. } | AttributeValue::Rfc822(data) => {
                        body = Some(data.map(Cow::into_owned).unwrap_or_default())
                    }
                    _ => {}
                }
            }
            let (Some(uid), Some(body)) = (uid, body) else {
                return;
            };
            if !asked.contains(&uid) {
                fetched.unrequested += 1;
                return;
            }
            match fetched.bodies.get(&uid) {
                Some(earlier) if *earlier != body => {
                    conflicting.insert(uid);
                }
                Some(_) => {}
                None => {
                    fetched.bodies.insert(uid, body);
                }
            }
        })
        .await?;
    }
    for uid in &conflicting {
        fetched.bodies.remove(uid);
    }
    fetched.conflicting = conflicting.into_iter().collect();
    fetched.conflicting.sort_unstable();
    fetched.bodies.retain(|_, body| !body.is_empty());
    fetched.missing = wanted
        .iter()
        .map(|(uid, _)| *uid)
        .filter(|uid| !fetched.bodies.contains_key(uid) && !fetched.conflicting.contains(uid))
        .collect();
    Ok(fetched)
}

/// Which of `uids` the opened folder still holds. A NOOP first lets the server tell us of
/// messages expunged by another client since the folder was opened.
pub async fn still_present(conn: &mut Connection, uids: &[u32]) -> Result<Vec<u32>, ImapError> {
    if uids.is_empty() {
        return Ok(Vec::new());
    }
    conn.run(Command::new("NOOP"), |_| {}).await?;
    let asked: std::collections::HashSet<u32> = uids.iter().copied().collect();
    let mut present = Vec::new();
    for chunk in uids.chunks(2000) {
        let command = Command::new(format!("UID FETCH {} (UID)", uid_set(chunk)))
            .expect_responses(chunk.len() as u64, 64);
        run_fetch(conn, command, |attributes| {
            for attribute in attributes {
                if let AttributeValue::Uid(uid) = attribute {
                    if asked.contains(&uid) {
                        present.push(uid);
                    }
                }
            }
        })
        .await?;
    }
    present.sort_unstable();
    present.dedup();
    Ok(present)
}

/// Creates a folder; one that already exists is fine.
pub async fn create_folder(conn: &mut Connection, raw_name: &str) -> Result<(), ImapError> {
    match conn
        .run(Command::new("CREATE ").string(raw_name.as_bytes()), |_| {})
        .await
    {
        Ok(_) => Ok(()),
        Err(ImapError::Refused { text, .. }) if already_exists(&text) => Ok(()),
        Err(e) => Err(e),
    }
}

fn already_exists(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    upper.contains("[ALREADYEXISTS]") || upper.contains("ALREADY EXISTS")
}

/// A folder's message count and next UID, as STATUS tells without selecting it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub messages: u32,
    pub uidnext: Option<u32>,
}

pub async fn status_of(conn: &mut Connection, raw_name: &str) -> Result<StatusCounts, ImapError> {
    let mut counts = StatusCounts::default();
    let command = Command::new("STATUS ")
        .string(raw_name.as_bytes())
        .text(" (MESSAGES UIDNEXT)");
    conn.run(command, |reply| {
        if let Reply::Parsed(Response::MailboxData(MailboxDatum::Status { status, .. })) = reply {
            for attribute in status {
                match attribute {
                    imap_proto::StatusAttribute::Messages(n) => counts.messages = n,
                    imap_proto::StatusAttribute::UidNext(n) => counts.uidnext = Some(n),
                    _ => {}
                }
            }
        }
    })
    .await?;
    Ok(counts)
}

/// How many messages a folder holds, without selecting it.
pub async fn status_messages(conn: &mut Connection, raw_name: &str) -> Result<u64, ImapError> {
    Ok(u64::from(status_of(conn, raw_name).await?.messages))
}

pub async fn subscribe(conn: &mut Connection, raw_name: &str) -> Result<(), ImapError> {
    conn.run(
        Command::new("SUBSCRIBE ").string(raw_name.as_bytes()),
        |_| {},
    )
    .await
    .map(|_| ())
}

/// Builds an APPEND; the caller sends it, possibly with others in flight.
pub fn append_command(
    raw_folder: &str,
    flags: &[String],
    internaldate: &str,
    body: Vec<u8>,
) -> Command {
    let mut command = Command::new("APPEND ").string(raw_folder.as_bytes());
    command = command.text(&format!(" ({})", flags.join(" ")));
    if !internaldate.is_empty() {
        command = command.text(" ").string(internaldate.as_bytes());
    }
    command.text(" ").literal(body)
}

/// Adds flags to a message (Exchange keeps \Flagged only when stored after the APPEND).
pub async fn add_flags(conn: &mut Connection, uid: u32, flags: &[String]) -> Result<(), ImapError> {
    let command = Command::new(format!(
        "UID STORE {uid} +FLAGS.SILENT ({})",
        flags.join(" ")
    ));
    conn.run(command, |_| {}).await.map(|_| ())
}

/// Replaces a message's flags on the destination (used to carry over source changes).
pub async fn replace_flags(
    conn: &mut Connection,
    uid: u32,
    flags: &[String],
) -> Result<(), ImapError> {
    let command = Command::new(format!(
        "UID STORE {uid} FLAGS.SILENT ({})",
        flags.join(" ")
    ));
    conn.run(command, |_| {}).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_of_courier_and_dovecot() {
        assert_eq!(
            parse_personal_namespace(
                b"* NAMESPACE ((\"INBOX.\" \".\")) NIL ((\"#shared.\" \".\"))\r\n"
            ),
            Some(("INBOX.".to_string(), Some('.')))
        );
        assert_eq!(
            parse_personal_namespace(b"* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n"),
            Some((String::new(), Some('/')))
        );
        assert_eq!(
            parse_personal_namespace(b"* NAMESPACE NIL NIL NIL\r\n"),
            None
        );
    }

    #[test]
    fn permanent_flags_decide_what_is_kept() {
        let status = FolderStatus {
            permanent_flags: Some(vec!["\\Seen".into(), "\\*".into()]),
            ..Default::default()
        };
        assert!(status.keeps_flag("\\Seen"));
        assert!(status.keeps_flag("$Forwarded"));
        assert!(!status.keeps_flag("\\Flagged"));
        let strict = FolderStatus {
            permanent_flags: Some(vec!["\\Seen".into()]),
            ..Default::default()
        };
        assert!(!strict.keeps_flag("Work"));
        assert!(FolderStatus::default().keeps_flag("Work"));
    }

    #[test]
    fn lsub_lines() {
        assert_eq!(
            lsub_name(b"* LSUB () \"/\" \"Sent Items\"\r\n"),
            Some("Sent Items".into())
        );
        assert_eq!(
            lsub_name(b"* LSUB (\\Noselect) \".\" INBOX.Drafts\r\n"),
            Some("INBOX.Drafts".into())
        );
    }
}
