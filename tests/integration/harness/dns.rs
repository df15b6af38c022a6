//! A stand-in for the DNS, which tests must never reach: a small authoritative server on
//! 127.0.0.1 (UDP and TCP on one random port) answering from zones the test sets and may
//! rewrite between runs. Messages are parsed and built with hickory-proto, the same crate
//! family mailferry's resolver uses, so nothing here hand-encodes DNS.
//!
//! Besides answering, it can:
//! - answer one name over UDP with the TC bit and no records (`truncate_over_udp`), as a
//!   server does when the answer does not fit, so the client must ask again over TCP;
//! - say NXDOMAIN for every name outside its zones and for names inside them that have no
//!   records (a nonexistent domain);
//! - never answer at all (`set_silent`), as a firewalled or dead server.
//!
//! Every question is logged with the transport it came over (`queries`).
//!
//! Deliberate simplifications: no SOA in negative answers, no wildcard or delegation, and
//! CNAMEs are returned only when asked for (nothing chases them).

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{CNAME, MX, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

/// One record of a zone.
#[derive(Debug, Clone)]
pub struct DnsRecord {
    /// Owner name, any case, with or without the trailing dot.
    pub name: String,
    pub ttl: u32,
    pub data: DnsData,
}

#[derive(Debug, Clone)]
pub enum DnsData {
    Mx {
        preference: u16,
        host: String,
    },
    /// One TXT record made of these strings (each up to 255 bytes).
    Txt(Vec<String>),
    Cname(String),
}

impl DnsRecord {
    pub fn mx(name: &str, preference: u16, host: &str, ttl: u32) -> DnsRecord {
        DnsRecord {
            name: name.into(),
            ttl,
            data: DnsData::Mx {
                preference,
                host: host.into(),
            },
        }
    }

    pub fn txt(name: &str, strings: &[&str]) -> DnsRecord {
        DnsRecord {
            name: name.into(),
            ttl: 3600,
            data: DnsData::Txt(strings.iter().map(|s| s.to_string()).collect()),
        }
    }

    pub fn cname(name: &str, target: &str) -> DnsRecord {
        DnsRecord {
            name: name.into(),
            ttl: 3600,
            data: DnsData::Cname(target.into()),
        }
    }

    fn record_type(&self) -> RecordType {
        match self.data {
            DnsData::Mx { .. } => RecordType::MX,
            DnsData::Txt(_) => RecordType::TXT,
            DnsData::Cname(_) => RecordType::CNAME,
        }
    }

    fn to_record(&self, owner: &Name) -> Record {
        let data = match &self.data {
            DnsData::Mx { preference, host } => RData::MX(MX::new(
                *preference,
                Name::from_ascii(fqdn(host)).expect("test MX host"),
            )),
            DnsData::Txt(strings) => RData::TXT(TXT::new(strings.clone())),
            DnsData::Cname(target) => {
                RData::CNAME(CNAME(Name::from_ascii(fqdn(target)).expect("test CNAME")))
            }
        };
        Record::from_rdata(owner.clone(), self.ttl, data)
    }
}

fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

fn canonical(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Where a spawned `mailferry` asks DNS unless a test names the stand-in: a local port
/// nothing answers on, so that a running batch's domain checks never reach the real DNS.
pub const NO_DNS: &str = "127.0.0.1:9";

/// A question the server received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenQuery {
    /// Lower case, without the trailing dot.
    pub name: String,
    pub record_type: RecordType,
    pub over_tcp: bool,
}

#[derive(Default)]
struct Zones {
    /// Zone apex → its records.
    zones: HashMap<String, Vec<DnsRecord>>,
    truncate_over_udp: HashSet<String>,
    silent: bool,
    queries: Vec<SeenQuery>,
}

impl Zones {
    /// The records at a name, or None when the name does not exist.
    fn lookup(&self, name: &str) -> Option<Vec<&DnsRecord>> {
        let mut exists = false;
        let mut found = Vec::new();
        for (apex, records) in &self.zones {
            if name == apex {
                exists = true;
            }
            for r in records {
                let owner = canonical(&r.name);
                if owner == name {
                    exists = true;
                    found.push(r);
                } else if owner.ends_with(&format!(".{name}")) {
                    // An empty non-terminal: it exists without records of its own.
                    exists = true;
                }
            }
        }
        exists.then_some(found)
    }
}

/// The running server; stopped on drop.
pub struct DnsStandIn {
    addr: SocketAddr,
    zones: Arc<Mutex<Zones>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl DnsStandIn {
    /// Starts the server on 127.0.0.1, UDP and TCP on the same random port, on its own thread.
    pub fn start() -> DnsStandIn {
        let (std_udp, std_tcp) = bind_pair();
        let addr = std_udp.local_addr().expect("DNS stand-in address");
        let zones = Arc::new(Mutex::new(Zones::default()));
        let (shutdown, stop) = tokio::sync::oneshot::channel();
        let served = zones.clone();
        let thread = std::thread::Builder::new()
            .name("dns-stand-in".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("DNS stand-in runtime");
                runtime.block_on(async move {
                    let udp = UdpSocket::from_std(std_udp).expect("UDP socket");
                    let tcp = TcpListener::from_std(std_tcp).expect("TCP listener");
                    tokio::select! {
                        _ = serve_udp(udp, served.clone()) => {}
                        _ = serve_tcp(tcp, served) => {}
                        _ = stop => {}
                    }
                });
            })
            .expect("DNS stand-in thread");
        DnsStandIn {
            addr,
            zones,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `127.0.0.1:<port>`, for `--dns-server`.
    pub fn server_arg(&self) -> String {
        self.addr.to_string()
    }

    fn lock(&self) -> MutexGuard<'_, Zones> {
        self.zones.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Serves `domain` with exactly these records from now on (replacing what it had).
    pub fn set_zone(&self, domain: &str, records: Vec<DnsRecord>) {
        self.lock().zones.insert(canonical(domain), records);
    }

    /// Forgets a zone: its names are NXDOMAIN from now on.
    pub fn remove_zone(&self, domain: &str) {
        self.lock().zones.remove(&canonical(domain));
    }

    /// Answers questions about `name` over UDP with the TC bit and no records.
    pub fn truncate_over_udp(&self, name: &str) {
        self.lock().truncate_over_udp.insert(canonical(name));
    }

    /// Stops answering (questions are still read and logged), or starts again.
    pub fn set_silent(&self, silent: bool) {
        self.lock().silent = silent;
    }

    pub fn queries(&self) -> Vec<SeenQuery> {
        self.lock().queries.clone()
    }
}

impl Drop for DnsStandIn {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A UDP socket and a TCP listener on the same free port of 127.0.0.1.
fn bind_pair() -> (std::net::UdpSocket, std::net::TcpListener) {
    for _ in 0..50 {
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind UDP");
        let port = udp.local_addr().expect("UDP address").port();
        if let Ok(tcp) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            udp.set_nonblocking(true).expect("nonblocking UDP");
            tcp.set_nonblocking(true).expect("nonblocking TCP");
            return (udp, tcp);
        }
    }
    panic!("no port free for both UDP and TCP on 127.0.0.1");
}

async fn serve_udp(socket: UdpSocket, zones: Arc<Mutex<Zones>>) {
    let mut buf = vec![0u8; 4096];
    loop {
        let Ok((len, peer)) = socket.recv_from(&mut buf).await else {
            continue;
        };
        if let Some(reply) = answer(&buf[..len], &zones, false) {
            let _ = socket.send_to(&reply, peer).await;
        }
    }
}

async fn serve_tcp(listener: TcpListener, zones: Arc<Mutex<Zones>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(serve_tcp_connection(stream, zones.clone()));
    }
}

/// RFC 1035 4.2.2: each message is preceded by its two-byte length.
async fn serve_tcp_connection(mut stream: TcpStream, zones: Arc<Mutex<Zones>>) {
    loop {
        let Ok(len) = stream.read_u16().await else {
            return;
        };
        let mut message = vec![0u8; usize::from(len)];
        if stream.read_exact(&mut message).await.is_err() {
            return;
        }
        let Some(reply) = answer(&message, &zones, true) else {
            continue;
        };
        let Ok(reply_len) = u16::try_from(reply.len()) else {
            return;
        };
        if stream.write_u16(reply_len).await.is_err() || stream.write_all(&reply).await.is_err() {
            return;
        }
    }
}

/// The reply to one message, or None to stay silent.
fn answer(bytes: &[u8], zones: &Mutex<Zones>, over_tcp: bool) -> Option<Vec<u8>> {
    let request = Message::from_vec(bytes).ok()?;
    let mut zones = zones.lock().unwrap_or_else(|e| e.into_inner());
    let query = request.queries.first().cloned();
    if let Some(q) = &query {
        zones.queries.push(SeenQuery {
            name: canonical(&q.name().to_ascii()),
            record_type: q.query_type(),
            over_tcp,
        });
    }
    if zones.silent {
        return None;
    }
    let mut reply = Message::response(request.metadata.id, OpCode::Query);
    reply.metadata.message_type = MessageType::Response;
    reply.metadata.recursion_desired = request.metadata.recursion_desired;
    let Some(q) = query else {
        reply.metadata.response_code = ResponseCode::FormErr;
        return reply.to_vec().ok();
    };
    reply.add_query(q.clone());
    reply.metadata.authoritative = true;
    let name = canonical(&q.name().to_ascii());
    if !over_tcp && zones.truncate_over_udp.contains(&name) {
        reply.metadata.truncation = true;
        return reply.to_vec().ok();
    }
    match zones.lookup(&name) {
        None => reply.metadata.response_code = ResponseCode::NXDomain,
        Some(records) => {
            for r in records
                .into_iter()
                .filter(|r| r.record_type() == q.query_type())
            {
                // The owner name as asked, so its case matches the question.
                reply.add_answer(r.to_record(q.name()));
            }
        }
    }
    reply.to_vec().ok()
}
