//! Passwords and tokens: where they come from, and how they are kept out of sight.
//!
//! A secret lives in memory only while it is used; at rest it is in the OS keyring.
//! It never appears in `Debug` output, logs, reports or the state database.

use std::sync::Arc;

use thiserror::Error;

use crate::error::{Classify, ErrorKind};

/// The keyring service name every Mailferry entry is stored under.
pub const KEYRING_SERVICE: &str = "Mailferry";

/// A string that does not print itself and is wiped when dropped.
#[derive(Clone)]
pub struct SecretString(Arc<Wiped>);

struct Wiped(String);

impl Drop for Wiped {
    fn drop(&mut self) {
        // Not a guarantee (copies may exist), but it shortens the time the secret sits in
        // freed memory.
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl SecretString {
    pub fn new(value: String) -> SecretString {
        SecretString(Arc::new(Wiped(value)))
    }
    pub fn expose(&self) -> &str {
        &self.0 .0
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What proves who we are to a server.
#[derive(Clone, Debug)]
pub enum Secret {
    Password(SecretString),
    /// An OAuth2 access token, for XOAUTH2 / OAUTHBEARER.
    AccessToken(SecretString),
    /// A stored sign-in that supplies fresh access tokens for as long as the run lasts.
    OAuth(crate::oauth::TokenSource),
}

#[derive(Debug, Error)]
pub enum SecretError {
    #[error("the environment variable {0} is not set")]
    EnvMissing(String),
    #[error("no password for {0}: none in the keyring and no terminal to ask on")]
    NotFound(String),
    #[error("the system keyring is not available: {0}")]
    KeyringUnavailable(String),
    #[error("could not read the password from the terminal: {0}")]
    Prompt(String),
}

impl Classify for SecretError {
    fn kind(&self) -> ErrorKind {
        match self {
            SecretError::KeyringUnavailable(_) => ErrorKind::Local,
            _ => ErrorKind::Input,
        }
    }
    fn hint(&self) -> String {
        match self {
            SecretError::EnvMissing(var) => format!("Set {var} to the password before running Mailferry."),
            SecretError::NotFound(_) => "Give Mailferry the password again: it is not in this computer's keyring.".into(),
            SecretError::KeyringUnavailable(_) => "On Linux the keyring needs a running Secret Service (GNOME Keyring or KWallet); without one, passwords can be kept in memory for this session only.".into(),
            SecretError::Prompt(_) => "Give Mailferry the password another way, or run it where it can ask for it.".into(),
        }
    }
}

/// Where to look for a password, in order: an environment variable, the keyring, a prompt.
pub struct PasswordSource<'a> {
    pub env_var: Option<&'a str>,
    /// The keyring entry name (the endpoint's display URL).
    pub keyring_account: &'a str,
    pub prompt: bool,
}

pub fn resolve_password(source: &PasswordSource<'_>) -> Result<SecretString, SecretError> {
    if let Some(var) = source.env_var {
        return std::env::var(var)
            .map(SecretString::new)
            .map_err(|_| SecretError::EnvMissing(var.into()));
    }
    match keyring_get(source.keyring_account) {
        Ok(Some(secret)) => return Ok(secret),
        Ok(None) => {}
        // An unavailable keyring is only fatal if nothing else can supply the password.
        Err(e) if !source.prompt => return Err(e),
        Err(_) => {}
    }
    if source.prompt && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        let text = rpassword::prompt_password(format!("Password for {}: ", source.keyring_account))
            .map_err(|e| SecretError::Prompt(e.to_string()))?;
        return Ok(SecretString::new(text));
    }
    Err(SecretError::NotFound(source.keyring_account.into()))
}

fn keyring_entry(account: &str) -> Result<keyring::Entry, SecretError> {
    keyring::Entry::new(KEYRING_SERVICE, account).map_err(keyring_error)
}

fn keyring_error(e: keyring::Error) -> SecretError {
    SecretError::KeyringUnavailable(e.to_string())
}

/// Reads a secret from the OS keyring; `None` when there is no entry.
pub fn keyring_get(account: &str) -> Result<Option<SecretString>, SecretError> {
    match keyring_entry(account)?.get_password() {
        Ok(value) => Ok(Some(SecretString::new(value))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(keyring_error(e)),
    }
}

pub fn keyring_set(account: &str, secret: &SecretString) -> Result<(), SecretError> {
    keyring_entry(account)?
        .set_password(secret.expose())
        .map_err(keyring_error)
}

pub fn keyring_delete(account: &str) -> Result<(), SecretError> {
    match keyring_entry(account)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(keyring_error(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::Password(SecretString::new("hunter2".into()));
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn env_var_wins_and_missing_is_clear() {
        std::env::set_var("MAILFERRY_TEST_PW_X", "pw1");
        let src = PasswordSource {
            env_var: Some("MAILFERRY_TEST_PW_X"),
            keyring_account: "x",
            prompt: false,
        };
        assert_eq!(resolve_password(&src).unwrap().expose(), "pw1");
        let src = PasswordSource {
            env_var: Some("MAILFERRY_TEST_PW_MISSING"),
            keyring_account: "x",
            prompt: false,
        };
        assert!(matches!(
            resolve_password(&src),
            Err(SecretError::EnvMissing(_))
        ));
    }
}
