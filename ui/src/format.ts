// Numbers, sizes and times as the owner reads them, in the system's locale.

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

export function formatCount(n: number): string {
  return integer.format(n);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${integer.format(bytes)} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 100 ? integer.format(value) : oneDecimal.format(value)} ${units[unit]}`;
}

export function formatRate(messagesPerSecond: number): string {
  if (messagesPerSecond <= 0) return '—';
  if (messagesPerSecond < 1) return `${oneDecimal.format(messagesPerSecond * 60)} messages/min`;
  return `${oneDecimal.format(messagesPerSecond)} messages/s`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return 'less than a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours < 24) return rest ? `${hours} h ${rest} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  const restHours = hours % 24;
  return restHours ? `${days} d ${restHours} h` : `${days} d`;
}

/** "about 3 min left", or "less than a minute left" (never "about less than a minute"). */
export function formatTimeLeft(seconds: number): string {
  return seconds < 60 ? 'less than a minute left' : `about ${formatDuration(seconds)} left`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const thisYear = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/** Epoch seconds (as the engine stores them) to a date and time; the year only when it is not this one. */
export function formatDateTime(epochSeconds: number | null | undefined, now = Date.now()): string {
  if (epochSeconds == null) return '—';
  const date = new Date(epochSeconds * 1000);
  return date.getFullYear() === new Date(now).getFullYear() ? thisYear.format(date) : dateTime.format(date);
}

const shortOtherYear = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', year: 'numeric' });
const fullDateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

/**
 * A date short enough for one line of a table cell: "7 Dec, 14:05" this year, "9 Oct 2025"
 * from another (its time then lives in the cell's tooltip, formatFullDateTime).
 */
export function formatShortDateTime(epochSeconds: number, now = Date.now()): string {
  const date = new Date(epochSeconds * 1000);
  return date.getFullYear() === new Date(now).getFullYear() ? thisYear.format(date) : shortOtherYear.format(date);
}

/** "Monday, 7 December 2026 at 14:05": the whole date and time, for a tooltip. */
export function formatFullDateTime(epochSeconds: number): string {
  return fullDateTime.format(new Date(epochSeconds * 1000));
}

/** A time later today reads as just the time; anything else gets its date. */
export function formatWhen(epochSeconds: number, now = Date.now()): string {
  const date = new Date(epochSeconds * 1000);
  const today = new Date(now);
  const sameDay = date.toDateString() === today.toDateString();
  return sameDay ? timeOnly.format(date) : dateTime.format(date);
}

const longDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/**
 * A calendar day as the engine gives it ("2025-03-03", a day in UTC) in the owner's words:
 * "3 March 2025". Read as UTC so the day never shifts with the owner's time zone.
 */
export function formatDay(isoDay: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDay);
  if (!match) return isoDay;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return Number.isNaN(date.getTime()) ? isoDay : longDay.format(date);
}

/** "Migration 2025-03-14", the wizard's suggested batch name. */
export function todayIso(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
