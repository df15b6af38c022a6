//! `--exchange`: a third server that behaves like Exchange Online (the test harness's
//! Exchange personality in front of a Dovecot with Exchange's folder names), and one more
//! source mailbox holding the messages Exchange treats differently: flagged ones, one with
//! `$MDNSent`, one with a line longer than Exchange accepts and one over the tenant's size
//! limit. `--compare-exchange` (and `--compare`) then check that mailbox message by message.

use serde_json::{json, Value};

use crate::client::{self, StoredMessage, TestImap};
use crate::dovecot::{Dovecot, DovecotConfig, Layout};
use crate::exchange::{longest_line, ExchangeConfig, ExchangeProxy, EXCHANGE_LINE_LIMIT};

/// The source mailbox migrated into the Exchange personality.
pub const USER: &str = "hana";
pub const FULL_NAME: &str = "Hana Sato";
/// The tenant's limit for this run: low, so that the too-large message stays small.
pub const SIZE_LIMIT: usize = 256 * 1024;
const FOLDER: &str = "INBOX";

/// What Exchange must end up holding of a seeded message.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expect {
    /// The same bytes and date; flags as Exchange keeps them (no keywords).
    Copied,
    /// Re-encoded so that no line is too long: the same date, flags and decoded text.
    Reencoded,
    /// Over the size limit: absent.
    Skipped,
}

impl Expect {
    fn name(self) -> &'static str {
        match self {
            Expect::Copied => "copied",
            Expect::Reencoded => "reencoded",
            Expect::Skipped => "skipped",
        }
    }

    fn parse(name: &str) -> Option<Expect> {
        [Expect::Copied, Expect::Reencoded, Expect::Skipped]
            .into_iter()
            .find(|e| e.name() == name)
    }
}

struct Sample {
    key: &'static str,
    subject: &'static str,
    flags: &'static [&'static str],
    /// Day of March 2025 it was received, so that newest-first has something to show.
    day: u32,
    body: Body,
    expect: Expect,
}

enum Body {
    Text(&'static str),
    LongLine,
    Attachment(usize),
}

const SAMPLES: [Sample; 9] = [
    Sample {
        key: "flagged-read",
        subject: "Board minutes, to keep",
        flags: &["\\Seen", "\\Flagged"],
        day: 3,
        body: Body::Text("The minutes of Tuesday's board meeting, flagged to keep at hand."),
        expect: Expect::Copied,
    },
    Sample {
        key: "flagged-unread",
        subject: "Follow up with the auditors",
        flags: &["\\Flagged"],
        day: 5,
        body: Body::Text("A reminder to answer the auditors by Friday."),
        expect: Expect::Copied,
    },
    Sample {
        key: "receipt-sent",
        subject: "Please confirm receipt",
        flags: &["\\Seen", "$MDNSent"],
        day: 7,
        body: Body::Text("A read receipt was sent for this one."),
        expect: Expect::Copied,
    },
    Sample {
        key: "long-line",
        subject: "Server log export",
        flags: &["\\Seen"],
        day: 9,
        body: Body::LongLine,
        expect: Expect::Reencoded,
    },
    Sample {
        key: "too-large",
        subject: "Scans of the signed contract",
        flags: &["\\Seen"],
        day: 11,
        body: Body::Attachment(SIZE_LIMIT + 64 * 1024),
        expect: Expect::Skipped,
    },
    Sample {
        key: "answered",
        subject: "Re: Office move in April",
        flags: &["\\Seen", "\\Answered"],
        day: 13,
        body: Body::Text("Answered already; the move is on the 14th."),
        expect: Expect::Copied,
    },
    Sample {
        key: "unread",
        subject: "New price list",
        flags: &[],
        day: 17,
        body: Body::Text("The price list for the second quarter, not read yet."),
        expect: Expect::Copied,
    },
    Sample {
        key: "small-attachment",
        subject: "Photos from the site visit",
        flags: &["\\Seen"],
        day: 19,
        body: Body::Attachment(24 * 1024),
        expect: Expect::Copied,
    },
    Sample {
        key: "newest",
        subject: "Welcome to Microsoft 365",
        flags: &["\\Seen", "\\Flagged", "\\Answered"],
        day: 21,
        body: Body::Text("The newest message: flagged, read and answered."),
        expect: Expect::Copied,
    },
];

/// The Exchange-like destination: Dovecot with Exchange's folder names (the admin may open
/// every mailbox) behind the personality.
pub struct ExchangeServer {
    // Declared first so it stops before the Dovecot it talks to.
    proxy: ExchangeProxy,
    dovecot: Dovecot,
}

impl ExchangeServer {
    pub fn start(email: &str, password: &str, admin: &str, admin_password: &str) -> Self {
        let dovecot = Dovecot::start(
            DovecotConfig::new(Layout::ExchangeLike)
                .master_user(admin, admin_password)
                .user(email, password),
        );
        let proxy = ExchangeProxy::start(
            &dovecot,
            ExchangeConfig::exchange_online().max_message_size(SIZE_LIMIT),
        );
        ExchangeServer { proxy, dovecot }
    }

    /// The JSON's `exchange` object; `messages` is what [`seed`] returned.
    pub fn describe(
        &self,
        email: &str,
        password: &str,
        admin: &str,
        admin_password: &str,
        messages: Vec<Value>,
    ) -> Value {
        json!({
            "destination": {
                "host": "127.0.0.1",
                "port": self.proxy.port(),
                "security": "tls",
                "admin": admin,
                "admin_password": admin_password,
            },
            // The Dovecot itself, for the comparison: it sees what Exchange would hold.
            "direct_port": self.dovecot.imaps_port(),
            "max_message_size": SIZE_LIMIT,
            "line_limit": EXCHANGE_LINE_LIMIT,
            "user": { "email": email, "name": FULL_NAME, "password": password },
            "folder": FOLDER,
            "messages": messages,
        })
    }
}

/// Fills the source mailbox; returns each message's description for the JSON.
pub async fn seed(source: &Dovecot, email: &str, password: &str) -> Vec<Value> {
    let mut imap = TestImap::connect(source, email, password).await;
    let mut seeded = Vec::new();
    for sample in &SAMPLES {
        let message_id = format!("<exchange-{}@contoso.test>", sample.key);
        let body = message(email, sample, &message_id);
        let internaldate = format!("{:02}-Mar-2025 09:30:00 +0100", sample.day);
        imap.append(FOLDER, sample.flags, &internaldate, &body)
            .await;
        seeded.push(json!({
            "message_id": message_id,
            "subject": sample.subject,
            "flags": sample.flags,
            "size": body.len(),
            "expect": sample.expect.name(),
        }));
    }
    imap.logout().await;
    seeded
}

fn message(email: &str, sample: &Sample, message_id: &str) -> Vec<u8> {
    let headers = format!(
        "From: Office <office@{domain}>\r\nTo: {FULL_NAME} <{email}>\r\nSubject: {subject}\r\n\
         Date: {day} Mar 2025 09:30:00 +0100\r\nMessage-ID: {message_id}\r\nMIME-Version: 1.0\r\n",
        domain = "contoso.test",
        subject = sample.subject,
        day = sample.day,
    );
    let body = match sample.body {
        Body::Text(text) => {
            format!("Content-Type: text/plain; charset=utf-8\r\n\r\nHi Hana,\r\n\r\n{text}\r\n")
        }
        Body::LongLine => {
            // One log record per line; the last one is 12,000 characters, as some exporters
            // write them.
            let record: String = (0..1200).map(|i| format!("{:09},", i * 7)).collect();
            format!(
                "Content-Type: text/plain; charset=utf-8\r\n\r\nThe export you asked for:\r\n\
                 2025-03-09 ok\r\n{record}\r\nEnd of export.\r\n"
            )
        }
        Body::Attachment(size) => {
            let bytes: Vec<u8> = (0..size * 3 / 4).map(|i| (i * 31 + i / 7) as u8).collect();
            format!(
                "Content-Type: multipart/mixed; boundary=\"part\"\r\n\r\n--part\r\n\
                 Content-Type: text/plain; charset=utf-8\r\n\r\nAttached.\r\n--part\r\n\
                 Content-Type: application/octet-stream; name=\"{key}.bin\"\r\n\
                 Content-Disposition: attachment; filename=\"{key}.bin\"\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--part--\r\n",
                crate::base64_lines(&bytes),
                key = sample.key,
            )
        }
    };
    format!("{headers}{body}").into_bytes()
}

/// The seeded mailbox in the source and in the Exchange-like Dovecot, message by message.
pub async fn compare(description: &Value) -> Result<String, String> {
    let exchange = &description["exchange"];
    let port = |v: &Value| u16::try_from(v.as_u64().unwrap_or_default()).unwrap_or_default();
    let ca_file = std::path::PathBuf::from(description["ca_file"].as_str().unwrap_or_default());
    let email = exchange["user"]["email"].as_str().unwrap_or_default();
    let password = exchange["user"]["password"].as_str().unwrap_or_default();
    let folder = exchange["folder"].as_str().unwrap_or(FOLDER);
    let line_limit = exchange["line_limit"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(EXCHANGE_LINE_LIMIT);
    let seeded = exchange["messages"].as_array().cloned().unwrap_or_default();
    if seeded.is_empty() {
        return Err("the description seeds no messages for Exchange".into());
    }

    let mut source = TestImap::try_connect_port(
        port(&description["source"]["port"]),
        &ca_file,
        email,
        password,
    )
    .await?;
    let mut destination =
        TestImap::try_connect_port(port(&exchange["direct_port"]), &ca_file, email, password)
            .await?;
    let source_messages = source.fetch_all(folder).await;
    let destination_messages = destination
        .try_fetch_all(folder)
        .await
        .map_err(|e| format!("{email}: destination folder {folder:?}: {e}"))?;
    source.logout().await;
    destination.logout().await;

    let mut problems = Vec::new();
    let mut counts = [0usize; 3];
    for entry in &seeded {
        let id = entry["message_id"].as_str().unwrap_or_default();
        let subject = entry["subject"].as_str().unwrap_or_default();
        let Some(expect) = entry["expect"].as_str().and_then(Expect::parse) else {
            problems.push(format!(
                "{subject}: no known expectation in the description"
            ));
            continue;
        };
        let originals = with_id(&source_messages, id);
        let [original] = originals.as_slice() else {
            problems.push(format!(
                "{subject}: the source holds {} copies",
                originals.len()
            ));
            continue;
        };
        let copies = with_id(&destination_messages, id);
        let problem = match (expect, copies.as_slice()) {
            (Expect::Skipped, []) => None,
            (Expect::Skipped, _) => Some(format!(
                "arrived although it is over the {} bytes Exchange accepts",
                SIZE_LIMIT
            )),
            (_, []) => Some("missing".into()),
            (_, [copy]) => check_copy(expect, original, copy, line_limit),
            (_, copies) => Some(format!("{} copies", copies.len())),
        };
        match problem {
            Some(problem) => problems.push(format!("{subject}: {problem}")),
            None => counts[expect as usize] += 1,
        }
    }
    for message in &destination_messages {
        let id = client::header_value(&message.body, "Message-ID").unwrap_or_default();
        if !seeded.iter().any(|e| e["message_id"] == id.as_str()) {
            problems.push(format!("{}: not in the source", message.subject()));
        }
    }
    if source_messages.len() != seeded.len() {
        problems.push(format!(
            "the source holds {} messages, {} were seeded",
            source_messages.len(),
            seeded.len()
        ));
    }
    if problems.is_empty() {
        Ok(format!(
            "{email} through Exchange: {} copied exactly (flags as Exchange keeps them), \
             {} re-encoded with the same content, {} too large and not copied",
            counts[Expect::Copied as usize],
            counts[Expect::Reencoded as usize],
            counts[Expect::Skipped as usize],
        ))
    } else {
        Err(format!(
            "{email} / {folder} through Exchange:\n  {}\n",
            problems.join("\n  ")
        ))
    }
}

fn with_id<'a>(messages: &'a [StoredMessage], id: &str) -> Vec<&'a StoredMessage> {
    messages
        .iter()
        .filter(|m| client::header_value(&m.body, "Message-ID").as_deref() == Some(id))
        .collect()
}

/// What is wrong with the one copy of `original`, if anything.
fn check_copy(
    expect: Expect,
    original: &StoredMessage,
    copy: &StoredMessage,
    line_limit: usize,
) -> Option<String> {
    // Exchange keeps system flags only; $MDNSent in particular must not be sent to it.
    let kept: Vec<String> = original
        .flags
        .iter()
        .filter(|f| f.starts_with('\\'))
        .cloned()
        .collect();
    if copy.flags != kept {
        return Some(format!("flags {:?}, expected {kept:?}", copy.flags));
    }
    if copy.internaldate.timestamp() != original.internaldate.timestamp() {
        return Some(format!(
            "received {}, expected {}",
            copy.internaldate, original.internaldate
        ));
    }
    match expect {
        Expect::Copied if copy.body != original.body => Some("its bytes differ".into()),
        Expect::Reencoded if copy.body == original.body => {
            Some("arrived unchanged, with its long line".into())
        }
        Expect::Reencoded if longest_line(&copy.body) > line_limit => Some(format!(
            "still has a line of {} characters",
            longest_line(&copy.body)
        )),
        Expect::Reencoded => match (decoded_text(&copy.body), decoded_text(&original.body)) {
            (Some(copied), Some(original)) if copied == original => None,
            _ => Some("its text differs once decoded".into()),
        },
        _ => None,
    }
}

/// The message's text as a reader sees it, whatever its transfer encoding.
fn decoded_text(raw: &[u8]) -> Option<String> {
    let parsed = mail_parser::MessageParser::default().parse(raw)?;
    parsed.body_text(0).map(|t| t.replace("\r\n", "\n"))
}
