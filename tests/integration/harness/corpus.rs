//! Test messages: a committed corpus of realistic and awkward mail (tests/corpus/*.eml,
//! kept byte-exact by tests/corpus/.gitattributes) plus generated large messages.
//!
//! What Dovecot 2.3.19 (sdbox) does with the awkward ones, checked by harness_smoke:
//!
//! - Dovecot stores messages with LF line endings (CRLF is turned into LF on save) and turns
//!   every LF back into CRLF when serving BODY[] / BINARY[]. So a message saved with bare LF
//!   (09-bare-lf.eml) is served with CRLF, byte-identical to what a CRLF original would give,
//!   and RFC822.SIZE counts the CRLF form (a 27-byte LF message reports 31). Mixed endings:
//!   bare LF becomes CRLF, CRLF stays CRLF, a bare CR stays a bare CR. A migration tool
//!   therefore can never see (or reproduce) bare LF through Dovecot: compare against
//!   `as_served_by_dovecot(original)`, not the file.
//! - A message without a final CRLF (14-no-final-crlf.eml) round-trips byte for byte: no
//!   line ending is added, RFC822.SIZE equals the APPEND literal size.
//! - Every other corpus message, including raw 8-bit/UTF-8 headers and bodies, a header-less
//!   message and 2000+ character header lines, round-trips byte for byte.
//! - INTERNALDATE keeps the instant but not the zone (dbox stores a Unix time): " 6-Mar-2021
//!   09:00:00 +1345" comes back as " 5-Mar-2021 19:15:00 +0000", in the server's local zone
//!   (UTC on these machines). Compare timestamps, never strings.

use std::path::PathBuf;

use base64::Engine as _;

#[derive(Clone, Debug)]
pub struct CorpusMessage {
    /// File name in tests/corpus, such as "09-bare-lf.eml".
    pub name: &'static str,
    pub body: Vec<u8>,
    pub flags: Vec<&'static str>,
    /// APPEND date-time, such as "05-Mar-2021 14:02:11 +0100"; distinct for every message.
    pub internaldate: String,
}

macro_rules! entry {
    ($file:literal, [$($flag:literal),*], $date:literal) => {
        (
            $file,
            include_bytes!(concat!("../../corpus/", $file)).as_slice(),
            &[$($flag),*] as &[&'static str],
            $date,
        )
    };
}

type Entry = (
    &'static str,
    &'static [u8],
    &'static [&'static str],
    &'static str,
);

// Dates spread over timezones (half-hour and +1345 offsets included) and decades.
const ENTRIES: &[Entry] = &[
    entry!(
        "01-plain-text.eml",
        ["\\Seen"],
        "05-Mar-2021 14:02:11 +0100"
    ),
    entry!(
        "02-html-with-attachment.eml",
        ["\\Seen", "\\Answered"],
        "17-Jun-2019 08:30:00 -0700"
    ),
    entry!("03-no-message-id.eml", [], "01-Jan-1998 00:00:01 +0000"),
    entry!(
        "04-no-received-no-date.eml",
        ["\\Flagged"],
        "29-Feb-2020 23:59:59 +0530"
    ),
    entry!(
        "05-shared-message-id-a.eml",
        ["\\Seen", "$Forwarded"],
        "11-Nov-2011 11:11:11 +0900"
    ),
    entry!(
        "06-shared-message-id-b.eml",
        ["Work"],
        "12-Nov-2011 11:11:11 +0900"
    ),
    entry!(
        "07-8bit-utf8-no-mime.eml",
        ["\\Seen", "\\Flagged"],
        "23-Sep-1998 16:45:00 -0300"
    ),
    entry!(
        "08-broken-mime-unclosed-boundary.eml",
        [],
        "07-Jul-2007 07:07:07 +0200"
    ),
    entry!("09-bare-lf.eml", ["\\Seen"], "15-Aug-2015 12:00:00 -0400"),
    entry!(
        "10-rfc2047-subject.eml",
        ["\\Seen", "Work"],
        "03-Feb-2022 09:15:30 +0100"
    ),
    entry!(
        "11-raw-utf8-subject.eml",
        ["\\Answered", "$Forwarded"],
        "31-Dec-1999 23:59:59 -0800"
    ),
    entry!(
        "12-no-headers.eml",
        ["\\Draft"],
        "02-Apr-2003 10:00:00 +1000"
    ),
    entry!(
        "13-long-header-line.eml",
        ["\\Seen"],
        "19-Jan-2024 03:14:08 +0000"
    ),
    entry!(
        "14-no-final-crlf.eml",
        ["\\Seen", "\\Flagged", "Work"],
        "28-Oct-2018 02:30:00 +0100"
    ),
    entry!("15-calendar-invite.eml", [], "14-Mar-2023 16:00:00 +0000"),
    entry!(
        "16-reply-with-references.eml",
        ["\\Seen", "\\Answered"],
        " 6-Mar-2021 09:00:00 +1345"
    ),
];

/// The whole corpus, in file-name order.
pub fn load() -> Vec<CorpusMessage> {
    ENTRIES
        .iter()
        .map(|(name, body, flags, date)| CorpusMessage {
            name,
            body: body.to_vec(),
            flags: flags.to_vec(),
            internaldate: date.to_string(),
        })
        .collect()
}

/// One corpus message by file name; panics if there is none.
pub fn get(name: &str) -> CorpusMessage {
    load()
        .into_iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no corpus message {name:?}"))
}

/// The bytes Dovecot serves for a message APPENDed as `original`: every LF not preceded by
/// CR becomes CRLF (see the module comment). Identity for well-formed CRLF messages.
pub fn as_served_by_dovecot(original: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(original.len() + original.len() / 32);
    for (i, &byte) in original.iter().enumerate() {
        if byte == b'\n' && (i == 0 || original[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(byte);
    }
    out
}

/// Lowercase hex SHA-256, as `StoredMessage::sha256` spells it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// tests/corpus, for tests that hand .eml files to the binary.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// A valid MIME message of about `size_bytes` bytes (within a few hundred) whose base64
/// attachment is deterministic pseudo-random data derived from `seed`. Different seeds give
/// different messages; the same seed always gives the same bytes.
pub fn large_attachment(size_bytes: usize, seed: u64) -> Vec<u8> {
    let head = format!(
        "Message-ID: <large-{size_bytes}-{seed}@example.com>\r\n\
         Date: Mon, 01 Feb 2021 10:00:00 +0000\r\n\
         From: Scanner <scanner@example.com>\r\n\
         To: office@example.com\r\n\
         Subject: Large attachment {size_bytes} bytes (seed {seed})\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"large-{seed}\"\r\n\
         \r\n\
         --large-{seed}\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\
         \r\n\
         The scan is attached.\r\n\
         \r\n\
         --large-{seed}\r\n\
         Content-Type: application/octet-stream; name=\"scan-{seed}.bin\"\r\n\
         Content-Disposition: attachment; filename=\"scan-{seed}.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n"
    );
    let tail = format!("--large-{seed}--\r\n");
    // Base64 lines of 76 characters + CRLF carry 57 raw bytes each.
    let budget = size_bytes.saturating_sub(head.len() + tail.len());
    let raw_len = budget / 78 * 57;
    let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
    let mut raw = Vec::with_capacity(raw_len + 8);
    while raw.len() < raw_len {
        // xorshift64*: fast, deterministic, no dependency; 8 bytes per step.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        raw.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    raw.truncate(raw_len);
    let mut message = head.into_bytes();
    let body_start = message.len();
    message.resize(body_start + raw_len / 57 * 78, 0);
    for (chunk, line) in raw.chunks(57).zip(message[body_start..].chunks_mut(78)) {
        base64::engine::general_purpose::STANDARD
            .encode_slice(chunk, &mut line[..76])
            .expect("57 bytes encode to 76 characters");
        line[76..].copy_from_slice(b"\r\n");
    }
    message.extend_from_slice(tail.as_bytes());
    message
}

/// Two byte-identical messages: a folder holding both must still hold two after migration.
pub fn duplicate_pair() -> (Vec<u8>, Vec<u8>) {
    let message = b"Message-ID: <twice@example.com>\r\n\
Date: Tue, 02 Mar 2021 08:00:00 +0100\r\n\
From: newsletter@example.com\r\n\
To: office@example.com\r\n\
Subject: Delivered twice, byte for byte\r\n\
\r\n\
The mail server delivered this message twice. Both copies are kept.\r\n"
        .to_vec();
    (message.clone(), message)
}
