//! The rules for creating a batch, through the command line. The same table runs through the
//! window's `create_batch` in src-tauri/tests/ipc.rs: the same definitions are refused for
//! the same reason (kind input, the same fact), each front end in its own words — here the
//! hint names the option to type.
//!
//! Servers are never contacted (creating a batch does not sign in), so they do not exist.

use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::harness::fresh_state_dir;
use crate::harness::run::{mailferry, Outcome, NO_ENV};

const ADMIN_PW_VAR: &str = "RULES_ADMIN_PW";
const ADMIN_PW: &str = "Rules-Admin-Pw-9";

/// One definition: the CSV's rows, the source (a preset or a URL), the destination admin and
/// whether its password is given.
struct Case {
    tag: &'static str,
    rows: &'static [(&'static str, &'static str, &'static str)],
    source: &'static str,
    admin: Option<&'static str>,
    admin_password: bool,
    /// `None`: created. `Some(fact)`: refused, the message stating `fact`.
    refused_with: Option<&'static str>,
    /// What the command line's words name for the owner to type.
    cli_words: &'static str,
}

const GOOD_ROWS: &[(&str, &str, &str)] = &[
    ("ann@contoso.example", "ann", "Pw-ann-1"),
    ("bob@contoso.example", "bob", "Pw-bob-2"),
];

const CASES: &[Case] = &[
    Case {
        tag: "good",
        rows: GOOD_ROWS,
        source: "imaps://127.0.0.1:1",
        admin: Some("admin"),
        admin_password: true,
        refused_with: None,
        cli_words: "Created batch",
    },
    Case {
        tag: "no-mailboxes",
        rows: &[],
        source: "imaps://127.0.0.1:1",
        admin: Some("admin"),
        admin_password: true,
        refused_with: Some("no mailboxes"),
        cli_words: "line",
    },
    Case {
        tag: "bad-address",
        rows: &[("not-an-address", "carl", "Pw-carl-3")],
        source: "imaps://127.0.0.1:1",
        admin: Some("admin"),
        admin_password: true,
        refused_with: Some("not-an-address"),
        cli_words: "EmailAddress",
    },
    Case {
        tag: "twice",
        rows: &[
            ("ann@contoso.example", "ann", "Pw-ann-1"),
            ("ANN@contoso.example", "ann2", "Pw-ann-2"),
        ],
        source: "imaps://127.0.0.1:1",
        admin: Some("admin"),
        admin_password: true,
        refused_with: Some("ANN@contoso.example"),
        cli_words: "EmailAddress",
    },
    Case {
        tag: "user-in-server",
        rows: GOOD_ROWS,
        source: "imaps://someone@127.0.0.1:1",
        admin: Some("admin"),
        admin_password: true,
        refused_with: Some("names a user"),
        cli_words: "imaps://host:port",
    },
    Case {
        tag: "no-passwords-accepted",
        rows: GOOD_ROWS,
        source: "outlook",
        admin: Some("admin"),
        admin_password: true,
        refused_with: Some("does not accept passwords"),
        cli_words: "--source-login",
    },
    Case {
        tag: "admin-without-password",
        rows: GOOD_ROWS,
        source: "imaps://127.0.0.1:1",
        admin: Some("admin"),
        admin_password: false,
        refused_with: Some("admin"),
        cli_words: "--dest-password-env",
    },
    Case {
        tag: "nothing-opens-the-destination",
        rows: GOOD_ROWS,
        source: "imaps://127.0.0.1:1",
        admin: None,
        admin_password: false,
        refused_with: Some("new mailboxes"),
        cli_words: "--dest-auth-user",
    },
];

fn unique(tag: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    format!("rules-{tag}-{}-{:x}", std::process::id(), nanos % (1 << 40))
}

/// Keyring entries of a batch (service Mailferry, account `batch:NAME:…`).
fn keyring_accounts_of(batch: &str) -> Vec<String> {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", "Mailferry"])
        .stdin(Stdio::null())
        .output()
        .expect("run secret-tool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let prefix = format!("batch:{batch}:");
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("attribute.username = "))
        .filter(|account| account.starts_with(&prefix))
        .map(str::to_string)
        .collect()
}

struct Cli {
    state: tempfile::TempDir,
    files: tempfile::TempDir,
}

impl Cli {
    fn batch(&self, words: &[&str], env: &[(&str, &str)]) -> Outcome {
        let mut args: Vec<String> = vec!["batch".into()];
        args.extend(words.iter().map(|w| w.to_string()));
        args.push("--state-dir".into());
        args.push(self.state.path().display().to_string());
        mailferry(&args, env)
    }

    fn create(&self, case: &Case, name: &str) -> Outcome {
        let csv = self.files.path().join(format!("{}.csv", case.tag));
        let mut text = String::from("EmailAddress,UserName,Password\r\n");
        for (email, login, password) in case.rows {
            text.push_str(&format!("{email},{login},{password}\r\n"));
        }
        std::fs::write(&csv, text).expect("write CSV");
        let csv = csv.display().to_string();
        let mut words = vec![
            "create",
            "--csv",
            &csv,
            "--source",
            case.source,
            "--dest",
            "imaps://127.0.0.1:2",
            "--name",
            name,
        ];
        if let Some(admin) = case.admin {
            words.extend(["--dest-auth-user", admin]);
        }
        if case.admin_password {
            words.extend(["--dest-password-env", ADMIN_PW_VAR]);
        }
        self.batch(&words, &[(ADMIN_PW_VAR, ADMIN_PW)])
    }

    fn names(&self) -> Vec<String> {
        let list = self.batch(&["list", "--json"], NO_ENV);
        list.assert_code(0);
        list.json()
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|b| b["name"].as_str().map(str::to_string))
            .collect()
    }
}

#[test]
fn the_command_line_refuses_each_bad_batch_for_its_reason_in_its_own_words() {
    let cli = Cli {
        state: fresh_state_dir(),
        files: tempfile::tempdir().expect("temp dir"),
    };
    for case in CASES {
        let name = unique(case.tag);
        let out = cli.create(case, &name);
        let Some(fact) = case.refused_with else {
            out.assert_code(0);
            assert!(out.stdout.contains(case.cli_words), "{}", out.context());
            assert!(cli.names().contains(&name));
            // The passwords went to the keyring, none anywhere else.
            let mut accounts = keyring_accounts_of(&name);
            accounts.sort();
            assert_eq!(
                accounts,
                vec![
                    format!("batch:{name}:destination-admin"),
                    format!("batch:{name}:source:ann@contoso.example"),
                    format!("batch:{name}:source:bob@contoso.example"),
                ]
            );
            // The same name again is refused before anything is written over.
            let again = cli.create(case, &name);
            assert_eq!(again.code, 2, "{}", again.context());
            assert!(
                again.stderr.contains("already exists"),
                "{}",
                again.context()
            );
            assert!(again.stderr.contains("--name"), "{}", again.context());
            cli.batch(&["delete", &name], NO_ENV).assert_code(0);
            continue;
        };
        assert_eq!(
            out.code,
            2,
            "{}: input refused\n{}",
            case.tag,
            out.context()
        );
        assert!(
            out.stderr.contains(fact),
            "{}: the refusal states {fact:?}\n{}",
            case.tag,
            out.context()
        );
        assert!(
            out.stderr.contains(case.cli_words),
            "{}: the command line's words name {:?}\n{}",
            case.tag,
            case.cli_words,
            out.context()
        );
        assert!(!out.stderr.contains(ADMIN_PW), "{}", out.context());
        assert!(
            !cli.names().contains(&name),
            "{}: a refused batch was created",
            case.tag
        );
        assert_eq!(
            keyring_accounts_of(&name),
            Vec::<String>::new(),
            "{}: a refused batch left passwords in the keyring",
            case.tag
        );
    }
}
