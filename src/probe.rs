//! "Test connection": sign in with one account and count what is there, without copying
//! anything. Used before a batch starts, for each user or for a whole server.

use serde::Serialize;

use crate::imap::{self, Timeouts};
use crate::migrate::{MigrateError, Side};
use crate::tls::Trust;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectionSummary {
    /// Folders that hold mail (containers excluded).
    pub folders: u64,
    pub messages: u64,
    pub bytes: u64,
    /// Messages larger than `size_limit`, when one was given.
    pub too_large: u64,
    /// Download speed measured on a sample of recent messages (bytes per second).
    pub measured_bytes_per_sec: Option<f64>,
    /// How long copying everything would take at that speed over one connection.
    pub estimated_secs: Option<u64>,
}

/// Enough data to time a download without turning a test into a migration.
const SAMPLE_MESSAGES: usize = 20;

/// [`test_connection`] for one side of a mailbox: every failure names the side it was for
/// and how it signed in there, since a test talks to that one server only.
pub async fn test_side(
    which: crate::error::Side,
    side: &Side,
    trust: &Trust,
    timeouts: Timeouts,
    size_limit: Option<u64>,
) -> Result<ConnectionSummary, MigrateError> {
    test_connection(side, trust, timeouts, size_limit)
        .await
        .map_err(|e| match e {
            already @ MigrateError::OnSide { .. } => already,
            other => MigrateError::on_side(other, which, side),
        })
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
        measured_bytes_per_sec: None,
        estimated_secs: None,
    };
    let mut fullest: Option<(String, u64)> = None;
    for folder in folders.iter().filter(|f| f.is_selectable()) {
        summary.folders += 1;
        let status = imap::examine(&mut conn, &folder.raw_name).await?;
        if status.exists == 0 {
            continue;
        }
        if fullest
            .as_ref()
            .is_none_or(|(_, n)| u64::from(status.exists) > *n)
        {
            fullest = Some((folder.raw_name.clone(), u64::from(status.exists)));
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
    if let Some((folder, _)) = fullest {
        imap::examine(&mut conn, &folder).await?;
        let mut uids: Vec<u32> = imap::fetch_flags(&mut conn)
            .await?
            .into_iter()
            .map(|(uid, _)| uid)
            .collect();
        uids.sort_unstable();
        let sample: Vec<u32> = uids.iter().rev().take(SAMPLE_MESSAGES).copied().collect();
        let wanted: Vec<(u32, u64)> = imap::fetch_meta(&mut conn, Some(&sample))
            .await?
            .into_iter()
            .map(|meta| (meta.uid, meta.size))
            .collect();
        let started = std::time::Instant::now();
        let fetched = imap::fetch_bodies(&mut conn, &wanted).await?;
        let seconds = started.elapsed().as_secs_f64().max(0.001);
        let bytes: usize = fetched.bodies.values().map(Vec::len).sum();
        if bytes > 0 {
            let rate = bytes as f64 / seconds;
            summary.measured_bytes_per_sec = Some(rate);
            summary.estimated_secs = Some((summary.bytes as f64 / rate).ceil() as u64);
        }
    }
    conn.logout().await;
    Ok(summary)
}
