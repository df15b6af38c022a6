//! Integration tests, one crate so CI links once. Each module starts its own Dovecot
//! instances, so the tests run in parallel.

mod app_certificate;
mod batch_rules;
mod batch_trust;
mod batches;
mod certificates;
mod cutover;
mod errors;
mod exchange_migration;
mod exchange_personality;
mod fidelity;
mod google;
mod harness;
mod harness_smoke;
mod hostile;
mod login;
mod m365_setup;
mod oauth;
mod one_writer;
mod resume;
mod security_mismatch;
mod server_text;
mod sign_in_words;
