//! Integration tests, one crate so CI links once. Each module starts its own Dovecot
//! instances, so the tests run in parallel.

mod app_certificate;
mod batches;
mod certificates;
mod errors;
mod fidelity;
mod google;
mod harness;
mod harness_smoke;
mod login;
mod oauth;
mod resume;
mod server_text;
