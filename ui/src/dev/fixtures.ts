// Sample data for the tests and the browser demo. Never imported by the production entry.
import type {
  AppError,
  BatchSummary,
  BatchUpdate,
  BatchUser,
  DomainReport,
  DomainSwitch,
  MigrationReport,
  Preset,
  UserProgress,
} from '../backend';
// The engine's own provider list, so tests exercise the real help texts and sign-in rules.
import presetsJson from '../../../src/presets.json';

export const PRESETS = presetsJson as Preset[];

export function appError(kind: AppError['kind'], message: string, hint: string): AppError {
  return { kind, message, hint };
}

export const GMAIL_SPEC = { preset: 'gmail', url: 'imaps://imap.gmail.com:993' };
export const DEST_SPEC = { preset: null, url: 'imaps://mail.contoso.com:993' };

export function summary(patch: Partial<BatchSummary> = {}): BatchSummary {
  return {
    name: 'Contoso mailboxes',
    source: GMAIL_SPEC,
    destination: DEST_SPEC,
    status: 'Syncing',
    users_total: 3,
    users_synced: 1,
    last_synced_at: 1_760_000_000,
    created_at: 1_759_900_000,
    ...patch,
  };
}

export function batchUser(email: string, patch: Partial<BatchUser> = {}): BatchUser {
  return {
    email_address: email,
    user_name: email.replace(/@.*/, '@gmail.com'),
    user_root: null,
    status: 'Queued',
    detail: null,
    error: null,
    resume_at: null,
    last_synced_at: null,
    next_sync_at: null,
    messages_in_source: 0,
    messages_done: 0,
    bytes_copied: 0,
    skipped: 0,
    failed: 0,
    copied_back_to: null,
    ...patch,
  };
}

export function progress(email: string, patch: Partial<UserProgress> = {}): UserProgress {
  return {
    email_address: email,
    status: 'Syncing',
    detail: null,
    resume_at: null,
    to_copy: 1000,
    copied: 250,
    bytes_copied: 52_428_800,
    folders_done: 2,
    rate: 12.5,
    eta_secs: 600,
    copied_back_to: null,
    ...patch,
  };
}

export function update(batch: string, users: UserProgress[]): BatchUpdate {
  return { batch, users };
}

export const SAMPLE_USERS: BatchUser[] = [
  batchUser('anna@contoso.com', {
    status: 'Synced',
    messages_in_source: 5200,
    messages_done: 5200,
    bytes_copied: 1_288_490_188,
    last_synced_at: 1_760_000_000,
  }),
  batchUser('ben@contoso.com', { status: 'Syncing', messages_in_source: 12000, messages_done: 4100, bytes_copied: 734_003_200 }),
  batchUser('chris@contoso.com', {
    status: 'Failed',
    error: appError(
      'authentication',
      'the source server did not accept the user name or password',
      'Create a new app password for this mailbox and enter it here.',
    ),
  }),
];

export function report(patch: Partial<MigrationReport> = {}): MigrationReport {
  return {
    status: 'synced',
    source: 'imaps://anna@gmail.com@imap.gmail.com:993',
    destination: 'imaps://anna@contoso.com@mail.contoso.com:993',
    folders: [
      {
        source: 'INBOX',
        destination: 'Inbox',
        role: 'inbox',
        status: 'synced',
        messages_in_source: 4000,
        copied: 3998,
        already_present: 0,
        previously_copied: 0,
        in_other_folders: 0,
        skipped: 2,
        skipped_items: [
          {
            uid: 812,
            subject: 'Holiday photos',
            date: '2023-07-14',
            size: 62_914_560,
            reason: 'too_large',
            explanation: 'Larger than the 35 MB the destination accepts.',
          },
          {
            uid: 913,
            subject: 'Scanned contract',
            date: '2024-02-02',
            size: 41_943_040,
            reason: 'too_large',
            explanation: 'Larger than the 35 MB the destination accepts.',
          },
        ],
        failed: 0,
        failed_items: [],
        deleted_not_copied: 0,
        flags_updated: 0,
        keywords_not_kept: {},
        bytes_copied: 1_000_000_000,
      },
      {
        source: '[Gmail]/Sent Mail',
        destination: 'Sent Items',
        role: 'sent',
        status: 'synced',
        messages_in_source: 1200,
        copied: 1200,
        already_present: 0,
        previously_copied: 0,
        in_other_folders: 0,
        skipped: 0,
        skipped_items: [],
        failed: 0,
        failed_items: [],
        deleted_not_copied: 0,
        flags_updated: 0,
        keywords_not_kept: {},
        bytes_copied: 288_490_188,
      },
    ],
    folders_not_copied: [{ source: '[Gmail]/All Mail', reason: 'Archived mail is copied to Archive instead.' }],
    totals: {
      messages_in_source: 5200,
      copied: 5198,
      already_present: 0,
      previously_copied: 0,
      skipped: 2,
      failed: 0,
      bytes_copied: 1_288_490_188,
    },
    errors: [],
    duration_ms: 1_860_000,
    ...patch,
  };
}

const HOUR = 3600;

/**
 * A domain as `batch_domains` reports it. `before` (the default) is a domain still at its old
 * provider, with an SPF record of its own and no Autodiscover record.
 */
export function domainReport(domain: string, patch: Partial<DomainReport> = {}): DomainReport {
  const m365 = `${domain.replace(/\./g, '-')}.mail.protection.outlook.com`;
  return {
    domain,
    exists: true,
    mx: [
      { host: 'mx1.oldhost.net', preference: 10, ttl: 86400 },
      { host: 'mx2.oldhost.net', preference: 20, ttl: 86400 },
    ],
    points_to_microsoft: false,
    stage: 'before',
    spf: ['v=spf1 include:_spf.oldhost.net ~all'],
    spf_ok: false,
    autodiscover: null,
    autodiscover_ok: false,
    ttl_ok: false,
    expected_mx: m365,
    expected_spf: 'v=spf1 include:spf.protection.outlook.com -all',
    expected_autodiscover: 'autodiscover.outlook.com',
    advice: [],
    switched_first_seen: null,
    safe_to_complete_at: null,
    switched_first_seen_epoch: null,
    safe_to_complete_at_epoch: null,
    ready: false,
    error: null,
    ...patch,
  };
}

/** A domain whose every record is right, first seen switched at `since` (epoch seconds). */
export function switchedDomain(domain: string, since: number, patch: Partial<DomainReport> = {}): DomainReport {
  const m365 = `${domain.replace(/\./g, '-')}.mail.protection.outlook.com`;
  const safeAt = since + 72 * HOUR;
  return domainReport(domain, {
    mx: [{ host: m365, preference: 0, ttl: HOUR }],
    points_to_microsoft: true,
    stage: 'switched',
    spf: ['v=spf1 include:spf.protection.outlook.com -all'],
    spf_ok: true,
    autodiscover: 'autodiscover.outlook.com',
    autodiscover_ok: true,
    ttl_ok: true,
    expected_mx: null,
    expected_spf: null,
    expected_autodiscover: null,
    switched_first_seen: new Date(since * 1000).toISOString(),
    safe_to_complete_at: new Date(safeAt * 1000).toISOString(),
    switched_first_seen_epoch: since,
    safe_to_complete_at_epoch: safeAt,
    ready: true,
    ...patch,
  });
}

/** What `batch_domains` answers for these domains at `now` (epoch seconds). */
export function domainSwitch(domains: DomainReport[], now: number): DomainSwitch {
  const safe = domains.every(
    (d) => !d.error && d.stage === 'switched' && d.safe_to_complete_at_epoch !== null && d.safe_to_complete_at_epoch <= now,
  );
  return {
    domains,
    ready: domains.every((d) => d.ready),
    safe_to_complete: safe,
    completion_warning: safe
      ? ''
      : [
          'Completing now stops copying from the old provider: mail still delivered there after this would be lost.',
          ...domains.filter((d) => !d.ready || (d.safe_to_complete_at_epoch ?? Infinity) > now).map((d) => `  - ${engineBlocker(d)}`),
        ].join('\n'),
  };
}

// The engine's own sentence for a domain that makes completing unsafe (src/cutover/completion.rs).
function engineBlocker(d: DomainReport): string {
  if (d.error) return `${d.domain}: its MX records could not be checked (${d.error.message}).`;
  if (d.stage === 'switched') {
    return `${d.domain}: switched less than 72 hours ago; some senders may still deliver to the old provider until ${d.safe_to_complete_at ?? ''} UTC.`;
  }
  if (d.stage === 'switching') {
    return `${d.domain}: some MX records still point to the old provider, so some mail is still delivered there.`;
  }
  return `${d.domain}: the MX records still point to the old provider, so mail is still delivered there.`;
}

/** A fingerprint for the demo's self-signed server (SHA-256, hex). */
export const DEMO_FINGERPRINT = '3f7a9c2e'.repeat(8);

/** What a refused certificate brings over IPC: the words, and the facts the panel shows. */
export function certificateRefusal(host: string, fingerprint = DEMO_FINGERPRINT): AppError {
  return {
    kind: 'certificate',
    message: `the certificate of ${host} is not trusted: it was issued by an authority this computer does not know`,
    hint: "If the server uses its own certificate, get its CA file from the server's administrator, or check the fingerprint with them and trust this certificate for this server.",
    facts: {
      ...noFacts(),
      host,
      port: 993,
      certificate: {
        reason: 'issued by an unknown authority',
        subject: `CN=${host}, O=Contoso Ltd`,
        issuer: 'CN=Contoso Private CA, O=Contoso Ltd, L=Redmond, ST=Washington, C=US',
        not_before: '2025-01-02T00:00:00Z',
        not_after: '2027-03-04T00:00:00Z',
        fingerprint_sha256: fingerprint,
      },
    },
  };
}

/** The port speaks the other kind of encryption than the one chosen. */
export function securityMismatch(host: string, expected: 'port_expects_tls' | 'port_expects_starttls', port: number): AppError {
  const tls = expected === 'port_expects_tls';
  return {
    kind: 'input',
    message: tls
      ? `${host} port ${port} expects SSL/TLS from the first byte, but STARTTLS was chosen`
      : `${host} port ${port} starts unencrypted (STARTTLS or none), but SSL/TLS was chosen`,
    hint: tls
      ? "Choose SSL/TLS as the security for this port, or use the server's STARTTLS port (usually 143)."
      : "Choose STARTTLS as the security for this port, or use the server's SSL/TLS port (usually 993).",
    facts: { ...noFacts(), host, port, security_mismatch: expected },
  };
}

function noFacts(): NonNullable<AppError['facts']> {
  return {
    side: null,
    host: null,
    port: null,
    auth_method: null,
    sign_in: null,
    network: null,
    certificate: null,
    security_mismatch: null,
    retry_after_secs: null,
    dns_server: null,
  };
}
