import type { BatchUser, UserProgress, UserStatus } from '../../backend';

/** One mailbox's line on the status page: the stored row, overlaid with live progress. */
export interface RowView {
  status: UserStatus;
  detail: string | null;
  resumeAt: number | null;
  done: number;
  total: number;
  bytes: number;
  rate: number | null;
  etaSecs: number | null;
  live: boolean;
  /** Every message received on or after this day (ISO date) is in the new mailbox. */
  copiedBackTo: string | null;
}

/** What the pre-flight test counted in the old mailbox before the batch was created. */
export interface Tested {
  messages: number;
  bytes: number;
}

/** The last counts seen live, kept once the live stream stops (Stop writes no report). */
export interface Kept {
  done: number;
  total: number;
  bytes: number;
}

const ACTIVE: UserStatus[] = ['Starting', 'Syncing', 'IncrementalSyncing'];

/**
 * A pass's progress event counts only what this pass has to copy, and that count grows while
 * folders are scanned; the stored row counts what the last finished pass found. The row
 * shows the largest honest figure from all of them, so a bar never jumps backwards, the
 * total is the mailbox's real size from the start (when it was tested) and Stop keeps what
 * was copied on screen.
 */
export function rowView(user: BatchUser, progress: UserProgress | undefined, tested?: Tested, kept?: Kept): RowView {
  let done = Math.max(user.messages_done, kept?.done ?? 0);
  let total = Math.max(user.messages_in_source, tested?.messages ?? 0, kept?.total ?? 0);
  let bytes = Math.max(user.bytes_copied, kept?.bytes ?? 0);
  const status = progress?.status ?? user.status;
  const active = progress !== undefined && ACTIVE.includes(progress.status);
  // A finished pass is in the stored row already; a running or stopped one is not.
  if (progress && (active || progress.status === 'Stopped')) {
    const passDone = user.messages_done + progress.copied;
    const remaining = Math.max(0, progress.to_copy - progress.copied);
    done = Math.max(done, passDone);
    total = Math.max(total, passDone + remaining);
    bytes = Math.max(bytes, user.bytes_copied + progress.bytes_copied);
  }
  total = Math.max(total, done);
  const rate = active ? progress.rate : null;
  return {
    status,
    detail: progress ? (progress.detail ?? (progress.status === user.status ? user.detail : null)) : user.detail,
    resumeAt: progress ? progress.resume_at : user.resume_at,
    done,
    total,
    bytes,
    rate,
    // From the real total, not the pass's partly scanned one.
    etaSecs: rate !== null && rate > 0 && total > done ? (total - done) / rate : null,
    live: active,
    // Live progress reads it from the same stored row, as fresh as the last event.
    copiedBackTo: progress?.copied_back_to ?? user.copied_back_to,
  };
}

/** The whole batch in one line's worth of numbers. */
export interface BatchTotals {
  done: number;
  total: number;
  /** Seconds left at the speed of the mailboxes copying now; null when nothing copies. */
  etaSecs: number | null;
}

export function batchTotals(views: RowView[]): BatchTotals {
  let done = 0;
  let total = 0;
  let rate = 0;
  for (const v of views) {
    done += v.done;
    total += v.total;
    if (v.rate) rate += v.rate;
  }
  return { done, total, etaSecs: rate > 0 && total > done ? (total - done) / rate : null };
}
