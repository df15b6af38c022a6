//! Opening a signed-in connection to one side of a migration.

use crate::auth::{self, Credentials};
use crate::endpoint::Endpoint;
use crate::imap::{Connection, ImapError, Timeouts};
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
}
