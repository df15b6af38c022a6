//! Text from servers and files, made safe to show. Folder names, subjects and server
//! messages are data: printed raw, an escape sequence in a folder name could clear the
//! owner's terminal, recolour it, retitle the window or hide a line, and a cell starting
//! with `=` could run a formula in the spreadsheet a report is opened in.

use std::borrow::Cow;

/// Shows control characters (C0, DEL, C1 — ESC, BEL, CR, LF, NUL, …) and the bidirectional
/// overrides that reorder what a terminal shows as visible `\u{1b}`-style text. Everything
/// else is left as it is, so accented and non-Latin names read normally.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// One CSV cell: control characters escaped as above, and a cell a spreadsheet would take
/// as a formula (`=`, `+`, `-`, `@` first) gets a leading `'`, which spreadsheets show as
/// text and do not evaluate.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    let escaped = escape_controls(text);
    if escaped.starts_with(['=', '+', '-', '@']) {
        Cow::Owned(format!("'{escaped}"))
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(escape_controls("\u{1b}[2JClear"), "\\u{1b}[2JClear");
        assert_eq!(escape_controls("Bell\u{7}"), "Bell\\u{7}");
        assert_eq!(escape_controls("a\r\nb\0"), "a\\u{d}\\u{a}b\\u{0}");
        assert_eq!(escape_controls("del\u{7f}"), "del\\u{7f}");
        // C1: the single-byte CSI some terminals honour, and the OSC that retitles windows.
        assert_eq!(
            escape_controls("\u{9b}31m\u{9d}0;x"),
            "\\u{9b}31m\\u{9d}0;x"
        );
        assert_eq!(escape_controls("abc\u{202e}fdp.exe"), "abc\\u{202e}fdp.exe");
    }

    #[test]
    fn ordinary_text_is_untouched_and_not_copied() {
        for text in [
            "INBOX",
            "Família/Orçamento",
            "Отправленные",
            "日本語 📁",
            "",
        ] {
            assert!(matches!(escape_controls(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn csv_cells_cannot_start_formulas() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2+3"), "'-2+3");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("Inbox = done"), "Inbox = done");
        assert_eq!(csv_cell("42"), "42");
        // A tab or CR first is escaped, so it cannot hide a formula behind it either.
        assert_eq!(csv_cell("\t=1"), "\\u{9}=1");
    }

    proptest::proptest! {
        #[test]
        fn nothing_escaped_reaches_the_output(text in "\\PC*|[\\x00-\\x20\\x7f-\\u{a0}a=]*") {
            let shown = escape_controls(&text);
            proptest::prop_assert!(!shown.chars().any(needs_escape));
        }
    }
}
