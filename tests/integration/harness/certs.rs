//! Certificates for the Dovecot instances.
//!
//! One test CA per test process (engine tests talk to a source and a destination server at
//! once, and a single CA file trusting both keeps their command lines simple), one leaf
//! certificate per instance so fingerprints differ between servers.

use std::sync::OnceLock;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use sha2::{Digest, Sha256};

/// PEM material for one server, ready to be written next to dovecot.conf.
pub struct ServerCert {
    pub cert_pem: String,
    pub key_pem: String,
    /// DER of the leaf certificate, for fingerprint pinning tests.
    pub cert_der: Vec<u8>,
    /// What a client must trust to accept this server: the test CA, or the
    /// self-signed certificate itself.
    pub trust_pem: String,
}

struct TestCa {
    cert: rcgen::Certificate,
    key: KeyPair,
}

fn test_ca() -> &'static TestCa {
    static CA: OnceLock<TestCa> = OnceLock::new();
    CA.get_or_init(|| {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("empty SAN list");
        params.distinguished_name = dn("Mailferry Test CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().expect("generate test CA key");
        let cert = params.self_signed(&key).expect("self-sign test CA");
        TestCa { cert, key }
    })
}

/// The test CA certificate (PEM) that signs every `TrustedByTestCa` server.
pub fn test_ca_pem() -> String {
    test_ca().cert.pem()
}

fn dn(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn.push(DnType::OrganizationName, "Mailferry integration tests");
    dn
}

fn server_params(common_name: &str) -> CertificateParams {
    // rcgen turns "127.0.0.1" into an IP SAN, which is what a client connecting to
    // 127.0.0.1 verifies against.
    let mut params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("valid SAN names");
    params.distinguished_name = dn(common_name);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params
}

/// A fresh server certificate for localhost/127.0.0.1 signed by the test CA.
pub fn server_cert_signed_by_test_ca() -> ServerCert {
    let ca = test_ca();
    let key = KeyPair::generate().expect("generate server key");
    let cert = server_params("localhost")
        .signed_by(&key, &ca.cert, &ca.key)
        .expect("sign server cert with test CA");
    ServerCert {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        cert_der: cert.der().to_vec(),
        trust_pem: ca.cert.pem(),
    }
}

/// A self-signed server certificate that no test client trusts by default (not a CA).
pub fn self_signed_server_cert() -> ServerCert {
    let key = KeyPair::generate().expect("generate self-signed key");
    let cert = server_params("localhost (self-signed)")
        .self_signed(&key)
        .expect("self-sign server cert");
    ServerCert {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        cert_der: cert.der().to_vec(),
        trust_pem: cert.pem(),
    }
}

/// A self-signed server certificate that is also a CA (basicConstraints CA:TRUE), as
/// `openssl req -x509` makes by default.
pub fn self_signed_ca_server_cert() -> ServerCert {
    let key = KeyPair::generate().expect("generate self-signed CA key");
    let mut params = server_params("localhost (openssl req -x509)");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).expect("self-sign CA server cert");
    ServerCert {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        cert_der: cert.der().to_vec(),
        trust_pem: cert.pem(),
    }
}

/// Lowercase hex SHA-256 of a DER certificate, the form fingerprint pins use.
pub fn sha256_hex(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}
