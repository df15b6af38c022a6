//! Which servers we trust: the platform's roots, an extra CA file, or one pinned certificate.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::error::{Classify, ErrorKind};

mod certificate;
pub use certificate::{certificate_facts, short_certificate_reason};

/// What the user told us to trust beyond the platform's certificate store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustOptions {
    /// `--ca-file`: PEM certificates to trust as roots.
    pub ca_file: Option<PathBuf>,
    /// `--pin-cert`: the SHA-256 of one server certificate that is trusted as is.
    pub pinned_sha256: Option<[u8; 32]>,
    /// Certificates trusted as they are, each for one server name only (trusted from the
    /// window after the owner checked it).
    pub host_pins: Vec<(String, [u8; 32])>,
}

#[derive(Debug, Error)]
pub enum TrustError {
    #[error("cannot read the CA file {path}: {source}")]
    CaFileUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the CA file {path} is not a readable PEM file ({detail})")]
    CaFileMalformed { path: PathBuf, detail: String },
    #[error("the CA file {0} contains no certificate")]
    CaFileEmpty(PathBuf),
    #[error("'{0}' is not a SHA-256 fingerprint (64 hexadecimal digits, colons allowed)")]
    BadPin(String),
    #[error("no trusted certificate authorities are available on this computer")]
    NoRoots,
}

impl Classify for TrustError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Input
    }
    fn hint(&self) -> String {
        match self {
            TrustError::BadPin(_) => {
                "Copy the fingerprint exactly as Mailferry printed it for the certificate.".into()
            }
            TrustError::NoRoots => {
                "Install the system's CA certificates (ca-certificates), or use the CA file of the server's certificate authority.".into()
            }
            _ => "Use a readable CA file in PEM form (a text file with BEGIN CERTIFICATE in it), as the server's administrator gives it.".into(),
        }
    }
}

/// Parses `--pin-cert`: 64 hex digits, optionally with colons and a `sha256:` prefix.
pub fn parse_pin(text: &str) -> Result<[u8; 32], TrustError> {
    let trimmed = text.trim();
    let without_prefix = trimmed
        .strip_prefix("sha256:")
        .or_else(|| trimmed.strip_prefix("SHA256:"))
        .unwrap_or(trimmed);
    let digits: String = without_prefix.chars().filter(|c| *c != ':').collect();
    let bytes = hex::decode(&digits).map_err(|_| TrustError::BadPin(text.into()))?;
    bytes
        .try_into()
        .map_err(|_| TrustError::BadPin(text.into()))
}

/// Shows a fingerprint the way users copy it back into `--pin-cert`.
pub fn format_fingerprint(digest: &[u8]) -> String {
    hex::encode(digest)
}

pub fn certificate_sha256(cert: &[u8]) -> [u8; 32] {
    Sha256::digest(cert).into()
}

/// A ready TLS client configuration, built once and shared by every connection.
#[derive(Clone)]
pub struct Trust {
    config: Arc<rustls::ClientConfig>,
    seen: Arc<SeenCertificates>,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Trust")
    }
}

impl Trust {
    pub fn new(options: &TrustOptions) -> Result<Trust, TrustError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        // Unreadable entries in the platform store are not our user's problem; skip them.
        let native = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(native.certs);
        if let Some(path) = &options.ca_file {
            let extra = read_pem_certificates(path)?;
            roots.add_parsable_certificates(extra);
        }
        let webpki = if roots.is_empty() {
            None
        } else {
            Some(
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|_| TrustError::NoRoots)?,
            )
        };
        if webpki.is_none() && options.pinned_sha256.is_none() && options.host_pins.is_empty() {
            return Err(TrustError::NoRoots);
        }
        let seen = Arc::new(SeenCertificates::default());
        let verifier = Arc::new(Verifier {
            webpki,
            pinned: options.pinned_sha256,
            host_pins: options
                .host_pins
                .iter()
                .map(|(host, digest)| (host.to_ascii_lowercase(), *digest))
                .collect(),
            provider: provider.clone(),
            seen: seen.clone(),
        });
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|_| TrustError::NoRoots)?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Trust {
            config: Arc::new(config),
            seen,
        })
    }

    pub fn connector(&self) -> tokio_rustls::TlsConnector {
        tokio_rustls::TlsConnector::from(self.config.clone())
    }

    /// The fingerprint of the certificate a host last presented, for error messages.
    pub fn presented_fingerprint(&self, host: &str) -> Option<String> {
        self.presented_certificate(host)
            .map(|der| format_fingerprint(&certificate_sha256(&der)))
    }

    /// The certificate (DER) a host last presented, to describe it when it is refused.
    pub fn presented_certificate(&self, host: &str) -> Option<Vec<u8>> {
        self.seen
            .by_host
            .lock()
            .ok()
            .and_then(|map| map.get(host).cloned())
    }
}

/// The certificates of a PEM file; an unreadable file, or one holding none, is an error.
pub fn read_pem_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TrustError> {
    let unreadable = |source| TrustError::CaFileUnreadable {
        path: path.to_owned(),
        source,
    };
    let pem = std::fs::read(path).map_err(unreadable)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TrustError::CaFileMalformed {
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TrustError::CaFileEmpty(path.to_owned()));
    }
    Ok(certs)
}

/// Why a server's certificate was refused, as a clause that follows "the certificate of HOST
/// is not trusted: ". Written for the owner of a small business, not for a TLS expert: what
/// is wrong, in words they can repeat to whoever runs the server. Never Debug text.
pub fn describe_certificate_error(error: &rustls::CertificateError) -> String {
    use rustls::CertificateError as E;
    #[allow(deprecated)] // rustls still reports the older variants in some paths
    match error {
        E::UnknownIssuer => "it was issued by an authority this computer does not know (a self-made certificate, or one from a private certificate authority)".into(),
        E::Expired => "it has expired (it is out of date and no longer valid)".into(),
        E::ExpiredContext { not_after, .. } => {
            format!("it expired on {} (it is out of date and no longer valid)", day(*not_after))
        }
        E::NotValidYet => {
            "it is not valid yet (check that this computer's date and time are right)".into()
        }
        E::NotValidYetContext { not_before, .. } => format!(
            "it is only valid from {} (check that this computer's date and time are right)",
            day(*not_before)
        ),
        E::NotValidForName => "it was issued for a different server name than the one you typed".into(),
        E::NotValidForNameContext { presented, .. } => {
            let names: Vec<&str> = presented.iter().take(5).map(String::as_str).collect();
            if names.is_empty() {
                "it was issued for a different server name than the one you typed".into()
            } else {
                format!(
                    "it was issued for a different server name than the one you typed (it names {})",
                    crate::display::escape_controls(&names.join(", "))
                )
            }
        }
        E::Revoked => "its issuer has revoked it (withdrawn it, usually because it was compromised)".into(),
        E::UnknownRevocationStatus | E::ExpiredRevocationList | E::ExpiredRevocationListContext { .. } => {
            "whether it has been withdrawn (revoked) could not be checked".into()
        }
        E::BadSignature => "its signature does not match, so it may have been forged or altered on the way".into(),
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext { .. }
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "it is signed with an old or unusual method that is no longer considered safe".into()
        }
        E::BadEncoding | E::UnhandledCriticalExtension => {
            "it is damaged or uses features this computer cannot check".into()
        }
        E::InvalidPurpose | E::InvalidPurposeContext { .. } => {
            "it is not meant for identifying a server (it was issued for another purpose)".into()
        }
        E::InvalidOcspResponse => {
            "the server sent an invalid statement about whether it has been withdrawn".into()
        }
        E::ApplicationVerificationFailure => "it is not the certificate that was trusted for this server".into(),
        E::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
            Some(webpki) => describe_webpki_error(webpki),
            None => "it could not be verified".into(),
        },
        _ => "it could not be verified".into(),
    }
}

/// The checks rustls passes on from webpki without a variant of its own.
fn describe_webpki_error(error: &webpki::Error) -> String {
    use webpki::Error as W;
    match error {
        W::CaUsedAsEndEntity => "this server presents a self-made certificate (it is marked as a certificate authority, the kind that signs other certificates, not one that identifies a server), which this computer does not trust".into(),
        W::EndEntityUsedAsCa => "it was signed by a certificate that is not allowed to sign others".into(),
        W::CertDistrusted => "it comes from an authority that is no longer trusted".into(),
        W::InvalidCertValidity => "its dates of validity are impossible (it ends before it begins)".into(),
        W::MaximumPathDepthExceeded
        | W::MaximumPathBuildCallsExceeded
        | W::MaximumSignatureChecksExceeded
        | W::MaximumNameConstraintComparisonsExceeded => {
            "its chain of issuers is too long or too complicated to check".into()
        }
        W::NameConstraintViolation | W::PathLenConstraintViolated => {
            "its issuer was not allowed to issue it".into()
        }
        W::UnsupportedCertVersion | W::UnsupportedCriticalExtension | W::UnsupportedNameType => {
            "it uses features this computer cannot check".into()
        }
        W::BadDer | W::BadDerTime | W::TrailingData(_) | W::MalformedExtensions | W::ExtensionValueInvalid | W::InvalidSerialNumber | W::MalformedDnsIdentifier => {
            "it is damaged (it is not a well-formed certificate)".into()
        }
        _ => "it could not be verified".into(),
    }
}

fn day(time: UnixTime) -> String {
    i64::try_from(time.as_secs())
        .ok()
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .map(|d| d.format("%-d %B %Y").to_string())
        .unwrap_or_else(|| "a date out of range".into())
}

/// A certificate trusted for one server is trusted for that server name only: a pinned
/// certificate whose key leaked must not vouch for another server of the batch.
fn pinned_for_host(pins: &[(String, [u8; 32])], host: &str, digest: &[u8; 32]) -> bool {
    pins.iter()
        .any(|(pinned_host, pinned)| pinned == digest && pinned_host.eq_ignore_ascii_case(host))
}

#[derive(Default, Debug)]
struct SeenCertificates {
    /// The last end-entity certificate (DER) each host presented; rustls bounds its size.
    by_host: Mutex<HashMap<String, Vec<u8>>>,
}

/// The platform's verification, plus an exact-match pin, remembering what each host presented
/// so a certificate error can tell the user which fingerprint to check and pin.
#[derive(Debug)]
struct Verifier {
    webpki: Option<Arc<WebPkiServerVerifier>>,
    pinned: Option<[u8; 32]>,
    /// (lower-case server name, certificate SHA-256).
    host_pins: Vec<(String, [u8; 32])>,
    provider: Arc<CryptoProvider>,
    seen: Arc<SeenCertificates>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let digest = certificate_sha256(end_entity.as_ref());
        let name = server_name.to_str();
        if let Ok(mut map) = self.seen.by_host.lock() {
            map.insert(name.clone().into_owned(), end_entity.as_ref().to_vec());
        }
        if self.pinned == Some(digest) || pinned_for_host(&self.host_pins, &name, &digest) {
            return Ok(ServerCertVerified::assertion());
        }
        match &self.webpki {
            Some(webpki) => webpki.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
            None => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_accept_common_spellings() {
        let hex64 = "ab".repeat(32);
        let expected = [0xab_u8; 32];
        assert_eq!(parse_pin(&hex64).unwrap(), expected);
        assert_eq!(parse_pin(&format!("sha256:{hex64}")).unwrap(), expected);
        let colons: Vec<String> = (0..32).map(|_| "AB".to_string()).collect();
        assert_eq!(parse_pin(&colons.join(":")).unwrap(), expected);
        assert!(parse_pin("abcd").is_err());
        assert!(parse_pin(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn a_certificate_trusted_for_one_server_vouches_for_that_server_only() {
        let pins = vec![("mail.example.com".to_string(), [7u8; 32])];
        assert!(pinned_for_host(&pins, "mail.example.com", &[7u8; 32]));
        assert!(pinned_for_host(&pins, "MAIL.example.COM", &[7u8; 32]));
        assert!(!pinned_for_host(&pins, "other.example.com", &[7u8; 32]));
        assert!(!pinned_for_host(&pins, "mail.example.com", &[8u8; 32]));
    }

    #[test]
    fn missing_ca_file_is_an_input_error() {
        let err = Trust::new(&TrustOptions {
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..TrustOptions::default()
        })
        .unwrap_err();
        assert!(matches!(err, TrustError::CaFileUnreadable { .. }));
        assert_eq!(err.kind(), ErrorKind::Input);
    }

    fn sentence(error: rustls::CertificateError) -> String {
        let text = describe_certificate_error(&error);
        assert!(!text.is_empty());
        // Plain words: no Debug output, no type names, one line.
        for leak in ["{", "(Other", "Error", "Context", "\n", "::"] {
            assert!(!text.contains(leak), "{text:?} shows {leak:?}");
        }
        text
    }

    #[test]
    fn every_certificate_problem_reads_as_a_sentence() {
        use rustls::CertificateError as E;
        let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_700_000_000));
        assert!(sentence(E::UnknownIssuer).contains("authority this computer does not know"));
        assert!(sentence(E::Expired).contains("expired"));
        assert_eq!(
            sentence(E::ExpiredContext {
                time: at,
                not_after: at
            }),
            "it expired on 14 November 2023 (it is out of date and no longer valid)"
        );
        assert!(sentence(E::NotValidYetContext {
            time: at,
            not_before: at
        })
        .contains("date and time"));
        let wrong_name = describe_certificate_error(&E::NotValidForNameContext {
            expected: ServerName::try_from("mail.example.com").unwrap(),
            presented: vec!["DNS name: other.example.com\u{1b}[2J".into()],
        });
        assert!(wrong_name.contains("different server name"));
        // The names come from the server's certificate: shown, but never as raw escapes.
        assert!(
            wrong_name.ends_with("(it names DNS name: other.example.com\\u{1b}[2J)"),
            "{wrong_name:?}"
        );
        assert!(sentence(E::Revoked).contains("revoked"));
        assert!(sentence(E::BadSignature).contains("signature"));
        assert!(sentence(E::UnsupportedSignatureAlgorithmContext {
            signature_algorithm_id: vec![1, 2],
            supported_algorithms: Vec::new(),
        })
        .contains("no longer considered safe"));
        assert!(sentence(E::InvalidPurpose).contains("not meant for identifying a server"));
        assert!(sentence(E::BadEncoding).contains("damaged"));
        for other in [
            webpki::Error::CaUsedAsEndEntity,
            webpki::Error::EndEntityUsedAsCa,
            webpki::Error::PathLenConstraintViolated,
            webpki::Error::BadDer,
            webpki::Error::MaximumPathDepthExceeded,
        ] {
            sentence(E::Other(rustls::OtherError(Arc::new(other))));
        }
        sentence(E::Other(rustls::OtherError(Arc::new(
            std::io::Error::other("something else"),
        ))));
    }

    /// What `openssl req -x509` makes by default: a self-signed certificate that is also a
    /// certificate authority (basicConstraints CA:TRUE), refused by the real verifier.
    #[test]
    fn a_self_made_authority_used_as_a_server_certificate_is_explained() {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let der = CertificateDer::from(cert.der().to_vec());
        let mut roots = RootCertStore::empty();
        roots.add(der.clone()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .unwrap();
        let error = verifier
            .verify_server_cert(
                &der,
                &[],
                &ServerName::try_from("localhost").unwrap(),
                &[],
                UnixTime::now(),
            )
            .unwrap_err();
        let rustls::Error::InvalidCertificate(reason) = error else {
            panic!("not a certificate error: {error:?}");
        };
        let text = sentence(reason);
        assert!(
            text.contains("self-made certificate") && text.contains("certificate authority"),
            "{text}"
        );
    }
}
