//! Re-encoding a message so that no line is longer than a server accepts (Exchange Online
//! refuses lines over 10,500 characters), changing as little as possible.
//!
//! Only the MIME leaf parts that hold an over-long line are re-encoded: text as
//! quoted-printable, anything else as base64, and a part that is already quoted-printable or
//! base64 is only re-wrapped. Header lines that are too long are folded at a space (RFC 5322
//! folding, which unfolding undoes exactly). Every other byte stays as it was, and every
//! part decodes to the same content as before. The part boundaries come from mail-parser's
//! byte offsets; the work is linear in the message's size.

use mail_parser::{Encoding, MessageParser, MessagePart, MimeHeaders, PartType};

/// Longest encoded line written by the quoted-printable and base64 encoders (RFC 2045).
const ENCODED_LINE: usize = 76;
/// message/rfc822 parts inside message/rfc822 parts: deeper ones are left as they are.
const MAX_DEPTH: usize = 8;

/// A message re-encoded for a line limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reencoded {
    pub message: Vec<u8>,
    /// MIME parts whose body was re-encoded or re-wrapped.
    pub parts_reencoded: usize,
    /// Header fields that were folded.
    pub headers_folded: usize,
    /// The longest line left. Above the limit only when a line could not be shortened
    /// (a MIME preamble or epilogue, or a header line without a space to fold at).
    pub longest_line: usize,
}

/// The longest line of `bytes`, in bytes, without its line ending (CRLF or LF).
pub fn longest_line(bytes: &[u8]) -> usize {
    let mut longest = 0;
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            let end = if i > start && bytes[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            longest = longest.max(end - start);
            start = i + 1;
        }
    }
    longest.max(bytes.len() - start)
}

/// `None` when no line of `raw` is longer than `limit`; otherwise the message with the
/// offending parts re-encoded and header lines folded. `limit` should be at least 78 (the
/// encoders write 76-character lines).
pub fn reencode(raw: &[u8], limit: usize) -> Option<Reencoded> {
    if longest_line(raw) <= limit {
        return None;
    }
    let mut counts = Counts::default();
    let message = rewrite(raw, limit, 0, &mut counts).unwrap_or_else(|| raw.to_vec());
    let longest = longest_line(&message);
    Some(Reencoded {
        message,
        parts_reencoded: counts.parts,
        headers_folded: counts.headers,
        longest_line: longest,
    })
}

#[derive(Default)]
struct Counts {
    parts: usize,
    headers: usize,
}

/// The rewritten message, or `None` when nothing in it could be changed.
fn rewrite(raw: &[u8], limit: usize, depth: usize, counts: &mut Counts) -> Option<Vec<u8>> {
    let parsed = MessageParser::default().parse(raw)?;
    let mut edits: Vec<(usize, usize, Vec<u8>)> = Vec::new();
    for (index, part) in parsed.parts.iter().enumerate() {
        let (h, b, e) = (
            part.offset_header as usize,
            part.offset_body as usize,
            part.offset_end as usize,
        );
        if h > b || b > e || e > raw.len() {
            continue; // offsets we cannot trust: leave the part alone
        }
        let header = &raw[h..b];
        let body = &raw[b..e];
        let body_too_long = longest_line(body) > limit;
        let is_top = index == 0;
        let (new_body, new_cte) = match &part.body {
            PartType::Multipart(_) => (None, None),
            PartType::Message(_) if part.encoding == Encoding::None => {
                if body_too_long && depth < MAX_DEPTH {
                    (rewrite(body, limit, depth + 1, counts), None)
                } else {
                    (None, None)
                }
            }
            _ if body_too_long => {
                counts.parts += 1;
                let (body, cte) = encode_leaf(part, header, body);
                (Some(body), cte)
            }
            _ => (None, None),
        };
        if let Some(header) = rewrite_header(header, limit, new_cte, is_top, counts) {
            edits.push((h, b, header));
        }
        if let Some(body) = new_body {
            edits.push((b, e, body));
        }
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|(start, _, _)| *start);
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 3);
    let mut at = 0;
    for (start, end, replacement) in edits {
        if start < at {
            continue; // overlapping ranges cannot come from one parse; be safe anyway
        }
        out.extend_from_slice(&raw[at..start]);
        out.extend_from_slice(&replacement);
        at = end;
    }
    out.extend_from_slice(&raw[at..]);
    Some(out)
}

fn is_text(part: &MessagePart<'_>) -> bool {
    match part.content_type() {
        Some(content_type) => content_type.c_type.eq_ignore_ascii_case("text"),
        None => true, // RFC 2045: text/plain by default
    }
}

/// The line ending the part's header uses (bare LF messages exist), CRLF by default.
fn line_ending(header: &[u8]) -> &'static [u8] {
    match header.iter().position(|&b| b == b'\n') {
        Some(i) if i == 0 || header[i - 1] != b'\r' => b"\n",
        _ => b"\r\n",
    }
}

/// The leaf's new body, and the Content-Transfer-Encoding to declare when it changes.
fn encode_leaf(
    part: &MessagePart<'_>,
    header: &[u8],
    body: &[u8],
) -> (Vec<u8>, Option<&'static str>) {
    let eol = line_ending(header);
    match part.encoding {
        Encoding::Base64 => (rewrap_base64(body, eol), None),
        Encoding::QuotedPrintable => (rewrap_quoted_printable(body, eol), None),
        // Decoders turn every quoted-printable line break into one newline style, so text
        // whose line endings are mixed keeps its exact bytes only in base64.
        Encoding::None if is_text(part) && uniform_line_endings(body, eol) => {
            (encode_quoted_printable(body, eol), Some("quoted-printable"))
        }
        Encoding::None => (encode_base64(body, eol), Some("base64")),
    }
}

/// Whether every line break of `body` is `eol` (and no bare CR ends a line).
fn uniform_line_endings(body: &[u8], eol: &[u8]) -> bool {
    lines(body).all(|(_, ending)| ending.is_empty() || ending == eol)
}

fn encode_base64(body: &[u8], eol: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(body);
    wrap(encoded.as_bytes(), eol)
}

/// Base64 decoders skip line breaks, so re-cutting the lines keeps the content.
fn rewrap_base64(body: &[u8], eol: &[u8]) -> Vec<u8> {
    let ends_with_break = body.ends_with(b"\n");
    let joined: Vec<u8> = body
        .iter()
        .copied()
        .filter(|&b| b != b'\r' && b != b'\n')
        .collect();
    let mut out = wrap(&joined, eol);
    if !ends_with_break && out.ends_with(eol) {
        out.truncate(out.len() - eol.len());
    }
    out
}

fn wrap(data: &[u8], eol: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / ENCODED_LINE * 2 + 2);
    for chunk in data.chunks(ENCODED_LINE) {
        out.extend_from_slice(chunk);
        out.extend_from_slice(eol);
    }
    out
}

/// Inserts soft line breaks into over-long quoted-printable lines, never inside an `=XX`.
fn rewrap_quoted_printable(body: &[u8], eol: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + body.len() / 32);
    for (line, ending) in lines(body) {
        let mut start = 0;
        while line.len() - start > ENCODED_LINE {
            let mut cut = start + ENCODED_LINE - 1;
            // Step back so that no escape is split by the break.
            if line[cut - 1] == b'=' {
                cut -= 1;
            } else if line[cut - 2] == b'=' {
                cut -= 2;
            }
            out.extend_from_slice(&line[start..cut]);
            out.push(b'=');
            out.extend_from_slice(eol);
            start = cut;
        }
        out.extend_from_slice(&line[start..]);
        out.extend_from_slice(ending);
    }
    out
}

/// Quoted-printable that keeps each hard line break as the original wrote it (CRLF or LF),
/// so the decoded text is byte for byte the original.
fn encode_quoted_printable(body: &[u8], eol: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(body.len() + body.len() / 8);
    for (line, ending) in lines(body) {
        let mut width = 0;
        for (i, &b) in line.iter().enumerate() {
            let last = i + 1 == line.len();
            let literal =
                matches!(b, b'!'..=b'<' | b'>'..=b'~') || (!last && (b == b' ' || b == b'\t'));
            let size = if literal { 1 } else { 3 };
            // Room for the '=' of a soft break, unless this is the line's last character.
            let room = if last { ENCODED_LINE } else { ENCODED_LINE - 1 };
            if width + size > room {
                out.push(b'=');
                out.extend_from_slice(eol);
                width = 0;
            }
            if literal {
                out.push(b);
            } else {
                out.extend_from_slice(&[b'=', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            }
            width += size;
        }
        out.extend_from_slice(ending);
    }
    out
}

/// Lines of `body` with their endings: a line's own CR stays in its ending only before LF.
fn lines(body: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut rest = body;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, ending, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) if i > 0 && rest[i - 1] == b'\r' => {
                (&rest[..i - 1], &rest[i - 1..=i], &rest[i + 1..])
            }
            Some(i) => (&rest[..i], &rest[i..=i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..], &rest[rest.len()..]),
        };
        rest = next;
        Some((line, ending))
    })
}

/// A part's header block (its fields and the blank line after them) with
/// Content-Transfer-Encoding set to `new_cte` (if given) and lines over `limit` folded.
/// `None` when nothing changes.
fn rewrite_header(
    header: &[u8],
    limit: usize,
    new_cte: Option<&str>,
    is_top: bool,
    counts: &mut Counts,
) -> Option<Vec<u8>> {
    let eol = line_ending(header);
    let needs_fold = longest_line(header) > limit;
    if new_cte.is_none() && !needs_fold {
        return None;
    }
    // Fields: a line starting with a space or tab continues the field before it.
    let mut fields: Vec<Vec<&[u8]>> = Vec::new();
    let mut blank: Vec<(&[u8], &[u8])> = Vec::new();
    for (line, ending) in lines(header) {
        if line.is_empty() {
            blank.push((line, ending));
            continue;
        }
        let whole =
            &header[offset_in(header, line)..offset_in(header, line) + line.len() + ending.len()];
        match (line.first(), fields.last_mut()) {
            (Some(b' ' | b'\t'), Some(field)) => field.push(whole),
            _ => fields.push(vec![whole]),
        }
    }
    let name_is = |field: &[&[u8]], name: &str| {
        field.first().is_some_and(|first| {
            first
                .split(|&b| b == b':')
                .next()
                .is_some_and(|n| n.trim_ascii().eq_ignore_ascii_case(name.as_bytes()))
        })
    };
    let mut out = Vec::with_capacity(header.len() + 64);
    let mut has_mime_version = false;
    for field in &fields {
        if new_cte.is_some() && name_is(field, "Content-Transfer-Encoding") {
            continue;
        }
        has_mime_version |= name_is(field, "MIME-Version");
        let mut folded_any = false;
        for line in field {
            folded_any |= fold_line(line, limit, eol, &mut out);
        }
        if folded_any {
            counts.headers += 1;
        }
    }
    if let Some(cte) = new_cte {
        if is_top && !has_mime_version {
            // A transfer encoding means something only in a MIME message.
            out.extend_from_slice(b"MIME-Version: 1.0");
            out.extend_from_slice(eol);
        }
        out.extend_from_slice(b"Content-Transfer-Encoding: ");
        out.extend_from_slice(cte.as_bytes());
        out.extend_from_slice(eol);
    }
    for (_, ending) in blank {
        out.extend_from_slice(ending);
    }
    (out != header).then_some(out)
}

fn offset_in(outer: &[u8], inner: &[u8]) -> usize {
    inner.as_ptr() as usize - outer.as_ptr() as usize
}

/// Writes `line` (with its ending) folded before spaces so that no piece is longer than
/// `limit`; returns whether it folded. A stretch without a space stays as it is.
fn fold_line(line: &[u8], limit: usize, eol: &[u8], out: &mut Vec<u8>) -> bool {
    let content_len = line.len()
        - if line.ends_with(b"\r\n") {
            2
        } else if line.ends_with(b"\n") {
            1
        } else {
            0
        };
    let (content, ending) = line.split_at(content_len);
    let mut start = 0;
    let mut folded = false;
    while content.len() - start > limit {
        // The last space or tab that keeps this piece within the limit; folding puts a line
        // break before it. Position `start` itself is not a fold point (empty piece).
        let window = &content[start + 1..=start + limit];
        let Some(at) = window.iter().rposition(|&b| b == b' ' || b == b'\t') else {
            // No space in reach: fold at the next space after it, if any.
            match content[start + limit + 1..]
                .iter()
                .position(|&b| b == b' ' || b == b'\t')
            {
                Some(next) => {
                    let cut = start + limit + 1 + next;
                    out.extend_from_slice(&content[start..cut]);
                    out.extend_from_slice(eol);
                    start = cut;
                    folded = true;
                    continue;
                }
                None => break,
            }
        };
        let cut = start + 1 + at;
        out.extend_from_slice(&content[start..cut]);
        out.extend_from_slice(eol);
        start = cut;
        folded = true;
    }
    out.extend_from_slice(&content[start..]);
    out.extend_from_slice(ending);
    folded
}

#[cfg(test)]
mod tests;
