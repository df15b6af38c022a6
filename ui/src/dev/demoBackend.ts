// A pretend Mailferry for looking at the window in a browser (`npm run dev`, then ?demo).
// Loaded only by the dev server; the production bundle never contains it.
import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type { BatchUser, MailboxSignIn, Retirement } from '../backend';
import {
  PRESETS,
  SAMPLE_USERS,
  appError,
  batchUser,
  certificateRefusal,
  securityMismatch,
  domainReport,
  domainSwitch,
  progress,
  report,
  summary,
  switchedDomain,
} from './fixtures';

/** The finished "Pilot" batch: what the page shows once every mailbox is synced. */
const PILOT_USERS: BatchUser[] = [
  batchUser('anna@contoso.com', { status: 'Synced', messages_in_source: 5200, messages_done: 5200, bytes_copied: 1_288_490_188, skipped: 2, last_synced_at: 1_760_000_000 }),
  batchUser('ben@contoso.com', { status: 'Synced', messages_in_source: 12000, messages_done: 12000, bytes_copied: 2_734_003_200, last_synced_at: 1_760_000_000 }),
];

/** What the Pilot's old mailboxes hold once Close connection has run its last pass. */
function pilotRetirement(): Retirement {
  return {
    batch: 'Pilot',
    ready: 1,
    mailboxes: PILOT_USERS.map((u) => ({
      source_mailbox: u.user_name,
      new_mailbox: u.email_address,
      status: 'Completed' as const,
      last_synced_at: u.last_synced_at,
      messages_in_source: u.messages_in_source,
      messages_copied: u.messages_done - u.skipped,
      skipped: u.skipped,
      failed: 0,
      failed_folders: [],
      excluded_folders: u.skipped ? ['Spam'] : [],
      can_retire: u.skipped === 0,
      before_retiring: u.skipped
        ? [`${u.skipped} messages were left behind (too large for the new mailbox); save them from the old mailbox first.`]
        : [],
    })),
    next_steps: [
      'Set up Outlook and the phones with the new mailboxes.',
      'Before retiring the mailboxes marked above, save or copy what they still hold.',
      'Keep the old mailboxes for as long as you want a fallback, then cancel the old provider.',
    ],
  };
}

/** A server the demo treats as self-signed: its certificate is refused until trusted. */
const SELF_SIGNED = /self-signed|\.local$/;

/** Host, port and whether TLS starts at once, from a server URL such as `imaps://host:993`. */
function serverOf(url: string): { host: string; port: number; tls: boolean } {
  const match = /^(imaps?):\/\/([^:/]+)(?::(\d+))?/.exec(url);
  const tls = match?.[1] === 'imaps';
  return { host: match?.[2] ?? '', port: Number(match?.[3] ?? (tls ? 993 : 143)), tls };
}

/**
 * The batch's domains as DNS shows them: contoso.com half switched (one MX record still at the
 * old provider, the SPF record not yet changed), fabrikam.com switched 30 hours ago.
 */
function demoDomains() {
  const now = Math.floor(Date.now() / 1000);
  return domainSwitch(
    [
      domainReport('contoso.com', {
        stage: 'switching',
        mx: [
          { host: 'contoso-com.mail.protection.outlook.com', preference: 0, ttl: 3600 },
          { host: 'mx2.oldhost.net', preference: 20, ttl: 3600 },
        ],
        ttl_ok: true,
        autodiscover: 'autodiscover.outlook.com',
        autodiscover_ok: true,
        expected_autodiscover: null,
      }),
      switchedDomain('fabrikam.com', now - 30 * 3600),
    ],
    now,
  );
}

/** The corrected CSV's mailboxes: enough rows to scroll, with the long names real offices have. */
const DEMO_STAFF = [
  'anna', 'ben', 'chris', 'dana', 'eve', 'fay', 'george', 'hannah', 'ian', 'julia', 'karl', 'lena',
  'maria.garcia-fernandez', 'nils', 'olivia', 'paul', 'quentin', 'rosa', 'sam', 'tina', 'ulrich',
  'vera', 'walter', 'xenia', 'yusuf', 'zoe', 'accounts.payable', 'reception', 'office.manager.berlin', 'info',
];

/** Mailboxes of the `?load=N` batch, each with this many messages to copy. */
const LOAD_MESSAGES_PER_MAILBOX = 1_200;

const AWAITING_SIGN_INS: MailboxSignIn[] = [
  {
    email_address: 'ben@contoso.com',
    side: 'source',
    provider: 'microsoft',
    account: 'ben.okafor@outlook.com',
    own: true,
    signed_in: false,
    request: { provider: 'microsoft', client_id: '11111111-2222-3333-4444-555555555555', tenant: 'consumers', login_hint: 'ben.okafor@outlook.com', with_directory: false },
  },
  {
    email_address: 'chris@contoso.com',
    side: 'source',
    provider: 'google',
    account: 'chris.a.very.long.name.for.a.mailbox@gmail.com',
    own: true,
    signed_in: false,
    request: null,
  },
];

export function installDemoBackend() {
  const params = new URLSearchParams(window.location.search);
  const empty = params.has('empty');
  const noKeyring = params.has('nokeyring');
  // `?awaiting`: two people of the demo batch have not signed in yet, one of them with Google
  // before anyone on this computer did (so the app registration is asked for).
  const awaiting = params.has('awaiting');
  // `?load=N`: one batch of N mailboxes that all copy at once, with an update every 100 ms
  // (the engine's coalescing limit), for measuring how the status page keeps up.
  const load = Number(params.get('load') ?? 0);
  if (load > 0) {
    installLoadBackend(load);
    return;
  }
  const users: BatchUser[] = [
    ...SAMPLE_USERS,
    batchUser('dana@contoso.com', {
      status: 'Waiting',
      detail: 'Gmail daily download limit reached',
      resume_at: Math.floor(Date.now() / 1000) + 3 * 3600,
      messages_in_source: 48000,
      messages_done: 21000,
      bytes_copied: 2_621_440_000,
    }),
    batchUser('eve@contoso.com', { status: 'Queued' }),
    // The destination's own certificate, refused: the details offer to trust it.
    batchUser('fay@contoso.com', {
      status: 'Failed',
      error: (() => {
        const refusal = certificateRefusal('mail.contoso.com');
        return { ...refusal, facts: { ...refusal.facts!, side: 'destination' as const } };
      })(),
    }),
  ];
  const batches = empty
    ? []
    : [
        summary({ users_total: users.length }),
        summary({ name: 'Pilot', status: 'Synced', users_total: 2, users_synced: 2, created_at: 1_759_000_000 }),
      ];

  // Stop turns the running mailboxes Stopped, as the engine's store does.
  let stopped = false;
  let copied = 4100;
  // Close connection on the Pilot completes it; the import refuses every other file.
  let pilotCompleted = false;
  let imports = 0;
  const stoppable = ['Queued', 'Starting', 'Syncing', 'IncrementalSyncing', 'Waiting'];
  mockIPC(
    (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      switch (cmd) {
        case 'stop_batch':
          stopped = true;
          // The runner's last word on the mailbox it was copying, as the engine sends it.
          void emit('batch-progress', {
            batch: 'Contoso mailboxes',
            users: [progress('ben@contoso.com', { status: 'Stopped', to_copy: 12000, copied, bytes_copied: copied * 180_000, rate: 0, eta_secs: null })],
          });
          return null;
        case 'start_batch':
          stopped = false;
          return null;
        case 'list_presets':
          return PRESETS;
        case 'keyring_status':
          return noKeyring
            ? { available: false, memory_only: false, problem: 'No keyring service is running (org.freedesktop.secrets)' }
            : { available: true, memory_only: false, problem: null };
        case 'list_batches':
          return batches.map((b) =>
            b.name === 'Pilot' && pilotCompleted
              ? { ...b, status: 'Completed' as const }
              : b.name !== 'Pilot' && stopped
                ? { ...b, status: 'Stopped' as const }
                : b,
          );
        case 'batch_users':
          if (a.name === 'Pilot')
            return pilotCompleted ? PILOT_USERS.map((u) => ({ ...u, status: 'Completed' as const })) : PILOT_USERS;
          return stopped ? users.map((u) => (stoppable.includes(u.status) ? { ...u, status: 'Stopped' as const } : u)) : users;
        case 'batch_snapshot':
          return null;
        case 'batch_domains':
          // The Pilot's domain switched long ago: closing its connection is safe.
          if (a.name === 'Pilot') {
            const now = Math.floor(Date.now() / 1000);
            return domainSwitch([switchedDomain('contoso.com', now - 10 * 86400)], now);
          }
          return demoDomains();
        case 'complete_batch':
          if (a.name === 'Pilot') pilotCompleted = true;
          return null;
        case 'batch_retirement':
          return pilotRetirement();
        case 'trust_in_options': {
          const options = a.options as { ca_file: string | null; trusted_certificates: { host: string; sha256: string }[] };
          const choice = a.choice as { kind: string; host?: string; sha256?: string; path?: string };
          return choice.kind === 'ca_file'
            ? { ...options, ca_file: choice.path }
            : { ...options, trusted_certificates: [...options.trusted_certificates, { host: choice.host, sha256: choice.sha256 }] };
        }
        case 'user_report':
          return a.email === 'anna@contoso.com' ? report() : null;
        case 'has_password':
          return false;
        case 'test_connection': {
          const server = serverOf(String((a.server as { url?: string } | undefined)?.url ?? ''));
          // The wrong kind of encryption for the usual ports, as the engine finds it in seconds.
          if (!server.tls && server.port === 993) throw securityMismatch(server.host, 'port_expects_tls', 993);
          if (server.tls && server.port === 143) throw securityMismatch(server.host, 'port_expects_starttls', 143);
          const options = (a.options ?? {}) as { ca_file?: string | null; trusted_certificates?: { host: string }[] };
          const trusted = !!options.ca_file || (options.trusted_certificates ?? []).some((t) => t.host === server.host);
          if (SELF_SIGNED.test(server.host) && !trusted) throw certificateRefusal(server.host);
          if (String(a.userName ?? '').startsWith('x'))
            throw appError('authentication', 'the server did not accept the user name or password', 'Check the app password.');
          if (String((a.server as { url?: string } | undefined)?.url ?? '').includes('gmial'))
            throw appError(
              'network',
              'cannot find the server imap.gmial.com: failed to lookup address information: Name or service not known',
              'Check the server name for typing mistakes and that this computer is online.',
            );
          return { folders: 14, messages: 5200, bytes: 1_288_490_188, too_large: 2, measured_bytes_per_sec: 524_288, estimated_secs: 2458 };
        }
        case 'import_csv':
          // The first file has mistakes (every one is listed at once); the corrected one imports.
          imports += 1;
          if (imports % 2 === 1)
            return {
              rows: [],
              problems: [
                { line: 3, column: 'EmailAddress', message: '"ben@contoso" is not an email address' },
                { line: 7, column: 'Password', message: 'the password is empty' },
                { line: 12, column: 'UserName', message: 'the user name is empty' },
                { line: 18, column: 'EmailAddress', message: '"maria.garcia-fernandez@contoso.com" is listed twice (lines 4 and 18)' },
                ...[21, 22, 25, 26, 27, 29, 30, 31].map((line) => ({ line, column: 'Password', message: 'the password is empty' })),
              ],
            };
          return {
            rows: DEMO_STAFF.map((name, i) => ({
              email_address: `${name}@contoso.com`,
              user_name: `${name}@gmail.com`,
              user_root: null,
              line: i + 2,
            })),
            problems: [],
          };
        case 'sign_in_settings':
          return {
            microsoft_client_id: '11111111-2222-3333-4444-555555555555',
            google_client_id: null,
            microsoft_built_in: false,
            google_built_in: false,
            microsoft_imap_url: 'imaps://outlook.office365.com:993',
          };
        case 'microsoft_setup_script':
          return `# Mailferry: register the app in ${String((a.request as { tenant: string }).tenant)}\nWrite-Host "Application (client) ID: $($app.AppId)"\n`;
        case 'check_microsoft_setup': {
          const account = 'admin@contoso.com';
          // A sample mailbox starting with x lacks Full Access, to show a check that names its fix.
          const sample = String((a.request as { sample_mailbox?: string | null }).sample_mailbox ?? '');
          const noAccess = sample.startsWith('x');
          return {
            checks: (['app', 'signIn', 'consent', 'imapPermission', 'mailboxAccess'] as const).map((item) =>
              item === 'mailboxAccess' && noAccess
                ? {
                    item,
                    status: 'failed',
                    problem: `${account} cannot open ${sample}: it has no Full Access to that mailbox.`,
                    fix: 'Give the admin Full Access to every mailbox you migrate, in Exchange Online PowerShell:',
                    command: `Add-MailboxPermission -Identity ${sample} -User ${account} -AccessRights FullAccess -InheritanceType All -AutoMapping $false`,
                    link: 'https://admin.exchange.microsoft.com/#/mailboxes',
                  }
                : { item, status: 'passed', problem: null, fix: null, command: null, link: null },
            ),
            signed_in: { name: `microsoft:${account}`, reference: { provider: 'microsoft', account, app: false }, account },
          };
        }
        case 'sign_in': {
          const request = a.request as { provider: string; login_hint: string | null };
          const account = request.login_hint ?? 'admin@contoso.com';
          return { name: `${request.provider}:${account}`, reference: { provider: request.provider, account, app: false }, account };
        }
        case 'sign_in_app':
          return { name: `microsoft-app:${String(a.tenant)}`, reference: { provider: 'microsoft', account: a.tenant, app: true }, account: a.tenant };
        case 'batch_sign_ins':
          return awaiting && a.email == null && a.batch === 'Contoso mailboxes' ? AWAITING_SIGN_INS : [];
        case 'list_sign_ins':
        case 'directory_users':
          return [];
        case 'plugin:dialog|open':
          return '/home/owner/users.csv';
        case 'plugin:dialog|save':
          return '/home/owner/report.csv';
        default:
          return null;
      }
    },
    { shouldMockEvents: true },
  );

  if (params.has('close')) {
    setTimeout(() => void emit('close-requested', { running_batches: ['Contoso mailboxes'], copying: true, background: 'minimised' }), 1000);
  }

  // Ben's copy moves along, as a running batch would report it.
  setInterval(() => {
    // A stopped batch reports nothing more, as the engine's runner has ended.
    if (stopped) return;
    copied = Math.min(12000, copied + 37);
    void emit('batch-progress', {
      batch: 'Contoso mailboxes',
      users: [progress('ben@contoso.com', { to_copy: 12000, copied, bytes_copied: copied * 180_000, rate: 18.4, eta_secs: (12000 - copied) / 18.4 })],
    });
  }, 500);
}

function installLoadBackend(count: number) {
  const name = 'Load test';
  const emails = Array.from({ length: count }, (_, i) => `user${String(i).padStart(3, '0')}@contoso.com`);
  const users = emails.map((email) =>
    batchUser(email, { status: 'Syncing', messages_in_source: LOAD_MESSAGES_PER_MAILBOX }),
  );
  mockIPC(
    (cmd) => {
      switch (cmd) {
        case 'list_presets':
          return PRESETS;
        case 'keyring_status':
          return { available: true, memory_only: false, problem: null };
        case 'list_batches':
          return [summary({ name, users_total: count, users_synced: 0 })];
        case 'batch_users':
          return users;
        default:
          return null;
      }
    },
    { shouldMockEvents: true },
  );
  const started = Date.now();
  const perSecond = 9; // messages each mailbox copies per second
  const updates = { sent: 0 };
  (window as unknown as { mailferryLoad: typeof updates }).mailferryLoad = updates;
  setInterval(() => {
    const elapsed = (Date.now() - started) / 1000;
    const copied = Math.min(LOAD_MESSAGES_PER_MAILBOX, Math.floor(elapsed * perSecond));
    updates.sent += 1;
    void emit('batch-progress', {
      batch: name,
      users: emails.map((email, i) =>
        progress(email, {
          to_copy: LOAD_MESSAGES_PER_MAILBOX,
          copied: Math.min(LOAD_MESSAGES_PER_MAILBOX, copied + (i % 7)),
          bytes_copied: (copied + (i % 7)) * 180_000,
          rate: perSecond + (i % 3) / 10,
          eta_secs: (LOAD_MESSAGES_PER_MAILBOX - copied) / perSecond,
        }),
      ),
    });
  }, 100);
}
