//! What can go wrong signing in with Microsoft or Google, in words an office manager can act on.

use thiserror::Error;

use super::provider::ProviderKind;
use super::store::SignInRef;
use crate::error::{AuthMethod, Classify, ErrorKind, Facts};
use crate::secrets::SecretError;

#[derive(Debug, Error)]
pub enum OAuthError {
    #[error("cannot reach the sign-in service at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("the sign-in service at {url} answered something Mailferry cannot read ({detail})")]
    Malformed { url: String, detail: String },
    #[error("the {provider} sign-in of {account} has expired or was revoked ({description})", provider = .provider.display_name())]
    SignInExpired {
        provider: ProviderKind,
        account: String,
        description: String,
    },
    #[error("{provider} does not know the application {client_id} ({description})", provider = .provider.display_name())]
    UnknownClient {
        provider: ProviderKind,
        client_id: String,
        description: String,
    },
    #[error("{provider} refused the application's client secret ({description})", provider = .provider.display_name())]
    BadClientSecret {
        provider: ProviderKind,
        description: String,
    },
    #[error("the app's certificate or private key cannot be used: {detail}")]
    BadCertificate { detail: String },
    #[error("the private key does not belong to the certificate {thumbprint}")]
    CertificateKeyMismatch { thumbprint: String },
    #[error("{provider} refused the application's certificate {thumbprint} ({description})", provider = .provider.display_name())]
    BadClientCertificate {
        provider: ProviderKind,
        thumbprint: String,
        description: String,
    },
    #[error("{provider} refused the sign-in: {error} ({description})", provider = .provider.display_name())]
    Refused {
        provider: ProviderKind,
        error: String,
        description: String,
    },
    #[error("the sign-in was cancelled or declined: {description}")]
    Declined { description: String },
    #[error("{provider} does not allow mail access to be granted on another device", provider = .provider.display_name())]
    DeviceCodeNotOffered { provider: ProviderKind },
    #[error("the code {user_code} was not entered in time")]
    DeviceCodeExpired { user_code: String },
    #[error("the browser's answer does not belong to this sign-in (its state value differs)")]
    StateMismatch,
    #[error("no answer came back from the browser within {minutes} minutes")]
    BrowserTimeout { minutes: u64 },
    #[error("cannot wait for the browser's answer on this computer: {0}")]
    Loopback(String),
    #[error("no application (client) ID for {provider}", provider = .provider.display_name())]
    NoClientId { provider: ProviderKind },
    #[error("Mailferry has no stored sign-in {reference}")]
    NotSignedIn { reference: String },
    /// A batch uses each user's own sign-in (`microsoft:*`) and this user has none yet.
    #[error("{account} has not signed in with {provider} yet (Mailferry has no stored sign-in {name})", provider = .provider.display_name(), name = format!("{}:{account}", .provider.as_str()))]
    UserNotSignedIn {
        provider: ProviderKind,
        account: String,
    },
    #[error("'{0}' is not a sign-in name Mailferry understands")]
    BadReference(String),
    #[error("the stored sign-in {reference} cannot be read: {detail}")]
    StoredUnreadable { reference: String, detail: String },
    #[error("{provider} did not say which account signed in", provider = .provider.display_name())]
    UnknownAccount { provider: ProviderKind },
    #[error(transparent)]
    Keyring(#[from] SecretError),
    #[error("Microsoft Graph refused to list the users: {code} ({message})")]
    Graph {
        status: u16,
        code: String,
        message: String,
    },
    #[error("{host} refused the app's sign-in for {mailbox}: {text}")]
    AppMailboxAccessDenied {
        host: String,
        mailbox: String,
        client_id: String,
        text: String,
    },
    #[error("{host} refused the sign-in of {signed_in} for {mailbox}: {text}")]
    DelegatedMailboxAccessDenied {
        host: String,
        mailbox: String,
        signed_in: String,
        text: String,
    },
}

impl Classify for OAuthError {
    fn kind(&self) -> ErrorKind {
        match self {
            OAuthError::Unreachable { .. } => ErrorKind::Network,
            OAuthError::Malformed { .. } => ErrorKind::Protocol,
            OAuthError::SignInExpired { .. }
            | OAuthError::BadClientSecret { .. }
            | OAuthError::BadClientCertificate { .. }
            | OAuthError::Refused { .. }
            | OAuthError::Declined { .. }
            | OAuthError::DeviceCodeExpired { .. }
            | OAuthError::StateMismatch
            | OAuthError::BrowserTimeout { .. }
            | OAuthError::AppMailboxAccessDenied { .. }
            | OAuthError::DelegatedMailboxAccessDenied { .. }
            | OAuthError::UserNotSignedIn { .. } => ErrorKind::Authentication,
            OAuthError::Graph { status, .. } => match status {
                401 | 403 => ErrorKind::Authentication,
                429 => ErrorKind::Throttled,
                500.. => ErrorKind::Network,
                _ => ErrorKind::ServerRefused,
            },
            OAuthError::UnknownClient { .. }
            | OAuthError::NoClientId { .. }
            | OAuthError::NotSignedIn { .. }
            | OAuthError::BadReference(_)
            | OAuthError::BadCertificate { .. }
            | OAuthError::CertificateKeyMismatch { .. }
            | OAuthError::DeviceCodeNotOffered { .. }
            | OAuthError::UnknownAccount { .. } => ErrorKind::Input,
            OAuthError::Loopback(_) | OAuthError::StoredUnreadable { .. } => ErrorKind::Local,
            OAuthError::Keyring(e) => e.kind(),
        }
    }

    fn facts(&self) -> Facts {
        let (host, sign_in) = match self {
            OAuthError::SignInExpired {
                provider, account, ..
            }
            | OAuthError::UserNotSignedIn { provider, account } => {
                (None, Some(SignInRef::user(*provider, account)))
            }
            OAuthError::DelegatedMailboxAccessDenied {
                host, signed_in, ..
            } => (
                Some(host.clone()),
                Some(SignInRef::user(ProviderKind::Microsoft, signed_in)),
            ),
            OAuthError::AppMailboxAccessDenied { host, .. } => (Some(host.clone()), None),
            OAuthError::Refused { .. } => (None, None),
            _ => return Facts::default(),
        };
        // A stored sign-in's token is what these refusals are about.
        Facts {
            host,
            sign_in,
            auth_method: Some(AuthMethod::StoredSignIn),
            ..Facts::default()
        }
    }

    fn hint(&self) -> String {
        match self {
            OAuthError::Unreachable { .. } => "Check that this computer is online; Mailferry tries again by itself during a migration.".into(),
            OAuthError::Malformed { .. } => "Check the sign-in service's addresses; the default ones need no change.".into(),
            OAuthError::SignInExpired { provider, account, .. } => format!(
                "Sign in again with {} as {account}, then run the migration again; nothing already copied is copied twice.",
                provider.display_name()
            ),
            // Shown in the window too, so no flags: the ID is the same wherever it is given.
            OAuthError::UnknownClient { provider: ProviderKind::Microsoft, .. } => "Check the Application (client) ID (the setup script prints it; Entra ID shows it on the app's Overview page) and that the tenant is the one the app is registered in. In the app, Connect Microsoft 365 checks every piece of the registration.".into(),
            OAuthError::UnknownClient { provider: ProviderKind::Google, .. } => "Check the OAuth client ID in Google Cloud Console → APIs & Services → Credentials.".into(),
            OAuthError::BadClientSecret { provider: ProviderKind::Google, .. } => "Copy the client secret of your Desktop app OAuth client from Google Cloud Console → APIs & Services → Credentials and give it to Mailferry, then sign in again.".into(),
            OAuthError::BadClientSecret { .. } => "Copy the client secret's Value (not its Secret ID) from the app's Certificates & secrets page, or create a new one if it expired, and sign the app in again.".into(),
            OAuthError::BadCertificate { .. } => "Export the certificate and its RSA private key as PEM files without a password (from a .pfx: `openssl pkcs12 -in app.pfx -nodes -out app.pem`), then choose those files again.".into(),
            OAuthError::CertificateKeyMismatch { .. } => "Pick the private key that was created together with this certificate; a key from another certificate cannot sign for it.".into(),
            OAuthError::BadClientCertificate { thumbprint, .. } => format!(
                "Upload the certificate's public part (.cer, .pem or .crt) to the app registration's Certificates & secrets → Certificates page in Entra ID and check that its thumbprint there is {thumbprint} and that it has not expired; also check this computer's clock. Then sign the app in again."
            ),
            OAuthError::Refused { provider, .. } => format!("Check the app registration's permissions and admin consent (see README, Sign in with Microsoft or Google), then sign in with {} again.", provider.display_name()),
            OAuthError::Declined { .. } => "Run the sign-in again and accept the permissions Mailferry asks for. If the page says an administrator must approve, ask your admin to grant consent for the app.".into(),
            OAuthError::DeviceCodeNotOffered { provider } => format!(
                "{} gives the Gmail permission only to a sign-in in a browser on this computer. Sign in with {} in the browser, or use a Gmail app password.",
                provider.display_name(),
                provider.display_name(),
            ),
            OAuthError::DeviceCodeExpired { .. } => "Run the sign-in again and enter the code within the time shown.".into(),
            OAuthError::StateMismatch => "Run the sign-in again and finish it in the browser tab Mailferry opened; close older sign-in tabs first.".into(),
            OAuthError::BrowserTimeout { .. } => "Run the sign-in again and finish it in the browser, or sign in on another device with a code.".into(),
            OAuthError::Loopback(_) => "Mailferry needs to listen on 127.0.0.1 for the browser's answer; if local connections are blocked, sign in on another device with a code.".into(),
            OAuthError::NoClientId { provider } => format!(
                "Register Mailferry as an app with {} (see README, Sign in with Microsoft or Google) and give Mailferry its client ID.",
                provider.display_name()
            ),
            OAuthError::NotSignedIn { .. } | OAuthError::StoredUnreadable { .. } => "Sign in with Microsoft (or Google) first.".into(),
            OAuthError::UserNotSignedIn { provider, account } => format!(
                "Sign {account} in with {}, then try this mailbox again; the other mailboxes are not affected.",
                provider.display_name()
            ),
            OAuthError::BadReference(_) => "Write a stored sign-in as PROVIDER:ACCOUNT, e.g. microsoft:admin@contoso.com; in a batch, PROVIDER:* (e.g. microsoft:*) uses each user's own sign-in.".into(),
            OAuthError::UnknownAccount { .. } => "Give the account's email address when signing in.".into(),
            OAuthError::Keyring(e) => e.hint(),
            OAuthError::Graph { .. } => "The signed-in account needs the User.ReadBasic.All permission with admin consent: sign in again as an administrator, allowing Mailferry to list the users.".into(),
            OAuthError::AppMailboxAccessDenied { client_id, mailbox, .. } => format!(
                "Exchange Online does not let the app open {mailbox} yet. In Entra ID give the app the Office 365 Exchange Online application permission IMAP.AccessAsApp with admin consent; then in Exchange Online PowerShell register it with `New-ServicePrincipal -AppId {client_id} -ObjectId <enterprise application object ID>` and give it the mailbox with `Add-MailboxPermission -Identity {mailbox} -User <service principal ID> -AccessRights FullAccess`."
            ),
            OAuthError::DelegatedMailboxAccessDenied { mailbox, signed_in, .. } => format!(
                "Give {signed_in} full access to {mailbox} (Exchange admin center → mailbox → Delegation, or `Add-MailboxPermission -Identity {mailbox} -User {signed_in} -AccessRights FullAccess`), or sign in with Microsoft again if the sign-in was revoked."
            ),
        }
    }
}
