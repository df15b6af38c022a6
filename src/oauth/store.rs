//! Stored sign-ins: one OS keyring entry each (service "Mailferry", account
//! `oauth:<provider>:<account>`), holding the refresh token or client secret together with
//! what is needed to use it (provider URLs, tenant, client ID, scopes) as one JSON value.
//!
//! Nothing is written to files: the keyring cannot list its entries, so a second entry,
//! `oauth:index`, lists the stored sign-ins by name (it holds no secret).

use serde::{Deserialize, Serialize};

use super::client_certificate::ClientCertificate;
use super::error::OAuthError;
use super::provider::{ProviderConfig, ProviderKind};
use crate::secrets::{self, SecretString};

const INDEX_ACCOUNT: &str = "oauth:index";
const FORMAT_VERSION: u32 = 1;

/// The name of a stored sign-in, as typed on the command line: `microsoft:admin@contoso.com`
/// for a person's sign-in, `microsoft-app:<tenant>` for an app's own (client credentials).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SignInRef {
    pub provider: ProviderKind,
    /// The account (lower-case email), or the tenant for an app sign-in.
    pub account: String,
    /// Client credentials: the app signs in as itself.
    pub app: bool,
}

impl SignInRef {
    pub fn user(provider: ProviderKind, account: &str) -> SignInRef {
        SignInRef {
            provider,
            account: account.trim().to_lowercase(),
            app: false,
        }
    }

    pub fn app(provider: ProviderKind, tenant: &str) -> SignInRef {
        SignInRef {
            provider,
            account: tenant.trim().to_lowercase(),
            app: true,
        }
    }

    /// Reads `PROVIDER:ACCOUNT` (or `PROVIDER-app:TENANT`).
    pub fn parse(text: &str) -> Result<SignInRef, OAuthError> {
        let bad = || OAuthError::BadReference(text.to_string());
        let (provider, account) = text.split_once(':').ok_or_else(bad)?;
        if account.trim().is_empty() {
            return Err(bad());
        }
        let (provider, app) = match provider.strip_suffix("-app") {
            Some(p) => (p, true),
            None => (provider, false),
        };
        let provider = ProviderKind::parse(provider).ok_or_else(bad)?;
        Ok(if app {
            SignInRef::app(provider, account)
        } else {
            SignInRef::user(provider, account)
        })
    }

    fn keyring_account(&self) -> String {
        format!("oauth:{self}")
    }
}

impl std::fmt::Display for SignInRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let suffix = if self.app { "-app" } else { "" };
        write!(f, "{}{suffix}:{}", self.provider.as_str(), self.account)
    }
}

/// A sign-in with its secrets, as kept in the keyring.
#[derive(Clone)]
pub struct StoredSignIn {
    pub reference: SignInRef,
    pub config: ProviderConfig,
    pub refresh_token: Option<SecretString>,
    pub client_secret: Option<SecretString>,
    /// An app's certificate credential, used instead of a client secret.
    pub client_certificate: Option<ClientCertificate>,
}

impl std::fmt::Debug for StoredSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSignIn")
            .field("reference", &self.reference)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What `login list` shows: no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInInfo {
    /// `microsoft:admin@contoso.com`, to pass to `--dest-login` and friends.
    pub name: String,
    pub provider: ProviderKind,
    pub account: String,
    pub app: bool,
    pub tenant: Option<String>,
    pub client_id: String,
    /// An app signing in with a certificate: its SHA-1 thumbprint, as Entra ID shows it.
    #[serde(default)]
    pub certificate_thumbprint: Option<String>,
    /// When it was stored (seconds since the epoch).
    pub stored_at: i64,
}

/// The keyring value. Secrets are plain strings only for the moment of (de)serialising.
#[derive(Serialize, Deserialize)]
struct Entry {
    version: u32,
    reference: SignInRef,
    config: ProviderConfig,
    refresh_token: Option<String>,
    client_secret: Option<String>,
    /// Added after version 1 went out; older entries have none.
    #[serde(default)]
    client_certificate: Option<CertificateEntry>,
    stored_at: i64,
}

#[derive(Serialize, Deserialize)]
struct CertificateEntry {
    certificate_pem: String,
    private_key_pem: String,
}

impl Drop for Entry {
    fn drop(&mut self) {
        let key = self
            .client_certificate
            .as_mut()
            .map(|c| &mut c.private_key_pem);
        for secret in [&mut self.refresh_token, &mut self.client_secret]
            .into_iter()
            .flatten()
            .chain(key)
        {
            zeroize::Zeroize::zeroize(secret);
        }
    }
}

fn unreadable(reference: &SignInRef, detail: impl std::fmt::Display) -> OAuthError {
    OAuthError::StoredUnreadable {
        reference: reference.to_string(),
        detail: detail.to_string(),
    }
}

/// Stores (or replaces) a sign-in and lists it in the index.
pub fn save(signin: &StoredSignIn) -> Result<(), OAuthError> {
    write_entry(signin)?;
    update_index(|index| {
        index.retain(|i| i.name != signin.reference.to_string());
        index.push(info(signin));
    })
}

fn info(signin: &StoredSignIn) -> SignInInfo {
    SignInInfo {
        name: signin.reference.to_string(),
        provider: signin.reference.provider,
        account: signin.reference.account.clone(),
        app: signin.reference.app,
        tenant: signin.config.tenant.clone(),
        client_id: signin.config.client_id.clone(),
        certificate_thumbprint: signin
            .client_certificate
            .as_ref()
            .map(ClientCertificate::thumbprint),
        stored_at: chrono::Utc::now().timestamp(),
    }
}

fn write_entry(signin: &StoredSignIn) -> Result<(), OAuthError> {
    let entry = Entry {
        version: FORMAT_VERSION,
        reference: signin.reference.clone(),
        config: signin.config.clone(),
        refresh_token: signin
            .refresh_token
            .as_ref()
            .map(|s| s.expose().to_string()),
        client_secret: signin
            .client_secret
            .as_ref()
            .map(|s| s.expose().to_string()),
        client_certificate: signin.client_certificate.as_ref().map(|c| {
            let (certificate_pem, private_key_pem) = c.to_pem();
            CertificateEntry {
                certificate_pem,
                private_key_pem,
            }
        }),
        stored_at: chrono::Utc::now().timestamp(),
    };
    let json = serde_json::to_string(&entry).map_err(|e| unreadable(&signin.reference, e))?;
    secrets::keyring_set(
        &signin.reference.keyring_account(),
        &SecretString::new(json),
    )?;
    Ok(())
}

/// Reads a stored sign-in; `NotSignedIn` when there is none.
pub fn load(reference: &SignInRef) -> Result<StoredSignIn, OAuthError> {
    let Some(json) = secrets::keyring_get(&reference.keyring_account())? else {
        return Err(OAuthError::NotSignedIn {
            reference: reference.to_string(),
        });
    };
    let entry: Entry = serde_json::from_str(json.expose()).map_err(|e| unreadable(reference, e))?;
    if entry.version != FORMAT_VERSION {
        return Err(unreadable(
            reference,
            format!("format version {}", entry.version),
        ));
    }
    Ok(StoredSignIn {
        reference: entry.reference.clone(),
        config: entry.config.clone(),
        refresh_token: entry.refresh_token.clone().map(SecretString::new),
        client_secret: entry.client_secret.clone().map(SecretString::new),
        client_certificate: match &entry.client_certificate {
            Some(c) => Some(
                ClientCertificate::from_pem(
                    &c.certificate_pem,
                    SecretString::new(c.private_key_pem.clone()),
                )
                .map_err(|e| unreadable(reference, e))?,
            ),
            None => None,
        },
    })
}

/// Replaces the refresh token after the provider rotated it.
pub fn update_refresh_token(
    reference: &SignInRef,
    refresh_token: &SecretString,
) -> Result<(), OAuthError> {
    let mut signin = load(reference)?;
    signin.refresh_token = Some(refresh_token.clone());
    write_entry(&signin)
}

/// Every stored sign-in, oldest first.
pub fn list() -> Result<Vec<SignInInfo>, OAuthError> {
    read_index()
}

/// Deletes a stored sign-in; `false` when there was none.
pub fn forget(reference: &SignInRef) -> Result<bool, OAuthError> {
    let existed = secrets::keyring_get(&reference.keyring_account())?.is_some();
    secrets::keyring_delete(&reference.keyring_account())?;
    let name = reference.to_string();
    let mut listed = false;
    update_index(|index| {
        listed = index.iter().any(|i| i.name == name);
        index.retain(|i| i.name != name);
    })?;
    Ok(existed || listed)
}

fn read_index() -> Result<Vec<SignInInfo>, OAuthError> {
    match secrets::keyring_get(INDEX_ACCOUNT)? {
        // An unreadable index only loses the listing, never a sign-in: start afresh.
        Some(json) => Ok(serde_json::from_str(json.expose()).unwrap_or_default()),
        None => Ok(Vec::new()),
    }
}

/// Read-modify-write of the index. Two Mailferry processes signing in at the same moment
/// could overwrite each other's change, so the write is checked and repeated a few times.
fn update_index(mut change: impl FnMut(&mut Vec<SignInInfo>)) -> Result<(), OAuthError> {
    for attempt in 0..5 {
        let mut index = read_index()?;
        change(&mut index);
        let json = serde_json::to_string(&index).unwrap_or_else(|_| "[]".into());
        secrets::keyring_set(INDEX_ACCOUNT, &SecretString::new(json))?;
        let names = |list: &[SignInInfo]| {
            let mut n: Vec<String> = list.iter().map(|i| i.name.clone()).collect();
            n.sort();
            n
        };
        let mut expected = read_index()?;
        change(&mut expected);
        if names(&expected) == names(&read_index()?) {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(20 * (attempt + 1)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_round_trip() {
        let r = SignInRef::parse("microsoft:Admin@Contoso.com").unwrap();
        assert_eq!(
            r,
            SignInRef::user(ProviderKind::Microsoft, "admin@contoso.com")
        );
        assert_eq!(r.to_string(), "microsoft:admin@contoso.com");
        let a = SignInRef::parse("microsoft-app:contoso.onmicrosoft.com").unwrap();
        assert!(a.app);
        assert_eq!(SignInRef::parse(&a.to_string()).unwrap(), a);
        assert!(SignInRef::parse("yahoo:x").is_err());
        assert!(SignInRef::parse("microsoft:").is_err());
    }
}
