//! A tampering IMAP proxy: it sits in front of a real Dovecot and, as a script tells it,
//! answers commands itself with lies, floods, drips and oversized announcements, rewrites
//! the server's responses, or runs something (another client expunging) before forwarding.
//! Everything it does not touch is the real server's behaviour, byte for byte.
//!
//! The client side is plain IMAP (`?tls=none`), so every byte can be tampered with, as a
//! man in the middle before STARTTLS or a broken server would.

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use mailferry::imap::framing::{Framer, Limits};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// One command as the client sent it.
#[derive(Debug, Clone)]
pub struct ClientCommand {
    pub tag: String,
    /// `UID FETCH`, `APPEND`, `LIST`, … (upper case, at most two words).
    pub verb: String,
    /// The first line, without CRLF.
    pub line: String,
    /// The whole command with its literals.
    pub bytes: Vec<u8>,
}

impl ClientCommand {
    /// The message of an APPEND: its last literal.
    pub fn last_literal(&self) -> Option<&[u8]> {
        let text = &self.bytes;
        let close = text.windows(3).rposition(|w| w == b"}\r\n")?;
        let open = text[..close].iter().rposition(|b| *b == b'{')?;
        let digits: String = String::from_utf8_lossy(&text[open + 1..close])
            .trim_end_matches('+')
            .to_string();
        let size: usize = digits.parse().ok()?;
        let start = close + 3;
        text.get(start..start + size)
    }
}

/// What the proxy does with a command.
pub enum Act {
    Forward,
    /// Answers the client with these bytes; the server never sees the command.
    Answer(Vec<u8>),
    /// Sends `first`, then `unit` again and again (`every` apart, or as fast as the client
    /// reads), up to `max` times or until the client goes away. The server never sees it.
    Repeat {
        first: Vec<u8>,
        unit: Vec<u8>,
        every: Option<Duration>,
        max: u64,
    },
    /// Runs `before` (blocking: another client expunging, say), then forwards.
    ForwardAfter(Box<dyn FnOnce() + Send>),
}

/// The tampering, one method per point where a server can misbehave.
pub trait Script: Send + Sync + 'static {
    fn greeting(&self, real: Vec<u8>) -> Vec<u8> {
        real
    }
    fn command(&self, _command: &ClientCommand) -> Act {
        Act::Forward
    }
    /// A response on its way to the client; `waiting` is the oldest command not yet answered.
    fn response(&self, frame: Vec<u8>, _waiting: Option<&ClientCommand>) -> Vec<u8> {
        frame
    }
}

#[derive(Default)]
pub struct Seen {
    /// First lines of every command the client sent, in order (all connections).
    pub commands: Mutex<Vec<String>>,
    pub connections: AtomicU64,
}

pub struct HostileProxy {
    port: u16,
    seen: Arc<Seen>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl HostileProxy {
    /// Listens on 127.0.0.1 (random port) and tampers with connections to the plain IMAP
    /// port `target_port` of 127.0.0.1.
    pub fn start(target_port: u16, script: impl Script) -> HostileProxy {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind proxy");
        listener.set_nonblocking(true).expect("non-blocking");
        let port = listener.local_addr().expect("proxy addr").port();
        let seen = Arc::new(Seen::default());
        let script: Arc<dyn Script> = Arc::new(script);
        let (stop_tx, mut stop_rx) = oneshot::channel::<()>();
        let thread_seen = seen.clone();
        let thread = std::thread::Builder::new()
            .name(format!("hostile-proxy-{port}"))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("proxy runtime");
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("tokio listener");
                    loop {
                        tokio::select! {
                            _ = &mut stop_rx => break,
                            accepted = listener.accept() => {
                                let Ok((client, _)) = accepted else { continue };
                                thread_seen.connections.fetch_add(1, Ordering::SeqCst);
                                let script = script.clone();
                                let seen = thread_seen.clone();
                                tokio::spawn(async move {
                                    if let Ok(server) = TcpStream::connect((Ipv4Addr::LOCALHOST, target_port)).await {
                                        session(client, server, script, seen).await;
                                    }
                                });
                            }
                        }
                    }
                    // Open sessions end with the runtime.
                    runtime_shutdown_grace().await;
                });
            })
            .expect("spawn proxy thread");
        HostileProxy {
            port,
            seen,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `imap://user@127.0.0.1:PORT?tls=none`: plain, so that every byte can be tampered with.
    pub fn url(&self, user: &str) -> String {
        format!(
            "imap://{}@127.0.0.1:{}?tls=none",
            user.replace('@', "%40"),
            self.port
        )
    }

    pub fn commands(&self) -> Vec<String> {
        self.seen.commands.lock().expect("seen lock").clone()
    }
}

impl Drop for HostileProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn runtime_shutdown_grace() {
    tokio::time::sleep(Duration::from_millis(10)).await;
}

type Waiting = Arc<Mutex<VecDeque<ClientCommand>>>;

async fn session(client: TcpStream, server: TcpStream, script: Arc<dyn Script>, seen: Arc<Seen>) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let client_write = Arc::new(tokio::sync::Mutex::new(client_write));
    let waiting: Waiting = Arc::new(Mutex::new(VecDeque::new()));

    let to_client = {
        let client_write = client_write.clone();
        let waiting = waiting.clone();
        let script = script.clone();
        async move {
            // Generous limits: the proxy passes on whatever the real server sends.
            let limits = Limits::for_literal(1 << 30);
            let mut framer = Framer::default();
            let mut buffer = vec![0u8; 64 * 1024];
            let mut greeted = false;
            loop {
                let n = match server_read.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let mut at = 0;
                while at < n {
                    let Ok((used, frame)) = framer.advance(&buffer[at..n], &limits) else {
                        return;
                    };
                    at += used;
                    let Some(frame) = frame else { continue };
                    let out = if !greeted {
                        greeted = true;
                        script.greeting(frame)
                    } else {
                        let oldest = waiting.lock().expect("waiting lock").front().cloned();
                        let tag = frame
                            .split(|b| *b == b' ')
                            .next()
                            .map(|t| String::from_utf8_lossy(t).into_owned());
                        let out = script.response(frame, oldest.as_ref());
                        if let Some(tag) = tag {
                            let mut waiting = waiting.lock().expect("waiting lock");
                            if let Some(i) = waiting.iter().position(|c| c.tag == tag) {
                                waiting.remove(i);
                            }
                        }
                        out
                    };
                    if client_write.lock().await.write_all(&out).await.is_err() {
                        return;
                    }
                }
            }
            let _ = client_write.lock().await.shutdown().await;
        }
    };

    let from_client = async move {
        let mut reader = BufReader::new(client_read);
        loop {
            let Some(command) = read_command(&mut reader, &client_write).await else {
                break;
            };
            seen.commands
                .lock()
                .expect("seen lock")
                .push(command.line.clone());
            match script.command(&command) {
                Act::Forward => {
                    waiting
                        .lock()
                        .expect("waiting lock")
                        .push_back(command.clone());
                    if server_write.write_all(&command.bytes).await.is_err() {
                        break;
                    }
                }
                Act::ForwardAfter(before) => {
                    let _ = tokio::task::spawn_blocking(before).await;
                    waiting
                        .lock()
                        .expect("waiting lock")
                        .push_back(command.clone());
                    if server_write.write_all(&command.bytes).await.is_err() {
                        break;
                    }
                }
                Act::Answer(bytes) => {
                    if client_write.lock().await.write_all(&bytes).await.is_err() {
                        break;
                    }
                }
                Act::Repeat {
                    first,
                    unit,
                    every,
                    max,
                } => {
                    repeat(&client_write, &first, &unit, every, max).await;
                    break;
                }
            }
        }
        let _ = server_write.shutdown().await;
    };
    tokio::join!(to_client, from_client);
}

async fn repeat(
    client: &tokio::sync::Mutex<OwnedWriteHalf>,
    first: &[u8],
    unit: &[u8],
    every: Option<Duration>,
    max: u64,
) {
    let mut client = client.lock().await;
    if client.write_all(first).await.is_err() {
        return;
    }
    // Units are written in bulk when there is no pause, so a flood is fast.
    let bulk: Vec<u8> = if every.is_none() {
        unit.repeat((64 * 1024 / unit.len().max(1)).max(1))
    } else {
        unit.to_vec()
    };
    let per_write = (bulk.len() / unit.len().max(1)) as u64;
    let mut sent = 0;
    while sent < max {
        if let Some(pause) = every {
            tokio::time::sleep(pause).await;
        }
        if client.write_all(&bulk).await.is_err() || client.flush().await.is_err() {
            return;
        }
        sent += per_write;
    }
}

/// Reads one command with its literals. A synchronising literal is answered with `+` here,
/// so the proxy can hold the whole command before deciding what to do with it.
async fn read_command(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    client_write: &tokio::sync::Mutex<OwnedWriteHalf>,
) -> Option<ClientCommand> {
    let mut bytes = Vec::new();
    let mut first_line = None;
    loop {
        let start = bytes.len();
        let n = reader.read_until(b'\n', &mut bytes).await.ok()?;
        if n == 0 {
            return None;
        }
        let line = bytes[start..].to_vec();
        if first_line.is_none() {
            first_line = Some(String::from_utf8_lossy(&line).trim_end().to_string());
        }
        let Some((size, sync)) = literal_of(&line) else {
            break;
        };
        if sync {
            // Answered here, so the real server must not expect to answer it again:
            // `{12}` becomes `{12+}` on the way on.
            let close = bytes.len() - 3;
            bytes.insert(close, b'+');
            client_write
                .lock()
                .await
                .write_all(b"+ go ahead\r\n")
                .await
                .ok()?;
        }
        let mut literal = vec![0u8; size];
        reader.read_exact(&mut literal).await.ok()?;
        bytes.extend_from_slice(&literal);
    }
    let line = first_line.unwrap_or_default();
    let mut words = line.split(' ');
    let tag = words.next().unwrap_or_default().to_string();
    let verb: Vec<String> = words
        .take(2)
        .map(str::to_ascii_uppercase)
        .take_while(|w| w.chars().all(|c| c.is_ascii_alphabetic()))
        .collect();
    let verb = if verb.first().map(String::as_str) == Some("UID") {
        verb.join(" ")
    } else {
        verb.first().cloned().unwrap_or_default()
    };
    Some(ClientCommand {
        tag,
        verb,
        line,
        bytes,
    })
}

fn literal_of(line: &[u8]) -> Option<(usize, bool)> {
    let line = line.strip_suffix(b"\r\n")?;
    let line = line.strip_suffix(b"}")?;
    let open = line.iter().rposition(|b| *b == b'{')?;
    let inner = &line[open + 1..];
    let (digits, sync) = match inner.strip_suffix(b"+") {
        Some(d) => (d, false),
        None => (inner, true),
    };
    let size = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((size, sync))
}

/// `TAG OK text\r\n`.
pub fn tagged(command: &ClientCommand, rest: &str) -> Vec<u8> {
    format!("{} {rest}\r\n", command.tag).into_bytes()
}
