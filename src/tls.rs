//! Which servers we trust: the platform's roots, an extra CA file, or one pinned certificate.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::error::{Classify, ErrorKind};

/// What the user told us to trust beyond the platform's certificate store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustOptions {
    /// `--ca-file`: PEM certificates to trust as roots.
    pub ca_file: Option<PathBuf>,
    /// `--pin-cert`: the SHA-256 of one server certificate that is trusted as is.
    pub pinned_sha256: Option<[u8; 32]>,
}

#[derive(Debug, Error)]
pub enum TrustError {
    #[error("cannot read the CA file {path}: {source}")]
    CaFileUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
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
                "Install the system's CA certificates (ca-certificates) or pass --ca-file.".into()
            }
            _ => "Pass a readable PEM file with --ca-file.".into(),
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
        if webpki.is_none() && options.pinned_sha256.is_none() {
            return Err(TrustError::NoRoots);
        }
        let seen = Arc::new(SeenCertificates::default());
        let verifier = Arc::new(Verifier {
            webpki,
            pinned: options.pinned_sha256,
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
        self.seen
            .by_host
            .lock()
            .ok()
            .and_then(|map| map.get(host).cloned())
    }
}

fn read_pem_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TrustError> {
    let unreadable = |source| TrustError::CaFileUnreadable {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut reader = std::io::BufReader::new(file);
    let certs = rustls_pemfile::certs(&mut reader)
        .collect::<Result<Vec<_>, _>>()
        .map_err(unreadable)?;
    if certs.is_empty() {
        return Err(TrustError::CaFileEmpty(path.to_owned()));
    }
    Ok(certs)
}

#[derive(Default, Debug)]
struct SeenCertificates {
    by_host: Mutex<HashMap<String, String>>,
}

/// The platform's verification, plus an exact-match pin, remembering what each host presented
/// so a certificate error can tell the user which fingerprint to check and pin.
#[derive(Debug)]
struct Verifier {
    webpki: Option<Arc<WebPkiServerVerifier>>,
    pinned: Option<[u8; 32]>,
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
        if let Ok(mut map) = self.seen.by_host.lock() {
            map.insert(
                server_name.to_str().into_owned(),
                format_fingerprint(&digest),
            );
        }
        if self.pinned == Some(digest) {
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
    fn missing_ca_file_is_an_input_error() {
        let err = Trust::new(&TrustOptions {
            ca_file: Some("/nonexistent/ca.pem".into()),
            pinned_sha256: None,
        })
        .unwrap_err();
        assert!(matches!(err, TrustError::CaFileUnreadable { .. }));
        assert_eq!(err.kind(), ErrorKind::Input);
    }
}
