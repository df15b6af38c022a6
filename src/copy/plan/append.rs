//! Decisions made while appending: how to batch, which APPENDUIDs to believe, what to record
//! of an appended message's flags, whether its lines fit, and what a refusal means.

use super::{issue, Candidate, Refused};
use crate::error::ErrorKind;
use crate::flags::{self, Flag, FlagPlan};
use crate::imap::{FolderStatus, MessageMeta};
use crate::state::MessageRecord;

/// A batch is fetched with one command and appended as one pipelined burst.
pub const BATCH_BYTES: u64 = 4 * 1024 * 1024;
pub const BATCH_MESSAGES: usize = 64;

/// Splits the messages to copy into batches of at most `BATCH_MESSAGES` and, unless one
/// message alone is larger, `BATCH_BYTES`, keeping their order.
pub fn batches(to_copy: Vec<Candidate>) -> Vec<Vec<Candidate>> {
    let mut out: Vec<Vec<Candidate>> = Vec::new();
    let mut bytes = 0;
    for item in to_copy {
        let start_new = match out.last() {
            None => true,
            Some(last) => last.len() >= BATCH_MESSAGES || bytes + item.meta.size > BATCH_BYTES,
        };
        if start_new {
            out.push(Vec::new());
            bytes = 0;
        }
        bytes += item.meta.size;
        if let Some(last) = out.last_mut() {
            last.push(item);
        }
    }
    out
}

/// Which of a server's APPENDUIDs can be believed, over one folder's run.
#[derive(Debug, Default)]
pub struct AppendUids {
    /// The highest APPENDUID accepted so far; a server's next one must be higher.
    last: Option<u32>,
    /// Set once the server named a UID that cannot be right (reused, going backwards, below
    /// UIDNEXT): from then on none of its APPENDUIDs is believed.
    untrusted: bool,
}

impl AppendUids {
    /// The destination UID an APPEND reported, if it can be believed: from the folder we
    /// appended to, at or above the UIDNEXT it had, and higher than the one before. One
    /// that is not makes every APPENDUID of this server suspect.
    pub fn credible(
        &mut self,
        reported: Option<(u32, u32)>,
        destination: &FolderStatus,
    ) -> Option<u32> {
        if self.untrusted {
            return None;
        }
        let (validity, uid) = reported?;
        let credible = validity == destination.uidvalidity
            && uid >= destination.uidnext.unwrap_or(1)
            && self.last.is_none_or(|last| uid > last);
        if credible {
            self.last = Some(uid);
            Some(uid)
        } else {
            self.untrusted = true;
            None
        }
    }

    pub fn is_untrusted(&self) -> bool {
        self.untrusted
    }

    pub fn distrust(&mut self) {
        self.untrusted = true;
    }
}

/// Flags to store on a message right after its APPEND (Exchange's \Flagged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreAfter {
    pub destination_uid: u32,
    pub flags: Vec<Flag>,
    /// The record's flags if the store never happens: those given at APPEND.
    pub without: String,
}

/// What to record of an appended message's flags, and what is left to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendedFlags {
    pub recorded: String,
    pub store_after: Option<StoreAfter>,
}

/// Flags that must follow the APPEND are stored only on a message whose UID is known.
/// Without one they are recorded as missing, so the next pass's flag sync sets them.
pub fn appended_flags(
    source: &[Flag],
    plan: &FlagPlan,
    destination_uid: Option<u32>,
) -> AppendedFlags {
    let without = flags::key(&plan.at_append);
    match destination_uid {
        _ if plan.after_append.is_empty() => AppendedFlags {
            recorded: flags::key(source),
            store_after: None,
        },
        Some(destination_uid) => AppendedFlags {
            recorded: flags::key(source),
            store_after: Some(StoreAfter {
                destination_uid,
                flags: plan.after_append.clone(),
                without,
            }),
        },
        None => AppendedFlags {
            recorded: without,
            store_after: None,
        },
    }
}

/// When the pass stopped before the stores: the records say the flags are not there yet,
/// so the next pass's flag sync sets them.
pub fn forget_unstored(records: &mut [MessageRecord], unstored: &[StoreAfter]) {
    for record in records {
        let pending = unstored
            .iter()
            .find(|s| record.destination_uid == Some(s.destination_uid));
        if let Some(pending) = pending {
            record.flags = pending.without.clone();
        }
    }
}

/// How a message's lines meet the destination's line limit.
#[derive(Debug, PartialEq, Eq)]
pub enum LineFit {
    /// Sent byte for byte.
    AsIs(Vec<u8>),
    /// Sent with only the offending parts re-encoded, the same content once decoded.
    Reencoded(Vec<u8>, crate::report::MessageIssue),
    /// Lines too long where re-encoding cannot reach (a header without a space): failed.
    TooLong(crate::report::MessageIssue),
}

/// A message already read loses its read-receipt request when the owner asked for that;
/// returns whether it did.
pub fn disarm_receipt(meta: &MessageMeta, body: Vec<u8>, asked: bool) -> (Vec<u8>, bool) {
    let read = meta.flags.iter().any(|f| f.eq_ignore_ascii_case("\\Seen"));
    if !(asked && read) {
        return (body, false);
    }
    match crate::receipts::disarm(&body) {
        Some(disarmed) => (disarmed, true),
        None => (body, false),
    }
}

/// A message with lines longer than the destination accepts (Exchange: 10,500 characters)
/// is re-encoded where needed and listed in the report. Everything else goes byte for byte.
pub fn fit_lines(meta: &MessageMeta, body: Vec<u8>, limit: Option<usize>) -> LineFit {
    let Some(limit) = limit else {
        return LineFit::AsIs(body);
    };
    if crate::reencode::longest_line(&body) <= limit {
        return LineFit::AsIs(body);
    }
    let limit_text = group_thousands(limit as u64);
    match crate::reencode::reencode(&body, limit) {
        Some(fitted) if fitted.longest_line <= limit => LineFit::Reencoded(
            fitted.message,
            issue(
                meta,
                "reencoded",
                format!("re-encoded for Exchange (lines longer than {limit_text} characters); the content is unchanged"),
            ),
        ),
        _ => LineFit::TooLong(issue(
            meta,
            "too_long_lines",
            format!("it has lines longer than the {limit_text} characters Exchange accepts, in a place that cannot be re-encoded"),
        )),
    }
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What one refused APPEND means.
#[derive(Debug, PartialEq, Eq)]
pub enum AfterRefusal {
    /// The message itself was refused: reported, and not sent again in this run.
    Refused(Refused),
    /// A refusal that will hit every other message too (quota, throttling): the pass ends.
    Stop,
}

/// Sorts out a refused APPEND by its kind. `server_text` is what the server said;
/// `description` the whole error, as the report shows it.
pub fn refusal(
    kind: ErrorKind,
    server_text: Option<&str>,
    description: String,
    meta: &MessageMeta,
) -> AfterRefusal {
    let refused = match kind {
        ErrorKind::TooLarge => Refused::Skipped(issue(
            meta,
            "too_large",
            format!(
                "the destination refused it as too large: {}",
                server_text.unwrap_or("")
            ),
        )),
        ErrorKind::Quota | ErrorKind::Throttled => return AfterRefusal::Stop,
        kind => Refused::Failed(issue(meta, kind.as_str(), description)),
    };
    AfterRefusal::Refused(refused)
}

#[cfg(test)]
mod tests {
    use super::super::test_data::{candidate, meta};
    use super::*;

    #[test]
    fn only_read_messages_lose_their_receipt_request_and_only_when_asked() {
        let body = b"Disposition-Notification-To: a@b\r\n\r\nhi\r\n".to_vec();
        let read = meta(1, 1, &["\\Seen"]);
        let unread = meta(2, 1, &[]);
        let (disarmed, done) = disarm_receipt(&read, body.clone(), true);
        assert!(done && disarmed.starts_with(b"X-Mailferry-Disarmed-"));
        assert_eq!(
            disarm_receipt(&unread, body.clone(), true),
            (body.clone(), false)
        );
        assert_eq!(disarm_receipt(&read, body.clone(), false), (body, false));
    }

    #[test]
    fn batches_respect_bytes_and_counts() {
        let big = vec![
            candidate(1, 100, "a", &[]),
            candidate(2, BATCH_BYTES, "b", &[]),
            candidate(3, 10, "c", &[]),
        ];
        let sizes: Vec<usize> = batches(big).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![1, 1, 1]);
        let many: Vec<_> = (0..BATCH_MESSAGES as u32 + 1)
            .map(|u| candidate(u, 1, "x", &[]))
            .collect();
        let batched = batches(many);
        let sizes: Vec<usize> = batched.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![BATCH_MESSAGES, 1]);
        assert_eq!(batched[1][0].meta.uid, BATCH_MESSAGES as u32, "order kept");
        assert!(batches(Vec::new()).is_empty());
    }

    #[test]
    fn an_appenduid_is_believed_only_while_it_makes_sense() {
        let dest = FolderStatus {
            uidvalidity: 7,
            uidnext: Some(10),
            ..Default::default()
        };
        let mut uids = AppendUids::default();
        assert_eq!(uids.credible(Some((7, 10)), &dest), Some(10));
        assert_eq!(uids.credible(Some((7, 12)), &dest), Some(12));
        assert_eq!(uids.credible(None, &dest), None);
        assert!(!uids.is_untrusted(), "a server may leave one out");
        // The same UID again: none of this server's APPENDUIDs are believed any more.
        assert_eq!(uids.credible(Some((7, 12)), &dest), None);
        assert_eq!(uids.credible(Some((7, 13)), &dest), None);
        assert!(uids.is_untrusted());

        let mut uids = AppendUids::default();
        assert_eq!(uids.credible(Some((8, 10)), &dest), None, "other folder");
        let mut uids = AppendUids::default();
        assert_eq!(uids.credible(Some((7, 9)), &dest), None, "below UIDNEXT");
    }

    #[test]
    fn exchange_flags_are_stored_after_the_append_or_recorded_as_missing() {
        let source = [Flag::Seen, Flag::Flagged, Flag::Recent];
        let plan = flags::plan(&source, None, true);
        let with_uid = appended_flags(&source, &plan, Some(42));
        assert_eq!(with_uid.recorded, "\\Flagged \\Seen");
        let store = with_uid.store_after.expect("stored after");
        assert_eq!(
            (store.destination_uid, store.flags.as_slice()),
            (42, &[Flag::Flagged][..])
        );
        assert_eq!(store.without, "\\Seen");

        let without_uid = appended_flags(&source, &plan, None);
        assert_eq!(without_uid.recorded, "\\Seen");
        assert_eq!(without_uid.store_after, None);

        let plain = flags::plan(&source, None, false);
        let elsewhere = appended_flags(&source, &plain, Some(42));
        assert_eq!(elsewhere.recorded, "\\Flagged \\Seen");
        assert_eq!(elsewhere.store_after, None);
    }

    #[test]
    fn flags_not_stored_before_a_stop_are_recorded_as_missing() {
        let record = |uid, destination_uid| MessageRecord {
            uid,
            fingerprint: crate::fingerprint::Fingerprint(uid.to_string()),
            flags: "\\Flagged \\Seen".into(),
            destination_folder: "INBOX".into(),
            destination_uid,
            outcome: crate::state::Outcome::Copied,
        };
        let mut records = vec![record(1, Some(42)), record(2, Some(43)), record(3, None)];
        let unstored = [StoreAfter {
            destination_uid: 42,
            flags: vec![Flag::Flagged],
            without: "\\Seen".into(),
        }];
        forget_unstored(&mut records, &unstored);
        let flags: Vec<&str> = records.iter().map(|r| r.flags.as_str()).collect();
        assert_eq!(flags, ["\\Seen", "\\Flagged \\Seen", "\\Flagged \\Seen"]);
    }

    #[test]
    fn lines_are_fitted_only_for_a_destination_with_a_limit() {
        let long = format!("Subject: long\r\n\r\n{}\r\n", "word ".repeat(2_500));
        let body = long.clone().into_bytes();
        assert_eq!(
            fit_lines(&meta(1, 1, &[]), body.clone(), None),
            LineFit::AsIs(body)
        );
        let short = b"Subject: short\r\n\r\nHello.\r\n".to_vec();
        assert_eq!(
            fit_lines(&meta(1, 1, &[]), short.clone(), Some(10_500)),
            LineFit::AsIs(short)
        );
    }

    #[test]
    fn a_message_with_too_long_lines_is_reencoded_or_failed() {
        let long = format!("Subject: long\r\n\r\n{}\r\n", "word ".repeat(2_500));
        let LineFit::Reencoded(fitted, noted) =
            fit_lines(&meta(1, 1, &[]), long.into_bytes(), Some(10_500))
        else {
            panic!("not re-encoded");
        };
        assert!(crate::reencode::longest_line(&fitted) <= 10_500);
        assert_eq!(noted.reason, "reencoded");
        assert!(
            noted.explanation.contains("10,500"),
            "{}",
            noted.explanation
        );

        let unbreakable = format!("X-Token: {}\r\n\r\nBody.\r\n", "t".repeat(11_000));
        let LineFit::TooLong(failed) =
            fit_lines(&meta(2, 1, &[]), unbreakable.into_bytes(), Some(10_500))
        else {
            panic!("not refused");
        };
        assert_eq!((failed.uid, failed.reason.as_str()), (2, "too_long_lines"));
    }

    #[test]
    fn a_refusal_is_skipped_failed_or_the_end_of_the_pass() {
        let m = meta(1, 1, &[]);
        let text = Some("[TOOBIG] no");
        let AfterRefusal::Refused(Refused::Skipped(skipped)) =
            refusal(ErrorKind::TooLarge, text, "x".into(), &m)
        else {
            panic!("too large is skipped");
        };
        assert_eq!(
            skipped.explanation,
            "the destination refused it as too large: [TOOBIG] no"
        );
        for kind in [ErrorKind::Quota, ErrorKind::Throttled] {
            assert_eq!(refusal(kind, text, "x".into(), &m), AfterRefusal::Stop);
        }
        let AfterRefusal::Refused(Refused::Failed(failed)) = refusal(
            ErrorKind::ServerRefused,
            text,
            "the server said no".into(),
            &m,
        ) else {
            panic!("other refusals fail the message");
        };
        assert_eq!(failed.reason, ErrorKind::ServerRefused.as_str());
        assert_eq!(failed.explanation, "the server said no");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(10_500), "10,500");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000_000), "1,000,000");
    }
}
