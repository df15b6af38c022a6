//! The device code flow (RFC 8628): the user signs in on any device by entering a short
//! code, while Mailferry polls the token endpoint.

use std::time::{Duration, Instant};

use serde::Deserialize;

use super::error::OAuthError;
use super::provider::{ProviderConfig, ProviderKind};
use super::sign_in::{finish, SignInOptions, SignedIn};
use super::token::{self, post_form, Grant, TokenFailure};
use crate::secrets::SecretString;

const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// RFC 8628 §3.5: without an `interval`, wait 5 seconds; `slow_down` adds 5.
const DEFAULT_INTERVAL: u64 = 5;
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// A device sign-in waiting for the user.
pub struct DeviceCodeSignIn {
    /// What the user types on the verification page.
    pub user_code: String,
    pub verification_uri: String,
    /// The provider's own instruction, ready to show.
    pub message: Option<String>,
    pub expires_at: Instant,
    pub interval: Duration,
    device_code: SecretString,
    config: ProviderConfig,
    options: SignInOptions,
    http: reqwest::Client,
}

/// One poll's outcome.
pub enum DevicePoll {
    /// Not yet: poll again after [`DeviceCodeSignIn::interval`].
    Pending,
    Done(SignedIn),
}

#[derive(Deserialize)]
struct Start {
    device_code: String,
    user_code: String,
    // RFC 8628's name; some providers say verification_url.
    #[serde(alias = "verification_url")]
    verification_uri: String,
    expires_in: Option<u64>,
    interval: Option<u64>,
    message: Option<String>,
}

/// Asks the provider for a user code.
pub async fn start_device_code(
    config: ProviderConfig,
    options: SignInOptions,
) -> Result<DeviceCodeSignIn, OAuthError> {
    config.require_client_id()?;
    // Google's device flow grants only a short list of scopes, and https://mail.google.com/
    // is not among them: asking would end in `invalid_scope` after the person typed the code.
    if config.kind == ProviderKind::Google {
        return Err(OAuthError::DeviceCodeNotOffered {
            provider: config.kind,
        });
    }
    let http = token::http_client()?;
    let secret = options
        .client_secret
        .as_ref()
        .map(|s| s.expose().to_string());
    let mut form = vec![
        ("client_id", config.client_id.as_str()),
        ("scope", config.scopes.as_str()),
    ];
    if let Some(secret) = &secret {
        form.push(("client_secret", secret));
    }
    let url = config.device_code_url.clone();
    let body = match post_form(&http, &url, &form).await {
        Ok(body) => body,
        Err(TokenFailure::Other(e)) => return Err(e),
        Err(TokenFailure::OAuth(body)) => {
            return Err(token::classify(
                Grant::DeviceCode,
                &config,
                options.login_hint.as_deref().unwrap_or(""),
                body,
            ))
        }
    };
    let start: Start = serde_json::from_value(body).map_err(|e| OAuthError::Malformed {
        url: url.clone(),
        detail: e.to_string(),
    })?;
    Ok(DeviceCodeSignIn {
        user_code: start.user_code,
        verification_uri: start.verification_uri,
        message: start.message,
        expires_at: Instant::now() + Duration::from_secs(start.expires_in.unwrap_or(900)),
        interval: Duration::from_secs(start.interval.unwrap_or(DEFAULT_INTERVAL).max(1)),
        device_code: SecretString::new(start.device_code),
        config,
        options,
        http,
    })
}

impl DeviceCodeSignIn {
    /// Asks once whether the user has finished; stores the sign-in when they have.
    pub async fn poll(&mut self) -> Result<DevicePoll, OAuthError> {
        let secret = self
            .options
            .client_secret
            .as_ref()
            .map(|s| s.expose().to_string());
        let mut form = vec![
            ("grant_type", DEVICE_CODE_GRANT),
            ("client_id", self.config.client_id.as_str()),
            ("device_code", self.device_code.expose()),
        ];
        if let Some(secret) = &secret {
            form.push(("client_secret", secret));
        }
        match token::request(&self.http, &self.config.token_url, &form).await {
            Ok(tokens) => Ok(DevicePoll::Done(finish(
                self.config.clone(),
                self.options.clone(),
                tokens,
            )?)),
            Err(TokenFailure::Other(e)) => Err(e),
            Err(TokenFailure::OAuth(body)) => match body.error.as_str() {
                "authorization_pending" => Ok(DevicePoll::Pending),
                "slow_down" => {
                    self.interval += SLOW_DOWN_STEP;
                    Ok(DevicePoll::Pending)
                }
                // Entra ID says expired_token; Google says expired_token too, older ones code_expired.
                "expired_token" | "code_expired" => Err(OAuthError::DeviceCodeExpired {
                    user_code: self.user_code.clone(),
                }),
                _ => Err(token::classify(
                    Grant::DeviceCode,
                    &self.config,
                    self.options.login_hint.as_deref().unwrap_or(""),
                    body,
                )),
            },
        }
    }

    /// Polls at the provider's pace until the user finishes, declines, or the code expires.
    pub async fn wait(mut self) -> Result<SignedIn, OAuthError> {
        loop {
            if Instant::now() >= self.expires_at {
                return Err(OAuthError::DeviceCodeExpired {
                    user_code: self.user_code.clone(),
                });
            }
            tokio::time::sleep(self.interval).await;
            if let DevicePoll::Done(signed_in) = self.poll().await? {
                return Ok(signed_in);
            }
        }
    }
}
