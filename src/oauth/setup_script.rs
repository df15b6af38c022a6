//! The script that registers Mailferry in the owner's Microsoft 365 tenant: pasted into
//! Azure Cloud Shell (https://shell.azure.com), where Microsoft Graph PowerShell and Exchange
//! Online PowerShell are already installed and signed in as the person who opened it.
//!
//! It creates the app registration with the loopback redirect URI Mailferry's browser
//! sign-in uses (`http://localhost`, any port), public client flows on, the delegated
//! permissions (Office 365 Exchange Online IMAP.AccessAsUser.All; Microsoft Graph
//! offline_access, openid, profile, email, User.Read, User.ReadBasic.All), grants admin
//! consent for the whole organisation, and prints the Application (client) ID. The app-only
//! variant adds the IMAP.AccessAsApp application permission with its consent, a client
//! secret, the Exchange service principal and Full Access per mailbox.
//!
//! Permission IDs are looked up by name on Microsoft's own service principals when the
//! script runs, so only the two first-party application IDs are written here.

use serde::{Deserialize, Serialize};

/// Office 365 Exchange Online's application ID, the same in every tenant.
pub const EXCHANGE_ONLINE_APP_ID: &str = "00000002-0000-0ff1-ce00-000000000000";
/// Microsoft Graph's application ID.
pub const MICROSOFT_GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Azure Cloud Shell in the browser.
pub const CLOUD_SHELL_URL: &str = "https://shell.azure.com";
/// The registration's display name in Entra ID.
const APP_NAME: &str = "Mailferry";

/// Which registration the script makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SetupPath {
    /// A Microsoft 365 admin signs in (delegated, Full Access per mailbox).
    Admin,
    /// The app signs in as itself (client credentials, IMAP.AccessAsApp).
    App,
    /// Outlook.com / Hotmail mailboxes: each person signs in and consents for themselves.
    Personal,
}

/// What the script is generated for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupScriptRequest {
    pub path: SetupPath,
    /// The tenant's domain (contoso.com, contoso.onmicrosoft.com) or ID; ignored for
    /// personal accounts.
    pub tenant: String,
    /// Admin path: the account that signs in, to be given Full Access to `mailboxes`.
    pub admin: Option<String>,
    /// Mailboxes to open: Full Access for the admin or the app.
    pub mailboxes: Vec<String>,
}

/// Why no script can be made from the request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupScriptError {
    #[error("'{0}' is not a Microsoft 365 domain or tenant ID")]
    BadTenant(String),
    #[error("'{0}' is not an email address")]
    BadMailbox(String),
}

/// The Application (client) ID in its canonical form (lowercase), or `None` when `text` is
/// not a GUID (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hex digits; braces tolerated as
/// PowerShell and the portal sometimes copy them).
pub fn parse_client_id(text: &str) -> Option<String> {
    let trimmed = text.trim().trim_start_matches('{').trim_end_matches('}');
    let groups: Vec<&str> = trimmed.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    let ok = groups.len() == lengths.len()
        && groups
            .iter()
            .zip(lengths)
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()));
    ok.then(|| trimmed.to_ascii_lowercase())
}

/// A domain name or tenant GUID, the only shapes that reach the script (where anything else
/// could be PowerShell).
pub fn parse_tenant(text: &str) -> Option<String> {
    let tenant = text.trim().trim_end_matches('.').to_ascii_lowercase();
    if let Some(id) = parse_client_id(&tenant) {
        return Some(id);
    }
    let labels: Vec<&str> = tenant.split('.').collect();
    let ok = tenant.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    ok.then_some(tenant)
}

/// An address safe to write into a PowerShell string: local part of the common characters
/// only (letters, digits, `.`, `_`, `-`, `+`), then a domain.
fn parse_mailbox(text: &str) -> Option<String> {
    let text = text.trim();
    let (local, domain) = text.rsplit_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'));
    (local_ok && parse_tenant(domain).is_some()).then(|| text.to_string())
}

/// The Cloud Shell script for `request`.
pub fn setup_script(request: &SetupScriptRequest) -> Result<String, SetupScriptError> {
    let mailboxes = request
        .mailboxes
        .iter()
        .filter(|m| !m.trim().is_empty())
        .map(|m| parse_mailbox(m).ok_or_else(|| SetupScriptError::BadMailbox(m.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let admin = match request.admin.as_deref().map(str::trim) {
        Some(admin) if !admin.is_empty() => Some(
            parse_mailbox(admin).ok_or_else(|| SetupScriptError::BadMailbox(admin.to_string()))?,
        ),
        _ => None,
    };
    if request.path == SetupPath::Personal {
        return Ok(personal_script());
    }
    let tenant = parse_tenant(&request.tenant)
        .ok_or_else(|| SetupScriptError::BadTenant(request.tenant.trim().to_string()))?;
    Ok(work_script(
        request.path,
        &tenant,
        admin.as_deref(),
        &mailboxes,
    ))
}

fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("\"{item}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn work_script(path: SetupPath, tenant: &str, admin: Option<&str>, mailboxes: &[String]) -> String {
    let app_only = path == SetupPath::App;
    let mut s = String::new();
    s.push_str(&format!(
        "# Mailferry: register the app in {tenant} (paste into Azure Cloud Shell, PowerShell)\n\
         $ErrorActionPreference = \"Stop\"\n\
         Connect-MgGraph -TenantId \"{tenant}\" -Scopes \"Application.ReadWrite.All\", \"DelegatedPermissionGrant.ReadWrite.All\", \"AppRoleAssignment.ReadWrite.All\" -NoWelcome\n\
         $exo = Get-MgServicePrincipal -Filter \"appId eq '{EXCHANGE_ONLINE_APP_ID}'\"\n\
         $graph = Get-MgServicePrincipal -Filter \"appId eq '{MICROSOFT_GRAPH_APP_ID}'\"\n\
         $graphScopes = \"offline_access\", \"openid\", \"profile\", \"email\", \"User.Read\", \"User.ReadBasic.All\"\n\
         $exoAccess = @(@{{ Id = ($exo.Oauth2PermissionScopes | Where-Object Value -eq \"IMAP.AccessAsUser.All\").Id; Type = \"Scope\" }})\n"
    ));
    if app_only {
        s.push_str(
            "$exoAccess += @{ Id = ($exo.AppRoles | Where-Object Value -eq \"IMAP.AccessAsApp\").Id; Type = \"Role\" }\n",
        );
    }
    s.push_str(&format!(
        "$graphAccess = @($graphScopes | ForEach-Object {{ $v = $_; @{{ Id = ($graph.Oauth2PermissionScopes | Where-Object Value -eq $v).Id; Type = \"Scope\" }} }})\n\
         # Public client (no secret) with the loopback redirect of Mailferry's browser sign-in.\n\
         $app = New-MgApplication -DisplayName \"{APP_NAME}\" -SignInAudience \"AzureADMyOrg\" -IsFallbackPublicClient:$true `\n\
         \x20 -PublicClient @{{ RedirectUris = @(\"http://localhost\") }} `\n\
         \x20 -RequiredResourceAccess @(@{{ ResourceAppId = \"{EXCHANGE_ONLINE_APP_ID}\"; ResourceAccess = $exoAccess }}, @{{ ResourceAppId = \"{MICROSOFT_GRAPH_APP_ID}\"; ResourceAccess = $graphAccess }})\n\
         $sp = New-MgServicePrincipal -AppId $app.AppId\n\
         # Admin consent for everyone in the organisation.\n\
         New-MgOauth2PermissionGrant -ClientId $sp.Id -ConsentType \"AllPrincipals\" -ResourceId $exo.Id -Scope \"IMAP.AccessAsUser.All\" | Out-Null\n\
         New-MgOauth2PermissionGrant -ClientId $sp.Id -ConsentType \"AllPrincipals\" -ResourceId $graph.Id -Scope ($graphScopes -join \" \") | Out-Null\n"
    ));
    if app_only {
        s.push_str(
            "$role = ($exo.AppRoles | Where-Object Value -eq \"IMAP.AccessAsApp\").Id\n\
             New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $sp.Id -PrincipalId $sp.Id -ResourceId $exo.Id -AppRoleId $role | Out-Null\n\
             $secret = Add-MgApplicationPassword -ApplicationId $app.Id -PasswordCredential @{ DisplayName = \"Mailferry\" }\n\
             # Exchange Online must know the app before it can be given mailboxes; it sees a\n\
             # new one after a short delay.\n\
             Start-Sleep -Seconds 30\n\
             Connect-ExchangeOnline -ShowBanner:$false\n\
             New-ServicePrincipal -AppId $app.AppId -ObjectId $sp.Id -DisplayName \"Mailferry\" | Out-Null\n",
        );
        if !mailboxes.is_empty() {
            s.push_str(&format!(
                "foreach ($mailbox in @({})) {{ Add-MailboxPermission -Identity $mailbox -User $sp.Id -AccessRights FullAccess -InheritanceType All | Out-Null }}\n",
                quoted_list(mailboxes)
            ));
        }
    } else if let (Some(admin), false) = (admin, mailboxes.is_empty()) {
        s.push_str(&format!(
            "# Full Access for the admin who signs in to Mailferry.\n\
             Connect-ExchangeOnline -ShowBanner:$false\n\
             foreach ($mailbox in @({})) {{ Add-MailboxPermission -Identity $mailbox -User \"{admin}\" -AccessRights FullAccess -InheritanceType All -AutoMapping $false | Out-Null }}\n",
            quoted_list(mailboxes)
        ));
    }
    s.push_str("Write-Host \"\"\nWrite-Host \"Application (client) ID: $($app.AppId)\"\n");
    if app_only {
        s.push_str("Write-Host \"Client secret: $($secret.SecretText)\"\n");
    }
    s
}

/// Outlook.com and Hotmail: a registration for personal Microsoft accounts (made in any
/// directory the person can use, e.g. the one Azure creates for a personal account). No
/// admin consent exists for personal accounts: each person consents when signing in.
fn personal_script() -> String {
    format!(
        "# Mailferry: register the app for Outlook.com and Hotmail mailboxes (paste into Azure Cloud Shell, PowerShell)\n\
         $ErrorActionPreference = \"Stop\"\n\
         Connect-MgGraph -Scopes \"Application.ReadWrite.All\" -NoWelcome\n\
         $exo = Get-MgServicePrincipal -Filter \"appId eq '{EXCHANGE_ONLINE_APP_ID}'\"\n\
         $graph = Get-MgServicePrincipal -Filter \"appId eq '{MICROSOFT_GRAPH_APP_ID}'\"\n\
         $exoAccess = @(@{{ Id = ($exo.Oauth2PermissionScopes | Where-Object Value -eq \"IMAP.AccessAsUser.All\").Id; Type = \"Scope\" }})\n\
         $graphAccess = @(\"offline_access\", \"openid\", \"profile\", \"email\" | ForEach-Object {{ $v = $_; @{{ Id = ($graph.Oauth2PermissionScopes | Where-Object Value -eq $v).Id; Type = \"Scope\" }} }})\n\
         # Personal accounts need version 2 access tokens.\n\
         $app = New-MgApplication -DisplayName \"{APP_NAME}\" -SignInAudience \"AzureADandPersonalMicrosoftAccount\" -IsFallbackPublicClient:$true `\n\
         \x20 -Api @{{ RequestedAccessTokenVersion = 2 }} -PublicClient @{{ RedirectUris = @(\"http://localhost\") }} `\n\
         \x20 -RequiredResourceAccess @(@{{ ResourceAppId = \"{EXCHANGE_ONLINE_APP_ID}\"; ResourceAccess = $exoAccess }}, @{{ ResourceAppId = \"{MICROSOFT_GRAPH_APP_ID}\"; ResourceAccess = $graphAccess }})\n\
         Write-Host \"\"\n\
         Write-Host \"Application (client) ID: $($app.AppId)\"\n"
    )
}

/// The one command that gives `user` (an admin's address, or the app's service principal
/// ID) Full Access to `mailbox`, for Exchange Online PowerShell.
pub fn full_access_command(mailbox: &str, user: &str, app: bool) -> String {
    let automap = if app { "" } else { " -AutoMapping $false" };
    format!(
        "Connect-ExchangeOnline; Add-MailboxPermission -Identity \"{mailbox}\" -User \"{user}\" -AccessRights FullAccess -InheritanceType All{automap}"
    )
}

/// Admin consent in one click: Entra ID's consent page for the whole organisation.
pub fn admin_consent_url(authority: &str, tenant: &str, client_id: &str) -> String {
    format!(
        "{}/{tenant}/adminconsent?client_id={client_id}",
        authority.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: SetupPath) -> SetupScriptRequest {
        SetupScriptRequest {
            path,
            tenant: " Contoso.com ".into(),
            admin: Some("admin@contoso.com".into()),
            mailboxes: vec!["anna@contoso.com".into(), "ben.l@contoso.com".into()],
        }
    }

    #[test]
    fn the_admin_script_registers_a_public_client_with_imap_and_consent() {
        let script = setup_script(&request(SetupPath::Admin)).unwrap();
        assert!(script.contains("Connect-MgGraph -TenantId \"contoso.com\""));
        assert!(script.contains("New-MgApplication -DisplayName \"Mailferry\" -SignInAudience \"AzureADMyOrg\" -IsFallbackPublicClient:$true"));
        assert!(script.contains("RedirectUris = @(\"http://localhost\")"));
        assert!(script.contains("Where-Object Value -eq \"IMAP.AccessAsUser.All\""));
        assert!(script.contains("\"offline_access\""));
        assert!(script.contains("\"User.ReadBasic.All\""));
        assert!(script.contains(&format!("ResourceAppId = \"{EXCHANGE_ONLINE_APP_ID}\"")));
        assert!(script.contains("New-MgOauth2PermissionGrant -ClientId $sp.Id -ConsentType \"AllPrincipals\" -ResourceId $exo.Id -Scope \"IMAP.AccessAsUser.All\""));
        assert!(script.contains("Add-MailboxPermission -Identity $mailbox -User \"admin@contoso.com\" -AccessRights FullAccess"));
        assert!(script.contains("@(\"anna@contoso.com\", \"ben.l@contoso.com\")"));
        assert!(script
            .trim_end()
            .ends_with("Write-Host \"Application (client) ID: $($app.AppId)\""));
        // Nothing of the app-only path.
        assert!(!script.contains("IMAP.AccessAsApp"));
        assert!(!script.contains("New-ServicePrincipal "));
    }

    #[test]
    fn the_app_only_script_adds_the_application_permission_and_exchange_steps() {
        let script = setup_script(&request(SetupPath::App)).unwrap();
        assert!(script.contains("Where-Object Value -eq \"IMAP.AccessAsApp\").Id; Type = \"Role\""));
        assert!(
            script.contains("New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $sp.Id")
        );
        assert!(script.contains("Add-MgApplicationPassword"));
        assert!(script.contains("Connect-ExchangeOnline"));
        assert!(script.contains("New-ServicePrincipal -AppId $app.AppId -ObjectId $sp.Id"));
        assert!(script.contains(
            "Add-MailboxPermission -Identity $mailbox -User $sp.Id -AccessRights FullAccess"
        ));
        assert!(script.contains("Client secret: $($secret.SecretText)"));
    }

    #[test]
    fn the_personal_script_needs_no_tenant_and_grants_no_consent() {
        let mut req = request(SetupPath::Personal);
        req.tenant = String::new();
        req.admin = None;
        req.mailboxes.clear();
        let script = setup_script(&req).unwrap();
        assert!(script.contains("-SignInAudience \"AzureADandPersonalMicrosoftAccount\""));
        assert!(script.contains("RequestedAccessTokenVersion = 2"));
        assert!(script.contains("IMAP.AccessAsUser.All"));
        assert!(!script.contains("-TenantId"));
        assert!(!script.contains("New-MgOauth2PermissionGrant"));
        assert!(script.contains("Application (client) ID"));
    }

    #[test]
    fn nothing_but_domains_and_addresses_reach_the_script() {
        let mut req = request(SetupPath::Admin);
        req.tenant = "contoso.com\"; Remove-MgApplication".into();
        assert!(matches!(
            setup_script(&req),
            Err(SetupScriptError::BadTenant(_))
        ));
        req.tenant = "contoso".into();
        assert!(matches!(
            setup_script(&req),
            Err(SetupScriptError::BadTenant(_))
        ));
        req.tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47".into();
        assert!(setup_script(&req).is_ok());
        req.mailboxes = vec!["a\"b@contoso.com".into()];
        assert_eq!(
            setup_script(&req),
            Err(SetupScriptError::BadMailbox("a\"b@contoso.com".into()))
        );
    }

    #[test]
    fn client_ids_are_guids() {
        assert_eq!(
            parse_client_id(" {9E5F94BC-E8A4-4E73-B8BE-63364C29D753} "),
            Some("9e5f94bc-e8a4-4e73-b8be-63364c29d753".into())
        );
        assert_eq!(parse_client_id("9e5f94bc-e8a4-4e73-b8be-63364c29d75"), None);
        assert_eq!(
            parse_client_id("9e5f94bc-e8a4-4e73-b8be-63364c29d75g"),
            None
        );
        assert_eq!(parse_client_id("Application (client) ID"), None);
        assert_eq!(parse_client_id(""), None);
    }

    #[test]
    fn one_command_or_one_click_fixes() {
        assert_eq!(
            full_access_command("bob@contoso.com", "admin@contoso.com", false),
            "Connect-ExchangeOnline; Add-MailboxPermission -Identity \"bob@contoso.com\" -User \"admin@contoso.com\" -AccessRights FullAccess -InheritanceType All -AutoMapping $false"
        );
        assert_eq!(
            admin_consent_url("https://login.microsoftonline.com/", "contoso.com", "id"),
            "https://login.microsoftonline.com/contoso.com/adminconsent?client_id=id"
        );
    }
}
