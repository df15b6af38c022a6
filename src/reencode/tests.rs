use mail_parser::{MessageParser, PartType};
use proptest::prelude::*;

use super::*;

const LIMIT: usize = 10_500;

/// Every leaf part's decoded content, nested messages included, in order.
fn decoded(raw: &[u8]) -> Vec<Vec<u8>> {
    fn walk(message: &mail_parser::Message<'_>, out: &mut Vec<Vec<u8>>) {
        for part in &message.parts {
            match &part.body {
                PartType::Multipart(_) => {}
                PartType::Message(inner) => walk(inner, out),
                _ => out.push(part.contents().to_vec()),
            }
        }
    }
    let message = MessageParser::default().parse(raw).expect("parses");
    let mut out = Vec::new();
    walk(&message, &mut out);
    out
}

fn unfold(raw: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(raw);
    text.replace("\r\n ", " ")
        .replace("\r\n\t", "\t")
        .replace("\n ", " ")
        .into_bytes()
}

fn header_of(raw: &[u8]) -> &[u8] {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
        .unwrap_or(raw.len());
    &raw[..end]
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn nothing_to_do_below_the_limit() {
    let raw = b"Subject: short\r\n\r\nHello.\r\n";
    assert_eq!(reencode(raw, LIMIT), None);
    assert_eq!(longest_line(b"ab\r\nabcd\nx"), 4);
    assert_eq!(longest_line(b""), 0);
}

#[test]
fn single_part_text_becomes_quoted_printable() {
    let long = "word ".repeat(2_500); // 12,500 characters
    let raw = format!("Subject: long\r\nFrom: a@example.com\r\n\r\n{long}\r\nsecond line\r\n");
    let out = reencode(raw.as_bytes(), LIMIT).expect("re-encoded");
    assert!(out.longest_line <= LIMIT, "{}", out.longest_line);
    assert_eq!(out.parts_reencoded, 1);
    let header = header_of(&out.message);
    assert!(contains(header, b"MIME-Version: 1.0\r\n"));
    assert!(contains(
        header,
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ));
    assert!(out
        .message
        .starts_with(b"Subject: long\r\nFrom: a@example.com\r\n"));
    assert_eq!(decoded(&out.message), decoded(raw.as_bytes()));
    assert_eq!(
        decoded(&out.message)[0],
        format!("{long}\r\nsecond line\r\n").into_bytes()
    );
}

#[test]
fn only_the_long_part_of_a_multipart_changes() {
    let first = "Content-Type: text/plain\r\n\r\nShort text.";
    let long = format!("Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n<p>{}</p>", "x".repeat(11_000));
    let third =
        "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK";
    let raw = format!(
        "Subject: m\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\n{first}\r\n--b1\r\n{long}\r\n--b1\r\n{third}\r\n--b1--\r\nepilogue\r\n"
    );
    let out = reencode(raw.as_bytes(), LIMIT).expect("re-encoded");
    assert!(out.longest_line <= LIMIT);
    assert_eq!(out.parts_reencoded, 1);
    let text = String::from_utf8(out.message.clone()).expect("ascii");
    let before_long = raw.find("Content-Type: text/html").expect("long part");
    assert_eq!(
        &text[..before_long],
        &raw[..before_long],
        "everything before is unchanged"
    );
    let after_long = raw
        .find("\r\n--b1\r\nContent-Type: application/pdf")
        .expect("third");
    assert!(
        text.ends_with(&raw[after_long..]),
        "everything after is unchanged"
    );
    assert!(text.contains("Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"));
    assert!(!text.contains("7bit"));
    assert_eq!(decoded(&out.message), decoded(raw.as_bytes()));
}

#[test]
fn nested_multiparts_and_messages_are_reached() {
    let inner_message = format!(
        "Subject: inner\r\nContent-Type: text/plain\r\n\r\n{}\r\n",
        "inner ".repeat(2_000)
    );
    let raw = format!(
        "Content-Type: multipart/mixed; boundary=outer\r\n\r\n\
         --outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n\
         --inner\r\nContent-Type: text/plain\r\n\r\nplain\r\n\
         --inner\r\nContent-Type: text/html\r\n\r\n<b>{}</b>\r\n--inner--\r\n\
         --outer\r\nContent-Type: message/rfc822\r\n\r\n{inner_message}\r\n\
         --outer\r\nContent-Type: application/octet-stream\r\n\r\n{}\r\n--outer--\r\n",
        "y".repeat(10_501),
        "z".repeat(20_000),
    );
    let out = reencode(raw.as_bytes(), LIMIT).expect("re-encoded");
    assert!(out.longest_line <= LIMIT, "{}", out.longest_line);
    assert_eq!(out.parts_reencoded, 3);
    let text = String::from_utf8(out.message.clone()).expect("ascii");
    assert!(text.contains("--inner\r\nContent-Type: text/plain\r\n\r\nplain\r\n"));
    assert!(text.contains(
        "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
    ));
    // The nested message's own header gains the encoding (a message, so MIME-Version too).
    assert!(text.contains("Subject: inner\r\nContent-Type: text/plain\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n"));
    assert_eq!(decoded(&out.message), decoded(raw.as_bytes()));
}

#[test]
fn a_long_base64_line_is_rewrapped() {
    use base64::Engine as _;
    let data: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let one_line = base64::engine::general_purpose::STANDARD.encode(&data);
    let raw = format!(
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n{one_line}\r\n--b--\r\n"
    );
    let out = reencode(raw.as_bytes(), LIMIT).expect("re-encoded");
    assert!(out.longest_line <= 76);
    let text = String::from_utf8(out.message.clone()).expect("ascii");
    assert_eq!(text.matches("Content-Transfer-Encoding").count(), 1);
    assert_eq!(decoded(&out.message), vec![data]);
}

#[test]
fn a_long_quoted_printable_line_gets_soft_breaks() {
    let body = format!("{}=C3=A9{}", "a".repeat(74), "b=3D".repeat(4_000));
    let raw = format!("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{body}\r\n");
    let out = reencode(raw.as_bytes(), LIMIT).expect("re-encoded");
    assert!(out.longest_line <= 76);
    assert_eq!(decoded(&out.message), decoded(raw.as_bytes()));
}

#[test]
fn long_header_lines_are_folded_and_unfold_to_the_original() {
    let recipients: Vec<String> = (0..600).map(|i| format!("person{i}@example.com")).collect();
    let to = format!("To: {}", recipients.join(", "));
    let raw = format!("{to}\r\nSubject: hi\r\n\r\nBody.\r\n");
    let out = reencode(raw.as_bytes(), LIMIT).expect("re-encoded");
    assert!(out.longest_line <= LIMIT);
    assert_eq!(out.headers_folded, 1);
    assert_eq!(out.parts_reencoded, 0);
    assert!(unfold(&out.message) == raw.as_bytes());
    assert!(out.message.ends_with(b"\r\nSubject: hi\r\n\r\nBody.\r\n"));
    // A header line without a space cannot be folded: left as it is, and said so.
    let unbreakable = format!("X-Token: {}\r\n\r\nBody.\r\n", "t".repeat(11_000));
    let out = reencode(unbreakable.as_bytes(), LIMIT).expect("tried");
    assert!(out.longest_line > LIMIT);
    assert!(unfold(&out.message) == unbreakable.as_bytes());
}

#[test]
fn eight_bit_text_decodes_to_the_same_bytes() {
    let line = "Grüße aus Köln, naïve café — ".repeat(400);
    let raw = format!("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{line}\r\n");
    let out = reencode(raw.as_bytes(), LIMIT).expect("re-encoded");
    assert!(out.longest_line <= 76);
    assert!(out.message.is_ascii());
    assert_eq!(decoded(&out.message)[0], format!("{line}\r\n").into_bytes());
}

#[test]
fn bare_lf_messages_stay_bare_lf() {
    let raw = format!(
        "Subject: lf\nContent-Type: text/plain\n\nfirst\n{}\nlast\n",
        "q ".repeat(6_000)
    );
    let out = reencode(raw.as_bytes(), LIMIT).expect("re-encoded");
    assert!(out.longest_line <= 76);
    assert!(!out.message.contains(&b'\r'), "no CR introduced");
    assert!(contains(
        &out.message,
        b"Content-Transfer-Encoding: quoted-printable\n\n"
    ));
    assert_eq!(decoded(&out.message), decoded(raw.as_bytes()));
}

#[test]
fn mixed_line_endings_in_text_go_to_base64() {
    let raw = format!(
        "Subject: mixed\r\n\r\none\ntwo\r\n{}\r\n",
        "w".repeat(11_000)
    );
    let out = reencode(raw.as_bytes(), LIMIT).expect("re-encoded");
    assert!(contains(
        &out.message,
        b"Content-Transfer-Encoding: base64\r\n"
    ));
    assert!(decoded(&out.message) == decoded(raw.as_bytes()));
}

#[test]
fn trailing_spaces_and_equals_signs_survive() {
    let raw = format!("Subject: t\r\n\r\n{} \r\na=b \t\r\n", "=x ".repeat(4_000));
    let out = reencode(raw.as_bytes(), LIMIT).expect("re-encoded");
    assert!(out.longest_line <= 76);
    assert_eq!(decoded(&out.message), decoded(raw.as_bytes()));
}

#[test]
fn large_messages_are_handled_in_linear_time() {
    // 20 MB in long lines: quadratic work would not finish in a test's lifetime.
    let raw = format!("Subject: big\r\n\r\n{}\r\n", "0123456789".repeat(2_000_000));
    let out = reencode(raw.as_bytes(), LIMIT).expect("re-encoded");
    assert!(out.longest_line <= 76);
}

fn part_strategy() -> impl Strategy<Value = (String, String, Vec<u8>)> {
    let content_type = prop_oneof![
        Just("text/plain; charset=utf-8".to_string()),
        Just("text/html".to_string()),
        Just("application/octet-stream".to_string()),
    ];
    let encoding = prop_oneof![Just("7bit"), Just("8bit"), Just("")];
    let line = prop_oneof![
        proptest::collection::vec(any::<char>(), 0..40)
            .prop_map(|c| c.into_iter().collect::<String>()),
        (1usize..400).prop_map(|n| "ab= \t".chars().cycle().take(n).collect()),
    ];
    let body = proptest::collection::vec((line, prop_oneof![Just("\r\n"), Just("\n")]), 1..6)
        .prop_map(|lines| {
            lines
                .into_iter()
                .flat_map(|(line, end)| {
                    let line: String = line.chars().filter(|c| *c != '\r' && *c != '\n').collect();
                    format!("{line}{end}").into_bytes()
                })
                .collect::<Vec<u8>>()
        });
    (content_type, encoding.prop_map(str::to_string), body)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn reencoding_keeps_content_and_respects_the_limit(
        parts in proptest::collection::vec(part_strategy(), 1..4),
        subject in "[a-z ]{0,300}",
    ) {
        let limit = 100;
        let mut raw = format!("Subject: {subject}\r\nContent-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\n").into_bytes();
        for (content_type, encoding, body) in &parts {
            raw.extend_from_slice(format!("--=_b\r\nContent-Type: {content_type}\r\n").as_bytes());
            if !encoding.is_empty() {
                raw.extend_from_slice(format!("Content-Transfer-Encoding: {encoding}\r\n").as_bytes());
            }
            raw.extend_from_slice(b"\r\n");
            raw.extend_from_slice(body);
            raw.extend_from_slice(b"\r\n");
        }
        raw.extend_from_slice(b"--=_b--\r\n");
        match reencode(&raw, limit) {
            None => prop_assert!(longest_line(&raw) <= limit),
            Some(out) => {
                prop_assert!(out.longest_line <= limit, "longest {}", out.longest_line);
                prop_assert_eq!(longest_line(&out.message), out.longest_line);
                prop_assert!(decoded(&out.message) == decoded(&raw), "decoded content differs");
                prop_assert_eq!(unfold(header_of(&out.message)).len() >= header_of(&raw).len(), true);
            }
        }
    }
}
