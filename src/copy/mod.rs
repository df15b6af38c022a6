//! Copying one folder: find what the destination lacks, fetch it, append it, record it.
//!
//! Each pass decides first and acts after: `plan` turns the listing, the records of
//! earlier runs and the destination's messages into typed decisions, without I/O; the
//! executors (`transfer`, `flag_sync`, `verify_destination`) carry them out. The
//! source is opened with EXAMINE and read with BODY.PEEK only, so it never changes.

mod flag_sync;
mod plan;
pub mod reach;
mod transfer;
mod verify_destination;

use std::collections::{HashMap, HashSet};

use crate::events::{Event, Events};
use crate::fingerprint::{self, Fingerprint};
use crate::flags::{self, Flag, FlagPlan};
use crate::folder_plan::FolderMapping;
use crate::imap::{self, Connection, FolderStatus, MessageMeta};
use crate::migrate::MigrateError;
use crate::report::FolderReport;
use crate::state::{MessageRecord, State};

/// What every folder of one mailbox shares.
pub struct FolderContext<'a> {
    pub state: &'a State,
    pub pair: i64,
    pub events: &'a Events,
    /// The largest message the destination takes (ours and its APPENDLIMIT, whichever is lower).
    pub max_message_size: Option<u64>,
    /// For Gmail's All Mail: fingerprints of messages that other folders carry.
    pub elsewhere: Option<&'a HashSet<Fingerprint>>,
    /// The destination is Exchange (Microsoft 365): its flag and line-length rules apply.
    pub exchange: bool,
    /// Rename read-receipt requests on messages already read (see `receipts`).
    pub disarm_read_receipts: bool,
}

/// Survives retries of the same folder within one run, so counts stay right.
#[derive(Default)]
pub struct FolderRun {
    memory: plan::Memory,
    copied: u64,
    bytes_copied: u64,
    /// What this run appended, for the check that the destination holds it.
    appended: Vec<plan::Appended>,
    /// Messages in the destination folder before this run appended anything.
    destination_before: Option<u32>,
    /// The source folder's UIDVALIDITY the records were written under.
    source_uidvalidity: Option<u32>,
    append_uids: plan::AppendUids,
    /// The messages of this attempt not on the destination yet, by received date.
    frontier: reach::Frontier,
    /// Set once the destination refused an APPEND: from then on messages go one at a time,
    /// so that one refusal is not repeated for every message pipelined behind it (Exchange
    /// ends a session after ten errors).
    careful: bool,
}

impl FolderRun {
    /// Messages appended so far in this run, over every attempt.
    pub fn copied(&self) -> u64 {
        self.copied
    }
}

/// One pass over a folder once both sides are open: what every executor needs.
struct FolderPass<'a> {
    ctx: &'a FolderContext<'a>,
    mapping: &'a FolderMapping,
    source: &'a FolderStatus,
    destination: &'a FolderStatus,
}

impl FolderPass<'_> {
    fn flag_plan(&self, flags: &[Flag]) -> FlagPlan {
        let permanent = self.destination.permanent_flags.as_deref();
        flags::plan(flags, permanent, self.ctx.exchange)
    }

    /// Tells followers how far back the folder's mail is on the destination now.
    fn reached(&self, reach: reach::FolderReach) {
        self.ctx.events.emit(Event::Reached {
            source: self.mapping.source.clone(),
            reach,
        });
    }

    /// Writes records for source messages of this folder.
    fn record(&self, records: &[MessageRecord]) -> Result<(), MigrateError> {
        let folder = &self.mapping.source_raw;
        let state = self.ctx.state;
        Ok(state.record(self.ctx.pair, folder, self.source.uidvalidity, records)?)
    }
}

/// Brings one destination folder up to date with one source folder.
pub async fn copy_folder(
    ctx: &FolderContext<'_>,
    source: &mut Connection,
    destination: &mut Connection,
    mapping: &FolderMapping,
    run: &mut FolderRun,
) -> Result<FolderReport, (FolderReport, MigrateError)> {
    let mut report = FolderReport::new(
        &mapping.source,
        &mapping.destination,
        mapping.role,
        mapping.renamed.clone(),
    );
    let mut result = copy_into(ctx, source, destination, mapping, run, &mut report).await;
    if result.is_ok() {
        result =
            verify_destination::verify_destination(ctx, destination, mapping, run, &mut report)
                .await;
    }
    report.copied = run.copied;
    report.bytes_copied = run.bytes_copied;
    match result {
        Ok(()) => Ok(report),
        Err(e) => Err((report, e)),
    }
}

async fn copy_into(
    ctx: &FolderContext<'_>,
    source: &mut Connection,
    destination: &mut Connection,
    mapping: &FolderMapping,
    run: &mut FolderRun,
    report: &mut FolderReport,
) -> Result<(), MigrateError> {
    let status = imap::examine(source, &mapping.source_raw).await?;
    ctx.state
        .check_uidvalidity(ctx.pair, &mapping.source_raw, status.uidvalidity)?;
    run.source_uidvalidity = Some(status.uidvalidity);
    let listing: Vec<(u32, Vec<Flag>)> = if status.exists == 0 {
        Vec::new()
    } else {
        let listed = imap::fetch_flags(source).await?;
        listed
            .into_iter()
            .map(|(uid, atoms)| (uid, flags::parse_all(&atoms)))
            .collect()
    };
    let known = ctx
        .state
        .records(ctx.pair, &mapping.source_raw, status.uidvalidity)?;
    let listed = plan::plan_listing(&listing, &known, &run.memory);
    listed.tally.add_to(report);
    if listed.new.is_empty() {
        // Every message of the folder has a record: all of it is on the destination.
        ctx.events.emit(Event::Reached {
            source: mapping.source.clone(),
            reach: reach::Frontier::default().reach(),
        });
    }
    if listed.new.is_empty() && listed.flag_changes.is_empty() {
        return Ok(());
    }

    let dest_status = imap::select(destination, &mapping.destination_raw).await?;
    run.destination_before.get_or_insert(dest_status.exists);
    let pass = FolderPass {
        ctx,
        mapping,
        source: &status,
        destination: &dest_status,
    };
    let mut flag_changes = listed.flag_changes;
    if !listed.new.is_empty() {
        let found = copy_new(&pass, source, destination, &listed.new, run, report).await?;
        flag_changes.extend(found);
    }
    flag_sync::sync_flags(&pass, destination, flag_changes, report).await
}

/// Matches the new source messages against the destination, records what is already
/// there, and copies the rest. Returns the flag changes found on the way.
async fn copy_new(
    pass: &FolderPass<'_>,
    source: &mut Connection,
    destination: &mut Connection,
    new: &[u32],
    run: &mut FolderRun,
    report: &mut FolderReport,
) -> Result<Vec<plan::FlagChange>, MigrateError> {
    let metas = imap::fetch_meta(source, Some(new)).await?;
    let dates: Vec<(u32, Option<i64>)> = metas
        .iter()
        .map(|m| (m.uid, plan::received_at(&m.internaldate)))
        .collect();
    let fingerprints = fingerprints_of(source, &metas).await?;
    let mut pool = destination_pool(pass, destination).await?;
    let rules = plan::Rules {
        role: pass.mapping.role,
        elsewhere: pass.ctx.elsewhere,
        max_message_size: pass.ctx.max_message_size,
        destination_raw: &pass.mapping.destination_raw,
        refused_earlier: &run.memory.refused,
    };
    let decided = plan::plan_new(plan::candidates(metas, &fingerprints), &mut pool, &rules);
    report.in_other_folders += decided.in_other_folders;
    report.already_present += decided.already_present;
    for left_out in &decided.left_out {
        left_out.add_to(report);
    }
    run.memory.present.extend(&decided.present);
    pass.record(&decided.records)?;
    let settled: Vec<u32> = decided.records.iter().map(|r| r.uid).collect();
    run.frontier = reach::Frontier::new(dates, &settled);
    for left_out in &decided.left_out {
        if let plan::Refused::Skipped(issue) = left_out {
            run.frontier.set_aside(issue.uid);
        }
    }
    pass.reached(run.frontier.reach());
    pass.ctx.events.emit(Event::FolderScanned {
        source: pass.mapping.source.clone(),
        destination: pass.mapping.destination.clone(),
        to_copy: decided.to_copy.len() as u64,
        bytes_to_copy: decided.to_copy.iter().map(|c| c.meta.size).sum(),
    });
    transfer::transfer(pass, source, destination, decided.to_copy, run, report).await?;
    Ok(decided.flag_changes)
}

/// The destination folder's messages that no record accounts for, to match new source
/// messages against.
async fn destination_pool(
    pass: &FolderPass<'_>,
    destination: &mut Connection,
) -> Result<plan::Pool, MigrateError> {
    let exists = pass.destination.exists;
    if exists == 0 {
        return Ok(plan::Pool::default());
    }
    let ctx = pass.ctx;
    let claimed = ctx.state.claimed(ctx.pair, &pass.mapping.destination_raw)?;
    if !plan::pool_needs_scan(exists, claimed.len()) {
        return Ok(plan::Pool::default());
    }
    let metas = imap::fetch_meta(destination, None).await?;
    let fingerprints = fingerprints_of(destination, &metas).await?;
    Ok(plan::destination_pool(&metas, &fingerprints, &claimed))
}

/// Fingerprints for messages; those without a Message-ID need their header block.
pub(crate) async fn fingerprints_of(
    conn: &mut Connection,
    metas: &[MessageMeta],
) -> Result<HashMap<u32, Fingerprint>, MigrateError> {
    let mut out = HashMap::with_capacity(metas.len());
    let mut need_headers = Vec::new();
    for meta in metas {
        match fingerprint::from_meta(meta) {
            Some(fp) => {
                out.insert(meta.uid, fp);
            }
            None => need_headers.push(meta.uid),
        }
    }
    if !need_headers.is_empty() {
        let by_uid: HashMap<u32, &MessageMeta> = metas.iter().map(|m| (m.uid, m)).collect();
        for (uid, header) in imap::fetch_headers(conn, &need_headers).await? {
            if let Some(meta) = by_uid.get(&uid) {
                out.insert(uid, fingerprint::from_header_block(meta, &header));
            }
        }
    }
    Ok(out)
}
