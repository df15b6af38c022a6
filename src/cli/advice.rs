//! What to type, for the problems whose fix on the command line is an option or an address
//! the engine's neutral hint cannot name (the window offers buttons for the same fixes).

use mailferry::error::{Problem, SecurityMismatch, Side};

/// A line to print under the hint, when the problem's facts call for one.
pub fn command_line_advice(problem: &Problem) -> Option<String> {
    let facts = &problem.facts;
    if let Some(certificate) = &facts.certificate {
        return Some(format!(
            "After checking the fingerprint with the server's administrator, trust this certificate with --pin-cert {}, or pass their CA file with --ca-file FILE.",
            certificate.fingerprint_sha256
        ));
    }
    let mismatch = facts.security_mismatch?;
    let server = match (&facts.host, facts.port) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        _ => "HOST:PORT".into(),
    };
    let (scheme, security) = match mismatch {
        SecurityMismatch::PortExpectsTls => ("imaps", "SSL/TLS from the start"),
        SecurityMismatch::PortExpectsStarttls => ("imap", "STARTTLS"),
    };
    let address = format!("{scheme}://{server}");
    Some(match facts.side {
        Some(Side::Source) => format!("Use --source {address} ({security})."),
        Some(Side::Destination) => format!("Use --dest {address} ({security})."),
        None => {
            format!("Use {address} ({security}) as this server's address in --source or --dest.")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailferry::error::{CertificateFacts, ErrorKind, Facts};

    fn problem(facts: Facts) -> Problem {
        Problem {
            facts: Box::new(facts),
            ..Problem::new(ErrorKind::Input, "m", "h")
        }
    }

    #[test]
    fn a_mismatch_names_the_address_to_use() {
        let advice = command_line_advice(&problem(Facts {
            host: Some("mail.example.com".into()),
            port: Some(993),
            side: Some(Side::Source),
            security_mismatch: Some(SecurityMismatch::PortExpectsTls),
            ..Facts::default()
        }));
        assert_eq!(
            advice.as_deref(),
            Some("Use --source imaps://mail.example.com:993 (SSL/TLS from the start).")
        );
        let advice = command_line_advice(&problem(Facts {
            host: Some("mail.example.com".into()),
            port: Some(143),
            security_mismatch: Some(SecurityMismatch::PortExpectsStarttls),
            ..Facts::default()
        }))
        .unwrap();
        assert!(advice.contains("imap://mail.example.com:143"), "{advice}");
    }

    #[test]
    fn a_refused_certificate_names_its_pin() {
        let advice = command_line_advice(&problem(Facts {
            certificate: Some(CertificateFacts {
                reason: "expired".into(),
                subject: None,
                issuer: None,
                not_before: None,
                not_after: None,
                fingerprint_sha256: "ab".repeat(32),
            }),
            ..Facts::default()
        }))
        .unwrap();
        assert!(advice.contains(&format!("--pin-cert {}", "ab".repeat(32))));
        assert_eq!(command_line_advice(&problem(Facts::default())), None);
    }
}
