import { useCallback, useEffect, useReducer, useRef } from 'react';
import {
  batchSnapshot,
  batchUsers,
  listBatches,
  onBatchProgress,
  toProblem,
  type AppError,
  type BatchSummary,
  type BatchUser,
  type UserProgress,
  type UserStatus,
} from '../../backend';
import { rowView, type Kept } from './rowView';

export interface LiveState {
  summary: BatchSummary | null;
  users: BatchUser[] | null;
  /** Live progress by mailbox; an entry keeps its identity until it changes, so rows can memoize. */
  progress: ReadonlyMap<string, UserProgress>;
  /** A progress event or snapshot was seen: the batch is running in the background. */
  running: boolean;
  /** What each mailbox had copied when live progress was last dropped (after Stop). */
  kept: ReadonlyMap<string, Kept>;
  problem: AppError | null;
}

export type LiveAction =
  | { type: 'loaded'; users: BatchUser[]; summary: BatchSummary | null }
  | { type: 'progress'; users: UserProgress[] }
  | { type: 'failed'; problem: AppError }
  | { type: 'forgetLive' };

export const INITIAL_LIVE: LiveState = {
  summary: null,
  users: null,
  progress: new Map(),
  running: false,
  kept: new Map(),
  problem: null,
};

function sameProgress(a: UserProgress, b: UserProgress): boolean {
  return (
    a.status === b.status &&
    a.detail === b.detail &&
    a.resume_at === b.resume_at &&
    a.to_copy === b.to_copy &&
    a.copied === b.copied &&
    a.bytes_copied === b.bytes_copied &&
    a.folders_done === b.folders_done &&
    a.rate === b.rate &&
    a.eta_secs === b.eta_secs &&
    a.copied_back_to === b.copied_back_to
  );
}

/** Exported for tests: an update that changes nothing must return the same state object. */
export function liveReducer(state: LiveState, action: LiveAction): LiveState {
  switch (action.type) {
    case 'loaded':
      return { ...state, users: action.users, summary: action.summary ?? state.summary, problem: null };
    case 'failed':
      return { ...state, problem: action.problem };
    case 'forgetLive': {
      // A stopped pass writes no report: without this the bars would fall back to the last
      // finished pass (nothing, for a first copy), as if the copied mail were lost.
      const kept = new Map(state.kept);
      for (const user of state.users ?? []) {
        const live = state.progress.get(user.email_address);
        if (!live) continue;
        const view = rowView(user, live, undefined, state.kept.get(user.email_address));
        kept.set(user.email_address, { done: view.done, total: view.total, bytes: view.bytes });
      }
      return { ...state, progress: new Map(), running: false, kept };
    }
    case 'progress': {
      let next: Map<string, UserProgress> | null = null;
      for (const p of action.users) {
        const previous = state.progress.get(p.email_address);
        if (previous && sameProgress(previous, p)) continue;
        next ??= new Map(state.progress);
        next.set(p.email_address, p);
      }
      // An update that changes nothing must not re-render anything.
      if (!next && state.running) return state;
      return { ...state, progress: next ?? state.progress, running: true };
    }
  }
}

/**
 * How often live progress reaches the table, in ms. The engine sends at most 10 updates a
 * second; up to 100 mailboxes each one is shown at once. Beyond that, updates are merged so
 * the table repaints about 1,000 rows a second whatever its size (bench/ui-status.sh).
 */
export function repaintInterval(rows: number): number {
  return Math.min(1000, Math.max(100, rows));
}

/** Latest progress per mailbox, waiting for the next repaint. */
export class PendingProgress {
  private readonly latest = new Map<string, UserProgress>();

  add(users: UserProgress[]): void {
    for (const p of users) this.latest.set(p.email_address, p);
  }

  /** Everything added since the last take, one entry per mailbox. */
  take(): UserProgress[] {
    const users = [...this.latest.values()];
    this.latest.clear();
    return users;
  }
}

/** Whether a status change means the stored row (error, last sync, totals) is worth re-reading. */
const SETTLED: UserStatus[] = ['Synced', 'Failed', 'Stopped', 'Completed', 'Waiting'];

/**
 * A batch as the status page shows it: the stored rows from the database (works offline),
 * with live `batchProgress` events merged over them while the batch runs.
 */
export function useBatchLive(name: string): LiveState & { refresh: () => void; afterAction: () => void } {
  const [state, dispatch] = useReducer(liveReducer, INITIAL_LIVE);
  const statuses = useRef(new Map<string, UserStatus>());
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const pending = useRef(new PendingProgress());
  const repaintTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const rows = useRef(0);
  const alive = useRef(true);

  const load = useCallback(() => {
    Promise.all([batchUsers(name), listBatches().catch(() => [] as BatchSummary[])])
      .then(([users, batches]) => {
        if (!alive.current) return;
        for (const u of users) if (!statuses.current.has(u.email_address)) statuses.current.set(u.email_address, u.status);
        rows.current = users.length;
        dispatch({ type: 'loaded', users, summary: batches.find((b) => b.name === name) ?? null });
      })
      .catch((e) => alive.current && dispatch({ type: 'failed', problem: toProblem(e) }));
  }, [name]);

  // Several mailboxes often settle together: one re-read covers them all.
  const refreshSoon = useCallback(() => {
    if (refreshTimer.current) return;
    refreshTimer.current = setTimeout(() => {
      refreshTimer.current = null;
      load();
    }, 400);
  }, [load]);

  useEffect(() => {
    alive.current = true;
    load();
    batchSnapshot(name)
      .then((snapshot) => {
        if (snapshot && alive.current) dispatch({ type: 'progress', users: snapshot.users });
      })
      .catch(() => {
        // No snapshot just means the batch is not running now.
      });
    const unsubscribe = onBatchProgress((update) => {
      if (update.batch !== name) return;
      let settled = false;
      for (const p of update.users) {
        const before = statuses.current.get(p.email_address);
        if (before !== p.status) {
          statuses.current.set(p.email_address, p.status);
          if (SETTLED.includes(p.status)) settled = true;
        }
      }
      const interval = repaintInterval(rows.current);
      if (interval <= 100) {
        dispatch({ type: 'progress', users: update.users });
      } else {
        pending.current.add(update.users);
        repaintTimer.current ??= setTimeout(() => {
          repaintTimer.current = null;
          if (alive.current) dispatch({ type: 'progress', users: pending.current.take() });
        }, interval);
      }
      if (settled) refreshSoon();
    });
    return () => {
      alive.current = false;
      unsubscribe();
      if (refreshTimer.current) clearTimeout(refreshTimer.current);
      refreshTimer.current = null;
      if (repaintTimer.current) clearTimeout(repaintTimer.current);
      repaintTimer.current = null;
      pending.current.take();
    };
  }, [name, load, refreshSoon]);

  // After Stop, Resume or Retry the database is newer than the last event: start over from it.
  const afterAction = useCallback(() => {
    dispatch({ type: 'forgetLive' });
    statuses.current.clear();
    load();
  }, [load]);

  return { ...state, refresh: load, afterAction };
}
