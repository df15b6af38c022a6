//! A TCP proxy that cuts connections after a given number of bytes.
//!
//! It runs on its own thread with its own tokio runtime so it keeps forwarding even while the
//! test blocks (for example in `std::process::Command::output()` running the mailferry binary)
//! or uses a current-thread runtime. It forwards raw bytes, so it works for imaps too.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::oneshot;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    ServerToClient,
    ClientToServer,
}

#[derive(Clone, Copy, Debug)]
pub struct CutPlan {
    /// The direction whose byte count triggers the cut.
    pub direction: Direction,
    /// Exactly this many bytes are forwarded in `direction` before the cut.
    pub after_bytes: usize,
    /// The first N connections are cut; later ones pass through untouched.
    pub connections_to_cut: usize,
}

impl CutPlan {
    pub fn new(direction: Direction, after_bytes: usize, connections_to_cut: usize) -> CutPlan {
        CutPlan {
            direction,
            after_bytes,
            connections_to_cut,
        }
    }

    /// Forward everything, cut nothing.
    pub fn pass_through() -> CutPlan {
        CutPlan::new(Direction::ServerToClient, 0, 0)
    }
}

#[derive(Default)]
struct Counters {
    seen: AtomicUsize,
    cuts: AtomicUsize,
}

pub struct CutProxy {
    port: u16,
    counters: Arc<Counters>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl CutProxy {
    /// Listens on 127.0.0.1 (random port) and forwards to 127.0.0.1:`target_port`.
    pub fn start(target_port: u16, plan: CutPlan) -> CutProxy {
        CutProxy::start_from(target_port, plan, None)
    }

    /// Like `start`, but the upstream connection is made from `source_ip`. Dovecot treats a
    /// connection whose remote IP equals its local IP as secure and then allows plaintext
    /// LOGIN without TLS; connecting from 127.0.0.2 keeps `disable_plaintext_auth` effective.
    pub fn start_from(target_port: u16, plan: CutPlan, source_ip: Option<Ipv4Addr>) -> CutProxy {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .expect("bind proxy listener on 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("proxy listener must be non-blocking for tokio");
        let port = listener.local_addr().expect("proxy local addr").port();
        let counters = Arc::new(Counters::default());
        let (stop_tx, stop_rx) = oneshot::channel();
        let thread_counters = counters.clone();
        let thread = std::thread::Builder::new()
            .name(format!("cut-proxy-{port}"))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("build proxy runtime");
                runtime.block_on(accept_loop(
                    listener,
                    target_port,
                    plan,
                    source_ip,
                    thread_counters,
                    stop_rx,
                ));
                // Dropping the runtime here cancels every forwarding task and closes sockets.
            })
            .expect("spawn proxy thread");
        CutProxy {
            port,
            counters,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Connections accepted so far.
    pub fn connections_seen(&self) -> usize {
        self.counters.seen.load(Ordering::SeqCst)
    }

    /// Connections that were cut so far.
    pub fn cuts_done(&self) -> usize {
        self.counters.cuts.load(Ordering::SeqCst)
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(
    listener: std::net::TcpListener,
    target_port: u16,
    plan: CutPlan,
    source_ip: Option<Ipv4Addr>,
    counters: Arc<Counters>,
    mut stop: oneshot::Receiver<()>,
) {
    let listener = TcpListener::from_std(listener).expect("register proxy listener");
    loop {
        let client = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => client,
                Err(_) => {
                    // Out of file descriptors, say: back off instead of spinning.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let index = counters.seen.fetch_add(1, Ordering::SeqCst);
        let cut_after = (index < plan.connections_to_cut).then_some(plan.after_bytes);
        let counters = counters.clone();
        tokio::spawn(async move {
            let Ok(server) = connect_upstream(target_port, source_ip).await else {
                return; // dropping `client` closes it, as an unreachable server would
            };
            forward(client, server, plan.direction, cut_after, &counters.cuts).await;
        });
    }
}

async fn connect_upstream(port: u16, source_ip: Option<Ipv4Addr>) -> std::io::Result<TcpStream> {
    let target = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
    let socket = TcpSocket::new_v4()?;
    if let Some(ip) = source_ip {
        socket.bind(SocketAddr::new(IpAddr::V4(ip), 0))?;
    }
    socket.connect(target).await
}

/// Pumps bytes both ways until either side closes or the cut comes.
async fn forward(
    client: TcpStream,
    server: TcpStream,
    direction: Direction,
    cut_after: Option<usize>,
    cuts: &AtomicUsize,
) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let (c2s_limit, s2c_limit) = match direction {
        Direction::ClientToServer => (cut_after, None),
        Direction::ServerToClient => (None, cut_after),
    };
    let c2s = pump(client_read, server_write, c2s_limit, cuts);
    let s2c = pump(server_read, client_write, s2c_limit, cuts);
    tokio::pin!(c2s, s2c);
    // When either side finishes (EOF, error, or the cut), the other is dropped too, closing
    // both sockets: the cut tears the whole connection down, as a dying NAT or server would.
    tokio::select! {
        () = &mut c2s => {}
        () = &mut s2c => {}
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    limit: Option<usize>,
    cuts: &AtomicUsize,
) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut passed = 0usize;
    loop {
        if limit.is_some_and(|limit| passed >= limit) {
            // Counted before any socket closes: a client that sees the cut must also see it
            // counted, however the two threads are scheduled.
            cuts.fetch_add(1, Ordering::SeqCst);
            let _ = to.shutdown().await;
            return;
        }
        let want = match limit {
            Some(limit) => buf.len().min(limit - passed),
            None => buf.len(),
        };
        let n = match from.read(&mut buf[..want]).await {
            Ok(0) | Err(_) => {
                let _ = to.shutdown().await;
                return;
            }
            Ok(n) => n,
        };
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
        passed += n;
    }
}
