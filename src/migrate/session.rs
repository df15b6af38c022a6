//! Opening a signed-in connection to one side of a migration.

use crate::auth::{self, Credentials};
use crate::endpoint::Endpoint;
use crate::error::AuthMethod;
use crate::imap::{Connection, ImapError, Timeouts};
use crate::presets::{self, SignIn};
use crate::secrets::Secret;
use crate::tls::Trust;

/// One side of a migration: where, and as whom.
#[derive(Clone, Debug)]
pub struct Side {
    pub endpoint: Endpoint,
    pub credentials: Credentials,
    /// Password sign-in over an unencrypted connection was explicitly allowed.
    pub allow_insecure_auth: bool,
}

impl Side {
    pub async fn connect(
        &self,
        trust: &Trust,
        timeouts: Timeouts,
    ) -> Result<Connection, ImapError> {
        let mut conn = Connection::open(&self.endpoint, trust, timeouts).await?;
        auth::sign_in(
            &mut conn,
            &self.credentials,
            self.endpoint.security,
            self.allow_insecure_auth,
            self.endpoint.port,
        )
        .await?;
        if !conn.has_capability("IMAP4REV1") {
            conn.refresh_capabilities().await?;
        }
        Ok(conn)
    }

    /// How this side signs in, as a refusal should name it.
    pub fn auth_method(&self) -> AuthMethod {
        auth_method(&self.credentials, &self.endpoint.host)
    }
}

/// A password is an app password where the provider's preset says its users need one
/// (Gmail, Yahoo, iCloud, AOL): that is what the user was asked for.
pub fn auth_method(credentials: &Credentials, host: &str) -> AuthMethod {
    match &credentials.secret {
        Secret::AccessToken(_) => AuthMethod::Token,
        Secret::OAuth(_) => AuthMethod::StoredSignIn,
        Secret::Password(_) if credentials.on_behalf_of.is_some() => AuthMethod::AdminLogin,
        Secret::Password(_) if needs_app_password(host) => AuthMethod::AppPassword,
        Secret::Password(_) => AuthMethod::Password,
    }
}

fn needs_app_password(host: &str) -> bool {
    presets::all().iter().any(|preset| {
        preset.sign_in == SignIn::AppPassword
            && preset
                .host
                .as_deref()
                .is_some_and(|h| h.eq_ignore_ascii_case(host))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SecretString;

    fn credentials(secret: Secret, on_behalf_of: Option<&str>) -> Credentials {
        Credentials {
            login: "admin".into(),
            secret,
            on_behalf_of: on_behalf_of.map(str::to_string),
        }
    }

    fn password() -> Secret {
        Secret::Password(SecretString::new("pw".into()))
    }

    #[test]
    fn the_sign_in_method_follows_the_secret_and_the_provider() {
        assert_eq!(
            auth_method(&credentials(password(), None), "mail.contoso.com"),
            AuthMethod::Password
        );
        assert_eq!(
            auth_method(&credentials(password(), None), "IMAP.gmail.com"),
            AuthMethod::AppPassword
        );
        assert_eq!(
            auth_method(&credentials(password(), Some("anna")), "imap.gmail.com"),
            AuthMethod::AdminLogin
        );
        assert_eq!(
            auth_method(
                &credentials(Secret::AccessToken(SecretString::new("t".into())), None),
                "outlook.office365.com"
            ),
            AuthMethod::Token
        );
    }
}
