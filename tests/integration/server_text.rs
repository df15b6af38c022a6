//! Text a server controls (folder names) reaches the owner's terminal only as visible text.

use crate::harness::run::{mailferry, two_sided_args};
use crate::harness::{fresh_state_dir, Dovecot, DovecotConfig, Layout, TestImap};

/// Folder names a hostile or broken source might list. Dovecot refuses some control bytes
/// at CREATE; the test keeps whichever it accepts (and needs at least one with ESC or BEL),
/// the rest are covered by the unit tests of `display` and `folder_plan`.
const HOSTILE_NAMES: [&str; 5] = [
    "\u{1b}[2J\u{1b}[31mRed alert",
    "Bell\u{7}Tower",
    "\u{1b}]0;window title\u{7}Title",
    "Tab\tand\u{7f}DEL",
    "C1\u{9b}31mCSI",
];

#[tokio::test]
async fn plan_shows_control_characters_in_folder_names_as_text() {
    let source = Dovecot::start(DovecotConfig::new(Layout::Plain).user("alice", "alice-nm-pw"));
    let dest = Dovecot::start(DovecotConfig::new(Layout::Plain).user("bob", "bob-nm-pw"));
    // Dovecot refuses C0 control characters in new names ("[CANNOT] Control characters not
    // allowed in new mailbox names") but lists whatever its storage holds, as a server
    // migrated from elsewhere would. So each name is CREATEd if Dovecot accepts it, and
    // otherwise a placeholder's directory is renamed on disk to the name's wire form.
    let mut imap = TestImap::connect(&source, "alice", "alice-nm-pw").await;
    let mut placed = Vec::new();
    for (i, name) in HOSTILE_NAMES.iter().enumerate() {
        // On the wire a control character is shifted into modified UTF-7 (`&AAc-` for BEL).
        let wire = mailferry::folder_name::encode(name);
        match imap.session().create(&wire).await {
            Ok(()) => {}
            Err(e) => {
                eprintln!("CREATE {name:?}: {e}; renaming a placeholder on disk");
                let placeholder = format!("Placeholder{i}");
                imap.create(&placeholder).await;
                placed.push((placeholder, wire));
            }
        }
    }
    imap.logout().await;
    let mail = source.dir().join("home/alice/sdbox");
    for (placeholder, wire) in &placed {
        std::fs::rename(
            mail.join("mailboxes").join(placeholder),
            mail.join("mailboxes").join(wire),
        )
        .unwrap_or_else(|e| panic!("rename {placeholder} to {wire}: {e}"));
    }
    // Dovecot's folder-list index would still name the placeholders; without it the list is
    // read from the directories.
    for entry in std::fs::read_dir(&mail).expect("read the mail home") {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with("dovecot.list.index") {
            std::fs::remove_file(&path).expect("remove the folder-list index");
        }
    }
    let mut imap = TestImap::connect(&source, "alice", "alice-nm-pw").await;
    let listed: Vec<String> = imap.list().await.into_iter().map(|f| f.name).collect();
    imap.logout().await;
    for name in HOSTILE_NAMES {
        let wire = mailferry::folder_name::encode(name);
        assert!(
            listed.contains(&wire),
            "the source does not list {wire}: {listed:?}"
        );
    }
    let created = HOSTILE_NAMES;

    let state = fresh_state_dir();
    let args = two_sided_args(
        "plan",
        &source.url_imaps("alice"),
        &dest.url_imaps("bob"),
        &dest.ca_pem_path(),
        state.path(),
        &["--timeout", "20"],
    );
    let out = mailferry(&args, &[("SRC_PW", "alice-nm-pw"), ("DST_PW", "bob-nm-pw")]);
    out.assert_code(0);
    for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let raw: Vec<char> = text
            .chars()
            .filter(|c| c.is_control() && *c != '\n')
            .collect();
        assert!(
            raw.is_empty(),
            "{stream} carries raw control characters {raw:?}:\n{}",
            out.context()
        );
    }
    for name in &created {
        let shown = mailferry::display::escape_controls(name);
        assert!(
            out.stdout.contains(shown.as_ref()),
            "{shown} is not listed:\n{}",
            out.context()
        );
        // The destination gets the readable, renamed folder, and the plan says so.
        let renamed: String = name
            .chars()
            .map(|c| if c.is_control() { '_' } else { c })
            .collect();
        let line = out
            .stdout
            .lines()
            .find(|l| l.starts_with(shown.as_ref()))
            .unwrap_or_default();
        assert!(
            line.contains(&renamed) && line.contains("control characters"),
            "{name:?} is not planned as {renamed:?} with its reason: {line}"
        );
    }
}
