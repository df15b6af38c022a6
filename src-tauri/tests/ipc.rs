//! The window's commands through Tauri's real IPC path (mock runtime, real app config and
//! capabilities, real engine and database): what the window can do, and what it cannot.

use mailferry_app::{build_app, AppState};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::Manager;

struct App {
    _dir: tempfile::TempDir,
    app: tauri::App<tauri::test::MockRuntime>,
}

fn app() -> App {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = AppState::open(dir.path().to_path_buf()).expect("open state");
    let app = build_app(mock_builder(), state)
        .build(tauri::generate_context!())
        .expect("build the app");
    // Tests must not depend on a desktop keyring being unlocked.
    app.state::<AppState>()
        .secrets
        .lock()
        .map(|mut s| *s = mailferry::batch::BatchSecrets::new(mailferry::batch::SecretMode::Memory))
        .expect("secrets lock");
    // The mock runtime does not open the configured window by itself.
    if app.get_webview_window("main").is_none() {
        tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("open the main window");
    }
    App { _dir: dir, app }
}

fn invoke(app: &App, cmd: &str, args: Value) -> Result<Value, Value> {
    let webview = app
        .app
        .get_webview_window("main")
        .expect("the main window exists");
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        // On Linux only this origin counts as the app's own.
        url: "tauri://localhost".parse().expect("url"),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(&webview, request)
        .map(|body| body.deserialize::<Value>().expect("json response"))
}

#[test]
fn presets_reach_the_window() {
    let app = app();
    let presets = invoke(&app, "list_presets", json!({})).expect("list_presets");
    let ids: Vec<&str> = presets
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert!(ids.contains(&"gmail") && ids.contains(&"other"), "{ids:?}");
}

#[test]
fn a_stored_password_is_never_sent_back() {
    let app = app();
    let secret = "S3cret-never-shown";
    let stored = invoke(
        &app,
        "store_password",
        json!({"batch": "b1", "email": "ann@contoso.com", "password": secret}),
    );
    assert_eq!(stored, Ok(Value::Null));
    assert_eq!(
        invoke(
            &app,
            "has_password",
            json!({"batch": "b1", "email": "ann@contoso.com"})
        ),
        Ok(json!(true))
    );
    assert_eq!(
        invoke(
            &app,
            "has_password",
            json!({"batch": "b1", "email": "bob@contoso.com"})
        ),
        Ok(json!(false))
    );
    invoke(
        &app,
        "store_admin_password",
        json!({"batch": "b1", "password": secret}),
    )
    .expect("admin password");
    let created = invoke(
        &app,
        "create_batch",
        json!({"spec": {
            "name": "b1",
            "source": {"preset": "gmail", "url": "imaps://imap.gmail.com:993"},
            "destination": {"preset": null, "url": "imaps://mail.contoso.com:993"},
            "options": {"destination_admin": "admin@contoso.com"},
            "users": [{"email_address": "ann@contoso.com", "user_name": "ann@gmail.com", "user_root": null}]
        }}),
    )
    .expect("create_batch");
    assert_eq!(created["status"], "Created");
    // Every read command the window has, none of which may carry the password.
    let responses = [
        invoke(&app, "list_batches", json!({})),
        invoke(&app, "batch_users", json!({"name": "b1"})),
        invoke(
            &app,
            "user_report",
            json!({"name": "b1", "email": "ann@contoso.com"}),
        ),
        invoke(&app, "batch_snapshot", json!({"name": "b1"})),
        invoke(&app, "keyring_status", json!({})),
    ];
    for response in responses {
        let text = response
            .map(|v| v.to_string())
            .unwrap_or_else(|e| e.to_string());
        assert!(
            !text.contains(secret),
            "a command returned the password: {text}"
        );
    }
}

#[test]
fn leaving_the_wizard_forgets_its_passwords_but_never_a_batch_s() {
    let app = app();
    for (batch, email) in [("draft", "ann@contoso.com"), ("real", "bob@contoso.com")] {
        invoke(
            &app,
            "store_password",
            json!({"batch": batch, "email": email, "password": "Pw-123"}),
        )
        .expect("store_password");
    }
    invoke(
        &app,
        "store_admin_password",
        json!({"batch": "draft", "password": "Admin-1"}),
    )
    .expect("admin password");
    invoke(
        &app,
        "store_admin_password",
        json!({"batch": "real", "password": "Admin-2"}),
    )
    .expect("admin password");
    invoke(&app, "create_batch", json!({"spec": {
        "name": "real",
        "source": {"preset": "gmail", "url": "imaps://imap.gmail.com:993"},
        "destination": {"preset": null, "url": "imaps://mail.contoso.com:993"},
        "options": {"destination_admin": "admin@contoso.com"},
        "users": [{"email_address": "bob@contoso.com", "user_name": "bob@gmail.com", "user_root": null}]
    }}))
    .expect("create_batch");

    invoke(
        &app,
        "forget_draft",
        json!({"batch": "draft", "emails": ["ann@contoso.com"]}),
    )
    .expect("forget_draft");
    assert_eq!(
        invoke(
            &app,
            "has_password",
            json!({"batch": "draft", "email": "ann@contoso.com"})
        ),
        Ok(json!(false))
    );
    let admin = app
        .app
        .state::<AppState>()
        .secrets()
        .admin_password("draft")
        .expect("read");
    assert!(
        admin.is_none(),
        "the draft's admin password is still stored"
    );

    let refused = invoke(
        &app,
        "forget_draft",
        json!({"batch": "real", "emails": ["bob@contoso.com"]}),
    )
    .expect_err("a created batch is not a draft");
    assert_eq!(refused["kind"], "input");
    assert_eq!(
        invoke(
            &app,
            "has_password",
            json!({"batch": "real", "email": "bob@contoso.com"})
        ),
        Ok(json!(true))
    );
}

#[test]
fn csv_import_keeps_passwords_out_of_the_window_and_refuses_bad_files() {
    let app = app();
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "EmailAddress,UserName,Password\nann@contoso.com,ann,Pw-ann-123\nbob@contoso.com,bob,Pw-bob-456\n").expect("write");
    let imported = invoke(
        &app,
        "import_csv",
        json!({"batch": "csv", "path": good.to_string_lossy(), "signsIn": false}),
    )
    .expect("import_csv");
    assert_eq!(imported["rows"].as_array().map(Vec::len), Some(2));
    assert!(!imported.to_string().contains("Pw-ann-123"));
    assert_eq!(
        invoke(
            &app,
            "has_password",
            json!({"batch": "csv", "email": "bob@contoso.com"})
        ),
        Ok(json!(true))
    );

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "Email Address,UserName,Password\nann@contoso.com,ann,x\nann@contoso.com,ann2,y\n",
    )
    .expect("write");
    let refused = invoke(
        &app,
        "import_csv",
        json!({"batch": "csv2", "path": bad.to_string_lossy(), "signsIn": false}),
    )
    .expect("import_csv");
    assert_eq!(refused["rows"].as_array().map(Vec::len), Some(0));
    let lines: Vec<u64> = refused["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["line"].as_u64())
        .collect();
    assert!(lines.contains(&1) && lines.contains(&3), "{refused}");
    assert_eq!(
        invoke(
            &app,
            "has_password",
            json!({"batch": "csv2", "email": "ann@contoso.com"})
        ),
        Ok(json!(false))
    );

    // Mailboxes that sign in need no password: an empty Password is refused only when they
    // do not, and nothing is stored for it.
    let no_passwords = dir.path().join("sign-ins.csv");
    std::fs::write(
        &no_passwords,
        "EmailAddress,UserName,Password\ncleo@contoso.com,cleo@outlook.com,\n",
    )
    .expect("write");
    let import = |signs_in: bool| {
        invoke(
            &app,
            "import_csv",
            json!({"batch": "csv3", "path": no_passwords.to_string_lossy(), "signsIn": signs_in}),
        )
        .expect("import_csv")
    };
    let needs_password = import(false);
    assert_eq!(
        needs_password["problems"][0]["column"], "Password",
        "{needs_password}"
    );
    let signing_in = import(true);
    assert_eq!(
        signing_in["rows"][0]["email_address"], "cleo@contoso.com",
        "{signing_in}"
    );
    assert_eq!(
        invoke(
            &app,
            "has_password",
            json!({"batch": "csv3", "email": "cleo@contoso.com"})
        ),
        Ok(json!(false))
    );
}

#[test]
fn errors_cross_as_kind_message_hint() {
    let app = app();
    let error = invoke(&app, "batch_users", json!({"name": "missing"}))
        .expect("an empty list for an unknown batch");
    assert_eq!(error, json!([]));
    let refused = invoke(&app, "create_batch", json!({"spec": {
        "name": "nobody", "source": {"preset": null, "url": "imaps://a:993"}, "destination": {"preset": null, "url": "imaps://b:993"},
        "options": {}, "users": []}}))
    .expect_err("a batch without users is refused");
    assert_eq!(refused["kind"], "input");
    assert!(refused["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(refused["hint"].as_str().is_some_and(|h| !h.is_empty()));
}

#[test]
fn commands_outside_the_capability_are_refused() {
    let app = app();
    // The same plugin, one permission granted and one not: the ACL is what decides.
    let allowed = invoke(&app, "plugin:window|is_visible", json!({"label": "main"}));
    assert!(allowed.is_ok(), "{allowed:?}");
    // Closing asks like the close button does (running migrations, an unfinished wizard);
    // destroying would skip those questions, so the page may close but never destroy.
    let refused = invoke(&app, "plugin:window|destroy", json!({"label": "main"}));
    let message = refused
        .expect_err("destroying the window from the page is not granted")
        .to_string();
    assert!(message.contains("not allowed"), "{message}");
    // The dialog plugin may open and save files, but not ask arbitrary questions.
    let refused = invoke(&app, "plugin:dialog|ask", json!({"message": "hi"}));
    assert!(refused.is_err(), "{refused:?}");
    // A command name the app does not have at all.
    assert!(invoke(&app, "read_password", json!({})).is_err());
    // The shell plugin is not part of the app.
    assert!(invoke(&app, "plugin:shell|execute", json!({"program": "sh"})).is_err());
}

#[test]
fn sign_ins_explain_what_is_missing_before_anything_is_opened() {
    let app = app();
    let no_client = invoke(
        &app,
        "sign_in",
        json!({"request": {"provider": "microsoft", "client_id": " ", "tenant": null, "login_hint": null, "with_directory": false}}),
    )
    .expect_err("no app registration, no sign-in");
    assert_eq!(no_client["kind"], "input", "{no_client}");
    assert!(
        no_client["hint"]
            .as_str()
            .is_some_and(|hint| hint.contains("client")),
        "{no_client}"
    );
    let any_tenant = invoke(
        &app,
        "sign_in_app",
        json!({"tenant": "organizations", "clientId": "11111111-2222-3333-4444-555555555555", "credential": {"kind": "secret", "secret": "s"}}),
    )
    .expect_err("an app signs in to one tenant");
    assert_eq!(any_tenant["kind"], "input", "{any_tenant}");
    // A certificate is read by the backend from the path the file dialog gave; a file that
    // is not there is named before anything goes to Microsoft.
    let missing = invoke(
        &app,
        "sign_in_app",
        json!({"tenant": "contoso.example", "clientId": "11111111-2222-3333-4444-555555555555", "credential": {"kind": "certificate", "certificatePath": "/nonexistent/mailferry.crt", "privateKeyPath": null}}),
    )
    .expect_err("no certificate file, no sign-in");
    assert_eq!(missing["kind"], "input", "{missing}");
    assert!(
        missing["message"]
            .as_str()
            .is_some_and(|m| m.contains("/nonexistent/mailferry.crt")),
        "{missing}"
    );
}

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
}

fn cases() -> Vec<Case> {
    #[derive(serde::Deserialize)]
    struct Table {
        cases: Vec<Case>,
    }
    let table: Table = serde_json::from_str(include_str!("../../tests/fixtures/batch_rules.json"))
        .expect("tests/fixtures/batch_rules.json is a table of cases");
    table.cases
}

/// As the wizard does it: each password kept as it is typed, then the batch created.
fn create_through_the_window(app: &App, case: &Case, name: &str) -> Result<Value, Value> {
    for (email, _, password) in &case.rows {
        invoke(
            app,
            "store_password",
            json!({"batch": name, "email": email, "password": password}),
        )
        .expect("store_password");
    }
    if case.admin_password {
        invoke(
            app,
            "store_admin_password",
            json!({"batch": name, "password": "Rules-Admin-Pw-9"}),
        )
        .expect("store_admin_password");
    }
    let source = if case.source.starts_with("imap") {
        json!({"preset": null, "url": case.source})
    } else {
        json!({"preset": case.source, "url": "imaps://outlook.office365.com:993"})
    };
    let users: Vec<Value> = case
        .rows
        .iter()
        .map(|(email, login, _)| json!({"email_address": email, "user_name": login, "user_root": null}))
        .collect();
    invoke(
        app,
        "create_batch",
        json!({"spec": {
            "name": name,
            "source": source,
            "destination": {"preset": null, "url": "imaps://127.0.0.1:2"},
            "options": {"destination_admin": case.admin},
            "users": users,
        }}),
    )
}

fn assert_window_words(case: &str, refusal: &Value) {
    assert_eq!(refusal["kind"], "input", "{case}: {refusal}");
    for field in ["message", "hint"] {
        let text = refusal[field].as_str().unwrap_or_default();
        assert!(!text.is_empty(), "{case}: no {field}: {refusal}");
        assert!(
            !text.contains("--"),
            "{case}: the window names a command-line option: {refusal}"
        );
    }
}

#[test]
fn the_window_refuses_each_bad_batch_for_its_reason_in_its_own_words() {
    let app = app();
    for case in &cases() {
        let name = format!("rules-{}", case.tag);
        let outcome = create_through_the_window(&app, case, &name);
        let listed = |name: &str| {
            invoke(&app, "list_batches", json!({}))
                .expect("list_batches")
                .as_array()
                .expect("a list")
                .iter()
                .any(|b| b["name"] == name)
        };
        let Some(fact) = case.refused_with.as_deref() else {
            let created = outcome.unwrap_or_else(|e| panic!("{}: refused: {e}", case.tag));
            assert_eq!(created["status"], "Created");
            assert!(listed(&name));
            let again = create_through_the_window(&app, case, &name)
                .expect_err("the same name again is refused");
            assert_window_words(&case.tag, &again);
            assert!(
                again["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("already exists")),
                "{again}"
            );
            let checked = invoke(&app, "check_batch_name", json!({"name": name}))
                .expect_err("the name step refuses a taken name too");
            assert_window_words(&case.tag, &checked);
            continue;
        };
        let refusal = outcome.expect_err(&case.tag);
        assert_window_words(&case.tag, &refusal);
        assert!(
            refusal["message"]
                .as_str()
                .is_some_and(|m| m.contains(fact)),
            "{}: the refusal states {fact:?}: {refusal}",
            case.tag
        );
        assert!(!listed(&name), "{}: a refused batch was created", case.tag);
    }
}

#[test]
fn a_batch_of_passwords_needs_no_sign_in_and_a_stranger_is_not_asked_for_one() {
    let app = app();
    invoke(
        &app,
        "store_password",
        json!({"batch": "p1", "email": "ann@contoso.com", "password": "Pw-123"}),
    )
    .expect("store_password");
    invoke(
        &app,
        "store_admin_password",
        json!({"batch": "p1", "password": "Admin-1"}),
    )
    .expect("store_admin_password");
    invoke(
        &app,
        "create_batch",
        json!({"spec": {
            "name": "p1",
            "source": {"preset": "gmail", "url": "imaps://imap.gmail.com:993"},
            "destination": {"preset": null, "url": "imaps://mail.contoso.com:993"},
            "options": {"destination_admin": "admin@contoso.com"},
            "users": [{"email_address": "ann@contoso.com", "user_name": "ann@gmail.com", "user_root": null}]
        }}),
    )
    .expect("create_batch");
    // Passwords only: the keyring's sign-ins are not even read.
    let none = invoke(
        &app,
        "batch_sign_ins",
        json!({"batch": "p1", "email": null}),
    )
    .expect("batch_sign_ins");
    assert_eq!(none, json!([]));
    let stranger = invoke(
        &app,
        "batch_sign_ins",
        json!({"batch": "p1", "email": "zoe@contoso.com"}),
    )
    .expect_err("a mailbox of another batch");
    assert_window_words("stranger", &stranger);
    assert!(
        stranger["message"]
            .as_str()
            .is_some_and(|m| m.contains("zoe@contoso.com is not in p1")),
        "{stranger}"
    );
}

#[test]
fn a_mailbox_never_completed_is_not_offered_for_retirement() {
    let app = app();
    invoke(
        &app,
        "store_password",
        json!({"batch": "r1", "email": "ann@contoso.com", "password": "Pw-123"}),
    )
    .expect("store_password");
    invoke(
        &app,
        "store_admin_password",
        json!({"batch": "r1", "password": "Admin-1"}),
    )
    .expect("store_admin_password");
    invoke(
        &app,
        "create_batch",
        json!({"spec": {
            "name": "r1",
            "source": {"preset": "gmail", "url": "imaps://imap.gmail.com:993"},
            "destination": {"preset": null, "url": "imaps://mail.contoso.com:993"},
            "options": {"destination_admin": "admin@contoso.com"},
            "users": [{"email_address": "ann@contoso.com", "user_name": "ann@gmail.com", "user_root": null}]
        }}),
    )
    .expect("create_batch");
    let retirement =
        invoke(&app, "batch_retirement", json!({"name": "r1"})).expect("batch_retirement");
    assert_eq!(retirement["ready"], 0, "{retirement:#}");
    let ann = &retirement["mailboxes"][0];
    assert_eq!(ann["source_mailbox"], "ann@gmail.com", "{retirement:#}");
    assert_eq!(ann["new_mailbox"], "ann@contoso.com");
    assert_eq!(ann["can_retire"], false);
    assert!(
        ann["before_retiring"][0]
            .as_str()
            .is_some_and(|why| why.contains("not complete: it is Queued")),
        "{retirement:#}"
    );
    assert!(
        retirement["next_steps"]
            .to_string()
            .contains("cancel the old provider"),
        "{retirement:#}"
    );
}

#[test]
fn the_microsoft_365_setup_script_and_check_refuse_what_is_not_a_domain_or_an_id() {
    let app = app();
    let settings = invoke(&app, "sign_in_settings", json!({})).expect("settings");
    // A build without a registration of its own: the window offers the setup step.
    assert_eq!(settings["microsoft_built_in"], false);
    assert_eq!(settings["google_built_in"], false);

    let script = invoke(
        &app,
        "microsoft_setup_script",
        json!({"request": {"path": "admin", "tenant": "Contoso.com", "admin": null, "mailboxes": []}}),
    )
    .expect("a script for the tenant");
    let script = script.as_str().expect("script text");
    assert!(
        script.contains("Connect-MgGraph -TenantId \"contoso.com\""),
        "{script}"
    );
    assert!(script.contains("Application (client) ID"), "{script}");

    let refused = invoke(
        &app,
        "microsoft_setup_script",
        json!({"request": {"path": "admin", "tenant": "contoso.com\"; Remove-MgApplication", "admin": null, "mailboxes": []}}),
    )
    .expect_err("not a domain");
    assert_eq!(refused["kind"], "input");
    assert!(refused["hint"].as_str().unwrap_or("").contains("domain"));

    let check =
        |request: Value| invoke(&app, "check_microsoft_setup", json!({ "request": request }));
    let refused = check(json!({
        "path": "admin", "client_id": "Application (client) ID: 9e5f94bc", "tenant": "contoso.com",
        "login_hint": null, "sample_mailbox": null, "sign_in": null, "with_directory": false,
    }))
    .expect_err("not a client ID");
    assert_eq!(refused["kind"], "input");
    assert!(refused["message"]
        .as_str()
        .unwrap_or("")
        .contains("Application (client) ID"));
    let refused = check(json!({
        "path": "app", "client_id": "9e5f94bc-e8a4-4e73-b8be-63364c29d753", "tenant": "contoso.com",
        "login_hint": null, "sample_mailbox": "anna@contoso.com", "sign_in": null, "with_directory": false,
    }))
    .expect_err("the app must sign in first");
    assert_eq!(refused["kind"], "input");
    // No window text names a command-line option.
    for text in [&refused["message"], &refused["hint"]] {
        assert!(!text.as_str().unwrap_or("").contains("--"), "{text}");
    }
}

/// A port nothing listens on (the listener is closed again at once).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[test]
fn test_connection_errors_carry_the_side_and_what_failed() {
    let app = app();
    let port = closed_port();
    let test = |side: &str, options: Value| {
        invoke(
            &app,
            "test_connection",
            json!({"batch": "b1", "side": side,
                "server": {"preset": null, "url": format!("imaps://127.0.0.1:{port}")},
                "emailAddress": "ann@contoso.com", "userName": "ann", "options": options}),
        )
        .expect_err("nothing to connect to")
    };
    // The old mailbox has no password yet: which side, and how it would sign in.
    let missing = test("source", json!({}));
    assert_eq!(missing["kind"], "input", "{missing:#}");
    assert_eq!(missing["facts"]["side"], "source", "{missing:#}");
    assert_eq!(missing["facts"]["auth_method"], "password", "{missing:#}");
    // The new server refuses the connection: the window words it from these facts.
    invoke(
        &app,
        "store_admin_password",
        json!({"batch": "b1", "password": "admin-pw"}),
    )
    .expect("admin password");
    let refused = test("destination", json!({"destination_admin": "admin"}));
    assert_eq!(refused["kind"], "network", "{refused:#}");
    let facts = &refused["facts"];
    assert_eq!(facts["side"], "destination", "{refused:#}");
    assert_eq!(facts["network"], "refused", "{refused:#}");
    assert_eq!(facts["host"], "127.0.0.1", "{refused:#}");
    assert_eq!(facts["port"], port, "{refused:#}");
    assert!(
        !refused["hint"].as_str().unwrap_or_default().contains("--"),
        "{refused:#}"
    );
}

#[test]
fn a_certificate_is_trusted_for_a_server_of_the_batch_only_and_checked_first() {
    let app = app();
    invoke(
        &app,
        "store_admin_password",
        json!({"batch": "b1", "password": "Admin-1"}),
    )
    .expect("admin password");
    invoke(
        &app,
        "store_password",
        json!({"batch": "b1", "email": "ann@contoso.com", "password": "Pw-1"}),
    )
    .expect("store_password");
    invoke(
        &app,
        "create_batch",
        json!({"spec": {
            "name": "b1",
            "source": {"preset": null, "url": "imaps://mail.example.com:993"},
            "destination": {"preset": null, "url": "imaps://mail.contoso.com:993"},
            "options": {"destination_admin": "admin@contoso.com"},
            "users": [{"email_address": "ann@contoso.com", "user_name": "ann", "user_root": null}]
        }}),
    )
    .expect("create_batch");
    let pin = "AB:".repeat(31) + "AB";
    let trust = |choice: Value| {
        invoke(
            &app,
            "trust_for_batch",
            json!({"name": "b1", "choice": choice}),
        )
    };

    // Refused before anything is stored: not a fingerprint, a stranger's server, no CA file.
    let refusals = [
        json!({"kind": "certificate", "host": "mail.example.com", "sha256": "abcd"}),
        json!({"kind": "certificate", "host": "evil.example.net", "sha256": pin}),
        json!({"kind": "ca_file", "path": "/nonexistent/ca.pem"}),
    ];
    for choice in refusals {
        let error = trust(choice.clone()).expect_err("refused");
        assert_eq!(error["kind"], "input", "{choice} → {error}");
        let hint = error["hint"].as_str().unwrap_or_default();
        assert!(
            !hint.contains(" --"),
            "the window's hint names an option: {hint}"
        );
    }
    let stored = |app: &App| {
        app.app
            .state::<AppState>()
            .store
            .batch("b1")
            .expect("the batch")
            .options
    };
    assert!(stored(&app).trusted_certificates.is_empty());
    assert_eq!(stored(&app).ca_file, None);

    assert_eq!(
        trust(json!({"kind": "certificate", "host": "mail.example.com", "sha256": pin})),
        Ok(Value::Null)
    );
    let options = stored(&app);
    assert_eq!(options.trusted_certificates.len(), 1);
    assert_eq!(options.trusted_certificates[0].host, "mail.example.com");
    assert_eq!(options.trusted_certificates[0].sha256, "ab".repeat(32));
    // What else the batch was created with is kept.
    assert_eq!(
        options.destination_admin.as_deref(),
        Some("admin@contoso.com")
    );
    assert!(options.trust().is_ok());

    // Before a batch exists, the wizard's options get the same checked addition.
    let added = invoke(
        &app,
        "trust_in_options",
        json!({"options": {"timeout_secs": 30}, "choice": {"kind": "certificate", "host": "imap.example.org", "sha256": pin}}),
    )
    .expect("trust_in_options");
    assert_eq!(
        added["trusted_certificates"],
        json!([{"host": "imap.example.org", "sha256": "ab".repeat(32)}])
    );
    assert_eq!(added["timeout_secs"], 30);
    let refused = invoke(
        &app,
        "trust_in_options",
        json!({"options": {}, "choice": {"kind": "certificate", "host": "imap.example.org", "sha256": "zz"}}),
    )
    .expect_err("not a fingerprint");
    assert_eq!(refused["kind"], "input");
}

#[test]
fn only_a_report_the_app_saved_can_be_opened_from_the_window() {
    let app = app();
    let refused = invoke(
        &app,
        "open_saved_report",
        json!({"path": "/etc/passwd", "inFolder": false}),
    )
    .expect_err("a file the app did not write is refused");
    assert_eq!(refused["kind"], "input", "{refused}");
    assert!(
        !refused["hint"].as_str().unwrap_or_default().contains("--"),
        "{refused}"
    );
}

/// One of the owner's controls from tests/fixtures/run_control.json, the table the command
/// line runs too (tests/integration/batch_rules.rs).
#[derive(serde::Deserialize)]
struct Control {
    tag: String,
    action: String,
    before: Option<Vec<String>>,
    after: Option<Vec<String>>,
    refused_with: Option<String>,
}

#[test]
fn the_window_stops_and_deletes_as_the_table_says() {
    #[derive(serde::Deserialize)]
    struct Table {
        controls: Vec<Control>,
    }
    let table: Table = serde_json::from_str(include_str!("../../tests/fixtures/run_control.json"))
        .expect("tests/fixtures/run_control.json is a table of controls");
    let good = cases()
        .into_iter()
        .find(|c| c.tag == "good")
        .expect("the good case");
    let app = app();
    let statuses = |name: &str| -> Vec<String> {
        invoke(&app, "batch_users", json!({"name": name}))
            .expect("batch_users")
            .as_array()
            .expect("a list")
            .iter()
            .map(|u| u["status"].as_str().expect("a status").to_string())
            .collect()
    };
    for control in &table.controls {
        let name = format!("control-{}", control.tag);
        if let Some(before) = &control.before {
            create_through_the_window(&app, &good, &name).expect("create_batch");
            let store = &app.app.state::<AppState>().store;
            for ((email, _, _), status) in good.rows.iter().zip(before) {
                store
                    .set_status(
                        &name,
                        email,
                        mailferry::batch::UserStatus::parse(status),
                        None,
                        None,
                        None,
                    )
                    .expect("set a status");
            }
            assert_eq!(&statuses(&name), before, "{}", control.tag);
            let (first, _, _) = &good.rows[0];
            let kept = invoke(&app, "has_password", json!({"batch": name, "email": first}))
                .expect("has_password");
            assert_eq!(kept, json!(true), "{}: stored before", control.tag);
        }
        let command = match control.action.as_str() {
            "stop" => "stop_batch",
            "delete" => "delete_batch",
            other => panic!("no window command for {other}"),
        };
        let outcome = invoke(&app, command, json!({"name": name}));
        if let Some(fact) = &control.refused_with {
            let refusal = outcome.expect_err(&control.tag);
            assert_window_words(&control.tag, &refusal);
            assert!(
                refusal["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(fact.as_str())),
                "{}: {refusal}",
                control.tag
            );
            continue;
        }
        outcome.unwrap_or_else(|e| panic!("{}: {e}", control.tag));
        match &control.after {
            Some(after) => assert_eq!(&statuses(&name), after, "{}", control.tag),
            None => {
                let listed = invoke(&app, "list_batches", json!({})).expect("list_batches");
                assert!(
                    !listed.to_string().contains(&name),
                    "{}: {listed}",
                    control.tag
                );
                for (email, _, _) in &good.rows {
                    let kept = invoke(&app, "has_password", json!({"batch": name, "email": email}))
                        .expect("has_password");
                    assert_eq!(kept, json!(false), "{}: {email}'s password", control.tag);
                }
            }
        }
    }
}
