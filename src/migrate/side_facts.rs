//! Which side a problem met during a copy. Errors from deep in a copy (an APPEND refused, a
//! connection broken mid-fetch) know only the host they talked to; when the two servers have
//! different names, that host says which side it was.

use crate::endpoint::Endpoint;
use crate::error::{Problem, Side};

/// Fills in the side (and its port) from the problem's host, when the host tells them apart.
/// A side already known is kept.
pub fn tag_by_host(mut problem: Problem, source: &Endpoint, destination: &Endpoint) -> Problem {
    let Some(host) = problem.facts.host.as_deref() else {
        return problem;
    };
    let is_source = host.eq_ignore_ascii_case(&source.host);
    let is_destination = host.eq_ignore_ascii_case(&destination.host);
    let known = problem.facts.side;
    let side = match (known, is_source, is_destination) {
        (Some(side), _, _) => side,
        (None, true, false) => Side::Source,
        (None, false, true) => Side::Destination,
        _ => return problem,
    };
    let endpoint = match side {
        Side::Source => source,
        Side::Destination => destination,
    };
    let at_endpoint = host.eq_ignore_ascii_case(&endpoint.host);
    let facts = &mut problem.facts;
    facts.side = Some(side);
    if facts.port.is_none() && at_endpoint {
        facts.port = Some(endpoint.port);
    }
    problem
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::Security;
    use crate::error::{ErrorKind, Facts};

    fn endpoint(host: &str, port: u16) -> Endpoint {
        Endpoint {
            host: host.into(),
            port,
            security: Security::Tls,
            user: "anna".into(),
        }
    }

    fn problem_at(host: &str, side: Option<Side>) -> Problem {
        let mut problem = Problem::new(ErrorKind::Quota, "full", "free space");
        problem.facts = Box::new(Facts {
            host: Some(host.into()),
            side,
            ..Facts::default()
        });
        problem
    }

    #[test]
    fn the_host_names_the_side_when_the_servers_differ() {
        let (old, new) = (
            endpoint("imap.gmail.com", 993),
            endpoint("outlook.office365.com", 993),
        );
        let tagged = tag_by_host(problem_at("OUTLOOK.office365.com", None), &old, &new);
        assert_eq!(tagged.facts.side, Some(Side::Destination));
        assert_eq!(tagged.facts.port, Some(993));
        let tagged = tag_by_host(problem_at("imap.gmail.com", None), &old, &new);
        assert_eq!(tagged.facts.side, Some(Side::Source));
    }

    #[test]
    fn one_server_on_both_sides_leaves_the_side_to_whoever_knew_it() {
        let (old, new) = (endpoint("127.0.0.1", 1993), endpoint("127.0.0.1", 2993));
        let untagged = tag_by_host(problem_at("127.0.0.1", None), &old, &new);
        assert_eq!(untagged.facts.side, None);
        assert_eq!(untagged.facts.port, None);
        let known = tag_by_host(problem_at("127.0.0.1", Some(Side::Destination)), &old, &new);
        assert_eq!(known.facts.side, Some(Side::Destination));
        assert_eq!(known.facts.port, Some(2993));
    }
}
