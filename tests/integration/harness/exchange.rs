//! An IMAP proxy that makes a Dovecot behave like Exchange Online.
//!
//! Microsoft 365 cannot be reached from the tests, and Dovecot accepts everything Exchange
//! Online refuses. This proxy sits in front of a Dovecot (usually `Layout::ExchangeLike`) and
//! applies Exchange's published behaviour, each part switchable in [`ExchangeConfig`]:
//! greeting, capability list, PERMANENTFLAGS without `\*` (and keywords really not kept),
//! INBOX listed as `Inbox`, \Flagged dropped at APPEND, `BAD Command Argument Error. 11` for
//! a line over 10,500 characters, the appendable-size limit, the reserved `Files` folder,
//! throttling followed by `BYE`, and `BYE` after ten errors in a session.
//!
//! It terminates TLS with the Dovecot's own certificate (so a client trusting
//! `Dovecot::ca_pem_path()` trusts the proxy) and talks TLS to the Dovecot. It reads each
//! client command whole, literals included (sending the `+` continuation for a synchronising
//! `{n}` itself), and handles one command at a time, so responses stay in command order.
//! Commands and responses it has no rule for pass byte for byte; a synchronising literal is
//! passed on as such, the proxy taking the server's `+` for itself. Like `CutProxy` it runs on
//! its own thread and runtime, so it keeps serving while a test blocks on a child process.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, ReadHalf, WriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio_rustls::TlsAcceptor;

use super::client::tls_connect;
use super::dovecot::Dovecot;

/// Exchange Online's greeting; the bracketed part is the answering server's name in UTF-16,
/// base64-encoded, as Exchange sends it.
pub const EXCHANGE_GREETING: &str = "* OK The Microsoft Exchange IMAP4 service is ready. \
     [TQBOADIAUABSADAANgBDAEEAMAAwADAAMwAuAG4AYQBtAHAAcgBkADAANgAuAHAAcgBvAGQALgBvAHUAdABsAG8AbwBrAC4AYwBvAG0A]";

/// Exchange Online's capabilities after sign-in, from published protocol logs.
pub const EXCHANGE_CAPABILITIES: &str = "IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS \
     MOVE ID UNSELECT CLIENTACCESSRULES CLIENTNETWORKPRESENCELOCATION BACKENDAUTHENTICATE \
     CHILDREN IDLE NAMESPACE LITERAL+";

/// Before sign-in Exchange Online announces fewer.
pub const EXCHANGE_PRELOGIN_CAPABILITIES: &str =
    "IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+";

/// Exchange Online's PERMANENTFLAGS (and FLAGS): no `\*`, so no other keyword is kept.
pub const EXCHANGE_PERMANENT_FLAGS: &str =
    "(\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent)";

pub const LONG_LINE_REFUSAL: &str = "BAD Command Argument Error. 11";
pub const TOO_LARGE_REFUSAL: &str = "NO Maximum size of appendable message has been exceeded.";
pub const RESERVED_REFUSAL: &str = "NO Folder name is reserved.";
pub const BYE: &str = "* BYE Connection closed.";

/// Exchange Online's line limit: a longer line makes the APPEND fail.
pub const EXCHANGE_LINE_LIMIT: usize = 10_500;

/// Largest literal the proxy buffers; larger ones are refused and the session closed.
const MAX_LITERAL: usize = 200 * 1024 * 1024;
/// Longest command or response line (outside literals) the proxy accepts.
const MAX_LINE: usize = 1024 * 1024;

/// Exchange Online's throttling: after `after_appends` accepted APPENDs (counted over all
/// sessions), the next APPENDs get `NO Request is throttled. Suggested Backoff Time:
/// {backoff_ms} milliseconds`; after `refusals_before_bye` such refusals in one session the
/// proxy sends `* BYE Connection closed.` and closes it, which ends the episode. Then the
/// count starts again, for `episodes` episodes in all.
#[derive(Clone, Debug)]
pub struct Throttle {
    pub after_appends: usize,
    pub backoff_ms: u64,
    pub refusals_before_bye: usize,
    pub episodes: usize,
}

impl Throttle {
    pub fn after(after_appends: usize, backoff_ms: u64) -> Throttle {
        Throttle {
            after_appends,
            backoff_ms,
            refusals_before_bye: 1,
            episodes: 1,
        }
    }

    pub fn refusals_before_bye(mut self, refusals: usize) -> Throttle {
        self.refusals_before_bye = refusals.max(1);
        self
    }

    pub fn episodes(mut self, episodes: usize) -> Throttle {
        self.episodes = episodes;
        self
    }
}

/// Which of Exchange Online's behaviours the proxy applies.
#[derive(Clone, Debug)]
pub struct ExchangeConfig {
    /// Exchange's greeting instead of Dovecot's.
    pub greeting: bool,
    /// Exchange's capability list in CAPABILITY responses and `[CAPABILITY ...]` codes (no
    /// CONDSTORE, SPECIAL-USE, COMPRESS, APPENDLIMIT).
    pub capabilities: bool,
    /// Exchange's PERMANENTFLAGS and FLAGS, and keywords other than `$MDNSent` stripped from
    /// APPEND and STORE so that they are really not kept.
    pub permanent_flags: bool,
    /// INBOX listed as `Inbox` by LIST and LSUB.
    pub inbox_as_inbox: bool,
    /// \Flagged given at APPEND is dropped (a later STORE keeps it).
    pub drop_flagged_at_append: bool,
    /// An APPEND whose message has a longer line gets `BAD Command Argument Error. 11`.
    pub line_limit: Option<usize>,
    /// An APPEND of a larger message gets `NO Maximum size of appendable message has been
    /// exceeded.`
    pub max_message_size: Option<usize>,
    /// CREATE `Files` gets `NO Folder name is reserved.`
    pub reserve_files: bool,
    pub throttle: Option<Throttle>,
    /// After this many NO/BAD responses in one session: `* BYE Connection closed.`
    pub bye_after_errors: Option<usize>,
}

impl ExchangeConfig {
    /// Every behaviour on, as Exchange Online with a 35 MB limit; no throttling (add it with
    /// `throttle`).
    pub fn exchange_online() -> ExchangeConfig {
        ExchangeConfig {
            greeting: true,
            capabilities: true,
            permanent_flags: true,
            inbox_as_inbox: true,
            drop_flagged_at_append: true,
            line_limit: Some(EXCHANGE_LINE_LIMIT),
            max_message_size: Some(35 * 1024 * 1024),
            reserve_files: true,
            throttle: None,
            bye_after_errors: Some(10),
        }
    }

    /// Every behaviour off: a transparent proxy.
    pub fn pass_through() -> ExchangeConfig {
        ExchangeConfig {
            greeting: false,
            capabilities: false,
            permanent_flags: false,
            inbox_as_inbox: false,
            drop_flagged_at_append: false,
            line_limit: None,
            max_message_size: None,
            reserve_files: false,
            throttle: None,
            bye_after_errors: None,
        }
    }

    pub fn max_message_size(mut self, bytes: usize) -> ExchangeConfig {
        self.max_message_size = Some(bytes);
        self
    }

    pub fn throttle(mut self, throttle: Throttle) -> ExchangeConfig {
        self.throttle = Some(throttle);
        self
    }

    pub fn bye_after_errors(mut self, errors: Option<usize>) -> ExchangeConfig {
        self.bye_after_errors = errors;
        self
    }
}

/// What the proxy did so far, over all sessions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExchangeStats {
    pub connections: usize,
    /// APPENDs the Dovecot accepted.
    pub appends_accepted: usize,
    /// APPENDs the proxy refused (throttled, too large or with an over-long line).
    pub appends_refused: usize,
    pub throttled: usize,
    pub too_large: usize,
    pub long_lines: usize,
    pub reserved: usize,
    /// APPENDs whose \Flagged was dropped.
    pub flagged_dropped: usize,
    /// Keywords stripped from APPEND and STORE flag lists.
    pub keywords_dropped: usize,
    /// Sessions the proxy ended with `* BYE Connection closed.` (throttling or errors).
    pub sessions_ended: usize,
    /// Of those, the ones ended for reaching `bye_after_errors`.
    pub ended_for_errors: usize,
}

#[derive(Default)]
struct Counters {
    connections: AtomicUsize,
    appends_accepted: AtomicUsize,
    appends_refused: AtomicUsize,
    throttled: AtomicUsize,
    too_large: AtomicUsize,
    long_lines: AtomicUsize,
    reserved: AtomicUsize,
    flagged_dropped: AtomicUsize,
    keywords_dropped: AtomicUsize,
    sessions_ended: AtomicUsize,
    ended_for_errors: AtomicUsize,
}

fn bump(counter: &AtomicUsize) {
    counter.fetch_add(1, Ordering::SeqCst);
}

#[derive(Default)]
struct ThrottleState {
    accepted_since_episode: usize,
    episodes_done: usize,
    active: bool,
    /// When the episode began: it ends once the suggested backoff has passed, as a client
    /// that waits as told finds on Exchange.
    since: Option<std::time::Instant>,
}

struct Shared {
    config: ExchangeConfig,
    counters: Counters,
    throttle: Mutex<ThrottleState>,
    upstream_port: u16,
    ca_pem: PathBuf,
    acceptor: TlsAcceptor,
}

pub struct ExchangeProxy {
    port: u16,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ExchangeProxy {
    /// Listens on 127.0.0.1 (random port) with implicit TLS, in front of `server`'s imaps
    /// port. Clients trust it through `server.ca_pem_path()`.
    pub fn start(server: &Dovecot, config: ExchangeConfig) -> ExchangeProxy {
        let acceptor = tls_acceptor(
            &server.dir().join("server-cert.pem"),
            &server.dir().join("server-key.pem"),
        );
        let shared = Arc::new(Shared {
            config,
            counters: Counters::default(),
            throttle: Mutex::new(ThrottleState::default()),
            upstream_port: server.imaps_port(),
            ca_pem: server.ca_pem_path(),
            acceptor,
        });
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .expect("bind Exchange proxy on 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("proxy listener must be non-blocking for tokio");
        let port = listener.local_addr().expect("proxy local addr").port();
        let (stop_tx, stop_rx) = oneshot::channel();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("exchange-proxy-{port}"))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("build Exchange proxy runtime");
                runtime.block_on(accept_loop(listener, thread_shared, stop_rx));
            })
            .expect("spawn Exchange proxy thread");
        ExchangeProxy {
            port,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `imaps://user@127.0.0.1:port`, for the mailferry command line.
    pub fn url_imaps(&self, user: &str) -> String {
        let user = percent_encoding::utf8_percent_encode(user, percent_encoding::NON_ALPHANUMERIC);
        format!("imaps://{user}@127.0.0.1:{}", self.port)
    }

    pub fn stats(&self) -> ExchangeStats {
        let c = &self.shared.counters;
        let get = |a: &AtomicUsize| a.load(Ordering::SeqCst);
        ExchangeStats {
            connections: get(&c.connections),
            appends_accepted: get(&c.appends_accepted),
            appends_refused: get(&c.appends_refused),
            throttled: get(&c.throttled),
            too_large: get(&c.too_large),
            long_lines: get(&c.long_lines),
            reserved: get(&c.reserved),
            flagged_dropped: get(&c.flagged_dropped),
            keywords_dropped: get(&c.keywords_dropped),
            sessions_ended: get(&c.sessions_ended),
            ended_for_errors: get(&c.ended_for_errors),
        }
    }
}

impl Drop for ExchangeProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn tls_acceptor(cert_path: &std::path::Path, key_path: &std::path::Path) -> TlsAcceptor {
    let cert_pem = std::fs::read(cert_path).expect("read the Dovecot's certificate");
    let key_pem = std::fs::read(key_path).expect("read the Dovecot's key");
    use rustls::pki_types::pem::PemObject;
    let certs: Vec<_> = rustls::pki_types::CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .expect("parse certificate PEM");
    let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(&key_pem)
        .expect("a private key in the key file");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default TLS versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("certificate and key match");
    TlsAcceptor::from(Arc::new(config))
}

async fn accept_loop(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
) {
    let listener = TcpListener::from_std(listener).expect("register proxy listener");
    loop {
        let client = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => client,
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        bump(&shared.counters.connections);
        let shared = shared.clone();
        tokio::spawn(async move {
            let _ = client.set_nodelay(true);
            let Ok(client) = shared.acceptor.accept(client).await else {
                return;
            };
            let Ok(server) = tls_connect(shared.upstream_port, &shared.ca_pem).await else {
                return; // dropping the client closes it, as an unreachable backend would
            };
            let _ = server.get_ref().0.set_nodelay(true);
            let (client_read, client_write) = tokio::io::split(client);
            let (server_read, server_write) = tokio::io::split(server);
            let (responses_tx, responses) = mpsc::channel(64);
            // Reading the server in its own task keeps the session's waits cancel-safe.
            tokio::spawn(read_responses(BufReader::new(server_read), responses_tx));
            let mut session = Session {
                shared,
                client_read: BufReader::new(client_read),
                client_write,
                server_write,
                responses,
                authenticated: false,
                current_verb: String::new(),
                errors: 0,
                throttled_here: 0,
            };
            let _ = session.run().await;
            let _ = session.client_write.shutdown().await;
        });
    }
}

type ClientTls = tokio_rustls::server::TlsStream<TcpStream>;
type ServerTls = tokio_rustls::client::TlsStream<TcpStream>;

/// One server response: its lines, each possibly followed by the literal it announces.
struct Response {
    lines: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

impl Response {
    fn first(&self) -> &[u8] {
        &self.lines[0].0
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (line, literal) in &self.lines {
            out.extend_from_slice(line);
            if let Some(literal) = literal {
                out.extend_from_slice(literal);
            }
        }
        out
    }
}

async fn read_responses(mut from: BufReader<ReadHalf<ServerTls>>, to: mpsc::Sender<Response>) {
    loop {
        let mut lines = Vec::new();
        loop {
            let Ok(Some(line)) = read_line(&mut from).await else {
                return;
            };
            match literal_marker(&line) {
                Some((n, _)) if n <= MAX_LITERAL => {
                    let mut literal = vec![0u8; n];
                    if from.read_exact(&mut literal).await.is_err() {
                        return;
                    }
                    lines.push((line, Some(literal)));
                }
                Some(_) => return,
                None => {
                    lines.push((line, None));
                    break;
                }
            }
        }
        if to.send(Response { lines }).await.is_err() {
            return;
        }
    }
}

/// One line including its line ending; `None` at end of stream.
async fn read_line<R: tokio::io::AsyncBufRead + Unpin>(
    from: &mut R,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let n = (&mut *from)
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut line)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    if !line.ends_with(b"\n") {
        return Err(std::io::Error::other("line too long or cut"));
    }
    Ok(Some(line))
}

/// `{n}` or `{n+}` at the end of a line: the literal's size and whether it is synchronising.
fn literal_marker(line: &[u8]) -> Option<(usize, bool)> {
    let line = line.strip_suffix(b"\n")?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let inner = &inner[open + 1..];
    let (digits, sync) = match inner.strip_suffix(b"+") {
        Some(digits) => (digits, false),
        None => (inner, true),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) || digits.len() > 12 {
        return None;
    }
    std::str::from_utf8(digits)
        .ok()?
        .parse()
        .ok()
        .map(|n| (n, sync))
}

/// A literal from the client, and whether it was synchronising (`{n}` rather than `{n+}`).
type ClientLiteral = (Vec<u8>, bool);

/// One client command, read whole.
struct Command {
    tag: String,
    /// Uppercase, with `UID ` kept: `APPEND`, `UID STORE`.
    verb: String,
    /// Lines, each with the literal it announced (and whether that was synchronising).
    parts: Vec<(Vec<u8>, Option<ClientLiteral>)>,
}

impl Command {
    fn first_line_text(&self) -> String {
        String::from_utf8_lossy(&self.parts[0].0).into_owned()
    }
}

fn tag_and_verb(line: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(line);
    let mut words = text.split_whitespace();
    let tag = words.next().unwrap_or("").to_string();
    let mut verb = words.next().unwrap_or("").to_ascii_uppercase();
    if verb == "UID" {
        verb = format!("UID {}", words.next().unwrap_or("").to_ascii_uppercase());
    }
    // `{5}` right after the verb is a literal argument, not part of the verb.
    if let Some(at) = verb.find('{') {
        verb.truncate(at);
    }
    (tag, verb)
}

enum Outcome {
    /// The session goes on.
    Continue,
    /// The session is over (BYE sent, or a side closed).
    End,
}

struct Session {
    shared: Arc<Shared>,
    client_read: BufReader<ReadHalf<ClientTls>>,
    client_write: WriteHalf<ClientTls>,
    server_write: WriteHalf<ServerTls>,
    responses: mpsc::Receiver<Response>,
    authenticated: bool,
    /// The command being forwarded, for what its completion changes.
    current_verb: String,
    errors: usize,
    throttled_here: usize,
}

type Io<T> = std::io::Result<T>;

fn closed() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed")
}

impl Session {
    fn config(&self) -> &ExchangeConfig {
        &self.shared.config
    }

    async fn run(&mut self) -> Io<()> {
        let greeting = self.responses.recv().await.ok_or_else(closed)?;
        if self.config().greeting {
            self.send_client(format!("{EXCHANGE_GREETING}\r\n").as_bytes())
                .await?;
        } else {
            let greeting = self.rewrite(greeting);
            self.send_client(&greeting.to_bytes()).await?;
        }
        loop {
            let Some(command) = self.read_command().await? else {
                return Ok(());
            };
            let command = match command {
                Incoming::Command(command) => command,
                Incoming::Answered(outcome) => match outcome {
                    Outcome::Continue => continue,
                    Outcome::End => return Ok(()),
                },
            };
            match self.handle(command).await? {
                Outcome::Continue => {}
                Outcome::End => return Ok(()),
            }
        }
    }

    async fn send_client(&mut self, bytes: &[u8]) -> Io<()> {
        self.client_write.write_all(bytes).await?;
        self.client_write.flush().await
    }

    async fn send_server(&mut self, bytes: &[u8]) -> Io<()> {
        self.server_write.write_all(bytes).await?;
        self.server_write.flush().await
    }

    /// Reads the next command whole. An APPEND the proxy refuses before its literal (a
    /// synchronising one is then never sent by the client) comes back as `Answered`.
    async fn read_command(&mut self) -> Io<Option<Incoming>> {
        let Some(first) = read_line(&mut self.client_read).await? else {
            return Ok(None);
        };
        let (tag, verb) = tag_and_verb(&first);
        let mut parts = Vec::new();
        let mut line = first;
        loop {
            let Some((n, sync)) = literal_marker(&line) else {
                parts.push((line, None));
                break;
            };
            if verb == "APPEND" {
                if let Some(refusal) = self.early_append_refusal(n) {
                    if !sync {
                        self.discard(n).await?;
                        self.skip_to_command_end().await?;
                    }
                    let outcome = self.answer(&tag, &refusal).await?;
                    return Ok(Some(Incoming::Answered(outcome)));
                }
            }
            if n > MAX_LITERAL {
                self.send_client(format!("{tag} BAD Literal too large.\r\n").as_bytes())
                    .await?;
                return Ok(Some(Incoming::Answered(Outcome::End)));
            }
            if sync {
                self.send_client(b"+ Ready for additional command text.\r\n")
                    .await?;
            }
            let mut literal = vec![0u8; n];
            self.client_read.read_exact(&mut literal).await?;
            parts.push((line, Some((literal, sync))));
            line = read_line(&mut self.client_read).await?.ok_or_else(closed)?;
        }
        Ok(Some(Incoming::Command(Command { tag, verb, parts })))
    }

    async fn discard(&mut self, mut n: usize) -> Io<()> {
        let mut buf = vec![0u8; 64 * 1024];
        while n > 0 {
            let want = n.min(buf.len());
            self.client_read.read_exact(&mut buf[..want]).await?;
            n -= want;
        }
        Ok(())
    }

    /// Reads the rest of a refused command (more literals may follow, as in MULTIAPPEND).
    async fn skip_to_command_end(&mut self) -> Io<()> {
        loop {
            let line = read_line(&mut self.client_read).await?.ok_or_else(closed)?;
            match literal_marker(&line) {
                Some((n, false)) => self.discard(n).await?,
                // A synchronising literal after a refusal is never sent; the line ends here.
                _ => return Ok(()),
            }
        }
    }

    /// Throttling and the size limit answer before the message is read, as Exchange does.
    fn early_append_refusal(&mut self, size: usize) -> Option<String> {
        let shared = self.shared.clone();
        if let Some(throttle) = &shared.config.throttle {
            let mut state = shared.throttle.lock().expect("throttle state");
            let waited_enough = state.since.is_some_and(|since| {
                since.elapsed() >= std::time::Duration::from_millis(throttle.backoff_ms)
            });
            if state.active && waited_enough {
                state.active = false;
                state.since = None;
                state.episodes_done += 1;
                state.accepted_since_episode = 0;
            }
            if state.active {
                bump(&shared.counters.throttled);
                bump(&shared.counters.appends_refused);
                self.throttled_here += 1;
                return Some(format!(
                    "NO Request is throttled. Suggested Backoff Time: {} milliseconds",
                    throttle.backoff_ms
                ));
            }
        }
        if shared.config.max_message_size.is_some_and(|max| size > max) {
            bump(&shared.counters.too_large);
            bump(&shared.counters.appends_refused);
            return Some(TOO_LARGE_REFUSAL.to_string());
        }
        None
    }

    /// Sends the proxy's own tagged answer (`status text`), then any BYE it brings on.
    async fn answer(&mut self, tag: &str, status_and_text: &str) -> Io<Outcome> {
        self.send_client(format!("{tag} {status_and_text}\r\n").as_bytes())
            .await?;
        let failed = status_and_text.starts_with("NO ") || status_and_text.starts_with("BAD ");
        self.after_completion(failed).await
    }

    /// Counts errors and decides on Exchange's BYEs after a tagged completion.
    async fn after_completion(&mut self, failed: bool) -> Io<Outcome> {
        if failed {
            self.errors += 1;
        }
        let shared = self.shared.clone();
        let throttle_bye = shared
            .config
            .throttle
            .as_ref()
            .is_some_and(|t| self.throttled_here >= t.refusals_before_bye);
        let error_bye = shared
            .config
            .bye_after_errors
            .is_some_and(|limit| self.errors >= limit);
        if !throttle_bye && !error_bye {
            return Ok(Outcome::Continue);
        }
        bump(&shared.counters.sessions_ended);
        if error_bye && !throttle_bye {
            bump(&shared.counters.ended_for_errors);
        }
        {
            let mut state = shared.throttle.lock().expect("throttle state");
            if state.active {
                state.active = false;
                state.since = None;
                state.episodes_done += 1;
                state.accepted_since_episode = 0;
            }
        }
        self.send_client(format!("{BYE}\r\n").as_bytes()).await?;
        Ok(Outcome::End)
    }

    async fn handle(&mut self, mut command: Command) -> Io<Outcome> {
        let shared = self.shared.clone();
        let config = &shared.config;
        match command.verb.as_str() {
            "CREATE" if config.reserve_files && creates_files(&command) => {
                bump(&shared.counters.reserved);
                return self.answer(&command.tag, RESERVED_REFUSAL).await;
            }
            "APPEND" => {
                if let Some(limit) = config.line_limit {
                    let too_long = command
                        .parts
                        .iter()
                        .filter_map(|(_, literal)| literal.as_ref())
                        .any(|(bytes, _)| longest_line(bytes) > limit);
                    if too_long {
                        bump(&shared.counters.long_lines);
                        bump(&shared.counters.appends_refused);
                        return self.answer(&command.tag, LONG_LINE_REFUSAL).await;
                    }
                }
                self.rewrite_append_flags(&mut command);
            }
            "STORE" | "UID STORE" if config.permanent_flags => {
                let line = &mut command.parts[0].0;
                let (rewritten, dropped) = filter_store_flags(line, |flag| {
                    flag.starts_with('\\') || flag.eq_ignore_ascii_case("$MDNSent")
                });
                *line = rewritten;
                for _ in 0..dropped {
                    bump(&shared.counters.keywords_dropped);
                }
            }
            _ => {}
        }
        let is_append = command.verb == "APPEND";
        let Some(ok) = self.forward(&command).await? else {
            return Ok(Outcome::End);
        };
        if ok && is_append {
            bump(&shared.counters.appends_accepted);
            if let Some(throttle) = &config.throttle {
                let mut state = shared.throttle.lock().expect("throttle state");
                state.accepted_since_episode += 1;
                if state.accepted_since_episode >= throttle.after_appends
                    && state.episodes_done < throttle.episodes
                    && !state.active
                {
                    state.active = true;
                    state.since = Some(std::time::Instant::now());
                }
            }
        }
        if command.verb == "LOGOUT" {
            return Ok(Outcome::End);
        }
        self.after_completion(!ok).await
    }

    /// Strips from the APPEND's flag list what Exchange would not keep.
    fn rewrite_append_flags(&mut self, command: &mut Command) {
        let shared = self.shared.clone();
        let config = &shared.config;
        if !config.permanent_flags && !config.drop_flagged_at_append {
            return;
        }
        // The flag list sits on the line that announces the message (a mailbox name sent as
        // a literal would come on an earlier line).
        let Some(part) = command
            .parts
            .iter_mut()
            .rev()
            .find(|(_, literal)| literal.is_some())
        else {
            return;
        };
        let Some((start, end)) = find_flag_list(&part.0) else {
            return;
        };
        let inside = String::from_utf8_lossy(&part.0[start + 1..end]).into_owned();
        let mut kept = Vec::new();
        for flag in inside.split_whitespace() {
            if config.drop_flagged_at_append && flag.eq_ignore_ascii_case("\\Flagged") {
                bump(&shared.counters.flagged_dropped);
            } else if config.permanent_flags
                && !flag.starts_with('\\')
                && !flag.eq_ignore_ascii_case("$MDNSent")
            {
                bump(&shared.counters.keywords_dropped);
            } else {
                kept.push(flag);
            }
        }
        let mut line = part.0[..start + 1].to_vec();
        line.extend_from_slice(kept.join(" ").as_bytes());
        line.extend_from_slice(&part.0[end..]);
        part.0 = line;
    }

    /// Sends the command to the server and relays the responses until its tagged completion.
    /// `Some(ok)`, or `None` when the server went away (the client is then closed too).
    async fn forward(&mut self, command: &Command) -> Io<Option<bool>> {
        self.current_verb = command.verb.clone();
        for (line, literal) in &command.parts {
            self.send_server(line).await?;
            let Some((bytes, sync)) = literal else {
                continue;
            };
            if *sync {
                // The client had its `+` from the proxy; the server's is the proxy's.
                match self.until_continuation(&command.tag).await? {
                    Wait::Continue => {}
                    Wait::Done(ok) => return Ok(Some(ok)),
                    Wait::Gone => return Ok(None),
                }
            }
            self.send_server(bytes).await?;
        }
        let mut awaiting_client = false;
        let mut client_line = Vec::new();
        loop {
            tokio::select! {
                response = self.responses.recv() => {
                    let Some(response) = response else { return Ok(None) };
                    if response.first().starts_with(b"+") {
                        // SASL challenges and IDLE: the client answers with a line.
                        awaiting_client = true;
                        self.send_client(&response.to_bytes()).await?;
                        continue;
                    }
                    if let Some(ok) = self.relay(response, &command.tag).await? {
                        return Ok(Some(ok));
                    }
                }
                read = self.client_read.read_until(b'\n', &mut client_line), if awaiting_client => {
                    if read? == 0 {
                        return Ok(None);
                    }
                    let line = std::mem::take(&mut client_line);
                    self.send_server(&line).await?;
                    awaiting_client = false;
                }
            }
        }
    }

    async fn until_continuation(&mut self, tag: &str) -> Io<Wait> {
        loop {
            let Some(response) = self.responses.recv().await else {
                return Ok(Wait::Gone);
            };
            if response.first().starts_with(b"+") {
                return Ok(Wait::Continue);
            }
            if let Some(ok) = self.relay(response, tag).await? {
                return Ok(Wait::Done(ok));
            }
        }
    }

    /// Rewrites and relays one response; `Some(ok)` when it completes `tag`.
    async fn relay(&mut self, response: Response, tag: &str) -> Io<Option<bool>> {
        let status = tagged_status(response.first(), tag);
        if status == Some(true) && matches!(self.current_verb.as_str(), "LOGIN" | "AUTHENTICATE") {
            // The OK of a sign-in carries the capabilities that hold from now on.
            self.authenticated = true;
        }
        let response = self.rewrite(response);
        self.send_client(&response.to_bytes()).await?;
        Ok(status)
    }

    fn rewrite(&self, mut response: Response) -> Response {
        let config = &self.shared.config;
        let line = String::from_utf8_lossy(&response.lines[0].0).into_owned();
        let mut text = line.clone();
        let capabilities = if self.authenticated {
            EXCHANGE_CAPABILITIES
        } else {
            EXCHANGE_PRELOGIN_CAPABILITIES
        };
        if config.capabilities {
            let upper = text.to_ascii_uppercase();
            if upper.starts_with("* CAPABILITY ") {
                text = format!("* CAPABILITY {capabilities}\r\n");
            } else if let Some(at) = upper.find("[CAPABILITY ") {
                if let Some(close) = text[at..].find(']') {
                    text = format!(
                        "{}[CAPABILITY {capabilities}]{}",
                        &text[..at],
                        &text[at + close + 1..]
                    );
                }
            }
        }
        if config.permanent_flags {
            let upper = text.to_ascii_uppercase();
            if let Some(at) = upper.find("[PERMANENTFLAGS (") {
                let open = at + "[PERMANENTFLAGS ".len();
                if let Some(close) = text[open..].find(')') {
                    text = format!(
                        "{}{EXCHANGE_PERMANENT_FLAGS}{}",
                        &text[..open],
                        &text[open + close + 1..]
                    );
                }
            } else if upper.starts_with("* FLAGS (") {
                text = format!("* FLAGS {EXCHANGE_PERMANENT_FLAGS}\r\n");
            }
        }
        if config.inbox_as_inbox {
            let upper = text.to_ascii_uppercase();
            if upper.starts_with("* LIST ") || upper.starts_with("* LSUB ") {
                let trimmed = text.trim_end_matches(['\r', '\n']);
                for inbox in [" INBOX", " \"INBOX\""] {
                    if trimmed.ends_with(inbox) {
                        let keep = trimmed.len() - inbox.len();
                        text = format!("{} Inbox\r\n", &trimmed[..keep]);
                        break;
                    }
                }
            }
        }
        if text != line {
            response.lines[0].0 = text.into_bytes();
        }
        response
    }
}

enum Incoming {
    Command(Command),
    Answered(Outcome),
}

enum Wait {
    Continue,
    Done(bool),
    Gone,
}

/// `Some(true)` for `TAG OK ...`, `Some(false)` for `TAG NO/BAD ...`, `None` otherwise.
fn tagged_status(line: &[u8], tag: &str) -> Option<bool> {
    let text = String::from_utf8_lossy(line);
    let mut words = text.split_whitespace();
    if words.next()? != tag {
        return None;
    }
    Some(words.next()?.eq_ignore_ascii_case("OK"))
}

fn creates_files(command: &Command) -> bool {
    let line = command.first_line_text();
    let name = line
        .trim_end_matches(['\r', '\n'])
        .split_once(' ')
        .and_then(|(_, rest)| rest.split_once(' '))
        .map(|(_, name)| name.trim().trim_matches('"'))
        .unwrap_or("");
    name.eq_ignore_ascii_case("Files")
}

/// The longest line of `bytes`, without its line ending.
pub fn longest_line(bytes: &[u8]) -> usize {
    bytes
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line).len())
        .max()
        .unwrap_or(0)
}

/// The first parenthesised list outside quoted strings: (index of `(`, index of `)`).
fn find_flag_list(line: &[u8]) -> Option<(usize, usize)> {
    let mut quoted = false;
    let mut escaped = false;
    let mut start = None;
    for (i, &b) in line.iter().enumerate() {
        if quoted {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => quoted = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' if start.is_none() => quoted = true,
            b'(' if start.is_none() => start = Some(i),
            b')' => {
                if let Some(start) = start {
                    return Some((start, i));
                }
            }
            _ => {}
        }
    }
    None
}

/// Filters the flags of `STORE set +FLAGS (a b)` (or without parentheses); returns the new
/// line and how many flags were dropped.
fn filter_store_flags(line: &[u8], keep: impl Fn(&str) -> bool) -> (Vec<u8>, usize) {
    let text = String::from_utf8_lossy(line).into_owned();
    let upper = text.to_ascii_uppercase();
    let Some(at) = upper.find("FLAGS") else {
        return (line.to_vec(), 0);
    };
    // Past the item name (FLAGS or FLAGS.SILENT) and the space after it.
    let Some(space) = text[at..].find(' ') else {
        return (line.to_vec(), 0);
    };
    let list_start = at + space + 1;
    let body = text[list_start..].trim_end_matches(['\r', '\n']);
    let ending = &text[list_start + body.len()..];
    let (inner, parens) = match body.strip_prefix('(').and_then(|b| b.strip_suffix(')')) {
        Some(inner) => (inner, true),
        None => (body, false),
    };
    let flags: Vec<&str> = inner.split_whitespace().collect();
    let kept: Vec<&str> = flags.iter().copied().filter(|f| keep(f)).collect();
    let dropped = flags.len() - kept.len();
    if dropped == 0 {
        return (line.to_vec(), 0);
    }
    let list = if parens || kept.is_empty() {
        format!("({})", kept.join(" "))
    } else {
        kept.join(" ")
    };
    let out = format!("{}{list}{ending}", &text[..list_start]);
    (out.into_bytes(), dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_markers() {
        assert_eq!(literal_marker(b"a APPEND x {12}\r\n"), Some((12, true)));
        assert_eq!(literal_marker(b"a APPEND x {12+}\r\n"), Some((12, false)));
        assert_eq!(literal_marker(b"a NOOP\r\n"), None);
        assert_eq!(literal_marker(b"a X {}\r\n"), None);
    }

    #[test]
    fn store_flags_are_filtered() {
        let keep = |f: &str| f.starts_with('\\');
        let (line, n) = filter_store_flags(b"a UID STORE 1 +FLAGS (\\Seen $X)\r\n", keep);
        assert_eq!(line, b"a UID STORE 1 +FLAGS (\\Seen)\r\n");
        assert_eq!(n, 1);
        let (line, n) = filter_store_flags(b"a STORE 1 FLAGS.SILENT $X\r\n", keep);
        assert_eq!(line, b"a STORE 1 FLAGS.SILENT ()\r\n");
        assert_eq!(n, 1);
    }
}
