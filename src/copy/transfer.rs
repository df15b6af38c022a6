//! Carries out the copy: fetching and appending run at the same time over the two
//! connections, a few batches apart, with APPENDs pipelined; memory stays bounded by those
//! few batches.

use std::collections::HashSet;

use super::plan::{self, AfterRefusal, Candidate, LineFit, StoreAfter};
use super::{FolderPass, FolderRun};
use crate::error::Classify;
use crate::events::Event;
use crate::flags::{self, FlagPlan};
use crate::imap::{self, Connection, DoneStatus, Fetched, ImapError, MessageMeta};
use crate::migrate::MigrateError;
use crate::report::FolderReport;
use crate::state::{MessageRecord, Outcome};

/// One batch as fetched from the source.
#[derive(Default)]
struct Batch {
    messages: Vec<(Candidate, Vec<u8>)>,
    /// Deleted on the source between listing and fetching.
    vanished: u64,
    /// Still on the source, but its content did not come back usable.
    unusable: Vec<(MessageMeta, String)>,
}

pub(super) async fn transfer(
    pass: &FolderPass<'_>,
    source: &mut Connection,
    destination: &mut Connection,
    to_copy: Vec<Candidate>,
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
        for batch in plan::batches(to_copy) {
            let fetched = fetch_batch(source, batch).await?;
            if sender.send(fetched).await.is_err() {
                break;
            }
        }
        Ok::<(), MigrateError>(())
    };
    let appender = async move {
        while let Some(batch) = receiver.recv().await {
            append_batch(pass, destination, batch, run, report).await?;
        }
        Ok::<(), MigrateError>(())
    };
    let (fetched, appended) = tokio::join!(fetcher, appender);
    appended.and(fetched)
}

/// Fetches one batch's bodies and sorts out what did not come back.
async fn fetch_batch(
    source: &mut Connection,
    batch: Vec<Candidate>,
) -> Result<Batch, MigrateError> {
    let wanted: Vec<(u32, u64)> = batch.iter().map(|c| (c.meta.uid, c.meta.size)).collect();
    let fetched = imap::fetch_bodies(source, &wanted).await?;
    let still_there: HashSet<u32> = imap::still_present(source, &fetched.missing)
        .await?
        .into_iter()
        .collect();
    Ok(sort_fetched(batch, fetched, &still_there))
}

/// A message that did not come back was deleted on the source meanwhile (not a failure),
/// or withheld or garbled by a broken server (a failure, by UID).
fn sort_fetched(batch: Vec<Candidate>, mut fetched: Fetched, still_there: &HashSet<u32>) -> Batch {
    let conflicting: HashSet<u32> = fetched.conflicting.iter().copied().collect();
    let mut out = Batch::default();
    for candidate in batch {
        let uid = candidate.meta.uid;
        if let Some(body) = fetched.bodies.remove(&uid) {
            out.messages.push((candidate, body));
        } else if conflicting.contains(&uid) {
            out.unusable.push((
                candidate.meta,
                "the old server sent two different contents for this message".into(),
            ));
        } else if still_there.contains(&uid) {
            out.unusable.push((
                candidate.meta,
                "the old server answered without this message's content".into(),
            ));
        } else {
            out.vanished += 1;
        }
    }
    out
}

/// A message ready to append: its body fitted to the destination, its flags planned.
struct Ready {
    candidate: Candidate,
    body: Vec<u8>,
    flags: FlagPlan,
}

/// What appending one batch came to.
#[derive(Default)]
struct Appending {
    records: Vec<MessageRecord>,
    copied_bytes: u64,
    store_after: Vec<StoreAfter>,
    /// Why the pass cannot go on, if it cannot.
    stopped: Option<MigrateError>,
}

async fn append_batch(
    pass: &FolderPass<'_>,
    destination: &mut Connection,
    batch: Batch,
    run: &mut FolderRun,
    report: &mut FolderReport,
) -> Result<(), MigrateError> {
    crate::fault::point("append", &pass.mapping.source);
    let ready = prepare(pass, batch, report);
    let mut appending = append_all(pass, destination, ready, run, report).await;
    if appending.stopped.is_none() {
        for store in &appending.store_after {
            let atoms = flags::atoms(&store.flags);
            if let Err(e) = imap::add_flags(destination, store.destination_uid, &atoms).await {
                appending.stopped = Some(e.into());
                break;
            }
        }
    } else {
        plan::forget_unstored(&mut appending.records, &appending.store_after);
    }
    pass.record(&appending.records)?;
    pass.ctx.events.emit(Event::Copied {
        source: pass.mapping.source.clone(),
        messages: appending.records.len() as u64,
        bytes: appending.copied_bytes,
    });
    pass.reached(run.frontier.reach());
    match appending.stopped {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Reports what did not come back, counts keywords that will be left behind, and fits each
/// body to the destination's line limit.
fn prepare(pass: &FolderPass<'_>, batch: Batch, report: &mut FolderReport) -> Vec<Ready> {
    report.deleted_during_copy += batch.vanished;
    for (meta, explanation) in &batch.unusable {
        report.fail(plan::issue(meta, "protocol", explanation.clone()));
    }
    let limit = pass
        .ctx
        .exchange
        .then_some(crate::exchange::EXCHANGE_LINE_LIMIT);
    let mut ready = Vec::with_capacity(batch.messages.len());
    for (candidate, body) in batch.messages {
        let flags = pass.flag_plan(&candidate.flags);
        for keyword in flags.left_behind() {
            let count = report.keywords_not_kept.entry(keyword.to_string());
            *count.or_default() += 1;
        }
        let (body, disarmed) =
            plan::disarm_receipt(&candidate.meta, body, pass.ctx.disarm_read_receipts);
        report.receipts_disarmed += u64::from(disarmed);
        let body = match plan::fit_lines(&candidate.meta, body, limit) {
            LineFit::AsIs(body) => body,
            LineFit::Reencoded(body, issue) => {
                report.reencode(issue);
                body
            }
            LineFit::TooLong(issue) => {
                report.fail(issue);
                continue;
            }
        };
        ready.push(Ready {
            candidate,
            body,
            flags,
        });
    }
    ready
}

/// Appends in pipelined windows: the whole batch at once, or one at a time once the
/// destination has refused something.
async fn append_all(
    pass: &FolderPass<'_>,
    destination: &mut Connection,
    ready: Vec<Ready>,
    run: &mut FolderRun,
    report: &mut FolderReport,
) -> Appending {
    let window = if run.careful { 1 } else { ready.len().max(1) };
    let mut out = Appending::default();
    let mut queue = ready.into_iter().peekable();
    while queue.peek().is_some() && out.stopped.is_none() {
        let mut in_flight = Vec::with_capacity(window);
        for ready in queue.by_ref().take(window) {
            let size = ready.body.len() as u64;
            let command = imap::append_command(
                &pass.mapping.destination_raw,
                &flags::atoms(&ready.flags.at_append),
                &ready.candidate.meta.internaldate,
                ready.body,
            );
            match destination.send(command).await {
                Ok(tag) => in_flight.push((tag, ready.candidate, ready.flags, size)),
                Err(e) => {
                    out.stopped = Some(e.into());
                    break;
                }
            }
        }
        for (tag, candidate, flags, size) in in_flight {
            if out.stopped.as_ref().is_some_and(MigrateError::is_transient) {
                break;
            }
            let done = match destination.finish(&tag, "APPEND", |_| {}).await {
                Ok(done) => done,
                Err(e) => {
                    out.stopped = Some(e.into());
                    break;
                }
            };
            if done.status == DoneStatus::Ok {
                let uid = run.append_uids.credible(done.append_uid, pass.destination);
                out.accept(pass, run, candidate, &flags, size, uid);
            } else if let Err(error) = destination.check(done, "APPEND") {
                run.careful = true;
                out.refuse(error, &candidate.meta, run, report);
            }
        }
    }
    out
}

impl Appending {
    /// An APPEND the destination took: counted, and recorded with the flags it now has.
    fn accept(
        &mut self,
        pass: &FolderPass<'_>,
        run: &mut FolderRun,
        candidate: Candidate,
        flags: &FlagPlan,
        size: u64,
        destination_uid: Option<u32>,
    ) {
        let uid = candidate.meta.uid;
        run.memory.copied.insert(uid);
        run.frontier.settle(uid);
        run.copied += 1;
        run.bytes_copied += size;
        run.appended.push(plan::Appended {
            source_uid: uid,
            destination_uid,
        });
        self.copied_bytes += size;
        let appended = plan::appended_flags(&candidate.flags, flags, destination_uid);
        self.store_after.extend(appended.store_after);
        self.records.push(MessageRecord {
            uid,
            fingerprint: candidate.fingerprint,
            flags: appended.recorded,
            destination_folder: pass.mapping.destination_raw.clone(),
            destination_uid,
            outcome: Outcome::Copied,
        });
    }

    /// A refused APPEND: the message is reported and not sent again in this run, or — for
    /// problems that will hit every other message too — the pass ends.
    fn refuse(
        &mut self,
        error: ImapError,
        meta: &MessageMeta,
        run: &mut FolderRun,
        report: &mut FolderReport,
    ) {
        let description = error.to_string();
        match plan::refusal(error.kind(), error.server_text(), description, meta) {
            AfterRefusal::Stop => {
                if self.stopped.is_none() {
                    self.stopped = Some(error.into());
                }
            }
            AfterRefusal::Refused(refused) => {
                refused.add_to(report);
                if let plan::Refused::Skipped(_) = &refused {
                    run.frontier.set_aside(meta.uid);
                }
                run.memory.refused.insert(meta.uid, refused);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::plan::test_data::candidate;
    use super::*;

    #[test]
    fn what_did_not_come_back_is_vanished_or_unusable() {
        let batch = vec![
            candidate(1, 5, "a", &[]),
            candidate(2, 5, "b", &[]),
            candidate(3, 5, "c", &[]),
            candidate(4, 5, "d", &[]),
        ];
        let fetched = Fetched {
            bodies: [(1, b"body".to_vec())].into(),
            missing: vec![3, 4],
            conflicting: vec![2],
            unrequested: 0,
        };
        let sorted = sort_fetched(batch, fetched, &[3].into());
        assert_eq!(sorted.messages.len(), 1);
        assert_eq!(sorted.messages[0].0.meta.uid, 1);
        let unusable: Vec<u32> = sorted.unusable.iter().map(|(m, _)| m.uid).collect();
        assert_eq!(unusable, [2, 3], "garbled, and withheld while still there");
        assert_eq!(sorted.vanished, 1, "deleted on the source meanwhile");
    }
}
