//! Cutting the server's byte stream into responses, with every size bounded before anything
//! is allocated.
//!
//! A response is a line, or a line ending in a literal announcement (`{123}`) followed by
//! that many bytes and more line. `imap-proto` parses complete responses but does not frame
//! a stream, and async-imap's framing trusts the announced sizes (it reserves what the server
//! announces), so this small state machine is ours. It is pure: the connection feeds it
//! whatever the socket gave, which keeps it testable and fuzzable without a server.

/// The most a server may send us in one response. Anything larger is refused before it is
/// read, so memory never follows what a server merely announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest line outside literals.
    pub max_line: usize,
    /// Largest single literal.
    pub max_literal: u64,
    /// Largest whole response (all its lines and literals).
    pub max_frame: u64,
}

impl Limits {
    /// Lines of a few MB cover every legitimate response (a SEARCH of a million UIDs is
    /// about 7 MB, but we never ask for one that large).
    pub const MAX_LINE: usize = 4 * 1024 * 1024;

    pub fn for_literal(max_literal: u64) -> Limits {
        Limits {
            max_line: Self::MAX_LINE,
            max_literal,
            max_frame: max_literal
                .saturating_mul(2)
                .saturating_add(2 * Self::MAX_LINE as u64),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("a response line longer than {} without an end", human_bytes(*.limit as u64))]
    LineTooLong { limit: usize },
    #[error("a literal of {} where at most {} was expected", announced.as_deref().unwrap_or("an impossible size"), human_bytes(*.limit))]
    LiteralTooLarge {
        /// The size as the server wrote it, readable; `None` when it does not even fit 64 bits.
        announced: Option<String>,
        limit: u64,
    },
    #[error("a response larger than {}", human_bytes(*.limit))]
    FrameTooLarge { limit: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading a line; the current line began at this offset of the frame.
    Line {
        line_start: usize,
    },
    Literal {
        remaining: u64,
    },
}

/// Assembles one response at a time from chunks of input.
#[derive(Debug)]
pub struct Framer {
    frame: Vec<u8>,
    state: State,
}

impl Default for Framer {
    fn default() -> Self {
        Framer {
            frame: Vec::new(),
            state: State::Line { line_start: 0 },
        }
    }
}

impl Framer {
    /// Takes bytes from `input` and returns how many it used, and the response they completed
    /// if any. Bytes after a completed response are left for the next call.
    pub fn advance(
        &mut self,
        input: &[u8],
        limits: &Limits,
    ) -> Result<(usize, Option<Vec<u8>>), FrameError> {
        let mut used = 0;
        while used < input.len() {
            let rest = &input[used..];
            match self.state {
                State::Literal { remaining } => {
                    let take = rest
                        .len()
                        .min(usize::try_from(remaining).unwrap_or(usize::MAX));
                    self.frame.extend_from_slice(&rest[..take]);
                    used += take;
                    let remaining = remaining - take as u64;
                    self.state = if remaining == 0 {
                        State::Line {
                            line_start: self.frame.len(),
                        }
                    } else {
                        State::Literal { remaining }
                    };
                }
                State::Line { line_start } => {
                    let newline = rest.iter().position(|b| *b == b'\n');
                    let take = newline.map_or(rest.len(), |at| at + 1);
                    let line_len = self.frame.len() - line_start + take;
                    if line_len > limits.max_line {
                        return Err(FrameError::LineTooLong {
                            limit: limits.max_line,
                        });
                    }
                    self.frame.extend_from_slice(&rest[..take]);
                    used += take;
                    if newline.is_none() {
                        break;
                    }
                    match literal_announcement(&self.frame[line_start..]) {
                        None => {
                            let frame = std::mem::take(&mut self.frame);
                            self.state = State::Line { line_start: 0 };
                            return Ok((used, Some(frame)));
                        }
                        Some(Announced::Size(size)) => {
                            if size > limits.max_literal {
                                return Err(FrameError::LiteralTooLarge {
                                    announced: Some(human_bytes(size)),
                                    limit: limits.max_literal,
                                });
                            }
                            if (self.frame.len() as u64).saturating_add(size) > limits.max_frame {
                                return Err(FrameError::FrameTooLarge {
                                    limit: limits.max_frame,
                                });
                            }
                            self.state = if size == 0 {
                                State::Line {
                                    line_start: self.frame.len(),
                                }
                            } else {
                                State::Literal { remaining: size }
                            };
                        }
                        Some(Announced::Overflow) => {
                            return Err(FrameError::LiteralTooLarge {
                                announced: None,
                                limit: limits.max_literal,
                            })
                        }
                    }
                }
            }
        }
        Ok((used, None))
    }

    /// Bytes of the response being assembled (for "is the server still sending" checks).
    pub fn partial_len(&self) -> usize {
        self.frame.len()
    }
}

enum Announced {
    Size(u64),
    /// More digits than any real size has: refused without parsing.
    Overflow,
}

/// `{123}\r\n` (or `{123+}`) at the end of a line announces a literal of 123 bytes.
fn literal_announcement(line: &[u8]) -> Option<Announced> {
    let line = line
        .strip_suffix(b"\r\n")
        .or_else(|| line.strip_suffix(b"\n"))?;
    let line = line.strip_suffix(b"}")?;
    let open = line.iter().rposition(|b| *b == b'{')?;
    let digits = &line[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut size: u64 = 0;
    for digit in digits {
        size = match size
            .checked_mul(10)
            .and_then(|s| s.checked_add(u64::from(digit - b'0')))
        {
            Some(size) => size,
            None => return Some(Announced::Overflow),
        };
    }
    Some(Announced::Size(size))
}

/// `1.5 GB`, `35 MB`, `812 bytes`: sizes as people read them.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KB", "MB", "GB", "TB", "PB", "EB"];
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    value /= 1000.0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Limits {
        Limits {
            max_line: 64,
            max_literal: 100,
            max_frame: 300,
        }
    }

    /// Feeds `input` in chunks of `chunk` bytes and collects every response.
    fn frames(input: &[u8], chunk: usize, limits: &Limits) -> Result<Vec<Vec<u8>>, FrameError> {
        let mut framer = Framer::default();
        let mut out = Vec::new();
        for piece in input.chunks(chunk.max(1)) {
            let mut at = 0;
            while at < piece.len() {
                let (used, frame) = framer.advance(&piece[at..], limits)?;
                at += used;
                out.extend(frame);
                if used == 0 {
                    break;
                }
            }
        }
        Ok(out)
    }

    #[test]
    fn lines_and_literals_become_responses_whatever_the_chunking() {
        let input = b"* OK hi\r\n* 1 FETCH (BODY[] {5}\r\nab\r\nc)\r\nm1 OK done\r\n";
        for chunk in [1, 2, 3, 7, 100] {
            let got = frames(input, chunk, &small()).unwrap();
            assert_eq!(
                got,
                vec![
                    b"* OK hi\r\n".to_vec(),
                    b"* 1 FETCH (BODY[] {5}\r\nab\r\nc)\r\n".to_vec(),
                    b"m1 OK done\r\n".to_vec()
                ],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn empty_and_literal_plus_announcements() {
        let got = frames(
            b"* 1 FETCH (BODY[] {0}\r\n)\r\n* X {2+}\r\nab\r\n",
            4,
            &small(),
        )
        .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1], b"* X {2+}\r\nab\r\n");
    }

    #[test]
    fn announced_sizes_are_refused_before_reading() {
        let err = frames(b"* OK {1000000000000}\r\n", 50, &small()).unwrap_err();
        assert_eq!(
            err,
            FrameError::LiteralTooLarge {
                announced: Some("1.0 TB".into()),
                limit: 100
            }
        );
        assert!(err.to_string().contains("1.0 TB"));
        let err = frames(b"* OK {18446744073709551616}\r\n", 50, &small()).unwrap_err();
        assert!(matches!(
            err,
            FrameError::LiteralTooLarge {
                announced: None,
                ..
            }
        ));
        let max = frames(b"* OK {18446744073709551615}\r\n", 50, &small()).unwrap_err();
        assert!(matches!(max, FrameError::LiteralTooLarge { .. }));
    }

    #[test]
    fn endless_lines_stop_at_the_limit() {
        let endless = vec![b'x'; 1000];
        assert_eq!(
            frames(&endless, 10, &small()).unwrap_err(),
            FrameError::LineTooLong { limit: 64 }
        );
    }

    #[test]
    fn many_literals_cannot_make_a_huge_response() {
        let mut input = Vec::new();
        input.extend_from_slice(b"* 1 FETCH (A {90}\r\n");
        for _ in 0..5 {
            input.extend_from_slice(&[b'a'; 90]);
            input.extend_from_slice(b" B {90}\r\n");
        }
        assert!(matches!(
            frames(&input, 33, &small()).unwrap_err(),
            FrameError::FrameTooLarge { .. }
        ));
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_bytes(812), "812 bytes");
        assert_eq!(human_bytes(35_000_000), "35 MB");
        assert_eq!(human_bytes(1_500_000_000), "1.5 GB");
        assert_eq!(human_bytes(u64::MAX), "18 EB");
    }

    proptest::proptest! {
        /// Whatever the bytes and however they arrive, nothing panics and no response
        /// exceeds the limits.
        #[test]
        fn any_input_is_framed_within_limits(input in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600), chunk in 1usize..40) {
            if let Ok(got) = frames(&input, chunk, &small()) {
                for frame in got {
                    proptest::prop_assert!(frame.len() as u64 <= small().max_frame);
                }
            }
        }
    }
}
