//! Folder names: modified UTF-7 on the wire (RFC 3501 5.1.3), roles, and the names
//! servers without SPECIAL-USE give their special folders in several languages.

use serde::{Deserialize, Serialize};

/// Decodes a wire name (`Fam&AO0-lia`) into text (`Família`).
pub fn decode(raw: &str) -> String {
    // Names that are not valid modified UTF-7 are shown as they are rather than guessed at.
    if raw.contains('&') {
        utf7_imap::decode_utf7_imap(raw.to_string())
    } else {
        raw.to_string()
    }
}

/// Encodes text into a wire name.
pub fn encode(text: &str) -> String {
    utf7_imap::encode_utf7_imap(text.to_string())
}

/// What a folder is for. Special roles are matched across servers, whatever their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
