//! Telling, within seconds, that a port speaks another kind of encryption than the one chosen.
//!
//! An IMAP server greets first in plain text (`* OK`), and a TLS port waits silently for the
//! client's hello. So STARTTLS on a TLS port looks like a server that never greets (the wait
//! would run into the timeout and blame the network), and SSL/TLS on a plain port fails the
//! handshake on the greeting's bytes. Both are confirmed on a fresh connection before the
//! owner is told to change the setting: a slow server must not be called misconfigured.

use std::time::Duration;

use tokio::io::AsyncReadExt;

use super::connection::connect_tcp;
use crate::tls::Trust;

/// How long a plain-text server may stay silent before the port is checked for TLS; the
/// greeting comes at once from any working server, and the wait goes on afterwards if the
/// port does not speak TLS either.
pub const GREETING_PATIENCE: Duration = Duration::from_secs(3);
/// The longest a check on the fresh connection takes.
const PROBE_LIMIT: Duration = Duration::from_secs(3);
/// Enough bytes to recognise a greeting.
const GREETING_PREFIX: usize = 64;

/// Whether a handshake failure means the server answered in TLS (so the port speaks it, even
/// if the handshake failed for another reason such as the certificate). Bytes that are no TLS
/// record at all, such as an IMAP greeting, are `InvalidMessage`.
pub fn answered_in_tls(error: &rustls::Error) -> bool {
    !matches!(error, rustls::Error::InvalidMessage(_))
}

/// Whether the first bytes of a connection are an IMAP greeting (RFC 9051 7.1).
pub fn looks_like_imap_greeting(first_bytes: &[u8]) -> bool {
    let upper = first_bytes.to_ascii_uppercase();
    [&b"* OK"[..], b"* PREAUTH", b"* BYE"]
        .iter()
        .any(|start| upper.starts_with(start))
}

/// Opens a fresh connection and tries a TLS handshake: true when the server answers in TLS.
pub async fn port_speaks_tls(host: &str, port: u16, trust: &Trust) -> bool {
    let Ok(tcp) = connect_tcp(host, port, PROBE_LIMIT).await else {
        return false;
    };
    let Ok(name) = rustls::pki_types::ServerName::try_from(host.to_string()) else {
        return false;
    };
    match tokio::time::timeout(PROBE_LIMIT, trust.connector().connect(name, tcp)).await {
        Ok(Ok(_)) => true,
        Ok(Err(e)) => e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .is_some_and(answered_in_tls),
        Err(_) => false,
    }
}

/// Opens a fresh connection and reads its first bytes: true when they are an IMAP greeting.
pub async fn port_greets_in_plain_text(host: &str, port: u16) -> bool {
    let Ok(mut tcp) = connect_tcp(host, port, PROBE_LIMIT).await else {
        return false;
    };
    let mut first = [0u8; GREETING_PREFIX];
    let mut filled = 0;
    // Silence or a short answer within the limit is simply not a greeting.
    let _ = tokio::time::timeout(PROBE_LIMIT, async {
        // A greeting may arrive in pieces; "* PREAUTH" is the longest start recognised.
        while filled < b"* PREAUTH".len() {
            match tcp.read(&mut first[filled..]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => filled += n,
            }
        }
    })
    .await;
    looks_like_imap_greeting(&first[..filled])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_are_recognised_and_tls_records_are_not() {
        assert!(looks_like_imap_greeting(
            b"* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n"
        ));
        assert!(looks_like_imap_greeting(b"* ok hello"));
        assert!(looks_like_imap_greeting(b"* PREAUTH logged in"));
        assert!(looks_like_imap_greeting(b"* BYE too many connections"));
        // A TLS alert or handshake record starts with its content type (0x15, 0x16).
        assert!(!looks_like_imap_greeting(b"\x15\x03\x03\x00\x02\x02\x46"));
        assert!(!looks_like_imap_greeting(b"\x16\x03\x03\x00\x7a"));
        assert!(!looks_like_imap_greeting(b"220 smtp.example.com ESMTP"));
        assert!(!looks_like_imap_greeting(b""));
    }

    #[test]
    fn a_certificate_refusal_is_still_an_answer_in_tls() {
        assert!(answered_in_tls(&rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer
        )));
        assert!(answered_in_tls(&rustls::Error::AlertReceived(
            rustls::AlertDescription::HandshakeFailure
        )));
        assert!(!answered_in_tls(&rustls::Error::InvalidMessage(
            rustls::InvalidMessage::InvalidContentType
        )));
    }
}
