// What a domain's DNS check means for the owner, decided without React: the words for its
// stage, the three records to set at the DNS host, and how long until completing is safe.
import type { DomainReport, DomainSwitch, MxRecord } from '../../backend';
import { formatCount, formatDateTime } from '../../format';
import { wordProblem } from '../../problemWords';

/** Microsoft's domain setup in the admin center, where the exact values are listed too. */
export const MICROSOFT_DOMAINS_URL = 'https://admin.microsoft.com/Adminportal/Home#/Domains';

/** How often the page asks DNS again while it is shown. */
export const RECHECK_MS = 60_000;

// The engine's values (src/cutover/assess.rs), shown when a record is already right and the
// check names no expected value any more.
const MICROSOFT_MX_SUFFIX = '.mail.protection.outlook.com';
const SPF_RECORD = 'v=spf1 include:spf.protection.outlook.com -all';
const AUTODISCOVER_TARGET = 'autodiscover.outlook.com';
const MAX_MX_TTL = 3600;

export type Indicator = 'ok' | 'waiting' | 'unknown';

export interface RecordView {
  key: 'mx' | 'spf' | 'autodiscover';
  /** "MX record", for headings and labels. */
  label: string;
  type: 'MX' | 'TXT' | 'CNAME';
  /** The host name field at the DNS host. */
  name: string;
  /** Further fields to fill in (priority, TTL). */
  extra: string | null;
  /** The exact value to enter. */
  value: string;
  indicator: Indicator;
  /** What to do at the DNS host, or that nothing is left to do. */
  instruction: string;
  /** What DNS shows now, one line each. */
  now: string[];
}

export type StageTone = 'neutral' | 'warning' | 'success' | 'danger';

export interface StageView {
  label: string;
  sentence: string;
  tone: StageTone;
}

function isMicrosoftMx(host: string): boolean {
  const h = host.trim().replace(/\.$/, '').toLowerCase();
  return h.length > MICROSOFT_MX_SUFFIX.length && h.endsWith(MICROSOFT_MX_SUFFIX);
}

function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** The stage in words: where the domain's incoming mail goes now. */
export function stageView(report: DomainReport): StageView {
  if (report.error || report.stage === null) {
    return { label: 'Not checked', sentence: 'Mailferry could not look this domain up in DNS.', tone: 'neutral' };
  }
  switch (report.stage) {
    case 'before':
      return { label: 'Not switched', sentence: 'Mail still goes to the old provider.', tone: 'neutral' };
    case 'switching':
      return {
        label: 'Partly switched',
        sentence: 'Mail goes partly to Microsoft 365 and partly still to the old provider.',
        tone: 'warning',
      };
    case 'switched':
      return { label: 'Switched', sentence: 'All mail goes to Microsoft 365.', tone: 'success' };
    case 'no_mx':
      return report.exists
        ? { label: 'No mail server', sentence: 'No mail reaches this domain: it has no MX record.', tone: 'danger' }
        : {
            label: 'Not found',
            sentence: 'The domain does not exist in DNS. Check its spelling in the email addresses.',
            tone: 'danger',
          };
  }
}

function mxLine(r: MxRecord): string {
  return `${r.host} (priority ${formatCount(r.preference)}, TTL ${formatCount(r.ttl)} seconds)`;
}

/** Microsoft 365's MX host for a domain: its dots become dashes. */
export function microsoftMxFor(domain: string): string {
  return `${domain.replace(/\./g, '-')}${MICROSOFT_MX_SUFFIX}`;
}

function indicator(report: DomainReport, ok: boolean): Indicator {
  if (report.error || report.stage === null) return 'unknown';
  return ok ? 'ok' : 'waiting';
}

/** The three records Microsoft 365 needs, each with its exact value and whether DNS shows it. */
export function recordViews(report: DomainReport): RecordView[] {
  const domain = report.domain;
  const switched = report.stage === 'switched';
  const oldMx = report.mx.filter((r) => !isMicrosoftMx(r.host));
  const mxInstruction = (() => {
    switch (report.stage) {
      case 'switched':
        return 'Done: every MX record points to Microsoft 365.';
      case 'switching':
        return `Delete the MX records that still point to the old provider (${oldMx.map((r) => r.host).join(', ')}). Until then some mail is still delivered to the old mailboxes.`;
      case 'no_mx':
        return 'Add an MX record with this value. Without one no mail reaches the domain.';
      default:
        return 'Once every mailbox is Synced, change the MX record to this value and delete the old ones. Mail then arrives at Microsoft 365, and Mailferry keeps copying what still reaches the old provider.';
    }
  })();
  const mx: RecordView = {
    key: 'mx',
    label: 'MX record',
    type: 'MX',
    name: '@',
    extra: `Priority 0 · TTL ${formatCount(MAX_MX_TTL)} seconds`,
    value: report.expected_mx ?? report.mx.find((r) => isMicrosoftMx(r.host))?.host ?? microsoftMxFor(domain),
    indicator: indicator(report, switched),
    instruction: mxInstruction,
    now: report.mx.length ? report.mx.map(mxLine) : ['No MX record'],
  };

  const spfInstruction = report.spf_ok
    ? `Done: Microsoft 365 may send mail as ${domain}.`
    : report.spf.length === 0
      ? 'Add a TXT record with this value, so that mail sent from Microsoft 365 is not taken for spam.'
      : report.spf.length === 1
        ? `Change the TXT record that starts with v=spf1 to this value. Keep other include: parts only for services that still send mail as ${domain}.`
        : `Replace the ${formatCount(report.spf.length)} SPF records with one TXT record with this value: with more than one, receivers reject them all.`;
  const spf: RecordView = {
    key: 'spf',
    label: 'SPF record',
    type: 'TXT',
    name: '@',
    extra: null,
    value: report.expected_spf ?? (report.spf_ok ? report.spf[0] : undefined) ?? SPF_RECORD,
    indicator: indicator(report, report.spf_ok),
    instruction: spfInstruction,
    now: report.spf.length ? report.spf : ['No SPF record'],
  };

  const autodiscover: RecordView = {
    key: 'autodiscover',
    label: 'Autodiscover record',
    type: 'CNAME',
    name: 'autodiscover',
    extra: null,
    value: report.expected_autodiscover ?? (report.autodiscover_ok ? report.autodiscover : null) ?? AUTODISCOVER_TARGET,
    indicator: indicator(report, report.autodiscover_ok),
    instruction: report.autodiscover_ok
      ? 'Done: Outlook finds the new mailboxes by itself.'
      : report.autodiscover
        ? 'Change the CNAME record named autodiscover to this value, so that Outlook finds the new mailboxes.'
        : 'Add a CNAME record named autodiscover with this value, so that Outlook finds the new mailboxes.',
    now: report.autodiscover ? [`autodiscover.${domain} points to ${report.autodiscover}`] : ['No autodiscover record'],
  };
  return [mx, spf, autodiscover];
}

/**
 * Before the switch, the MX records' time to live decides how fast senders notice it.
 * Null once switched (too late to matter) or when nothing could be checked.
 */
export function ttlAdvice(report: DomainReport): { ok: boolean; text: string } | null {
  if (report.error || report.stage === null || report.stage === 'switched' || report.mx.length === 0) return null;
  if (report.ttl_ok) {
    return {
      ok: true,
      text: 'The MX records keep for an hour or less (TTL), so senders notice the switch within the hour.',
    };
  }
  const longest = Math.max(...report.mx.map((r) => r.ttl));
  return {
    ok: false,
    text: `Lower the time to live (TTL) of the MX records to ${formatCount(MAX_MX_TTL)} seconds (one hour) now, a day before you switch. They keep for ${formatDuration(longest)} now, so some senders would notice the switch only that much later.`,
  };
}

function formatDuration(seconds: number): string {
  if (seconds % 86400 === 0) return plural(seconds / 86400, 'day', 'days');
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour', 'hours');
  return plural(seconds, 'second', 'seconds');
}

/**
 * How long until a moment, as a person says it: "2 days 5 hours", "5 hours 30 minutes",
 * "45 minutes". Rounded up, so the wait is never shorter than said. Null once it has passed.
 */
export function timeUntil(seconds: number): string | null {
  if (seconds <= 0) return null;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return plural(minutes, 'minute', 'minutes');
  if (minutes < 24 * 60) {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return m ? `${plural(h, 'hour', 'hours')} ${plural(m, 'minute', 'minutes')}` : plural(h, 'hour', 'hours');
  }
  const hours = Math.ceil(minutes / 60);
  const d = Math.floor(hours / 24);
  const h = hours % 24;
  return h ? `${plural(d, 'day', 'days')} ${plural(h, 'hour', 'hours')}` : plural(d, 'day', 'days');
}

/** Once switched: the 72-hour wait before completing, counting down. Null before the switch. */
export function countdown(report: DomainReport, nowMs: number): { done: boolean; text: string } | null {
  if (report.stage !== 'switched' || report.safe_to_complete_at_epoch === null) return null;
  const since = report.switched_first_seen_epoch !== null ? `Switched ${formatDateTime(report.switched_first_seen_epoch, nowMs)}. ` : '';
  const left = timeUntil(report.safe_to_complete_at_epoch - nowMs / 1000);
  if (left === null) {
    return { done: true, text: `${since}More than 72 hours have passed: safe to complete.` };
  }
  return {
    done: false,
    text: `${since}Safe to complete in ${left} (${formatDateTime(report.safe_to_complete_at_epoch, nowMs)}): until then some senders may still deliver to the old provider.`,
  };
}

/** Why completing now could lose mail, one line per domain, in the window's words. */
export function completionReasons(check: DomainSwitch, nowMs: number): string[] {
  const lines: string[] = [];
  for (const d of check.domains) {
    if (d.error || d.stage === null) {
      const title = d.error ? wordProblem(d.error).title : 'It could not be checked.';
      lines.push(`${d.domain}: could not be checked, so mail may still be delivered to the old provider. ${title}`);
      continue;
    }
    switch (d.stage) {
      case 'before':
        lines.push(`${d.domain}: mail still goes to the old provider.`);
        break;
      case 'switching':
        lines.push(`${d.domain}: some mail still goes to the old provider.`);
        break;
      case 'no_mx':
        lines.push(
          d.exists
            ? `${d.domain}: no MX record points to Microsoft 365 yet.`
            : `${d.domain}: the domain does not exist in DNS, so no MX record points to Microsoft 365.`,
        );
        break;
      case 'switched': {
        const safeAt = d.safe_to_complete_at_epoch;
        if (safeAt === null) {
          lines.push(`${d.domain}: switched just now; some senders may still deliver to the old provider for 72 hours.`);
          break;
        }
        const left = timeUntil(safeAt - nowMs / 1000);
        if (left !== null) {
          lines.push(
            `${d.domain}: switched less than 72 hours ago; some senders may still deliver to the old provider until ${formatDateTime(safeAt, nowMs)} (in ${left}).`,
          );
        }
        break;
      }
    }
  }
  if (lines.length > 0) return lines;
  // The engine found a reason the window cannot see (its clock ahead of this one): its own lines.
  return check.completion_warning
    .split('\n')
    .slice(1)
    .map((l) => l.replace(/^\s*-\s*/, '').trim())
    .filter(Boolean);
}

/** The warning's first sentence: what completing now costs. */
export function completionHeadline(check: DomainSwitch | null): string {
  const first = check?.completion_warning.split('\n')[0]?.trim();
  return first || 'Completing now stops copying from the old provider: mail still delivered there after this would be lost.';
}

/**
 * A short wait for a line of text: "2 d 5 h", "5 h 30 min", "45 min". Rounded up, like
 * [`timeUntil`]. Null once it has passed.
 */
export function shortTimeUntil(seconds: number): string | null {
  if (seconds <= 0) return null;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) {
    const m = minutes % 60;
    return m ? `${Math.floor(minutes / 60)} h ${m} min` : `${minutes / 60} h`;
  }
  const hours = Math.ceil(minutes / 60);
  const h = hours % 24;
  return h ? `${Math.floor(hours / 24)} d ${h} h` : `${hours / 24} d`;
}

/** A domain's stage in one line, for the status page: where its mail goes and when completing is safe. */
export function stageLine(report: DomainReport, nowMs: number): { text: string; tone: StageTone } {
  if (report.error || report.stage === null) {
    const why = report.error ? ` (${wordProblem(report.error).title.replace(/\.$/, '')})` : '';
    return { text: `could not be checked in DNS${why}`, tone: 'neutral' };
  }
  switch (report.stage) {
    case 'before':
      return { text: 'mail still goes to the old provider', tone: 'neutral' };
    case 'switching':
      return { text: 'switching: some mail still goes to the old provider', tone: 'warning' };
    case 'no_mx':
      return report.exists
        ? { text: 'no MX record: no mail reaches the domain', tone: 'danger' }
        : { text: 'not found in DNS', tone: 'danger' };
    case 'switched': {
      const safeAt = report.safe_to_complete_at_epoch;
      const left = safeAt === null ? '72 h' : shortTimeUntil(safeAt - nowMs / 1000);
      return left === null
        ? { text: 'switched, safe to complete', tone: 'success' }
        : { text: `switched, safe to complete in ${left}`, tone: 'success' };
    }
  }
}
