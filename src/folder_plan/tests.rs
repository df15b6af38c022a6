use super::*;

fn folder(raw: &str, delimiter: char, attributes: &[&str]) -> ListedFolder {
    ListedFolder {
        raw_name: raw.into(),
        delimiter: Some(delimiter),
        attributes: attributes.iter().map(|a| a.to_string()).collect(),
    }
}

fn tree(folders: &[(&str, &[&str])], delimiter: char, prefix: &str) -> FolderTree {
    FolderTree {
        folders: folders
            .iter()
            .map(|(n, a)| folder(n, delimiter, a))
            .collect(),
        prefix: prefix.into(),
        delimiter,
    }
}

fn exchange() -> FolderTree {
    tree(
        &[
            ("INBOX", &[]),
            ("Sent Items", &["\\sent"]),
            ("Deleted Items", &["\\trash"]),
            ("Junk Email", &["\\junk"]),
            ("Drafts", &["\\drafts"]),
            ("Archive", &["\\archive"]),
        ],
        '/',
        "",
    )
}

fn mapping<'a>(plan: &'a FolderPlan, source: &str) -> &'a FolderMapping {
    plan.copy
        .iter()
        .find(|m| m.source == source)
        .unwrap_or_else(|| panic!("{source} not planned: {plan:?}"))
}

#[test]
fn courier_dots_become_exchange_slashes() {
    let source = tree(
        &[
            ("INBOX", &[]),
            ("INBOX.Clients", &[]),
            ("INBOX.Clients.Acme", &[]),
            ("INBOX.Sent", &[]),
        ],
        '.',
        "INBOX.",
    );
    let plan = plan(&source, &exchange(), &PlanOptions::default());
    assert_eq!(
        mapping(&plan, "INBOX.Clients.Acme").destination,
        "Clients/Acme"
    );
    assert_eq!(mapping(&plan, "INBOX.Clients").destination, "Clients");
    assert_eq!(mapping(&plan, "INBOX.Sent").destination, "Sent Items");
    assert_eq!(mapping(&plan, "INBOX").destination, "INBOX");
}

#[test]
fn gmail_special_folders_and_views() {
    let source = tree(
        &[
            ("INBOX", &[]),
            ("[Gmail]", &["\\noselect", "\\haschildren"]),
            ("[Gmail]/All Mail", &["\\all"]),
            ("[Gmail]/Sent Mail", &["\\sent"]),
            ("[Gmail]/Trash", &["\\trash"]),
            ("[Gmail]/Spam", &["\\junk"]),
            ("[Gmail]/Drafts", &["\\drafts"]),
            ("[Gmail]/Starred", &["\\flagged"]),
            ("[Gmail]/Important", &["\\important"]),
            ("Receipts", &[]),
        ],
        '/',
        "",
    );
    let plan = plan(&source, &exchange(), &PlanOptions::default());
    assert_eq!(
        mapping(&plan, "[Gmail]/Sent Mail").destination,
        "Sent Items"
    );
    assert_eq!(mapping(&plan, "[Gmail]/Trash").destination, "Deleted Items");
    assert_eq!(mapping(&plan, "[Gmail]/Spam").destination, "Junk Email");
    assert_eq!(mapping(&plan, "[Gmail]/All Mail").destination, "Archive");
    assert_eq!(mapping(&plan, "[Gmail]/All Mail").role, Role::All);
    assert_eq!(
        plan.copy.last().map(|m| m.role),
        Some(Role::All),
        "All Mail must come last"
    );
    let skipped: Vec<&str> = plan.skipped.iter().map(|s| s.source.as_str()).collect();
    assert!(
        skipped.contains(&"[Gmail]/Starred")
            && skipped.contains(&"[Gmail]/Important")
            && skipped.contains(&"[Gmail]")
    );
    assert!(!plan
        .copy
        .iter()
        .any(|m| m.destination.starts_with("[Gmail]")));
}

#[test]
fn names_without_special_use_are_recognised() {
    let source = tree(
        &[
            ("INBOX", &[]),
            ("Gesendete Elemente", &[]),
            ("Papierkorb", &[]),
            ("Sent/2019", &[]),
            ("Sent", &[]),
        ],
        '/',
        "",
    );
    let plan = plan(&source, &exchange(), &PlanOptions::default());
    assert_eq!(
        mapping(&plan, "Gesendete Elemente").destination,
        "Sent Items"
    );
    assert_eq!(mapping(&plan, "Papierkorb").destination, "Deleted Items");
    // Only one folder takes a role; the second "sent" folder stays a folder of its own.
    assert_eq!(mapping(&plan, "Sent").destination, "Sent");
}

#[test]
fn special_folders_fall_back_to_microsoft_names() {
    let source = tree(
        &[("INBOX", &[]), ("Sent", &["\\sent"]), ("Sent/2019", &[])],
        '/',
        "",
    );
    let bare = tree(&[("INBOX", &[])], '/', "");
    let plan = plan(&source, &bare, &PlanOptions::default());
    assert_eq!(mapping(&plan, "Sent").destination, "Sent Items");
    assert_eq!(mapping(&plan, "Sent/2019").destination, "Sent Items/2019");
}

#[test]
fn utf7_names_survive() {
    let source = tree(
        &[
            ("INBOX", &[]),
            ("Fam&AO0-lia", &[]),
            ("Fam&AO0-lia/Or&AOc-amento", &[]),
        ],
        '/',
        "",
    );
    let plan = plan(&source, &exchange(), &PlanOptions::default());
    let m = mapping(&plan, "Família/Orçamento");
    assert_eq!(m.destination, "Família/Orçamento");
    assert_eq!(m.destination_raw, "Fam&AO0-lia/Or&AOc-amento");
}

#[test]
fn separator_inside_a_name_is_replaced_and_reported() {
    let source = tree(&[("INBOX", &[]), ("INBOX.a/b", &[])], '.', "INBOX.");
    let plan = plan(&source, &exchange(), &PlanOptions::default());
    let m = mapping(&plan, "INBOX.a/b");
    assert_eq!(m.destination, "a_b");
    assert!(m.renamed.is_some());
}

#[test]
fn reserved_names_on_exchange() {
    let source = tree(
        &[("INBOX", &[]), ("Files", &[]), ("Projects/Files", &[])],
        '/',
        "",
    );
    let options = PlanOptions {
        destination_is_exchange: true,
        ..Default::default()
    };
    let plan = plan(&source, &exchange(), &options);
    assert_eq!(mapping(&plan, "Files").destination, "Files (imported)");
    assert!(mapping(&plan, "Files").renamed.is_some());
    assert_eq!(
        mapping(&plan, "Projects/Files").destination,
        "Projects/Files"
    );
    let plain = super::plan(&source, &exchange(), &PlanOptions::default());
    assert_eq!(mapping(&plain, "Files").destination, "Files");
}

#[test]
fn case_only_collisions_merge() {
    let source = tree(
        &[
            ("INBOX", &[]),
            ("Inbox", &[]),
            ("Projects", &[]),
            ("projects", &[]),
        ],
        '/',
        "",
    );
    let plan = plan(&source, &exchange(), &PlanOptions::default());
    assert_eq!(mapping(&plan, "Inbox").destination, "INBOX");
    assert_eq!(
        mapping(&plan, "projects").destination,
        mapping(&plan, "Projects").destination
    );
}

#[test]
fn existing_destination_case_wins() {
    let source = tree(&[("INBOX", &[]), ("clients", &[])], '/', "");
    let dest = tree(&[("INBOX", &[]), ("Clients", &[])], '/', "");
    let plan = plan(&source, &dest, &PlanOptions::default());
    assert_eq!(mapping(&plan, "clients").destination, "Clients");
}

#[test]
fn excludes_by_name_subtree_and_token() {
    let source = tree(
        &[
            ("INBOX", &[]),
            ("Junk", &["\\junk"]),
            ("Old", &[]),
            ("Old/2010", &[]),
            ("Keep", &[]),
            ("Trash", &["\\trash"]),
        ],
        '/',
        "",
    );
    let options = PlanOptions {
        excludes: vec!["Old/*".into(), "#JunkEmail#".into(), "Trash".into()],
        ..Default::default()
    };
    let plan = plan(&source, &exchange(), &options);
    let copied: Vec<&str> = plan.copy.iter().map(|m| m.source.as_str()).collect();
    assert_eq!(copied, vec!["INBOX", "Keep"]);
    assert_eq!(plan.skipped.len(), 4);
}

#[test]
fn user_root_scopes_the_source() {
    let source = tree(
        &[
            ("INBOX", &[]),
            ("users", &["\\noselect"]),
            ("users.alice", &[]),
            ("users.alice.Projects", &[]),
            ("users.bob", &[]),
        ],
        '.',
        "",
    );
    let options = PlanOptions {
        user_root: Some("users.alice".into()),
        ..Default::default()
    };
    let plan = plan(&source, &exchange(), &options);
    let pairs: Vec<(&str, &str)> = plan
        .copy
        .iter()
        .map(|m| (m.source.as_str(), m.destination.as_str()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("users.alice", "INBOX"),
            ("users.alice.Projects", "Projects")
        ]
    );
}

#[test]
fn courier_destination_keeps_its_prefix() {
    let source = tree(
        &[
            ("INBOX", &[]),
            ("INBOX/Receipts", &[]),
            ("Clients/Acme", &[]),
        ],
        '/',
        "",
    );
    let dest = tree(&[("INBOX", &[]), ("INBOX.Sent", &[])], '.', "INBOX.");
    let plan = plan(&source, &dest, &PlanOptions::default());
    assert_eq!(
        mapping(&plan, "INBOX/Receipts").destination,
        "INBOX.Receipts"
    );
    assert_eq!(
        mapping(&plan, "Clients/Acme").destination,
        "INBOX.Clients.Acme"
    );
}

#[test]
fn parents_are_listed_outermost_first() {
    assert_eq!(parents_of("a/b/c", '/', ""), vec!["a", "a/b"]);
    assert_eq!(parents_of("INBOX.a.b", '.', "INBOX."), vec!["INBOX.a"]);
    assert!(parents_of("a", '/', "").is_empty());
}

#[test]
fn control_characters_become_underscores_and_are_reported() {
    let source = tree(
        &[
            ("INBOX", &[]),
            ("Bell\u{7}Tower", &[]),
            ("\u{1b}[2JClear", &[]),
            ("Del\u{7f}ete/Nul\u{0}l", &[]),
            ("C1\u{9b}31m", &[]),
        ],
        '/',
        "",
    );
    let plan = plan(&source, &exchange(), &PlanOptions::default());
    for (name, expected) in [
        ("Bell\u{7}Tower", "Bell_Tower"),
        ("\u{1b}[2JClear", "_[2JClear"),
        ("Del\u{7f}ete/Nul\u{0}l", "Del_ete/Nul_l"),
        ("C1\u{9b}31m", "C1_31m"),
    ] {
        let m = mapping(&plan, name);
        assert_eq!(m.destination, expected);
        assert_eq!(m.destination_raw, expected);
        assert!(
            m.renamed
                .as_deref()
                .unwrap_or("")
                .contains("control characters"),
            "{m:?}"
        );
    }
}

#[test]
fn dot_segments_get_an_underscore_and_are_reported() {
    let source = tree(
        &[
            ("INBOX", &[]),
            ("..", &[]),
            ("Projects/../Secrets", &[]),
            ("Projects/.", &[]),
            ("Projects/...", &[]),
            ("v1.2..3", &[]),
        ],
        '/',
        "",
    );
    let plan = plan(&source, &exchange(), &PlanOptions::default());
    assert_eq!(mapping(&plan, "..").destination, "_.");
    assert_eq!(
        mapping(&plan, "Projects/../Secrets").destination,
        "Projects/_./Secrets"
    );
    assert_eq!(mapping(&plan, "Projects/.").destination, "Projects/_");
    for name in ["..", "Projects/../Secrets", "Projects/."] {
        assert!(
            mapping(&plan, name)
                .renamed
                .as_deref()
                .unwrap_or("")
                .contains("'..'"),
            "{name} must be reported"
        );
    }
    // Dots inside a longer part are ordinary characters.
    assert_eq!(mapping(&plan, "Projects/...").destination, "Projects/...");
    assert_eq!(mapping(&plan, "v1.2..3").destination, "v1.2..3");
    assert!(mapping(&plan, "v1.2..3").renamed.is_none());
}

#[test]
fn broken_modified_utf7_is_kept_as_sent_and_reported() {
    let source = tree(&[("INBOX", &[]), ("Bad&AO/-name", &[])], '/', "");
    let plan = plan(&source, &exchange(), &PlanOptions::default());
    let m = mapping(&plan, "Bad&AO/-name");
    assert_eq!(m.source_raw, "Bad&AO/-name");
    assert_eq!(m.destination, "Bad&AO/-name");
    // Created as the text the person saw, properly encoded this time.
    assert_eq!(m.destination_raw, "Bad&-AO/-name");
    assert!(m
        .renamed
        .as_deref()
        .unwrap_or("")
        .contains("broken encoding"));
}

#[test]
fn several_reasons_are_all_reported() {
    let source = tree(&[("INBOX", &[]), ("INBOX.a/b\u{7}", &[])], '.', "INBOX.");
    let plan = plan(&source, &exchange(), &PlanOptions::default());
    let m = mapping(&plan, "INBOX.a/b\u{7}");
    assert_eq!(m.destination, "a_b_");
    let reason = m.renamed.as_deref().unwrap_or("");
    assert!(reason.contains("separates folders") && reason.contains("control characters"));
}

#[test]
fn safe_parts_are_left_alone() {
    assert_eq!(safe_part("Família"), None);
    assert_eq!(safe_part("a.b"), None);
    assert_eq!(safe_part(".hidden"), None);
    assert_eq!(safe_part("..").map(|(p, _)| p), Some("_.".to_string()));
    assert_eq!(safe_part("a\tb").map(|(p, _)| p), Some("a_b".to_string()));
}
