//! "Check the setup": signs in with the owner's app registration and checks each piece a
//! migration into Microsoft 365 needs — the app exists in the tenant, the browser sign-in
//! comes back, consent is granted, the token carries the IMAP permission, and the signed-in
//! admin (or the app) can open a sample mailbox over IMAP — naming for each missing piece the
//! one command or click that fixes it.
//!
//! [`decide`] turns what was observed ([`SetupFacts`]: error codes, granted scopes, the
//! mailbox's answer) into the verdicts; [`check_browser_setup`] and [`check_stored_setup`]
//! only gather the facts.

use std::time::Duration;

use base64::Engine as _;
use serde::Serialize;

use super::error::OAuthError;
use super::provider::ProviderConfig;
use super::setup_script::{
    admin_consent_url, full_access_command, SetupPath, CLOUD_SHELL_URL, EXCHANGE_ONLINE_APP_ID,
};
use super::sign_in::{start_interactive, SignInOptions, SignedIn};
use super::store::SignInRef;
use super::token::{self, TokenFailure};
use super::token_source::{Purpose, TokenSource};
use crate::auth::Credentials;
use crate::endpoint::Endpoint;
use crate::imap::{ImapError, Timeouts};
use crate::migrate::Side;
use crate::secrets::Secret;
use crate::tls::Trust;

/// One piece of the setup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SetupItem {
    /// The app registration exists in the tenant (and its credential works, app-only).
    App,
    /// The browser sign-in comes back to Mailferry (redirect URI, public client flows).
    SignIn,
    /// Consent for Mailferry's permissions (admin consent for an organisation).
    Consent,
    /// The token carries IMAP.AccessAsUser.All (IMAP.AccessAsApp app-only).
    ImapPermission,
    /// The sample mailbox opens over IMAP with the token (Full Access).
    MailboxAccess,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CheckStatus {
    Passed,
    Failed,
    /// Not reached (an earlier piece failed) or not checkable from here.
    NotChecked,
}

/// The verdict on one piece, with what to do when it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetupCheck {
    pub item: SetupItem,
    pub status: CheckStatus,
    /// What is wrong, in a sentence.
    pub problem: Option<String>,
    /// What to do about it, in a sentence.
    pub fix: Option<String>,
    /// The one command that fixes it (Azure Cloud Shell, PowerShell), to copy.
    pub command: Option<String>,
    /// The one page that fixes it (admin consent, Cloud Shell), to open.
    pub link: Option<String>,
}

/// Every verdict, and the sign-in the check made (kept: a passed check leaves Mailferry
/// signed in).
#[derive(Debug, Clone, Serialize)]
pub struct SetupReport {
    pub checks: Vec<SetupCheck>,
    pub signed_in: Option<SignedIn>,
}

impl SetupReport {
    /// Nothing failed.
    pub fn ready(&self) -> bool {
        self.checks.iter().all(|c| c.status != CheckStatus::Failed)
    }
}

/// What a sign-in attempt was refused with, reduced to what the verdicts depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The identity provider's answer: OAuth2 `error`, the AADSTS code when one is given,
    /// and the first line of its description.
    Provider {
        error: String,
        code: Option<u64>,
        text: String,
    },
    /// The browser never came back (Entra ID showed its error page instead of redirecting).
    BrowserTimeout,
    /// The sign-in service could not be reached.
    Unreachable(String),
    /// Anything else, as a sentence.
    Other(String),
}

/// What the provider granted a successful sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Granted {
    /// The account that signed in; `None` for an app.
    pub account: Option<String>,
    /// Delegated permissions: the token response's `scope`, or the token's `scp` claim.
    pub scopes: Option<Vec<String>>,
    /// Application permissions: the token's `roles` claim, when the token is readable.
    pub roles: Option<Vec<String>>,
}

/// How the sample mailbox answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailboxProbe {
    Opened,
    /// The server refused the sign-in for this mailbox.
    Refused {
        text: String,
    },
    /// The check could not reach the server or failed for another reason.
    NotReached {
        detail: String,
    },
}

/// Everything the verdicts are decided from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupFacts {
    pub path: SetupPath,
    pub tenant: String,
    pub client_id: String,
    /// Entra ID's authority root (`https://login.microsoftonline.com`), for the consent page.
    pub authority: String,
    /// The app registration answered (the device code endpoint, or client credentials).
    pub app: Result<(), Refusal>,
    /// The sign-in; `None` when not attempted.
    pub sign_in: Option<Result<Granted, Refusal>>,
    pub sample_mailbox: Option<String>,
    pub mailbox: Option<MailboxProbe>,
}

/// The AADSTS number in an Entra ID message (`AADSTS65001: ...`).
pub fn aadsts_code(text: &str) -> Option<u64> {
    let start = text.find("AADSTS")? + "AADSTS".len();
    let digits: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .take(10)
        .collect();
    digits.parse().ok()
}

impl Refusal {
    /// The refusal an [`OAuthError`] from a sign-in stands for.
    pub fn from_error(error: &OAuthError) -> Refusal {
        let provider = |error: &str, text: &str| Refusal::Provider {
            error: error.to_string(),
            code: aadsts_code(text),
            text: text.lines().next().unwrap_or("").trim().to_string(),
        };
        match error {
            OAuthError::UnknownClient { description, .. } => Refusal::Provider {
                error: "unauthorized_client".into(),
                code: aadsts_code(description).or(Some(code::UNKNOWN_APP)),
                text: description.lines().next().unwrap_or("").trim().to_string(),
            },
            OAuthError::BadClientSecret { description, .. } => {
                provider("invalid_client", description)
            }
            OAuthError::BadClientCertificate { description, .. } => {
                provider("invalid_client", description)
            }
            OAuthError::Refused {
                error, description, ..
            } => provider(error, description),
            OAuthError::Declined { description } => {
                let error = description.split(':').next().unwrap_or("access_denied");
                provider(error.trim(), description)
            }
            OAuthError::BrowserTimeout { .. } => Refusal::BrowserTimeout,
            OAuthError::Unreachable { detail, .. } => Refusal::Unreachable(detail.clone()),
            other => Refusal::Other(other.to_string()),
        }
    }
}

/// Entra ID codes, by what they say about the setup.
mod code {
    /// The application was not found in the directory.
    pub const UNKNOWN_APP: u64 = 700016;
    /// The tenant does not exist.
    pub const UNKNOWN_TENANT: u64 = 90002;
    /// No consent for the permissions asked for.
    pub const NO_CONSENT: u64 = 65001;
    /// The person declined consent.
    pub const DECLINED: u64 = 65004;
    /// An admin must approve (the person cannot consent).
    pub const NEEDS_ADMIN: u64 = 90094;
    /// The redirect URI is not registered.
    pub const REDIRECT_URI: u64 = 50011;
    /// A confidential client: public client flows are off.
    pub const NOT_PUBLIC: u64 = 7000218;
    /// A single-tenant app was asked through /organizations or /common.
    pub const SINGLE_TENANT: u64 = 50194;
    /// The account is not in the tenant.
    pub const FOREIGN_ACCOUNT: [u64; 2] = [50020, 50034];
    /// A wrong client secret.
    pub const BAD_SECRET: [u64; 2] = [7000215, 7000222];
}

fn check(item: SetupItem, status: CheckStatus) -> SetupCheck {
    SetupCheck {
        item,
        status,
        problem: None,
        fix: None,
        command: None,
        link: None,
    }
}

fn failed(item: SetupItem, problem: String, fix: &str) -> SetupCheck {
    SetupCheck {
        problem: Some(problem),
        fix: Some(fix.to_string()),
        ..check(item, CheckStatus::Failed)
    }
}

/// The items a path checks, in order.
fn items(path: SetupPath) -> &'static [SetupItem] {
    match path {
        SetupPath::App => &[
            SetupItem::App,
            SetupItem::ImapPermission,
            SetupItem::MailboxAccess,
        ],
        SetupPath::Admin | SetupPath::Personal => &[
            SetupItem::App,
            SetupItem::SignIn,
            SetupItem::Consent,
            SetupItem::ImapPermission,
            SetupItem::MailboxAccess,
        ],
    }
}

/// The verdict on every item of `facts.path`, in order. An item after a failure that keeps
/// it from being checked is `NotChecked`.
pub fn decide(facts: &SetupFacts) -> Vec<SetupCheck> {
    let mut verdicts: Vec<SetupCheck> = Vec::new();
    let mut put = |c: SetupCheck| verdicts.push(c);
    let tenant = facts.tenant.as_str();
    let id = facts.client_id.as_str();
    // A personal-account registration lives in whatever directory the person made it in.
    let graph_login = if facts.path == SetupPath::Personal {
        "Connect-MgGraph -Scopes \"Application.ReadWrite.All\"".to_string()
    } else {
        format!("Connect-MgGraph -TenantId \"{tenant}\" -Scopes \"Application.ReadWrite.All\", \"DelegatedPermissionGrant.ReadWrite.All\", \"AppRoleAssignment.ReadWrite.All\"")
    };
    let this_app = format!("(Get-MgServicePrincipal -Filter \"appId eq '{id}'\")");
    let exchange =
        format!("(Get-MgServicePrincipal -Filter \"appId eq '{EXCHANGE_ONLINE_APP_ID}'\")");

    // The app registration.
    match &facts.app {
        Ok(()) => put(check(SetupItem::App, CheckStatus::Passed)),
        // The app answered, but as a confidential client: the sign-in's problem, not the app's.
        Err(
            refusal @ Refusal::Provider {
                code: Some(code::NOT_PUBLIC),
                ..
            },
        ) if facts.path != SetupPath::App => {
            put(check(SetupItem::App, CheckStatus::Passed));
            for verdict in sign_in_verdicts(facts, refusal, &graph_login) {
                put(verdict);
            }
            return fill(verdicts, facts.path);
        }
        Err(refusal) => {
            put(app_verdict(facts, refusal));
            return fill(verdicts, facts.path);
        }
    }

    // The browser sign-in and consent (delegated and personal).
    let granted = match &facts.sign_in {
        None => return fill(verdicts, facts.path),
        Some(Ok(granted)) => {
            if facts.path != SetupPath::App {
                put(check(SetupItem::SignIn, CheckStatus::Passed));
                put(check(SetupItem::Consent, CheckStatus::Passed));
            }
            granted
        }
        Some(Err(refusal)) => {
            for verdict in sign_in_verdicts(facts, refusal, &graph_login) {
                put(verdict);
            }
            return fill(verdicts, facts.path);
        }
    };

    // The IMAP permission in the token.
    let imap = match facts.path {
        SetupPath::App => granted.roles.as_ref().map(|roles| {
            roles
                .iter()
                .any(|r| r.eq_ignore_ascii_case("IMAP.AccessAsApp"))
        }),
        _ => granted.scopes.as_ref().map(|scopes| {
            scopes
                .iter()
                .any(|s| s.to_ascii_lowercase().ends_with("imap.accessasuser.all"))
        }),
    };
    match (imap, facts.path) {
        (Some(true), _) => put(check(SetupItem::ImapPermission, CheckStatus::Passed)),
        (None, _) => put(SetupCheck {
            problem: Some("The token does not list its permissions; the mailbox test below shows whether IMAP works.".into()),
            ..check(SetupItem::ImapPermission, CheckStatus::NotChecked)
        }),
        (Some(false), SetupPath::App) => put(SetupCheck {
            command: Some(format!(
                "{graph_login}; New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId {this_app}.Id -PrincipalId {this_app}.Id -ResourceId {exchange}.Id -AppRoleId ({exchange}.AppRoles | Where-Object Value -eq \"IMAP.AccessAsApp\").Id"
            )),
            link: Some(CLOUD_SHELL_URL.into()),
            ..failed(
                SetupItem::ImapPermission,
                "The app's token does not carry the IMAP.AccessAsApp permission of Office 365 Exchange Online.".into(),
                "Grant it with this command in Azure Cloud Shell, then check again:",
            )
        }),
        (Some(false), SetupPath::Personal) => put(failed(
            SetupItem::ImapPermission,
            "The sign-in did not grant access to the mailbox over IMAP.".into(),
            "Check again and, when Microsoft asks, accept \"Read and write access to mailboxes via IMAP\". If it is not listed, run the setup script again and paste the new client ID.",
        )),
        (Some(false), SetupPath::Admin) => put(SetupCheck {
            command: Some(format!(
                "{graph_login}; New-MgOauth2PermissionGrant -ClientId {this_app}.Id -ConsentType \"AllPrincipals\" -ResourceId {exchange}.Id -Scope \"IMAP.AccessAsUser.All\""
            )),
            link: Some(CLOUD_SHELL_URL.into()),
            ..failed(
                SetupItem::ImapPermission,
                "The token does not carry the IMAP.AccessAsUser.All permission of Office 365 Exchange Online.".into(),
                "Grant it for your organisation with this command in Azure Cloud Shell, then check again:",
            )
        }),
    }

    // The sample mailbox.
    let Some(mailbox) = facts
        .sample_mailbox
        .as_deref()
        .filter(|m| !m.trim().is_empty())
    else {
        put(SetupCheck {
            problem: Some("No mailbox was given to test.".into()),
            fix: Some("Enter one of the mailboxes to migrate into, then check again.".into()),
            ..check(SetupItem::MailboxAccess, CheckStatus::NotChecked)
        });
        return verdicts;
    };
    match &facts.mailbox {
        None => put(check(SetupItem::MailboxAccess, CheckStatus::NotChecked)),
        Some(MailboxProbe::Opened) => put(check(SetupItem::MailboxAccess, CheckStatus::Passed)),
        Some(MailboxProbe::NotReached { detail }) => put(SetupCheck {
            problem: Some(format!(
                "Mailferry could not reach the mailbox server: {detail}"
            )),
            fix: Some("Check that this computer is online, then check again.".into()),
            ..check(SetupItem::MailboxAccess, CheckStatus::NotChecked)
        }),
        // Exchange refuses a token without the IMAP permission whatever the mailbox's
        // permissions are: nothing to learn about Full Access until that is fixed.
        Some(MailboxProbe::Refused { .. }) if imap == Some(false) => put(SetupCheck {
            problem: Some("Checked once the token carries the IMAP permission.".into()),
            ..check(SetupItem::MailboxAccess, CheckStatus::NotChecked)
        }),
        Some(MailboxProbe::Refused { .. }) => {
            let own = granted
                .account
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(mailbox));
            put(match facts.path {
                SetupPath::App => SetupCheck {
                    command: Some(format!(
                        "$sp = (Get-MgServicePrincipal -Filter \"appId eq '{id}'\"); Connect-ExchangeOnline; New-ServicePrincipal -AppId \"{id}\" -ObjectId $sp.Id -DisplayName \"Mailferry\"; Add-MailboxPermission -Identity \"{mailbox}\" -User $sp.Id -AccessRights FullAccess -InheritanceType All"
                    )),
                    link: Some(CLOUD_SHELL_URL.into()),
                    ..failed(
                        SetupItem::MailboxAccess,
                        format!("Exchange Online does not let the app open {mailbox}."),
                        "Register the app in Exchange Online and give it Full Access with this command in Azure Cloud Shell (once per mailbox), then check again:",
                    )
                },
                _ if own || facts.path == SetupPath::Personal => SetupCheck {
                    command: (facts.path == SetupPath::Admin).then(|| format!(
                        "Connect-ExchangeOnline; Set-CASMailbox -Identity \"{mailbox}\" -ImapEnabled $true"
                    )),
                    ..failed(
                        SetupItem::MailboxAccess,
                        format!("{mailbox} refused the sign-in over IMAP."),
                        if facts.path == SetupPath::Admin {
                            "IMAP may be turned off for this mailbox. Turn it on with this command in Azure Cloud Shell (or Microsoft 365 admin center → the user → Mail → Manage email apps → IMAP), then check again:"
                        } else {
                            "Turn IMAP on in Outlook.com (Settings → Mail → Forwarding and IMAP → Let devices and apps use IMAP), then check again."
                        },
                    )
                },
                _ => {
                    let admin = granted.account.clone().unwrap_or_else(|| "the admin".into());
                    SetupCheck {
                        command: Some(full_access_command(mailbox, &admin, false)),
                        link: Some(CLOUD_SHELL_URL.into()),
                        ..failed(
                            SetupItem::MailboxAccess,
                            format!("{admin} has no Full Access to {mailbox}."),
                            "Give it with this command in Azure Cloud Shell (or Exchange admin center → the mailbox → Delegation → Read and manage), then check again:",
                        )
                    }
                }
            })
        }
    }
    verdicts
}

/// The verdict on the app when its registration did not answer.
fn app_verdict(facts: &SetupFacts, refusal: &Refusal) -> SetupCheck {
    let (tenant, id) = (&facts.tenant, &facts.client_id);
    match refusal {
        Refusal::Provider { code: Some(code::UNKNOWN_TENANT), .. } => failed(
            SetupItem::App,
            format!("Microsoft knows no organisation called {tenant}."),
            "Enter your organisation's domain as the Microsoft 365 admin center lists it (Settings → Domains), then check again.",
        ),
        Refusal::Provider { code: Some(c), .. } if code::BAD_SECRET.contains(c) => failed(
            SetupItem::App,
            "Microsoft refused the app's client secret.".into(),
            "Paste the Client secret the setup script printed (or a new one from the app's Certificates & secrets page), then check again.",
        ),
        Refusal::Provider { code: Some(code::UNKNOWN_APP), .. } => SetupCheck {
            link: Some(CLOUD_SHELL_URL.into()),
            ..failed(
                SetupItem::App,
                format!("Microsoft does not know the application {id} in {tenant}."),
                "Run the setup script in Azure Cloud Shell, signed in to this organisation, and paste the Application (client) ID it prints.",
            )
        },
        Refusal::Provider { text, .. } | Refusal::Other(text) => SetupCheck {
            link: Some(CLOUD_SHELL_URL.into()),
            ..failed(
                SetupItem::App,
                format!("Microsoft refused the app registration: {text}"),
                "Run the setup script in Azure Cloud Shell again and paste the Application (client) ID it prints.",
            )
        },
        Refusal::Unreachable(detail) => SetupCheck {
            problem: Some(format!("Microsoft's sign-in service cannot be reached: {detail}")),
            fix: Some("Check that this computer is online, then check again.".into()),
            ..check(SetupItem::App, CheckStatus::NotChecked)
        },
        Refusal::BrowserTimeout => check(SetupItem::App, CheckStatus::NotChecked),
    }
}

/// The verdicts on the sign-in and consent when the sign-in was refused.
fn sign_in_verdicts(facts: &SetupFacts, refusal: &Refusal, graph_login: &str) -> Vec<SetupCheck> {
    let (tenant, id) = (&facts.tenant, &facts.client_id);
    let personal = facts.path == SetupPath::Personal;
    let this_app = format!("(Get-MgApplication -Filter \"appId eq '{id}'\").Id");
    let sign_in_passed = check(SetupItem::SignIn, CheckStatus::Passed);
    let code = match refusal {
        Refusal::Provider { code, .. } => *code,
        _ => None,
    };
    let error = match refusal {
        Refusal::Provider { error, .. } => error.as_str(),
        _ => "",
    };
    if matches!(code, Some(code::NO_CONSENT | code::NEEDS_ADMIN)) || error == "consent_required" {
        let consent = if personal {
            failed(
                SetupItem::Consent,
                "The permissions Mailferry asks for were not accepted.".into(),
                "Check again and choose Accept when Microsoft asks for the permissions.",
            )
        } else {
            SetupCheck {
                link: Some(admin_consent_url(&facts.authority, tenant, id)),
                ..failed(
                    SetupItem::Consent,
                    format!("Nobody has granted consent for Mailferry in {tenant} yet."),
                    "An administrator grants it for the whole organisation in one click on this page, then check again:",
                )
            }
        };
        return vec![sign_in_passed, consent];
    }
    match (refusal, code) {
        (_, Some(code::DECLINED)) => vec![
            sign_in_passed,
            failed(
                SetupItem::Consent,
                "The permissions were declined at sign-in.".into(),
                "Check again and choose Accept when Microsoft asks for the permissions.",
            ),
        ],
        (_, Some(code::REDIRECT_URI)) | (Refusal::BrowserTimeout, _) => vec![SetupCheck {
            command: Some(format!(
                "{graph_login}; Update-MgApplication -ApplicationId {this_app} -IsFallbackPublicClient:$true -PublicClient @{{ RedirectUris = @(\"http://localhost\") }}"
            )),
            link: Some(CLOUD_SHELL_URL.into()),
            ..failed(
                SetupItem::SignIn,
                if matches!(refusal, Refusal::BrowserTimeout) {
                    "The browser did not come back to Mailferry. If Microsoft showed an error about the redirect URI, the app registration lacks Mailferry's.".into()
                } else {
                    "The app registration does not list Mailferry's redirect URI (http://localhost).".into()
                },
                "Add it with this command in Azure Cloud Shell (or the app's Authentication page → Mobile and desktop applications → http://localhost), then check again:",
            )
        }],
        (_, Some(code::NOT_PUBLIC)) => vec![SetupCheck {
            command: Some(format!(
                "{graph_login}; Update-MgApplication -ApplicationId {this_app} -IsFallbackPublicClient:$true"
            )),
            link: Some(CLOUD_SHELL_URL.into()),
            ..failed(
                SetupItem::SignIn,
                "The app registration does not allow public client flows, which a desktop app needs.".into(),
                "Turn them on with this command in Azure Cloud Shell (or the app's Authentication page → Allow public client flows → Yes), then check again:",
            )
        }],
        (_, Some(code::SINGLE_TENANT)) => vec![failed(
            SetupItem::SignIn,
            "The app accepts only accounts of its own organisation, and no organisation was named.".into(),
            "Enter your organisation's domain, then check again.",
        )],
        (_, Some(c)) if code::FOREIGN_ACCOUNT.contains(&c) => vec![failed(
            SetupItem::SignIn,
            format!("The account that signed in does not belong to {tenant}."),
            "Check again and sign in with an administrator account of this organisation.",
        )],
        (Refusal::Provider { error, .. }, _) if error == "no refresh token" => vec![
            sign_in_passed,
            SetupCheck {
                link: (!personal).then(|| admin_consent_url(&facts.authority, tenant, id)),
                ..failed(
                    SetupItem::Consent,
                    "The sign-in did not grant offline access, which a long migration needs.".into(),
                    "Grant consent again (an administrator, on this page), then check again:",
                )
            },
        ],
        (Refusal::Provider { error, .. }, _)
            if error == "access_denied" || error == "authorization_declined" =>
        {
            vec![failed(
                SetupItem::SignIn,
                "The sign-in was cancelled in the browser.".into(),
                "Check again and finish the sign-in in the browser.",
            )]
        }
        (Refusal::Unreachable(detail), _) => vec![SetupCheck {
            problem: Some(format!("Microsoft's sign-in service cannot be reached: {detail}")),
            fix: Some("Check that this computer is online, then check again.".into()),
            ..check(SetupItem::SignIn, CheckStatus::NotChecked)
        }],
        (Refusal::Provider { text, .. } | Refusal::Other(text), _) => vec![SetupCheck {
            link: Some(CLOUD_SHELL_URL.into()),
            ..failed(
                SetupItem::SignIn,
                format!("The sign-in did not complete: {text}"),
                "Run the setup script in Azure Cloud Shell again, paste the new Application (client) ID, then check again.",
            )
        }],
    }
}

/// `verdicts` followed by every later item of `path`, not checked.
fn fill(mut verdicts: Vec<SetupCheck>, path: SetupPath) -> Vec<SetupCheck> {
    for item in items(path) {
        if !verdicts.iter().any(|v| v.item == *item) {
            verdicts.push(check(*item, CheckStatus::NotChecked));
        }
    }
    verdicts
}

/// A token's `scp` (delegated) and `roles` (application) claims, when it is a JWT (Entra
/// ID's tokens for Exchange are). The signature is not checked: the token came straight from
/// the token endpoint, and the claims only explain a failure Exchange would report anyway.
pub fn token_permissions(token: &str) -> (Option<Vec<String>>, Option<Vec<String>>) {
    let claims = token.split('.').nth(1).and_then(|payload| {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()?;
        serde_json::from_slice::<serde_json::Value>(&bytes).ok()
    });
    let Some(claims) = claims else {
        return (None, None);
    };
    let scopes = claims["scp"]
        .as_str()
        .map(|s| s.split_whitespace().map(str::to_string).collect());
    let roles = claims["roles"].as_array().map(|roles| {
        roles
            .iter()
            .filter_map(|r| r.as_str().map(str::to_string))
            .collect()
    });
    (scopes, roles)
}

/// Where and how to test the sample mailbox.
pub struct MailboxTarget {
    /// Exchange Online's IMAP address ([`super::microsoft_imap_url`]).
    pub imap_url: String,
    pub mailbox: Option<String>,
    pub trust: Trust,
}

/// Entra ID's authority root in `config`'s authorize URL.
fn authority_of(config: &ProviderConfig) -> String {
    let tenant = config.tenant.clone().unwrap_or_default();
    config
        .authorize_url
        .split(&format!("/{tenant}/oauth2"))
        .next()
        .unwrap_or("https://login.microsoftonline.com")
        .to_string()
}

fn facts_for(path: SetupPath, config: &ProviderConfig, mailbox: &MailboxTarget) -> SetupFacts {
    SetupFacts {
        path,
        tenant: config.tenant.clone().unwrap_or_default(),
        client_id: config.client_id.clone(),
        authority: authority_of(config),
        app: Ok(()),
        sign_in: None,
        sample_mailbox: mailbox.mailbox.clone(),
        mailbox: None,
    }
}

/// Asks the tenant whether it knows the app, without a person signing in: the device code
/// endpoint answers an unknown application or tenant at once.
async fn probe_app(config: &ProviderConfig) -> Result<(), Refusal> {
    let http = token::http_client().map_err(|e| Refusal::Other(e.to_string()))?;
    let form = [
        ("client_id", config.client_id.as_str()),
        ("scope", "openid offline_access"),
    ];
    match token::post_form(&http, &config.device_code_url, &form).await {
        Ok(_) => Ok(()),
        Err(TokenFailure::OAuth(body)) => Err(Refusal::Provider {
            code: body
                .error_codes
                .first()
                .copied()
                .or_else(|| aadsts_code(&body.error_description)),
            text: body.summary(),
            error: body.error,
        }),
        Err(TokenFailure::Other(e)) => Err(Refusal::from_error(&e)),
    }
}

/// Signs in to the sample mailbox over IMAP with `source`'s token (XOAUTH2), as the
/// migration will, and signs out again.
/// `account` is who signed in; `None` for an app, which signs in as the mailbox itself.
async fn probe_mailbox(
    source: TokenSource,
    account: Option<&str>,
    target: &MailboxTarget,
) -> Option<MailboxProbe> {
    let mailbox = target.mailbox.as_deref()?.trim();
    if mailbox.is_empty() {
        return None;
    }
    let account = account.unwrap_or(mailbox);
    let endpoint = match Endpoint::parse(&target.imap_url) {
        Ok(endpoint) => endpoint.for_user(mailbox),
        Err(e) => {
            return Some(MailboxProbe::NotReached {
                detail: e.to_string(),
            })
        }
    };
    let side = Side {
        endpoint,
        credentials: Credentials {
            login: account.to_string(),
            secret: Secret::OAuth(source),
            on_behalf_of: (!account.eq_ignore_ascii_case(mailbox)).then(|| mailbox.to_string()),
        },
        allow_insecure_auth: false,
    };
    let timeouts = Timeouts {
        connect: Duration::from_secs(20),
        ..Timeouts::default()
    };
    Some(match side.connect(&target.trust, timeouts).await {
        Ok(_connection) => MailboxProbe::Opened,
        Err(ImapError::AuthFailed { text, .. }) => MailboxProbe::Refused { text },
        Err(ImapError::Token { source, .. }) => match *source {
            OAuthError::AppMailboxAccessDenied { text, .. }
            | OAuthError::DelegatedMailboxAccessDenied { text, .. } => {
                MailboxProbe::Refused { text }
            }
            other => MailboxProbe::NotReached {
                detail: other.to_string(),
            },
        },
        Err(other) => MailboxProbe::NotReached {
            detail: other.to_string(),
        },
    })
}

/// The delegated check (an admin, or an Outlook.com/Hotmail person): asks Entra ID about the
/// app, signs in in the browser (`open` shows the page; the sign-in is kept when it works),
/// reads the granted scopes, then opens the sample mailbox with the new sign-in.
pub async fn check_browser_setup(
    path: SetupPath,
    config: ProviderConfig,
    options: SignInOptions,
    target: MailboxTarget,
    open: impl FnOnce(&str) -> Result<(), OAuthError>,
) -> SetupReport {
    let mut facts = facts_for(path, &config, &target);
    facts.app = probe_app(&config).await;
    if facts.app.is_err() {
        return SetupReport {
            checks: decide(&facts),
            signed_in: None,
        };
    }
    let outcome = async {
        let pending = start_interactive(config, options).await?;
        open(&pending.authorize_url)?;
        pending.complete_with_scope().await
    }
    .await;
    let (signed_in, scope) = match outcome {
        Ok(done) => done,
        Err(e) => {
            facts.sign_in = Some(Err(Refusal::from_error(&e)));
            return SetupReport {
                checks: decide(&facts),
                signed_in: None,
            };
        }
    };
    let source = TokenSource::shared(&signed_in.reference, Purpose::Imap);
    let mut granted = Granted {
        account: Some(signed_in.account.clone()),
        scopes: scope.map(|s| s.split_whitespace().map(str::to_string).collect()),
        roles: None,
    };
    match source {
        Ok(source) => {
            if granted.scopes.is_none() {
                if let Ok(token) = source.access_token().await {
                    granted.scopes = token_permissions(token.expose()).0;
                }
            }
            facts.mailbox = probe_mailbox(source, Some(&signed_in.account), &target).await;
        }
        Err(e) => {
            facts.mailbox = Some(MailboxProbe::NotReached {
                detail: e.to_string(),
            })
        }
    }
    facts.sign_in = Some(Ok(granted));
    SetupReport {
        checks: decide(&facts),
        signed_in: Some(signed_in),
    }
}

/// The check of a stored sign-in: the app-only path after the app signed in with its secret
/// or certificate (or a delegated sign-in made earlier). Fetches a token, reads its
/// permissions, and opens the sample mailbox with it.
pub async fn check_stored_setup(reference: &SignInRef, target: MailboxTarget) -> SetupReport {
    let path = if reference.app {
        SetupPath::App
    } else {
        SetupPath::Admin
    };
    let source = match TokenSource::shared(reference, Purpose::Imap) {
        Ok(source) => source,
        Err(e) => {
            let facts = SetupFacts {
                path,
                tenant: String::new(),
                client_id: String::new(),
                authority: String::new(),
                app: Err(Refusal::from_error(&e)),
                sign_in: None,
                sample_mailbox: target.mailbox.clone(),
                mailbox: None,
            };
            return SetupReport {
                checks: decide(&facts),
                signed_in: None,
            };
        }
    };
    let mut facts = facts_for(path, source.config(), &target);
    match source.access_token().await {
        Err(e) => facts.app = Err(Refusal::from_error(&e)),
        Ok(token) => {
            let (scopes, roles) = token_permissions(token.expose());
            let account = (!reference.app).then(|| reference.account.clone());
            facts.mailbox = probe_mailbox(source.clone(), account.as_deref(), &target).await;
            facts.sign_in = Some(Ok(Granted {
                account,
                scopes,
                roles,
            }));
        }
    }
    let signed_in = SignedIn {
        name: reference.to_string(),
        account: reference.account.clone(),
        reference: reference.clone(),
    };
    SetupReport {
        checks: decide(&facts),
        signed_in: Some(signed_in),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "9e5f94bc-e8a4-4e73-b8be-63364c29d753";

    fn facts(path: SetupPath) -> SetupFacts {
        SetupFacts {
            path,
            tenant: "contoso.com".into(),
            client_id: ID.into(),
            authority: "https://login.microsoftonline.com".into(),
            app: Ok(()),
            sign_in: Some(Ok(Granted {
                account: Some("admin@contoso.com".into()),
                scopes: Some(vec![
                    "https://outlook.office.com/IMAP.AccessAsUser.All".into(),
                    "User.Read".into(),
                ]),
                roles: None,
            })),
            sample_mailbox: Some("bob@contoso.com".into()),
            mailbox: Some(MailboxProbe::Opened),
        }
    }

    fn refused(error: &str, code: u64) -> Refusal {
        Refusal::Provider {
            error: error.into(),
            code: Some(code),
            text: format!("AADSTS{code}: something"),
        }
    }

    fn statuses(checks: &[SetupCheck]) -> Vec<(SetupItem, CheckStatus)> {
        checks.iter().map(|c| (c.item, c.status)).collect()
    }

    fn the(checks: &[SetupCheck], item: SetupItem) -> &SetupCheck {
        checks
            .iter()
            .find(|c| c.item == item)
            .expect("item checked")
    }

    use CheckStatus::{Failed, NotChecked, Passed};
    use SetupItem::*;

    #[test]
    fn everything_in_place_passes_every_item() {
        let checks = decide(&facts(SetupPath::Admin));
        assert_eq!(
            statuses(&checks),
            vec![
                (App, Passed),
                (SignIn, Passed),
                (Consent, Passed),
                (ImapPermission, Passed),
                (MailboxAccess, Passed)
            ]
        );
        assert!(checks
            .iter()
            .all(|c| c.fix.is_none() && c.command.is_none()));
    }

    #[test]
    fn an_unknown_app_stops_the_check_and_points_at_cloud_shell() {
        let mut f = facts(SetupPath::Admin);
        f.app = Err(refused("unauthorized_client", 700016));
        let checks = decide(&f);
        assert_eq!(checks[0].status, Failed);
        assert!(checks[0].problem.as_deref().unwrap().contains(ID));
        assert_eq!(checks[0].link.as_deref(), Some(CLOUD_SHELL_URL));
        assert!(checks[1..].iter().all(|c| c.status == NotChecked));
        assert_eq!(checks.len(), 5);
    }

    #[test]
    fn an_unknown_tenant_asks_for_the_domain() {
        let mut f = facts(SetupPath::Admin);
        f.app = Err(refused("invalid_request", 90002));
        let checks = decide(&f);
        assert!(checks[0]
            .problem
            .as_deref()
            .unwrap()
            .contains("contoso.com"));
        assert!(checks[0].fix.as_deref().unwrap().contains("domain"));
    }

    #[test]
    fn missing_consent_links_to_the_admin_consent_page() {
        let mut f = facts(SetupPath::Admin);
        f.sign_in = Some(Err(refused("invalid_grant", 65001)));
        let checks = decide(&f);
        assert_eq!(the(&checks, Consent).status, Failed);
        assert_eq!(
            the(&checks, Consent).link.as_deref(),
            Some(&*format!(
                "https://login.microsoftonline.com/contoso.com/adminconsent?client_id={ID}"
            ))
        );
        assert_eq!(the(&checks, ImapPermission).status, NotChecked);
        assert_eq!(the(&checks, MailboxAccess).status, NotChecked);
        // Personal accounts have no admin: the person accepts.
        f.path = SetupPath::Personal;
        let checks = decide(&f);
        assert_eq!(the(&checks, Consent).link, None);
        assert!(the(&checks, Consent)
            .fix
            .as_deref()
            .unwrap()
            .contains("Accept"));
    }

    #[test]
    fn consent_required_from_the_browser_counts_as_missing_consent() {
        let refusal = Refusal::from_error(&OAuthError::Declined {
            description:
                "consent_required: AADSTS65001: The user or administrator has not consented".into(),
        });
        assert_eq!(
            refusal,
            Refusal::Provider {
                error: "consent_required".into(),
                code: Some(65001),
                text: "consent_required: AADSTS65001: The user or administrator has not consented"
                    .into(),
            }
        );
        let mut f = facts(SetupPath::Admin);
        f.sign_in = Some(Err(refusal));
        assert_eq!(the(&decide(&f), Consent).status, Failed);
    }

    #[test]
    fn a_missing_redirect_uri_or_public_client_flag_has_its_command() {
        let mut f = facts(SetupPath::Admin);
        f.sign_in = Some(Err(Refusal::BrowserTimeout));
        let checks = decide(&f);
        let sign_in = the(&checks, SignIn);
        assert_eq!(sign_in.status, Failed);
        assert!(sign_in
            .command
            .as_deref()
            .unwrap()
            .contains("RedirectUris = @(\"http://localhost\")"));
        assert!(sign_in
            .command
            .as_deref()
            .unwrap()
            .contains(&format!("appId eq '{ID}'")));
        assert!(sign_in
            .command
            .as_deref()
            .unwrap()
            .contains("-TenantId \"contoso.com\""));
        f.path = SetupPath::Personal;
        let personal = decide(&f);
        assert!(!the(&personal, SignIn)
            .command
            .as_deref()
            .unwrap()
            .contains("-TenantId"));
        f.path = SetupPath::Admin;
        f.sign_in = Some(Err(refused("invalid_client", 7000218)));
        let checks = decide(&f);
        let command = the(&checks, SignIn).command.clone().unwrap();
        assert!(command.contains("-IsFallbackPublicClient:$true"));
        assert!(!command.contains("RedirectUris"));
        // Entra ID may already say so when asked about the app.
        let mut f = facts(SetupPath::Admin);
        f.app = Err(refused("invalid_client", 7000218));
        let checks = decide(&f);
        assert_eq!(the(&checks, App).status, Passed);
        assert_eq!(the(&checks, SignIn).status, Failed);
        assert_eq!(checks.len(), 5);
    }

    #[test]
    fn a_token_without_imap_names_the_grant_command() {
        let mut f = facts(SetupPath::Admin);
        f.sign_in = Some(Ok(Granted {
            account: Some("admin@contoso.com".into()),
            scopes: Some(vec!["User.Read".into()]),
            roles: None,
        }));
        f.mailbox = Some(MailboxProbe::Refused {
            text: "AUTHENTICATE failed.".into(),
        });
        let checks = decide(&f);
        let imap = the(&checks, ImapPermission);
        assert_eq!(imap.status, Failed);
        assert_eq!(the(&checks, MailboxAccess).status, NotChecked);
        assert!(imap
            .command
            .as_deref()
            .unwrap()
            .contains("New-MgOauth2PermissionGrant -ClientId (Get-MgServicePrincipal -Filter \"appId eq '9e5f94bc"));
        assert!(imap
            .command
            .as_deref()
            .unwrap()
            .contains("-Scope \"IMAP.AccessAsUser.All\""));
    }

    #[test]
    fn a_mailbox_without_full_access_names_the_add_mailbox_permission_command() {
        let mut f = facts(SetupPath::Admin);
        f.mailbox = Some(MailboxProbe::Refused {
            text: "AUTHENTICATE failed.".into(),
        });
        let checks = decide(&f);
        let access = the(&checks, MailboxAccess);
        assert_eq!(access.status, Failed);
        assert_eq!(
            access.problem.as_deref(),
            Some("admin@contoso.com has no Full Access to bob@contoso.com.")
        );
        assert_eq!(
            access.command.as_deref(),
            Some(&*full_access_command(
                "bob@contoso.com",
                "admin@contoso.com",
                false
            ))
        );
        // The admin's own mailbox refusing is IMAP being off, not Full Access.
        f.sample_mailbox = Some("ADMIN@contoso.com".into());
        let checks = decide(&f);
        assert!(the(&checks, MailboxAccess)
            .command
            .as_deref()
            .unwrap()
            .contains("Set-CASMailbox"));
    }

    #[test]
    fn the_app_only_path_checks_the_role_and_the_service_principal() {
        let mut f = facts(SetupPath::App);
        f.sign_in = Some(Ok(Granted {
            account: None,
            scopes: None,
            roles: Some(vec!["IMAP.AccessAsApp".into()]),
        }));
        assert_eq!(
            statuses(&decide(&f)),
            vec![
                (App, Passed),
                (ImapPermission, Passed),
                (MailboxAccess, Passed)
            ]
        );
        f.sign_in = Some(Ok(Granted {
            account: None,
            scopes: None,
            roles: Some(vec![]),
        }));
        f.mailbox = Some(MailboxProbe::Refused { text: "no".into() });
        let checks = decide(&f);
        assert!(the(&checks, ImapPermission)
            .command
            .as_deref()
            .unwrap()
            .contains("New-MgServicePrincipalAppRoleAssignment"));
        assert_eq!(the(&checks, MailboxAccess).status, NotChecked);
        f.sign_in = Some(Ok(Granted {
            account: None,
            scopes: None,
            roles: Some(vec!["IMAP.AccessAsApp".into()]),
        }));
        let checks = decide(&f);
        let access = the(&checks, MailboxAccess).command.clone().unwrap();
        assert!(access.contains(&format!("New-ServicePrincipal -AppId \"{ID}\"")));
        assert!(access.contains("Add-MailboxPermission -Identity \"bob@contoso.com\" -User $sp.Id -AccessRights FullAccess"));
        // An opaque token: the mailbox test decides.
        f.sign_in = Some(Ok(Granted::default()));
        assert_eq!(the(&decide(&f), ImapPermission).status, NotChecked);
        // A wrong secret.
        f.app = Err(refused("invalid_client", 7000215));
        let checks = decide(&f);
        assert!(the(&checks, App)
            .problem
            .as_deref()
            .unwrap()
            .contains("client secret"));
        assert_eq!(checks.len(), 3);
    }

    #[test]
    fn unreachable_is_not_a_verdict_on_the_setup() {
        let mut f = facts(SetupPath::Admin);
        f.app = Err(Refusal::Unreachable("connection refused".into()));
        let checks = decide(&f);
        assert!(checks.iter().all(|c| c.status == NotChecked));
        let mut f = facts(SetupPath::Admin);
        f.mailbox = Some(MailboxProbe::NotReached {
            detail: "timed out".into(),
        });
        assert_eq!(the(&decide(&f), MailboxAccess).status, NotChecked);
        let mut f = facts(SetupPath::Admin);
        f.sample_mailbox = None;
        assert!(the(&decide(&f), MailboxAccess).fix.is_some());
    }

    #[test]
    fn codes_and_claims_are_read_from_untrusted_text() {
        assert_eq!(aadsts_code("invalid_grant: AADSTS65001: x"), Some(65001));
        assert_eq!(aadsts_code("AADSTS"), None);
        assert_eq!(aadsts_code("AADSTSx: 65001"), None);
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let jwt = format!(
            "{}.{}.sig",
            b64("{}"),
            b64(r#"{"scp":"IMAP.AccessAsUser.All User.Read","roles":["IMAP.AccessAsApp"]}"#)
        );
        assert_eq!(
            token_permissions(&jwt),
            (
                Some(vec!["IMAP.AccessAsUser.All".into(), "User.Read".into()]),
                Some(vec!["IMAP.AccessAsApp".into()])
            )
        );
        assert_eq!(token_permissions("idp-at-opaque"), (None, None));
    }
}
