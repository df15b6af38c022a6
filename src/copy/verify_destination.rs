//! After a folder's pass: does the destination hold what the server said it stored? A server
//! that answers OK and keeps nothing must never make a folder look synced.

use std::collections::HashSet;

use super::plan::{self, AppendedCheck};
use super::{FolderContext, FolderRun};
use crate::folder_plan::FolderMapping;
use crate::imap::{self, Connection};
use crate::migrate::MigrateError;
use crate::report::FolderReport;

pub(super) async fn verify_destination(
    ctx: &FolderContext<'_>,
    destination: &mut Connection,
    mapping: &FolderMapping,
    run: &mut FolderRun,
    report: &mut FolderReport,
) -> Result<(), MigrateError> {
    let after = imap::status_of(destination, &mapping.destination_raw).await?;
    report.destination_messages = Some(u64::from(after.messages));
    if run.appended.is_empty() {
        return Ok(());
    }
    let uidvalidity = run.source_uidvalidity.unwrap_or_default();
    if run.append_uids.is_untrusted() || plan::appenduids_contradicted(&run.appended, after.uidnext)
    {
        // UIDs that cannot be believed must not be recorded either: a later flag sync
        // would store flags on whatever message holds them.
        run.append_uids.distrust();
        let uids: Vec<u32> = run.appended.iter().map(|a| a.source_uid).collect();
        ctx.state
            .clear_destination_uids(ctx.pair, &mapping.source_raw, uidvalidity, &uids)?;
        for appended in &mut run.appended {
            appended.destination_uid = None;
        }
    }
    let verdict = if run.appended.iter().all(|a| a.destination_uid.is_some()) {
        let named: Vec<u32> = run
            .appended
            .iter()
            .filter_map(|a| a.destination_uid)
            .collect();
        imap::select(destination, &mapping.destination_raw).await?;
        let present: HashSet<u32> = imap::still_present(destination, &named)
            .await?
            .into_iter()
            .collect();
        plan::check_by_uid(&run.appended, &present)
    } else {
        let before = run.destination_before.unwrap_or(0);
        plan::check_by_count(run.appended.len(), before, after.messages)
    };
    let AppendedCheck::Missing {
        accepted,
        held,
        unproven,
    } = verdict
    else {
        return Ok(());
    };
    // Whatever cannot be shown to be there is forgotten, so the next pass looks for it by
    // fingerprint and copies it again only if it really is missing.
    let forget: Vec<u32> =
        unproven.unwrap_or_else(|| run.appended.iter().map(|a| a.source_uid).collect());
    ctx.state
        .forget(ctx.pair, &mapping.source_raw, uidvalidity, &forget)?;
    Err(MigrateError::DestinationMissing {
        folder: mapping.destination.clone(),
        accepted,
        held,
    })
}
