//! Private, throw-away Dovecot instances.
//!
//! Each instance runs `dovecot -F` as a child process from a config generated in a fresh temp
//! dir, on its own loopback ports, with a passwd-file of test users. Everything lives in the
//! temp dir, so tests run in parallel without sharing state. Requires root: Dovecot's
//! privilege separation needs to switch to the `mail`, `dovenull` and `dovecot` users.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::certs;
use super::proxy::{CutPlan, CutProxy};

const DOVECOT_BIN: &str = "/usr/sbin/dovecot";
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts at picking free ports; another test may grab a port between our probe and
/// Dovecot's bind.
const START_ATTEMPTS: usize = 5;

/// Folder layouts imitating the servers mailferry meets in the wild.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// INBOX, Drafts, Sent, Trash, Junk, Archive with special-use, separator "/".
    #[default]
    Plain,
    /// INBOX and `[Gmail]/...` special folders, separator "/".
    GmailLike,
    /// INBOX, Sent Items, Deleted Items, Junk Email, Drafts, Archive; Exchange's greeting.
    ExchangeLike,
    /// Everything under `INBOX.`, separator ".", no special-use attributes at all.
    CourierLike,
    /// INBOX, Sent, Trash, Drafts without special-use attributes, separator "/".
    NoSpecialUse,
}

impl Layout {
    pub const ALL: [Layout; 5] = [
        Layout::Plain,
        Layout::GmailLike,
        Layout::ExchangeLike,
        Layout::CourierLike,
        Layout::NoSpecialUse,
    ];

    pub fn separator(self) -> char {
        match self {
            Layout::CourierLike => '.',
            _ => '/',
        }
    }

    /// Auto-created folders: (full name on the wire, special-use attribute if any).
    pub fn special_folders(self) -> &'static [(&'static str, Option<&'static str>)] {
        match self {
            Layout::Plain => &[
                ("Drafts", Some("\\Drafts")),
                ("Sent", Some("\\Sent")),
                ("Trash", Some("\\Trash")),
                ("Junk", Some("\\Junk")),
                ("Archive", Some("\\Archive")),
            ],
            Layout::GmailLike => &[
                ("[Gmail]/All Mail", Some("\\All")),
                ("[Gmail]/Sent Mail", Some("\\Sent")),
                ("[Gmail]/Drafts", Some("\\Drafts")),
                ("[Gmail]/Spam", Some("\\Junk")),
                ("[Gmail]/Trash", Some("\\Trash")),
                ("[Gmail]/Starred", Some("\\Flagged")),
                ("[Gmail]/Important", Some("\\Important")),
            ],
            Layout::ExchangeLike => &[
                ("Sent Items", Some("\\Sent")),
                ("Deleted Items", Some("\\Trash")),
                ("Junk Email", Some("\\Junk")),
                ("Drafts", Some("\\Drafts")),
                ("Archive", Some("\\Archive")),
            ],
            Layout::CourierLike => &[
                ("INBOX.Sent", None),
                ("INBOX.Drafts", None),
                ("INBOX.Trash", None),
            ],
            Layout::NoSpecialUse => &[("Sent", None), ("Trash", None), ("Drafts", None)],
        }
    }

    /// A user-folder name two levels deep, spelled for this layout.
    pub fn nested_folder(self) -> &'static str {
        match self {
            Layout::CourierLike => "INBOX.Clients.Acme",
            _ => "Clients/Acme",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CertChoice {
    /// A certificate for localhost/127.0.0.1 signed by the harness CA.
    #[default]
    TrustedByTestCa,
    /// A self-signed certificate no client trusts: for certificate-error tests.
    SelfSigned,
    /// What `openssl req -x509` makes: self-signed and marked as a certificate authority
    /// (CA:TRUE), which verifiers refuse as a server certificate even when it is trusted.
    SelfSignedCa,
}

#[derive(Clone, Debug)]
pub struct UserSpec {
    pub name: String,
    pub password: String,
    /// Dovecot quota storage limit such as "1M" (APPEND then fails with `[OVERQUOTA]`).
    pub quota_storage: Option<String>,
    /// Largest single message such as "1M" (APPEND then fails with `[LIMIT]`).
    pub max_mail_size: Option<String>,
}

impl UserSpec {
    pub fn new(name: &str, password: &str) -> UserSpec {
        UserSpec {
            name: name.to_string(),
            password: password.to_string(),
            quota_storage: None,
            max_mail_size: None,
        }
    }

    pub fn quota_storage(mut self, limit: &str) -> UserSpec {
        self.quota_storage = Some(limit.to_string());
        self
    }

    pub fn max_mail_size(mut self, limit: &str) -> UserSpec {
        self.max_mail_size = Some(limit.to_string());
        self
    }
}

#[derive(Clone, Debug, Default)]
pub struct DovecotConfig {
    pub users: Vec<UserSpec>,
    /// (name, password) of master users: `LOGIN user*master password`.
    pub master_users: Vec<(String, String)>,
    pub layout: Layout,
    /// Overrides the greeting text (ExchangeLike has its own default).
    pub greeting: Option<String>,
    /// Allows LOGIN on the plain port before STARTTLS (off by default, as on real servers).
    pub allow_plaintext_auth: bool,
    pub cert: CertChoice,
    /// Token introspection endpoint (RFC 7662, `token=` POSTed) for an `oauth2` passdb that
    /// verifies XOAUTH2 / OAUTHBEARER sign-ins; passwords keep working for PLAIN and LOGIN.
    pub oauth2_introspection_url: Option<String>,
    /// With `oauth2_introspection_url`: the OAuth2 SASL mechanisms offered, lowercase
    /// (`xoauth2`, `oauthbearer`); `None` offers both.
    pub oauth2_mechanisms: Option<Vec<String>>,
}

impl DovecotConfig {
    pub fn new(layout: Layout) -> DovecotConfig {
        DovecotConfig {
            layout,
            ..DovecotConfig::default()
        }
    }

    pub fn user(mut self, name: &str, password: &str) -> DovecotConfig {
        self.users.push(UserSpec::new(name, password));
        self
    }

    pub fn user_spec(mut self, spec: UserSpec) -> DovecotConfig {
        self.users.push(spec);
        self
    }

    pub fn master_user(mut self, name: &str, password: &str) -> DovecotConfig {
        self.master_users
            .push((name.to_string(), password.to_string()));
        self
    }

    pub fn greeting(mut self, greeting: &str) -> DovecotConfig {
        self.greeting = Some(greeting.to_string());
        self
    }

    pub fn allow_plaintext_auth(mut self, allow: bool) -> DovecotConfig {
        self.allow_plaintext_auth = allow;
        self
    }

    pub fn cert(mut self, cert: CertChoice) -> DovecotConfig {
        self.cert = cert;
        self
    }

    /// Accepts OAuth2 access tokens (XOAUTH2 and OAUTHBEARER), each checked by POSTing it to
    /// `introspection_url` (the harness IdP's `introspection_url()`). The token's `username`
    /// must equal the name the client signs in as.
    pub fn oauth2(mut self, introspection_url: &str) -> DovecotConfig {
        self.oauth2_introspection_url = Some(introspection_url.to_string());
        self
    }

    /// Offers only these OAuth2 mechanisms, e.g. `&["oauthbearer"]` for a server without
    /// XOAUTH2. Needs `oauth2`.
    pub fn oauth2_mechanisms(mut self, mechanisms: &[&str]) -> DovecotConfig {
        for mechanism in mechanisms {
            assert!(
                ["xoauth2", "oauthbearer"].contains(mechanism),
                "{mechanism:?}: the oauth2 passdb verifies only xoauth2 and oauthbearer"
            );
        }
        self.oauth2_mechanisms = Some(mechanisms.iter().map(|m| m.to_string()).collect());
        self
    }
}

/// A running Dovecot; stopped and its directory removed on drop.
pub struct Dovecot {
    child: Option<Child>,
    /// Forwards the public plain port to Dovecot's plain listener from 127.0.0.2 (see
    /// `CutProxy::start_from` for why).
    plain_relay: CutProxy,
    imaps_port: u16,
    direct_imap_port: u16,
    cert_sha256: String,
    users: Mutex<PasswdState>,
    // Declared last so it is removed after the child is stopped.
    dir: tempfile::TempDir,
}

struct PasswdState {
    users: Vec<UserSpec>,
    last_mtime: SystemTime,
}

impl Dovecot {
    /// Starts an instance and waits until it greets. Panics with the log tail on failure.
    pub fn start(cfg: DovecotConfig) -> Dovecot {
        assert!(
            Path::new(DOVECOT_BIN).exists(),
            "{DOVECOT_BIN} not found: the integration tests need Dovecot \
             (apt-get install dovecot-imapd)"
        );
        assert!(
            running_as_root(),
            "the integration tests must run as root: Dovecot switches to the mail, dovenull \
             and dovecot users"
        );
        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            match Dovecot::try_start(&cfg) {
                Ok(dovecot) => return dovecot,
                Err(StartError::PortTaken(log)) => last_error = log,
                Err(StartError::Fatal(message)) => panic!("{message}"),
            }
        }
        panic!("Dovecot could not bind free ports after {START_ATTEMPTS} attempts:\n{last_error}");
    }

    fn try_start(cfg: &DovecotConfig) -> Result<Dovecot, StartError> {
        for user in &cfg.users {
            check_passwd_field(&user.name);
            check_passwd_field(&user.password);
        }
        let dir = tempfile::Builder::new()
            .prefix("mailferry-dovecot-")
            .tempdir()
            .expect("create Dovecot temp dir");
        let root = dir.path();
        // Dovecot's unprivileged processes must traverse the directory to reach sockets,
        // the passwd-file and the mail homes.
        set_mode(root, 0o755);
        let home = root.join("home");
        std::fs::create_dir(&home).expect("create mail home root");
        let (mail_uid, mail_gid) = (
            lookup_id("/etc/passwd", "mail"),
            lookup_id("/etc/group", "mail"),
        );
        std::os::unix::fs::chown(&home, Some(mail_uid), Some(mail_gid))
            .expect("chown mail homes to mail");

        let cert = match cfg.cert {
            CertChoice::TrustedByTestCa => certs::server_cert_signed_by_test_ca(),
            CertChoice::SelfSigned => certs::self_signed_server_cert(),
            CertChoice::SelfSignedCa => certs::self_signed_ca_server_cert(),
        };
        write(&root.join("server-cert.pem"), cert.cert_pem.as_bytes());
        write(&root.join("server-key.pem"), cert.key_pem.as_bytes());
        write(&root.join("ca.pem"), cert.trust_pem.as_bytes());
        write(
            &root.join("masters"),
            master_file(&cfg.master_users).as_bytes(),
        );
        write(&root.join("passwd"), passwd_file(&cfg.users).as_bytes());
        if let Some(url) = &cfg.oauth2_introspection_url {
            write(&root.join("oauth2.conf"), oauth2_file(url).as_bytes());
        }

        let (imaps_port, direct_imap_port) = two_free_ports();
        let conf = render_config(cfg, root, imaps_port, direct_imap_port);
        write(&root.join("dovecot.conf"), conf.as_bytes());

        let stderr =
            std::fs::File::create(root.join("dovecot.stderr")).expect("create stderr file");
        let child = Command::new(DOVECOT_BIN)
            .arg("-F")
            .arg("-c")
            .arg(root.join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(stderr.try_clone().expect("clone stderr file"))
            .stderr(stderr)
            .spawn()
            .map_err(|e| StartError::Fatal(format!("cannot run {DOVECOT_BIN}: {e}")))?;

        let plain_relay = CutProxy::start_from(
            direct_imap_port,
            CutPlan::pass_through(),
            Some(Ipv4Addr::new(127, 0, 0, 2)),
        );
        let mut dovecot = Dovecot {
            child: Some(child),
            plain_relay,
            imaps_port,
            direct_imap_port,
            cert_sha256: certs::sha256_hex(&cert.cert_der),
            users: Mutex::new(PasswdState {
                users: cfg.users.clone(),
                last_mtime: SystemTime::now(),
            }),
            dir,
        };
        dovecot.wait_ready()?;
        dovecot.materialize_special_folders(cfg);
        Ok(dovecot)
    }

    /// Auto-created folders exist only virtually until first opened, and until then Dovecot
    /// does not list their parent. Real Gmail always lists `[Gmail]` as `\Noselect`, so
    /// create the special folders on disk (with `mailbox_list_index = no`, see the config).
    /// Every layout does this: Dovecot 2.3.19 can panic ("locking failed: Resource deadlock
    /// avoided") when several never-opened auto folders are first opened at the same time,
    /// which no real, used mailbox ever shows.
    fn materialize_special_folders(&self, cfg: &DovecotConfig) {
        for user in &cfg.users {
            let mut args = vec!["mailbox", "create", "-u", user.name.as_str()];
            args.extend(cfg.layout.special_folders().iter().map(|(name, _)| *name));
            self.doveadm(&args);
        }
    }

    /// Runs `doveadm` against this instance (as root, bypassing IMAP) and returns its stdout;
    /// panics if it fails. Example: `doveadm(&["mailbox", "list", "-u", "alice"])`.
    pub fn doveadm(&self, args: &[&str]) -> String {
        let output = Command::new("doveadm")
            .arg("-c")
            .arg(self.dir.path().join("dovecot.conf"))
            .args(args)
            .output()
            .expect("run doveadm");
        assert!(
            output.status.success(),
            "doveadm {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&output.stderr),
            self.log_tail()
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn wait_ready(&mut self) -> Result<(), StartError> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let child = self.child.as_mut().expect("child present until drop");
            if let Some(status) = child.try_wait().expect("poll dovecot child") {
                let log = self.log_tail();
                if log.contains("Address already in use") {
                    return Err(StartError::PortTaken(log));
                }
                return Err(StartError::Fatal(format!(
                    "dovecot exited with {status} at startup:\n{log}"
                )));
            }
            // Another test may have grabbed a port between probe and bind: only a greeting
            // on sockets our own master listens on counts.
            let master = child.id();
            if listens_on(master, self.imaps_port)
                && listens_on(master, self.direct_imap_port)
                && greets(self.direct_imap_port)
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(StartError::Fatal(format!(
                    "dovecot did not greet within {START_TIMEOUT:?}:\n{}",
                    self.log_tail()
                )));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Implicit-TLS port.
    pub fn imaps_port(&self) -> u16 {
        self.imaps_port
    }

    /// Plain port offering STARTTLS; refuses LOGIN before STARTTLS unless
    /// `allow_plaintext_auth`.
    pub fn imap_port(&self) -> u16 {
        self.plain_relay.port()
    }

    /// What a client must trust: the test CA, or for `SelfSigned` the certificate itself.
    pub fn ca_pem_path(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    pub fn server_cert_pem_path(&self) -> PathBuf {
        self.dir.path().join("server-cert.pem")
    }

    /// Lowercase hex SHA-256 of the server certificate's DER.
    pub fn server_cert_sha256_hex(&self) -> String {
        self.cert_sha256.clone()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The last 80 lines of Dovecot's log (and its stderr), for failure messages.
    pub fn log_tail(&self) -> String {
        let mut out = String::new();
        for name in ["dovecot.log", "dovecot.stderr"] {
            let text = std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let start = lines.len().saturating_sub(80);
            let _ = writeln!(out, "--- {name} ---");
            for line in &lines[start..] {
                let _ = writeln!(out, "{line}");
            }
        }
        out
    }

    pub fn url_imaps(&self, user: &str) -> String {
        format!(
            "imaps://{}@127.0.0.1:{}",
            encode_userinfo(user),
            self.imaps_port()
        )
    }

    pub fn url_starttls(&self, user: &str) -> String {
        format!(
            "imap://{}@127.0.0.1:{}",
            encode_userinfo(user),
            self.imap_port()
        )
    }

    /// Changes a user's password. Dovecot rereads the passwd-file when its mtime or size
    /// changes, but checks at most once per second, so this waits for the next second.
    pub fn set_password(&self, user: &str, new_password: &str) {
        check_passwd_field(new_password);
        let mut state = self.users.lock().expect("passwd state lock");
        let spec = state
            .users
            .iter_mut()
            .find(|spec| spec.name == user)
            .unwrap_or_else(|| panic!("set_password: no user {user:?} on this server"));
        spec.password = new_password.to_string();
        let path = self.dir.path().join("passwd");
        write(&path, passwd_file(&state.users).as_bytes());
        // Same size and same second as the last load would look unchanged to Dovecot.
        let mtime = (state.last_mtime + Duration::from_secs(1)).max(SystemTime::now());
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(mtime))
            .expect("bump passwd-file mtime");
        state.last_mtime = mtime;
        let since_epoch = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .expect("clock after 1970");
        std::thread::sleep(Duration::from_millis(
            1050 - u64::from(since_epoch.subsec_millis()),
        ));
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SIGTERM lets the master stop its children (SIGKILL would orphan them). Its log
        // process alone takes a second to notice, so it gets its SIGTERM directly too: the
        // whole instance is then gone in about 0.1 s instead of 1.1 s.
        let mut pids = vec![child.id()];
        pids.extend(children_of(child.id()));
        let _ = Command::new("kill")
            .arg("-TERM")
            .args(pids.iter().map(u32::to_string))
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Whether process `pid` holds the listening socket on 127.0.0.1:`port` (from /proc).
fn listens_on(pid: u32, port: u16) -> bool {
    let tcp = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    // Fields: sl local_address rem_address st ... inode; 0100007F is 127.0.0.1, 0A is LISTEN.
    let local = format!("0100007F:{port:04X}");
    let Some(inode) = tcp.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        (fields.get(1) == Some(&local.as_str()) && fields.get(3) == Some(&"0A"))
            .then(|| fields.get(9).map(|inode| format!("socket:[{inode}]")))
            .flatten()
    }) else {
        return false;
    };
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .any(|target| target.as_os_str() == inode.as_str())
}

/// Direct children of `parent`, from /proc.
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            // /proc/PID/stat is "pid (comm) state ppid ..."; comm may contain spaces.
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let after_comm = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
            after_comm.split_whitespace().nth(1) == Some(parent.to_string().as_str())
        })
        .collect()
}

enum StartError {
    PortTaken(String),
    Fatal(String),
}

/// True once the plain port sends a real greeting. Until the auth process is up Dovecot
/// sends "* OK Waiting for authentication process to respond.." first.
fn greets(port: u16) -> bool {
    let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    for _ in 0..5 {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return false;
        }
        if line.starts_with("* OK") && !line.contains("Waiting for authentication") {
            return true;
        }
    }
    false
}

fn two_free_ports() -> (u16, u16) {
    // Both listeners are held until both ports are known, so they differ.
    let a = TcpListener::bind(("127.0.0.1", 0)).expect("bind probe port");
    let b = TcpListener::bind(("127.0.0.1", 0)).expect("bind probe port");
    let ports = (
        a.local_addr().expect("probe addr").port(),
        b.local_addr().expect("probe addr").port(),
    );
    drop((a, b));
    ports
}

fn render_config(cfg: &DovecotConfig, root: &Path, imaps_port: u16, imap_port: u16) -> String {
    let root = root.display();
    assert!(
        cfg.oauth2_mechanisms.is_none() || cfg.oauth2_introspection_url.is_some(),
        "oauth2_mechanisms needs oauth2(introspection_url)"
    );
    let oauth2_mechanisms = cfg.oauth2_introspection_url.as_ref().map(|_| {
        cfg.oauth2_mechanisms
            .as_ref()
            .map(|mechanisms| mechanisms.join(" "))
            .unwrap_or_else(|| "xoauth2 oauthbearer".to_string())
    });
    let greeting = match (&cfg.greeting, cfg.layout) {
        (Some(greeting), _) => Some(greeting.as_str()),
        (None, Layout::ExchangeLike) => Some("The Microsoft Exchange IMAP4 service is ready."),
        (None, _) => None,
    };
    let mut conf = format!(
        "# Generated by the mailferry integration-test harness.
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
mail_uid = mail
mail_gid = mail
first_valid_uid = 1
default_login_user = dovenull
default_internal_user = dovecot
mail_home = {root}/home/%u
mail_location = sdbox:~/sdbox
mail_fsync = never
ssl = yes
ssl_cert = <{root}/server-cert.pem
ssl_key = <{root}/server-key.pem
disable_plaintext_auth = {plaintext}
auth_mechanisms = {mechanisms}
auth_failure_delay = 0
auth_verbose = yes
auth_master_user_separator = *
mail_plugins = $mail_plugins quota
plugin {{
  quota = count:User quota
  quota_vsizes = yes
}}
protocol imap {{
  mail_plugins = $mail_plugins imap_quota
  # Engine tests open several connections per user at once.
  mail_max_userip_connections = 100
}}
# Without this, one failed login delays every later login from 127.0.0.1 by up to 15 s.
# (A failed login still takes 0.5 s: the auth process flushes failures on a 500 ms timer.)
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
}}
",
        plaintext = if cfg.allow_plaintext_auth {
            "no"
        } else {
            "yes"
        },
        mechanisms = match &oauth2_mechanisms {
            Some(oauth2) => format!("plain login {oauth2}"),
            None => "plain login".to_string(),
        },
    );
    if cfg.layout == Layout::GmailLike {
        // The list index keeps omitting `[Gmail]` from LIST "*" even after its children
        // exist on disk; listing from the filesystem shows it as `\Noselect \HasChildren`.
        conf.push_str("mailbox_list_index = no\n");
    }
    if let Some(greeting) = greeting {
        assert!(!greeting.contains('\n'), "greeting must be one line");
        let _ = writeln!(conf, "login_greeting = {greeting}");
    }
    if !cfg.master_users.is_empty() {
        // Checked first: verifies the master's password, then `continue` looks the target
        // user up in the normal passdb.
        let _ = write!(
            conf,
            "passdb {{\n  driver = passwd-file\n  args = {root}/masters\n  master = yes\n  \
             result_success = continue\n}}\n"
        );
    }
    match &oauth2_mechanisms {
        None => {
            let _ = write!(
                conf,
                "passdb {{\n  driver = passwd-file\n  args = {root}/passwd\n}}\n"
            );
        }
        Some(oauth2) => {
            // Each passdb only for its own mechanisms: a token is never compared with a
            // password, and a password never reaches the IdP.
            let _ = write!(
                conf,
                "passdb {{\n  driver = passwd-file\n  args = {root}/passwd\n  \
                 mechanisms = plain login\n}}\n\
                 passdb {{\n  driver = oauth2\n  mechanisms = {oauth2}\n  \
                 args = {root}/oauth2.conf\n}}\n"
            );
        }
    }
    let _ = write!(
        conf,
        "userdb {{\n  driver = passwd-file\n  args = {root}/passwd\n}}\n"
    );
    conf.push_str(&namespace_config(cfg.layout));
    conf
}

fn namespace_config(layout: Layout) -> String {
    let (separator, prefix) = match layout {
        Layout::CourierLike => (".", "INBOX."),
        _ => ("/", ""),
    };
    let mut ns = format!(
        "namespace inbox {{\n  inbox = yes\n  separator = {separator}\n  prefix = {prefix}\n"
    );
    for (name, special_use) in layout.special_folders() {
        // Mailbox names in a namespace block are written without the namespace prefix.
        let local = name
            .strip_prefix(prefix)
            .expect("special folder inside namespace");
        let _ = writeln!(ns, "  mailbox \"{local}\" {{");
        if let Some(special_use) = special_use {
            let _ = writeln!(ns, "    special_use = {special_use}");
        }
        ns.push_str("    auto = subscribe\n  }\n");
    }
    ns.push_str("}\n");
    ns
}

fn passwd_file(users: &[UserSpec]) -> String {
    let mut out = String::new();
    for user in users {
        let mut extra = Vec::new();
        if let Some(limit) = &user.quota_storage {
            extra.push(format!("userdb_quota_rule=*:storage={limit}"));
        }
        if let Some(limit) = &user.max_mail_size {
            extra.push(format!("userdb_quota_max_mail_size={limit}"));
        }
        // user:password:uid:gid:gecos:home:shell:extra — uid/gid/home come from the config.
        let _ = writeln!(
            out,
            "{}:{{PLAIN}}{}::::::{}",
            user.name,
            user.password,
            extra.join(" ")
        );
    }
    out
}

/// The oauth2 passdb's settings: every token is POSTed to the IdP (`token=...`), which
/// answers `{"active": true, "username": ...}`; Dovecot then requires `username` (lowercased
/// by the default `username_format = %Lu`) to equal the name the client signed in as.
fn oauth2_file(introspection_url: &str) -> String {
    assert!(
        !introspection_url.contains(['\n', '\r']),
        "introspection URL must be one line"
    );
    format!(
        "introspection_mode = post\n\
         introspection_url = {introspection_url}\n\
         force_introspection = yes\n\
         username_attribute = username\n\
         active_attribute = active\n\
         active_value = true\n"
    )
}

fn master_file(masters: &[(String, String)]) -> String {
    masters
        .iter()
        .map(|(name, password)| {
            check_passwd_field(name);
            check_passwd_field(password);
            format!("{name}:{{PLAIN}}{password}\n")
        })
        .collect()
}

fn check_passwd_field(value: &str) {
    assert!(
        !value.is_empty() && !value.contains([':', '\n', '\r']),
        "{value:?}: passwd-file fields cannot be empty or contain ':' or newlines"
    );
}

fn encode_userinfo(user: &str) -> String {
    // Everything but RFC 3986 unreserved characters, so "@" in a user name becomes %40.
    const USERINFO: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(user, USERINFO).to_string()
}

fn write(path: &Path, contents: &[u8]) {
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    set_mode(path, 0o644);
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

/// Numeric id of `name` in /etc/passwd or /etc/group (no libc dependency for getpwnam).
fn lookup_id(file: &str, name: &str) -> u32 {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("read {file}: {e}"));
    text.lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|fields| fields.first() == Some(&name))
        .and_then(|fields| fields.get(2)?.parse().ok())
        .unwrap_or_else(|| panic!("{name:?} not found in {file}; Dovecot's packages create it"))
}

fn running_as_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .is_some_and(|euid| euid == "0")
}
