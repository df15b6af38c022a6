//! Deliberate faults, so that tests can prove what happens when Mailferry itself breaks
//! (a panic in a worker must fail that folder, never vanish from the report). Only debug
//! builds look at the variable; release builds compile the check away.

/// Panics when `MAILFERRY_FAULT` names this point and subject as `POINT:SUBJECT`.
pub fn point(point: &str, subject: &str) {
    if cfg!(debug_assertions) {
        if let Ok(wanted) = std::env::var("MAILFERRY_FAULT") {
            if wanted.split_once(':') == Some((point, subject)) {
                panic!("deliberate fault at {point} for {subject}");
            }
        }
    }
}
