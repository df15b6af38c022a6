//! An IMAP client independent of the engine, for loading and checking mailboxes.
//!
//! Built on async-imap so a bug in mailferry's own IMAP code cannot hide itself by being
//! on both sides of an assertion. Every method panics with context on failure, except the
//! `try_*` ones that tests use to look at refusals.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use async_imap::imap_proto::{Response, Status};
use async_imap::types::{Fetch, Flag, NameAttribute};
use chrono::{DateTime, FixedOffset};
use futures::TryStreamExt;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use super::dovecot::Dovecot;

pub type TlsImapStream = TlsStream<TcpStream>;
pub type ImapSession = async_imap::Session<TlsImapStream>;

/// One LIST response, names exactly as on the wire (modified UTF-7 is not decoded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedFolder {
    pub name: String,
    pub delimiter: Option<String>,
    /// Such as `\HasNoChildren`, `\Sent`, `\Noselect`, as Dovecot spells them.
    pub attributes: Vec<String>,
}

impl ListedFolder {
    pub fn has_attribute(&self, attribute: &str) -> bool {
        self.attributes
            .iter()
            .any(|a| a.eq_ignore_ascii_case(attribute))
    }
}

#[derive(Clone, Debug)]
pub struct StoredMessage {
    pub uid: u32,
    /// Sorted, without `\Recent`.
    pub flags: Vec<String>,
    pub internaldate: DateTime<FixedOffset>,
    /// BODY[] exactly as the server serves it.
    pub body: Vec<u8>,
    /// Lowercase hex SHA-256 of `body`.
    pub sha256: String,
}

impl StoredMessage {
    /// The Subject header's raw value, for readable failure messages.
    pub fn subject(&self) -> String {
        header_value(&self.body, "subject").unwrap_or_else(|| "(no subject)".to_string())
    }
}

/// A `rustls` client config trusting only the certificates in `ca_pem_path`.
pub fn client_config(ca_pem_path: &Path) -> Arc<rustls::ClientConfig> {
    let pem = std::fs::read(ca_pem_path)
        .unwrap_or_else(|e| panic!("read CA file {}: {e}", ca_pem_path.display()));
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        roots
            .add(cert.expect("parse CA PEM"))
            .expect("add CA to root store");
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    Arc::new(config)
}

/// TLS handshake with 127.0.0.1:`port` trusting `ca_pem_path`. The error text is what
/// rustls says (for example "invalid peer certificate: UnknownIssuer").
pub async fn tls_connect(port: u16, ca_pem_path: &Path) -> Result<TlsImapStream, String> {
    let tcp = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("connect to 127.0.0.1:{port}: {e}"))?;
    let name = ServerName::try_from("127.0.0.1").expect("IP is a valid server name");
    TlsConnector::from(client_config(ca_pem_path))
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS handshake with 127.0.0.1:{port}: {e}"))
}

/// The DER of the certificate a server presents, without verifying it (for pin tests).
pub async fn peer_certificate_der(port: u16) -> Vec<u8> {
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default TLS versions")
    .dangerous()
    .with_custom_certificate_verifier(Arc::new(AcceptAnyCert))
    .with_no_client_auth();
    let tcp = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect for peer cert");
    let name = ServerName::try_from("127.0.0.1").expect("IP is a valid server name");
    let tls = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .expect("TLS handshake accepting any certificate");
    let certs = tls
        .get_ref()
        .1
        .peer_certificates()
        .expect("server sent certificates");
    certs[0].to_vec()
}

pub struct TestImap {
    session: ImapSession,
}

impl TestImap {
    /// Logs in over implicit TLS; panics if that fails.
    pub async fn connect(server: &Dovecot, user: &str, password: &str) -> TestImap {
        TestImap::try_connect(server, user, password)
            .await
            .unwrap_or_else(|e| panic!("login as {user:?} failed: {e}\n{}", server.log_tail()))
    }

    pub async fn try_connect(
        server: &Dovecot,
        user: &str,
        password: &str,
    ) -> Result<TestImap, String> {
        TestImap::try_connect_port(server.imaps_port(), &server.ca_pem_path(), user, password).await
    }

    /// Logs in through any implicit-TLS port (a `CutProxy` in front of a server, say).
    pub async fn try_connect_port(
        port: u16,
        ca_pem_path: &Path,
        user: &str,
        password: &str,
    ) -> Result<TestImap, String> {
        let client = greeted_client(port, ca_pem_path).await?;
        let session = client
            .login(user, password)
            .await
            .map_err(|(e, _)| format!("LOGIN refused: {e}"))?;
        Ok(TestImap { session })
    }

    /// Logs in as `user` with a master user's credentials (SASL PLAIN, authzid = user).
    pub async fn connect_master(
        server: &Dovecot,
        user: &str,
        master: &str,
        master_password: &str,
    ) -> TestImap {
        let client = greeted_client(server.imaps_port(), &server.ca_pem_path())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let auth = PlainAuth(format!("{user}\0{master}\0{master_password}"));
        let session = client
            .authenticate("PLAIN", auth)
            .await
            .unwrap_or_else(|(e, _)| {
                panic!(
                    "master login {master} as {user} failed: {e}\n{}",
                    server.log_tail()
                )
            });
        TestImap { session }
    }

    /// The underlying async-imap session, for commands this wrapper lacks.
    pub fn session(&mut self) -> &mut ImapSession {
        &mut self.session
    }

    pub async fn capabilities(&mut self) -> Vec<String> {
        let caps = self.session.capabilities().await.expect("CAPABILITY");
        let mut out: Vec<String> = caps
            .iter()
            .map(|cap| match cap {
                async_imap::types::Capability::Imap4rev1 => "IMAP4rev1".to_string(),
                async_imap::types::Capability::Auth(mech) => format!("AUTH={mech}"),
                async_imap::types::Capability::Atom(atom) => atom.to_string(),
            })
            .collect();
        out.sort();
        out
    }

    pub async fn create(&mut self, folder: &str) {
        self.session
            .create(folder)
            .await
            .unwrap_or_else(|e| panic!("CREATE {folder:?}: {e}"));
    }

    pub async fn delete(&mut self, folder: &str) {
        self.session
            .delete(folder)
            .await
            .unwrap_or_else(|e| panic!("DELETE {folder:?}: {e}"));
    }

    pub async fn subscribe(&mut self, folder: &str) {
        self.session
            .subscribe(folder)
            .await
            .unwrap_or_else(|e| panic!("SUBSCRIBE {folder:?}: {e}"));
    }

    /// APPEND with flags and INTERNALDATE like "05-Mar-2021 14:02:11 +0100"; panics if refused.
    pub async fn append(&mut self, folder: &str, flags: &[&str], internaldate: &str, body: &[u8]) {
        if let Err(e) = self.try_append(folder, flags, internaldate, body).await {
            panic!("APPEND of {} bytes to {folder:?} refused: {e}", body.len());
        }
    }

    /// APPEND returning the server's refusal text, response code included (for example
    /// "NO [OVERQUOTA] Quota exceeded (mailbox for user is full)"). Dovecot may refuse
    /// before sending the continuation, in which case the literal is never sent.
    pub async fn try_append(
        &mut self,
        folder: &str,
        flags: &[&str],
        internaldate: &str,
        body: &[u8],
    ) -> Result<(), String> {
        let command = format!(
            "APPEND {} ({}) \"{internaldate}\" {{{}}}",
            quote(folder),
            flags.join(" "),
            body.len()
        );
        let tag = self
            .session
            .run_command(&command)
            .await
            .map_err(|e| e.to_string())?;
        loop {
            match self.next_reply().await? {
                Reply::Continue => break,
                Reply::Done {
                    tag: done,
                    ok: _,
                    text,
                } if done == tag.0 => return Err(text),
                _ => {}
            }
        }
        let stream = self.session.get_mut();
        stream
            .write_all(body)
            .await
            .map_err(|e| format!("send literal: {e}"))?;
        stream
            .write_all(b"\r\n")
            .await
            .map_err(|e| format!("send literal: {e}"))?;
        stream
            .flush()
            .await
            .map_err(|e| format!("send literal: {e}"))?;
        loop {
            if let Reply::Done {
                tag: done,
                ok,
                text,
            } = self.next_reply().await?
            {
                if done == tag.0 {
                    return if ok { Ok(()) } else { Err(text) };
                }
            }
        }
    }

    async fn next_reply(&mut self) -> Result<Reply, String> {
        let response = self
            .session
            .read_response()
            .await
            .map_err(|e| format!("read response: {e}"))?
            .ok_or_else(|| "connection closed".to_string())?;
        Ok(match response.parsed() {
            Response::Continue { .. } => Reply::Continue,
            Response::Done {
                tag,
                status,
                code,
                information,
            } => Reply::Done {
                tag: tag.0.clone(),
                ok: *status == Status::Ok,
                text: done_text(status, code, information),
            },
            _ => Reply::Other,
        })
    }

    /// LIST "" "*".
    pub async fn list(&mut self) -> Vec<ListedFolder> {
        let names: Vec<_> = self
            .session
            .list(Some(""), Some("*"))
            .await
            .expect("LIST")
            .try_collect()
            .await
            .expect("LIST responses");
        names
            .iter()
            .map(|name| ListedFolder {
                name: name.name().to_string(),
                delimiter: name.delimiter().map(str::to_string),
                attributes: name.attributes().iter().map(attribute_text).collect(),
            })
            .collect()
    }

    /// LSUB "" "*", sorted.
    pub async fn subscribed(&mut self) -> Vec<String> {
        let names: Vec<_> = self
            .session
            .lsub(Some(""), Some("*"))
            .await
            .expect("LSUB")
            .try_collect()
            .await
            .expect("LSUB responses");
        let mut out: Vec<String> = names.iter().map(|n| n.name().to_string()).collect();
        out.sort();
        out
    }

    /// Every message of `folder` in UID order. Uses EXAMINE, so nothing changes on the server.
    pub async fn fetch_all(&mut self, folder: &str) -> Vec<StoredMessage> {
        self.try_fetch_all(folder)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `fetch_all` that reports failures (such as a cut connection) instead of panicking.
    pub async fn try_fetch_all(&mut self, folder: &str) -> Result<Vec<StoredMessage>, String> {
        let mailbox = self
            .session
            .examine(folder)
            .await
            .map_err(|e| format!("EXAMINE {folder:?}: {e}"))?;
        if mailbox.exists == 0 {
            return Ok(Vec::new());
        }
        let fetches: Vec<Fetch> = self
            .session
            .uid_fetch("1:*", "(UID FLAGS INTERNALDATE BODY.PEEK[])")
            .await
            .map_err(|e| format!("UID FETCH in {folder:?}: {e}"))?
            .try_collect()
            .await
            .map_err(|e| format!("UID FETCH responses in {folder:?}: {e}"))?;
        let mut messages: Vec<StoredMessage> = fetches.iter().map(stored_message).collect();
        messages.sort_by_key(|m| m.uid);
        Ok(messages)
    }

    /// UID STORE, for example `store_flags("INBOX", 3, "+FLAGS (\\Flagged)")`.
    pub async fn store_flags(&mut self, folder: &str, uid: u32, query: &str) {
        self.select(folder).await;
        let _: Vec<Fetch> = self
            .session
            .uid_store(uid.to_string(), query)
            .await
            .unwrap_or_else(|e| panic!("UID STORE {uid} {query} in {folder:?}: {e}"))
            .try_collect()
            .await
            .expect("UID STORE responses");
    }

    /// EXPUNGE every \Deleted message of `folder`.
    pub async fn expunge_all_deleted(&mut self, folder: &str) {
        self.select(folder).await;
        let _: Vec<u32> = self
            .session
            .expunge()
            .await
            .unwrap_or_else(|e| panic!("EXPUNGE in {folder:?}: {e}"))
            .try_collect()
            .await
            .expect("EXPUNGE responses");
    }

    async fn select(&mut self, folder: &str) {
        self.session
            .select(folder)
            .await
            .unwrap_or_else(|e| panic!("SELECT {folder:?}: {e}"));
    }

    /// SELECT with CONDSTORE; returns the HIGHESTMODSEQ of the SELECT response.
    pub async fn select_condstore(&mut self, folder: &str) -> Option<u64> {
        let mailbox = self
            .session
            .select_condstore(folder)
            .await
            .unwrap_or_else(|e| panic!("SELECT {folder:?} (CONDSTORE): {e}"));
        mailbox.highest_modseq
    }

    pub async fn highest_modseq(&mut self, folder: &str) -> u64 {
        self.status(folder, "(HIGHESTMODSEQ)")
            .await
            .highest_modseq
            .unwrap_or_else(|| panic!("no HIGHESTMODSEQ in STATUS {folder:?}"))
    }

    pub async fn uidvalidity(&mut self, folder: &str) -> u32 {
        self.status(folder, "(UIDVALIDITY)")
            .await
            .uid_validity
            .unwrap_or_else(|| panic!("no UIDVALIDITY in STATUS {folder:?}"))
    }

    pub async fn status_messages(&mut self, folder: &str) -> u32 {
        self.status(folder, "(MESSAGES)").await.exists
    }

    async fn status(&mut self, folder: &str, items: &str) -> async_imap::types::Mailbox {
        // STATUS on the selected mailbox is discouraged (RFC 3501 6.3.10); leave it first.
        let _ = self.session.run_command_and_check_ok("UNSELECT").await;
        self.session
            .status(folder, items)
            .await
            .unwrap_or_else(|e| panic!("STATUS {folder:?} {items}: {e}"))
    }

    /// Gives `folder` a new UIDVALIDITY with the same messages (flags and dates kept): fetch,
    /// DELETE, CREATE, APPEND back. Returns (old, new) UIDVALIDITY; panics if they are equal.
    pub async fn recreate_with_new_uidvalidity(&mut self, folder: &str) -> (u32, u32) {
        let old = self.uidvalidity(folder).await;
        let messages = self.fetch_all(folder).await;
        let _ = self.session.run_command_and_check_ok("UNSELECT").await;
        self.delete(folder).await;
        self.create(folder).await;
        for message in &messages {
            let flags: Vec<&str> = message.flags.iter().map(String::as_str).collect();
            let date = message
                .internaldate
                .format("%d-%b-%Y %H:%M:%S %z")
                .to_string();
            self.append(folder, &flags, &date, &message.body).await;
        }
        let new = self.uidvalidity(folder).await;
        assert_ne!(old, new, "re-creating {folder:?} kept UIDVALIDITY {old}");
        (old, new)
    }

    pub async fn logout(mut self) {
        self.session.logout().await.expect("LOGOUT");
    }
}

async fn greeted_client(
    port: u16,
    ca_pem_path: &Path,
) -> Result<async_imap::Client<TlsImapStream>, String> {
    let tls = tls_connect(port, ca_pem_path).await?;
    let mut client = async_imap::Client::new(tls);
    let greeting = client
        .read_response()
        .await
        .map_err(|e| format!("read greeting: {e}"))?
        .ok_or("connection closed before the greeting")?;
    if !matches!(
        greeting.parsed(),
        Response::Data {
            status: Status::Ok,
            ..
        }
    ) {
        return Err(format!("unexpected greeting {:?}", greeting.parsed()));
    }
    Ok(client)
}

enum Reply {
    Continue,
    Done { tag: String, ok: bool, text: String },
    Other,
}

struct PlainAuth(String);

impl async_imap::Authenticator for PlainAuth {
    type Response = String;

    fn process(&mut self, _challenge: &[u8]) -> String {
        self.0.clone()
    }
}

#[derive(Debug)]
struct AcceptAnyCert;

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn done_text(
    status: &Status,
    code: &Option<async_imap::imap_proto::ResponseCode<'_>>,
    information: &Option<std::borrow::Cow<'_, str>>,
) -> String {
    // Codes imap-proto does not know (OVERQUOTA, LIMIT) stay in `information` as "[CODE] text".
    let status = format!("{status:?}").to_uppercase();
    let code = code
        .as_ref()
        .map(|c| format!("[{c:?}] "))
        .unwrap_or_default();
    format!("{status} {code}{}", information.as_deref().unwrap_or(""))
}

fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

fn attribute_text(attribute: &NameAttribute<'_>) -> String {
    match attribute {
        NameAttribute::NoInferiors => "\\Noinferiors".to_string(),
        NameAttribute::NoSelect => "\\Noselect".to_string(),
        NameAttribute::Marked => "\\Marked".to_string(),
        NameAttribute::Unmarked => "\\Unmarked".to_string(),
        NameAttribute::All => "\\All".to_string(),
        NameAttribute::Archive => "\\Archive".to_string(),
        NameAttribute::Drafts => "\\Drafts".to_string(),
        NameAttribute::Flagged => "\\Flagged".to_string(),
        NameAttribute::Junk => "\\Junk".to_string(),
        NameAttribute::Sent => "\\Sent".to_string(),
        NameAttribute::Trash => "\\Trash".to_string(),
        NameAttribute::Extension(other) => other.to_string(),
        other => format!("{other:?}"),
    }
}

fn flag_text(flag: &Flag<'_>) -> Option<String> {
    Some(match flag {
        Flag::Seen => "\\Seen".to_string(),
        Flag::Answered => "\\Answered".to_string(),
        Flag::Flagged => "\\Flagged".to_string(),
        Flag::Deleted => "\\Deleted".to_string(),
        Flag::Draft => "\\Draft".to_string(),
        Flag::Recent => return None,
        Flag::MayCreate => "\\*".to_string(),
        Flag::Custom(other) => other.to_string(),
    })
}

fn stored_message(fetch: &Fetch) -> StoredMessage {
    let uid = fetch.uid.expect("FETCH response without UID");
    let body = fetch
        .body()
        .expect("FETCH response without BODY[]")
        .to_vec();
    let mut flags: Vec<String> = fetch.flags().filter_map(|f| flag_text(&f)).collect();
    flags.sort();
    StoredMessage {
        uid,
        flags,
        internaldate: fetch
            .internal_date()
            .expect("FETCH response without INTERNALDATE"),
        sha256: hex::encode(Sha256::digest(&body)),
        body,
    }
}

/// First value of header `name` (case-insensitive), unfolded, without parsing MIME words.
pub fn header_value(message: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(message);
    let header_end = text
        .find("\r\n\r\n")
        .or_else(|| text.find("\n\n"))
        .unwrap_or(text.len());
    let mut lines = text[..header_end].lines().peekable();
    while let Some(line) = lines.next() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if key.eq_ignore_ascii_case(name) {
            let mut value = value.trim().to_string();
            while let Some(next) = lines.next_if(|l| l.starts_with([' ', '\t'])) {
                value.push(' ');
                value.push_str(next.trim());
            }
            return Some(value);
        }
    }
    None
}

/// One message as compared between source and destination.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DigestEntry {
    pub sha256: String,
    pub flags: Vec<String>,
    /// INTERNALDATE as a UTC Unix timestamp; Dovecot does not keep the original offset.
    pub internaldate_utc: i64,
}

/// A folder's messages as a sorted multiset: equal digests mean the same messages, bytes,
/// flags and dates, regardless of UIDs and order.
pub fn mailbox_digest(messages: &[StoredMessage]) -> Vec<DigestEntry> {
    let mut digest: Vec<DigestEntry> = messages.iter().map(digest_entry).collect();
    digest.sort();
    digest
}

fn digest_entry(message: &StoredMessage) -> DigestEntry {
    let mut flags = message.flags.clone();
    flags.sort();
    DigestEntry {
        sha256: message.sha256.clone(),
        flags,
        internaldate_utc: message.internaldate.timestamp(),
    }
}

/// Panics, listing what is missing and what is extra, unless `dst` holds exactly the
/// messages of `src` (same bytes, flags and INTERNALDATE instant, duplicates counted).
pub fn assert_same_messages(src: &[StoredMessage], dst: &[StoredMessage]) {
    let report = diff_messages(src, dst);
    assert!(
        report.is_empty(),
        "source ({} messages) and destination ({} messages) differ:\n{report}",
        src.len(),
        dst.len()
    );
}

/// The readable difference `assert_same_messages` panics with; empty when they match.
pub fn diff_messages(src: &[StoredMessage], dst: &[StoredMessage]) -> String {
    let mut balance: BTreeMap<DigestEntry, (i64, &StoredMessage)> = BTreeMap::new();
    for message in src {
        balance
            .entry(digest_entry(message))
            .or_insert((0, message))
            .0 += 1;
    }
    for message in dst {
        balance
            .entry(digest_entry(message))
            .or_insert((0, message))
            .0 -= 1;
    }
    let mut report = String::new();
    for (digest, (count, example)) in &balance {
        let (what, n) = match count {
            0 => continue,
            n if *n > 0 => ("missing from destination", *n),
            n => ("extra in destination", -*n),
        };
        let date = DateTime::from_timestamp(digest.internaldate_utc, 0)
            .map(|d| d.to_rfc3339())
            .unwrap_or_default();
        report.push_str(&format!(
            "  {what} x{n}: sha256 {}… flags {:?} internaldate {date} subject {:?}\n",
            &digest.sha256[..12],
            digest.flags,
            example.subject(),
        ));
    }
    report
}
