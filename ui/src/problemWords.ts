// Every error the window shows, in words for the owner. The engine sends each problem's kind
// and the facts behind it (which server, how Mailferry signed in there, what failed on the
// network, how long to wait); the window words the sentence from those, and keeps the
// engine's technical text behind "Details". Problems saved before the engine sent facts
// (old reports, stored statuses) are read from their text instead.
import type { AppError, ErrorKind } from './backend';
import type { AuthMethod, CertificateFacts, Facts, NetworkFailure, Side, SignInRef } from './bindings';

export interface Worded {
  /** What happened, one sentence. */
  title: string;
  /** What to do about it. */
  fix: string;
  /** The technical text, for "Details" (never an option name). */
  details: string;
}

/** What a sentence may use, from the facts or, for old problems, from the text. */
interface Known {
  side: Side | null;
  host: string | null;
  method: AuthMethod | null;
  network: NetworkFailure | null;
  /** The DNS server a domain check asked: "system" for this computer's, or its address. */
  dns: string | null;
  waitSecs: number | null;
  signIn: SignInRef | null;
  text: string;
}

/** How the engine names the computer's own DNS server in the facts. */
const SYSTEM_DNS = 'system';

const NO_FACTS: Facts = {
  side: null,
  host: null,
  port: null,
  auth_method: null,
  network: null,
  certificate: null,
  security_mismatch: null,
  retry_after_secs: null,
  sign_in: null,
  dns_server: null,
};

/**
 * Whether the engine sent any facts. A problem stored before it did comes back with every
 * fact empty, and is read from its text like one without facts.
 */
function hasFacts(facts: Facts | undefined): facts is Facts {
  return !!facts && Object.values(facts).some((value) => value !== null && value !== undefined);
}

/** The problem with the side it was met on, for a caller that knows it (a mailbox test). */
export function onSide(problem: AppError, side: Side): AppError {
  const facts = hasFacts(problem.facts) ? problem.facts : factsFromText(problem.message);
  return { ...problem, facts: { ...facts, side: facts.side ?? side } };
}

function knownFromFacts(facts: Facts, text: string): Known {
  return {
    side: facts.side,
    host: facts.host,
    method: facts.auth_method,
    network: facts.network,
    dns: facts.dns_server,
    waitSecs: facts.retry_after_secs,
    signIn: facts.sign_in,
    text,
  };
}

// ---- Problems without facts: read what can safely be read from the engine's text ----

const HOST_PATTERNS = [
  /^(Microsoft|Google)\b/,
  /cannot find the server ([^\s:,]+)/i,
  /cannot connect to ([^\s:,]+)/i,
  /the certificate of ([^\s:,]+)/i,
  /the connection to ([^\s:,]+)/i,
  /password for ([^\s:,]+) over/i,
  /^([a-z0-9-]+(?:\.[a-z0-9-]+)+) (?:refused|rejected|did not|closed|does not|offers|sent|was)\b/i,
];

function knownFromText(text: string): Known {
  let host: string | null = null;
  for (const pattern of HOST_PATTERNS) {
    const match = pattern.exec(text);
    if (match) {
      host = match[1].replace(/[.]$/, '');
      break;
    }
  }
  const network: NetworkFailure | null = /lookup address|name or service not known|cannot find the server|no such host|nodename nor servname/i.test(text)
    ? 'unknown_host'
    : /does not offer starttls/i.test(text)
      ? 'no_starttls'
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
  return {
    text,
    host,
    side: null,
    method: null,
    signIn: null,
    dns: dns ? (dns[1] === 'of this computer' ? SYSTEM_DNS : dns[1].replace(/[.,:;]$/, '')) : null,
    network,
    waitSecs: ms ? Math.ceil(Number(ms[1]) / 1000) : secs ? Number(secs[1]) : null,
  };
}

function factsFromText(text: string): Facts {
  const k = knownFromText(text);
  return { ...NO_FACTS, host: k.host, network: k.network, dns_server: k.dns, retry_after_secs: k.waitSecs };
}

// ---- Sentences ----

const SIDE_WORDS: Record<Side, string> = { source: 'the old server', destination: 'the new server' };

const METHOD_WORDS: Record<AuthMethod, string> = {
  password: 'the password',
  app_password: 'the app password',
  admin_login: 'the admin login',
  stored_sign_in: 'the sign-in',
  token: 'the access token',
};

const PROVIDER_NAMES: Record<SignInRef['provider'], string> = { microsoft: 'Microsoft', google: 'Google' };

function serverWord(k: Known): string {
  if (k.dns) return k.dns === SYSTEM_DNS ? "this computer's DNS server" : `the DNS server ${k.dns}`;
  if (k.side) return k.host ? `${SIDE_WORDS[k.side]} (${k.host})` : SIDE_WORDS[k.side];
  if (!k.host) return 'the mail server';
  return /^(Microsoft|Google)$/.test(k.host) ? k.host : `the server ${k.host}`;
}

function capitalised(text: string): string {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

/** "Sign in again with Microsoft as anna@contoso.com", as far as the facts say. */
function signInAgain(k: Known): string {
  if (!k.signIn || k.signIn.app) return 'sign in again';
  return `sign in again with ${PROVIDER_NAMES[k.signIn.provider]} as ${k.signIn.account}`;
}

function authTitle(k: Known): string {
  const server = capitalised(serverWord(k));
  switch (k.method) {
    case 'token':
      return `${server} refused the access token.`;
    case 'stored_sign_in': {
      const whose = k.signIn && !k.signIn.app ? ` with ${PROVIDER_NAMES[k.signIn.provider]} of ${k.signIn.account}` : '';
      // No server named: it never got that far (no sign-in yet, or it could not be renewed).
      if (!k.host) return k.side ? `The sign-in${whose} for ${SIDE_WORDS[k.side]} cannot be used.` : `The sign-in${whose} cannot be used.`;
      return `${server} refused the sign-in${whose}.`;
    }
    case null:
      return `${server} did not accept the sign-in.`;
    default:
      return `${server} did not accept ${METHOD_WORDS[k.method]}.`;
  }
}

/** The window's own sentence for each kind. */
function titleFor(kind: ErrorKind, k: Known): string {
  const server = serverWord(k);
  switch (kind) {
    case 'authentication':
      return authTitle(k);
    case 'certificate':
      return k.network === 'no_starttls'
        ? `${capitalised(server)} cannot encrypt the connection with STARTTLS.`
        : `The security certificate of ${server} is not trusted, so Mailferry did not connect.`;
    case 'network':
      if (k.dns && k.network !== 'timeout' && k.network !== 'refused') return `${capitalised(server)} cannot be reached.`;
      switch (k.network) {
        case 'unknown_host':
          if (k.side && k.host) return `Mailferry cannot find ${SIDE_WORDS[k.side]}: there is no server named ${k.host}.`;
          return `Mailferry cannot find ${k.host ? `a server named ${k.host}` : 'the mail server'}.`;
        case 'refused':
          return `${capitalised(server)} refused the connection.`;
        case 'timeout':
          return `${capitalised(server)} did not answer in time.`;
        case 'broken':
          return `The connection to ${server} was lost.`;
        default:
          return `${capitalised(server)} cannot be reached.`;
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
      return /keyring|secret service|password store|dbus/i.test(k.text)
        ? "This computer's password store (keyring) did not work."
        : 'Mailferry could not read or save its data on this computer.';
    case 'internal':
      return 'Something went wrong inside Mailferry.';
    case 'busy':
      return 'Another Mailferry window or command is copying this mailbox right now.';
  }
}

/**
 * Advice for a refused sign-in, by how Mailferry signed in. `engineHint` is the engine's
 * advice when it is fit for the window (it knows each provider's app-password page).
 */
function authFix(k: Known, engineHint: string | null): string {
  switch (k.method) {
    case 'token':
      return `It may have expired — ${signInAgain(k)}.`;
    case 'stored_sign_in':
      return engineHint ?? `The sign-in may have expired or been revoked — ${signInAgain(k)}.`;
    case 'admin_login':
      return "Check the admin account's name and password, and that it may open other people's mailboxes.";
    case 'app_password':
      return engineHint ?? 'Check the user name, and create a new app password with the provider if this one was removed.';
    case 'password':
      return engineHint ?? 'Check the user name and password. Many providers (Gmail, Yahoo, iCloud) need an app password instead of the normal one.';
    case null:
      return engineHint ?? 'Check the user name and password. Many providers (Gmail, Yahoo, iCloud) need an app password instead of the normal one.';
  }
}

/** The window's own advice, used when the engine's is missing or written for the command line. */
/** What to do about a refused certificate, from the certificate itself (null: nothing known). */
function certificateFix(certificate: CertificateFacts | null | undefined): string | null {
  if (!certificate) return null;
  if (/expired|not valid yet/i.test(certificate.reason)) {
    return "The server's certificate is out of date: ask whoever runs the server to renew it, and check this computer's date and time.";
  }
  if (certificate.issuer && certificate.issuer === certificate.subject) {
    return 'This server made its own certificate. Ask whoever runs it whether the fingerprint below is theirs; if it is, trust this certificate for this server.';
  }
  if (/name/i.test(certificate.reason)) {
    return 'The certificate is for another server name: use the name the provider gives for IMAP, or ask the server\'s administrator which name to use.';
  }
  return "The certificate comes from an authority this computer does not know. Ask the server's administrator for their CA file, or check the fingerprint below with them and trust this certificate for this server.";
}

function fixFor(kind: ErrorKind, k: Known): string {
  switch (kind) {
    case 'authentication':
      return authFix(k, null);
    case 'certificate':
      return k.network === 'no_starttls'
        ? 'Choose SSL/TLS (usually port 993) instead of STARTTLS.'
        : "Check the server name: use the name the provider gives for IMAP. If this is your own server with its own certificate, ask its administrator for the certificate's details.";
    case 'network':
      if (k.dns) return 'Check that this computer is online. Mailferry looks at DNS again by itself.';
      switch (k.network) {
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
      return k.waitSecs
        ? `Mailferry waits about ${k.waitSecs} ${k.waitSecs === 1 ? 'second' : 'seconds'} and carries on by itself.`
        : 'Mailferry waits and carries on by itself.';
    case 'server_refused':
      if (k.dns) return 'This is usually temporary at the DNS server: Mailferry looks again by itself.';
      return "Look at the details for the server's own words, fix what it names, then try again.";
    case 'protocol':
      return "Try again. If it happens again, save the report and send it to the server's administrator.";
    case 'input':
      return 'Check what was entered on this page, then try again.';
    case 'local':
      return /keyring|secret service|password store|dbus/i.test(k.text)
        ? "This computer's password store (keyring) is locked or missing: unlock it, or keep passwords in memory for this session from the home page."
        : 'Check that the disk has free space and Mailferry may write to its folder, then try again.';
    case 'internal':
      return 'Try again. If it keeps happening, restart Mailferry and save the report for support.';
    case 'busy':
      return 'Copying one mailbox twice at once would duplicate mail, so this one waits and continues by itself once the other has finished.';
  }
}

/** Kinds whose advice the window words itself from the facts (how long to wait, what to check). */
const WORDED_FROM_FACTS: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['network', 'throttled']);

/**
 * Mailferry's option names, URL forms and commands belong to the command line, not to the
 * window. (An administrator's own commands, such as Exchange PowerShell, are fine.)
 */
function forCommandLine(text: string): boolean {
  return (
    /(^|[\s(`'"])--[a-z]|imaps?:\/\/|\?tls=/i.test(text) ||
    /\bmailferry (?:batch|login|logout|password|migrate|plan|verify|cutover)\b/i.test(text)
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
 * here from its kind and facts.
 */
export function wordProblem(problem: AppError): Worded {
  // Problems stored before the engine named the side carry it as this prefix.
  const sidePrefix = /^the new mailbox:\s*/i.exec(problem.message);
  if (sidePrefix && !hasFacts(problem.facts)) {
    return wordProblem(onSide({ ...problem, message: problem.message.slice(sidePrefix[0].length) }, 'destination'));
  }
  const mismatch = problem.facts?.security_mismatch;
  if (mismatch) return { title: MISMATCH_TITLES[mismatch], fix: problem.hint, details: withoutFlags(sentence(problem.message)) };
  const text = problem.message;
  const known = hasFacts(problem.facts) ? knownFromFacts(problem.facts, text) : knownFromText(text);
  const plainInput = problem.kind === 'input' && !forCommandLine(problem.message) && problem.message.length <= 200;
  const title = plainInput ? sentence(problem.message) : titleFor(problem.kind, known);
  const hint = problem.hint?.trim() ?? '';
  const engineHint = hint && !forCommandLine(hint) ? hint : null;
  let fix: string;
  if (problem.kind === 'authentication') fix = authFix(known, engineHint);
  // The certificate's own panel offers what the window can do about it.
  else if (problem.kind === 'certificate') fix = certificateFix(problem.facts?.certificate) ?? fixFor(problem.kind, known);
  else if (engineHint && !(hasFacts(problem.facts) && WORDED_FROM_FACTS.has(problem.kind))) fix = engineHint;
  else fix = fixFor(problem.kind, known);
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

/**
 * Whether two problems are the same one (to show it once). A folder the stopped mailbox
 * never reached says the mailbox's problem after "the migration stopped because".
 */
export function sameProblem(a: AppError, b: AppError): boolean {
  if (a.kind !== b.kind) return false;
  const [x, y] = [a.message.trim(), b.message.trim()];
  return x === y || x.endsWith(`because ${y}`) || y.endsWith(`because ${x}`);
}
