//! The rules for creating a batch, through the command line. The same table runs through the
//! window's `create_batch` in src-tauri/tests/ipc.rs: the same definitions are refused for
//! the same reason (kind input, the same fact), each front end in its own words — here the
//! hint names the option to type. A second table (tests/fixtures/run_control.json) runs the
//! owner's Stop and Delete through both in the same way.
//!
//! Servers are never contacted (creating a batch does not sign in), so they do not exist.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::harness::run::{mailferry, Outcome, NO_ENV};
use crate::harness::{fresh_state_dir, keyring};

const ADMIN_PW_VAR: &str = "RULES_ADMIN_PW";
const ADMIN_PW: &str = "Rules-Admin-Pw-9";

/// One batch definition from tests/fixtures/batch_rules.json, the table both front ends run:
/// the CSV's rows (address, old login, password), the source (a preset or a URL), the
/// destination admin and whether its password is given.
#[derive(serde::Deserialize)]
struct Case {
    tag: String,
    rows: Vec<(String, String, String)>,
    source: String,
    admin: Option<String>,
    admin_password: bool,
    /// `None`: created. `Some(fact)`: refused, the message stating `fact`.
    refused_with: Option<String>,
    /// What the command line's words name for the owner to type.
    cli_words: String,
}

fn cases() -> Vec<Case> {
    #[derive(serde::Deserialize)]
    struct Table {
        cases: Vec<Case>,
    }
    let table: Table = serde_json::from_str(include_str!("../fixtures/batch_rules.json"))
        .expect("tests/fixtures/batch_rules.json is a table of cases");
    table.cases
}

fn unique(tag: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    format!("rules-{tag}-{}-{:x}", std::process::id(), nanos % (1 << 40))
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
        for (email, login, password) in &case.rows {
            text.push_str(&format!("{email},{login},{password}\r\n"));
        }
        std::fs::write(&csv, text).expect("write CSV");
        let csv = csv.display().to_string();
        let mut words = vec![
            "create",
            "--csv",
            &csv,
            "--source",
            &case.source,
            "--dest",
            "imaps://127.0.0.1:2",
            "--name",
            name,
        ];
        if let Some(admin) = case.admin.as_deref() {
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
    for case in &cases() {
        let name = unique(&case.tag);
        let out = cli.create(case, &name);
        let Some(fact) = case.refused_with.as_deref() else {
            out.assert_code(0);
            assert!(
                out.stdout.contains(case.cli_words.as_str()),
                "{}",
                out.context()
            );
            assert!(cli.names().contains(&name));
            // The passwords went to the keyring, none anywhere else.
            let mut accounts = keyring::accounts_of_batch(&name);
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
            out.stderr.contains(case.cli_words.as_str()),
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
            keyring::accounts_of_batch(&name),
            Vec::<String>::new(),
            "{}: a refused batch left passwords in the keyring",
            case.tag
        );
    }
}

/// One of the owner's controls from tests/fixtures/run_control.json, the table both front
/// ends run: statuses set before (one per row of the 'good' case; `None`: no such batch),
/// the control, and the statuses after (`None`: the batch is gone) or the refusal's fact.
#[derive(serde::Deserialize)]
struct Control {
    tag: String,
    action: String,
    before: Option<Vec<String>>,
    after: Option<Vec<String>>,
    refused_with: Option<String>,
}

fn controls() -> Vec<Control> {
    #[derive(serde::Deserialize)]
    struct Table {
        controls: Vec<Control>,
    }
    let table: Table = serde_json::from_str(include_str!("../fixtures/run_control.json"))
        .expect("tests/fixtures/run_control.json is a table of controls");
    table.controls
}

fn statuses(store: &mailferry::batch::BatchStore, name: &str) -> Vec<String> {
    store
        .users(name)
        .expect("the batch's users")
        .iter()
        .map(|u| u.status.as_str().to_string())
        .collect()
}

#[test]
fn the_command_line_stops_and_deletes_as_the_table_says() {
    use mailferry::batch::{BatchStore, UserStatus};
    let cli = Cli {
        state: fresh_state_dir(),
        files: tempfile::tempdir().expect("temp dir"),
    };
    let good = cases()
        .into_iter()
        .find(|c| c.tag == "good")
        .expect("the good case");
    let store = BatchStore::new(mailferry::state::State::open(cli.state.path()).expect("state"))
        .expect("batch store");
    for control in &controls() {
        let name = unique(&control.tag);
        if let Some(before) = &control.before {
            cli.create(&good, &name).assert_code(0);
            for ((email, _, _), status) in good.rows.iter().zip(before) {
                store
                    .set_status(&name, email, UserStatus::parse(status), None, None, None)
                    .expect("set a status");
            }
            assert_eq!(&statuses(&store, &name), before, "{}", control.tag);
            assert!(
                !keyring::accounts_of_batch(&name).is_empty(),
                "{}",
                control.tag
            );
        }
        let out = cli.batch(&[&control.action, &name], NO_ENV);
        if let Some(fact) = &control.refused_with {
            assert_eq!(out.code, 2, "{}: refused\n{}", control.tag, out.context());
            assert!(out.stderr.contains(fact.as_str()), "{}", out.context());
            continue;
        }
        out.assert_code(0);
        match &control.after {
            Some(after) => {
                assert_eq!(&statuses(&store, &name), after, "{}", control.tag);
                cli.batch(&["delete", &name], NO_ENV).assert_code(0);
            }
            None => {
                assert!(!cli.names().contains(&name), "{}", control.tag);
                assert_eq!(keyring::accounts_of_batch(&name), Vec::<String>::new());
            }
        }
    }
}
