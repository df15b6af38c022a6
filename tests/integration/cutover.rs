//! `mailferry cutover check` against the DNS stand-in: stages, expected values, the TCP
//! retry after a truncated answer, the 72-hour clock kept in the state folder, exit statuses,
//! and a server that never answers. Domains are under `.test`, which the real DNS never has.

use std::time::Instant;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::harness::client::TestImap;
use crate::harness::dns::{DnsRecord, DnsStandIn};
use crate::harness::run::{mailferry, Outcome, NO_ENV};
use crate::harness::{fresh_state_dir, Dovecot, DovecotConfig, Layout};

const SPF: &str = "v=spf1 include:spf.protection.outlook.com -all";
const SEVENTY_TWO_HOURS: i64 = 72 * 3600;

fn ms_host(domain: &str) -> String {
    format!("{}.mail.protection.outlook.com", domain.replace('.', "-"))
}

/// A domain whose MX, SPF and Autodiscover are all at Microsoft 365.
fn switched_zone(domain: &str) -> Vec<DnsRecord> {
    vec![
        DnsRecord::mx(domain, 0, &ms_host(domain), 3600),
        DnsRecord::txt(domain, &[SPF]),
        DnsRecord::cname(
            &format!("autodiscover.{domain}"),
            "autodiscover.outlook.com",
        ),
    ]
}

/// A domain still at its old provider.
fn before_zone(domain: &str) -> Vec<DnsRecord> {
    vec![
        DnsRecord::mx(domain, 10, "mx1.oldhost.test", 3600),
        DnsRecord::mx(domain, 20, "mx2.oldhost.test", 3600),
        DnsRecord::txt(domain, &["v=spf1 include:_spf.oldhost.test ~all"]),
        DnsRecord::cname(
            &format!("autodiscover.{domain}"),
            "autodiscover.oldhost.test",
        ),
    ]
}

fn check(dns: &DnsStandIn, state: &tempfile::TempDir, domains: &[&str], json: bool) -> Outcome {
    let mut args = vec!["cutover".to_string(), "check".to_string()];
    args.extend(domains.iter().map(|d| d.to_string()));
    args.extend([
        "--dns-server".to_string(),
        dns.server_arg(),
        "--state-dir".to_string(),
        state.path().display().to_string(),
    ]);
    if json {
        args.push("--json".into());
    }
    mailferry(&args, NO_ENV)
}

fn domain<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["domains"]
        .as_array()
        .and_then(|all| all.iter().find(|d| d["domain"] == name))
        .unwrap_or_else(|| panic!("{name} missing from {report:#}"))
}

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("not an RFC 3339 time: {value}"))
}

#[test]
fn each_stage_with_what_to_change() {
    let dns = DnsStandIn::start();
    let state = fresh_state_dir();
    dns.set_zone("before.test", before_zone("before.test"));
    let mut mixed = before_zone("switching.test");
    mixed.push(DnsRecord::mx(
        "switching.test",
        0,
        &ms_host("switching.test"),
        300,
    ));
    dns.set_zone("switching.test", mixed);
    // SPF split over two strings of one TXT record, next to an unrelated TXT record; names
    // and targets in mixed case with trailing dots.
    dns.set_zone(
        "switched.test",
        vec![
            DnsRecord::mx(
                "Switched.TEST.",
                0,
                "Switched-Test.Mail.Protection.Outlook.COM.",
                3600,
            ),
            DnsRecord::txt(
                "switched.test",
                &["v=spf1 include:spf.prot", "ection.outlook.com -all"],
            ),
            DnsRecord::txt("switched.test", &["site-verification=abc"]),
            DnsRecord::cname("autodiscover.switched.test", "AutoDiscover.Outlook.com."),
        ],
    );
    let mut wrong_spf = switched_zone("wrongspf.test");
    wrong_spf[1] = DnsRecord::txt("wrongspf.test", &["v=spf1 include:_spf.oldhost.test -all"]);
    dns.set_zone("wrongspf.test", wrong_spf);
    dns.set_zone("nomx.test", vec![DnsRecord::txt("nomx.test", &[SPF])]);
    let mut long_ttl = before_zone("longttl.test");
    long_ttl[0].ttl = 86400;
    dns.set_zone("longttl.test", long_ttl);

    let all = [
        "before.test",
        "switching.test",
        "switched.test",
        "wrongspf.test",
        "nomx.test",
        "missing.test",
        "longttl.test",
    ];
    let out = check(&dns, &state, &all, true);
    out.assert_code(1);
    let report = out.json();
    assert_eq!(report["ready"], false, "{report:#}");

    let before = domain(&report, "before.test");
    assert_eq!(before["stage"], "before", "{before:#}");
    assert_eq!(before["points_to_microsoft"], false);
    assert_eq!(before["mx"].as_array().map(Vec::len), Some(2), "{before:#}");
    assert_eq!(before["mx"][0]["host"], "mx1.oldhost.test");
    assert_eq!(before["mx"][0]["preference"], 10);
    assert_eq!(before["mx"][0]["ttl"], 3600);
    assert_eq!(before["ttl_ok"], true);
    assert_eq!(before["spf_ok"], false);
    assert_eq!(before["autodiscover_ok"], false);
    assert_eq!(
        before["expected_mx"],
        "before-test.mail.protection.outlook.com"
    );
    assert_eq!(before["expected_spf"], SPF);
    assert_eq!(before["expected_autodiscover"], "autodiscover.outlook.com");
    assert_eq!(before["switched_first_seen"], Value::Null);
    assert_eq!(before["safe_to_complete_at"], Value::Null);

    let switching = domain(&report, "switching.test");
    assert_eq!(switching["stage"], "switching", "{switching:#}");
    assert_eq!(switching["points_to_microsoft"], false);
    let advice = switching["advice"].to_string();
    assert!(
        advice.contains("mx1.oldhost.test") && advice.contains("mx2.oldhost.test"),
        "{switching:#}"
    );

    let switched = domain(&report, "switched.test");
    assert_eq!(switched["stage"], "switched", "{switched:#}");
    assert_eq!(switched["points_to_microsoft"], true);
    assert_eq!(switched["spf_ok"], true, "{switched:#}");
    assert_eq!(switched["autodiscover_ok"], true, "{switched:#}");
    assert_eq!(switched["ready"], true);
    assert_eq!(switched["expected_mx"], Value::Null);
    assert_eq!(switched["advice"], serde_json::json!([]));

    let wrong = domain(&report, "wrongspf.test");
    assert_eq!(wrong["stage"], "switched");
    assert_eq!(wrong["spf_ok"], false, "{wrong:#}");
    assert_eq!(wrong["expected_spf"], SPF);
    assert_eq!(wrong["ready"], false);

    let nomx = domain(&report, "nomx.test");
    assert_eq!(nomx["stage"], "no_mx", "{nomx:#}");
    assert_eq!(nomx["exists"], true);
    assert_eq!(nomx["spf_ok"], true);

    let missing = domain(&report, "missing.test");
    assert_eq!(missing["stage"], "no_mx", "{missing:#}");
    assert_eq!(missing["exists"], false);
    assert_eq!(missing["error"], Value::Null);
    assert!(
        missing["advice"].to_string().contains("does not exist"),
        "{missing:#}"
    );

    let long = domain(&report, "longttl.test");
    assert_eq!(long["ttl_ok"], false, "{long:#}");
    assert!(long["advice"].to_string().contains("86400"), "{long:#}");

    // Ready: exit 0.
    let out = check(&dns, &state, &["switched.test"], true);
    out.assert_code(0);
    assert_eq!(out.json()["ready"], true);

    // Without --json the owner reads what to change, with the values to copy.
    let out = check(&dns, &state, &["before.test"], false);
    out.assert_code(1);
    for expected in [
        "before.test: before",
        "before-test.mail.protection.outlook.com",
        SPF,
        "autodiscover.outlook.com",
        "Not ready yet",
    ] {
        assert!(
            out.stdout.contains(expected),
            "{expected:?} missing:\n{}",
            out.context()
        );
    }
}

#[test]
fn a_truncated_answer_is_asked_again_over_tcp() {
    let dns = DnsStandIn::start();
    let state = fresh_state_dir();
    dns.set_zone("big.test", switched_zone("big.test"));
    dns.truncate_over_udp("big.test");
    let out = check(&dns, &state, &["big.test"], true);
    out.assert_code(0);
    let big = domain(&out.json(), "big.test").clone();
    assert_eq!(big["stage"], "switched", "{big:#}");
    assert_eq!(big["spf_ok"], true, "{big:#}");
    let asked: Vec<_> = dns
        .queries()
        .into_iter()
        .filter(|q| q.name == "big.test" && q.record_type == hickory_proto::rr::RecordType::MX)
        .map(|q| q.over_tcp)
        .collect();
    assert_eq!(asked, [false, true], "MX asked over UDP, then TCP");
}

#[test]
fn the_switch_is_remembered_until_the_domain_goes_back() {
    let dns = DnsStandIn::start();
    let state = fresh_state_dir();
    dns.set_zone("flip.test", before_zone("flip.test"));
    let out = check(&dns, &state, &["flip.test"], true);
    out.assert_code(1);
    assert_eq!(domain(&out.json(), "flip.test")["stage"], "before");

    dns.set_zone("flip.test", switched_zone("flip.test"));
    let started = Utc::now().timestamp();
    let out = check(&dns, &state, &["flip.test"], true);
    let ended = Utc::now().timestamp();
    out.assert_code(0);
    let flip = domain(&out.json(), "flip.test").clone();
    assert_eq!(flip["stage"], "switched");
    let first = time(&flip["switched_first_seen"]);
    assert!(
        (started..=ended).contains(&first.timestamp()),
        "{first} not within the run"
    );
    assert_eq!(
        time(&flip["safe_to_complete_at"]).timestamp() - first.timestamp(),
        SEVENTY_TWO_HOURS
    );

    // Kept by the state folder across runs; another state folder has its own clock.
    let again = check(&dns, &state, &["flip.test"], true);
    assert_eq!(
        domain(&again.json(), "flip.test")["switched_first_seen"],
        flip["switched_first_seen"]
    );
    let elsewhere = fresh_state_dir();
    let other = check(&dns, &elsewhere, &["flip.test"], true);
    assert!(time(&domain(&other.json(), "flip.test")["switched_first_seen"]) >= first);

    // A silent server says nothing about the switch: the clock is kept.
    dns.set_silent(true);
    let silent = check(&dns, &state, &["flip.test"], true);
    silent.assert_code(1);
    assert_eq!(
        domain(&silent.json(), "flip.test")["switched_first_seen"],
        flip["switched_first_seen"]
    );
    dns.set_silent(false);

    // Back at the old provider: cleared.
    dns.set_zone("flip.test", before_zone("flip.test"));
    let back = check(&dns, &state, &["flip.test"], true);
    back.assert_code(1);
    let back = domain(&back.json(), "flip.test").clone();
    assert_eq!(back["stage"], "before");
    assert_eq!(back["switched_first_seen"], Value::Null);
    assert_eq!(back["safe_to_complete_at"], Value::Null);

    // Switched again: the 72 hours start again from this run.
    dns.set_zone("flip.test", switched_zone("flip.test"));
    let rerun = Utc::now().timestamp();
    let out = check(&dns, &state, &["flip.test"], true);
    let restarted = time(&domain(&out.json(), "flip.test")["switched_first_seen"]);
    assert!(
        restarted.timestamp() >= rerun,
        "{restarted} kept from before"
    );
}

#[test]
fn unusable_input_exits_2_before_asking_anything() {
    let dns = DnsStandIn::start();
    let state = fresh_state_dir();
    for domains in [
        &["contoso..test"][..],
        &["ok.test", "not a domain"],
        &["user@contoso.test"],
    ] {
        let out = check(&dns, &state, domains, true);
        out.assert_code(2);
        assert_eq!(
            out.json()["errors"][0]["kind"],
            "input",
            "{}",
            out.context()
        );
    }
    for server in ["127.0.0.1", "127.0.0.1:dns", "127.0.0.1:0", ":53"] {
        let out = mailferry(
            &[
                "cutover".into(),
                "check".into(),
                "ok.test".into(),
                "--dns-server".into(),
                server.into(),
                "--state-dir".into(),
                state.path().display().to_string(),
            ],
            NO_ENV,
        );
        out.assert_code(2);
        assert!(out.stderr.contains("HOST:PORT"), "{}", out.context());
    }
    assert!(dns.queries().is_empty(), "{:?}", dns.queries());
}

#[test]
fn a_server_that_never_answers_is_a_network_error() {
    let dns = DnsStandIn::start();
    let state = fresh_state_dir();
    dns.set_zone("one.test", switched_zone("one.test"));
    dns.set_zone("two.test", switched_zone("two.test"));
    dns.set_silent(true);
    let started = Instant::now();
    let out = check(&dns, &state, &["one.test", "two.test", "three.test"], true);
    // The contract's bound, not a measurement: a hang would hit the harness's run limit.
    assert!(started.elapsed().as_secs() < 30, "{}", out.context());
    out.assert_code(1);
    let report = out.json();
    assert_eq!(report["ready"], false);
    for name in ["one.test", "two.test", "three.test"] {
        let d = domain(&report, name);
        assert_eq!(d["error"]["kind"], "network", "{d:#}");
        assert_eq!(d["stage"], Value::Null, "{d:#}");
    }
    assert!(
        domain(&report, "one.test")["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("did not answer")),
        "{report:#}"
    );
    assert!(out.stderr.contains("did not answer"), "{}", out.context());
    // The check stopped at the first unanswered question.
    let asked: Vec<String> = dns.queries().into_iter().map(|q| q.name).collect();
    assert!(
        !asked.is_empty() && asked.iter().all(|n| n == "one.test"),
        "{asked:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The batch's view: its domains' stages, and Complete only once the switch is safe
// ---------------------------------------------------------------------------------------------

const ADMIN: &str = "admin";
const ADMIN_PW_VAR: &str = "CUTOVER_ADMIN_PW";
const ADMIN_PW: &str = "AdminPw-cutover-7c1";

/// A batch over real Dovecot servers; passwords kept in memory (no keyring needed).
struct CutoverBatch {
    // Kept alive for the batch's runs.
    _source: Option<Dovecot>,
    _dest: Option<Dovecot>,
    source_url: String,
    dest_url: String,
    ca: Option<String>,
    state: tempfile::TempDir,
    files: tempfile::TempDir,
    name: String,
    /// (EmailAddress, UserName)
    users: Vec<(String, String)>,
}

impl CutoverBatch {
    /// With `servers`, real Dovecot source and destination; without, addresses nothing
    /// listens on (for what never connects: status, a refused complete).
    fn new(emails: &[&str], servers: bool) -> CutoverBatch {
        CutoverBatch::with_options(emails, servers, &[])
    }

    /// The same, with more `batch create` options.
    fn with_options(emails: &[&str], servers: bool, options: &[&str]) -> CutoverBatch {
        let users: Vec<(String, String)> = emails
            .iter()
            .map(|e| (e.to_string(), format!("old.{}", e.replace('@', "."))))
            .collect();
        let (source, dest) = if servers {
            let mut source = DovecotConfig::new(Layout::Plain);
            let mut dest = DovecotConfig::new(Layout::Plain).master_user(ADMIN, ADMIN_PW);
            for (email, login) in &users {
                source = source.user(login, "SrcPw-1");
                dest = dest.user(email, "DstPw-1");
            }
            (Some(Dovecot::start(source)), Some(Dovecot::start(dest)))
        } else {
            (None, None)
        };
        let url = |d: &Option<Dovecot>, fallback: u16| {
            format!(
                "imaps://127.0.0.1:{}",
                d.as_ref().map(|d| d.imaps_port()).unwrap_or(fallback)
            )
        };
        let batch = CutoverBatch {
            source_url: url(&source, 1),
            dest_url: url(&dest, 2),
            ca: source
                .as_ref()
                .map(|s| s.ca_pem_path().display().to_string()),
            _source: source,
            _dest: dest,
            state: fresh_state_dir(),
            files: tempfile::tempdir().expect("temp dir"),
            name: "cutover-batch".into(),
            users,
        };
        let mut csv = String::from("EmailAddress,UserName,Password\r\n");
        for (email, login) in &batch.users {
            csv.push_str(&format!("{email},{login},SrcPw-1\r\n"));
        }
        std::fs::write(batch.csv(), csv).expect("write CSV");
        let (source_url, dest_url, csv) = (
            batch.source_url.clone(),
            batch.dest_url.clone(),
            batch.csv(),
        );
        let mut words = vec![
            "create",
            "--csv",
            &csv,
            "--source",
            &source_url,
            "--dest",
            &dest_url,
            "--name",
            "cutover-batch",
            "--dest-auth-user",
            ADMIN,
            "--dest-password-env",
            ADMIN_PW_VAR,
            "--secrets",
            "memory",
            "--timeout",
            "20",
        ];
        let ca = batch.ca.clone();
        if let Some(ca) = &ca {
            words.extend(["--ca-file", ca]);
        }
        words.extend_from_slice(options);
        batch.run(&words).assert_code(0);
        batch
    }

    fn csv(&self) -> String {
        self.files.path().join("users.csv").display().to_string()
    }

    fn run(&self, words: &[&str]) -> Outcome {
        let mut args = vec!["batch".to_string()];
        args.extend(words.iter().map(|w| w.to_string()));
        args.extend([
            "--state-dir".into(),
            self.state.path().display().to_string(),
        ]);
        mailferry(&args, &[(ADMIN_PW_VAR, ADMIN_PW)])
    }

    /// `batch start|complete NAME` with the passwords from the CSV again.
    fn run_with_secrets(&self, action: &str, extra: &[&str]) -> Outcome {
        let csv = self.csv();
        let mut words = vec![
            action,
            &self.name,
            "--secrets",
            "memory",
            "--csv",
            &csv,
            "--dest-password-env",
            ADMIN_PW_VAR,
        ];
        words.extend_from_slice(extra);
        self.run(&words)
    }

    fn complete(&self, dns: &DnsStandIn, extra: &[&str]) -> Outcome {
        let server = dns.server_arg();
        let mut words = vec!["--dns-server", server.as_str()];
        words.extend_from_slice(extra);
        self.run_with_secrets("complete", &words)
    }

    fn user_statuses(&self) -> Vec<String> {
        let out = self.run(&["status", &self.name, "--json", "--no-dns"]);
        out.assert_code(0);
        out.json()["users"]
            .as_array()
            .map(|users| {
                users
                    .iter()
                    .map(|u| u["status"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// As if this state folder had first seen `domain` switched `hours` ago.
    fn backdate_switch(&self, domain: &str, hours: i64) {
        let db = rusqlite::Connection::open(self.state.path().join("mailferry.sqlite3"))
            .expect("open the state database");
        let changed = db
            .execute(
                "UPDATE cutover_domains SET switched_first_seen = ?1 WHERE domain = ?2",
                rusqlite::params![Utc::now().timestamp() - hours * 3600, domain],
            )
            .expect("backdate");
        assert_eq!(changed, 1, "{domain} was not recorded as switched");
    }
}

#[test]
fn batch_status_shows_each_domains_stage() {
    let dns = DnsStandIn::start();
    dns.set_zone("alpha.test", switched_zone("alpha.test"));
    dns.set_zone("beta.test", before_zone("beta.test"));
    let batch = CutoverBatch::new(&["ann@alpha.test", "bob@Alpha.test", "cy@beta.test"], false);
    let server = dns.server_arg();

    let out = batch.run(&["status", &batch.name, "--json", "--dns-server", &server]);
    out.assert_code(0);
    let status = out.json();
    assert_eq!(
        status["users"].as_array().map(Vec::len),
        Some(3),
        "{status:#}"
    );
    assert_eq!(
        status["domains"].as_array().map(Vec::len),
        Some(2),
        "{status:#}"
    );
    assert_eq!(domain(&status, "alpha.test")["stage"], "switched");
    assert!(domain(&status, "alpha.test")["safe_to_complete_at"].is_string());
    assert_eq!(domain(&status, "beta.test")["stage"], "before");
    assert_eq!(
        domain(&status, "beta.test")["expected_mx"],
        "beta-test.mail.protection.outlook.com"
    );

    let out = batch.run(&["status", &batch.name, "--dns-server", &server]);
    out.assert_code(0);
    let line = |name: &str| {
        out.stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no line for {name}:\n{}", out.context()))
            .to_string()
    };
    assert!(line("alpha.test").contains("switched"), "{}", out.context());
    assert!(line("beta.test").contains("before"), "{}", out.context());

    let asked = dns.queries().len();
    let out = batch.run(&["status", &batch.name, "--json", "--no-dns"]);
    out.assert_code(0);
    assert_eq!(out.json()["domains"], Value::Null);
    assert_eq!(dns.queries().len(), asked, "--no-dns asked DNS");

    batch
        .run(&["status", &batch.name, "--dns-server", "127.0.0.1"])
        .assert_code(2);
}

#[test]
fn batch_complete_waits_for_the_switch_and_its_72_hours() {
    let dns = DnsStandIn::start();
    dns.set_zone("contoso.test", before_zone("contoso.test"));
    let batch = CutoverBatch::new(&["ann@contoso.test", "bob@contoso.test"], true);
    batch.run_with_secrets("start", &["--once"]).assert_code(0);
    assert_eq!(batch.user_statuses(), ["Synced", "Synced"]);

    // Mail still goes to the old provider.
    let out = batch.complete(&dns, &[]);
    out.assert_code(1);
    assert!(out.stderr.contains("would be lost"), "{}", out.context());
    assert!(
        out.stderr.contains("contoso.test") && out.stderr.contains("--force"),
        "{}",
        out.context()
    );
    assert_eq!(batch.user_statuses(), ["Synced", "Synced"]);

    // Switched just now: the 72 hours have not passed.
    dns.set_zone("contoso.test", switched_zone("contoso.test"));
    let out = batch.complete(&dns, &["--json"]);
    out.assert_code(1);
    let refused = out.json();
    assert_eq!(refused["status"], "refused", "{refused:#}");
    assert!(
        refused["reason"]
            .as_str()
            .is_some_and(|r| r.contains("72 hours")),
        "{refused:#}"
    );
    assert_eq!(domain(&refused, "contoso.test")["stage"], "switched");
    assert_eq!(batch.user_statuses(), ["Synced", "Synced"]);

    // 73 hours later (as far as this state folder knows): completed, and the old mailboxes
    // are named for retirement.
    batch.backdate_switch("contoso.test", 73);
    let out = batch.complete(&dns, &[]);
    out.assert_code(0);
    assert_eq!(batch.user_statuses(), ["Completed", "Completed"]);
    assert!(
        out.stdout.contains("can be retired (2 of 2)"),
        "{}",
        out.context()
    );
    assert!(
        out.stdout.contains("old.ann.contoso.test"),
        "{}",
        out.context()
    );
}

#[test]
fn batch_complete_with_force_completes_before_the_switch() {
    let dns = DnsStandIn::start();
    dns.set_zone("fabrikam.test", before_zone("fabrikam.test"));
    let batch = CutoverBatch::new(&["dora@fabrikam.test"], true);
    batch.run_with_secrets("start", &["--once"]).assert_code(0);
    let out = batch.complete(&dns, &["--force"]);
    out.assert_code(0);
    assert!(out.stderr.contains("would be lost"), "{}", out.context());
    assert_eq!(batch.user_statuses(), ["Completed"]);
}

/// A `mailferry batch start` left running in the background; killed on drop.
struct RunningBatch(std::process::Child);

impl Drop for RunningBatch {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl CutoverBatch {
    /// `batch start NAME` (continuous) in the background, asking `dns` and re-checking the
    /// domains every second.
    fn start_continuous(&self, dns: &DnsStandIn) -> RunningBatch {
        let csv = self.csv();
        let state = self.state.path().display().to_string();
        let child = std::process::Command::new(crate::harness::mailferry_bin())
            .args([
                "batch",
                "start",
                &self.name,
                "--secrets",
                "memory",
                "--csv",
                &csv,
                "--dest-password-env",
                ADMIN_PW_VAR,
                "--state-dir",
                &state,
                "--json",
            ])
            .env(ADMIN_PW_VAR, ADMIN_PW)
            .env("MAILFERRY_DNS_SERVER", dns.server_arg())
            .env("MAILFERRY_DOMAIN_RECHECK_SECS", "1")
            .env_remove("MAILFERRY_LOG")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the batch");
        RunningBatch(child)
    }

    /// `domain` as the running batch last saw it, from `batch status --no-dns`.
    fn last_check(&self, domain: &str) -> Value {
        let out = self.run(&["status", &self.name, "--json", "--no-dns"]);
        out.assert_code(0);
        out.json()["last_checks"]
            .as_array()
            .and_then(|all| all.iter().find(|c| c["domain"] == domain))
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// When this state folder first saw `domain` switched, read from its database.
    fn first_seen(&self, domain: &str) -> Option<i64> {
        let db = rusqlite::Connection::open(self.state.path().join("mailferry.sqlite3"))
            .expect("open the state database");
        db.query_row(
            "SELECT switched_first_seen FROM cutover_domains WHERE domain = ?1",
            rusqlite::params![domain],
            |r| r.get(0),
        )
        .ok()
    }
}

/// Polls `done` until it holds, failing after a minute with `what`.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + std::time::Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

fn mx_questions(dns: &DnsStandIn, name: &str) -> usize {
    dns.queries()
        .iter()
        .filter(|q| q.name == name && q.record_type == hickory_proto::rr::RecordType::MX)
        .count()
}

#[test]
fn a_running_batch_records_the_switch_by_itself() {
    let dns = DnsStandIn::start();
    dns.set_zone("northwind.test", before_zone("northwind.test"));
    let batch = CutoverBatch::new(&["eve@northwind.test"], true);
    let mut runner = batch.start_continuous(&dns);
    wait_for("the mailbox is synced", || {
        batch.user_statuses() == ["Synced"]
    });
    // Looked at while mail still goes to the old provider: nothing to record yet.
    wait_for("the batch asked DNS about its domain", || {
        mx_questions(&dns, "northwind.test") > 0
    });
    assert_eq!(batch.first_seen("northwind.test"), None);

    let switched_at = Utc::now().timestamp();
    dns.set_zone("northwind.test", switched_zone("northwind.test"));
    wait_for("the running batch saw the switch", || {
        batch.first_seen("northwind.test").is_some()
    });
    wait_for("the check was kept", || {
        batch.last_check("northwind.test")["stage"] == "switched"
    });
    let first = batch.first_seen("northwind.test").unwrap_or_default();
    assert!(
        first >= switched_at && first <= Utc::now().timestamp(),
        "{first} is not after the switch at {switched_at}"
    );
    assert!(
        runner.0.try_wait().expect("poll the batch").is_none(),
        "the batch ended"
    );

    // A DNS server that stops answering fails nothing: the batch copies on, the clock is kept.
    dns.set_silent(true);
    let asked = mx_questions(&dns, "northwind.test");
    wait_for("the batch asked the silent server", || {
        mx_questions(&dns, "northwind.test") > asked
    });
    assert!(
        runner.0.try_wait().expect("poll the batch").is_none(),
        "the batch ended when DNS stopped answering"
    );
    // The failed check is kept as the domain's last one, for `batch status` to show.
    wait_for("the failed check was kept", || {
        batch.last_check("northwind.test")["error"]["kind"] == "network"
    });
    assert_eq!(batch.user_statuses(), ["Synced"]);
    assert_eq!(batch.first_seen("northwind.test"), Some(first));
    assert!(
        runner.0.try_wait().expect("poll the batch").is_none(),
        "the batch ended after a failed check"
    );
    let out = batch.run(&["status", &batch.name, "--no-dns"]);
    let line = out
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("northwind.test"))
        .unwrap_or_default();
    assert!(line.contains("could not be checked"), "{}", out.context());

    // And what the batch recorded is what `cutover check` counts the 72 hours from.
    dns.set_silent(false);
    let out = check(&dns, &batch.state, &["northwind.test"], true);
    assert_eq!(
        time(&domain(&out.json(), "northwind.test")["switched_first_seen"]).timestamp(),
        first
    );
}

fn message(subject: &str, body_bytes: usize) -> Vec<u8> {
    format!(
        "From: a@old.test\r\nTo: b@contoso.test\r\nSubject: {subject}\r\nMessage-ID: <{subject}@old.test>\r\n\r\n{}\r\n",
        "x".repeat(body_bytes)
    )
    .into_bytes()
}

const DATE: &str = "01-Feb-2026 10:00:00 +0000";

#[tokio::test]
async fn completing_runs_a_last_pass_then_names_the_mailboxes_to_retire() {
    let dns = DnsStandIn::start();
    dns.set_zone("contoso.test", switched_zone("contoso.test"));
    let batch = CutoverBatch::with_options(
        &["ann@contoso.test", "bob@contoso.test"],
        true,
        &["--max-message-size", "100000"],
    );
    let source = batch._source.as_ref().expect("source server");
    let dest = batch._dest.as_ref().expect("destination server");
    let mut ann = TestImap::connect(source, "old.ann.contoso.test", "SrcPw-1").await;
    ann.append("INBOX", &[], DATE, &message("first", 100)).await;
    let mut bob = TestImap::connect(source, "old.bob.contoso.test", "SrcPw-1").await;
    bob.append("INBOX", &[], DATE, &message("small", 100)).await;
    // Too large for the batch's limit: left behind, so it exists only in the old mailbox.
    bob.append("INBOX", &[], DATE, &message("huge", 300_000))
        .await;
    batch.run_with_secrets("start", &["--once"]).assert_code(0);
    assert_eq!(batch.user_statuses(), ["Synced", "Synced"]);

    // Mail that still reached the old provider after the last pass.
    ann.append("INBOX", &[], DATE, &message("late", 100)).await;
    check(&dns, &batch.state, &["contoso.test"], true).assert_code(0);
    batch.backdate_switch("contoso.test", 73);
    let before_complete = Utc::now().timestamp();
    let out = batch.complete(&dns, &["--json"]);
    out.assert_code(0);
    assert_eq!(batch.user_statuses(), ["Completed", "Completed"]);
    let mut copied = TestImap::connect(dest, "ann@contoso.test", "DstPw-1").await;
    let subjects: Vec<String> = copied
        .fetch_all("INBOX")
        .await
        .iter()
        .map(|m| m.subject())
        .collect();
    assert!(
        subjects.iter().any(|s| s == "late"),
        "the last pass did not copy the late message: {subjects:?}"
    );

    let result = out.json();
    assert_eq!(result["status"], "completed", "{result:#}");
    let retirement = &result["retirement"];
    assert_eq!(retirement["ready"], 1, "{retirement:#}");
    let mailbox = |email: &str| {
        retirement["mailboxes"]
            .as_array()
            .and_then(|all| all.iter().find(|m| m["new_mailbox"] == email))
            .unwrap_or_else(|| panic!("{email} missing from {retirement:#}"))
            .clone()
    };
    let ann_report = mailbox("ann@contoso.test");
    assert_eq!(ann_report["source_mailbox"], "old.ann.contoso.test");
    assert_eq!(ann_report["can_retire"], true, "{ann_report:#}");
    assert_eq!(ann_report["messages_copied"], 2, "{ann_report:#}");
    assert!(
        ann_report["last_synced_at"]
            .as_i64()
            .is_some_and(|t| t >= before_complete),
        "the last sync is not the last pass: {ann_report:#}"
    );
    let bob_report = mailbox("bob@contoso.test");
    assert_eq!(bob_report["can_retire"], false, "{bob_report:#}");
    assert_eq!(bob_report["skipped"], 1, "{bob_report:#}");
    assert!(
        bob_report["before_retiring"][0]
            .as_str()
            .is_some_and(|why| why.contains("1 message was left behind")),
        "{bob_report:#}"
    );
    assert!(
        retirement["next_steps"]
            .to_string()
            .contains("cancel the old provider"),
        "{retirement:#}"
    );

    // The same list in words, for the owner reading the terminal.
    let out = batch.complete(&dns, &[]);
    out.assert_code(0);
    for expected in [
        "can be retired (1 of 2)",
        "old.ann.contoso.test  (now ann@contoso.test)",
        "2 of 2 messages copied",
        "Not yet",
        "old.bob.contoso.test",
        "1 message was left behind",
        "Next steps:",
    ] {
        assert!(
            out.stdout.contains(expected),
            "{expected:?} missing:\n{}",
            out.context()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_s_runner_checks_the_domains_too() {
    use mailferry::batch::domain_watch::DnsChoice;
    use mailferry::batch::{
        BatchOptions, BatchSecrets, BatchStore, NewBatch, RunMode, SecretMode, ServerSpec,
        Supervisor,
    };
    use mailferry::secrets::SecretString;

    let dns = DnsStandIn::start();
    dns.set_zone("litware.test", switched_zone("litware.test"));
    let state = fresh_state_dir();
    let store = BatchStore::new(mailferry::state::State::open(state.path()).expect("state"))
        .expect("store");
    // Servers nothing listens on: the mailbox waits to try again, so the runner keeps running.
    let nowhere = ServerSpec {
        preset: None,
        url: "imaps://127.0.0.1:1".into(),
    };
    store
        .create(
            &NewBatch {
                name: "window".into(),
                source: nowhere.clone(),
                destination: nowhere,
                options: BatchOptions {
                    destination_admin: Some("admin".into()),
                    retry_wait_secs: 3600,
                    ..BatchOptions::default()
                },
            },
            &[("kim@litware.test".into(), "kim".into(), None)],
        )
        .expect("create the batch");
    let secrets = BatchSecrets::new(SecretMode::Memory);
    secrets
        .set_source_password(
            "window",
            "kim@litware.test",
            &SecretString::new("pw".into()),
        )
        .expect("source password");
    secrets
        .set_admin_password("window", &SecretString::new("pw".into()))
        .expect("admin password");
    let supervisor = Supervisor::new(
        store.clone(),
        Box::new(|future| {
            tokio::spawn(future);
        }),
    );
    let server = dns.server_arg().parse().expect("stand-in address");
    supervisor.watch_domains(DnsChoice::Server(mailferry::cutover::DnsServer::At(server)));
    supervisor.start("window", secrets, RunMode::Continuous);

    let history = mailferry::cutover::history::History::new(store.state().clone());
    let deadline = Instant::now() + std::time::Duration::from_secs(60);
    while history
        .first_seen("litware.test")
        .expect("history")
        .is_none()
    {
        assert!(
            Instant::now() < deadline,
            "the runner never recorded the switch"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(supervisor.is_running("window"));
    supervisor.stop("window").await;
}
