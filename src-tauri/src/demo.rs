//! Demo mode (`npm run demo`): the app opens with the wizard filled in for two local sample
//! servers, so someone without any accounts can watch a whole migration.
//!
//! `MAILFERRY_DEMO` names the description the sample servers wrote (examples/sample_servers.rs).
//! Its passwords go straight into this session's memory-only secrets, like typed ones, and the
//! window learns only the servers and mailbox names.

use mailferry::batch::{BatchSecrets, SecretMode};
use mailferry::secrets::SecretString;
use serde::{Deserialize, Serialize};

/// The batch the demo's passwords are stored under; the wizard starts with this name.
const BATCH_NAME: &str = "Sample migration";

/// What the wizard is filled in with.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DemoSetup {
    pub batch_name: String,
    pub source: DemoServer,
    pub destination: DemoServer,
    /// The destination account that may open every mailbox.
    pub admin: String,
    pub users: Vec<DemoUser>,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct DemoServer {
    pub host: String,
    pub port: u16,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DemoUser {
    pub email_address: String,
    pub display_name: String,
    pub messages: u32,
}

/// The sample servers' description, as written by examples/sample_servers.rs.
#[derive(Deserialize)]
struct Description {
    source: DemoServer,
    destination: DescribedDestination,
    users: Vec<DescribedUser>,
}

#[derive(Deserialize)]
struct DescribedDestination {
    host: String,
    port: u16,
    admin: String,
    admin_password: String,
}

#[derive(Deserialize)]
struct DescribedUser {
    email: String,
    name: String,
    password: String,
    messages: u32,
}

/// Reads the demo description named by `MAILFERRY_DEMO`, if any, and stores its passwords in
/// `secrets` (switched to memory-only: a demo leaves nothing in the keyring).
pub fn from_env(secrets: &mut BatchSecrets) -> Result<Option<DemoSetup>, String> {
    let Some(path) = std::env::var_os("MAILFERRY_DEMO") else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read the demo servers' description: {e}"))?;
    let description: Description = serde_json::from_str(&text)
        .map_err(|e| format!("the demo servers' description is not valid: {e}"))?;
    *secrets = BatchSecrets::new(SecretMode::Memory);
    secrets
        .set_admin_password(
            BATCH_NAME,
            &SecretString::new(description.destination.admin_password),
        )
        .map_err(|e| e.to_string())?;
    for user in &description.users {
        secrets
            .set_source_password(
                BATCH_NAME,
                &user.email,
                &SecretString::new(user.password.clone()),
            )
            .map_err(|e| e.to_string())?;
    }
    Ok(Some(DemoSetup {
        batch_name: BATCH_NAME.to_string(),
        source: description.source,
        destination: DemoServer {
            host: description.destination.host,
            port: description.destination.port,
        },
        admin: description.destination.admin,
        users: description
            .users
            .into_iter()
            .map(|user| DemoUser {
                email_address: user.email,
                display_name: user.name,
                messages: user.messages,
            })
            .collect(),
    }))
}
