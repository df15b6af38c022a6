// What the wizard's connection tests counted in each old mailbox, kept with the window's own
// storage under the batch's name, so the status page knows each mailbox's real size before
// the first pass has scanned every folder.
import type { Tested } from './rowView';

const PREFIX = 'mailferry.tested.';

export function saveTested(batch: string, counts: Record<string, Tested>): void {
  try {
    if (Object.keys(counts).length > 0) localStorage.setItem(PREFIX + batch, JSON.stringify(counts));
  } catch {
    // Storage full or switched off: the page then learns the sizes as the first pass scans.
  }
}

export function loadTested(batch: string): ReadonlyMap<string, Tested> {
  const counts = new Map<string, Tested>();
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(PREFIX + batch) ?? '{}');
    if (typeof parsed !== 'object' || parsed === null) return counts;
    for (const [email, value] of Object.entries(parsed as Record<string, unknown>)) {
      const v = value as Partial<Tested> | null;
      if (v && Number.isFinite(v.messages) && Number.isFinite(v.bytes)) {
        counts.set(email, { messages: Number(v.messages), bytes: Number(v.bytes) });
      }
    }
  } catch {
    // Unreadable: as if nothing had been tested.
  }
  return counts;
}

export function forgetTested(batch: string): void {
  try {
    localStorage.removeItem(PREFIX + batch);
  } catch {
    // Nothing to forget.
  }
}
