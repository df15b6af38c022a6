//! Domain names as the owner types them, checked before any question is sent.

use std::collections::BTreeSet;

use super::error::CutoverError;

/// A domain name in its canonical form: ASCII, lower case, no trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DomainName(String);

const MAX_NAME: usize = 253;
const MAX_LABEL: usize = 63;

impl DomainName {
    /// Accepts `Contoso.COM` and `contoso.com.`; refuses what DNS could never hold.
    /// Internationalised names must be given in their `xn--` form.
    pub fn parse(text: &str) -> Result<DomainName, CutoverError> {
        let invalid = |reason| CutoverError::InvalidDomain {
            name: text.chars().take(300).collect(),
            reason,
        };
        let trimmed = text.strip_suffix('.').unwrap_or(text);
        if trimmed.is_empty() {
            return Err(invalid("it is empty"));
        }
        if trimmed.len() > MAX_NAME {
            return Err(invalid("it is longer than 253 characters"));
        }
        if !trimmed.is_ascii() {
            return Err(invalid(
                "it has characters outside A-Z, 0-9 and hyphens (write an international name in its xn-- form)",
            ));
        }
        let lower = trimmed.to_ascii_lowercase();
        let labels: Vec<&str> = lower.split('.').collect();
        if labels.len() < 2 {
            return Err(invalid("it has no dot (a domain looks like contoso.com)"));
        }
        for label in &labels {
            if label.is_empty() {
                return Err(invalid("it has two dots in a row"));
            }
            if label.len() > MAX_LABEL {
                return Err(invalid("a part between dots is longer than 63 characters"));
            }
            if !label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return Err(invalid(
                    "it has characters other than letters, digits, hyphens and dots",
                ));
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(invalid("a part between dots starts or ends with a hyphen"));
            }
        }
        Ok(DomainName(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The fully qualified form, so no search domain of the resolver is ever appended.
    pub fn fqdn(&self) -> String {
        format!("{}.", self.0)
    }

    /// `autodiscover.<domain>.`
    pub fn autodiscover_fqdn(&self) -> String {
        format!("autodiscover.{}.", self.0)
    }
}

impl std::fmt::Display for DomainName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The domains a set of mailboxes receive mail for, each once, in order. Addresses whose
/// domain part is not a usable domain name are left out (the CSV import reports them).
pub fn domains_of_addresses<'a>(addresses: impl IntoIterator<Item = &'a str>) -> Vec<DomainName> {
    let mut set = BTreeSet::new();
    for address in addresses {
        if let Some((_, domain)) = address.rsplit_once('@') {
            if let Ok(domain) = DomainName::parse(domain.trim()) {
                set.insert(domain);
            }
        }
    }
    set.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_trailing_dot_are_canonicalised() {
        assert_eq!(
            DomainName::parse("Contoso.COM.").unwrap().as_str(),
            "contoso.com"
        );
        assert_eq!(
            DomainName::parse("contoso.com").unwrap().fqdn(),
            "contoso.com."
        );
        assert_eq!(
            DomainName::parse("a-b.co.uk").unwrap().autodiscover_fqdn(),
            "autodiscover.a-b.co.uk."
        );
    }

    #[test]
    fn malformed_names_are_refused() {
        for bad in [
            "",
            ".",
            "contoso",
            "contoso..com",
            "-contoso.com",
            "contoso-.com",
            "con toso.com",
            "contoso.com/x",
            "user@contoso.com",
            "café.fr",
            &format!("{}.com", "a".repeat(64)),
            &format!("{}.com", "a.".repeat(130)),
        ] {
            assert!(DomainName::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(DomainName::parse("xn--caf-dma.fr").is_ok());
    }

    #[test]
    fn domains_of_addresses_are_unique_and_lower_case() {
        let domains = domains_of_addresses([
            "ann@Contoso.com",
            "bob@contoso.com",
            "cy@fabrikam.org",
            "not-an-address",
        ]);
        let names: Vec<&str> = domains.iter().map(|d| d.as_str()).collect();
        assert_eq!(names, ["contoso.com", "fabrikam.org"]);
    }
}
