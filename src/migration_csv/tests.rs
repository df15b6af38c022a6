use super::*;

fn problems(text: &str) -> Vec<CsvProblem> {
    parse(text.as_bytes()).expect_err("the file should be refused")
}

#[test]
fn a_good_file_with_bom_and_user_root() {
    let text = "\u{feff}EmailAddress,UserName,Password,UserRoot\r\nterry@contoso.com,terry.adams,p@ss w0rd ,/users/terry\r\nann@contoso.com,ann,x,\r\n\r\n";
    let users = parse(text.as_bytes()).unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].email_address, "terry@contoso.com");
    assert_eq!(users[0].password.expose(), "p@ss w0rd ");
    assert_eq!(users[0].user_root.as_deref(), Some("/users/terry"));
    assert_eq!(users[1].user_root, None);
    assert_eq!(users[1].line, 3);
}

#[test]
fn columns_may_come_in_any_order() {
    let users = parse(b"Password,EmailAddress,UserName\npw,a@b.co,a\n").unwrap();
    assert_eq!(users[0].user_name, "a");
    assert_eq!(users[0].password.expose(), "pw");
}

#[test]
fn empty_file() {
    assert_eq!(problems("").len(), 1);
    assert_eq!(problems("  \r\n").len(), 1);
    assert!(problems("EmailAddress,UserName,Password\n")[0]
        .message
        .contains("no mailboxes"));
}

#[test]
fn not_comma_separated() {
    let p = problems("EmailAddress;UserName;Password\na@b.co;a;p\n");
    assert!(p[0].message.contains("commas"), "{p:?}");
}

#[test]
fn misspelled_and_missing_headers_are_all_listed() {
    let p = problems("Email Address,User,Password\na@b.co,a,p\n");
    assert!(
        p.iter()
            .any(|p| p.message.contains("did you mean EmailAddress")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|p| p.message.contains("unknown column \"User\"")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|p| p.column.as_deref() == Some("UserName") && p.message.contains("missing")),
        "{p:?}"
    );
}

#[test]
fn rows_are_still_checked_when_a_header_is_misspelled() {
    let p = problems("Email Address,UserName,Password\nann@example.com,a,p\nann@example.com,b,p\n");
    assert!(
        p.iter()
            .any(|p| p.line == 1 && p.message.contains("did you mean EmailAddress")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|p| p.line == 3 && p.message.contains("line 2")),
        "{p:?}"
    );
}

#[test]
fn unknown_column() {
    let p = problems("EmailAddress,UserName,Password,Department\na@b.co,a,p,Sales\n");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].column.as_deref(), Some("Department"));
}

#[test]
fn wrong_number_of_values() {
    let p = problems("EmailAddress,UserName,Password\na@b.co,a\nb@b.co,b,p,extra\n");
    assert_eq!(p.iter().map(|p| p.line).collect::<Vec<_>>(), vec![2, 3]);
}

#[test]
fn row_problems_are_listed_together_and_nothing_is_imported() {
    let text = "EmailAddress,UserName,Password\nnot-an-address,a,p\nb@b.co,,p\nc@b.co,c,\nd@b.co,d,p\nD@B.co,d2,p\n";
    let p = problems(text);
    let found: Vec<(u64, Option<&str>)> = p.iter().map(|p| (p.line, p.column.as_deref())).collect();
    assert_eq!(
        found,
        vec![
            (2, Some("EmailAddress")),
            (3, Some("UserName")),
            (4, Some("Password")),
            (6, Some("EmailAddress"))
        ]
    );
    assert!(p[3].message.contains("line 5"));
}

#[test]
fn too_many_rows() {
    let mut text = String::from("EmailAddress,UserName,Password\n");
    for i in 0..=MAX_ROWS {
        text.push_str(&format!("u{i}@c.co,u{i},p\n"));
    }
    let p = problems(&text);
    assert!(p[0].message.contains("50000"), "{p:?}");
}

#[test]
fn too_large() {
    let mut text = String::from("EmailAddress,UserName,Password\n");
    while text.len() <= MAX_BYTES {
        text.push_str(&format!("{}@c.co,u,p\n", "x".repeat(1000)));
    }
    assert!(problems(&text)[0].message.contains("10 MB"));
}

#[test]
fn not_utf8() {
    assert!(parse("EmailAddress,UserName,Password\na@b.co,J\u{fc}rgen,p\n".as_bytes()).is_ok());
    let latin1 = b"EmailAddress,UserName,Password\na@b.co,J\xfcrgen,p\n";
    assert!(parse(latin1).unwrap_err()[0].message.contains("UTF-8"));
}

#[test]
fn fifty_thousand_rows_are_accepted_whole() {
    // How fast is measured by bench/csv-import.sh (BENCHMARKS.md), not here.
    let mut text = String::from("EmailAddress,UserName,Password\n");
    for i in 0..MAX_ROWS {
        text.push_str(&format!("user{i}@contoso.com,user{i},Secret-{i}\n"));
    }
    let users = parse(text.as_bytes()).unwrap();
    assert_eq!(users.len(), MAX_ROWS);
    assert_eq!(
        users[MAX_ROWS - 1].email_address,
        format!("user{}@contoso.com", MAX_ROWS - 1)
    );
    assert_eq!(users[MAX_ROWS - 1].line, MAX_ROWS as u64 + 1);
}

#[test]
fn email_addresses() {
    assert!(check_email("terry.adams@contoso.com").is_ok());
    assert!(check_email("a+b@sub.contoso.co.uk").is_ok());
    for bad in [
        "",
        "terry",
        "@contoso.com",
        "a@b",
        "a@@b.com",
        "a b@c.com",
        "a@c..com",
        "a@.com",
        "a@c.com.",
    ] {
        assert!(check_email(bad).is_err(), "{bad}");
    }
}

proptest::proptest! {
    #[test]
    fn never_panics(bytes in proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..2000)) {
        let _ = parse(&bytes);
    }

    #[test]
    fn never_panics_on_csv_like_text(text in "[a-zA-Z@.,;\"\\r\\n ]{0,400}") {
        let with_header = format!("EmailAddress,UserName,Password\n{text}");
        let _ = parse(with_header.as_bytes());
    }
}

#[test]
fn passwords_may_be_left_empty_only_where_mailboxes_sign_in() {
    let text = "EmailAddress,UserName,Password\nann@contoso.com,ann@outlook.com,\nbo@contoso.com,bo@outlook.com,kept\n";
    let refused = problems(text);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].line, 2);
    assert_eq!(refused[0].column.as_deref(), Some("Password"));
    let users = parse_with(text.as_bytes(), Passwords::Optional).unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0].password.expose(), "");
    assert_eq!(users[1].password.expose(), "kept");
    // The column itself is still Microsoft's format.
    let no_column = parse_with(b"EmailAddress,UserName\na@b.co,a\n", Passwords::Optional);
    assert!(no_column.is_err());
}
