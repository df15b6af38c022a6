//! The redirect listener of an interactive sign-in (RFC 8252 §7.3): the browser comes back
//! to `http://127.0.0.1:<random port>/?code=..&state=..` and gets a short page to close.
//!
//! A few lines of HTTP/1.1 by hand: one GET request line to read and one small answer to
//! write; an HTTP server crate would bring its router and runtime glue for that.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::error::OAuthError;
use super::provider::ProviderKind;

/// Requests larger than this are not a redirect from a sign-in page.
const MAX_REQUEST: usize = 16 * 1024;

pub struct Loopback {
    listener: TcpListener,
    port: u16,
}

/// What the browser brought back.
pub enum Answer {
    Code(String),
}

impl Loopback {
    /// Listens on 127.0.0.1 on a port the system picks.
    pub async fn bind() -> Result<Loopback, OAuthError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| OAuthError::Loopback(e.to_string()))?;
        let port = listener
            .local_addr()
            .map_err(|e| OAuthError::Loopback(e.to_string()))?
            .port();
        Ok(Loopback { listener, port })
    }

    /// The `redirect_uri` to send. Both providers accept any port on a loopback address, but
    /// Entra ID matches the host as registered, and its app registration page offers
    /// `http://localhost` (what MSAL uses), not `http://127.0.0.1`; Google's desktop clients
    /// take the IP literal RFC 8252 recommends. Browsers reach this 127.0.0.1 listener for
    /// `localhost` too, trying IPv4 when IPv6 `::1` refuses.
    pub fn redirect_uri(&self, kind: ProviderKind) -> String {
        let host = match kind {
            ProviderKind::Microsoft => "localhost",
            ProviderKind::Google => "127.0.0.1",
        };
        format!("http://{host}:{}/", self.port)
    }

    /// Waits for the browser's redirect carrying `state`. Other requests (a favicon, a
    /// browser's pre-connect) are answered 404 and waiting goes on.
    pub async fn wait(self, state: &str, limit: Duration) -> Result<Answer, OAuthError> {
        let minutes = limit.as_secs().div_ceil(60);
        tokio::time::timeout(limit, self.serve(state))
            .await
            .map_err(|_| OAuthError::BrowserTimeout { minutes })?
    }

    async fn serve(self, expected_state: &str) -> Result<Answer, OAuthError> {
        loop {
            let (mut stream, _) = self
                .listener
                .accept()
                .await
                .map_err(|e| OAuthError::Loopback(e.to_string()))?;
            let Some(target) = read_target(&mut stream).await else {
                continue;
            };
            let Ok(url) = url::Url::parse(&format!("http://127.0.0.1{target}")) else {
                respond(&mut stream, 400, "This is not a sign-in answer.").await;
                continue;
            };
            let param = |name: &str| {
                url.query_pairs()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.into_owned())
            };
            let (code, error) = (param("code"), param("error"));
            if url.path() != "/" || (code.is_none() && error.is_none()) {
                respond(&mut stream, 404, "Not found.").await;
                continue;
            }
            if param("state").as_deref() != Some(expected_state) {
                respond(&mut stream, 400, "This answer does not belong to the sign-in Mailferry started. Close this window and sign in again.").await;
                return Err(OAuthError::StateMismatch);
            }
            if let Some(error) = error {
                let description = param("error_description").unwrap_or_default();
                let first = description.lines().next().unwrap_or("").to_string();
                respond(&mut stream, 200, "The sign-in did not complete. You can close this window; Mailferry says what to do next.").await;
                return Err(OAuthError::Declined {
                    description: if first.is_empty() {
                        error
                    } else {
                        format!("{error}: {first}")
                    },
                });
            }
            respond(
                &mut stream,
                200,
                "Signed in. You can close this window and return to Mailferry.",
            )
            .await;
            return Ok(Answer::Code(code.unwrap_or_default()));
        }
    }
}

/// The request target of a `GET` request, or `None` for anything else.
async fn read_target(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    let read = async {
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < MAX_REQUEST {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        Some(())
    };
    // A browser's speculative connection may never send anything.
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .ok()??;
    let line = buf.split(|b| *b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?.trim_end();
    let mut parts = line.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) if target.starts_with('/') => Some(target.to_string()),
        _ => None,
    }
}

async fn respond(stream: &mut TcpStream, status: u16, text: &str) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Not Found",
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Mailferry</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>Mailferry</h1><p>{text}</p>\
         <p>You can close this window.</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
