//! Folder names: modified UTF-7 on the wire (RFC 3501 5.1.3), roles, and the names
//! servers without SPECIAL-USE give their special folders in several languages.

use serde::{Deserialize, Serialize};

// Modified UTF-7 (RFC 3501 5.1.3) is written here rather than taken from a crate: the
// crate we used unwrapped its base64 decoding, so one bad name from a server aborted a
// whole migration, and a decoder that must accept anything a server sends is easier to
// trust when it is small and ours. The encoding is ~40 lines either way.

/// A wire name decoded for people, and whether the server wrote it correctly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// Some `&…-` section was not valid modified UTF-7; it is kept as the server sent it.
    pub undecodable: bool,
}

/// Decodes a wire name (`Fam&AO0-lia`) into text (`Família`). Sections that are not valid
/// modified UTF-7 are kept as they are rather than guessed at.
pub fn decode(raw: &str) -> String {
    decode_lenient(raw).text
}

/// Decodes a wire name and says whether every shifted section was valid.
pub fn decode_lenient(raw: &str) -> Decoded {
    let mut text = String::with_capacity(raw.len());
    let mut undecodable = false;
    let mut rest = raw;
    while let Some(start) = rest.find('&') {
        text.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('-') else {
            // An `&` that never shifts back: the rest is not modified UTF-7.
            undecodable = true;
            text.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let section = &after[..end];
        if section.is_empty() {
            text.push('&');
        } else if let Some(decoded) = decode_section(section) {
            text.push_str(&decoded);
        } else {
            undecodable = true;
            text.push_str(&rest[start..start + 1 + end + 1]);
        }
        rest = &after[end + 1..];
    }
    text.push_str(rest);
    Decoded { text, undecodable }
}

/// One shifted section (between `&` and `-`): modified base64 of UTF-16BE.
fn decode_section(section: &str) -> Option<String> {
    let mut units = Vec::with_capacity(section.len() * 6 / 16);
    let mut bits: u32 = 0;
    let mut count = 0u32;
    for byte in section.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b',' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 16 {
            count -= 16;
            units.push((bits >> count) as u16);
            bits &= (1 << count) - 1;
        }
    }
    // Leftover padding must be fewer than six bits, all zero (RFC 2152's rule).
    if count >= 6 || bits != 0 || units.is_empty() {
        return None;
    }
    let text: String = char::decode_utf16(units.iter().copied())
        .collect::<Result<_, _>>()
        .ok()?;
    Some(text)
}

/// Encodes text into a wire name. Printable US-ASCII stays as it is (`&` becomes `&-`);
/// every other run of characters is shifted into modified base64.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending: Vec<u16> = Vec::new();
    for c in text.chars() {
        if (' '..='~').contains(&c) {
            flush_shifted(&mut out, &mut pending);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buffer = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buffer));
        }
    }
    flush_shifted(&mut out, &mut pending);
    out
}

fn flush_shifted(out: &mut String, units: &mut Vec<u16>) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
    if units.is_empty() {
        return;
    }
    out.push('&');
    let mut bits: u32 = 0;
    let mut count = 0u32;
    for unit in units.drain(..) {
        bits = (bits << 16) | u32::from(unit);
        count += 16;
        while count >= 6 {
            count -= 6;
            out.push(char::from(ALPHABET[((bits >> count) & 63) as usize]));
        }
        bits &= (1 << count) - 1;
    }
    if count > 0 {
        out.push(char::from(ALPHABET[((bits << (6 - count)) & 63) as usize]));
    }
    out.push('-');
}

/// What a folder is for. Special roles are matched across servers, whatever their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Inbox,
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
    /// Gmail's "All Mail": every message, whatever its labels.
    All,
    /// Gmail's "Starred": a view of \Flagged messages.
    Flagged,
    /// Gmail's "Important": a view chosen by Gmail.
    Important,
    Regular,
}

impl Role {
    /// The RFC 6154 attribute that marks the role.
    pub fn from_attribute(attribute: &str) -> Option<Role> {
        match attribute.to_ascii_lowercase().as_str() {
            "\\sent" => Some(Role::Sent),
            "\\drafts" => Some(Role::Drafts),
            "\\trash" => Some(Role::Trash),
            "\\junk" => Some(Role::Junk),
            "\\archive" => Some(Role::Archive),
            "\\all" => Some(Role::All),
            "\\flagged" => Some(Role::Flagged),
            "\\important" => Some(Role::Important),
            _ => None,
        }
    }

    /// The name Microsoft 365 uses, for destinations that lack the folder.
    pub fn default_destination_name(self) -> Option<&'static str> {
        match self {
            Role::Inbox => Some("INBOX"),
            Role::Sent => Some("Sent Items"),
            Role::Drafts => Some("Drafts"),
            Role::Trash => Some("Deleted Items"),
            Role::Junk => Some("Junk Email"),
            Role::Archive | Role::All => Some("Archive"),
            _ => None,
        }
    }

    /// Microsoft's well-known folder tokens for `--exclude`.
    pub fn from_exclude_token(token: &str) -> Option<Role> {
        match token.to_ascii_lowercase().as_str() {
            "#inbox#" => Some(Role::Inbox),
            "#sentitems#" => Some(Role::Sent),
            "#deleteditems#" => Some(Role::Trash),
            "#junkemail#" => Some(Role::Junk),
            "#drafts#" => Some(Role::Drafts),
            "#archive#" => Some(Role::Archive),
            _ => None,
        }
    }

    /// Guesses a role from a folder's name when the server says nothing (no SPECIAL-USE).
    pub fn from_well_known_name(leaf: &str) -> Option<Role> {
        let name = leaf.to_lowercase();
        let name = name.trim();
        WELL_KNOWN
            .iter()
            .find(|(_, names)| names.contains(&name))
            .map(|(role, _)| *role)
    }
}

/// Localised names of special folders, as mail clients and servers create them.
const WELL_KNOWN: &[(Role, &[&str])] = &[
    (
        Role::Sent,
        &[
            "sent",
            "sent items",
            "sent mail",
            "sent messages",
            "sent-mail",
            "outbox sent",
            "gesendet",
            "gesendete elemente",
            "gesendete objekte",
            "envoyés",
            "éléments envoyés",
            "messages envoyés",
            "enviados",
            "elementos enviados",
            "itens enviados",
            "mensagens enviadas",
            "posta inviata",
            "elementi inviati",
            "verzonden",
            "verzonden items",
            "skickat",
            "skickade objekt",
            "sendt",
            "sendte elementer",
            "wysłane",
            "elementy wysłane",
            "odeslané",
            "отправленные",
        ],
    ),
    (
        Role::Drafts,
        &[
            "drafts",
            "draft",
            "entwürfe",
            "brouillons",
            "borradores",
            "rascunhos",
            "bozze",
            "concepten",
            "utkast",
            "kladder",
            "wersje robocze",
            "koncepty",
            "черновики",
        ],
    ),
    (
        Role::Trash,
        &[
            "trash",
            "deleted items",
            "deleted messages",
            "deleted",
            "bin",
            "papierkorb",
            "gelöschte elemente",
            "gelöschte objekte",
            "corbeille",
            "éléments supprimés",
            "papelera",
            "elementos eliminados",
            "lixeira",
            "lixo",
            "itens excluídos",
            "cestino",
            "posta eliminata",
            "elementi eliminati",
            "prullenbak",
            "verwijderde items",
            "papperskorgen",
            "borttagna objekt",
            "papirkurv",
            "slettede elementer",
            "kosz",
            "elementy usunięte",
            "koš",
            "корзина",
            "удаленные",
        ],
    ),
    (
        Role::Junk,
        &[
            "junk",
            "junk email",
            "junk e-mail",
            "junk mail",
            "spam",
            "bulk mail",
            "junk-e-mail",
            "courrier indésirable",
            "pourriel",
            "correo no deseado",
            "lixo eletrônico",
            "posta indesiderata",
            "ongewenste e-mail",
            "skräppost",
            "uønsket e-post",
            "wiadomości-śmieci",
            "nevyžádaná pošta",
            "нежелательная почта",
            "спам",
        ],
    ),
    (
        Role::Archive,
        &[
            "archive",
            "archives",
            "archiv",
            "archivo",
            "archivio",
            "arquivo",
            "archief",
            "arkiv",
            "archiwum",
            "архив",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_utf7_round_trips() {
        assert_eq!(decode("Fam&AO0-lia"), "Família");
        assert_eq!(encode("Família/Orçamento"), "Fam&AO0-lia/Or&AOc-amento");
        assert_eq!(decode(&encode("Família/Orçamento")), "Família/Orçamento");
        assert_eq!(encode("Tom & Jerry"), "Tom &- Jerry");
        assert_eq!(decode("Tom &- Jerry"), "Tom & Jerry");
        assert_eq!(decode(&encode("日本語")), "日本語");
        assert_eq!(encode("[Gmail]/All Mail"), "[Gmail]/All Mail");
        assert_eq!(encode("Отправленные"), "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-");
        assert_eq!(decode("&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"), "Отправленные");
        // A character outside the Basic Multilingual Plane is a surrogate pair.
        assert_eq!(encode("📁"), "&2D3cwQ-");
        assert_eq!(decode("&2D3cwQ-"), "📁");
        // DEL and control characters are not printable ASCII, so they are shifted.
        assert_eq!(encode("a\u{7f}"), "a&AH8-");
    }

    #[test]
    fn invalid_sections_are_kept_as_sent_and_marked() {
        let bad = |raw: &str| {
            let decoded = decode_lenient(raw);
            assert!(decoded.undecodable, "{raw} should be undecodable");
            decoded.text
        };
        // Not in the modified base64 alphabet (`/` is written `,`).
        assert_eq!(bad("Bad&AO/-name"), "Bad&AO/-name");
        // Leftover bits that are not zero, and too few bits for one UTF-16 unit.
        assert_eq!(bad("&AO1-"), "&AO1-");
        assert_eq!(bad("&A-"), "&A-");
        // A lone surrogate is not text.
        assert_eq!(bad("&2D0-"), "&2D0-");
        // Never shifted back.
        assert_eq!(bad("Fam&AO0lia"), "Fam&AO0lia");
        // A bad section does not spoil a good one.
        assert_eq!(bad("&AO0-&AO/-"), "í&AO/-");
        let good = decode_lenient("Fam&AO0-lia");
        assert_eq!(good.text, "Família");
        assert!(!good.undecodable);
    }

    proptest::proptest! {
        #[test]
        fn encode_then_decode_is_identity(text in "\\PC*|[\\x00-\\x7f&]*|.*") {
            let wire = encode(&text);
            proptest::prop_assert!(wire.bytes().all(|b| (0x20..=0x7e).contains(&b)));
            proptest::prop_assert_eq!(
                decode_lenient(&wire),
                Decoded { text: text.clone(), undecodable: false }
            );
        }

        #[test]
        fn any_wire_name_decodes_without_panicking(raw in ".*|[&A-Za-z0-9+,/-]*") {
            let decoded = decode_lenient(&raw);
            if !raw.contains('&') {
                proptest::prop_assert_eq!(decoded.text, raw);
            }
        }
    }

    #[test]
    fn well_known_names_in_several_languages() {
        assert_eq!(
            Role::from_well_known_name("Gesendete Elemente"),
            Some(Role::Sent)
        );
        assert_eq!(
            Role::from_well_known_name("Éléments supprimés"),
            Some(Role::Trash)
        );
        assert_eq!(Role::from_well_known_name("Spam"), Some(Role::Junk));
        assert_eq!(Role::from_well_known_name("Clients"), None);
    }

    #[test]
    fn exclusion_tokens() {
        assert_eq!(
            Role::from_exclude_token("#DeletedItems#"),
            Some(Role::Trash)
        );
        assert_eq!(Role::from_exclude_token("#nope#"), None);
    }
}
