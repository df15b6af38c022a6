//! Copying one folder: find what the destination lacks, fetch it, append it, record it.
//!
//! The source is opened with EXAMINE and read with BODY.PEEK only, so it never changes.
//! Fetching and appending run at the same time over the two connections, a few batches
//! apart, with APPENDs pipelined; memory stays bounded by those few batches.

use std::collections::{HashMap, HashSet};

use crate::error::Classify;
use crate::events::{Event, Events};
use crate::fingerprint::{self, Fingerprint};
use crate::flags::{self, FlagPlan};
use crate::folder_name::Role;
use crate::folder_plan::FolderMapping;
use crate::imap::{self, Connection, DoneStatus, FolderStatus, ImapError, MessageMeta};
use crate::migrate::MigrateError;
use crate::report::{FolderReport, MessageIssue};
use crate::state::{MessageRecord, Outcome, State};

/// A batch is fetched with one command and appended as one pipelined burst.
const BATCH_BYTES: u64 = 4 * 1024 * 1024;
const BATCH_MESSAGES: usize = 64;

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

impl FolderContext<'_> {
    fn flag_plan(&self, flags: &[String], dest: &FolderStatus) -> FlagPlan {
        flags::plan(flags, dest.permanent_flags.as_deref(), self.exchange)
    }

    /// The flags the destination keeps of a flag key.
    fn destination_flags(&self, flag_key: &str, dest: &FolderStatus) -> Vec<String> {
        self.flag_plan(&flags::from_key(flag_key), dest).kept()
    }
}

/// Survives retries of the same folder within one run, so counts stay right.
#[derive(Default)]
pub struct FolderRun {
    copied_uids: HashSet<u32>,
    /// Found already on the destination by an earlier attempt of this run.
    present_uids: HashSet<u32>,
    copied: u64,
    bytes_copied: u64,
    /// What this run appended: the source UID, and the destination UID the server named.
    appended: Vec<Appended>,
    /// Messages in the destination folder before this run appended anything.
    destination_before: Option<u32>,
    /// The source folder's UIDVALIDITY the records were written under.
    source_uidvalidity: Option<u32>,
    /// The highest APPENDUID accepted so far; a server's next one must be higher.
    last_append_uid: Option<u32>,
    /// Set once the server named a UID that cannot be right (reused, going backwards, below
    /// UIDNEXT): from then on none of its APPENDUIDs is believed.
    append_uids_untrusted: bool,
    /// Set once the destination refused an APPEND: from then on messages go one at a time,
    /// so that one refusal is not repeated for every message pipelined behind it (Exchange
    /// ends a session after ten errors).
    careful: bool,
    /// Messages the destination refused for themselves in an earlier attempt.
    refused: HashMap<u32, Refused>,
}

#[derive(Debug, Clone, Copy)]
struct Appended {
    source_uid: u32,
    destination_uid: Option<u32>,
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
        result = verify_destination(ctx, destination, mapping, run, &mut report).await;
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
    let listing = if status.exists == 0 {
        Vec::new()
    } else {
        imap::fetch_flags(source).await?
    };
    let known = ctx
        .state
        .records(ctx.pair, &mapping.source_raw, status.uidvalidity)?;

    let mut pending = Vec::new();
    let mut flag_changes = Vec::new();
    for (uid, flags) in &listing {
        if flags.iter().any(|f| f.eq_ignore_ascii_case("\\Deleted")) {
            report.deleted_not_copied += 1;
            continue;
        }
        report.messages_in_source += 1;
        match known.get(uid) {
            None => pending.push(*uid),
            Some(record) if record.outcome == Outcome::Elsewhere => report.in_other_folders += 1,
            Some(record) => {
                if run.present_uids.contains(uid) {
                    report.already_present += 1;
                } else if !run.copied_uids.contains(uid) {
                    report.previously_copied += 1;
                }
                let now = flag_key(flags);
                if now != record.flags {
                    flag_changes.push((record.clone(), now));
                }
            }
        }
    }
    if pending.is_empty() && flag_changes.is_empty() {
        return Ok(());
    }

    let dest_status = imap::select(destination, &mapping.destination_raw).await?;
    run.destination_before.get_or_insert(dest_status.exists);
    if !pending.is_empty() {
        let metas = imap::fetch_meta(source, Some(&pending)).await?;
        let fingerprints = fingerprints_of(source, &metas).await?;
        let mut available =
            destination_pool(ctx, destination, &mapping.destination_raw, &dest_status).await?;
        let (to_copy, present_flag_changes) = sort_out(
            ctx,
            mapping,
            &status,
            metas,
            &fingerprints,
            &mut available,
            run,
            report,
        )?;
        flag_changes.extend(present_flag_changes);
        let bytes: u64 = to_copy.iter().map(|(m, _)| m.size).sum();
        ctx.events.emit(Event::FolderScanned {
            source: mapping.source.clone(),
            destination: mapping.destination.clone(),
            to_copy: to_copy.len() as u64,
            bytes_to_copy: bytes,
        });
        transfer(
            ctx,
            source,
            destination,
            mapping,
            &status,
            &dest_status,
            to_copy,
            run,
            report,
        )
        .await?;
    }
    sync_flags(
        ctx,
        destination,
        mapping,
        &status,
        &dest_status,
        flag_changes,
        report,
    )
    .await
}

use flags::key as flag_key;

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

/// Destination messages not yet accounted for by any source message: by fingerprint,
/// their UIDs and flags.
type Pool = HashMap<Fingerprint, Vec<(u32, String)>>;

async fn destination_pool(
    ctx: &FolderContext<'_>,
    destination: &mut Connection,
    destination_raw: &str,
    dest_status: &FolderStatus,
) -> Result<Pool, MigrateError> {
    let mut pool = Pool::new();
    if dest_status.exists == 0 {
        return Ok(pool);
    }
    let claimed = ctx.state.claimed(ctx.pair, destination_raw)?;
    // When every destination message is already accounted for, there is nothing to match:
    // skipping the scan keeps incremental runs into large folders fast.
    if dest_status.exists as usize <= claimed.len() {
        return Ok(pool);
    }
    let metas = imap::fetch_meta(destination, None).await?;
    let fingerprints = fingerprints_of(destination, &metas).await?;
    for meta in &metas {
        if meta
            .flags
            .iter()
            .any(|f| f.eq_ignore_ascii_case("\\Deleted"))
        {
            continue;
        }
        if let Some(fp) = fingerprints.get(&meta.uid) {
            pool.entry(fp.clone())
                .or_default()
                .push((meta.uid, flag_key(&meta.flags)));
        }
    }
    // Exact UIDs first, so a claim without a UID never takes a message another claim names.
    for (fp, uid) in claimed.iter().filter(|(_, uid)| uid.is_some()) {
        if let Some(found) = pool.get_mut(fp) {
            found.retain(|(u, _)| Some(*u) != *uid);
        }
    }
    for (fp, _) in claimed.iter().filter(|(_, uid)| uid.is_none()) {
        if let Some(found) = pool.get_mut(fp) {
            found.pop();
        }
    }
    Ok(pool)
}

/// Decides for each new source message: already there, elsewhere, too large, or to copy.
/// Messages already there whose flags differ are returned for a flag sync, recorded with the
/// destination's flags so an interrupted sync is picked up by the next run.
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn sort_out(
    ctx: &FolderContext<'_>,
    mapping: &FolderMapping,
    status: &FolderStatus,
    mut metas: Vec<MessageMeta>,
    fingerprints: &HashMap<u32, Fingerprint>,
    pool: &mut Pool,
    run: &mut FolderRun,
    report: &mut FolderReport,
) -> Result<
    (
        Vec<(MessageMeta, Fingerprint)>,
        Vec<(MessageRecord, String)>,
    ),
    MigrateError,
> {
    newest_first(&mut metas);
    let mut records = Vec::new();
    let mut flag_changes = Vec::new();
    let mut to_copy = Vec::new();
    for meta in metas {
        if meta
            .flags
            .iter()
            .any(|f| f.eq_ignore_ascii_case("\\Deleted"))
        {
            continue;
        }
        let Some(fp) = fingerprints.get(&meta.uid).cloned() else {
            continue;
        };
        let record = |outcome, destination_uid, destination_folder: &str| MessageRecord {
            uid: meta.uid,
            fingerprint: fp.clone(),
            flags: flag_key(&meta.flags),
            destination_folder: destination_folder.to_string(),
            destination_uid,
            outcome,
        };
        if mapping.role == Role::All && ctx.elsewhere.is_some_and(|set| set.contains(&fp)) {
            records.push(record(Outcome::Elsewhere, None, ""));
            report.in_other_folders += 1;
            continue;
        }
        if let Some((existing, existing_flags)) = pool.get_mut(&fp).and_then(Vec::pop) {
            let mut present = record(Outcome::Present, Some(existing), &mapping.destination_raw);
            if existing_flags != present.flags {
                let wanted = std::mem::replace(&mut present.flags, existing_flags);
                flag_changes.push((present.clone(), wanted));
            }
            records.push(present);
            report.already_present += 1;
            run.present_uids.insert(meta.uid);
            continue;
        }
        if let Some(refused) = run.refused.get(&meta.uid) {
            refused.add_to(report);
            continue;
        }
        if let Some(limit) = ctx.max_message_size {
            if meta.size > limit {
                report.skip(issue(
                    &meta,
                    "too_large",
                    format!(
                        "{} bytes is more than the destination accepts ({limit} bytes)",
                        meta.size
                    ),
                ));
                continue;
            }
        }
        to_copy.push((meta, fp));
    }
    ctx.state
        .record(ctx.pair, &mapping.source_raw, status.uidvalidity, &records)?;
    Ok((to_copy, flag_changes))
}

fn issue(meta: &MessageMeta, reason: &str, explanation: String) -> MessageIssue {
    let summary = fingerprint::summarize_header(&meta.header_fields);
    MessageIssue {
        uid: meta.uid,
        subject: summary.subject,
        date: summary.date,
        size: meta.size,
        reason: reason.into(),
        explanation,
    }
}

#[derive(Default)]
struct Batch {
    messages: Vec<(MessageMeta, Fingerprint, Vec<u8>)>,
    /// Deleted on the source between listing and fetching.
    vanished: u64,
    /// Still on the source, but its content did not come back usable.
    unusable: Vec<(MessageMeta, String)>,
}

fn batches(to_copy: Vec<(MessageMeta, Fingerprint)>) -> Vec<Vec<(MessageMeta, Fingerprint)>> {
    let mut out: Vec<Vec<(MessageMeta, Fingerprint)>> = Vec::new();
    let mut bytes = 0;
    for item in to_copy {
        let start_new = match out.last() {
            None => true,
            Some(last) => last.len() >= BATCH_MESSAGES || bytes + item.0.size > BATCH_BYTES,
        };
        if start_new {
            out.push(Vec::new());
            bytes = 0;
        }
        bytes += item.0.size;
        if let Some(last) = out.last_mut() {
            last.push(item);
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
async fn transfer(
    ctx: &FolderContext<'_>,
    source: &mut Connection,
    destination: &mut Connection,
    mapping: &FolderMapping,
    status: &FolderStatus,
    dest_status: &FolderStatus,
    to_copy: Vec<(MessageMeta, Fingerprint)>,
    run: &mut FolderRun,
    report: &mut FolderReport,
) -> Result<(), MigrateError> {
    if to_copy.is_empty() {
        return Ok(());
    }
    // Two batches in the channel plus one being appended bound the memory in use.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Batch>(2);
    // Both halves own their end of the channel, so when one fails and ends, the other sees
    // the channel close instead of waiting forever for a partner that is gone.
    let fetcher = async move {
        for batch in batches(to_copy) {
            let fetched = fetch_batch(source, batch).await?;
            if sender.send(fetched).await.is_err() {
                break;
            }
        }
        Ok::<(), MigrateError>(())
    };
    let appender = async move {
        while let Some(batch) = receiver.recv().await {
            append_batch(
                ctx,
                destination,
                mapping,
                status,
                dest_status,
                batch,
                run,
                report,
            )
            .await?;
        }
        Ok::<(), MigrateError>(())
    };
    let (fetched, appended) = tokio::join!(fetcher, appender);
    appended.and(fetched)
}

/// Fetches one batch's bodies and sorts out what did not come back: deleted on the source
/// meanwhile (not a failure), or withheld by a broken server (a failure, by UID).
async fn fetch_batch(
    source: &mut Connection,
    batch: Vec<(MessageMeta, Fingerprint)>,
) -> Result<Batch, MigrateError> {
    let wanted: Vec<(u32, u64)> = batch.iter().map(|(m, _)| (m.uid, m.size)).collect();
    let mut fetched = imap::fetch_bodies(source, &wanted).await?;
    let still_there: HashSet<u32> = imap::still_present(source, &fetched.missing)
        .await?
        .into_iter()
        .collect();
    let conflicting: HashSet<u32> = fetched.conflicting.iter().copied().collect();
    let mut out = Batch::default();
    for (meta, fp) in batch {
        if let Some(body) = fetched.bodies.remove(&meta.uid) {
            out.messages.push((meta, fp, body));
        } else if conflicting.contains(&meta.uid) {
            out.unusable.push((
                meta,
                "the old server sent two different contents for this message".into(),
            ));
        } else if still_there.contains(&meta.uid) {
            out.unusable.push((
                meta,
                "the old server answered without this message's content".into(),
            ));
        } else {
            out.vanished += 1;
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
async fn append_batch(
    ctx: &FolderContext<'_>,
    destination: &mut Connection,
    mapping: &FolderMapping,
    status: &FolderStatus,
    dest_status: &FolderStatus,
    batch: Batch,
    run: &mut FolderRun,
    report: &mut FolderReport,
) -> Result<(), MigrateError> {
    crate::fault::point("append", &mapping.source);
    report.deleted_during_copy += batch.vanished;
    for (meta, explanation) in &batch.unusable {
        report.fail(issue(meta, "protocol", explanation.clone()));
    }
    let mut ready = Vec::with_capacity(batch.messages.len());
    for (meta, fp, body) in batch.messages {
        let plan = ctx.flag_plan(&meta.flags, dest_status);
        for keyword in plan.left_behind() {
            *report.keywords_not_kept.entry(keyword.clone()).or_default() += 1;
        }
        let body = disarm_receipt(ctx, &meta, body, report);
        let Some(body) = fit_lines(ctx, &meta, body, report) else {
            continue;
        };
        ready.push((meta, fp, body, plan));
    }
    let window = if run.careful { 1 } else { ready.len().max(1) };
    let mut records = Vec::with_capacity(ready.len());
    let mut copied_bytes = 0;
    let mut flags_after: Vec<(u32, Vec<String>)> = Vec::new();
    let mut stopped: Option<MigrateError> = None;
    let mut queue = ready.into_iter().peekable();
    while queue.peek().is_some() && stopped.is_none() {
        let mut in_flight = Vec::with_capacity(window);
        for (meta, fp, body, plan) in queue.by_ref().take(window) {
            let size = body.len() as u64;
            let command = imap::append_command(
                &mapping.destination_raw,
                &plan.at_append,
                &meta.internaldate,
                body,
            );
            match destination.send(command).await {
                Ok(tag) => in_flight.push((tag, meta, fp, size, plan)),
                Err(e) => {
                    stopped = Some(e.into());
                    break;
                }
            }
        }
        for (tag, meta, fp, size, plan) in in_flight {
            if stopped.as_ref().is_some_and(|e| e.is_transient()) {
                break;
            }
            let done = match destination.finish(&tag, "APPEND", |_| {}).await {
                Ok(done) => done,
                Err(e) => {
                    stopped = Some(e.into());
                    break;
                }
            };
            if done.status == DoneStatus::Ok {
                let destination_uid = run.credible_append_uid(done.append_uid, dest_status);
                run.copied_uids.insert(meta.uid);
                run.copied += 1;
                run.bytes_copied += size;
                run.appended.push(Appended {
                    source_uid: meta.uid,
                    destination_uid,
                });
                copied_bytes += size;
                // Flags that must follow the APPEND are recorded as missing until they are
                // stored, so an interrupted pass leaves them to the next one's flag sync.
                let mut recorded_flags = flag_key(&meta.flags);
                if !plan.after_append.is_empty() {
                    match destination_uid {
                        Some(uid) => flags_after.push((uid, plan.after_append.clone())),
                        None => recorded_flags = flag_key(&plan.at_append),
                    }
                }
                records.push(MessageRecord {
                    uid: meta.uid,
                    fingerprint: fp,
                    flags: recorded_flags,
                    destination_folder: mapping.destination_raw.clone(),
                    destination_uid,
                    outcome: Outcome::Copied,
                });
                continue;
            }
            let error = match destination.check(done, "APPEND") {
                Err(e) => e,
                Ok(_) => continue,
            };
            run.careful = true;
            handle_refusal(error, &meta, report, run, &mut stopped);
        }
    }
    if stopped.is_none() {
        for (uid, flags) in &flags_after {
            if let Err(e) = imap::add_flags(destination, *uid, flags).await {
                stopped = Some(e.into());
                break;
            }
        }
    } else {
        // Not stored: recorded without them, so the next pass's flag sync sets them.
        let pending: HashSet<u32> = flags_after.iter().map(|(uid, _)| *uid).collect();
        for record in &mut records {
            if record
                .destination_uid
                .is_some_and(|uid| pending.contains(&uid))
            {
                let plan = ctx.flag_plan(&flags::from_key(&record.flags), dest_status);
                record.flags = flag_key(&plan.at_append);
            }
        }
    }
    ctx.state
        .record(ctx.pair, &mapping.source_raw, status.uidvalidity, &records)?;
    ctx.events.emit(Event::Copied {
        source: mapping.source.clone(),
        messages: records.len() as u64,
        bytes: copied_bytes,
    });
    match stopped {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// A message already read loses its read-receipt request when the owner asked for that.
fn disarm_receipt(
    ctx: &FolderContext<'_>,
    meta: &MessageMeta,
    body: Vec<u8>,
    report: &mut FolderReport,
) -> Vec<u8> {
    let read = meta.flags.iter().any(|f| f.eq_ignore_ascii_case("\\Seen"));
    if !(ctx.disarm_read_receipts && read) {
        return body;
    }
    match crate::receipts::disarm(&body) {
        Some(disarmed) => {
            report.receipts_disarmed += 1;
            disarmed
        }
        None => body,
    }
}

/// A message with lines longer than the destination accepts (Exchange: 10,500 characters)
/// is delivered with only the offending parts re-encoded, the same content once decoded,
/// and listed in the report. Everything else goes byte for byte.
fn fit_lines(
    ctx: &FolderContext<'_>,
    meta: &MessageMeta,
    body: Vec<u8>,
    report: &mut FolderReport,
) -> Option<Vec<u8>> {
    let limit = match ctx.exchange {
        true => crate::exchange::EXCHANGE_LINE_LIMIT,
        false => return Some(body),
    };
    if crate::reencode::longest_line(&body) <= limit {
        return Some(body);
    }
    match crate::reencode::reencode(&body, limit) {
        Some(fitted) if fitted.longest_line <= limit => {
            report.reencode(issue(
                meta,
                "reencoded",
                format!(
                    "re-encoded for Exchange (lines longer than {} characters); the content is unchanged",
                    group_thousands(limit as u64)
                ),
            ));
            Some(fitted.message)
        }
        _ => {
            report.fail(issue(
                meta,
                "too_long_lines",
                format!(
                    "it has lines longer than the {} characters Exchange accepts, in a place that cannot be re-encoded",
                    group_thousands(limit as u64)
                ),
            ));
            None
        }
    }
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Newest first, as Microsoft's own service copies: after the first minutes of a long
/// migration, or when a provider's daily cap stops it, the recent months are already there.
/// Messages without a readable date go last, in UID order.
fn newest_first(metas: &mut [MessageMeta]) {
    metas.sort_by_cached_key(|m| {
        (
            std::cmp::Reverse(received_at(&m.internaldate)),
            std::cmp::Reverse(m.uid),
        )
    });
}

/// INTERNALDATE (`17-Jul-1996 02:44:25 -0700`) as seconds since 1970.
fn received_at(internaldate: &str) -> Option<i64> {
    chrono::DateTime::parse_from_str(internaldate.trim(), "%d-%b-%Y %H:%M:%S %z")
        .ok()
        .map(|d| d.timestamp())
}

impl FolderRun {
    /// Messages appended so far in this run, over every attempt.
    pub fn copied(&self) -> u64 {
        self.copied
    }

    /// The destination UID an APPEND reported, if it can be believed: from the folder we
    /// appended to, at or above the UIDNEXT it had, and higher than the one before. One
    /// that is not makes every APPENDUID of this server suspect.
    fn credible_append_uid(
        &mut self,
        reported: Option<(u32, u32)>,
        dest_status: &FolderStatus,
    ) -> Option<u32> {
        if self.append_uids_untrusted {
            return None;
        }
        let (validity, uid) = reported?;
        let credible = validity == dest_status.uidvalidity
            && uid >= dest_status.uidnext.unwrap_or(1)
            && self.last_append_uid.is_none_or(|last| uid > last);
        if credible {
            self.last_append_uid = Some(uid);
            Some(uid)
        } else {
            self.append_uids_untrusted = true;
            None
        }
    }
}

/// After a folder's pass: does the destination hold what the server said it stored? A server
/// that answers OK and keeps nothing must never make a folder look synced.
async fn verify_destination(
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
    if run.append_uids_untrusted
        || run.appended.iter().any(|a| {
            a.destination_uid
                .is_some_and(|uid| after.uidnext.is_some_and(|next| uid >= next))
        })
    {
        run.append_uids_untrusted = true;
        let uids: Vec<u32> = run.appended.iter().map(|a| a.source_uid).collect();
        ctx.state
            .clear_destination_uids(ctx.pair, &mapping.source_raw, uidvalidity, &uids)?;
        for appended in &mut run.appended {
            appended.destination_uid = None;
        }
    }
    let named: Vec<u32> = run
        .appended
        .iter()
        .filter_map(|a| a.destination_uid)
        .collect();
    let verdict = if named.len() == run.appended.len() {
        imap::select(destination, &mapping.destination_raw).await?;
        let present: HashSet<u32> = imap::still_present(destination, &named)
            .await?
            .into_iter()
            .collect();
        let missing: Vec<u32> = run
            .appended
            .iter()
            .filter(|a| a.destination_uid.is_some_and(|uid| !present.contains(&uid)))
            .map(|a| a.source_uid)
            .collect();
        appended_check(
            run.appended.len() as u64,
            run.appended.len() as u64 - missing.len() as u64,
            Some(missing),
        )
    } else {
        let before = u64::from(run.destination_before.unwrap_or(0));
        let expected = before + run.appended.len() as u64;
        let held = u64::from(after.messages).saturating_sub(before);
        if u64::from(after.messages) >= expected {
            AppendedCheck::Held
        } else {
            appended_check(run.appended.len() as u64, held, None)
        }
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

#[derive(Debug, PartialEq, Eq)]
enum AppendedCheck {
    Held,
    Missing {
        accepted: u64,
        held: u64,
        /// The source UIDs not found, when each could be checked.
        unproven: Option<Vec<u32>>,
    },
}

fn appended_check(accepted: u64, held: u64, unproven: Option<Vec<u32>>) -> AppendedCheck {
    if held >= accepted {
        AppendedCheck::Held
    } else {
        AppendedCheck::Missing {
            accepted,
            held,
            unproven,
        }
    }
}

/// One refused APPEND: skipped, failed, or — for problems that will hit every other
/// message too — the end of this pass.
fn handle_refusal(
    error: ImapError,
    meta: &MessageMeta,
    report: &mut FolderReport,
    run: &mut FolderRun,
    stopped: &mut Option<MigrateError>,
) {
    use crate::error::ErrorKind;
    let refused = match error.kind() {
        ErrorKind::TooLarge => Refused::Skipped(issue(
            meta,
            "too_large",
            format!(
                "the destination refused it as too large: {}",
                error.server_text().unwrap_or("")
            ),
        )),
        ErrorKind::Quota | ErrorKind::Throttled => {
            if stopped.is_none() {
                *stopped = Some(error.into());
            }
            return;
        }
        kind => Refused::Failed(issue(meta, kind.as_str(), error.to_string())),
    };
    refused.add_to(report);
    run.refused.insert(meta.uid, refused);
}

/// A message the destination refused for itself: not sent again in this run (a retry
/// after a broken connection would only collect the same refusal, and Exchange ends a
/// session after ten of them), but reported again by every attempt.
#[derive(Debug, Clone)]
enum Refused {
    Skipped(MessageIssue),
    Failed(MessageIssue),
}

impl Refused {
    fn add_to(&self, report: &mut FolderReport) {
        match self {
            Refused::Skipped(issue) => report.skip(issue.clone()),
            Refused::Failed(issue) => report.fail(issue.clone()),
        }
    }
}

/// Carries flag changes made on the source since the last run over to the destination.
/// Flags are only ever stored on a destination message shown to be the same message: a
/// recorded UID is checked against the message's fingerprint first, and otherwise the
/// message is looked up by fingerprint.
#[allow(clippy::too_many_arguments)]
async fn sync_flags(
    ctx: &FolderContext<'_>,
    destination: &mut Connection,
    mapping: &FolderMapping,
    status: &FolderStatus,
    dest_status: &FolderStatus,
    changes: Vec<(MessageRecord, String)>,
    report: &mut FolderReport,
) -> Result<(), MigrateError> {
    let changes: Vec<(MessageRecord, String)> = changes
        .into_iter()
        .filter(|(record, _)| record.destination_folder == mapping.destination_raw)
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    let recorded: Vec<u32> = changes
        .iter()
        .filter_map(|(record, _)| record.destination_uid)
        .collect();
    let at_recorded: HashMap<u32, Fingerprint> = if recorded.is_empty() {
        HashMap::new()
    } else {
        let metas = imap::fetch_meta(destination, Some(&recorded)).await?;
        fingerprints_of(destination, &metas).await?
    };
    let mut by_fingerprint: Option<HashMap<Fingerprint, Vec<u32>>> = None;
    for (record, flags) in changes {
        let proven = record
            .destination_uid
            .filter(|uid| at_recorded.get(uid) == Some(&record.fingerprint));
        let destination_uid = match proven {
            Some(uid) => Some(uid),
            None => {
                if by_fingerprint.is_none() {
                    let metas = imap::fetch_meta(destination, None).await?;
                    let fps = fingerprints_of(destination, &metas).await?;
                    let mut map: HashMap<Fingerprint, Vec<u32>> = HashMap::new();
                    for (uid, fp) in fps {
                        map.entry(fp).or_default().push(uid);
                    }
                    by_fingerprint = Some(map);
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
        imap::replace_flags(
            destination,
            destination_uid,
            &ctx.destination_flags(&flags, dest_status),
        )
        .await?;
        ctx.state.update_flags(
            ctx.pair,
            &mapping.source_raw,
            status.uidvalidity,
            record.uid,
            &flags,
            Some(destination_uid),
        )?;
        report.flags_updated += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(uid: u32, size: u64) -> (MessageMeta, Fingerprint) {
        (
            MessageMeta {
                uid,
                flags: vec![],
                internaldate: String::new(),
                size,
                header_fields: vec![],
            },
            Fingerprint(uid.to_string()),
        )
    }

    #[test]
    fn batches_respect_bytes_and_counts() {
        let big = vec![meta(1, 100), meta(2, BATCH_BYTES), meta(3, 10)];
        let sizes: Vec<usize> = batches(big).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![1, 1, 1]);
        let many: Vec<_> = (0..BATCH_MESSAGES as u32 + 1).map(|u| meta(u, 1)).collect();
        let sizes: Vec<usize> = batches(many).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![BATCH_MESSAGES, 1]);
    }

    fn dated(uid: u32, internaldate: &str) -> MessageMeta {
        MessageMeta {
            uid,
            flags: vec![],
            internaldate: internaldate.into(),
            size: 1,
            header_fields: vec![],
        }
    }

    #[test]
    fn newest_mail_goes_first_and_undated_mail_last() {
        let mut metas = vec![
            dated(1, "01-Jan-2020 10:00:00 +0000"),
            dated(2, "garbage"),
            dated(3, " 5-Mar-2024 08:00:00 +0100"),
            dated(4, "05-Mar-2024 08:00:00 -0500"),
            dated(5, ""),
        ];
        newest_first(&mut metas);
        let order: Vec<u32> = metas.iter().map(|m| m.uid).collect();
        assert_eq!(order, vec![4, 3, 1, 5, 2]);
    }

    #[test]
    fn an_appenduid_is_believed_only_while_it_makes_sense() {
        let dest = FolderStatus {
            uidvalidity: 7,
            uidnext: Some(10),
            ..Default::default()
        };
        let mut run = FolderRun::default();
        assert_eq!(run.credible_append_uid(Some((7, 10)), &dest), Some(10));
        assert_eq!(run.credible_append_uid(Some((7, 12)), &dest), Some(12));
        assert_eq!(run.credible_append_uid(None, &dest), None);
        // The same UID again: none of this server's APPENDUIDs are believed any more.
        assert_eq!(run.credible_append_uid(Some((7, 12)), &dest), None);
        assert_eq!(run.credible_append_uid(Some((7, 13)), &dest), None);

        let mut run = FolderRun::default();
        assert_eq!(
            run.credible_append_uid(Some((8, 10)), &dest),
            None,
            "other folder"
        );
        let mut run = FolderRun::default();
        assert_eq!(
            run.credible_append_uid(Some((7, 9)), &dest),
            None,
            "below UIDNEXT"
        );
    }

    #[test]
    fn a_destination_holding_less_than_it_accepted_is_caught() {
        assert_eq!(appended_check(3, 3, None), AppendedCheck::Held);
        assert_eq!(
            appended_check(3, 0, Some(vec![1, 2, 3])),
            AppendedCheck::Missing {
                accepted: 3,
                held: 0,
                unproven: Some(vec![1, 2, 3])
            }
        );
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(10_500), "10,500");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000_000), "1,000,000");
    }
}
