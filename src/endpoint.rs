//! Where a mailbox lives: `imaps://user@host:port` or `imap://user@host:port`.

use percent_encoding::percent_decode_str;
use thiserror::Error;

use crate::error::{Classify, ErrorKind};

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// TLS from the first byte (`imaps://`, port 993).
    Tls,
    /// Plain connection upgraded with STARTTLS, which must be offered (`imap://`).
    StartTls,
    /// No encryption at all (`imap://...?tls=none`).
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// The login name, percent-decoded. Empty when the URL names only a server.
    pub user: String,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum EndpointError {
    #[error("'{0}' is not a server address Mailferry understands")]
    Malformed(String),
    #[error("'{0}' must start with imaps:// or imap://")]
    Scheme(String),
    #[error("'{0}' names no server")]
    NoHost(String),
    #[error("the address must not contain a password; Mailferry takes passwords from the keyring, an environment variable or a prompt")]
    PasswordInUrl,
    #[error("unknown option '{0}' in the server address")]
    UnknownOption(String),
    #[error("'{0}' names no user; write it as imaps://USER@HOST")]
    NoUser(String),
}

impl Classify for EndpointError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Input
    }
    fn hint(&self) -> String {
        "Write the server as imaps://user@imap.example.com:993 (user names with @ are written %40)."
            .into()
    }
}

impl Endpoint {
    pub fn parse(text: &str) -> Result<Endpoint, EndpointError> {
        let url = url::Url::parse(text).map_err(|_| EndpointError::Malformed(text.into()))?;
        let (default_port, mut security) = match url.scheme() {
            "imaps" => (993, Security::Tls),
            "imap" => (143, Security::StartTls),
            _ => return Err(EndpointError::Scheme(text.into())),
        };
        if url.password().is_some() {
            return Err(EndpointError::PasswordInUrl);
        }
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("tls", "none") if security == Security::StartTls => security = Security::None,
                ("tls", "starttls") if security == Security::StartTls => {}
                _ => return Err(EndpointError::UnknownOption(format!("{key}={value}"))),
            }
        }
        let host = match url.host() {
            Some(url::Host::Ipv6(addr)) => addr.to_string(),
            Some(host) => host.to_string(),
            None => return Err(EndpointError::NoHost(text.into())),
        };
        if host.is_empty() {
            return Err(EndpointError::NoHost(text.into()));
        }
        let user = percent_decode_str(url.username())
            .decode_utf8()
            .map_err(|_| EndpointError::Malformed(text.into()))?
            .into_owned();
        Ok(Endpoint {
            host,
            port: url.port().unwrap_or(default_port),
            security,
            user,
        })
    }

    /// Like [`Endpoint::parse`], but the URL must name a user.
    pub fn parse_with_user(text: &str) -> Result<Endpoint, EndpointError> {
        let endpoint = Endpoint::parse(text)?;
        if endpoint.user.is_empty() {
            return Err(EndpointError::NoUser(text.into()));
        }
        Ok(endpoint)
    }

    /// The same endpoint for another user (batches name the server once, users per row).
    pub fn for_user(&self, user: &str) -> Endpoint {
        Endpoint {
            user: user.to_string(),
            ..self.clone()
        }
    }

    /// A stable text form, used as the key in the state database and the keyring
    /// and shown to the user. Never contains a secret.
    pub fn display_url(&self) -> String {
        let scheme = match self.security {
            Security::Tls => "imaps",
            Security::StartTls | Security::None => "imap",
        };
        let user = percent_encoding::utf8_percent_encode(&self.user, USER_ESCAPES);
        let at = if self.user.is_empty() { "" } else { "@" };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let query = if self.security == Security::None {
            "?tls=none"
        } else {
            ""
        };
        format!("{scheme}://{user}{at}{host}:{}{query}", self.port)
    }
}

/// Characters that cannot stand in the user part of a URL.
const USER_ESCAPES: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'@')
    .add(b':')
    .add(b'/')
    .add(b'?')
    .add(b'#')
    .add(b'%')
    .add(b'[')
    .add(b']');

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display_url())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implicit_tls_defaults_to_993() {
        let e = Endpoint::parse("imaps://alice%40example.com@imap.example.com").unwrap();
        assert_eq!(e.port, 993);
        assert_eq!(e.security, Security::Tls);
        assert_eq!(e.user, "alice@example.com");
        assert_eq!(
            e.display_url(),
            "imaps://alice%40example.com@imap.example.com:993"
        );
    }

    #[test]
    fn starttls_and_plaintext() {
        let e = Endpoint::parse("imap://bob@127.0.0.1:1143").unwrap();
        assert_eq!((e.port, e.security), (1143, Security::StartTls));
        let e = Endpoint::parse("imap://bob@127.0.0.1:1143?tls=none").unwrap();
        assert_eq!(e.security, Security::None);
        assert_eq!(e.display_url(), "imap://bob@127.0.0.1:1143?tls=none");
    }

    #[test]
    fn admin_formats_pass_through() {
        let e = Endpoint::parse("imaps://alice*admin@h").unwrap();
        assert_eq!(e.user, "alice*admin");
        let e = Endpoint::parse("imaps://%23alice%40x.com%23admin%23@h").unwrap();
        assert_eq!(e.user, "#alice@x.com#admin#");
        let e = Endpoint::parse("imaps://contoso%2Fadmin%2Falice@h").unwrap();
        assert_eq!(e.user, "contoso/admin/alice");
        assert_eq!(Endpoint::parse(&e.display_url()).unwrap(), e);
    }

    #[test]
    fn rejects_what_it_cannot_use() {
        assert_eq!(
            Endpoint::parse("imaps://a:secret@h"),
            Err(EndpointError::PasswordInUrl)
        );
        assert!(matches!(
            Endpoint::parse("pop3://a@h"),
            Err(EndpointError::Scheme(_))
        ));
        assert!(matches!(
            Endpoint::parse("imaps://a@h?tls=none"),
            Err(EndpointError::UnknownOption(_))
        ));
        assert!(matches!(
            Endpoint::parse("nonsense"),
            Err(EndpointError::Malformed(_))
        ));
        assert!(matches!(
            Endpoint::parse_with_user("imaps://h:993"),
            Err(EndpointError::NoUser(_))
        ));
    }

    #[test]
    fn ipv6_hosts() {
        let e = Endpoint::parse("imaps://a@[::1]:1993").unwrap();
        assert_eq!(e.host, "::1");
        assert_eq!(e.display_url(), "imaps://a@[::1]:1993");
    }
}
