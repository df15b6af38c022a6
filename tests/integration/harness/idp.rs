//! A stand-in for the OAuth2 identity provider in the cloud we cannot reach from tests.
//!
//! It speaks the Microsoft identity platform v2.0 protocol (the shapes Google's endpoints
//! share): authorization code with PKCE, refresh tokens, client credentials, the device code
//! flow, Graph's paged `GET /v1.0/users`, and RFC 7662 token introspection for Dovecot's
//! `oauth2` passdb. It is not a mock of mailferry: it knows nothing about IMAP, and every
//! token it hands out is short-lived, opaque and inspectable from the test.
//!
//! Endpoints, on `http://127.0.0.1:<random port>`; `{tenant}` is anything (`common`,
//! `organizations`, a tenant id):
//!
//! - `GET /{tenant}/oauth2/v2.0/authorize`: 302 to `redirect_uri?code=..&state=..` for the
//!   browser's signed-in user (`set_browser_user`), or for the `login_hint` account when it
//!   names a known user (`set_known_users`; any account while no list is set), as a person
//!   picks the suggested account; PKCE with `code_challenge_method=S256`.
//! - `POST /{tenant}/oauth2/v2.0/token`: grants `authorization_code` (verifying the PKCE
//!   `code_verifier`), `refresh_token`, `client_credentials` and
//!   `urn:ietf:params:oauth:grant-type:device_code`; with `openid` in the scope, an unsigned
//!   OpenID Connect `id_token` naming the user (`preferred_username`, `email`).
//! - `POST /{tenant}/oauth2/v2.0/devicecode`: starts a device sign-in, which stays
//!   `authorization_pending` until the test calls `approve_device_code`.
//! - Google's installed-app shapes: `GET /o/oauth2/v2/auth` (`access_type=offline` for a
//!   refresh token) and `POST /token` (client secret required, no refresh token rotation,
//!   `email` in the id_token, Google's error bodies), for [`Idp::GOOGLE_CLIENT_ID`].
//! - `GET /v1.0/users`: Graph's user list, `$top` and `@odata.nextLink` paging, bearer token
//!   required.
//! - `POST /oauth2/introspect`: RFC 7662 for Dovecot, `token=..` answered with
//!   `{"active": true, "username": ..}` or `{"active": false}`.
//!
//! Errors have Entra ID's shape: status 400 (401 for client authentication) and
//! `{"error": "invalid_grant", "error_description": "AADSTS70008: ...", "error_codes": [..]}`.
//!
//! The application authenticates with its secret or, once a certificate is uploaded
//! (`register_certificate`), with a certificate-signed `client_assertion` checked as Entra ID
//! does (thumbprint, signature, audience, issuer, time range).
//!
//! Deliberate simplifications: plain HTTP (everything stays on loopback), one registered
//! application ([`Idp::CLIENT_ID`], public client and confidential client at once), any
//! tenant, and no consent or scope policy beyond what the protocol requires, except what a
//! test sets: consent missing altogether (`withhold_consent`) or for one scope
//! (`withhold_scope`); introspection, which speaks for Exchange Online, takes only tokens
//! that carry the IMAP permission. App-only access to mailboxes is one mailbox at most
//! (`grant_app_mailbox`): introspection sees only the token, not which mailbox it is
//! presented for.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rand::{Rng, RngCore};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// An HTTP client for talking to the stand-in from tests. reqwest is built with rustls but
/// without a bundled crypto provider (mailferry brings ring), so one is installed first.
pub fn http_client_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

/// The RFC 8628 grant type of the device code flow.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// RFC 7523's `client_assertion_type` for a JWT client assertion.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Exchange Online's delegated IMAP scope, what mailferry asks for.
pub const IMAP_SCOPE: &str = "https://outlook.office.com/IMAP.AccessAsUser.All";

const DEFAULT_ACCESS_LIFETIME: Duration = Duration::from_secs(3600);
/// Entra ID's default for refresh tokens (sliding; we keep it fixed).
const REFRESH_LIFETIME: Duration = Duration::from_secs(90 * 24 * 3600);
const CODE_LIFETIME: Duration = Duration::from_secs(600);
const DEVICE_CODE_LIFETIME: Duration = Duration::from_secs(900);
/// Entra ID says 5 seconds; 1 keeps a client that honours it quick in tests.
const DEVICE_POLL_INTERVAL: u64 = 1;
/// Graph's default page size for users, and its maximum `$top`.
const GRAPH_DEFAULT_TOP: usize = 100;
const GRAPH_MAX_TOP: usize = 999;
/// Scopes that shape the sign-in but are not granted as resource scopes.
const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// Which endpoint a request was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdpEndpoint {
    Authorize,
    Token,
    DeviceCode,
    GraphUsers,
    Introspection,
    /// Anything else (answered 404 or 405).
    Other,
}

/// One request the IdP answered, for tests to assert on (never holds a token).
#[derive(Clone, Debug)]
pub struct IdpRequest {
    pub endpoint: IdpEndpoint,
    pub method: String,
    pub path: String,
    /// The `{tenant}` path segment, for the `/oauth2/v2.0/` endpoints.
    pub tenant: Option<String>,
    /// `grant_type` of a token request.
    pub grant_type: Option<String>,
    pub status: u16,
    /// The OAuth2 `error` (or Graph `error.code`) answered, if any.
    pub error: Option<String>,
    /// The user the request concerned: tokens issued to, token introspected or presented.
    pub user: Option<String>,
    /// Introspection only: the `active` answered.
    pub active: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TokenKind {
    Access,
    Refresh,
}

struct TokenRecord {
    kind: TokenKind,
    /// `None` for an application's own token (client credentials).
    user: Option<String>,
    client_id: String,
    scope: String,
    issued_at: SystemTime,
    expires_at: SystemTime,
    revoked: bool,
}

impl TokenRecord {
    fn usable(&self, now: SystemTime) -> bool {
        !self.revoked && now < self.expires_at
    }
}

struct AuthCode {
    client_id: String,
    redirect_uri: String,
    user: String,
    scope: String,
    code_challenge: Option<String>,
    expires_at: SystemTime,
    redeemed: bool,
    /// Issued by the Google-shaped endpoints, redeemable only there.
    google: bool,
    /// Google: `access_type=offline` was asked for, so a refresh token comes with the tokens.
    offline: bool,
}

struct DeviceCode {
    user_code: String,
    client_id: String,
    scope: String,
    expires_at: SystemTime,
    approved_for: Option<String>,
    redeemed: bool,
}

struct IdpState {
    base_url: String,
    tokens: HashMap<String, TokenRecord>,
    codes: HashMap<String, AuthCode>,
    /// By device code.
    device_codes: HashMap<String, DeviceCode>,
    access_lifetime: Duration,
    browser_user: Option<String>,
    /// Who may sign in by `login_hint`; `None`: anyone named.
    known_users: Option<Vec<String>>,
    directory_size: usize,
    /// Certificates uploaded to the application (DER), for `client_assertion`.
    certificates: Vec<Vec<u8>>,
    /// The one mailbox the app may open (Add-MailboxPermission FullAccess for its service
    /// principal): app-only tokens introspect as this user.
    app_mailbox: Option<String>,
    /// Nobody granted consent for the application: `/authorize` answers AADSTS65001.
    consent_missing: bool,
    /// Scopes consent was not granted for: token responses leave them out.
    withheld_scopes: Vec<String>,
    log: Vec<IdpRequest>,
}

/// A running identity provider; stopped on drop.
pub struct Idp {
    addr: SocketAddr,
    state: Arc<Mutex<IdpState>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Idp {
    /// The one registered application (Entra ID's "Application (client) ID").
    pub const CLIENT_ID: &'static str = "9e5f94bc-e8a4-4e73-b8be-63364c29d753";
    /// Its client secret, for `client_credentials` (and optional on the other grants).
    pub const CLIENT_SECRET: &'static str = "Idp~Test.Secret-4hT8qZ2vN6mK9pW3";
    /// The Google-shaped endpoints' one OAuth client (a Desktop app client) and the secret
    /// Google hands such clients, required at its token endpoint.
    pub const GOOGLE_CLIENT_ID: &'static str =
        "731045528806-m4iltest0q3s9ojf7u2d1k5r8hbc6v0e.apps.googleusercontent.com";
    pub const GOOGLE_CLIENT_SECRET: &'static str = "GOCSPX-idpTestDesktopSecret5vN2";

    /// Starts the server on 127.0.0.1 with a random port, on its own thread and runtime:
    /// it keeps answering (Dovecot, the binary) while a test blocks its own thread.
    pub fn start() -> Idp {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind IdP port");
        listener
            .set_nonblocking(true)
            .expect("non-blocking IdP listener");
        let addr = listener.local_addr().expect("IdP address");
        let state = Arc::new(Mutex::new(IdpState {
            base_url: format!("http://{addr}"),
            tokens: HashMap::new(),
            codes: HashMap::new(),
            device_codes: HashMap::new(),
            access_lifetime: DEFAULT_ACCESS_LIFETIME,
            browser_user: None,
            known_users: None,
            directory_size: 0,
            certificates: Vec::new(),
            app_mailbox: None,
            consent_missing: false,
            withheld_scopes: Vec::new(),
            log: Vec::new(),
        }));
        let (shutdown, stop) = tokio::sync::oneshot::channel();
        let thread = {
            let state = state.clone();
            std::thread::Builder::new()
                .name("idp".into())
                .spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("IdP runtime");
                    runtime.block_on(serve(listener, state, stop));
                })
                .expect("spawn IdP thread")
        };
        Idp {
            addr,
            state,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port>`, the authority host (`login.microsoftonline.com`'s place).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn authorize_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/authorize", self.base_url())
    }

    pub fn token_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/token", self.base_url())
    }

    pub fn device_code_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/devicecode", self.base_url())
    }

    /// Google's authorize endpoint (`accounts.google.com/o/oauth2/v2/auth`'s place).
    pub fn google_auth_url(&self) -> String {
        format!("{}/o/oauth2/v2/auth", self.base_url())
    }

    /// Google's token endpoint (`oauth2.googleapis.com/token`'s place).
    pub fn google_token_url(&self) -> String {
        format!("{}/token", self.base_url())
    }

    /// Graph's users collection (`graph.microsoft.com/v1.0/users`' place).
    pub fn graph_users_url(&self) -> String {
        format!("{}/v1.0/users", self.base_url())
    }

    /// Where Dovecot's oauth2 passdb POSTs `token=...` (`DovecotConfig::oauth2`).
    pub fn introspection_url(&self) -> String {
        format!("{}/oauth2/introspect", self.base_url())
    }

    /// An access token for `user` (IMAP scope, our client), valid for `lifetime` from now;
    /// `Duration::ZERO` gives one that has already expired.
    pub fn issue_token(&self, user: &str, lifetime: Duration) -> String {
        self.lock().insert_token(
            TokenKind::Access,
            Some(user),
            Idp::CLIENT_ID,
            IMAP_SCOPE,
            lifetime,
        )
    }

    /// A refresh token for `user`, as a sign-in with `offline_access` leaves behind.
    pub fn issue_refresh_token(&self, user: &str) -> String {
        let scope = format!("{IMAP_SCOPE} offline_access");
        self.lock().insert_token(
            TokenKind::Refresh,
            Some(user),
            Idp::CLIENT_ID,
            &scope,
            REFRESH_LIFETIME,
        )
    }

    /// Revokes one access or refresh token (as "revoke sessions" or a password reset does).
    /// As in Entra ID, revoking a refresh token leaves access tokens already issued from it
    /// valid until they expire. Panics on a token the IdP never issued.
    pub fn revoke(&self, token: &str) {
        let mut state = self.lock();
        let record = state
            .tokens
            .get_mut(token)
            .expect("revoke: the IdP never issued this token");
        record.revoked = true;
    }

    /// Lifetime of access tokens issued from now on by the token endpoint (default 1 hour).
    pub fn set_access_token_lifetime(&self, lifetime: Duration) {
        self.lock().access_lifetime = lifetime;
    }

    /// The user signed in to the "browser": `/authorize` issues codes for them. Until this
    /// is called `/authorize` answers `error=login_required`.
    pub fn set_browser_user(&self, user: &str) {
        self.lock().browser_user = Some(user.to_string());
    }

    /// The accounts `/authorize` signs in when its `login_hint` names one of them (compared
    /// without regard to case; the list's spelling is the one signed in). Until this is
    /// called any `login_hint` is an account that exists; a hint not on the list falls back
    /// to the browser's user, as a person picking another account would.
    pub fn set_known_users(&self, users: &[&str]) {
        self.lock().known_users = Some(users.iter().map(|u| u.to_string()).collect());
    }

    /// The user enters `user_code` on the verification page and signs in as `user`.
    /// Panics on an unknown code.
    pub fn approve_device_code(&self, user_code: &str, user: &str) {
        let mut state = self.lock();
        let device = state
            .device_codes
            .values_mut()
            .find(|device| device.user_code == user_code)
            .unwrap_or_else(|| panic!("approve_device_code: no device sign-in {user_code:?}"));
        device.approved_for = Some(user.to_string());
    }

    /// How many users the Graph directory holds (default 0); see [`Idp::directory_user`].
    /// Uploads a certificate (PEM) to the application, as on its Certificates & secrets page:
    /// from then on a `client_assertion` signed with its key authenticates the app.
    pub fn register_certificate(&self, pem: &str) {
        use rustls::pki_types::pem::PemObject;
        let der = rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes())
            .expect("a PEM certificate to register");
        self.lock().certificates.push(der.to_vec());
    }

    /// Gives the app's service principal FullAccess to `mailbox`: its app-only tokens then
    /// introspect as that user, so Dovecot lets the app open that one mailbox.
    pub fn grant_app_mailbox(&self, mailbox: &str) {
        self.lock().app_mailbox = Some(mailbox.to_string());
    }

    /// No consent for the application in the tenant (nobody granted admin consent, and users
    /// may not consent): `/authorize` sends the browser back with `consent_required` and
    /// AADSTS65001 instead of a code, as Entra ID does when the sign-in cannot ask for it.
    pub fn withhold_consent(&self) {
        self.lock().consent_missing = true;
    }

    /// Consent covers every requested scope but `scope` (say, the IMAP permission was never
    /// granted): token responses and their tokens leave it out.
    pub fn withhold_scope(&self, scope: &str) {
        self.lock().withheld_scopes.push(scope.to_string());
    }

    pub fn set_directory_users(&self, count: usize) {
        self.lock().directory_size = count;
    }

    /// The user principal name of directory user `index` (0-based).
    pub fn directory_user(index: usize) -> String {
        format!("user{:05}@contoso.example", index + 1)
    }

    /// Every access and refresh token issued so far (for checking none leaked anywhere).
    pub fn issued_tokens(&self) -> Vec<String> {
        self.lock().tokens.keys().cloned().collect()
    }

    /// `user`'s access tokens, oldest first.
    pub fn access_tokens_of(&self, user: &str) -> Vec<String> {
        self.tokens_of(user, TokenKind::Access)
    }

    /// `user`'s refresh tokens, oldest first.
    pub fn refresh_tokens_of(&self, user: &str) -> Vec<String> {
        self.tokens_of(user, TokenKind::Refresh)
    }

    fn tokens_of(&self, user: &str, kind: TokenKind) -> Vec<String> {
        let state = self.lock();
        let mut tokens: Vec<(&String, &TokenRecord)> = state
            .tokens
            .iter()
            .filter(|(_, r)| r.kind == kind && r.user.as_deref() == Some(user))
            .collect();
        tokens.sort_by_key(|(_, r)| r.issued_at);
        tokens.into_iter().map(|(t, _)| t.clone()).collect()
    }

    /// Revokes every token of `user` of one kind (a password reset revokes refresh tokens;
    /// Continuous Access Evaluation can revoke access tokens early).
    pub fn revoke_all_of(&self, user: &str, refresh: bool) {
        let kind = if refresh {
            TokenKind::Refresh
        } else {
            TokenKind::Access
        };
        let mut state = self.lock();
        for record in state.tokens.values_mut() {
            if record.kind == kind && record.user.as_deref() == Some(user) {
                record.revoked = true;
            }
        }
    }

    /// Successful `refresh_token` grants so far.
    pub fn refresh_count(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| {
                r.endpoint == IdpEndpoint::Token
                    && r.grant_type.as_deref() == Some("refresh_token")
                    && r.status == 200
            })
            .count()
    }

    /// Every request answered so far, oldest first.
    pub fn requests(&self) -> Vec<IdpRequest> {
        self.lock().log.clone()
    }

    /// The introspection requests (Dovecot checking tokens), oldest first.
    pub fn introspections(&self) -> Vec<IdpRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.endpoint == IdpEndpoint::Introspection)
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, IdpState> {
        self.state.lock().expect("IdP state lock")
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Serving
// ---------------------------------------------------------------------------------------------

async fn serve(
    listener: std::net::TcpListener,
    state: Arc<Mutex<IdpState>>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("IdP tokio listener");
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let state = state.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(state.clone(), req));
                    // Dovecot keeps its connection open; dropping the runtime ends it.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

/// A request as the endpoints see it.
struct Call {
    method: Method,
    path: String,
    query: HashMap<String, String>,
    form: HashMap<String, String>,
    bearer: Option<String>,
}

enum Body {
    Json(Value),
    Text(String),
}

struct Reply {
    status: StatusCode,
    body: Body,
    location: Option<String>,
    www_authenticate: Option<String>,
}

impl Reply {
    fn json(status: StatusCode, body: Value) -> Reply {
        Reply {
            status,
            body: Body::Json(body),
            location: None,
            www_authenticate: None,
        }
    }

    fn text(status: StatusCode, body: &str) -> Reply {
        Reply {
            status,
            body: Body::Text(body.to_string()),
            location: None,
            www_authenticate: None,
        }
    }

    fn redirect(location: String) -> Reply {
        Reply {
            status: StatusCode::FOUND,
            body: Body::Text(String::new()),
            location: Some(location),
            www_authenticate: None,
        }
    }

    /// The OAuth2 `error` (or Graph's `error.code`) it carries.
    fn error(&self) -> Option<String> {
        if let Some(location) = &self.location {
            let url = url::Url::parse(location).ok()?;
            let error = url.query_pairs().find(|(k, _)| k == "error")?.1;
            return Some(error.into_owned());
        }
        let Body::Json(body) = &self.body else {
            return None;
        };
        match &body["error"] {
            Value::String(error) => Some(error.clone()),
            Value::Object(error) => error.get("code")?.as_str().map(str::to_string),
            _ => None,
        }
    }
}

async fn handle(
    state: Arc<Mutex<IdpState>>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Ok(respond(Reply::text(StatusCode::BAD_REQUEST, "bad body"))),
    };
    let pairs = |bytes: &[u8]| -> HashMap<String, String> {
        url::form_urlencoded::parse(bytes).into_owned().collect()
    };
    let call = Call {
        method: parts.method.clone(),
        path: parts.uri.path().to_string(),
        query: pairs(parts.uri.query().unwrap_or("").as_bytes()),
        form: pairs(&body),
        bearer: parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|v| v.trim().to_string()),
    };
    let mut state = state.lock().expect("IdP state lock");
    let reply = route(&mut state, &call);
    Ok(respond(reply))
}

fn respond(reply: Reply) -> Response<Full<Bytes>> {
    let (content_type, bytes) = match &reply.body {
        Body::Json(value) => ("application/json; charset=utf-8", value.to_string()),
        Body::Text(text) => ("text/plain; charset=utf-8", text.clone()),
    };
    let mut response = Response::new(Full::new(Bytes::from(bytes)));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    if let Some(location) = reply.location {
        headers.insert(
            header::LOCATION,
            HeaderValue::from_str(&location).expect("redirect URL is a header value"),
        );
    }
    if let Some(challenge) = reply.www_authenticate {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_str(&challenge).expect("challenge is a header value"),
        );
    }
    response
}

fn route(state: &mut IdpState, call: &Call) -> Reply {
    let segments: Vec<&str> = call.path.trim_start_matches('/').split('/').collect();
    let mut entry = IdpRequest {
        endpoint: IdpEndpoint::Other,
        method: call.method.to_string(),
        path: call.path.clone(),
        tenant: None,
        grant_type: None,
        status: 0,
        error: None,
        user: None,
        active: None,
    };
    let reply = match (&call.method, segments.as_slice()) {
        (&Method::GET, ["o", "oauth2", "v2", "auth"]) => {
            entry.endpoint = IdpEndpoint::Authorize;
            state.authorize(call, &mut entry, true)
        }
        (&Method::POST, ["token"]) => {
            entry.endpoint = IdpEndpoint::Token;
            entry.grant_type = call.form.get("grant_type").cloned();
            state.google_token(call, &mut entry)
        }
        (&Method::GET, [tenant, "oauth2", "v2.0", "authorize"]) => {
            entry.endpoint = IdpEndpoint::Authorize;
            entry.tenant = Some(tenant.to_string());
            state.authorize(call, &mut entry, false)
        }
        (&Method::POST, [tenant, "oauth2", "v2.0", "token"]) => {
            entry.endpoint = IdpEndpoint::Token;
            entry.tenant = Some(tenant.to_string());
            entry.grant_type = call.form.get("grant_type").cloned();
            state.token(call, tenant, &mut entry)
        }
        (&Method::POST, [tenant, "oauth2", "v2.0", "devicecode"]) => {
            entry.endpoint = IdpEndpoint::DeviceCode;
            entry.tenant = Some(tenant.to_string());
            state.device_code(call, tenant)
        }
        (&Method::GET, ["v1.0", "users"]) => {
            entry.endpoint = IdpEndpoint::GraphUsers;
            state.graph_users(call, &mut entry)
        }
        (&Method::POST, ["oauth2", "introspect"]) => {
            entry.endpoint = IdpEndpoint::Introspection;
            state.introspect(call, &mut entry)
        }
        (&Method::GET, ["devicelogin"]) => state.device_login(call),
        (_, [_, "oauth2", "v2.0", "authorize" | "token" | "devicecode"])
        | (_, ["v1.0", "users"] | ["oauth2", "introspect"]) => {
            Reply::text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
        }
        _ => Reply::json(
            StatusCode::NOT_FOUND,
            json!({"error": {"code": "NotFound", "message": "No such endpoint."}}),
        ),
    };
    entry.status = reply.status.as_u16();
    entry.error = reply.error();
    state.log.push(entry);
    reply
}

// ---------------------------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------------------------

/// What the token endpoint hands out on success.
struct Grant {
    user: Option<String>,
    client_id: String,
    /// As requested, including `offline_access`.
    scope: String,
}

impl IdpState {
    fn insert_token(
        &mut self,
        kind: TokenKind,
        user: Option<&str>,
        client_id: &str,
        scope: &str,
        lifetime: Duration,
    ) -> String {
        let prefix = match kind {
            TokenKind::Access => "at",
            TokenKind::Refresh => "rt",
        };
        let token = format!("idp-{prefix}-{}", random_token(32));
        let now = SystemTime::now();
        self.tokens.insert(
            token.clone(),
            TokenRecord {
                kind,
                user: user.map(str::to_string),
                client_id: client_id.to_string(),
                scope: scope.to_string(),
                issued_at: now,
                expires_at: now + lifetime,
                revoked: false,
            },
        );
        token
    }

    /// The successful token response: an access token, and a refresh token when the grant
    /// included `offline_access` (and was made for a user).
    fn issue(&mut self, grant: Grant, entry: &mut IdpRequest) -> Reply {
        let granted = granted_scope(&grant.scope)
            .split(' ')
            .filter(|s| !self.withheld_scopes.iter().any(|w| w == s))
            .collect::<Vec<_>>()
            .join(" ");
        let lifetime = self.access_lifetime;
        let access = self.insert_token(
            TokenKind::Access,
            grant.user.as_deref(),
            &grant.client_id,
            &granted,
            lifetime,
        );
        let mut body = json!({
            "token_type": "Bearer",
            "scope": granted,
            "expires_in": lifetime.as_secs(),
            "ext_expires_in": lifetime.as_secs(),
            "access_token": access,
        });
        // OpenID Connect: a sign-in that asked for `openid` learns who signed in. Unsigned
        // here ("alg": "none"); the client reads only the claims.
        let openid = grant.scope.split(' ').any(|s| s == "openid");
        if let (true, Some(user)) = (openid, grant.user.as_deref()) {
            body["id_token"] = json!(id_token(&self.base_url, &grant.client_id, user, lifetime));
        }
        let offline = grant.scope.split(' ').any(|s| s == "offline_access");
        if offline && grant.user.is_some() {
            body["refresh_token"] = json!(self.insert_token(
                TokenKind::Refresh,
                grant.user.as_deref(),
                &grant.client_id,
                &grant.scope,
                REFRESH_LIFETIME,
            ));
        }
        entry.user = grant.user;
        Reply::json(StatusCode::OK, body)
    }

    /// The verification page: `?code=USER_CODE` is a person entering the code and signing in
    /// (as `login_hint`, or the browser's user), which an end-to-end test does with any HTTP
    /// client; without a code it only says what to do.
    fn device_login(&mut self, call: &Call) -> Reply {
        let Some(code) = call.query.get("code") else {
            return Reply::text(
                StatusCode::OK,
                "Enter the code shown by your device. (In tests: Idp::approve_device_code, or GET this page with ?code=.)",
            );
        };
        let user = call
            .query
            .get("login_hint")
            .cloned()
            .or_else(|| self.browser_user.clone());
        let Some(user) = user else {
            return Reply::text(
                StatusCode::BAD_REQUEST,
                "Nobody is signed in to approve the code.",
            );
        };
        match self
            .device_codes
            .values_mut()
            .find(|device| device.user_code == *code)
        {
            Some(device) => {
                device.approved_for = Some(user);
                Reply::text(
                    StatusCode::OK,
                    "You have signed in. You can close this window.",
                )
            }
            None => Reply::text(StatusCode::BAD_REQUEST, "That code is not valid."),
        }
    }

    fn authorize(&mut self, call: &Call, entry: &mut IdpRequest, google: bool) -> Reply {
        let q = &call.query;
        let (Some(client_id), Some(redirect_uri)) = (q.get("client_id"), q.get("redirect_uri"))
        else {
            return error_page("AADSTS900144: 'client_id' and 'redirect_uri' are required.");
        };
        let registered = if google {
            Idp::GOOGLE_CLIENT_ID
        } else {
            Idp::CLIENT_ID
        };
        if client_id != registered {
            return error_page(&format!(
                "AADSTS700016: Application with identifier '{client_id}' was not found."
            ));
        }
        let Ok(mut redirect) = url::Url::parse(redirect_uri) else {
            return error_page(&format!(
                "AADSTS50011: The redirect URI '{redirect_uri}' does not match the redirect \
                 URIs configured for the application."
            ));
        };
        // Whatever the outcome, the browser goes back to the app with `state`.
        let mut back_to_app = |params: &[(&str, &str)]| {
            let mut pairs = redirect.query_pairs_mut();
            pairs.extend_pairs(params);
            if let Some(state) = q.get("state") {
                pairs.append_pair("state", state);
            }
            drop(pairs);
            Reply::redirect(redirect.to_string())
        };
        let error = |error, description| [("error", error), ("error_description", description)];
        if q.get("response_type").map(String::as_str) != Some("code") {
            return back_to_app(&error(
                "unsupported_response_type",
                "AADSTS700054: response_type 'code' is the only one enabled.",
            ));
        }
        let Some(scope) = q.get("scope").filter(|s| !s.trim().is_empty()) else {
            return back_to_app(&error(
                "invalid_request",
                "AADSTS900144: The request body must contain the following parameter: 'scope'.",
            ));
        };
        let challenge = q.get("code_challenge");
        if challenge.is_some() && q.get("code_challenge_method").map(String::as_str) != Some("S256")
        {
            return back_to_app(&error(
                "invalid_request",
                "AADSTS501491: code_challenge_method must be S256.",
            ));
        }
        let Some(user) = self
            .hinted_user(q.get("login_hint"))
            .or_else(|| self.browser_user.clone())
        else {
            return back_to_app(&error(
                "login_required",
                "AADSTS50058: A silent sign-in request was sent but no user is signed in.",
            ));
        };
        if self.consent_missing && !google {
            return back_to_app(&error(
                "consent_required",
                "AADSTS65001: The user or administrator has not consented to use the \
                 application. Send an interactive authorization request for this user and \
                 resource.",
            ));
        }
        let code = format!("idp-code-{}", random_token(48));
        self.codes.insert(
            code.clone(),
            AuthCode {
                client_id: client_id.clone(),
                redirect_uri: redirect_uri.clone(),
                user: user.clone(),
                scope: scope.clone(),
                code_challenge: challenge.cloned(),
                expires_at: SystemTime::now() + CODE_LIFETIME,
                redeemed: false,
                google,
                offline: q.get("access_type").map(String::as_str) == Some("offline"),
            },
        );
        entry.user = Some(user);
        back_to_app(&[("code", &code)])
    }

    /// The account a `login_hint` picks: a known user, or anyone while no list is set.
    fn hinted_user(&self, hint: Option<&String>) -> Option<String> {
        let hint = hint.map(|h| h.trim()).filter(|h| !h.is_empty())?;
        match &self.known_users {
            None => Some(hint.to_string()),
            Some(known) => known
                .iter()
                .find(|user| user.eq_ignore_ascii_case(hint))
                .cloned(),
        }
    }

    fn token(&mut self, call: &Call, tenant: &str, entry: &mut IdpRequest) -> Reply {
        let form = &call.form;
        let Some(grant_type) = form.get("grant_type") else {
            return missing_parameter("grant_type");
        };
        let client_id = match self.check_client(form, tenant, grant_type == "client_credentials") {
            Ok(client_id) => client_id.clone(),
            Err(reply) => return reply,
        };
        let now = SystemTime::now();
        let grant = match grant_type.as_str() {
            "authorization_code" => {
                let Some(code) = form.get("code") else {
                    return missing_parameter("code");
                };
                let Some(record) = self.codes.get_mut(code).filter(|c| !c.google) else {
                    return invalid_grant(MALFORMED);
                };
                if record.redeemed {
                    return invalid_grant(REDEEMED);
                }
                if now >= record.expires_at {
                    return invalid_grant(EXPIRED);
                }
                if record.client_id != client_id
                    || form.get("redirect_uri") != Some(&record.redirect_uri)
                {
                    return invalid_grant(WRONG_REDIRECT_URI);
                }
                if let Some(challenge) = &record.code_challenge {
                    let Some(verifier) = form.get("code_verifier") else {
                        return missing_parameter("code_verifier");
                    };
                    if pkce_s256(verifier) != *challenge {
                        return invalid_grant(PKCE_MISMATCH);
                    }
                }
                record.redeemed = true;
                Grant {
                    user: Some(record.user.clone()),
                    client_id,
                    scope: record.scope.clone(),
                }
            }
            "refresh_token" => {
                let Some(refresh) = form.get("refresh_token") else {
                    return missing_parameter("refresh_token");
                };
                let Some(record) = self
                    .tokens
                    .get(refresh)
                    .filter(|r| r.kind == TokenKind::Refresh && r.client_id == client_id)
                else {
                    return invalid_grant(MALFORMED);
                };
                entry.user = record.user.clone();
                if record.revoked {
                    return invalid_grant(REVOKED);
                }
                if now >= record.expires_at {
                    return invalid_grant(EXPIRED);
                }
                // A new refresh token comes back too; the old one stays valid (Entra ID).
                Grant {
                    user: record.user.clone(),
                    client_id,
                    scope: form.get("scope").unwrap_or(&record.scope).clone(),
                }
            }
            "client_credentials" => {
                let Some(scope) = form.get("scope") else {
                    return missing_parameter("scope");
                };
                if let Some(bad) = scope.split(' ').find(|s| !s.ends_with("/.default")) {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_scope",
                        1002012,
                        &format!(
                            "The provided value for scope {bad} is not valid. Client credential \
                             flows must have a scope value with /.default suffixed to the \
                             resource identifier (application ID URI)."
                        ),
                    );
                }
                Grant {
                    user: None,
                    client_id,
                    scope: scope.clone(),
                }
            }
            DEVICE_CODE_GRANT => {
                let Some(device_code) = form.get("device_code") else {
                    return missing_parameter("device_code");
                };
                let Some(device) = self
                    .device_codes
                    .get_mut(device_code)
                    .filter(|d| d.client_id == client_id)
                else {
                    return invalid_grant(MALFORMED);
                };
                if device.redeemed {
                    return invalid_grant(REDEEMED);
                }
                if now >= device.expires_at {
                    let expired = "Verification code expired.";
                    return oauth_error(StatusCode::BAD_REQUEST, "expired_token", 70019, expired);
                }
                let Some(user) = device.approved_for.clone() else {
                    let pending = "OAuth 2.0 device flow error. Authorization is pending. \
                                   Continue polling.";
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "authorization_pending",
                        70016,
                        pending,
                    );
                };
                device.redeemed = true;
                Grant {
                    user: Some(user),
                    client_id,
                    scope: device.scope.clone(),
                }
            }
            other => {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                    70003,
                    &format!("The app requested an unsupported grant type '{other}'."),
                )
            }
        };
        self.issue(grant, entry)
    }

    /// Google's token endpoint for installed apps: the client secret is required (Google
    /// hands desktop clients one), codes and refresh tokens as Microsoft's, but a refresh token
    /// only when the sign-in asked for `access_type=offline`, none again on a refresh (Google
    /// does not rotate them), an id_token naming the account by `email`, and Google's error
    /// bodies (`error` and `error_description`, no codes).
    fn google_token(&mut self, call: &Call, entry: &mut IdpRequest) -> Reply {
        let form = &call.form;
        let Some(grant_type) = form.get("grant_type") else {
            return google_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Invalid grant_type: ",
            );
        };
        match (form.get("client_id"), form.get("client_secret")) {
            (Some(id), _) if id != Idp::GOOGLE_CLIENT_ID => {
                return google_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "The OAuth client was not found.",
                );
            }
            (None, _) => {
                return google_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Missing required parameter: client_id",
                )
            }
            (_, None) => {
                return google_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "client_secret is missing.",
                )
            }
            (_, Some(secret)) if secret != Idp::GOOGLE_CLIENT_SECRET => {
                return google_error(StatusCode::UNAUTHORIZED, "invalid_client", "Unauthorized");
            }
            _ => {}
        }
        let now = SystemTime::now();
        let (user, scope, offline) = match grant_type.as_str() {
            "authorization_code" => {
                let code = form.get("code").map(String::as_str).unwrap_or_default();
                let Some(record) = self.codes.get_mut(code).filter(|c| c.google) else {
                    return google_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "Malformed auth code.",
                    );
                };
                let verifier = form.get("code_verifier").map(|v| pkce_s256(v));
                let wrong_verifier =
                    record.code_challenge.is_some() && verifier != record.code_challenge;
                if record.redeemed || now >= record.expires_at || wrong_verifier {
                    return google_error(StatusCode::BAD_REQUEST, "invalid_grant", "Bad Request");
                }
                if form.get("redirect_uri") != Some(&record.redirect_uri) {
                    return google_error(
                        StatusCode::BAD_REQUEST,
                        "redirect_uri_mismatch",
                        "Bad Request",
                    );
                }
                record.redeemed = true;
                (record.user.clone(), record.scope.clone(), record.offline)
            }
            "refresh_token" => {
                let refresh = form
                    .get("refresh_token")
                    .map(String::as_str)
                    .unwrap_or_default();
                let record = self.tokens.get(refresh).filter(|r| {
                    r.kind == TokenKind::Refresh
                        && r.client_id == Idp::GOOGLE_CLIENT_ID
                        && r.usable(now)
                });
                let Some(record) = record else {
                    return google_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "Token has been expired or revoked.",
                    );
                };
                let user = record.user.clone().unwrap_or_default();
                entry.user = Some(user.clone());
                (user, record.scope.clone(), false)
            }
            other => {
                return google_error(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                    &format!("Invalid grant_type: {other}"),
                )
            }
        };
        let lifetime = self.access_lifetime;
        let access = self.insert_token(
            TokenKind::Access,
            Some(&user),
            Idp::GOOGLE_CLIENT_ID,
            &scope,
            lifetime,
        );
        let mut body = json!({
            "access_token": access,
            "expires_in": lifetime.as_secs(),
            "scope": scope,
            "token_type": "Bearer",
        });
        if scope.split(' ').any(|s| s == "openid") {
            body["id_token"] = json!(google_id_token(&user, lifetime));
        }
        if offline {
            body["refresh_token"] = json!(self.insert_token(
                TokenKind::Refresh,
                Some(&user),
                Idp::GOOGLE_CLIENT_ID,
                &scope,
                REFRESH_LIFETIME,
            ));
        }
        entry.user = Some(user);
        Reply::json(StatusCode::OK, body)
    }

    fn device_code(&mut self, call: &Call, tenant: &str) -> Reply {
        let form = &call.form;
        let client_id = match self.check_client(form, tenant, false) {
            Ok(client_id) => client_id.clone(),
            Err(reply) => return reply,
        };
        let Some(scope) = form.get("scope").filter(|s| !s.trim().is_empty()) else {
            return missing_parameter("scope");
        };
        let device_code = format!("idp-dc-{}", random_token(48));
        let user_code = random_user_code();
        self.device_codes.insert(
            device_code.clone(),
            DeviceCode {
                user_code: user_code.clone(),
                client_id,
                scope: scope.clone(),
                expires_at: SystemTime::now() + DEVICE_CODE_LIFETIME,
                approved_for: None,
                redeemed: false,
            },
        );
        let verification_uri = format!("{}/devicelogin", self.base_url);
        let message = format!(
            "To sign in, use a web browser to open the page {verification_uri} and enter the \
             code {user_code} to authenticate."
        );
        Reply::json(
            StatusCode::OK,
            json!({
                "user_code": user_code,
                "device_code": device_code,
                "verification_uri": verification_uri,
                "expires_in": DEVICE_CODE_LIFETIME.as_secs(),
                "interval": DEVICE_POLL_INTERVAL,
                "message": message,
            }),
        )
    }

    fn graph_users(&mut self, call: &Call, entry: &mut IdpRequest) -> Reply {
        let now = SystemTime::now();
        let record = call.bearer.as_ref().and_then(|token| {
            self.tokens
                .get(token)
                .filter(|r| r.kind == TokenKind::Access)
        });
        let problem = match record {
            None if call.bearer.is_none() => Some("Access token is empty."),
            None => Some("IDX14100: JWT is not well formed."),
            Some(r) if r.revoked => Some("Access token has been revoked."),
            Some(r) if now >= r.expires_at => {
                Some("Lifetime validation failed, the token is expired.")
            }
            Some(_) => None,
        };
        if let Some(message) = problem {
            let mut reply = Reply::json(
                StatusCode::UNAUTHORIZED,
                graph_error("InvalidAuthenticationToken", message),
            );
            reply.www_authenticate = Some(format!(
                "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\"",
                self.base_url
            ));
            return reply;
        }
        entry.user = record.and_then(|r| r.user.clone());
        let top = match call.query.get("$top") {
            None => GRAPH_DEFAULT_TOP,
            Some(top) => match top.parse::<usize>() {
                Ok(n) if (1..=GRAPH_MAX_TOP).contains(&n) => n,
                _ => {
                    return Reply::json(
                        StatusCode::BAD_REQUEST,
                        graph_error(
                            "Request_UnsupportedQuery",
                            &format!(
                                "Invalid page size specified: '{top}'. Must be between 1 and \
                                 {GRAPH_MAX_TOP} inclusive."
                            ),
                        ),
                    )
                }
            },
        };
        let start = match call.query.get("$skiptoken") {
            None => 0,
            Some(token) => match decode_skiptoken(token) {
                Some(offset) => offset,
                None => {
                    return Reply::json(
                        StatusCode::BAD_REQUEST,
                        graph_error("Request_BadRequest", "Invalid $skiptoken."),
                    )
                }
            },
        };
        let end = (start + top).min(self.directory_size);
        let users: Vec<Value> = (start..end).map(directory_entry).collect();
        let mut body = json!({
            "@odata.context": format!("{}/v1.0/$metadata#users", self.base_url),
            "value": users,
        });
        if end < self.directory_size {
            body["@odata.nextLink"] = json!(format!(
                "{}/v1.0/users?$top={top}&$skiptoken={}",
                self.base_url,
                encode_skiptoken(end)
            ));
        }
        Reply::json(StatusCode::OK, body)
    }

    /// RFC 7662. A refresh token is not a bearer token for a resource server: inactive.
    fn introspect(&mut self, call: &Call, entry: &mut IdpRequest) -> Reply {
        let now = SystemTime::now();
        let record = call
            .form
            .get("token")
            .and_then(|token| self.tokens.get(token));
        entry.user = record.and_then(|r| r.user.clone());
        // A mail server takes a token only when it carries the mail permission: Exchange
        // Online's IMAP.AccessAsUser.All or the app's `.default` roles, Gmail's full scope.
        let for_imap = |r: &TokenRecord| {
            r.scope.split(' ').any(|s| {
                s == IMAP_SCOPE || s == "https://mail.google.com/" || s.ends_with("/.default")
            })
        };
        let Some(record) =
            record.filter(|r| r.kind == TokenKind::Access && r.usable(now) && for_imap(r))
        else {
            entry.active = Some(false);
            return Reply::json(StatusCode::OK, json!({"active": false}));
        };
        entry.active = Some(true);
        let mut body = json!({
            "active": true,
            "client_id": record.client_id,
            "scope": record.scope,
            "token_type": "Bearer",
            "iat": unix(record.issued_at),
            "exp": unix(record.expires_at),
        });
        let app_only = record.user.is_none() && record.scope.ends_with("/.default");
        let user = record
            .user
            .as_ref()
            .or(self.app_mailbox.as_ref().filter(|_| app_only));
        if let Some(user) = user {
            body["username"] = json!(user);
            body["sub"] = json!(user);
        }
        Reply::json(StatusCode::OK, body)
    }
}

// ---------------------------------------------------------------------------------------------
// Shapes and helpers
// ---------------------------------------------------------------------------------------------

/// Entra ID's error body: the AADSTS code leads the description, trace details follow.
fn oauth_error(status: StatusCode, error: &str, code: u32, description: &str) -> Reply {
    let timestamp = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    let (trace_id, correlation_id) = (random_guid(), random_guid());
    Reply::json(
        status,
        json!({
            "error": error,
            "error_description": format!(
                "AADSTS{code}: {description}\r\nTrace ID: {trace_id}\r\n\
                 Correlation ID: {correlation_id}\r\nTimestamp: {timestamp}"
            ),
            "error_codes": [code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
        }),
    )
}

/// An Entra ID error: its AADSTS code and description.
type Aadsts = (u32, &'static str);

/// A code, refresh token or device code the IdP does not know (or not for this client).
const MALFORMED: Aadsts = (9002313, "Invalid request. Request is malformed or invalid.");
const REDEEMED: Aadsts = (
    54005,
    "OAuth2 Authorization code was already redeemed, please retry with a new valid code or \
     use an existing refresh token.",
);
const EXPIRED: Aadsts = (
    70008,
    "The provided authorization code or refresh token has expired due to inactivity. Send a \
     new interactive authorization request for this user and resource.",
);
const REVOKED: Aadsts = (
    50173,
    "The provided grant has expired due to it being revoked, a fresh auth token is needed. \
     The user might have changed or reset their password.",
);
const WRONG_REDIRECT_URI: Aadsts = (
    70000,
    "The provided value for the 'redirect_uri' is not valid. The value must exactly match the \
     redirect URI used to obtain the authorization code.",
);
const PKCE_MISMATCH: Aadsts = (
    501481,
    "The Code_Verifier does not match the code_challenge supplied in the authorization \
     request.",
);

fn invalid_grant((code, description): Aadsts) -> Reply {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", code, description)
}

fn missing_parameter(name: &str) -> Reply {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        900144,
        &format!("The request body must contain the following parameter: '{name}'."),
    )
}

impl IdpState {
    /// The registered application, authenticated by its secret or a certificate-signed
    /// `client_assertion` when one is sent, or when `needs_credential`.
    fn check_client<'a>(
        &self,
        form: &'a HashMap<String, String>,
        tenant: &str,
        needs_credential: bool,
    ) -> Result<&'a String, Reply> {
        let Some(client_id) = form.get("client_id") else {
            return Err(missing_parameter("client_id"));
        };
        if client_id != Idp::CLIENT_ID {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "unauthorized_client",
                700016,
                &format!(
                    "Application with identifier '{client_id}' was not found in the directory \
                     '{tenant}'."
                ),
            ));
        }
        if let Some(assertion) = form.get("client_assertion") {
            if form.get("client_assertion_type").map(String::as_str) != Some(JWT_BEARER) {
                return Err(missing_parameter("client_assertion_type"));
            }
            let audience = format!("{}/{tenant}/oauth2/v2.0/token", self.base_url);
            return self
                .check_assertion(assertion, client_id, &audience)
                .map(|()| client_id)
                .map_err(|(code, description)| {
                    oauth_error(
                        StatusCode::UNAUTHORIZED,
                        "invalid_client",
                        code,
                        &description,
                    )
                });
        }
        match form.get("client_secret") {
            Some(secret) if secret != Idp::CLIENT_SECRET => Err(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000215,
                &format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request \
                     is the client secret value, not the client secret ID, for a secret added to \
                     app '{client_id}'."
                ),
            )),
            None if needs_credential => Err(oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or \
                 'client_secret'.",
            )),
            _ => Ok(client_id),
        }
    }

    /// Entra ID's checks of a certificate credential: a JWT whose `x5t#S256` (or `x5t`) names
    /// an uploaded certificate, signed with its key (PS256, or RS256 as older clients send),
    /// for this token endpoint, issued by and about the client, and within its time range.
    fn check_assertion(
        &self,
        jwt: &str,
        client_id: &str,
        audience: &str,
    ) -> Result<(), (u32, String)> {
        let malformed = |what: &str| (50027, format!("JWT token is invalid or malformed: {what}."));
        let parts: Vec<&str> = jwt.split('.').collect();
        let [header, claims, signature] = parts[..] else {
            return Err(malformed("not three parts"));
        };
        let decode = |part: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part);
        let json =
            |part: &str| -> Option<Value> { serde_json::from_slice(&decode(part).ok()?).ok() };
        let (Some(header), Some(claims), Ok(signature)) =
            (json(header), json(claims), decode(signature))
        else {
            return Err(malformed("undecodable part"));
        };
        let thumbprint_of = |der: &[u8]| -> (String, String) {
            let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
            let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der);
            (b64(Sha256::digest(der).as_slice()), b64(sha1.as_ref()))
        };
        let sent_s256 = header["x5t#S256"].as_str();
        let sent_sha1 = header["x5t"].as_str();
        let Some(certificate) = self.certificates.iter().find(|der| {
            let (s256, sha1) = thumbprint_of(der);
            sent_s256 == Some(s256.as_str()) || sent_sha1 == Some(sha1.as_str())
        }) else {
            let sent = sent_s256.or(sent_sha1).unwrap_or("none");
            return Err((
                700027,
                format!(
                    "Client assertion failed signature validation. (Reason - The key was not \
                     found., Thumbprint of key used by client: '{sent}', Found key 'Start=..., \
                     End=...', Please visit the Azure Portal, Graph Explorer or directly use MS \
                     Graph to see configured keys for app Id '{client_id}'.)"
                ),
            ));
        };
        let algorithm = match header["alg"].as_str() {
            Some("PS256") => webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
            Some("RS256") => webpki::ring::RSA_PKCS1_2048_8192_SHA256,
            other => return Err(malformed(&format!("unsupported alg {other:?}"))),
        };
        let der = rustls::pki_types::CertificateDer::from(certificate.as_slice());
        let signed = &jwt[..jwt.rfind('.').unwrap_or(0)];
        let verified = webpki::EndEntityCert::try_from(&der)
            .map_err(|_| malformed("unreadable certificate"))?
            .verify_signature(algorithm, signed.as_bytes(), &signature);
        if verified.is_err() {
            return Err((
                700027,
                "Client assertion failed signature validation. (Reason - The provided signature \
                 value did not match the expected signature value.)"
                    .into(),
            ));
        }
        if claims["aud"].as_str() != Some(audience) {
            return Err((
                700212,
                format!(
                    "No matching federated identity record found for presented assertion \
                     audience '{}'.",
                    claims["aud"]
                ),
            ));
        }
        if claims["iss"].as_str() != Some(client_id) || claims["sub"].as_str() != Some(client_id) {
            return Err(malformed("iss and sub must be the client ID"));
        }
        let now = unix(SystemTime::now()) as i64;
        let (nbf, exp) = (claims["nbf"].as_i64(), claims["exp"].as_i64());
        let in_range = nbf.is_none_or(|nbf| nbf <= now + 300) && exp.is_some_and(|exp| exp > now);
        if !in_range {
            return Err((
                700024,
                "Client assertion is not within its valid time range.".into(),
            ));
        }
        Ok(())
    }
}

/// What the browser shows when the request cannot even be redirected back.
fn error_page(text: &str) -> Reply {
    Reply::text(
        StatusCode::BAD_REQUEST,
        &format!("Sorry, but we're having trouble signing you in.\n{text}"),
    )
}

fn graph_error(code: &str, message: &str) -> Value {
    json!({
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                "request-id": random_guid(),
                "client-request-id": random_guid(),
            }
        }
    })
}

fn directory_entry(index: usize) -> Value {
    let upn = Idp::directory_user(index);
    json!({
        "businessPhones": [],
        "displayName": format!("Test User {:05}", index + 1),
        "givenName": "Test",
        "jobTitle": null,
        "mail": upn,
        "mobilePhone": null,
        "officeLocation": null,
        "preferredLanguage": "en-US",
        "surname": format!("User {:05}", index + 1),
        "userPrincipalName": upn,
        "id": format!("00000000-0000-4000-8000-{index:012}"),
    })
}

/// An OpenID Connect id_token with Entra ID's claims, unsigned.
fn id_token(base_url: &str, client_id: &str, user: &str, lifetime: Duration) -> String {
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let now = unix(SystemTime::now());
    let header = json!({"typ": "JWT", "alg": "none"});
    let claims = json!({
        "aud": client_id,
        "iss": format!("{base_url}/v2.0"),
        "iat": now,
        "exp": now + lifetime.as_secs(),
        "name": user,
        "preferred_username": user,
        "email": user,
        "oid": random_guid(),
        "tid": "00000000-0000-4000-8000-0000000c0450",
    });
    format!("{}.{}.", b64(&header), b64(&claims))
}

/// Google's error body: no AADSTS code, no trace IDs.
fn google_error(status: StatusCode, error: &str, description: &str) -> Reply {
    Reply::json(
        status,
        json!({"error": error, "error_description": description}),
    )
}

/// Google's id_token claims: the account is `email`; no `preferred_username`.
fn google_id_token(user: &str, lifetime: Duration) -> String {
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let now = unix(SystemTime::now());
    let claims = json!({
        "iss": "https://accounts.google.com",
        "aud": Idp::GOOGLE_CLIENT_ID,
        "sub": format!("{}", rand::thread_rng().gen::<u64>()),
        "email": user,
        "email_verified": true,
        "iat": now,
        "exp": now + lifetime.as_secs(),
    });
    format!("{}.{}.", b64(&json!({"alg": "none"})), b64(&claims))
}

/// Opaque to clients, like Graph's: the offset of the next page.
fn encode_skiptoken(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("RFNwdA:{offset}"))
}

fn decode_skiptoken(token: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("RFNwdA:")?
        .parse()
        .ok()
}

/// The scopes a token response grants: the requested ones without the OpenID Connect ones.
fn granted_scope(requested: &str) -> String {
    requested
        .split(' ')
        .filter(|s| !s.is_empty() && !OIDC_SCOPES.contains(s))
        .collect::<Vec<_>>()
        .join(" ")
}

/// RFC 7636 S256: BASE64URL(SHA256(code_verifier)), unpadded.
pub fn pkce_s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Nine letters and digits, without the easily confused 0/O and 1/I.
fn random_user_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..9)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

fn random_guid() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn unix(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
