//! The DNS questions of a cutover check, asked through hickory-resolver: the system's
//! resolver or a named server, over UDP with TCP when an answer is truncated.
//!
//! A server that never answers must not hold the owner for minutes: each question gets one
//! short try, and the first unanswered one ends the check (see `check`).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{Resolver, TokioResolver};
use serde::Serialize;

use super::domain::DomainName;
use super::error::CutoverError;

/// How long one question may wait for its answer.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(4);

// Bounds on what a server may make us keep: far above any real domain's records.
const MAX_RECORDS: usize = 64;
/// How messages name the computer's own DNS server ("the DNS server of this computer").
pub(crate) const SYSTEM_DESCRIPTION: &str = "of this computer";
const MAX_TXT_BYTES: usize = 4096;

/// One MX record as the server gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MxRecord {
    /// The mail server's name, lower case, without the trailing dot.
    pub host: String,
    pub preference: u16,
    /// Seconds a resolver may keep the record (what remains of it, through a caching resolver).
    pub ttl: u32,
}

/// What DNS said about one domain.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Observation {
    /// False when the server answered that the domain does not exist (NXDOMAIN).
    pub exists: bool,
    pub mx: Vec<MxRecord>,
    /// The domain's TXT records, each record's strings joined as SPF requires (RFC 7208 3.3).
    pub txt: Vec<String>,
    /// Where `autodiscover.<domain>` points, if it is a CNAME.
    pub autodiscover_cname: Option<String>,
}

/// Which DNS server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsServer {
    /// The system's configured resolvers.
    System,
    At(SocketAddr),
}

impl DnsServer {
    /// `HOST:PORT`: an IP address (`[v6]:port` for IPv6) or a name the system resolves.
    pub async fn parse(text: &str) -> Result<DnsServer, CutoverError> {
        let invalid = |reason: &str| CutoverError::InvalidServer {
            given: text.chars().take(300).collect(),
            reason: reason.into(),
        };
        if let Ok(addr) = text.parse::<SocketAddr>() {
            if addr.port() == 0 {
                return Err(invalid("the port is 0"));
            }
            return Ok(DnsServer::At(addr));
        }
        let (host, port) = text
            .rsplit_once(':')
            .ok_or_else(|| invalid("the port is missing"))?;
        let port: u16 = port
            .parse()
            .map_err(|_| invalid("the port is not a number from 1 to 65535"))?;
        if port == 0 {
            return Err(invalid("the port is 0"));
        }
        if host.is_empty() || host.contains(':') || host.parse::<IpAddr>().is_ok() {
            return Err(invalid("the host is not an address or a name"));
        }
        let name_like = host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        if !name_like || host.starts_with(['-', '.']) {
            return Err(invalid("the host is not an address or a name"));
        }
        let found = tokio::time::timeout(QUERY_TIMEOUT, tokio::net::lookup_host((host, port)))
            .await
            .map_err(|_| invalid("its name could not be looked up in time"))?
            .map_err(|e| invalid(&format!("its name could not be looked up ({e})")))?
            .next()
            .ok_or_else(|| invalid("its name has no address"))?;
        Ok(DnsServer::At(found))
    }

    fn describe(&self) -> String {
        match self {
            DnsServer::System => SYSTEM_DESCRIPTION.into(),
            DnsServer::At(addr) => addr.to_string(),
        }
    }
}

/// Asks one server about domains.
pub struct DnsLookup {
    resolver: TokioResolver,
    server: String,
}

impl DnsLookup {
    pub fn new(server: &DnsServer) -> Result<DnsLookup, CutoverError> {
        let unreachable = |detail: String| CutoverError::Unreachable {
            server: server.describe(),
            detail,
        };
        let config = match server {
            DnsServer::System => {
                hickory_resolver::system_conf::read_system_conf()
                    .map_err(|e| {
                        unreachable(format!("the system's DNS settings cannot be read ({e})"))
                    })?
                    .0
            }
            DnsServer::At(addr) => {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                ResolverConfig::from_name_servers(vec![NameServerConfig::new(
                    addr.ip(),
                    true,
                    vec![udp, tcp],
                )])
            }
        };
        let mut options = ResolverOpts::default();
        options.timeout = QUERY_TIMEOUT;
        options.attempts = 1;
        options.use_hosts_file = ResolveHosts::Never;
        // Each check must see the records as they are now, not as an earlier question saw them.
        options.cache_size = 0;
        let mut builder = Resolver::builder_with_config(config, TokioRuntimeProvider::default());
        *builder.options_mut() = options;
        let resolver = builder.build().map_err(|e| unreachable(e.to_string()))?;
        Ok(DnsLookup {
            resolver,
            server: server.describe(),
        })
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    /// MX, then TXT, then the Autodiscover CNAME; the first question without an answer ends it.
    pub async fn observe(&self, domain: &DomainName) -> Result<Observation, CutoverError> {
        let mx = match self.ask(&domain.fqdn(), RecordType::MX).await? {
            Answer::NoDomain => {
                return Ok(Observation {
                    exists: false,
                    ..Observation::default()
                })
            }
            Answer::Empty => Vec::new(),
            Answer::Records(records) => records,
        };
        let txt = match self.ask(&domain.fqdn(), RecordType::TXT).await? {
            Answer::Records(records) => records,
            Answer::Empty | Answer::NoDomain => Vec::new(),
        };
        let cname = match self
            .ask(&domain.autodiscover_fqdn(), RecordType::CNAME)
            .await?
        {
            Answer::Records(records) => records,
            Answer::Empty | Answer::NoDomain => Vec::new(),
        };
        Ok(Observation {
            exists: true,
            mx: mx
                .iter()
                .filter_map(|(ttl, data)| match data {
                    RData::MX(mx) => Some(MxRecord {
                        host: host_name(&mx.exchange.to_ascii()),
                        preference: mx.preference,
                        ttl: *ttl,
                    }),
                    _ => None,
                })
                .take(MAX_RECORDS)
                .collect(),
            txt: txt
                .iter()
                .filter_map(|(_, data)| match data {
                    RData::TXT(txt) => Some(join_txt(&txt.txt_data)),
                    _ => None,
                })
                .take(MAX_RECORDS)
                .collect(),
            autodiscover_cname: cname.iter().find_map(|(_, data)| match data {
                RData::CNAME(target) => Some(host_name(&target.0.to_ascii())),
                _ => None,
            }),
        })
    }

    async fn ask(&self, name: &str, kind: RecordType) -> Result<Answer, CutoverError> {
        let no_answer = || CutoverError::NoAnswer {
            server: self.server.clone(),
            waited: QUERY_TIMEOUT,
        };
        // The resolver has its own timeout; this one bounds anything it might add to it.
        let result = tokio::time::timeout(
            QUERY_TIMEOUT + Duration::from_secs(1),
            self.resolver.lookup(name, kind),
        )
        .await
        .map_err(|_| no_answer())?;
        match result {
            Ok(lookup) => Ok(Answer::Records(
                lookup
                    .answers()
                    .iter()
                    .filter(|r| r.record_type() == kind)
                    .take(MAX_RECORDS)
                    .map(|r| (r.ttl, r.data.clone()))
                    .collect(),
            )),
            Err(e) => classify(e, &self.server, name, no_answer),
        }
    }
}

enum Answer {
    Records(Vec<(u32, RData)>),
    /// The name exists but has no record of this type.
    Empty,
    /// The name does not exist.
    NoDomain,
}

fn classify(
    e: NetError,
    server: &str,
    name: &str,
    no_answer: impl Fn() -> CutoverError,
) -> Result<Answer, CutoverError> {
    match e {
        NetError::Dns(DnsError::NoRecordsFound(none)) => {
            if none.response_code == ResponseCode::NXDomain {
                Ok(Answer::NoDomain)
            } else {
                Ok(Answer::Empty)
            }
        }
        NetError::Dns(DnsError::ResponseCode(code)) => Err(CutoverError::Refused {
            server: server.into(),
            name: name.trim_end_matches('.').into(),
            code: code.to_string(),
        }),
        NetError::Timeout => Err(no_answer()),
        NetError::Io(_) | NetError::NoConnections | NetError::Busy => {
            Err(CutoverError::Unreachable {
                server: server.into(),
                detail: e.to_string(),
            })
        }
        other => Err(CutoverError::BadAnswer {
            server: server.into(),
            detail: other.to_string(),
        }),
    }
}

fn host_name(ascii: &str) -> String {
    ascii.trim_end_matches('.').to_ascii_lowercase()
}

/// A TXT record may hold several strings of up to 255 bytes; SPF reads them joined with
/// nothing between (RFC 7208 3.3). Bytes that are not UTF-8 are replaced, and the total is
/// bounded.
pub fn join_txt(strings: &[Box<[u8]>]) -> String {
    let mut joined = Vec::new();
    for s in strings {
        let room = MAX_TXT_BYTES.saturating_sub(joined.len());
        joined.extend_from_slice(&s[..s.len().min(room)]);
    }
    String::from_utf8_lossy(&joined).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(parts: &[&[u8]]) -> Vec<Box<[u8]>> {
        parts
            .iter()
            .map(|p| p.to_vec().into_boxed_slice())
            .collect()
    }

    #[test]
    fn txt_strings_are_joined_without_separator_and_bounded() {
        assert_eq!(
            join_txt(&strings(&[
                b"v=spf1 include:spf.prot",
                b"ection.outlook.com -all"
            ])),
            "v=spf1 include:spf.protection.outlook.com -all"
        );
        assert_eq!(join_txt(&strings(&[b"a\xff"])), "a\u{fffd}");
        let big = vec![b'x'; 255];
        let many: Vec<Box<[u8]>> = (0..100).map(|_| big.clone().into_boxed_slice()).collect();
        assert_eq!(join_txt(&many).len(), MAX_TXT_BYTES);
    }

    #[tokio::test]
    async fn dns_server_is_host_and_port() {
        assert_eq!(
            DnsServer::parse("127.0.0.1:5353").await.unwrap(),
            DnsServer::At("127.0.0.1:5353".parse().unwrap())
        );
        assert!(matches!(
            DnsServer::parse("[::1]:53").await.unwrap(),
            DnsServer::At(_)
        ));
        for bad in [
            "127.0.0.1",
            "127.0.0.1:",
            "127.0.0.1:0",
            "127.0.0.1:99999",
            ":53",
            "::1:53",
            "a b:53",
            "host:port",
        ] {
            let e = DnsServer::parse(bad).await.unwrap_err();
            assert!(
                matches!(e, CutoverError::InvalidServer { .. }),
                "{bad}: {e}"
            );
        }
    }
}
