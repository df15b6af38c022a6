//! How one mailbox of a batch signs in to its old and its new server: a password from the
//! keyring, the destination admin's login, or a stored sign-in's token. Built here once for
//! the migration run, the command line's pre-flight and the window's Test connection.

use thiserror::Error;

use crate::auth::Credentials;
use crate::batch::{user_token_source, BatchOptions, BatchSecrets, SignInSide};
use crate::endpoint::EndpointError;
use crate::error::{self, AuthMethod, Classify, ErrorKind, Facts, Problem};
use crate::migrate::Side;
use crate::secrets::Secret;
use crate::secrets::SecretError;

/// One mailbox of a batch.
#[derive(Debug, Clone, Copy)]
pub struct Mailbox<'a> {
    pub batch: &'a str,
    pub user_name: &'a str,
    pub email_address: &'a str,
}

/// Why a side could not be built. The missing pieces are facts; each front end says where
/// the owner puts them (a CSV column, a password field).
#[derive(Debug, Error)]
pub enum SideError {
    #[error("no password is stored for the old mailbox {email_address}")]
    MissingSourcePassword {
        email_address: String,
        /// The provider's preset asks for an app password rather than the normal one.
        app_password: bool,
    },
    #[error("no password is stored for the new server's admin account")]
    MissingAdminPassword,
    #[error("no way to sign in to the new mailboxes is set (an admin account or a sign-in)")]
    NoDestinationSignIn,
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// A stored sign-in could not give a token (not signed in, expired, revoked).
    #[error("{}", .0.message)]
    SignIn(Problem),
}

impl Classify for SideError {
    fn kind(&self) -> ErrorKind {
        match self {
            SideError::MissingSourcePassword { .. }
            | SideError::MissingAdminPassword
            | SideError::NoDestinationSignIn => ErrorKind::Input,
            SideError::Endpoint(e) => e.kind(),
            SideError::Secret(e) => e.kind(),
            SideError::SignIn(p) => p.kind,
        }
    }
    fn facts(&self) -> Facts {
        let (side, auth_method) = match self {
            SideError::MissingSourcePassword { app_password, .. } => (
                error::Side::Source,
                Some(if *app_password {
                    AuthMethod::AppPassword
                } else {
                    AuthMethod::Password
                }),
            ),
            SideError::MissingAdminPassword => {
                (error::Side::Destination, Some(AuthMethod::AdminLogin))
            }
            SideError::NoDestinationSignIn => (error::Side::Destination, None),
            SideError::SignIn(p) => return (*p.facts).clone(),
            SideError::Endpoint(e) => return e.facts(),
            SideError::Secret(e) => return e.facts(),
        };
        Facts {
            side: Some(side),
            auth_method,
            ..Facts::default()
        }
    }

    fn hint(&self) -> String {
        match self {
            SideError::MissingSourcePassword { .. } => {
                "Give Mailferry the mailbox's password (or app password) again.".into()
            }
            SideError::MissingAdminPassword => {
                "Give Mailferry the new server's admin password again.".into()
            }
            SideError::NoDestinationSignIn => {
                "Choose how Mailferry signs in to the new mailboxes: an admin account, or Sign in with Microsoft.".into()
            }
            SideError::Endpoint(e) => e.hint(),
            SideError::Secret(e) => e.hint(),
            SideError::SignIn(p) => p.hint.clone(),
        }
    }
}

/// Whether the old server's provider gives IMAP only to an app password (Gmail, Yahoo, iCloud).
fn asks_for_app_password(server: &crate::batch::ServerSpec) -> bool {
    server
        .preset
        .as_deref()
        .and_then(crate::presets::find)
        .is_some_and(|preset| preset.sign_in == crate::presets::SignIn::AppPassword)
}

fn stored_sign_in_failed(problem: Problem, side: error::Side) -> SideError {
    SideError::SignIn(problem.on_side(side, Some(AuthMethod::StoredSignIn)))
}

/// The old server's side: the mailbox's own login with its password or sign-in.
pub fn source_side(
    server: &crate::batch::ServerSpec,
    options: &BatchOptions,
    secrets: &BatchSecrets,
    mailbox: Mailbox<'_>,
) -> Result<Side, SideError> {
    let endpoint = server.endpoint_for(mailbox.user_name)?;
    let secret = match &options.source_sign_in {
        Some(name) => Secret::OAuth(
            user_token_source(
                name,
                SignInSide::Source,
                mailbox.user_name,
                mailbox.email_address,
            )
            .map_err(|p| stored_sign_in_failed(p, error::Side::Source))?,
        ),
        None => Secret::Password(
            secrets
                .source_password(mailbox.batch, mailbox.email_address)?
                .ok_or_else(|| SideError::MissingSourcePassword {
                    email_address: mailbox.email_address.to_string(),
                    app_password: asks_for_app_password(server),
                })?,
        ),
    };
    Ok(Side {
        endpoint,
        credentials: Credentials {
            login: mailbox.user_name.to_string(),
            secret,
            on_behalf_of: None,
        },
        allow_insecure_auth: options.allow_insecure_auth,
    })
}

/// The new server's side: a stored sign-in's token opens the mailbox (XOAUTH2 `user=` is the
/// mailbox), or the admin signs in on the mailbox's behalf.
pub fn destination_side(
    server: &crate::batch::ServerSpec,
    options: &BatchOptions,
    secrets: &BatchSecrets,
    mailbox: Mailbox<'_>,
) -> Result<Side, SideError> {
    let endpoint = server.endpoint_for(mailbox.email_address)?;
    let credentials = match (&options.destination_sign_in, &options.destination_admin) {
        (Some(name), _) => Credentials {
            login: mailbox.email_address.to_string(),
            secret: Secret::OAuth(
                user_token_source(
                    name,
                    SignInSide::Destination,
                    mailbox.user_name,
                    mailbox.email_address,
                )
                .map_err(|p| stored_sign_in_failed(p, error::Side::Destination))?,
            ),
            on_behalf_of: None,
        },
        (None, Some(admin)) => Credentials {
            login: admin.clone(),
            secret: Secret::Password(
                secrets
                    .admin_password(mailbox.batch)?
                    .ok_or(SideError::MissingAdminPassword)?,
            ),
            on_behalf_of: Some(mailbox.email_address.to_string()),
        },
        (None, None) => return Err(SideError::NoDestinationSignIn),
    };
    Ok(Side {
        endpoint,
        credentials,
        allow_insecure_auth: options.allow_insecure_auth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{SecretMode, ServerSpec};

    fn server() -> ServerSpec {
        ServerSpec {
            preset: None,
            url: "imaps://imap.example.com:993".into(),
        }
    }

    fn mailbox() -> Mailbox<'static> {
        Mailbox {
            batch: "b",
            user_name: "anna",
            email_address: "anna@contoso.com",
        }
    }

    #[test]
    fn a_missing_password_is_a_fact_not_a_command_line_hint() {
        let secrets = BatchSecrets::new(SecretMode::Memory);
        let err = source_side(&server(), &BatchOptions::default(), &secrets, mailbox())
            .expect_err("no password stored");
        assert!(matches!(err, SideError::MissingSourcePassword { .. }));
        assert_eq!(err.kind(), ErrorKind::Input);
        assert!(!err.hint().contains("--"));
        assert_eq!(err.facts().side, Some(error::Side::Source));
        assert_eq!(err.facts().auth_method, Some(AuthMethod::Password));
        let gmail = ServerSpec {
            preset: Some("gmail".into()),
            url: "imaps://imap.gmail.com:993".into(),
        };
        let err = source_side(&gmail, &BatchOptions::default(), &secrets, mailbox())
            .expect_err("no app password stored");
        assert_eq!(err.facts().auth_method, Some(AuthMethod::AppPassword));
    }

    #[test]
    fn the_admin_signs_in_on_the_mailboxs_behalf() {
        let secrets = BatchSecrets::new(SecretMode::Memory);
        let options = BatchOptions {
            destination_admin: Some("admin".into()),
            ..BatchOptions::default()
        };
        let err = destination_side(&server(), &options, &secrets, mailbox())
            .expect_err("no admin password");
        assert!(matches!(err, SideError::MissingAdminPassword));
        assert_eq!(err.facts().side, Some(error::Side::Destination));
        assert_eq!(err.facts().auth_method, Some(AuthMethod::AdminLogin));
        let err = destination_side(&server(), &BatchOptions::default(), &secrets, mailbox())
            .expect_err("no sign-in at all");
        assert!(matches!(err, SideError::NoDestinationSignIn));
    }
}
