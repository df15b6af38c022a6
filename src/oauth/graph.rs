//! The organisation's mailboxes from Microsoft Graph (`GET /v1.0/users`), to start a
//! migration CSV without typing every address.

use serde::{Deserialize, Serialize};

use super::error::OAuthError;
use super::token::unreachable;
use super::token_source::TokenSource;

/// Graph's largest page, so big directories take few requests.
const PAGE_SIZE: u32 = 999;
/// A safety stop against a server that keeps sending the same next page.
const MAX_PAGES: usize = 10_000;

/// One directory user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphUser {
    pub display_name: Option<String>,
    /// The primary SMTP address; `None` for users without a mailbox.
    pub mail: Option<String>,
    pub user_principal_name: String,
}

#[derive(Deserialize)]
struct Page {
    value: Vec<GraphUser>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

#[derive(Deserialize)]
struct GraphErrorBody {
    error: GraphErrorDetail,
}

#[derive(Deserialize)]
struct GraphErrorDetail {
    code: String,
    #[serde(default)]
    message: String,
}

/// Every user of the directory, following `@odata.nextLink` to the last page. `source`
/// must be a [`super::Purpose::Graph`] token source.
pub async fn list_users(source: &TokenSource) -> Result<Vec<GraphUser>, OAuthError> {
    let root = source
        .config()
        .graph_url
        .clone()
        .unwrap_or_else(|| "https://graph.microsoft.com".into());
    let first = format!(
        "{}/v1.0/users?$select=mail,userPrincipalName,displayName&$top={PAGE_SIZE}",
        root.trim_end_matches('/')
    );
    let http = super::token::http_client()?;
    let mut users = Vec::new();
    let mut next = Some(first);
    let mut pages = 0;
    while let Some(url) = next.take() {
        pages += 1;
        if pages > MAX_PAGES {
            break;
        }
        let page = fetch_page(&http, source, &url).await?;
        users.extend(page.value);
        next = page.next_link;
    }
    Ok(users)
}

async fn fetch_page(
    http: &reqwest::Client,
    source: &TokenSource,
    url: &str,
) -> Result<Page, OAuthError> {
    // One retry with a new token if Graph says the one we had is no longer good.
    for attempt in 0..2 {
        let token = source.access_token().await?;
        let response = http
            .get(url)
            .bearer_auth(token.expose())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| unreachable(url, &e))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| unreachable(url, &e))?;
        if status.is_success() {
            return serde_json::from_str(&text).map_err(|e| OAuthError::Malformed {
                url: url.into(),
                detail: e.to_string(),
            });
        }
        if status.as_u16() == 401 && attempt == 0 {
            source.rejected(&token).await;
            continue;
        }
        let (code, message) = match serde_json::from_str::<GraphErrorBody>(&text) {
            Ok(body) => (body.error.code, body.error.message),
            Err(_) => (format!("HTTP {status}"), String::new()),
        };
        return Err(OAuthError::Graph {
            status: status.as_u16(),
            code,
            message,
        });
    }
    Err(OAuthError::Graph {
        status: 401,
        code: "InvalidAuthenticationToken".into(),
        message: "the new token was refused too".into(),
    })
}

/// A Microsoft migration CSV skeleton: `EmailAddress,UserName,Password`, one row per user
/// with a mailbox, passwords left for the owner to fill in.
pub fn migration_csv(users: &[GraphUser]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(["EmailAddress", "UserName", "Password"]);
    for user in users {
        let email = user.mail.as_deref().unwrap_or(&user.user_principal_name);
        let _ = writer.write_record([email, email, ""]);
    }
    writer
        .into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_has_microsofts_columns() {
        let users = vec![GraphUser {
            display_name: Some("Alice, Smith".into()),
            mail: Some("alice@contoso.com".into()),
            user_principal_name: "alice@contoso.onmicrosoft.com".into(),
        }];
        assert_eq!(
            migration_csv(&users),
            "EmailAddress,UserName,Password\nalice@contoso.com,alice@contoso.com,\n"
        );
    }
}
