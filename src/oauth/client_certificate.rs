//! An app registration's certificate credential: the app proves who it is with a short-lived
//! JWT signed by the certificate's private key (OpenID Connect `private_key_jwt`, RFC 7523),
//! instead of a client secret. Microsoft recommends it over secrets for app-only access.
//!
//! The assertion follows Entra ID's "certificate credentials" format: header `alg` PS256,
//! `typ` JWT, `x5t#S256` the certificate's SHA-256 thumbprint; claims `aud` the token URL,
//! `iss` = `sub` = the client ID, a fresh `jti`, `nbf`/`iat` now and `exp` ten minutes on.
//! jsonwebtoken builds and signs it; rustls-webpki checks locally that the private key belongs
//! to the certificate, so a mismatched pair is named before Microsoft is ever asked.

use std::path::Path;

use base64::Engine as _;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use serde::Serialize;

use super::error::OAuthError;
use super::pkce::random_state;
use crate::secrets::SecretString;

/// How long one assertion may be used: Entra ID suggests 5 to 10 minutes.
const ASSERTION_LIFETIME_SECS: i64 = 600;

/// `client_assertion_type` for a JWT client assertion (RFC 7523 §2.2).
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A certificate and its RSA private key, both PEM.
#[derive(Clone)]
pub struct ClientCertificate {
    certificate_pem: String,
    private_key_pem: SecretString,
    certificate_der: Vec<u8>,
}

impl std::fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("thumbprint", &self.thumbprint())
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: i64,
    iat: i64,
    exp: i64,
}

impl ClientCertificate {
    /// Reads the certificate from `certificate` and the private key from `private_key`, or
    /// from the certificate's file when the two were saved together (as `openssl pkcs12
    /// -nodes` writes them).
    pub fn from_files(
        certificate: &Path,
        private_key: Option<&Path>,
    ) -> Result<ClientCertificate, OAuthError> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|e| OAuthError::BadCertificate {
                detail: format!("cannot read {}: {e}", path.display()),
            })
        };
        let certificate_pem = read(certificate)?;
        let private_key_pem = match private_key {
            Some(path) => read(path)?,
            None => certificate_pem.clone(),
        };
        ClientCertificate::from_pem(&certificate_pem, SecretString::new(private_key_pem))
    }

    /// The certificate (the first `CERTIFICATE` block) and an RSA private key (PKCS#8
    /// `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`), checked to belong together.
    pub fn from_pem(
        certificate_pem: &str,
        private_key_pem: SecretString,
    ) -> Result<ClientCertificate, OAuthError> {
        let certificate_der = CertificateDer::pem_slice_iter(certificate_pem.as_bytes())
            .next()
            .ok_or_else(|| OAuthError::BadCertificate {
                detail: "no -----BEGIN CERTIFICATE----- block was found".into(),
            })?
            .map_err(|e| OAuthError::BadCertificate {
                detail: format!("the certificate block cannot be read: {e:?}"),
            })?
            .to_vec();
        let private_key_pem = SecretString::new(only_private_key(private_key_pem.expose())?);
        let pair = ClientCertificate {
            certificate_pem: certificate_block(certificate_pem),
            private_key_pem,
            certificate_der,
        };
        pair.check_pair()?;
        Ok(pair)
    }

    /// The SHA-1 thumbprint in hex, as the app's Certificates & secrets page shows it.
    pub fn thumbprint(&self) -> String {
        let digest = ring::digest::digest(
            &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            &self.certificate_der,
        );
        hex::encode_upper(digest.as_ref())
    }

    /// The base64url SHA-256 thumbprint, the assertion's `x5t#S256`.
    fn thumbprint_sha256(&self) -> String {
        let digest = ring::digest::digest(&ring::digest::SHA256, &self.certificate_der);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
    }

    /// A fresh assertion for one token request to `token_url`.
    pub fn assertion(&self, client_id: &str, token_url: &str) -> Result<SecretString, OAuthError> {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::PS256);
        header.x5t_s256 = Some(self.thumbprint_sha256());
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            aud: token_url,
            iss: client_id,
            sub: client_id,
            jti: random_state(),
            nbf: now,
            iat: now,
            exp: now + ASSERTION_LIFETIME_SECS,
        };
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(self.private_key_pem.expose().as_bytes())
            .map_err(|e| OAuthError::BadCertificate {
                detail: format!("the private key is not an RSA key Mailferry can use ({e})"),
            })?;
        let jwt = jsonwebtoken::encode(&header, &claims, &key).map_err(|e| {
            OAuthError::BadCertificate {
                detail: format!("signing with the private key failed ({e})"),
            }
        })?;
        Ok(SecretString::new(jwt))
    }

    /// Signs a throwaway assertion and verifies it with the certificate's public key.
    fn check_pair(&self) -> Result<(), OAuthError> {
        let jwt = self.assertion("check", "check")?;
        let (signed, signature) =
            jwt.expose()
                .rsplit_once('.')
                .ok_or_else(|| OAuthError::BadCertificate {
                    detail: "the signed assertion has no signature".into(),
                })?;
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|e| OAuthError::BadCertificate {
                detail: format!("the signed assertion is unreadable ({e})"),
            })?;
        let der = CertificateDer::from(self.certificate_der.as_slice());
        let certificate =
            webpki::EndEntityCert::try_from(&der).map_err(|e| OAuthError::BadCertificate {
                detail: format!("the certificate cannot be read ({e})"),
            })?;
        certificate
            .verify_signature(
                webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
                signed.as_bytes(),
                &signature,
            )
            .map_err(|_| OAuthError::CertificateKeyMismatch {
                thumbprint: self.thumbprint(),
            })
    }

    /// What the keyring keeps: the certificate and its key, both PEM.
    pub(crate) fn to_pem(&self) -> (String, String) {
        (
            self.certificate_pem.clone(),
            self.private_key_pem.expose().to_string(),
        )
    }
}

/// The certificate's own PEM block, so a combined file's private key is not kept twice.
fn certificate_block(pem: &str) -> String {
    pem_block(pem, "CERTIFICATE").unwrap_or_else(|| pem.to_string())
}

/// The RSA private key's PEM block out of a file that may hold certificates too.
fn only_private_key(pem: &str) -> Result<String, OAuthError> {
    for label in ["PRIVATE KEY", "RSA PRIVATE KEY"] {
        if let Some(block) = pem_block(pem, label) {
            return Ok(block);
        }
    }
    let detail = if pem.contains("ENCRYPTED PRIVATE KEY") {
        "the private key is protected by a password; save it without one (openssl pkey -in key.pem -out plain.pem) and keep that file safe until Mailferry has stored it"
    } else if pem.contains("EC PRIVATE KEY") {
        "the private key is an elliptic-curve key; Microsoft accepts only RSA certificates for apps"
    } else {
        "no -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY----- block was found"
    };
    Err(OAuthError::BadCertificate {
        detail: detail.into(),
    })
}

/// The first `-----BEGIN {label}-----` … `-----END {label}-----` block, markers included.
/// Kept as text because jsonwebtoken takes the key as PEM and reads only a file's first block,
/// while rustls-pki-types would hand back DER (PKCS#8 or PKCS#1) that it cannot take as is.
fn pem_block(pem: &str, label: &str) -> Option<String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)?;
    let stop = pem[start..].find(&end)? + start + end.len();
    Some(format!("{}\n", &pem[start..stop]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_found_among_others() {
        let combined = "Bag Attributes\n-----BEGIN PRIVATE KEY-----\nAAA\n-----END PRIVATE KEY-----\n\
                        subject=CN=x\n-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n";
        assert_eq!(
            only_private_key(combined).unwrap(),
            "-----BEGIN PRIVATE KEY-----\nAAA\n-----END PRIVATE KEY-----\n"
        );
        assert_eq!(
            certificate_block(combined),
            "-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n"
        );
        // "RSA PRIVATE KEY" must not be mistaken for the start of a PKCS#8 block.
        let pkcs1 = "-----BEGIN RSA PRIVATE KEY-----\nCCC\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(only_private_key(pkcs1).unwrap(), pkcs1);
    }

    #[test]
    fn unusable_keys_say_why() {
        let said = |pem: &str| only_private_key(pem).unwrap_err().to_string();
        assert!(said("-----BEGIN ENCRYPTED PRIVATE KEY-----\nx\n").contains("password"));
        assert!(said("-----BEGIN EC PRIVATE KEY-----\nx\n").contains("RSA"));
        assert!(said("hello").contains("BEGIN PRIVATE KEY"));
        let no_cert = ClientCertificate::from_pem("nothing", SecretString::new(String::new()));
        assert!(no_cert
            .unwrap_err()
            .to_string()
            .contains("BEGIN CERTIFICATE"));
    }
}
