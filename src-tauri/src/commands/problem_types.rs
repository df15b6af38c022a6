//! The window's own types for a problem: its kind, the engine's message and neutral hint, and
//! the structured facts `ui/src/problemWords.ts` words its sentences from. The JSON is the
//! engine's own serialisation of a problem, field for field (a test below proves it), since
//! the window's wording tests are written against that shape.

use mailferry::error as engine;
use serde::Serialize;

use super::sign_in_types::SignInRef;

/// The families of problems a user can act on differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The server did not accept the user name or password.
    Authentication,
    /// The server's certificate could not be trusted.
    Certificate,
    /// The server could not be reached, or the connection broke.
    Network,
    /// The destination mailbox is full.
    Quota,
    /// A message is larger than the destination accepts.
    TooLarge,
    /// The server asked us to slow down.
    Throttled,
    /// The server refused an operation for a reason of its own.
    ServerRefused,
    /// The server said something that breaks the IMAP protocol.
    Protocol,
    /// What the user gave us cannot be used (bad URL, missing password, unreadable file).
    Input,
    /// Local storage (the state database, the keyring) failed.
    Local,
    /// A fault in Mailferry itself: the work it stopped is reported failed, never done.
    Internal,
    /// Another Mailferry window or command is copying the same mailbox right now.
    Busy,
}

impl From<engine::ErrorKind> for ErrorKind {
    fn from(kind: engine::ErrorKind) -> Self {
        use engine::ErrorKind as E;
        match kind {
            E::Authentication => ErrorKind::Authentication,
            E::Certificate => ErrorKind::Certificate,
            E::Network => ErrorKind::Network,
            E::Quota => ErrorKind::Quota,
            E::TooLarge => ErrorKind::TooLarge,
            E::Throttled => ErrorKind::Throttled,
            E::ServerRefused => ErrorKind::ServerRefused,
            E::Protocol => ErrorKind::Protocol,
            E::Input => ErrorKind::Input,
            E::Local => ErrorKind::Local,
            E::Internal => ErrorKind::Internal,
            E::Busy => ErrorKind::Busy,
        }
    }
}

/// A problem as shown to the user: the kind, the technical message, and a fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Problem {
    pub kind: ErrorKind,
    /// One line a non-technical person can read.
    pub message: String,
    /// What to do about it, in words that suit every front end (no option names).
    pub hint: String,
    /// What is known about it, so each front end can word it for its own user.
    /// Boxed: problems travel inside `Result`s, which stay small that way.
    #[serde(default)]
    pub facts: Box<Facts>,
}

impl From<engine::Problem> for Problem {
    fn from(p: engine::Problem) -> Self {
        let engine::Problem {
            kind,
            message,
            hint,
            facts,
        } = p;
        Problem {
            kind: kind.into(),
            message,
            hint,
            facts: Box::new((*facts).into()),
        }
    }
}

/// The structured facts behind a problem. Every field is optional: a layer fills in what it
/// knows, and a layer above may add what only it knows (which side a connection was for).
/// Stored with reports, so fields are only ever added, each with a default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(default)]
pub struct Facts {
    /// The old server (where mail is copied from) or the new one.
    pub side: Option<Side>,
    pub host: Option<String>,
    pub port: Option<u16>,
    /// How Mailferry signed in when the server refused it.
    pub auth_method: Option<AuthMethod>,
    /// What went wrong on the network.
    pub network: Option<NetworkFailure>,
    /// The certificate that could not be trusted.
    pub certificate: Option<CertificateFacts>,
    /// The port speaks another kind of encryption than the one chosen.
    pub security_mismatch: Option<SecurityMismatch>,
    /// How long the server asked us to wait.
    pub retry_after_secs: Option<u64>,
    /// The stored sign-in concerned (whose sign-in expired, is missing or was refused).
    pub sign_in: Option<SignInRef>,
    /// The DNS server a domain check asked: its address, or [`SYSTEM_DNS`] for the
    /// computer's own.
    pub dns_server: Option<String>,
}

impl From<engine::Facts> for Facts {
    fn from(f: engine::Facts) -> Self {
        let engine::Facts {
            side,
            host,
            port,
            auth_method,
            network,
            certificate,
            security_mismatch,
            retry_after_secs,
            sign_in,
            dns_server,
        } = f;
        Facts {
            side: side.map(Into::into),
            host,
            port,
            auth_method: auth_method.map(Into::into),
            network: network.map(Into::into),
            certificate: certificate.map(Into::into),
            security_mismatch: security_mismatch.map(Into::into),
            retry_after_secs,
            sign_in: sign_in.map(Into::into),
            dns_server,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The server mail is copied from.
    Source,
    /// The server mail is copied to.
    Destination,
}

impl From<engine::Side> for Side {
    fn from(side: engine::Side) -> Self {
        match side {
            engine::Side::Source => Side::Source,
            engine::Side::Destination => Side::Destination,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    Password,
    AppPassword,
    /// An administrator's name and password opening each user's mailbox.
    AdminLogin,
    /// A sign-in kept by Mailferry (refresh token), renewed as needed.
    StoredSignIn,
    /// An access token handed to Mailferry as it is.
    Token,
}

impl From<engine::AuthMethod> for AuthMethod {
    fn from(method: engine::AuthMethod) -> Self {
        use engine::AuthMethod as E;
        match method {
            E::Password => AuthMethod::Password,
            E::AppPassword => AuthMethod::AppPassword,
            E::AdminLogin => AuthMethod::AdminLogin,
            E::StoredSignIn => AuthMethod::StoredSignIn,
            E::Token => AuthMethod::Token,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum NetworkFailure {
    /// The host name does not resolve.
    UnknownHost,
    /// Nothing listens on that port.
    Refused,
    /// The server did not answer in time.
    Timeout,
    /// The connection broke.
    Broken,
    /// The server does not offer STARTTLS.
    NoStarttls,
}

impl From<engine::NetworkFailure> for NetworkFailure {
    fn from(failure: engine::NetworkFailure) -> Self {
        use engine::NetworkFailure as E;
        match failure {
            E::UnknownHost => NetworkFailure::UnknownHost,
            E::Refused => NetworkFailure::Refused,
            E::Timeout => NetworkFailure::Timeout,
            E::Broken => NetworkFailure::Broken,
            E::NoStarttls => NetworkFailure::NoStarttls,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CertificateFacts {
    /// Why it was not trusted, in a few words ("issued by an unknown authority", "expired").
    pub reason: String,
    pub subject: Option<String>,
    pub issuer: Option<String>,
    /// RFC 3339.
    pub not_before: Option<String>,
    /// RFC 3339.
    pub not_after: Option<String>,
    /// SHA-256 of the certificate (DER), as Mailferry's pins are written.
    pub fingerprint_sha256: String,
}

impl From<engine::CertificateFacts> for CertificateFacts {
    fn from(c: engine::CertificateFacts) -> Self {
        let engine::CertificateFacts {
            reason,
            subject,
            issuer,
            not_before,
            not_after,
            fingerprint_sha256,
        } = c;
        CertificateFacts {
            reason,
            subject,
            issuer,
            not_before,
            not_after,
            fingerprint_sha256,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SecurityMismatch {
    /// STARTTLS was chosen, but the port starts with TLS at once.
    PortExpectsTls,
    /// TLS was chosen, but the port starts in plain text (STARTTLS or none).
    PortExpectsStarttls,
}

impl From<engine::SecurityMismatch> for SecurityMismatch {
    fn from(mismatch: engine::SecurityMismatch) -> Self {
        use engine::SecurityMismatch as E;
        match mismatch {
            E::PortExpectsTls => SecurityMismatch::PortExpectsTls,
            E::PortExpectsStarttls => SecurityMismatch::PortExpectsStarttls,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailferry::oauth::{ProviderKind, SignInRef};

    /// A problem with every fact filled in.
    fn full_problem() -> engine::Problem {
        engine::Problem {
            kind: engine::ErrorKind::Certificate,
            message: "the certificate of mail.contoso.com is not trusted".into(),
            hint: "Check the certificate with the server's owner.".into(),
            facts: Box::new(engine::Facts {
                side: Some(engine::Side::Destination),
                host: Some("mail.contoso.com".into()),
                port: Some(993),
                auth_method: Some(engine::AuthMethod::StoredSignIn),
                network: Some(engine::NetworkFailure::NoStarttls),
                certificate: Some(engine::CertificateFacts {
                    reason: "issued by an unknown authority".into(),
                    subject: Some("CN=mail.contoso.com".into()),
                    issuer: Some("CN=Contoso CA".into()),
                    not_before: Some("2026-01-01T00:00:00Z".into()),
                    not_after: Some("2027-01-01T00:00:00Z".into()),
                    fingerprint_sha256: "AB:CD".into(),
                }),
                security_mismatch: Some(engine::SecurityMismatch::PortExpectsStarttls),
                retry_after_secs: Some(120),
                sign_in: Some(SignInRef::app(ProviderKind::Microsoft, "contoso.com")),
                dns_server: Some(engine::SYSTEM_DNS.into()),
            }),
        }
    }

    #[test]
    fn the_window_gets_a_problem_as_the_engine_writes_it() {
        let engine_problem = full_problem();
        let engine_json = serde_json::to_value(&engine_problem).expect("engine JSON");
        let window_json = serde_json::to_value(Problem::from(engine_problem)).expect("window JSON");
        assert_eq!(window_json, engine_json);
        // Every fact reached the window: none was left out as null.
        let facts = window_json["facts"].as_object().expect("facts");
        assert!(facts.values().all(|v| !v.is_null()), "{facts:?}");
    }

    #[test]
    fn every_kind_and_fact_value_keeps_its_name() {
        use engine::{AuthMethod as A, ErrorKind as K, NetworkFailure as N, SecurityMismatch as M};
        let same = |engine: serde_json::Value, window: serde_json::Value| {
            assert_eq!(window, engine);
        };
        for kind in [
            K::Authentication,
            K::Certificate,
            K::Network,
            K::Quota,
            K::TooLarge,
            K::Throttled,
            K::ServerRefused,
            K::Protocol,
            K::Input,
            K::Local,
            K::Internal,
            K::Busy,
        ] {
            same(json(kind), json(ErrorKind::from(kind)));
        }
        for method in [
            A::Password,
            A::AppPassword,
            A::AdminLogin,
            A::StoredSignIn,
            A::Token,
        ] {
            same(json(method), json(AuthMethod::from(method)));
        }
        for failure in [
            N::UnknownHost,
            N::Refused,
            N::Timeout,
            N::Broken,
            N::NoStarttls,
        ] {
            same(json(failure), json(NetworkFailure::from(failure)));
        }
        for mismatch in [M::PortExpectsTls, M::PortExpectsStarttls] {
            same(json(mismatch), json(SecurityMismatch::from(mismatch)));
        }
        for side in [engine::Side::Source, engine::Side::Destination] {
            same(json(side), json(Side::from(side)));
        }
    }

    fn json(value: impl Serialize) -> serde_json::Value {
        serde_json::to_value(value).expect("JSON")
    }
}
