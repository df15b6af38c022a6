//! One IMAP connection: transport (TCP, TLS, STARTTLS), response framing, tagged commands.
//!
//! Why not async-imap: its APPEND waits a round trip per message and drops the APPENDUID
//! response code (RFC 4315), and we need both — pipelined APPENDs (LITERAL+, RFC 7888) are
//! most of our speed, and APPENDUID is how we remember where each message went. Parsing is
//! left to `imap-proto`; this module only frames responses and matches tags.

use std::collections::{HashMap, HashSet, VecDeque};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use imap_proto::{Response, ResponseCode, Status};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufStream, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::command::{Budget, Command, Part};
use super::error::ImapError;
use super::framing::{Framer, Limits};
use super::security_probe;
use crate::endpoint::{Endpoint, Security};
use crate::error::SecurityMismatch;
use crate::tls::Trust;

/// How long we wait before calling a server unresponsive.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// The longest silence allowed while a response is awaited or a literal is sent.
    pub idle: Duration,
}

/// The slowest transfer we keep waiting for: 8 KB/s, below any working link, so that only a
/// stalled or dripping server runs into a command's deadline.
const FLOOR_BYTES_PER_SECOND: f64 = 8.0 * 1024.0;
/// Responses queued while a literal waits for the server's `+`: a few are normal, thousands
/// mean the server talks past us.
const MAX_PENDING_FRAMES: usize = 1000;
const MAX_PENDING_BYTES: usize = 16 * 1024 * 1024;
/// Tagged answers to commands we never sent, tolerated before the server is called broken.
const MAX_STRAY_ANSWERS: u32 = 100;
/// The greeting and anything read with no command waiting: small.
const IDLE_MAX_LITERAL: u64 = 64 * 1024;

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(20),
            idle: Duration::from_secs(120),
        }
    }
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    /// Only while the plain stream is handed to the TLS handshake during STARTTLS.
    Detached,
}

fn detached() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::NotConnected,
        "connection is being upgraded to TLS",
    )
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Stream::Detached => Poll::Ready(Err(detached())),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Stream::Detached => Poll::Ready(Err(detached())),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Stream::Detached => Poll::Ready(Err(detached())),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Stream::Detached => Poll::Ready(Ok(())),
        }
    }
}

/// A server reply: parsed when `imap-proto` knows it, raw otherwise (NAMESPACE, vendor extras).
pub enum Reply<'a> {
    Parsed(Response<'a>),
    Raw(&'a [u8]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoneStatus {
    Ok,
    No,
    Bad,
}

/// The tagged end of a command.
#[derive(Debug, Clone)]
pub struct Done {
    pub status: DoneStatus,
    /// The server's words, including response codes imap-proto does not know (`[OVERQUOTA] …`).
    pub text: String,
    /// RFC 4315 APPENDUID: (destination UIDVALIDITY, new UID).
    pub append_uid: Option<(u32, u32)>,
    pub capabilities: Option<Vec<String>>,
}

/// A command sent and not yet answered.
struct InFlight {
    deadline: Instant,
    budget: Budget,
}

pub struct Connection {
    stream: BufStream<Stream>,
    host: String,
    timeouts: Timeouts,
    next_tag: u32,
    capabilities: HashSet<String>,
    greeting: String,
    framer: Framer,
    /// Frames read while waiting for a continuation, handed to the next reader.
    pending: VecDeque<Vec<u8>>,
    pending_bytes: usize,
    in_flight: HashMap<String, InFlight>,
    /// When the last command in flight must be done; pipelined commands queue behind it.
    last_deadline: Option<Instant>,
    /// Untagged responses the commands in flight may still bring.
    responses_left: u64,
    /// Bytes the commands in flight may still bring.
    bytes_left: u64,
    /// Messages in the folder opened last, for sizing FETCH budgets.
    selected_exists: u32,
    stray_answers: u32,
    /// Tagged results that arrived while another command's result was awaited.
    completed: HashMap<String, Done>,
    /// The server's BYE text, if it said goodbye before closing.
    bye: Option<String>,
}

impl Connection {
    /// Opens the connection, negotiates TLS as the endpoint demands, reads the greeting
    /// and capabilities. Does not log in.
    pub async fn open(
        endpoint: &Endpoint,
        trust: &Trust,
        timeouts: Timeouts,
    ) -> Result<Connection, ImapError> {
        let host = endpoint.host.clone();
        let tcp = connect_tcp(&host, endpoint.port, timeouts.connect).await?;
        let stream = match endpoint.security {
            Security::Tls => match handshake(tcp, &host, trust, timeouts).await {
                Ok(tls) => Stream::Tls(Box::new(tls)),
                Err(failed) => {
                    if !failed.answered_in_tls
                        && security_probe::port_greets_in_plain_text(&host, endpoint.port).await
                    {
                        return Err(ImapError::SecurityMismatch {
                            host,
                            port: endpoint.port,
                            expected: SecurityMismatch::PortExpectsStarttls,
                        });
                    }
                    return Err(failed.error);
                }
            },
            Security::StartTls | Security::None => Stream::Plain(tcp),
        };
        let mut conn = Connection {
            stream: BufStream::new(stream),
            host: host.clone(),
            timeouts,
            next_tag: 1,
            capabilities: HashSet::new(),
            greeting: String::new(),
            framer: Framer::default(),
            pending: VecDeque::new(),
            pending_bytes: 0,
            in_flight: HashMap::new(),
            last_deadline: None,
            responses_left: 0,
            bytes_left: 0,
            selected_exists: 0,
            stray_answers: 0,
            completed: HashMap::new(),
            bye: None,
        };
        if endpoint.security != Security::Tls {
            conn.await_plain_greeting(endpoint.port, trust).await?;
        }
        conn.read_greeting().await?;
        if endpoint.security == Security::StartTls {
            conn.start_tls(trust).await?;
        }
        if conn.capabilities.is_empty() {
            conn.refresh_capabilities().await?;
        }
        Ok(conn)
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// The server's greeting text (for recognising Exchange, whose rules differ).
    pub fn greeting(&self) -> &str {
        &self.greeting
    }

    /// How many messages the folder opened last holds (as SELECT or EXAMINE said).
    pub fn selected_exists(&self) -> u32 {
        self.selected_exists
    }

    pub(crate) fn set_selected_exists(&mut self, exists: u32) {
        self.selected_exists = exists;
    }

    pub fn has_capability(&self, name: &str) -> bool {
        self.capabilities.contains(&name.to_ascii_uppercase())
    }

    /// The value of a `NAME=value` capability, such as `APPENDLIMIT=35882577`.
    pub fn capability_value(&self, name: &str) -> Option<&str> {
        let prefix = format!("{}=", name.to_ascii_uppercase());
        self.capabilities
            .iter()
            .find_map(|cap| cap.strip_prefix(&prefix))
    }

    pub(crate) fn set_capabilities(&mut self, caps: impl IntoIterator<Item = String>) {
        self.capabilities = caps.into_iter().map(|c| c.to_ascii_uppercase()).collect();
    }

    pub async fn refresh_capabilities(&mut self) -> Result<(), ImapError> {
        let mut caps = Vec::new();
        let done = self
            .run(Command::new("CAPABILITY"), |reply| {
                if let Reply::Parsed(Response::Capabilities(list)) = reply {
                    caps = list.iter().map(capability_text).collect();
                }
            })
            .await?;
        if caps.is_empty() {
            caps = done.capabilities.unwrap_or_default();
        }
        self.set_capabilities(caps);
        Ok(())
    }

    /// Waits a few seconds for a plain-text server's first bytes; a port that stays silent
    /// that long is checked for TLS on a fresh connection, so that STARTTLS chosen for a TLS
    /// port is told as such in seconds instead of as a timeout.
    async fn await_plain_greeting(&mut self, port: u16, trust: &Trust) -> Result<(), ImapError> {
        let patience = security_probe::GREETING_PATIENCE.min(self.timeouts.connect);
        let first = tokio::time::timeout(patience, self.stream.fill_buf()).await;
        match first {
            // Bytes (or an end) arrived: the greeting is read as usual.
            Ok(_) => Ok(()),
            Err(_) if security_probe::port_speaks_tls(&self.host, port, trust).await => {
                Err(ImapError::SecurityMismatch {
                    host: self.host.clone(),
                    port,
                    expected: SecurityMismatch::PortExpectsTls,
                })
            }
            // Only slow: the greeting may still come within the usual time.
            Err(_) => Ok(()),
        }
    }

    async fn read_greeting(&mut self) -> Result<(), ImapError> {
        let deadline = Instant::now() + self.timeouts.connect.max(self.timeouts.idle);
        let frame = self
            .read_frame("waiting for the greeting", deadline)
            .await?;
        let text = String::from_utf8_lossy(&frame).trim_end().to_string();
        match imap_proto::parser::parse_response(&frame) {
            Ok((
                _,
                Response::Data {
                    status,
                    code,
                    information,
                },
            )) => {
                self.greeting = information.map(|i| i.to_string()).unwrap_or_default();
                if status == Status::Bye {
                    return Err(ImapError::Closed {
                        host: self.host.clone(),
                        text: self.greeting.clone(),
                    });
                }
                if let Some(ResponseCode::Capabilities(list)) = code {
                    let caps: Vec<String> = list.iter().map(capability_text).collect();
                    self.set_capabilities(caps);
                }
                Ok(())
            }
            _ if text.starts_with("* OK") || text.starts_with("* PREAUTH") => {
                self.greeting = text;
                Ok(())
            }
            _ => Err(ImapError::Protocol {
                host: self.host.clone(),
                snippet: snippet(&frame),
            }),
        }
    }

    async fn start_tls(&mut self, trust: &Trust) -> Result<(), ImapError> {
        if !self.has_capability("STARTTLS") {
            self.refresh_capabilities().await?;
        }
        if !self.has_capability("STARTTLS") {
            return Err(ImapError::StartTlsNotOffered {
                host: self.host.clone(),
            });
        }
        self.run(Command::new("STARTTLS"), |_| {}).await?;
        // Anything buffered before the handshake would be a man-in-the-middle injection
        // (CVE-2011-0411 style), so it is dropped along with the plain stream's buffer.
        let plain = std::mem::replace(&mut self.stream, BufStream::new(Stream::Detached));
        let Stream::Plain(tcp) = plain.into_inner() else {
            return Err(ImapError::Protocol {
                host: self.host.clone(),
                snippet: "STARTTLS on a connection that is already encrypted".into(),
            });
        };
        let tls = handshake(tcp, &self.host, trust, self.timeouts)
            .await
            .map_err(|failed| failed.error)?;
        self.stream = BufStream::new(Stream::Tls(Box::new(tls)));
        self.framer = Framer::default();
        self.pending.clear();
        self.pending_bytes = 0;
        // Capabilities learned before TLS cannot be trusted (RFC 3501 6.2.1).
        self.refresh_capabilities().await
    }

    fn take_tag(&mut self) -> String {
        let tag = format!("m{}", self.next_tag);
        self.next_tag += 1;
        tag
    }

    /// Sends a command and returns its tag without waiting for the result, so several
    /// commands can be in flight. Literals use LITERAL+ when the server offers it.
    pub async fn send(&mut self, command: Command) -> Result<String, ImapError> {
        let tag = self.take_tag();
        let deadline = self.schedule(&tag, &command);
        let non_sync = self.has_capability("LITERAL+");
        let during = leak_label(&command.label);
        self.write(tag.as_bytes(), deadline, during).await?;
        self.write(b" ", deadline, during).await?;
        for part in command.parts {
            match part {
                Part::Text(text) => self.write(&text, deadline, during).await?,
                Part::Literal(bytes) => {
                    if non_sync {
                        let announce = format!("{{{}+}}\r\n", bytes.len());
                        self.write(announce.as_bytes(), deadline, during).await?;
                    } else {
                        let announce = format!("{{{}}}\r\n", bytes.len());
                        self.write(announce.as_bytes(), deadline, during).await?;
                        self.flush(deadline, during).await?;
                        if !self.await_continuation(&tag, &command.label).await? {
                            // The server already finished the command (usually a refusal):
                            // the rest must not be sent.
                            return Ok(tag);
                        }
                    }
                    self.write(&bytes, deadline, during).await?;
                }
            }
        }
        self.write(b"\r\n", deadline, during).await?;
        self.flush(deadline, during).await?;
        Ok(tag)
    }

    /// Registers a command about to be sent and returns its deadline: the idle timeout plus
    /// its bytes at the floor rate, queued behind the commands already in flight.
    fn schedule(&mut self, tag: &str, command: &Command) -> Instant {
        let now = Instant::now();
        let transfer =
            Duration::from_secs_f64(command.budget.expected_bytes as f64 / FLOOR_BYTES_PER_SECOND);
        let start = match self.last_deadline {
            Some(last) if last > now + self.timeouts.idle => last,
            _ => now + self.timeouts.idle,
        };
        let deadline = start + transfer;
        self.last_deadline = Some(deadline);
        self.responses_left = self
            .responses_left
            .saturating_add(command.budget.max_responses);
        self.bytes_left = self.bytes_left.saturating_add(command.budget.max_bytes());
        self.in_flight.insert(
            tag.to_string(),
            InFlight {
                deadline,
                budget: command.budget,
            },
        );
        deadline
    }

    /// Records a command's result; when nothing is in flight any more the budgets start afresh.
    fn complete(&mut self, tag: &str, done: Done) -> Option<Done> {
        self.in_flight.remove(tag)?;
        if self.in_flight.is_empty() {
            self.last_deadline = None;
            self.responses_left = 0;
            self.bytes_left = 0;
        }
        Some(done)
    }

    fn deadline_of(&self, tag: &str) -> Instant {
        self.in_flight
            .get(tag)
            .map(|c| c.deadline)
            .unwrap_or_else(|| Instant::now() + self.timeouts.idle)
    }

    /// The largest response any command in flight may receive.
    fn read_limits(&self) -> Limits {
        let max_literal = self
            .in_flight
            .values()
            .map(|c| c.budget.max_literal)
            .max()
            .unwrap_or(IDLE_MAX_LITERAL);
        Limits::for_literal(max_literal)
    }

    /// Reads the next response for the command `tag`, counting untagged ones against the
    /// budgets of the commands in flight.
    async fn next_frame(&mut self, tag: &str, label: &str) -> Result<Vec<u8>, ImapError> {
        if let Some(frame) = self.pending.pop_front() {
            self.pending_bytes -= frame.len();
            return Ok(frame);
        }
        let deadline = self.deadline_of(tag);
        let frame = self.read_frame(leak_label(label), deadline).await?;
        match self.bytes_left.checked_sub(frame.len() as u64) {
            Some(left) => self.bytes_left = left,
            None => {
                return Err(self.unreasonable(format!(
                    "far more data in answer to {label} than it asked for"
                )))
            }
        }
        if frame.starts_with(b"*") {
            if self.responses_left == 0 {
                return Err(
                    self.unreasonable(format!("far more responses to {label} than it can have"))
                );
            }
            self.responses_left -= 1;
        }
        Ok(frame)
    }

    /// A tagged answer: our command's result, or an answer to nothing we sent (ignored, up to a point).
    fn take_tagged(&mut self, frame: &[u8]) -> Result<(), ImapError> {
        let Some(other) = frame_tag(frame).map(str::to_string) else {
            return Err(ImapError::Protocol {
                host: self.host.clone(),
                snippet: snippet(frame),
            });
        };
        if self.in_flight.contains_key(&other) {
            if let Some(done) = self.tagged(frame, &other) {
                if let Some(done) = self.complete(&other, done) {
                    self.completed.insert(other, done);
                }
            }
            return Ok(());
        }
        self.stray_answers += 1;
        if self.stray_answers > MAX_STRAY_ANSWERS {
            return Err(self.unreasonable(format!(
                "more than {MAX_STRAY_ANSWERS} answers to commands that were never sent"
            )));
        }
        Ok(())
    }

    /// Waits for the server's `+` before a literal. Returns false when the command
    /// ended instead.
    async fn await_continuation(&mut self, tag: &str, label: &str) -> Result<bool, ImapError> {
        loop {
            let deadline = self.deadline_of(tag);
            let frame = self.read_frame(leak_label(label), deadline).await?;
            if frame.starts_with(b"+") {
                return Ok(true);
            }
            if frame_tag(&frame).is_some() {
                self.take_tagged(&frame)?;
                if self.completed.contains_key(tag) {
                    return Ok(false);
                }
                continue;
            }
            if self.pending.len() >= MAX_PENDING_FRAMES
                || self.pending_bytes + frame.len() > MAX_PENDING_BYTES
            {
                return Err(self.unreasonable(format!(
                    "a flood of responses while {label} waited to send its data"
                )));
            }
            self.pending_bytes += frame.len();
            self.pending.push_back(frame);
        }
    }

    /// Sends one line in answer to a continuation request (SASL exchanges).
    pub(crate) async fn send_continuation_line(&mut self, line: &[u8]) -> Result<(), ImapError> {
        let deadline = Instant::now() + self.timeouts.idle;
        self.write(line, deadline, "AUTHENTICATE").await?;
        self.write(b"\r\n", deadline, "AUTHENTICATE").await?;
        self.flush(deadline, "AUTHENTICATE").await
    }

    /// Reads until the command with `tag` completes, giving every untagged reply to `on_reply`.
    pub async fn finish<F>(
        &mut self,
        tag: &str,
        label: &str,
        on_reply: F,
    ) -> Result<Done, ImapError>
    where
        F: FnMut(Reply<'_>),
    {
        match self.read_until(tag, label, false, on_reply).await? {
            Some(done) => Ok(done),
            None => Err(ImapError::Protocol {
                host: self.host.clone(),
                snippet: "unexpected continuation".into(),
            }),
        }
    }

    /// Like [`Connection::finish`], but also returns (with `None`) when the server sends a
    /// `+` continuation, which is handed to `on_reply` as `Reply::Raw`. Used by SASL.
    pub(crate) async fn finish_or_continue<F>(
        &mut self,
        tag: &str,
        label: &str,
        on_reply: F,
    ) -> Result<Option<Done>, ImapError>
    where
        F: FnMut(Reply<'_>),
    {
        self.read_until(tag, label, true, on_reply).await
    }

    async fn read_until<F>(
        &mut self,
        tag: &str,
        label: &str,
        stop_at_continuation: bool,
        mut on_reply: F,
    ) -> Result<Option<Done>, ImapError>
    where
        F: FnMut(Reply<'_>),
    {
        loop {
            if let Some(done) = self.completed.remove(tag) {
                return Ok(Some(done));
            }
            if !self.in_flight.contains_key(tag) {
                return Err(self.unreasonable(format!("no answer to {label} could be waited for")));
            }
            let frame = self.next_frame(tag, label).await?;
            if frame.starts_with(b"* ") {
                match imap_proto::parser::parse_response(&frame) {
                    Ok((
                        _,
                        Response::Data {
                            status: Status::Bye,
                            information,
                            ..
                        },
                    )) => {
                        self.bye = Some(information.map(|i| i.to_string()).unwrap_or_default());
                    }
                    Ok((_, response)) => on_reply(Reply::Parsed(response)),
                    Err(_) => on_reply(Reply::Raw(&frame)),
                }
            } else if frame.starts_with(b"+") {
                on_reply(Reply::Raw(&frame));
                if stop_at_continuation {
                    return Ok(None);
                }
            } else {
                self.take_tagged(&frame)?;
            }
        }
    }

    /// Sends a command, waits for it, and turns NO and BAD into errors.
    pub async fn run<F>(&mut self, command: Command, on_reply: F) -> Result<Done, ImapError>
    where
        F: FnMut(Reply<'_>),
    {
        let label = command.label.clone();
        let tag = self.send(command).await?;
        let done = self.finish(&tag, &label, on_reply).await?;
        self.check(done, &label)
    }

    /// Turns a NO or BAD result into the matching error.
    pub fn check(&self, done: Done, label: &str) -> Result<Done, ImapError> {
        match done.status {
            DoneStatus::Ok => Ok(done),
            DoneStatus::No => Err(ImapError::Refused {
                host: self.host.clone(),
                command: label.to_string(),
                text: done.text,
            }),
            DoneStatus::Bad => Err(ImapError::Bad {
                host: self.host.clone(),
                command: label.to_string(),
                text: done.text,
            }),
        }
    }

    /// Parses a tagged line if it carries `tag`.
    fn tagged(&self, frame: &[u8], tag: &str) -> Option<Done> {
        if frame_tag(frame) != Some(tag) {
            return None;
        }
        match imap_proto::parser::parse_response(frame) {
            Ok((
                _,
                Response::Done {
                    status,
                    code,
                    information,
                    ..
                },
            )) => {
                let mut text = information.map(|i| i.to_string()).unwrap_or_default();
                let mut append_uid = None;
                let mut capabilities = None;
                match code {
                    Some(ResponseCode::AppendUid(validity, uids)) => {
                        append_uid = uids.first().map(|member| match member {
                            imap_proto::UidSetMember::Uid(uid) => (validity, *uid),
                            imap_proto::UidSetMember::UidRange(range) => (validity, *range.start()),
                        });
                    }
                    Some(ResponseCode::Capabilities(list)) => {
                        capabilities = Some(list.iter().map(capability_text).collect());
                    }
                    Some(ResponseCode::Alert) => text = format!("[ALERT] {text}"),
                    _ => {}
                }
                Some(Done {
                    status: done_status(&status),
                    text,
                    append_uid,
                    capabilities,
                })
            }
            // Some servers put things in tagged lines imap-proto rejects; the status word is enough.
            _ => {
                let line = String::from_utf8_lossy(frame);
                let mut words = line.trim_end().splitn(3, ' ');
                let _tag = words.next();
                let status = match words.next().map(|w| w.to_ascii_uppercase()) {
                    Some(w) if w == "OK" => DoneStatus::Ok,
                    Some(w) if w == "NO" => DoneStatus::No,
                    _ => DoneStatus::Bad,
                };
                Some(Done {
                    status,
                    text: words.next().unwrap_or("").to_string(),
                    append_uid: None,
                    capabilities: None,
                })
            }
        }
    }

    async fn write(
        &mut self,
        bytes: &[u8],
        deadline: Instant,
        during: &'static str,
    ) -> Result<(), ImapError> {
        // Written in chunks so the idle timeout measures progress, not the size of a message.
        for chunk in bytes.chunks(256 * 1024) {
            let (wait, cause) = self.wait_until(deadline, during)?;
            match tokio::time::timeout(wait, self.stream.write_all(chunk)).await {
                Ok(Ok(())) => {}
                Ok(Err(source)) => return Err(self.io_error(source)),
                Err(_) => return Err(cause),
            }
        }
        Ok(())
    }

    async fn flush(&mut self, deadline: Instant, during: &'static str) -> Result<(), ImapError> {
        let (wait, cause) = self.wait_until(deadline, during)?;
        match tokio::time::timeout(wait, self.stream.flush()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(source)) => Err(self.io_error(source)),
            Err(_) => Err(cause),
        }
    }

    /// How long the next read or write may wait, and what to call it if that runs out: a
    /// silence longer than the idle timeout, or a command past its deadline.
    fn wait_until(
        &self,
        deadline: Instant,
        during: &'static str,
    ) -> Result<(Duration, ImapError), ImapError> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(self.too_slow(during));
        }
        if left < self.timeouts.idle {
            Ok((left, self.too_slow(during)))
        } else {
            Ok((self.timeouts.idle, self.timeout(during)))
        }
    }

    /// Reads one complete response: a line, plus any literals it announces and the lines
    /// after them, never more than the commands in flight may receive.
    async fn read_frame(
        &mut self,
        during: &'static str,
        deadline: Instant,
    ) -> Result<Vec<u8>, ImapError> {
        let limits = self.read_limits();
        loop {
            let (wait, cause) = self.wait_until(deadline, during)?;
            let advanced = match tokio::time::timeout(wait, self.stream.fill_buf()).await {
                Err(_) => return Err(cause),
                Ok(Err(source)) => return Err(self.io_error(source)),
                Ok(Ok([])) => return Err(self.closed()),
                Ok(Ok(buf)) => self.framer.advance(buf, &limits),
            };
            match advanced {
                Ok((used, frame)) => {
                    self.stream.consume(used);
                    if let Some(frame) = frame {
                        return Ok(frame);
                    }
                }
                Err(e) => return Err(self.unreasonable(e.to_string())),
            }
        }
    }

    fn unreasonable(&self, what: String) -> ImapError {
        ImapError::Unreasonable {
            host: self.host.clone(),
            what,
        }
    }

    fn too_slow(&self, during: &'static str) -> ImapError {
        ImapError::TooSlow {
            host: self.host.clone(),
            during,
        }
    }

    fn closed(&self) -> ImapError {
        ImapError::Closed {
            host: self.host.clone(),
            text: self.bye.clone().unwrap_or_default(),
        }
    }

    fn io_error(&self, source: std::io::Error) -> ImapError {
        ImapError::Io {
            host: self.host.clone(),
            source,
        }
    }

    fn timeout(&self, during: &'static str) -> ImapError {
        ImapError::Timeout {
            host: self.host.clone(),
            seconds: self.timeouts.idle.as_secs(),
            during,
        }
    }

    /// Ends the session politely; errors do not matter any more at this point.
    pub async fn logout(mut self) {
        if let Ok(tag) = self.send(Command::new("LOGOUT")).await {
            let _ =
                tokio::time::timeout(Duration::from_secs(2), self.finish(&tag, "LOGOUT", |_| {}))
                    .await;
        }
    }
}

/// Labels are short-lived strings, but timeout errors want `&'static str`; the few distinct
/// command names are interned so this does not grow.
fn leak_label(label: &str) -> &'static str {
    static KNOWN: &[&str] = &[
        "APPEND",
        "AUTHENTICATE",
        "CAPABILITY",
        "CREATE",
        "EXAMINE",
        "SELECT",
        "LIST",
        "LOGIN",
        "LOGOUT",
        "NAMESPACE",
        "NOOP",
        "STARTTLS",
        "STATUS",
        "SUBSCRIBE",
        "UID FETCH",
        "UID SEARCH",
        "UID STORE",
        "ENABLE",
        "ID",
    ];
    KNOWN
        .iter()
        .find(|k| **k == label)
        .copied()
        .unwrap_or("waiting for the server")
}

fn done_status(status: &Status) -> DoneStatus {
    match status {
        Status::Ok | Status::PreAuth => DoneStatus::Ok,
        Status::No => DoneStatus::No,
        Status::Bad | Status::Bye => DoneStatus::Bad,
    }
}

fn frame_tag(frame: &[u8]) -> Option<&str> {
    let end = frame.iter().position(|b| *b == b' ')?;
    let tag = std::str::from_utf8(&frame[..end]).ok()?;
    (tag != "*" && tag != "+").then_some(tag)
}

pub(crate) fn capability_text(cap: &imap_proto::Capability<'_>) -> String {
    match cap {
        imap_proto::Capability::Imap4rev1 => "IMAP4REV1".into(),
        imap_proto::Capability::Auth(mech) => format!("AUTH={}", mech.to_ascii_uppercase()),
        imap_proto::Capability::Atom(atom) => atom.to_ascii_uppercase(),
    }
}

fn snippet(frame: &[u8]) -> String {
    let text = String::from_utf8_lossy(&frame[..frame.len().min(200)]);
    text.trim_end().to_string()
}

pub(super) async fn connect_tcp(
    host: &str,
    port: u16,
    limit: Duration,
) -> Result<TcpStream, ImapError> {
    let addrs = match tokio::time::timeout(limit, tokio::net::lookup_host((host, port))).await {
        Ok(Ok(addrs)) => addrs.collect::<Vec<_>>(),
        Ok(Err(e)) => {
            return Err(ImapError::UnknownHost {
                host: host.into(),
                detail: e.to_string(),
            })
        }
        Err(_) => {
            return Err(ImapError::Timeout {
                host: host.into(),
                seconds: limit.as_secs(),
                during: "looking up the server",
            })
        }
    };
    let mut last = None;
    for addr in addrs {
        match tokio::time::timeout(limit, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                // Commands are small and latency-bound; Nagle would add delays between them.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Ok(Err(e)) => {
                last = Some(ImapError::Connect {
                    host: host.into(),
                    port,
                    source: e,
                })
            }
            Err(_) => {
                last = Some(ImapError::Timeout {
                    host: host.into(),
                    seconds: limit.as_secs(),
                    during: "connecting",
                })
            }
        }
    }
    Err(last.unwrap_or_else(|| ImapError::UnknownHost {
        host: host.into(),
        detail: "no address found".into(),
    }))
}

/// A failed TLS handshake, and whether the server answered in TLS at all (if not, the port
/// may speak plain IMAP).
struct HandshakeFailure {
    error: ImapError,
    answered_in_tls: bool,
}

async fn handshake(
    tcp: TcpStream,
    host: &str,
    trust: &Trust,
    timeouts: Timeouts,
) -> Result<TlsStream<TcpStream>, HandshakeFailure> {
    let failed = |error, answered_in_tls| HandshakeFailure {
        error,
        answered_in_tls,
    };
    let name = rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|_| {
        failed(
            ImapError::UnknownHost {
                host: host.into(),
                detail: "not a valid host name".into(),
            },
            false,
        )
    })?;
    let result = tokio::time::timeout(timeouts.connect, trust.connector().connect(name, tcp)).await;
    match result {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(e)) => {
            let tls_error = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>());
            match tls_error {
                Some(rustls::Error::InvalidCertificate(reason)) => {
                    Err(failed(certificate_refused(host, trust, reason), true))
                }
                Some(other) => Err(failed(
                    ImapError::Certificate {
                        host: host.into(),
                        reason: format!("the secure connection could not be set up ({other}); is this the right port for SSL/TLS?"),
                        fingerprint: None,
                        certificate: None,
                    },
                    security_probe::answered_in_tls(other),
                )),
                None => Err(failed(
                    ImapError::Io {
                        host: host.into(),
                        source: e,
                    },
                    false,
                )),
            }
        }
        Err(_) => Err(failed(
            ImapError::Timeout {
                host: host.into(),
                seconds: timeouts.connect.as_secs(),
                during: "setting up TLS",
            },
            // A plain-text port would have greeted at once, which fails the handshake early.
            true,
        )),
    }
}

/// The refusal of the certificate `host` presented, with what it says about itself.
fn certificate_refused(host: &str, trust: &Trust, reason: &rustls::CertificateError) -> ImapError {
    let presented = trust.presented_certificate(host);
    ImapError::Certificate {
        host: host.into(),
        reason: crate::tls::describe_certificate_error(reason),
        fingerprint: trust.presented_fingerprint(host),
        certificate: presented.map(|der| {
            Box::new(crate::tls::certificate_facts(
                &der,
                crate::tls::short_certificate_reason(reason),
            ))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_found() {
        assert_eq!(frame_tag(b"m12 OK done\r\n"), Some("m12"));
        assert_eq!(frame_tag(b"* 3 EXISTS\r\n"), None);
        assert_eq!(frame_tag(b"+ go\r\n"), None);
    }
}
