//! Read receipts asked for again. Outlook sends a read receipt for a message carrying
//! `Disposition-Notification-To` when it is opened in a mailbox where it was never "read" by
//! Outlook, so after a move owners find receipts going out for mail read years ago. When the
//! owner asks for it, the header of messages already read is renamed (the content and every
//! other byte stay as they were), so that no client acts on it any more.

/// What the header is renamed to: still visible to anyone who looks, acted on by no client.
pub const DISARMED_PREFIX: &str = "X-Mailferry-Disarmed-";

const HEADER: &[u8] = b"disposition-notification-to:";

/// The message with its top-level `Disposition-Notification-To` header fields renamed, or
/// `None` when it has none. Only the header block is looked at, never the body or attached
/// messages.
pub fn disarm(message: &[u8]) -> Option<Vec<u8>> {
    let header_end = header_block_end(message);
    let mut starts = Vec::new();
    let mut line_start = 0;
    while line_start < header_end {
        let line = &message[line_start..header_end];
        if line.len() >= HEADER.len() && line[..HEADER.len()].eq_ignore_ascii_case(HEADER) {
            starts.push(line_start);
        }
        match line.iter().position(|b| *b == b'\n') {
            Some(at) => line_start += at + 1,
            None => break,
        }
    }
    if starts.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(message.len() + starts.len() * DISARMED_PREFIX.len());
    let mut copied = 0;
    for start in starts {
        out.extend_from_slice(&message[copied..start]);
        out.extend_from_slice(DISARMED_PREFIX.as_bytes());
        copied = start;
    }
    out.extend_from_slice(&message[copied..]);
    Some(out)
}

/// Where the header block ends: at the first empty line, or the whole message if none.
fn header_block_end(message: &[u8]) -> usize {
    let mut at = 0;
    while at < message.len() {
        let rest = &message[at..];
        if rest.starts_with(b"\r\n") || rest.starts_with(b"\n") {
            return at;
        }
        match rest.iter().position(|b| *b == b'\n') {
            Some(end) => at += end + 1,
            None => return message.len(),
        }
    }
    message.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_renamed_and_nothing_else_changes() {
        let message = b"From: a@b\r\nDisposition-Notification-To: a@b\r\nSubject: hi\r\n\r\nDisposition-Notification-To: in the body\r\n";
        let disarmed = disarm(message).unwrap();
        let expected = b"From: a@b\r\nX-Mailferry-Disarmed-Disposition-Notification-To: a@b\r\nSubject: hi\r\n\r\nDisposition-Notification-To: in the body\r\n";
        assert_eq!(disarmed, expected.to_vec());
    }

    #[test]
    fn any_letter_case_and_bare_line_feeds() {
        let message = b"disposition-NOTIFICATION-to: a@b\nSubject: x\n\nbody";
        let disarmed = disarm(message).unwrap();
        assert!(disarmed.starts_with(b"X-Mailferry-Disarmed-disposition-NOTIFICATION-to: a@b\n"));
        assert!(disarmed.ends_with(b"\n\nbody"));
    }

    #[test]
    fn messages_without_it_are_left_alone() {
        assert_eq!(
            disarm(b"Subject: x\r\n\r\nDisposition-Notification-To: b\r\n"),
            None
        );
        assert_eq!(disarm(b""), None);
        assert_eq!(disarm(b"no header end"), None);
    }

    proptest::proptest! {
        #[test]
        fn only_the_prefix_is_added(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let mut message = b"Disposition-Notification-To: x\r\n\r\n".to_vec();
            message.extend_from_slice(&body);
            let disarmed = disarm(&message).unwrap();
            proptest::prop_assert_eq!(&disarmed[DISARMED_PREFIX.len()..], &message[..]);
        }
    }
}
