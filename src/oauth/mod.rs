//! Sign in with Microsoft or Google (OAuth 2.0), for servers that accept nothing else.
//!
//! - [`provider`]: the identity providers' endpoints and scopes, every URL overridable.
//! - [`sign_in`]: browser sign-in (authorization code + PKCE, loopback redirect) and app
//!   sign-in (client credentials, with a secret or a [`client_certificate`]);
//!   [`device_code`]: sign-in on another device.
//! - [`store`]: sign-ins kept in the OS keyring; [`token_source`]: valid access tokens for
//!   as long as a migration runs; [`graph`]: the organisation's users.
//! - [`builtin`]: a client ID compiled into a distributed build; [`setup_script`]: the Azure
//!   Cloud Shell script that registers the app; [`setup_check`]: the check of every piece.
//!
//! The desktop shell uses [`start_interactive`], [`start_device_code`], [`list_sign_ins`],
//! [`forget_sign_in`] and [`list_users`]; nothing here knows about any user interface.

pub mod builtin;
pub mod client_certificate;
pub mod device_code;
pub mod error;
pub mod graph;
pub mod loopback;
pub mod pkce;
pub mod provider;
pub mod setup_check;
pub mod setup_script;
pub mod sign_in;
pub mod store;
pub mod token;
pub mod token_source;

pub use builtin::{builtin_client_id, resolve_client_id, ClientIdOrigin};
pub use client_certificate::ClientCertificate;
pub use device_code::{start_device_code, DeviceCodeSignIn, DevicePoll};
pub use error::OAuthError;
pub use graph::{list_users, migration_csv, GraphUser};
pub use provider::{microsoft_imap_url, Endpoints, ProviderConfig, ProviderKind};
pub use sign_in::{
    forget_sign_in, list_sign_ins, sign_in_app, start_interactive, AppCredential,
    InteractiveSignIn, SignInOptions, SignedIn,
};
pub use store::{SignInInfo, SignInRef, StoredSignIn};
pub use token_source::{Purpose, TokenSource};
