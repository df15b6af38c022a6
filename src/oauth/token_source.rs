//! Valid access tokens on demand, for as long as a migration runs.
//!
//! A [`TokenSource`] holds one stored sign-in. It hands out the current access token, gets a
//! new one before the current one runs out (proactively, when less than five minutes — or
//! half of a short lifetime — remain) and at once when a server refused a token it still
//! thought good (Exchange ends sessions with `AccessTokenExpired`, Continuous Access
//! Evaluation revokes tokens early). A rotated refresh token goes back to the keyring.
//! Clones share the token, so every connection of a run (and every mailbox of a batch that
//! uses the same admin sign-in) refreshes once, not once each.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::client_certificate::{self, ClientCertificate};
use super::error::OAuthError;
use super::provider::{ProviderConfig, ProviderKind};
use super::store::{self, SignInRef, StoredSignIn};
use super::token::{self, Grant, TokenFailure, Tokens};
use crate::secrets::SecretString;

/// Refresh when less than this is left (Microsoft's and Google's tokens live about an hour).
const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// When a provider does not say how long a token lives.
const ASSUMED_LIFETIME: Duration = Duration::from_secs(3600);

/// What the tokens are for: each is a different resource to Microsoft.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    Imap,
    Graph,
}

#[derive(Clone)]
pub struct TokenSource(Arc<Inner>);

struct Inner {
    reference: SignInRef,
    config: ProviderConfig,
    purpose: Purpose,
    client_secret: Option<SecretString>,
    client_certificate: Option<ClientCertificate>,
    refresh_token: Mutex<Option<SecretString>>,
    /// The async lock also makes concurrent callers wait for one refresh.
    current: tokio::sync::Mutex<Option<Current>>,
    http: reqwest::Client,
    /// Write rotated refresh tokens back to the keyring.
    persist: bool,
    refreshes: AtomicU64,
}

struct Current {
    token: SecretString,
    obtained: Instant,
    lifetime: Duration,
}

impl Current {
    fn fresh(&self) -> bool {
        fresh_after(self.obtained.elapsed(), self.lifetime)
    }
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("sign_in", &self.0.reference.to_string())
            .field("purpose", &self.0.purpose)
            .finish_non_exhaustive()
    }
}

/// One source per stored sign-in and purpose in a process: a batch's mailboxes share the
/// admin's token.
fn registry() -> &'static Mutex<HashMap<(SignInRef, Purpose), TokenSource>> {
    static REGISTRY: OnceLock<Mutex<HashMap<(SignInRef, Purpose), TokenSource>>> = OnceLock::new();
    REGISTRY.get_or_init(Mutex::default)
}

/// Drops the process-wide sources of a sign-in, after it was replaced or forgotten (the
/// desktop app lives long enough to sign in again with the same account).
pub fn forget_shared(reference: &SignInRef) {
    if let Ok(mut registry) = registry().lock() {
        registry.retain(|(r, _), _| r != reference);
    }
}

impl TokenSource {
    /// The process-wide source for a stored sign-in, loading it from the keyring once.
    pub fn shared(reference: &SignInRef, purpose: Purpose) -> Result<TokenSource, OAuthError> {
        let key = (reference.clone(), purpose);
        if let Some(source) = registry().lock().ok().and_then(|r| r.get(&key).cloned()) {
            return Ok(source);
        }
        let source = TokenSource::new(store::load(reference)?, purpose, true)?;
        if let Ok(mut registry) = registry().lock() {
            return Ok(registry.entry(key).or_insert(source).clone());
        }
        Ok(source)
    }

    /// A source for a sign-in held in memory; `persist` writes rotated refresh tokens back.
    pub fn new(
        signin: StoredSignIn,
        purpose: Purpose,
        persist: bool,
    ) -> Result<TokenSource, OAuthError> {
        Ok(TokenSource(Arc::new(Inner {
            reference: signin.reference,
            config: signin.config,
            purpose,
            client_secret: signin.client_secret,
            client_certificate: signin.client_certificate,
            refresh_token: Mutex::new(signin.refresh_token),
            current: tokio::sync::Mutex::new(None),
            http: token::http_client()?,
            persist,
            refreshes: AtomicU64::new(0),
        })))
    }

    pub fn reference(&self) -> &SignInRef {
        &self.0.reference
    }

    pub fn client_id(&self) -> &str {
        &self.0.config.client_id
    }

    pub fn config(&self) -> &ProviderConfig {
        &self.0.config
    }

    /// How many tokens were fetched from the provider so far.
    pub fn refreshes(&self) -> u64 {
        self.0.refreshes.load(Ordering::Relaxed)
    }

    /// A token good for at least a few more minutes (or half of a short lifetime).
    pub async fn access_token(&self) -> Result<SecretString, OAuthError> {
        let mut current = self.0.current.lock().await;
        if let Some(c) = current.as_ref().filter(|c| c.fresh()) {
            return Ok(c.token.clone());
        }
        let tokens = self.fetch().await?;
        let token = tokens.access_token.clone();
        *current = Some(Current {
            token: tokens.access_token,
            obtained: Instant::now(),
            lifetime: lifetime(tokens.expires_in),
        });
        Ok(token)
    }

    /// A server refused `token`: forget it, so the next call fetches a new one. A token
    /// already replaced by another connection's refresh is left alone.
    pub async fn rejected(&self, token: &SecretString) {
        let mut current = self.0.current.lock().await;
        if current
            .as_ref()
            .is_some_and(|c| c.token.expose() == token.expose())
        {
            *current = None;
        }
    }

    async fn fetch(&self) -> Result<Tokens, OAuthError> {
        let inner = &self.0;
        let config = &inner.config;
        let client_id = config.client_id.as_str();
        let secret = inner.client_secret.as_ref().map(|s| s.expose().to_string());
        let (grant, tokens) = if inner.reference.app {
            let scope = match inner.purpose {
                Purpose::Imap => config.app_scope().to_string(),
                Purpose::Graph => graph_root(config) + "/.default",
            };
            let mut form = vec![
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("scope", scope.as_str()),
            ];
            // Signed anew for every request: an assertion lives ten minutes, a token an hour.
            let assertion = match &inner.client_certificate {
                Some(certificate) => Some(certificate.assertion(client_id, &config.token_url)?),
                None => None,
            };
            if let Some(assertion) = &assertion {
                form.push(("client_assertion_type", client_certificate::ASSERTION_TYPE));
                form.push(("client_assertion", assertion.expose()));
            } else if let Some(secret) = &secret {
                form.push(("client_secret", secret));
            }
            (
                Grant::ClientCredentials,
                token::request(&inner.http, &config.token_url, &form).await,
            )
        } else {
            let refresh = inner
                .refresh_token
                .lock()
                .ok()
                .and_then(|r| r.clone())
                .ok_or_else(|| OAuthError::SignInExpired {
                    provider: config.kind,
                    account: inner.reference.account.clone(),
                    description: "no refresh token is stored".into(),
                })?;
            let scope = refresh_scope(config, inner.purpose);
            let mut form = vec![
                ("grant_type", "refresh_token"),
                ("client_id", client_id),
                ("refresh_token", refresh.expose()),
            ];
            if let Some(scope) = &scope {
                form.push(("scope", scope));
            }
            if let Some(secret) = &secret {
                form.push(("client_secret", secret));
            }
            (
                Grant::Refresh,
                token::request(&inner.http, &config.token_url, &form).await,
            )
        };
        let tokens = match tokens {
            Ok(tokens) => tokens,
            Err(TokenFailure::Other(e)) => return Err(e),
            Err(TokenFailure::OAuth(body)) => {
                tracing::warn!(
                    "{}: the token endpoint answered {}",
                    inner.reference,
                    body.error
                );
                if let (Some(certificate), "invalid_client") =
                    (&inner.client_certificate, body.error.as_str())
                {
                    return Err(OAuthError::BadClientCertificate {
                        provider: config.kind,
                        thumbprint: certificate.thumbprint(),
                        description: body.summary(),
                    });
                }
                return Err(token::classify(
                    grant,
                    config,
                    &inner.reference.account,
                    body,
                ));
            }
        };
        inner.refreshes.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(
            "{}: new access token, valid {} s",
            inner.reference,
            tokens.expires_in.unwrap_or(0)
        );
        if let Some(new) = &tokens.refresh_token {
            self.rotate(new);
        }
        Ok(tokens)
    }

    /// Keeps a rotated refresh token (Entra ID sends a new one with every refresh; Google
    /// rarely). A keyring failure is logged, not fatal: the old token still works for now.
    fn rotate(&self, new: &SecretString) {
        let inner = &self.0;
        let changed = match inner.refresh_token.lock() {
            Ok(mut current) => {
                let changed = current.as_ref().map(|c| c.expose()) != Some(new.expose());
                *current = Some(new.clone());
                changed
            }
            Err(_) => false,
        };
        if changed && inner.persist {
            if let Err(e) = store::update_refresh_token(&inner.reference, new) {
                tracing::warn!(
                    "{}: cannot store the new refresh token: {e}",
                    inner.reference
                );
            }
        }
    }
}

/// Whether a token obtained `age` ago and living `lifetime` is still worth using.
fn fresh_after(age: Duration, lifetime: Duration) -> bool {
    let margin = REFRESH_MARGIN.min(lifetime / 2);
    age + margin < lifetime
}

fn lifetime(expires_in: Option<u64>) -> Duration {
    expires_in
        .map(Duration::from_secs)
        .unwrap_or(ASSUMED_LIFETIME)
}

fn graph_root(config: &ProviderConfig) -> String {
    config
        .graph_url
        .clone()
        .unwrap_or_else(|| "https://graph.microsoft.com".into())
        .trim_end_matches('/')
        .to_string()
}

/// Microsoft issues a token for one resource at a time, so a refresh names the resource's
/// scopes; Google's refresh keeps the scopes of the sign-in.
fn refresh_scope(config: &ProviderConfig, purpose: Purpose) -> Option<String> {
    match (config.kind, purpose) {
        (ProviderKind::Google, _) => None,
        (ProviderKind::Microsoft, Purpose::Imap) => Some(format!(
            "{} offline_access",
            super::provider::MICROSOFT_IMAP_SCOPE
        )),
        (ProviderKind::Microsoft, Purpose::Graph) => Some(
            "https://graph.microsoft.com/User.Read https://graph.microsoft.com/User.ReadBasic.All offline_access"
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_renewed_before_they_run_out() {
        let fresh = |lifetime: u64, age: u64| {
            fresh_after(Duration::from_secs(age), Duration::from_secs(lifetime))
        };
        assert!(fresh(3600, 0));
        assert!(fresh(3600, 3200));
        assert!(!fresh(3600, 3400));
        // A 4-second token is used for 2 seconds, not refreshed on every call.
        assert!(fresh(4, 1));
        assert!(!fresh(4, 3));
    }
}
