//! Carries flag changes made on the source since the last run over to the destination.
//! Flags are only ever stored on a destination message shown to be the same message: a
//! recorded UID is checked against the message's fingerprint first, and otherwise the
//! message is looked up by fingerprint.

use std::collections::HashMap;

use super::plan::FlagChange;
use super::{fingerprints_of, FolderPass};
use crate::fingerprint::Fingerprint;
use crate::flags;
use crate::imap::{self, Connection};
use crate::migrate::MigrateError;
use crate::report::FolderReport;

pub(super) async fn sync_flags(
    pass: &FolderPass<'_>,
    destination: &mut Connection,
    changes: Vec<FlagChange>,
    report: &mut FolderReport,
) -> Result<(), MigrateError> {
    // A record pointing at another destination folder (the folder mapping changed since)
    // is not this pass's to touch.
    let changes: Vec<FlagChange> = changes
        .into_iter()
        .filter(|change| change.record.destination_folder == pass.mapping.destination_raw)
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    let recorded: Vec<u32> = changes
        .iter()
        .filter_map(|change| change.record.destination_uid)
        .collect();
    let at_recorded: HashMap<u32, Fingerprint> = if recorded.is_empty() {
        HashMap::new()
    } else {
        let metas = imap::fetch_meta(destination, Some(&recorded)).await?;
        fingerprints_of(destination, &metas).await?
    };
    let mut by_fingerprint: Option<HashMap<Fingerprint, Vec<u32>>> = None;
    for change in changes {
        let record = &change.record;
        let proven = record
            .destination_uid
            .filter(|uid| at_recorded.get(uid) == Some(&record.fingerprint));
        let destination_uid = match proven {
            Some(uid) => Some(uid),
            None => {
                if by_fingerprint.is_none() {
                    by_fingerprint = Some(uids_by_fingerprint(destination).await?);
                }
                by_fingerprint
                    .as_ref()
                    .and_then(|m| m.get(&record.fingerprint))
                    .and_then(|uids| uids.first().copied())
            }
        };
        let Some(destination_uid) = destination_uid else {
            continue;
        };
        store(pass, destination, &change, destination_uid).await?;
        report.flags_updated += 1;
    }
    Ok(())
}

/// Every destination message by fingerprint, fetched only when a recorded UID failed.
async fn uids_by_fingerprint(
    destination: &mut Connection,
) -> Result<HashMap<Fingerprint, Vec<u32>>, MigrateError> {
    let metas = imap::fetch_meta(destination, None).await?;
    let fingerprints = fingerprints_of(destination, &metas).await?;
    let mut map: HashMap<Fingerprint, Vec<u32>> = HashMap::new();
    for (uid, fp) in fingerprints {
        map.entry(fp).or_default().push(uid);
    }
    Ok(map)
}

/// Sets the flags the destination keeps of those wanted, then records them.
async fn store(
    pass: &FolderPass<'_>,
    destination: &mut Connection,
    change: &FlagChange,
    destination_uid: u32,
) -> Result<(), MigrateError> {
    let kept = pass.flag_plan(&change.wanted).kept();
    imap::replace_flags(destination, destination_uid, &flags::atoms(&kept)).await?;
    let ctx = pass.ctx;
    ctx.state.update_flags(
        ctx.pair,
        &pass.mapping.source_raw,
        pass.source.uidvalidity,
        change.record.uid,
        &flags::key(&change.wanted),
        Some(destination_uid),
    )?;
    Ok(())
}
