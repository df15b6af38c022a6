// Every error the window shows, in words for the owner. The engine's message is written for
// logs and the command line (server replies, OS errors, option names); the window words each
// kind of problem itself, with the few facts it can safely pick out (which server, what went
// wrong on the network), and keeps the engine's text behind "Details".
import type { AppError, ErrorKind } from './backend';

export interface Worded {
  /** What happened, one sentence. */
  title: string;
  /** What to do about it. */
  fix: string;
  /** The technical text, for "Details" (never an option name). */
  details: string;
}

/** Facts a sentence may use, read from the engine's message. */
interface Facts {
  host: string | null;
  /** The DNS server a domain check asked: "of this computer", or its address. */
  dns: string | null;
  network: 'unknown_host' | 'refused' | 'timeout' | 'broken' | 'starttls' | null;
  waitSecs: number | null;
  text: string;
}

const HOST_PATTERNS = [
  /^(Microsoft|Google)\b/,
  /cannot find the server ([^\s:,]+)/i,
  /cannot connect to ([^\s:,]+)/i,
  /the certificate of ([^\s:,]+)/i,
  /the connection to ([^\s:,]+)/i,
  /password for ([^\s:,]+) over/i,
  /^([a-z0-9-]+(?:\.[a-z0-9-]+)+) (?:refused|rejected|did not|closed|does not|offers|sent|was)\b/i,
];

function factsOf(text: string): Facts {
  let host: string | null = null;
  for (const pattern of HOST_PATTERNS) {
    const match = pattern.exec(text);
    if (match) {
      host = match[1].replace(/[.]$/, '');
      break;
    }
  }
  const network = /lookup address|name or service not known|cannot find the server|no such host|nodename nor servname/i.test(text)
    ? 'unknown_host'
    : /does not offer starttls/i.test(text)
      ? 'starttls'
      : /connection refused|os error 111|econnrefused|actively refused/i.test(text)
        ? 'refused'
        : /did not answer|timed out|timeout|too slow/i.test(text)
          ? 'timeout'
          : /broke|closed the connection|reset by peer|broken pipe/i.test(text)
            ? 'broken'
            : null;
  const dns = /\bthe DNS server (of this computer|\S+)/i.exec(text);
  const ms = /(\d+)\s*milliseconds/i.exec(text);
  const secs = /(\d+)\s*seconds?/i.exec(text);
  return { text, host, dns: dns ? dns[1].replace(/[.,:;]$/, '') : null, network, waitSecs: ms ? Math.ceil(Number(ms[1]) / 1000) : secs ? Number(secs[1]) : null };
}

function serverWord(f: Facts): string {
  if (f.dns) return f.dns === 'of this computer' ? "this computer's DNS server" : `the DNS server ${f.dns}`;
  if (!f.host) return 'the mail server';
  return /^(Microsoft|Google)$/.test(f.host) ? f.host : `the server ${f.host}`;
}

function capitalised(text: string): string {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

/** The window's own sentence for each kind. */
function titleFor(kind: ErrorKind, f: Facts): string {
  const server = serverWord(f);
  switch (kind) {
    case 'authentication':
      return `${capitalised(server)} did not accept the sign-in.`;
    case 'certificate':
      return f.network === 'starttls'
        ? `${capitalised(server)} cannot encrypt the connection with STARTTLS.`
        : `The security certificate of ${server} is not trusted, so Mailferry did not connect.`;
    case 'network':
      if (f.dns && f.network !== 'timeout' && f.network !== 'refused') return `${capitalised(server)} cannot be reached.`;
      switch (f.network) {
        case 'unknown_host':
          return `Mailferry cannot find ${f.host ? `a server named ${f.host}` : 'the mail server'}.`;
        case 'refused':
          return `${capitalised(server)} refused the connection.`;
        case 'timeout':
          return `${capitalised(server)} did not answer in time.`;
        default:
          return `The connection to ${server} was lost.`;
      }
    case 'quota':
      return 'The new mailbox is full.';
    case 'too_large':
      return 'A message is larger than the new mailbox accepts.';
    case 'throttled':
      return `${capitalised(server)} asked Mailferry to slow down.`;
    case 'server_refused':
      return `${capitalised(server)} refused a request.`;
    case 'protocol':
      return `${capitalised(server)} sent an answer Mailferry does not understand.`;
    case 'input':
      return 'Something entered cannot be used.';
    case 'local':
      return /keyring|secret service|password store|dbus/i.test(f.text)
        ? "This computer's password store (keyring) did not work."
        : 'Mailferry could not read or save its data on this computer.';
    case 'internal':
      return 'Something went wrong inside Mailferry.';
    case 'busy':
      return 'Another Mailferry window or command is copying this mailbox right now.';
  }
}

/** The window's own advice, used when the engine's is written for the command line. */
function fixFor(kind: ErrorKind, f: Facts, text: string): string {
  switch (kind) {
    case 'authentication':
      return 'Check the user name and password. Many providers (Gmail, Yahoo, iCloud) need an app password instead of the normal one.';
    case 'certificate':
      return f.network === 'starttls'
        ? 'Choose SSL/TLS (usually port 993) instead of STARTTLS.'
        : "Check the server name: use the name the provider gives for IMAP. If this is your own server with its own certificate, ask its administrator for the certificate's details.";
    case 'network':
      if (f.dns) return 'Check that this computer is online. Mailferry looks at DNS again by itself.';
      switch (f.network) {
        case 'unknown_host':
          return 'Check the server name for typing mistakes, and that this computer is online.';
        case 'refused':
          return 'Check the port and security setting (993 for SSL/TLS, 143 for STARTTLS), and that no firewall blocks it.';
        default:
          return 'This is usually temporary: Mailferry tries again by itself. If it keeps happening, check the internet connection.';
      }
    case 'quota':
      return 'Free up space in the new mailbox or raise its storage limit, then resume. Nothing copied already is copied twice.';
    case 'too_large':
      return 'The message is left behind and listed in the report. Raise the size limit on the Options page (Microsoft 365 allows up to 150 MB) to copy it.';
    case 'throttled':
      return f.waitSecs
        ? `Mailferry waits about ${f.waitSecs} seconds and carries on by itself.`
        : 'Mailferry waits and carries on by itself.';
    case 'server_refused':
      if (f.dns) return 'This is usually temporary at the DNS server: Mailferry looks again by itself.';
      return 'Look at the details for the server\'s own words, fix what it names, then try again.';
    case 'protocol':
      return 'Try again. If it happens again, save the report and send it to the server\'s administrator.';
    case 'input':
      return 'Check what was entered on this page, then try again.';
    case 'local':
      return /keyring|secret service|password store|dbus/i.test(text)
        ? "This computer's password store (keyring) is locked or missing: unlock it, or keep passwords in memory for this session from the home page."
        : 'Check that the disk has free space and Mailferry may write to its folder, then try again.';
    case 'internal':
      return 'Try again. If it keeps happening, restart Mailferry and save the report for support.';
    case 'busy':
      return 'Copying one mailbox twice at once would duplicate mail, so this one waits and continues by itself once the other has finished.';
  }
}

/** Option names, URL forms and commands belong to the command line, not to the window. */
function forCommandLine(text: string): boolean {
  return (
    /(^|[\s(`'"])--[a-z]|imaps?:\/\/|\?tls=|`/i.test(text) ||
    /\bmailferry (?:batch|login|logout|password|migrate|plan|verify|cutover)\b/.test(text)
  );
}

/** The technical text without the sentences that name command-line options. */
export function withoutFlags(text: string): string {
  return text
    .replace(/\s*\((?:[^()]*--[a-z][^()]*)\)/gi, '')
    .split(/(?<=[.;])\s+/)
    .filter((part) => !/(^|[\s(`'"])--[a-z]/i.test(part))
    .join(' ')
    .replace(/;$/, '.')
    .trim();
}

const MISMATCH_TITLES = {
  port_expects_tls: 'This port expects SSL/TLS from the start, not STARTTLS.',
  port_expects_starttls: 'This port starts unencrypted and expects STARTTLS, not SSL/TLS.',
} as const;

/**
 * The owner's words for a problem. Sentences the engine wrote for people (a refused CSV
 * value, a name already taken) stay as they are for input errors; everything else is worded
 * here from its kind.
 */
export function wordProblem(problem: AppError): Worded {
  // A mailbox test says which side failed by this prefix.
  const side = /^the new mailbox:\s*/i.exec(problem.message);
  if (side) {
    const inner = wordProblem({ ...problem, message: problem.message.slice(side[0].length) });
    return { ...inner, title: `The new mailbox: ${inner.title[0].toLowerCase()}${inner.title.slice(1)}` };
  }
  const mismatch = problem.facts?.security_mismatch;
  if (mismatch) return { title: MISMATCH_TITLES[mismatch], fix: problem.hint, details: withoutFlags(sentence(problem.message)) };
  const text = `${problem.message}`;
  const facts = factsOf(text);
  const plainInput =
    problem.kind === 'input' && !forCommandLine(problem.message) && problem.message.length <= 200;
  const title = plainInput ? sentence(problem.message) : titleFor(problem.kind, facts);
  const hint = problem.hint?.trim() ?? '';
  const fix = hint && !forCommandLine(hint) ? hint : fixFor(problem.kind, facts, `${text} ${hint}`);
  const details = plainInput ? '' : withoutFlags(sentence(problem.message));
  return { title, fix, details };
}

/** The engine's messages start lower-case (they also appear mid-sentence in logs). */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** One line: what happened and what to do (for a field's validation message). */
export function problemLine(problem: AppError): string {
  const w = wordProblem(problem);
  return `${w.title} ${w.fix}`.trim();
}

/** Whether two problems are the same one (to show it once). */
export function sameProblem(a: AppError, b: AppError): boolean {
  return a.kind === b.kind && a.message.trim() === b.message.trim();
}
