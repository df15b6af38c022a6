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
}

const ACTIVE: UserStatus[] = ['Starting', 'Syncing', 'IncrementalSyncing'];

export function rowView(user: BatchUser, progress: UserProgress | undefined): RowView {
  if (!progress) {
    return {
      status: user.status,
      detail: user.detail,
      resumeAt: user.resume_at,
      done: user.messages_done,
      total: user.messages_in_source,
      bytes: user.bytes_copied,
      rate: null,
      etaSecs: null,
      live: false,
    };
  }
  const active = ACTIVE.includes(progress.status);
  // During a pass the event counts what this pass must copy; between passes the stored totals
  // say more (everything copied so far out of everything in the source).
  const useLive = active && progress.to_copy > 0;
  return {
    status: progress.status,
    detail: progress.detail ?? (progress.status === user.status ? user.detail : null),
    resumeAt: progress.resume_at,
    done: useLive ? progress.copied : user.messages_done,
    total: useLive ? progress.to_copy : user.messages_in_source,
    bytes: useLive ? progress.bytes_copied : Math.max(user.bytes_copied, progress.bytes_copied),
    rate: active ? progress.rate : null,
    etaSecs: active ? progress.eta_secs : null,
    live: active,
  };
}
