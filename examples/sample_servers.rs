//! Two local IMAP servers with sample mailboxes, for trying Mailferry without any accounts
//! (`npm run demo`) and for the end-to-end tests that drive the real app window.
//!
//!   cargo run --example sample_servers -- --output servers.json [--users 3] [--messages 240] [--oauth]
//!   cargo run --example sample_servers -- --compare servers.json
//!
//! `--oauth` also starts the test harness's stand-in for Microsoft's identity platform, and
//! the source server then accepts its OAuth2 tokens too (XOAUTH2, OAUTHBEARER; passwords
//! still work). The JSON's `oauth` object holds the values for MAILFERRY_MS_CLIENT_ID and
//! the MAILFERRY_MS_* address variables; with them set, each sample user signs in with
//! `mailferry login microsoft --no-browser --login-hint anna@contoso.test` (open the printed
//! address: the stand-in signs in the hinted user at once, Anna without a hint) and is
//! migrated with `--source-login microsoft:anna@contoso.test`.
//!
//! `--exchange` also starts a destination that behaves like Exchange Online (the test
//! harness's Exchange personality in front of a Dovecot with Exchange's folder names, its
//! size limit lowered to 256 KiB) and gives the source one more mailbox, hana@contoso.test,
//! holding the messages Exchange treats differently (flagged, `$MDNSent`, a line over 10,500
//! characters, one over the size limit). The JSON's `exchange` object describes that server
//! and what each seeded message must become; `--compare-exchange` checks that mailbox alone.
//!
//! `--self-signed` also starts a source server whose certificate is self-signed, as an old
//! in-house server's often is, so that the app refuses it until its owner trusts it: it
//! holds one mailbox, ivo@contoso.test, which the destination has too. The JSON's
//! `self_signed` object describes it (with the certificate's SHA-256 fingerprint), and
//! `--compare-self-signed` (and `--compare`) check that mailbox message by message.
//!
//! `--compare` checks, while the servers run, that every user's destination mailbox holds
//! exactly the source's messages, folder by folder: the same bytes, flags and INTERNALDATE,
//! none missing, none extra. It exits 1 and prints the differences otherwise.
//!
//! The source server holds a small company's mail (folders, flags, dates, attachments); the
//! destination has the same mailboxes, empty, and an admin who may open each of them. Both
//! speak IMAP over TLS with a certificate from a local test CA (its path is in the JSON, for
//! SSL_CERT_FILE). Everything lives in a temp dir removed when this program ends (Ctrl-C or
//! SIGTERM). Needs Dovecot (`apt-get install dovecot-imapd`) and root, as Dovecot switches
//! users.
//!
//! These are the test harness's own Dovecot launcher and client, not a second copy.

#[path = "../tests/integration/harness/certs.rs"]
#[allow(dead_code)]
mod certs;
#[path = "../tests/integration/harness/client.rs"]
#[allow(dead_code)]
mod client;
#[path = "../tests/integration/harness/dovecot.rs"]
#[allow(dead_code)]
mod dovecot;
#[path = "../tests/integration/harness/exchange.rs"]
#[allow(dead_code)]
mod exchange;
#[path = "sample_servers/exchange.rs"]
mod exchange_sample;
#[path = "../tests/integration/harness/idp.rs"]
#[allow(dead_code)]
mod idp;
#[path = "../tests/integration/harness/proxy.rs"]
#[allow(dead_code)]
mod proxy;

use std::path::PathBuf;

use client::TestImap;
use dovecot::{CertChoice, Dovecot, DovecotConfig, Layout};
use idp::Idp;
use serde_json::json;

const DOMAIN: &str = "contoso.test";
/// The mailbox on the self-signed source (`--self-signed`).
const SELF_SIGNED_USER: (&str, &str) = ("ivo", "Ivo Kovač");
/// Users in the stand-in's Microsoft Graph directory (`--oauth`).
const SAMPLE_DIRECTORY_SIZE: usize = 150;
const ADMIN: &str = "admin@contoso.test";
const PEOPLE: [(&str, &str); 6] = [
    ("anna", "Anna Lindqvist"),
    ("ben", "Ben Okafor"),
    ("carla", "Carla Mendes"),
    ("dev", "Dev Patel"),
    ("eva", "Eva Novak"),
    ("farid", "Farid Haddad"),
];
/// Folders as a small business has them, with how much of each user's mail goes there.
const FOLDERS: [(&str, u32); 6] = [
    ("INBOX", 40),
    ("Sent", 20),
    ("Archive", 15),
    ("Clients/Fabrikam", 10),
    ("Clients/Northwind", 10),
    ("Invoices 2025", 5),
];
const SUBJECTS: [&str; 10] = [
    "Quarterly numbers",
    "Re: Delivery schedule for March",
    "Invoice 2025-0{n}",
    "Meeting notes — Tuesday",
    "Photos from the site visit",
    "Re: Re: Contract renewal",
    "Holiday rota",
    "Your order has shipped",
    "Welcome aboard, {name}!",
    "Price list (updated)",
];

struct Args {
    output: PathBuf,
    compare: Option<PathBuf>,
    compare_exchange: Option<PathBuf>,
    compare_self_signed: Option<PathBuf>,
    users: usize,
    messages: u32,
    oauth: bool,
    exchange: bool,
    self_signed: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut output = None;
    let mut compare = None;
    let mut compare_exchange = None;
    let mut compare_self_signed = None;
    let mut self_signed = false;
    let mut users = 3usize;
    let mut messages = 240u32;
    let mut oauth = false;
    let mut exchange = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--oauth" => oauth = true,
            "--exchange" => exchange = true,
            "--self-signed" => self_signed = true,
            "--compare-self-signed" => compare_self_signed = Some(PathBuf::from(value()?)),
            "--compare-exchange" => compare_exchange = Some(PathBuf::from(value()?)),
            "--output" => output = Some(PathBuf::from(value()?)),
            "--compare" => compare = Some(PathBuf::from(value()?)),
            "--users" => users = value()?.parse().map_err(|_| "--users takes a number")?,
            "--messages" => messages = value()?.parse().map_err(|_| "--messages takes a number")?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if users == 0 || users > PEOPLE.len() {
        return Err(format!("--users must be 1 to {}", PEOPLE.len()));
    }
    if compare.is_some() || compare_exchange.is_some() || compare_self_signed.is_some() {
        return Ok(Args {
            output: PathBuf::new(),
            compare,
            compare_exchange,
            compare_self_signed,
            users,
            messages,
            oauth,
            exchange,
            self_signed,
        });
    }
    Ok(Args {
        output: output.ok_or("--output FILE or --compare FILE is required")?,
        compare: None,
        compare_exchange: None,
        compare_self_signed: None,
        users,
        messages,
        oauth,
        exchange,
        self_signed,
    })
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("sample_servers: {e}");
            std::process::exit(2);
        }
    };
    if let Some(file) = &args.compare_exchange {
        let result = match read_description(file) {
            Ok(description) => exchange_sample::compare(&description).await,
            Err(e) => Err(e),
        };
        return report_comparison(result);
    }
    if let Some(file) = &args.compare_self_signed {
        let result = match read_description(file) {
            Ok(description) => compare_self_signed(&description).await,
            Err(e) => Err(e),
        };
        return report_comparison(result);
    }
    if let Some(file) = &args.compare {
        return report_comparison(compare(file).await);
    }
    let people = &PEOPLE[..args.users];
    let password = |name: &str| format!("{name}-sample-pw");
    let address = |name: &str| format!("{name}@{DOMAIN}");

    // Started first: the source asks it about every token it is shown.
    let idp = args.oauth.then(|| {
        let idp = Idp::start();
        let emails: Vec<String> = people.iter().map(|(name, _)| address(name)).collect();
        idp.set_known_users(&emails.iter().map(String::as_str).collect::<Vec<_>>());
        // A sign-in without a login hint (the window's button) signs in the first user.
        idp.set_browser_user(&emails[0]);
        // An organisation for "Load users from Microsoft 365": more than one Graph page.
        idp.set_directory_users(SAMPLE_DIRECTORY_SIZE);
        idp
    });
    let mut source_config = DovecotConfig::new(Layout::Plain);
    if let Some(idp) = &idp {
        source_config = source_config.oauth2(&idp.introspection_url());
    }
    let mut destination_config =
        DovecotConfig::new(Layout::Plain).master_user(ADMIN, &password("admin"));
    for (name, _) in people {
        source_config = source_config.user(&address(name), &password(name));
        destination_config = destination_config.user(&address(name), &password(name));
    }
    let self_signed_user = address(SELF_SIGNED_USER.0);
    let self_signed_password = password(SELF_SIGNED_USER.0);
    if args.self_signed {
        destination_config = destination_config.user(&self_signed_user, &self_signed_password);
    }
    let exchange_user = address(exchange_sample::USER);
    let exchange_password = password(exchange_sample::USER);
    if args.exchange {
        source_config = source_config.user(&exchange_user, &exchange_password);
    }
    let source = Dovecot::start(source_config);
    let destination = Dovecot::start(destination_config);
    let self_signed = args.self_signed.then(|| {
        Dovecot::start(
            DovecotConfig::new(Layout::Plain)
                .cert(CertChoice::SelfSigned)
                .user(&self_signed_user, &self_signed_password),
        )
    });
    let exchange = args.exchange.then(|| {
        exchange_sample::ExchangeServer::start(
            &exchange_user,
            &exchange_password,
            ADMIN,
            &password("admin"),
        )
    });

    let mut users = Vec::new();
    for (index, (name, full_name)) in people.iter().enumerate() {
        let email = address(name);
        let loaded = load_mailbox(
            &source,
            &email,
            &password(name),
            full_name,
            index,
            args.messages,
        )
        .await;
        users.push(json!({
            "email": email,
            "name": full_name,
            "password": password(name),
            "messages": loaded,
        }));
    }
    // Beside the description, readable by whoever reads it (Dovecot's own dir is private).
    let ca_file = args.output.with_file_name("sample-ca.pem");
    if let Err(e) = std::fs::copy(source.ca_pem_path(), &ca_file) {
        eprintln!("sample_servers: cannot write {}: {e}", ca_file.display());
        std::process::exit(1);
    }
    let mut description = json!({
        "source": { "host": "127.0.0.1", "port": source.imaps_port(), "security": "tls" },
        "destination": {
            "host": "127.0.0.1",
            "port": destination.imaps_port(),
            "security": "tls",
            "admin": ADMIN,
            "admin_password": password("admin"),
        },
        "ca_file": ca_file,
        "users": users,
    });
    if let Some(server) = &self_signed {
        let loaded = load_mailbox(
            server,
            &self_signed_user,
            &self_signed_password,
            SELF_SIGNED_USER.1,
            PEOPLE.len(),
            args.messages,
        )
        .await;
        // What the comparison trusts to reach it: the certificate itself.
        let trust_file = args.output.with_file_name("self-signed-source.pem");
        if let Err(e) = std::fs::copy(server.ca_pem_path(), &trust_file) {
            eprintln!("sample_servers: cannot write {}: {e}", trust_file.display());
            std::process::exit(1);
        }
        description["self_signed"] = json!({
            "host": "127.0.0.1",
            "port": server.imaps_port(),
            "security": "tls",
            "fingerprint_sha256": server.server_cert_sha256_hex(),
            "trust_file": trust_file,
            "user": {
                "email": self_signed_user,
                "name": SELF_SIGNED_USER.1,
                "password": self_signed_password,
                "messages": loaded,
            },
        });
    }
    if let Some(exchange) = &exchange {
        let seeded = exchange_sample::seed(&source, &exchange_user, &exchange_password).await;
        description["exchange"] = exchange.describe(
            &exchange_user,
            &exchange_password,
            ADMIN,
            &password("admin"),
            seeded,
        );
    }
    if let Some(idp) = &idp {
        // The values of MAILFERRY_MS_CLIENT_ID and MAILFERRY_MS_{AUTHORITY,TOKEN,
        // DEVICE_CODE,GRAPH}_URL; the token and device code URLs use the tenant `common`,
        // `mailferry login microsoft`'s default (the authority URL gets any tenant appended).
        description["oauth"] = json!({
            "provider": "microsoft",
            "client_id": Idp::CLIENT_ID,
            "authority_url": idp.base_url(),
            "token_url": idp.token_url("common"),
            "device_code_url": idp.device_code_url("common"),
            "graph_url": idp.base_url(),
        });
    }
    let text = serde_json::to_string_pretty(&description).unwrap_or_default();
    if let Err(e) = std::fs::write(&args.output, text) {
        eprintln!(
            "sample_servers: cannot write {}: {e}",
            args.output.display()
        );
        std::process::exit(1);
    }
    // Last, so whoever waits for the file sees it only once the servers are ready.
    println!("ready: {}", args.output.display());

    wait_for_stop().await;
    drop(exchange);
    drop(self_signed);
    drop(source);
    drop(destination);
    drop(idp);
}

fn read_description(description_file: &std::path::Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(description_file)
        .map_err(|e| format!("cannot read {}: {e}", description_file.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("not a servers description: {e}"))
}

/// Source and destination of every user in the description, message by message, and the
/// Exchange mailbox if there is one.
async fn compare(description_file: &std::path::Path) -> Result<String, String> {
    let description = read_description(description_file)?;
    let number = |v: &serde_json::Value| v.as_u64().unwrap_or_default() as u16;
    let ca_file = PathBuf::from(description["ca_file"].as_str().unwrap_or_default());
    let source_port = number(&description["source"]["port"]);
    let destination_port = number(&description["destination"]["port"]);
    let users = description["users"].as_array().cloned().unwrap_or_default();
    if users.is_empty() {
        return Err("the description lists no users".into());
    }
    let mut differences = String::new();
    let mut summary = Vec::new();
    for user in users {
        match compare_mailbox(&user, (source_port, &ca_file), (destination_port, &ca_file)).await {
            Ok(line) => summary.push(line),
            Err(diff) => differences.push_str(&diff),
        }
    }
    if description.get("self_signed").is_some() {
        match compare_self_signed(&description).await {
            Ok(line) => summary.push(line),
            Err(diff) => differences.push_str(&diff),
        }
    }
    if description.get("exchange").is_some() {
        match exchange_sample::compare(&description).await {
            Ok(line) => summary.push(line),
            Err(diff) => differences.push_str(&diff),
        }
    }
    if differences.is_empty() {
        Ok(summary.join("\n"))
    } else {
        Err(differences)
    }
}

/// The self-signed source's mailbox and its destination, message by message.
async fn compare_self_signed(description: &serde_json::Value) -> Result<String, String> {
    let server = &description["self_signed"];
    if server.is_null() {
        return Err("the sample servers were started without --self-signed".into());
    }
    let number = |v: &serde_json::Value| v.as_u64().unwrap_or_default() as u16;
    let trust_file = PathBuf::from(server["trust_file"].as_str().unwrap_or_default());
    let ca_file = PathBuf::from(description["ca_file"].as_str().unwrap_or_default());
    compare_mailbox(
        &server["user"],
        (number(&server["port"]), &trust_file),
        (number(&description["destination"]["port"]), &ca_file),
    )
    .await
}

/// One user's source and destination mailboxes, folder by folder: the same bytes, flags and
/// dates, none missing, none extra. Each server is a port and the certificate file to trust.
async fn compare_mailbox(
    user: &serde_json::Value,
    source_server: (u16, &std::path::Path),
    destination_server: (u16, &std::path::Path),
) -> Result<String, String> {
    let email = user["email"].as_str().unwrap_or_default();
    let password = user["password"].as_str().unwrap_or_default();
    let mut source =
        TestImap::try_connect_port(source_server.0, source_server.1, email, password).await?;
    let mut destination =
        TestImap::try_connect_port(destination_server.0, destination_server.1, email, password)
            .await?;
    let mut differences = String::new();
    let mut compared = 0;
    for folder in source.list().await {
        if folder.has_attribute("\\Noselect") {
            continue;
        }
        let source_messages = source.fetch_all(&folder.name).await;
        let destination_messages = destination
            .try_fetch_all(&folder.name)
            .await
            .map_err(|e| format!("{email}: destination folder {:?}: {e}", folder.name))?;
        let diff = client::diff_messages(&source_messages, &destination_messages);
        if !diff.is_empty() {
            differences.push_str(&format!("{email} / {}:\n{diff}", folder.name));
        }
        compared += source_messages.len();
    }
    if compared as u64 != user["messages"].as_u64().unwrap_or_default() {
        differences.push_str(&format!(
            "{email}: the source holds {compared} messages, {} were loaded\n",
            user["messages"]
        ));
    }
    source.logout().await;
    destination.logout().await;
    if differences.is_empty() {
        Ok(format!("{email}: {compared} messages identical"))
    } else {
        Err(differences)
    }
}

async fn wait_for_stop() {
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => return,
        };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}

/// Fills one mailbox and returns how many messages it holds.
async fn load_mailbox(
    server: &Dovecot,
    email: &str,
    password: &str,
    full_name: &str,
    seed: usize,
    messages: u32,
) -> u32 {
    let mut imap = TestImap::connect(server, email, password).await;
    let total_weight: u32 = FOLDERS.iter().map(|(_, weight)| weight).sum();
    let mut loaded = 0;
    for (folder_index, (folder, weight)) in FOLDERS.iter().enumerate() {
        if *folder != "INBOX" && *folder != "Sent" && *folder != "Archive" {
            imap.create(folder).await;
            imap.subscribe(folder).await;
        }
        let count = (messages * weight).div_ceil(total_weight);
        for n in 0..count {
            let k = seed * 7919 + folder_index * 104_729 + n as usize;
            let (flags, internaldate, body) = sample_message(email, full_name, folder, k);
            imap.append(folder, &flags, &internaldate, &body).await;
            loaded += 1;
        }
    }
    imap.logout().await;
    loaded
}

fn sample_message(
    email: &str,
    full_name: &str,
    folder: &str,
    k: usize,
) -> (Vec<&'static str>, String, Vec<u8>) {
    let day = 1 + (k * 13) % 28;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
    ][(k * 5) % 11];
    let hour = (k * 3) % 24;
    let internaldate = format!(
        "{day:02}-{month}-2025 {hour:02}:{:02}:00 +0100",
        (k * 7) % 60
    );
    let first_name = full_name.split(' ').next().unwrap_or(full_name);
    let subject = SUBJECTS[k % SUBJECTS.len()]
        .replace("{n}", &(k % 90 + 10).to_string())
        .replace("{name}", first_name);
    let (from, to) = if folder == "Sent" {
        (email.to_string(), format!("orders{}@fabrikam.test", k % 5))
    } else {
        (format!("colleague{}@{DOMAIN}", k % 9), email.to_string())
    };
    let date = format!("{day} {month} 2025 {hour:02}:{:02}:00 +0100", (k * 7) % 60);
    let text = format!(
        "Hi {first_name},\r\n\r\nThis is sample message {k} in {folder}.\r\n\
         Nothing here is real; it exists so Mailferry has something to move.\r\n\r\nRegards\r\n"
    );
    let mut body = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n\
         Message-ID: <sample-{k}-{}@{DOMAIN}>\r\nMIME-Version: 1.0\r\n",
        folder.replace(['/', ' '], "-")
    );
    if k.is_multiple_of(6) {
        // Every sixth message carries a small attachment.
        let attachment: String = (0..1800)
            .map(|i| char::from(b'A' + ((i * k + i / 3) % 26) as u8))
            .collect();
        body.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{k}\"\r\n\r\n--b{k}\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n--b{k}\r\n\
             Content-Type: application/octet-stream; name=\"notes-{k}.txt\"\r\n\
             Content-Disposition: attachment; filename=\"notes-{k}.txt\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--b{k}--\r\n",
            base64_lines(attachment.as_bytes())
        ));
    } else {
        body.push_str(&format!(
            "Content-Type: text/plain; charset=utf-8\r\n\r\n{text}"
        ));
    }
    let mut flags = Vec::new();
    if folder == "Sent" || !k.is_multiple_of(3) {
        flags.push("\\Seen");
    }
    if k.is_multiple_of(11) {
        flags.push("\\Flagged");
    }
    if k.is_multiple_of(17) {
        flags.push("\\Answered");
    }
    (flags, internaldate, body.into_bytes())
}

fn base64_lines(bytes: &[u8]) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    encoded
        .as_bytes()
        .chunks(76)
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// A comparison's summary, or its differences on standard error and exit status 1.
fn report_comparison(result: Result<String, String>) {
    match result {
        Ok(summary) => println!("{summary}"),
        Err(differences) => {
            eprintln!("{differences}");
            std::process::exit(1);
        }
    }
}
