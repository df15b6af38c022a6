//! What a refused server certificate says about itself: who it names, who issued it, when it
//! is valid and its fingerprint, so the owner can check it with whoever runs the server
//! before trusting it. The certificate comes from the server, so nothing in it is trusted:
//! a certificate that does not parse still yields its fingerprint, and every name is bounded
//! and stripped of control characters.

use x509_parser::prelude::{FromDer, X509Certificate, X509Name};

use super::{certificate_sha256, format_fingerprint};
use crate::error::CertificateFacts;

/// A distinguished name longer than this is cut: it is shown, not processed.
const MAX_NAME_CHARS: usize = 300;

/// The facts about `der` (the server's own certificate) refused for `reason`.
pub fn certificate_facts(der: &[u8], reason: &str) -> CertificateFacts {
    let mut facts = CertificateFacts {
        reason: reason.to_string(),
        subject: None,
        issuer: None,
        not_before: None,
        not_after: None,
        fingerprint_sha256: format_fingerprint(&certificate_sha256(der)),
    };
    if let Ok((_, cert)) = X509Certificate::from_der(der) {
        facts.subject = readable_name(cert.subject());
        facts.issuer = readable_name(cert.issuer());
        let validity = cert.validity();
        facts.not_before = rfc3339(validity.not_before.timestamp());
        facts.not_after = rfc3339(validity.not_after.timestamp());
    }
    facts
}

/// `CN=mail.example.com, O=Example Ltd` as the certificate spells it, bounded.
fn readable_name(name: &X509Name<'_>) -> Option<String> {
    let text = name.to_string();
    let text = crate::display::escape_controls(text.trim());
    if text.is_empty() {
        return None;
    }
    let mut bounded: String = text.chars().take(MAX_NAME_CHARS).collect();
    if bounded.len() < text.len() {
        bounded.push('…');
    }
    Some(bounded)
}

fn rfc3339(unix_seconds: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(unix_seconds, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// Why a certificate was refused, in a few words for a heading ("issued by an unknown
/// authority"); [`super::describe_certificate_error`] gives the full sentence.
pub fn short_certificate_reason(error: &rustls::CertificateError) -> &'static str {
    use rustls::CertificateError as E;
    #[allow(deprecated)] // rustls still reports the older variants in some paths
    match error {
        E::UnknownIssuer => "issued by an unknown authority",
        E::Expired | E::ExpiredContext { .. } => "expired",
        E::NotValidYet | E::NotValidYetContext { .. } => "not valid yet",
        E::NotValidForName | E::NotValidForNameContext { .. } => "issued for another server name",
        E::Revoked => "revoked by its issuer",
        E::ApplicationVerificationFailure => "not the trusted certificate",
        E::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
            Some(webpki::Error::CaUsedAsEndEntity) => "a self-made certificate",
            Some(webpki::Error::CertDistrusted) => "from an authority no longer trusted",
            _ => "could not be verified",
        },
        _ => "could not be verified",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn self_signed() -> rcgen::CertifiedKey {
        let mut params =
            rcgen::CertificateParams::new(vec!["mail.example.com".to_string()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "mail.example.com");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "Example Ltd");
        params.not_before = rcgen::date_time_ymd(2025, 1, 2);
        params.not_after = rcgen::date_time_ymd(2027, 3, 4);
        let key_pair = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key_pair).unwrap();
        rcgen::CertifiedKey { cert, key_pair }
    }

    #[test]
    fn a_certificate_shows_who_it_names_who_issued_it_and_when_it_is_valid() {
        let made = self_signed();
        let der = made.cert.der().to_vec();
        let facts = certificate_facts(&der, "issued by an unknown authority");
        assert_eq!(facts.reason, "issued by an unknown authority");
        let subject = facts.subject.unwrap();
        assert!(subject.contains("CN=mail.example.com"), "{subject}");
        assert!(subject.contains("O=Example Ltd"), "{subject}");
        // Self-signed: it names itself as its issuer.
        assert_eq!(facts.issuer.as_deref(), Some(subject.as_str()));
        assert_eq!(facts.not_before.as_deref(), Some("2025-01-02T00:00:00Z"));
        assert_eq!(facts.not_after.as_deref(), Some("2027-03-04T00:00:00Z"));
        assert_eq!(
            facts.fingerprint_sha256,
            format_fingerprint(&certificate_sha256(&der))
        );
        // Written the way pins are read back.
        assert!(super::super::parse_pin(&facts.fingerprint_sha256).is_ok());
    }

    #[test]
    fn a_certificate_signed_by_a_private_authority_names_that_authority() {
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Example Private CA");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let mut leaf_params =
            rcgen::CertificateParams::new(vec!["imap.example.com".to_string()]).unwrap();
        leaf_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "imap.example.com");
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();
        let facts = certificate_facts(leaf.der(), "issued by an unknown authority");
        assert_eq!(facts.issuer.as_deref(), Some("CN=Example Private CA"));
        assert_eq!(facts.subject.as_deref(), Some("CN=imap.example.com"));
    }

    #[test]
    fn bytes_that_are_no_certificate_still_give_their_fingerprint() {
        for junk in [&b""[..], b"\x30\x82\xff\xff", b"not a certificate at all"] {
            let facts = certificate_facts(junk, "could not be verified");
            assert_eq!(facts.subject, None);
            assert_eq!(facts.issuer, None);
            assert_eq!(facts.not_after, None);
            assert_eq!(facts.fingerprint_sha256.len(), 64);
        }
    }

    #[test]
    fn names_are_bounded_and_free_of_control_characters() {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        let long = format!("evil\u{1b}[2J{}", "x".repeat(2000));
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, long.as_str());
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let subject = certificate_facts(cert.der(), "x").subject.unwrap();
        assert!(!subject.contains('\u{1b}'), "{subject}");
        assert!(subject.chars().count() <= MAX_NAME_CHARS + 1, "{subject}");
    }

    #[test]
    fn short_reasons_are_a_few_plain_words() {
        use rustls::CertificateError as E;
        assert_eq!(
            short_certificate_reason(&E::UnknownIssuer),
            "issued by an unknown authority"
        );
        assert_eq!(short_certificate_reason(&E::Expired), "expired");
        let self_made = E::Other(rustls::OtherError(std::sync::Arc::new(
            webpki::Error::CaUsedAsEndEntity,
        )));
        assert_eq!(
            short_certificate_reason(&self_made),
            "a self-made certificate"
        );
    }
}
