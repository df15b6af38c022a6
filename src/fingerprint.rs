//! Recognising "the same message" across folders, servers and runs, without trusting UIDs.
//!
//! A Message-ID alone is not enough (mailing lists and broken clients reuse them, and
//! identical copies share it), so the fingerprint is the Message-ID plus the size and the
//! received date; a message without a Message-ID is identified by a hash of its whole
//! header block plus size and date instead. Two byte-identical messages have the same
//! fingerprint: callers count fingerprints (multisets), they never treat them as unique.

use sha2::{Digest, Sha256};

use crate::imap::MessageMeta;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub String);

impl Fingerprint {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The fields of a header block that identify and describe a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderSummary {
    pub message_id: Option<String>,
    pub subject: Option<String>,
    pub date: Option<String>,
}

/// Reads Message-ID, Subject and Date from raw header lines, unfolding continuations.
/// Written by hand because it must accept anything (8-bit, bare LF, broken folding) and
/// never fail: a strict MIME parser would reject exactly the messages we must not drop.
pub fn summarize_header(header: &[u8]) -> HeaderSummary {
    let mut summary = HeaderSummary::default();
    let text = String::from_utf8_lossy(header);
    let mut current: Option<(String, String)> = None;
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some((_, value)) = current.as_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some(field) = current.take() {
            fields.push(field);
        }
        if let Some((name, value)) = line.split_once(':') {
            current = Some((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    fields.extend(current);
    for (name, value) in fields {
        let slot = match name.as_str() {
            "message-id" => &mut summary.message_id,
            "subject" => &mut summary.subject,
            "date" => &mut summary.date,
            _ => continue,
        };
        if slot.is_none() && !value.is_empty() {
            *slot = Some(value);
        }
    }
    summary
}

/// Seconds since the epoch for an IMAP INTERNALDATE (`"05-Mar-2021 14:02:11 +0100"`),
/// so the same instant written in two time zones matches.
pub fn internaldate_epoch(internaldate: &str) -> Option<i64> {
    let trimmed = internaldate.trim();
    // Day numbers may be space-padded (" 5-Mar-2021"); chrono wants two digits.
    let padded = if trimmed.as_bytes().get(1) == Some(&b'-') {
        format!("0{trimmed}")
    } else {
        trimmed.to_string()
    };
    chrono::DateTime::parse_from_str(&padded, "%d-%b-%Y %H:%M:%S %z")
        .ok()
        .map(|d| d.timestamp())
}

/// The fingerprint from metadata, or `None` when the message has no Message-ID and the
/// whole header block is needed (see [`from_header_block`]).
pub fn from_meta(meta: &MessageMeta) -> Option<Fingerprint> {
    let message_id = summarize_header(&meta.header_fields).message_id?;
    let normalized: String = message_id.chars().filter(|c| !c.is_whitespace()).collect();
    Some(digest(
        b"mid",
        normalized.as_bytes(),
        meta.size,
        &meta.internaldate,
    ))
}

pub fn from_header_block(meta: &MessageMeta, header: &[u8]) -> Fingerprint {
    digest(b"hdr", header, meta.size, &meta.internaldate)
}

fn digest(kind: &[u8], identity: &[u8], size: u64, internaldate: &str) -> Fingerprint {
    let mut hasher = Sha256::new();
    hasher.update(kind);
    hasher.update([0]);
    hasher.update(identity);
    hasher.update([0]);
    hasher.update(size.to_be_bytes());
    match internaldate_epoch(internaldate) {
        Some(epoch) => hasher.update(epoch.to_be_bytes()),
        None => hasher.update(internaldate.trim().as_bytes()),
    }
    // 128 bits are plenty to tell messages of one mailbox apart and halve the state size.
    Fingerprint(hex::encode(&hasher.finalize()[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(header: &str, size: u64, date: &str) -> MessageMeta {
        MessageMeta {
            uid: 1,
            flags: vec![],
            internaldate: date.into(),
            size,
            header_fields: header.as_bytes().to_vec(),
        }
    }

    #[test]
    fn headers_are_read_leniently() {
        let s = summarize_header(
            b"Subject: Hello\r\n  world\r\nMESSAGE-ID:  <a@b>\r\nDate: Tue, 1 Jan 2002\r\n\r\n",
        );
        assert_eq!(s.message_id.as_deref(), Some("<a@b>"));
        assert_eq!(s.subject.as_deref(), Some("Hello world"));
        let bare_lf = summarize_header(b"Message-ID: <x@y>\nSubject: caf\xc3\xa9\n\n");
        assert_eq!(bare_lf.message_id.as_deref(), Some("<x@y>"));
        assert_eq!(bare_lf.subject.as_deref(), Some("café"));
        assert_eq!(summarize_header(b"\r\n"), HeaderSummary::default());
    }

    #[test]
    fn same_instant_in_another_zone_matches() {
        assert_eq!(
            internaldate_epoch("05-Mar-2021 14:02:11 +0100"),
            internaldate_epoch(" 5-Mar-2021 13:02:11 +0000")
        );
        assert!(internaldate_epoch("garbage").is_none());
        let a = from_meta(&meta(
            "Message-ID: <a@b>\r\n\r\n",
            100,
            "05-Mar-2021 14:02:11 +0100",
        ));
        let b = from_meta(&meta(
            "Message-Id: <a@b>\r\n\r\n",
            100,
            "05-Mar-2021 13:02:11 +0000",
        ));
        assert_eq!(a, b);
    }

    #[test]
    fn message_id_alone_does_not_identify() {
        let a = from_meta(&meta(
            "Message-ID: <a@b>\r\n\r\n",
            100,
            "05-Mar-2021 14:02:11 +0100",
        ));
        let bigger = from_meta(&meta(
            "Message-ID: <a@b>\r\n\r\n",
            101,
            "05-Mar-2021 14:02:11 +0100",
        ));
        let later = from_meta(&meta(
            "Message-ID: <a@b>\r\n\r\n",
            100,
            "06-Mar-2021 14:02:11 +0100",
        ));
        assert_ne!(a, bigger);
        assert_ne!(a, later);
        assert!(from_meta(&meta(
            "Subject: x\r\n\r\n",
            100,
            "05-Mar-2021 14:02:11 +0100"
        ))
        .is_none());
    }
}
