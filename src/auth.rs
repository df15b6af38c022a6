//! Signing in: LOGIN, SASL PLAIN (with an authorization identity for admin logins),
//! and the OAuth2 mechanisms XOAUTH2 / OAUTHBEARER for providers that allow nothing else.

use base64::Engine as _;

use crate::endpoint::Security;
use crate::imap::{Command, Connection, DoneStatus, ImapError, Reply};
use crate::oauth::{OAuthError, TokenSource};
use crate::secrets::Secret;

/// Who signs in, with what, and on whose behalf.
#[derive(Clone)]
pub struct Credentials {
    /// The name the secret belongs to (the admin, for admin logins).
    pub login: String,
    pub secret: Secret,
    /// Sign in as `login` but open this user's mailbox (SASL PLAIN authzid).
    pub on_behalf_of: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("login", &self.login)
            .field("secret", &"<redacted>")
            .field("on_behalf_of", &self.on_behalf_of)
            .finish()
    }
}

/// The mailbox owner, as shown in messages.
impl Credentials {
    pub fn mailbox_user(&self) -> &str {
        self.on_behalf_of.as_deref().unwrap_or(&self.login)
    }
}

/// Signs in on an open connection. `security` and `allow_insecure` decide whether a
/// password may cross an unencrypted connection at all.
pub async fn sign_in(
    conn: &mut Connection,
    credentials: &Credentials,
    security: Security,
    allow_insecure: bool,
    port: u16,
) -> Result<(), ImapError> {
    if security == Security::None && !allow_insecure {
        return Err(ImapError::InsecureAuthRefused {
            host: conn.host().to_string(),
        });
    }
    if conn.has_capability("LOGINDISABLED") && !conn.has_capability("AUTH=PLAIN") {
        return Err(ImapError::NoAuthMechanism {
            host: conn.host().to_string(),
            needed: "LOGIN is disabled",
        });
    }
    let user = credentials.mailbox_user().to_string();
    match &credentials.secret {
        Secret::AccessToken(token) => bearer(conn, &user, token.expose(), port).await,
        Secret::OAuth(source) => oauth_sign_in(conn, source, &user, port).await,
        Secret::Password(password) => {
            let password = password.expose();
            if let Some(target) = &credentials.on_behalf_of {
                if !conn.has_capability("AUTH=PLAIN") {
                    return Err(ImapError::NoAuthMechanism {
                        host: conn.host().to_string(),
                        needed: "AUTHENTICATE PLAIN for admin sign-in",
                    });
                }
                let payload = plain_payload(target, &credentials.login, password);
                sasl(conn, "PLAIN", &payload, &user).await
            } else if conn.has_capability("AUTH=PLAIN") {
                // PLAIN carries any byte in names and passwords, where LOGIN needs quoting rules
                // some servers get wrong.
                let payload = plain_payload("", &credentials.login, password);
                sasl(conn, "PLAIN", &payload, &user).await
            } else {
                let command = Command::new("LOGIN ")
                    .string(credentials.login.as_bytes())
                    .text(" ")
                    .string(password.as_bytes())
                    .labelled("LOGIN");
                let tag = conn.send(command).await?;
                let done = conn.finish(&tag, "LOGIN", |_| {}).await?;
                finish_sign_in(conn, done, &user)
            }
        }
    }
}

/// XOAUTH2 where offered (Exchange, Gmail), else OAUTHBEARER (RFC 7628). `user` is the
/// mailbox to open; the token may belong to an admin or an app with access to it.
async fn bearer(
    conn: &mut Connection,
    user: &str,
    token: &str,
    port: u16,
) -> Result<(), ImapError> {
    if conn.has_capability("AUTH=XOAUTH2") {
        let payload = format!("user={}\x01auth=Bearer {}\x01\x01", user, token);
        sasl(conn, "XOAUTH2", payload.as_bytes(), user).await
    } else if conn.has_capability("AUTH=OAUTHBEARER") {
        let host = conn.host().to_string();
        let payload = format!(
            "n,a={},\x01host={}\x01port={}\x01auth=Bearer {}\x01\x01",
            user, host, port, token
        );
        sasl(conn, "OAUTHBEARER", payload.as_bytes(), user).await
    } else {
        Err(ImapError::NoAuthMechanism {
            host: conn.host().to_string(),
            needed: "XOAUTH2 or OAUTHBEARER",
        })
    }
}

/// Signs in with a stored sign-in's token. A refusal of a token the source still thought
/// good (expired early, revoked by Continuous Access Evaluation, a clock off by minutes)
/// gets one more try with a freshly fetched token on the same connection, as IMAP allows
/// another AUTHENTICATE after a failed one.
async fn oauth_sign_in(
    conn: &mut Connection,
    source: &TokenSource,
    user: &str,
    port: u16,
) -> Result<(), ImapError> {
    let token_error = |conn: &Connection, e: OAuthError| ImapError::Token {
        host: conn.host().to_string(),
        source: Box::new(e),
    };
    let mut retried = false;
    loop {
        let token = match source.access_token().await {
            Ok(token) => token,
            Err(e) => return Err(token_error(conn, e)),
        };
        match bearer(conn, user, token.expose(), port).await {
            Err(ImapError::AuthFailed { text, .. }) if !retried => {
                tracing::info!(
                    "{}: {user}'s token was refused ({text}); fetching a new one",
                    conn.host()
                );
                source.rejected(&token).await;
                retried = true;
            }
            Err(ImapError::AuthFailed { host, user, text }) => {
                // Refused twice with a new token: the token is fine, access is missing.
                let reference = source.reference();
                let error = if reference.app {
                    OAuthError::AppMailboxAccessDenied {
                        host,
                        mailbox: user,
                        client_id: source.client_id().to_string(),
                        text,
                    }
                } else if !reference.account.eq_ignore_ascii_case(&user) {
                    OAuthError::DelegatedMailboxAccessDenied {
                        host,
                        mailbox: user,
                        signed_in: reference.account.clone(),
                        text,
                    }
                } else {
                    return Err(ImapError::AuthFailed { host, user, text });
                };
                return Err(token_error(conn, error));
            }
            other => return other,
        }
    }
}

fn plain_payload(authzid: &str, authcid: &str, password: &str) -> Vec<u8> {
    let mut payload = Vec::new();
    payload.extend_from_slice(authzid.as_bytes());
    payload.push(0);
    payload.extend_from_slice(authcid.as_bytes());
    payload.push(0);
    payload.extend_from_slice(password.as_bytes());
    payload
}

async fn sasl(
    conn: &mut Connection,
    mechanism: &str,
    payload: &[u8],
    user: &str,
) -> Result<(), ImapError> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(payload);
    let initial_response = conn.has_capability("SASL-IR");
    let command = if initial_response {
        Command::new(format!("AUTHENTICATE {mechanism} {encoded}")).labelled("AUTHENTICATE")
    } else {
        Command::new(format!("AUTHENTICATE {mechanism}")).labelled("AUTHENTICATE")
    };
    let tag = conn.send(command).await?;
    let mut sent_response = initial_response;
    loop {
        let mut continuation = false;
        let done = conn
            .finish_or_continue(&tag, "AUTHENTICATE", |reply| {
                if let Reply::Raw(frame) = reply {
                    continuation = frame.starts_with(b"+");
                }
            })
            .await?;
        if let Some(done) = done {
            return finish_sign_in(conn, done, user);
        }
        if continuation && !sent_response {
            conn.send_continuation_line(encoded.as_bytes()).await?;
            sent_response = true;
        } else {
            // A challenge after our response carries the server's error details (XOAUTH2);
            // the empty answer lets it send the final NO.
            conn.send_continuation_line(b"").await?;
        }
    }
}

fn finish_sign_in(
    conn: &mut Connection,
    done: crate::imap::Done,
    user: &str,
) -> Result<(), ImapError> {
    match done.status {
        DoneStatus::Ok => {
            if let Some(caps) = done.capabilities {
                conn.set_capabilities(caps);
            }
            Ok(())
        }
        _ => Err(ImapError::AuthFailed {
            host: conn.host().to_string(),
            user: user.to_string(),
            text: done.text,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_carries_the_authorization_identity_first() {
        assert_eq!(plain_payload("alice", "admin", "pw"), b"alice\0admin\0pw");
        assert_eq!(plain_payload("", "alice", "pw"), b"\0alice\0pw");
    }
}
