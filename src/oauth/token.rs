//! The token endpoint: redeeming a code, refreshing, client credentials, and reading
//! the answers (RFC 6749 §5, with Entra ID's and Google's error shapes).
//!
//! Hand-written over reqwest rather than the `oauth2` crate: the grants are four small form
//! POSTs, and Mailferry needs the raw `error` / AADSTS codes to explain failures, which the
//! crate wraps in its own generic types; its reqwest integration also lags reqwest releases.

use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;

use super::error::OAuthError;
use super::provider::{ProviderConfig, ProviderKind};
use crate::secrets::SecretString;

/// How long one HTTP exchange with the identity provider may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The HTTP client for every identity provider and Graph call: rustls with the ring
/// provider and the system's root certificates, like the IMAP side.
pub fn http_client() -> Result<reqwest::Client, OAuthError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| OAuthError::Loopback(format!("TLS setup failed: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .timeout(HTTP_TIMEOUT)
        // Token endpoints never redirect; following one could send a secret elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Mailferry/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| OAuthError::Loopback(format!("HTTP client setup failed: {e}")))
}

/// A successful token response.
pub struct Tokens {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    /// Seconds the access token lives, as the provider said.
    pub expires_in: Option<u64>,
    /// The account named by the OpenID Connect id_token, when one came back.
    pub account: Option<String>,
    /// The scopes granted, as the provider listed them (`scope`, RFC 6749 §5.1).
    pub scope: Option<String>,
}

#[derive(Deserialize)]
struct RawTokens {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<serde_json::Value>,
    id_token: Option<String>,
    scope: Option<String>,
}

/// An error body: RFC 6749 `error`, `error_description`, plus Entra ID's `error_codes`.
#[derive(Deserialize, Debug, Default)]
pub struct ErrorBody {
    pub error: String,
    #[serde(default)]
    pub error_description: String,
    #[serde(default)]
    pub error_codes: Vec<u64>,
}

impl ErrorBody {
    /// The first line of the description (Entra ID appends trace and correlation IDs).
    pub fn summary(&self) -> String {
        let first = self.error_description.lines().next().unwrap_or("").trim();
        if first.is_empty() {
            self.error.clone()
        } else {
            first.to_string()
        }
    }
}

/// A token request ended with an OAuth2 error, or with something that is not OAuth2.
pub enum TokenFailure {
    OAuth(ErrorBody),
    Other(OAuthError),
}

/// POSTs a form to `url` and reads a token response.
pub async fn request(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> Result<Tokens, TokenFailure> {
    let body = post_form(http, url, form).await?;
    let raw: RawTokens = serde_json::from_value(body).map_err(|e| {
        TokenFailure::Other(OAuthError::Malformed {
            url: url.into(),
            detail: format!("token response: {e}"),
        })
    })?;
    Ok(Tokens {
        access_token: SecretString::new(raw.access_token),
        refresh_token: raw.refresh_token.map(SecretString::new),
        // Google and Entra ID send a number; some older servers send a string.
        expires_in: raw.expires_in.and_then(|v| match v {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        }),
        account: raw.id_token.as_deref().and_then(account_from_id_token),
        scope: raw.scope,
    })
}

/// POSTs a form; a 2xx JSON body is returned, an OAuth2 error body becomes `TokenFailure::OAuth`.
pub async fn post_form(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> Result<serde_json::Value, TokenFailure> {
    let response = http
        .post(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .form(form)
        .send()
        .await
        .map_err(|e| TokenFailure::Other(unreachable(url, &e)))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| TokenFailure::Other(unreachable(url, &e)))?;
    if status.is_success() {
        return serde_json::from_str(&text).map_err(|e| {
            TokenFailure::Other(OAuthError::Malformed {
                url: url.into(),
                detail: format!("HTTP {status}, not JSON: {e}"),
            })
        });
    }
    match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => Err(TokenFailure::OAuth(body)),
        Err(_) if status.is_server_error() => Err(TokenFailure::Other(OAuthError::Unreachable {
            url: url.into(),
            detail: format!("HTTP {status}"),
        })),
        Err(_) => Err(TokenFailure::Other(OAuthError::Malformed {
            url: url.into(),
            detail: format!("HTTP {status} without an OAuth2 error"),
        })),
    }
}

pub fn unreachable(url: &str, e: &reqwest::Error) -> OAuthError {
    // reqwest's Display omits the cause ("error sending request"); the chain says why.
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    OAuthError::Unreachable {
        url: url.into(),
        detail,
    }
}

/// What a failed grant means, given which grant it was.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Grant {
    AuthorizationCode,
    Refresh,
    ClientCredentials,
    DeviceCode,
}

/// Turns an OAuth2 error body into the error the user sees.
pub fn classify(
    grant: Grant,
    config: &ProviderConfig,
    account: &str,
    body: ErrorBody,
) -> OAuthError {
    let provider = config.kind;
    let description = body.summary();
    match body.error.as_str() {
        // Entra ID: AADSTS70008 expired, 50173 revoked (password reset), 700082 inactive;
        // Google: "Token has been expired or revoked." A refresh that needs the user again
        // (MFA, consent, password change) says interaction_required.
        "invalid_grant" | "interaction_required" | "consent_required" | "login_required"
            if grant == Grant::Refresh =>
        {
            OAuthError::SignInExpired {
                provider,
                account: account.to_string(),
                description,
            }
        }
        "unauthorized_client" if body.error_codes.contains(&700016) => OAuthError::UnknownClient {
            provider,
            client_id: config.client_id.clone(),
            description,
        },
        "invalid_client" if grant == Grant::ClientCredentials => OAuthError::BadClientSecret {
            provider,
            description,
        },
        // Google answers a wrong secret with invalid_client "Unauthorized", a missing one with
        // invalid_request "client_secret is missing.", an unknown client with "... not found".
        "invalid_client"
            if provider == ProviderKind::Google && !description.contains("not found") =>
        {
            OAuthError::BadClientSecret {
                provider,
                description,
            }
        }
        "invalid_request"
            if provider == ProviderKind::Google && description.contains("client_secret") =>
        {
            OAuthError::BadClientSecret {
                provider,
                description,
            }
        }
        "invalid_client" if provider == ProviderKind::Google => OAuthError::UnknownClient {
            provider,
            client_id: config.client_id.clone(),
            description,
        },
        "access_denied" | "authorization_declined" => OAuthError::Declined { description },
        error => OAuthError::Refused {
            provider,
            error: error.to_string(),
            description,
        },
    }
}

/// The signed-in account from an OpenID Connect id_token: `preferred_username` (Entra ID),
/// else `email` (Google), else `upn`.
///
/// The signature is not checked: the token came straight from the token endpoint over TLS,
/// which OpenID Connect Core §3.1.3.7 accepts in place of it, and Mailferry uses the name only
/// to label the stored sign-in, never to decide access.
pub fn account_from_id_token(id_token: &str) -> Option<String> {
    let payload = id_token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    ["preferred_username", "email", "upn"]
        .iter()
        .find_map(|claim| claims[claim].as_str().filter(|s| !s.is_empty()))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::provider::Endpoints;

    fn id_token(claims: &str) -> String {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.sig", b64(r#"{"alg":"RS256"}"#), b64(claims))
    }

    #[test]
    fn the_account_comes_from_the_id_token() {
        assert_eq!(
            account_from_id_token(&id_token(
                r#"{"preferred_username":"a@x.com","email":"b@x.com"}"#
            )),
            Some("a@x.com".into())
        );
        assert_eq!(
            account_from_id_token(&id_token(r#"{"email":"g@gmail.com"}"#)),
            Some("g@gmail.com".into())
        );
        assert_eq!(account_from_id_token("not-a-jwt"), None);
    }

    #[test]
    fn a_revoked_refresh_token_asks_to_sign_in_again() {
        use crate::error::{Classify, ErrorKind};
        let config = ProviderConfig::microsoft("common", "id", &Endpoints::default(), false);
        let body = ErrorBody {
            error: "invalid_grant".into(),
            error_description: "AADSTS50173: The provided grant has expired due to it being revoked.\r\nTrace ID: x".into(),
            error_codes: vec![50173],
        };
        let e = classify(Grant::Refresh, &config, "admin@contoso.com", body);
        assert_eq!(e.kind(), ErrorKind::Authentication);
        assert!(
            e.hint()
                .contains("Sign in again with Microsoft as admin@contoso.com"),
            "{}",
            e.hint()
        );
        assert!(!e.to_string().contains("Trace ID"));
    }
}
