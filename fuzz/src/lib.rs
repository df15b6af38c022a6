//! Fuzz targets for the code that reads what servers and files send. Each target is one
//! function here, driven by one file in tests/ (`bolero::check!`), with its seed corpus of
//! real server transcripts and files in tests/__fuzz__/<target>/corpus.
//!
//! On stable Rust, `cargo test` runs every corpus file and then random inputs for a while
//! (BOLERO_RANDOM_TEST_TIME_MS). Random bytes rarely look like IMAP, so each target also
//! splices the input into its seeds: a seed with a few bytes overwritten, cut short or
//! with a piece inserted is what a broken or hostile server most often sends.

use std::path::PathBuf;
use std::sync::OnceLock;

/// `imap_proto::parser::parse_response` on a whole buffer, response after response, as the
/// connection hands it complete frames. It may refuse anything, but never panic or loop.
pub fn imap_response(input: &[u8]) {
    parse_all(input);
    for spliced in splices("imap_response", input) {
        parse_all(&spliced);
    }
}

fn parse_all(mut buffer: &[u8]) {
    while !buffer.is_empty() {
        match imap_proto::parser::parse_response(buffer) {
            Ok((rest, _response)) => {
                assert!(rest.len() < buffer.len(), "the parser consumed nothing");
                buffer = rest;
            }
            Err(_) => break,
        }
    }
}

/// Folder names: any wire name decodes (leniently) and anything we encode decodes back.
pub fn folder_name(input: &[u8]) {
    for bytes in std::iter::once(input.to_vec()).chain(splices("folder_name", input)) {
        let raw = String::from_utf8_lossy(&bytes);
        let decoded = mailferry::folder_name::decode_lenient(&raw);
        let wire = mailferry::folder_name::encode(&decoded.text);
        assert_eq!(
            mailferry::folder_name::decode_lenient(&wire).text,
            decoded.text
        );
        let shown = mailferry::display::escape_controls(&decoded.text);
        assert!(!shown.chars().any(char::is_control));
    }
}

/// Message-ID, Subject and Date from any header block.
pub fn header_summary(input: &[u8]) {
    mailferry::fingerprint::summarize_header(input);
    for spliced in splices("header_summary", input) {
        mailferry::fingerprint::summarize_header(&spliced);
    }
}

/// Microsoft's migration CSV, with and without required passwords.
pub fn migration_csv(input: &[u8]) {
    use mailferry::migration_csv::{parse_with, Passwords};
    for bytes in std::iter::once(input.to_vec()).chain(splices("migration_csv", input)) {
        let _ = parse_with(&bytes, Passwords::Required);
        let _ = parse_with(&bytes, Passwords::Optional);
    }
}

/// The seed corpus of a target, read once.
fn seeds(target: &str) -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<(String, Vec<Vec<u8>>)>> = OnceLock::new();
    let all = SEEDS.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/__fuzz__");
        let mut all = Vec::new();
        for entry in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let mut files: Vec<PathBuf> = std::fs::read_dir(entry.path().join("corpus"))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .collect();
            files.sort();
            let contents = files.iter().filter_map(|f| std::fs::read(f).ok()).collect();
            all.push((name, contents));
        }
        all
    });
    all.iter()
        .find(|(name, _)| name == target)
        .map(|(_, seeds)| seeds.as_slice())
        .unwrap_or(&[])
}

/// The input applied to one seed (chosen by its first two bytes) in three ways: written
/// over the seed at a position, inserted there, and the seed cut at that position.
fn splices(target: &str, input: &[u8]) -> Vec<Vec<u8>> {
    let seeds = seeds(target);
    let (Some(&pick), Some(&at), rest) = (input.first(), input.get(1), input.get(2..)) else {
        return Vec::new();
    };
    let Some(seed) = seeds.get(usize::from(pick) % seeds.len().max(1)) else {
        return Vec::new();
    };
    let rest = rest.unwrap_or(&[]);
    let at = if seed.is_empty() {
        0
    } else {
        usize::from(at) * seed.len() / 256
    };
    let mut overwritten = seed.clone();
    for (i, byte) in rest.iter().enumerate() {
        match overwritten.get_mut(at + i) {
            Some(slot) => *slot = *byte,
            None => overwritten.push(*byte),
        }
    }
    let mut inserted = seed[..at].to_vec();
    inserted.extend_from_slice(rest);
    inserted.extend_from_slice(&seed[at..]);
    vec![overwritten, inserted, seed[..at].to_vec()]
}

/// The response framer (what bounds every read from a server): any bytes, cut into chunks
/// anywhere, give responses within the limits or a refusal, never a panic or a response
/// larger than allowed. The first byte picks the chunk size, so splits are fuzzed too.
pub fn response_framer(input: &[u8]) {
    frame_all(input);
    for spliced in splices("response_framer", input) {
        frame_all(&spliced);
    }
}

fn frame_all(input: &[u8]) {
    use mailferry::imap::framing::{Framer, Limits};
    let Some((&chunk, bytes)) = input.split_first() else {
        return;
    };
    let limits = Limits {
        max_line: 256,
        max_literal: 1024,
        max_frame: 4096,
    };
    let mut framer = Framer::default();
    let mut total = 0;
    for piece in bytes.chunks(usize::from(chunk).max(1)) {
        let mut at = 0;
        while at < piece.len() {
            match framer.advance(&piece[at..], &limits) {
                Ok((used, frame)) => {
                    assert!(used > 0, "the framer consumed nothing");
                    at += used;
                    if let Some(frame) = frame {
                        assert!(frame.len() as u64 <= limits.max_frame);
                        total += frame.len();
                    }
                }
                Err(_) => return,
            }
        }
        assert!(framer.partial_len() as u64 <= limits.max_frame);
    }
    assert!(total <= bytes.len());
}
