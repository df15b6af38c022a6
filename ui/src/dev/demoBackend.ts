// A pretend Mailferry for looking at the window in a browser (`npm run dev`, then ?demo).
// Loaded only by the dev server; the production bundle never contains it.
import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type { BatchUser } from '../backend';
import {
  PRESETS,
  SAMPLE_USERS,
  appError,
  batchUser,
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

/** Mailboxes of the `?load=N` batch, each with this many messages to copy. */
const LOAD_MESSAGES_PER_MAILBOX = 1_200;

export function installDemoBackend() {
  const params = new URLSearchParams(window.location.search);
  const empty = params.has('empty');
  const noKeyring = params.has('nokeyring');
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
  ];
  const batches = empty
    ? []
    : [
        summary({ users_total: users.length }),
        summary({ name: 'Pilot', status: 'Synced', users_total: 2, users_synced: 2, created_at: 1_759_000_000 }),
      ];

  // Stop turns the running mailboxes Stopped, as the engine's store does.
  let stopped = false;
  const stoppable = ['Queued', 'Starting', 'Syncing', 'IncrementalSyncing', 'Waiting'];
  mockIPC(
    (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      switch (cmd) {
        case 'stop_batch':
          stopped = true;
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
          return batches;
        case 'batch_users':
          if (a.name === 'Pilot') return PILOT_USERS;
          return stopped ? users.map((u) => (stoppable.includes(u.status) ? { ...u, status: 'Stopped' as const } : u)) : users;
        case 'batch_snapshot':
          return null;
        case 'batch_domains':
          return demoDomains();
        case 'user_report':
          return a.email === 'anna@contoso.com' ? report() : null;
        case 'has_password':
          return false;
        case 'test_connection':
          if (String(a.userName ?? '').startsWith('x'))
            throw appError('authentication', 'the server did not accept the user name or password', 'Check the app password.');
          if (String((a.server as { url?: string } | undefined)?.url ?? '').includes('gmial'))
            throw appError(
              'network',
              'cannot find the server imap.gmial.com: failed to lookup address information: Name or service not known',
              'Check the server name for typing mistakes and that this computer is online.',
            );
          return { folders: 14, messages: 5200, bytes: 1_288_490_188, too_large: 2, measured_bytes_per_sec: 524_288, estimated_secs: 2458 };
        case 'import_csv':
          return {
            rows: [],
            problems: [
              { line: 3, column: 'EmailAddress', message: '"ben@contoso" is not an email address' },
              { line: 7, column: 'Password', message: 'the password is empty' },
            ],
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
          return {
            checks: (['app', 'signIn', 'consent', 'imapPermission', 'mailboxAccess'] as const).map((item) => ({
              item,
              status: 'passed',
              problem: null,
              fix: null,
              command: null,
              link: null,
            })),
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
        case 'list_sign_ins':
        case 'sign_ins_for':
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
  let copied = 4100;
  setInterval(() => {
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
