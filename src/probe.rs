//! "Test connection": sign in with one account and count what is there, without copying
//! anything. Used before a batch starts, for each user or for a whole server.

use serde::Serialize;

use crate::imap::{self, Timeouts};
use crate::migrate::{MigrateError, Side};
use crate::tls::Trust;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConnectionSummary {
    /// Folders that hold mail (containers excluded).
    pub folders: u64,
    pub messages: u64,
    pub bytes: u64,
    /// Messages larger than `size_limit`, when one was given.
    pub too_large: u64,
}

/// Signs in and surveys every selectable folder (read-only).
pub async fn test_connection(
    side: &Side,
    trust: &Trust,
    timeouts: Timeouts,
    size_limit: Option<u64>,
) -> Result<ConnectionSummary, MigrateError> {
    let mut conn = side.connect(trust, timeouts).await?;
    let folders = imap::list_folders(&mut conn, "", "*").await?;
    let mut summary = ConnectionSummary {
        folders: 0,
        messages: 0,
        bytes: 0,
        too_large: 0,
    };
    for folder in folders.iter().filter(|f| f.is_selectable()) {
        summary.folders += 1;
        let status = imap::examine(&mut conn, &folder.raw_name).await?;
        if status.exists == 0 {
            continue;
        }
        for (size, deleted) in imap::fetch_sizes(&mut conn).await? {
            if deleted {
                continue;
            }
            summary.messages += 1;
            summary.bytes += size;
            if size_limit.is_some_and(|limit| size > limit) {
                summary.too_large += 1;
            }
        }
    }
    conn.logout().await;
    Ok(summary)
}
