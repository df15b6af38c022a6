// How big a batch is and how long its first copy takes, from what the connection tests found.
import type { ConnectionSummary } from './backend';

export interface BatchEstimate {
  /** Mailboxes in the batch, and how many of them were tested. */
  mailboxes: number;
  tested: number;
  /** Messages and bytes, untested mailboxes counted as the tested ones' average. */
  messages: number;
  bytes: number;
  /** The first copy, in seconds; null when no test could measure a speed. */
  secs: number | null;
}

/**
 * Each mailbox takes what its test measured over one connection (conservative: passes use
 * more, but they share one internet link). Mailboxes run `concurrent` at a time, so the batch
 * takes its longest mailbox or its total divided among the slots, whichever is longer.
 */
export function estimateBatch(tests: (ConnectionSummary | null)[], concurrent: number): BatchEstimate | null {
  const done = tests.filter((t): t is ConnectionSummary => t !== null);
  if (done.length === 0) return null;
  const speeds = done.map((t) => t.measured_bytes_per_sec).filter((s): s is number => s != null && s > 0);
  const speed = speeds.length > 0 ? speeds.reduce((a, b) => a + b, 0) / speeds.length : null;
  const secsOf = (t: ConnectionSummary): number | null =>
    t.estimated_secs != null ? t.estimated_secs : speed ? t.bytes / speed : null;
  const untested = tests.length - done.length;
  const avg = (f: (t: ConnectionSummary) => number) => done.reduce((sum, t) => sum + f(t), 0) / done.length;
  const messages = done.reduce((sum, t) => sum + t.messages, 0) + untested * avg((t) => t.messages);
  const bytes = done.reduce((sum, t) => sum + t.bytes, 0) + untested * avg((t) => t.bytes);
  const secsEach = done.map(secsOf);
  let secs: number | null = null;
  if (secsEach.every((s) => s !== null)) {
    const known = secsEach as number[];
    const mean = known.reduce((a, b) => a + b, 0) / known.length;
    const all = [...known, ...Array<number>(untested).fill(mean)];
    const slots = Math.max(1, Math.min(concurrent, all.length));
    secs = Math.max(Math.max(...all), all.reduce((a, b) => a + b, 0) / slots);
  }
  return { mailboxes: tests.length, tested: done.length, messages: Math.round(messages), bytes: Math.round(bytes), secs };
}
