//! Signing in: in the browser (authorization code with PKCE and a loopback redirect), and
//! as an app (client credentials, with a secret or a certificate). Both end with the sign-in stored in the keyring.
//!
//! Made for the desktop shell as much as for the command line: [`start_interactive`]
//! returns the address to open and a future that completes when the browser comes back,
//! so the caller decides how to open the browser and how long to wait.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use super::client_certificate::ClientCertificate;
use super::error::OAuthError;
use super::loopback::{Answer, Loopback};
use super::pkce::{random_state, Pkce};
use super::provider::{ProviderConfig, ProviderKind};
use super::store::{self, SignInRef, StoredSignIn};
use super::token::{self, Grant, TokenFailure, Tokens};
use super::token_source::{Purpose, TokenSource};
use crate::secrets::SecretString;

/// How long a browser sign-in may take by default.
pub const BROWSER_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// A completed, stored sign-in.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SignedIn {
    /// `microsoft:alice@contoso.com`, the name to use it by.
    pub name: String,
    pub reference: SignInRef,
    pub account: String,
}

/// Choices of an interactive or device-code sign-in.
#[derive(Debug, Clone, Default)]
pub struct SignInOptions {
    /// The account expected; sent as `login_hint` and used as the name when the provider
    /// does not say who signed in.
    pub login_hint: Option<String>,
    /// Google's desktop clients come with a "secret" that is not secret; Entra ID public
    /// clients have none.
    pub client_secret: Option<SecretString>,
    /// How long to wait for the browser (default 10 minutes).
    pub timeout: Option<Duration>,
}

/// A completed browser sign-in with the scopes the provider granted (space-separated, as
/// its token response listed them), which the setup checker inspects.
pub type GrantedSignIn = (SignedIn, Option<String>);

type Completion = Pin<Box<dyn Future<Output = Result<GrantedSignIn, OAuthError>> + Send>>;

/// A browser sign-in in progress.
pub struct InteractiveSignIn {
    /// The page to open in the browser.
    pub authorize_url: String,
    pub redirect_uri: String,
    completion: Completion,
}

impl InteractiveSignIn {
    /// Waits for the browser, redeems the code and stores the sign-in.
    pub async fn complete(self) -> Result<SignedIn, OAuthError> {
        self.completion.await.map(|(signed_in, _)| signed_in)
    }

    /// [`InteractiveSignIn::complete`], also returning the scopes granted.
    pub async fn complete_with_scope(self) -> Result<GrantedSignIn, OAuthError> {
        self.completion.await
    }
}

/// Starts listening for the browser and builds the authorize URL (PKCE S256, random state).
pub async fn start_interactive(
    config: ProviderConfig,
    options: SignInOptions,
) -> Result<InteractiveSignIn, OAuthError> {
    config.require_client_id()?;
    let loopback = Loopback::bind().await?;
    let redirect_uri = loopback.redirect_uri(config.kind);
    let pkce = Pkce::new();
    let state = random_state();
    let mut url = url::Url::parse(&config.authorize_url).map_err(|e| OAuthError::Malformed {
        url: config.authorize_url.clone(),
        detail: e.to_string(),
    })?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("client_id", &config.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("response_mode", "query")
            .append_pair("scope", &config.scopes)
            .append_pair("state", &state)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256");
        if config.kind == ProviderKind::Google {
            // Without these Google returns no refresh token on a repeated sign-in.
            q.append_pair("access_type", "offline")
                .append_pair("prompt", "consent");
        } else {
            q.append_pair("prompt", "select_account");
        }
        if let Some(hint) = &options.login_hint {
            q.append_pair("login_hint", hint);
        }
    }
    let authorize_url = url.to_string();
    let timeout = options.timeout.unwrap_or(BROWSER_TIMEOUT);
    let uri = redirect_uri.clone();
    let completion = Box::pin(async move {
        let Answer::Code(code) = loopback.wait(&state, timeout).await?;
        let http = token::http_client()?;
        let secret = options
            .client_secret
            .as_ref()
            .map(|s| s.expose().to_string());
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("client_id", config.client_id.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", uri.as_str()),
            ("code_verifier", pkce.verifier.expose()),
        ];
        if let Some(secret) = &secret {
            form.push(("client_secret", secret));
        }
        let account_hint = options.login_hint.clone().unwrap_or_default();
        let tokens = match token::request(&http, &config.token_url, &form).await {
            Ok(tokens) => tokens,
            Err(TokenFailure::Other(e)) => return Err(e),
            Err(TokenFailure::OAuth(body)) => {
                return Err(token::classify(
                    Grant::AuthorizationCode,
                    &config,
                    &account_hint,
                    body,
                ))
            }
        };
        let scope = tokens.scope.clone();
        finish(config, options, tokens).map(|signed_in| (signed_in, scope))
    });
    Ok(InteractiveSignIn {
        authorize_url,
        redirect_uri,
        completion,
    })
}

/// Names and stores a person's sign-in from its first token response.
pub(crate) fn finish(
    config: ProviderConfig,
    options: SignInOptions,
    tokens: Tokens,
) -> Result<SignedIn, OAuthError> {
    let account = tokens
        .account
        .clone()
        .or(options.login_hint.clone())
        .ok_or(OAuthError::UnknownAccount {
            provider: config.kind,
        })?;
    if tokens.refresh_token.is_none() {
        return Err(OAuthError::Refused {
            provider: config.kind,
            error: "no refresh token".into(),
            description: "the sign-in did not grant offline access, so it could not be used for a long migration".into(),
        });
    }
    keep(StoredSignIn {
        reference: SignInRef::user(config.kind, &account),
        config,
        refresh_token: tokens.refresh_token.clone(),
        client_secret: options.client_secret,
        client_certificate: None,
    })
}

/// Stores a sign-in that proved good and drops any token source cached for its name, so the
/// next migration uses the new one.
fn keep(signin: StoredSignIn) -> Result<SignedIn, OAuthError> {
    store::save(&signin)?;
    let reference = signin.reference;
    super::token_source::forget_shared(&reference);
    Ok(SignedIn {
        name: reference.to_string(),
        account: reference.account.clone(),
        reference,
    })
}

/// How an app registration proves who it is.
#[derive(Debug, Clone)]
pub enum AppCredential {
    /// A client secret's Value.
    Secret(SecretString),
    /// A certificate uploaded to the registration, with its private key.
    Certificate(ClientCertificate),
}

/// Signs the app in as itself (client credentials) to check its credential, then stores it.
/// The IMAP tokens are fetched when a migration needs them.
pub async fn sign_in_app(
    config: ProviderConfig,
    credential: AppCredential,
) -> Result<SignedIn, OAuthError> {
    config.require_client_id()?;
    let tenant = config.tenant.clone().unwrap_or_default();
    let (client_secret, client_certificate) = match credential {
        AppCredential::Secret(secret) => (Some(secret), None),
        AppCredential::Certificate(certificate) => (None, Some(certificate)),
    };
    let signin = StoredSignIn {
        reference: SignInRef::app(config.kind, &tenant),
        config,
        refresh_token: None,
        client_secret,
        client_certificate,
    };
    // Not persisted until the credential proved good.
    let source = TokenSource::new(signin.clone(), Purpose::Imap, false)?;
    source.access_token().await?;
    keep(signin)
}

/// The stored sign-ins, without secrets.
pub fn list_sign_ins() -> Result<Vec<store::SignInInfo>, OAuthError> {
    store::list()
}

/// Forgets a stored sign-in; `false` when there was none.
pub fn forget_sign_in(reference: &SignInRef) -> Result<bool, OAuthError> {
    super::token_source::forget_shared(reference);
    store::forget(reference)
}
