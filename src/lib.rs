//! Mailferry's engine: copies IMAP mailboxes into Microsoft 365 or any IMAP server,
//! byte for byte, resumably and incrementally. It knows nothing of any user interface;
//! the command line and the desktop app drive it and listen to its events.

pub mod app;
pub mod auth;
pub mod batch;
pub mod copy;
pub mod cutover;
pub mod db;
pub mod display;
pub mod endpoint;
pub mod error;
pub mod events;
pub mod exchange;
pub mod fault;
pub mod fingerprint;
pub mod flags;
pub mod folder_name;
pub mod folder_plan;
pub mod imap;
pub mod lease;
pub mod migrate;
pub mod migration_csv;
pub mod oauth;
pub mod presets;
pub mod probe;
pub mod receipts;
pub mod reencode;
pub mod report;
pub mod secrets;
pub mod state;
pub mod tls;
pub mod verify;
