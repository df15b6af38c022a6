//! Trusting a server's certificate after the owner checked it: one certificate for one
//! server, or the CA file of a private certificate authority. The window stores the choice
//! with a batch (or with the options of a batch not created yet); the next connection uses it.

use std::path::PathBuf;

use serde::Deserialize;

use crate::batch::{BatchOptions, BatchStore, ServerSpec, TrustedCertificate};
use crate::endpoint::Endpoint;
use crate::error::{Classify, ErrorKind, Problem};
use crate::tls::{format_fingerprint, parse_pin, read_pem_certificates};

/// What the owner chose to trust.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TrustChoice {
    /// This certificate (its SHA-256), for this server name only.
    Certificate { host: String, sha256: String },
    /// Every server certificate issued by the authorities in this PEM file.
    CaFile { path: String },
}

/// Adds the choice to `options`, checked first: the fingerprint must be a SHA-256 and the
/// CA file readable PEM with at least one certificate. A server's new certificate replaces
/// the one trusted for it before.
pub fn add_trust(options: &mut BatchOptions, choice: &TrustChoice) -> Result<(), Problem> {
    match choice {
        TrustChoice::Certificate { host, sha256 } => {
            let host = host.trim().to_ascii_lowercase();
            if host.is_empty() {
                return Err(input(
                    "no server is named for the certificate",
                    "Test the connection again, then trust the certificate it shows.",
                ));
            }
            let digest = parse_pin(sha256).map_err(|e| e.problem())?;
            options
                .trusted_certificates
                .retain(|t| !t.host.eq_ignore_ascii_case(&host));
            options.trusted_certificates.push(TrustedCertificate {
                host,
                sha256: format_fingerprint(&digest),
            });
        }
        TrustChoice::CaFile { path } => {
            let path = PathBuf::from(path.trim());
            read_pem_certificates(&path).map_err(|e| e.problem())?;
            options.ca_file = Some(path.to_string_lossy().into_owned());
        }
    }
    Ok(())
}

/// Stores the choice with an existing batch, for a server of that batch. Returns the
/// batch's new options.
pub fn trust_for_batch(
    store: &BatchStore,
    batch: &str,
    choice: &TrustChoice,
) -> Result<BatchOptions, Problem> {
    let stored = store.batch(batch).map_err(|e| e.problem())?;
    if let TrustChoice::Certificate { host, .. } = choice {
        if !serves_batch(host, &[&stored.source, &stored.destination]) {
            return Err(input(
                format!("{} is not a server of the batch \"{batch}\"", host.trim()),
                "Trust the certificate from the batch whose mailbox showed it.",
            ));
        }
    }
    let mut options = stored.options;
    add_trust(&mut options, choice)?;
    store
        .set_options(batch, &options)
        .map_err(|e| e.problem())?;
    Ok(options)
}

fn serves_batch(host: &str, servers: &[&ServerSpec]) -> bool {
    servers.iter().any(|spec| {
        Endpoint::parse(&spec.url).is_ok_and(|e| e.host.eq_ignore_ascii_case(host.trim()))
    })
}

fn input(message: impl Into<String>, hint: impl Into<String>) -> Problem {
    Problem::new(ErrorKind::Input, message, hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(host: &str, sha256: &str) -> TrustChoice {
        TrustChoice::Certificate {
            host: host.into(),
            sha256: sha256.into(),
        }
    }

    #[test]
    fn a_trusted_certificate_is_kept_for_its_server_in_the_form_pins_are_read() {
        let mut options = BatchOptions::default();
        let colons = vec!["AB"; 32].join(":");
        add_trust(&mut options, &certificate("Mail.Example.com", &colons)).unwrap();
        assert_eq!(
            options.trusted_certificates,
            vec![TrustedCertificate {
                host: "mail.example.com".into(),
                sha256: "ab".repeat(32)
            }]
        );
        // The server's next certificate replaces this one; another server's stays.
        add_trust(
            &mut options,
            &certificate("other.example.com", &"cd".repeat(32)),
        )
        .unwrap();
        add_trust(
            &mut options,
            &certificate("mail.example.com", &"ef".repeat(32)),
        )
        .unwrap();
        let hosts: Vec<(&str, &str)> = options
            .trusted_certificates
            .iter()
            .map(|t| (t.host.as_str(), &t.sha256[..2]))
            .collect();
        assert_eq!(
            hosts,
            vec![("other.example.com", "cd"), ("mail.example.com", "ef")]
        );
        assert!(options.trust().is_ok());
    }

    #[test]
    fn a_malformed_fingerprint_or_no_server_is_refused_and_nothing_changes() {
        let mut options = BatchOptions::default();
        for (host, sha) in [("mail.example.com", "abcd"), ("", &"ab".repeat(32)[..])] {
            let err = add_trust(&mut options, &certificate(host, sha)).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Input);
        }
        assert_eq!(options, BatchOptions::default());
    }

    #[test]
    fn a_ca_file_must_be_readable_pem_with_a_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let not_pem = dir.path().join("notes.txt");
        std::fs::write(&not_pem, "just some words").unwrap();
        let mut options = BatchOptions::default();
        for path in [&missing, &not_pem] {
            let choice = TrustChoice::CaFile {
                path: path.display().to_string(),
            };
            let err = add_trust(&mut options, &choice).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Input, "{path:?}");
            // The window shows this hint: no command-line option in it.
            let names_an_option = err.hint.split_whitespace().any(|w| {
                w.strip_prefix("--")
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_lowercase()))
            });
            assert!(!names_an_option, "{}", err.hint);
        }
        assert_eq!(options.ca_file, None);

        let key = rcgen::KeyPair::generate().unwrap();
        let ca = rcgen::CertificateParams::new(Vec::<String>::new())
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let pem = dir.path().join("ca.pem");
        std::fs::write(&pem, ca.pem()).unwrap();
        let choice = TrustChoice::CaFile {
            path: pem.display().to_string(),
        };
        add_trust(&mut options, &choice).unwrap();
        assert_eq!(options.ca_file, Some(pem.display().to_string()));
        assert!(options.trust().is_ok());
    }

    #[test]
    fn a_certificate_is_trusted_only_for_a_server_of_the_batch() {
        let source = ServerSpec {
            preset: None,
            url: "imaps://mail.example.com:993".into(),
        };
        let destination = ServerSpec {
            preset: Some("microsoft365".into()),
            url: "imaps://outlook.office365.com:993".into(),
        };
        assert!(serves_batch("MAIL.example.com", &[&source, &destination]));
        assert!(serves_batch(
            "outlook.office365.com",
            &[&source, &destination]
        ));
        assert!(!serves_batch("evil.example.net", &[&source, &destination]));
    }

    #[test]
    fn a_batch_keeps_the_trust_stored_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = BatchStore::new(crate::state::State::open(dir.path()).unwrap()).unwrap();
        let server = |url: &str| ServerSpec {
            preset: None,
            url: url.into(),
        };
        let batch = crate::batch::NewBatch {
            name: "spring".into(),
            source: server("imaps://mail.example.com:993"),
            destination: server("imaps://outlook.office365.com:993"),
            options: BatchOptions::default(),
        };
        store
            .create(&batch, &[("a@contoso.com".into(), "a".into(), None)])
            .unwrap();
        let stranger = trust_for_batch(
            &store,
            "spring",
            &certificate("evil.example.net", &"ab".repeat(32)),
        );
        assert_eq!(stranger.unwrap_err().kind, ErrorKind::Input);
        trust_for_batch(
            &store,
            "spring",
            &certificate("mail.example.com", &"ab".repeat(32)),
        )
        .unwrap();
        let stored = store.batch("spring").unwrap().options;
        assert_eq!(stored.trusted_certificates.len(), 1);
        assert_eq!(stored.trusted_certificates[0].host, "mail.example.com");
        let missing = trust_for_batch(
            &store,
            "autumn",
            &certificate("mail.example.com", &"ab".repeat(32)),
        );
        assert!(missing.is_err());
    }
}
