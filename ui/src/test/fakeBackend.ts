// The IPC boundary, faked: the generated bindings and backend.ts run for real on top of it.
import { emit } from '@tauri-apps/api/event';
import { mockIPC, mockWindows } from '@tauri-apps/api/mocks';
import { act } from '@testing-library/react';
import { events, type BatchUpdate, type CloseRequested } from '../bindings';
import { PRESETS } from '../dev/fixtures';

export type Handler = (args: Record<string, unknown>) => unknown;

export interface Call {
  cmd: string;
  args: Record<string, unknown>;
}

export interface FakeBackend {
  calls: Call[];
  /** The arguments of every call to one command, in order. */
  callsTo: (cmd: string) => Record<string, unknown>[];
  /** The command names in call order (event plumbing left out). */
  commandOrder: () => string[];
  /** Names of the events the window listens to right now. */
  listening: () => string[];
  emitBatchProgress: (update: BatchUpdate) => Promise<void>;
  emitCloseRequested: (request: CloseRequested) => Promise<void>;
  /** The window's close button (the window manager's request to close). */
  requestWindowClose: () => Promise<void>;
}

const DEFAULTS: Record<string, Handler> = {
  list_presets: () => PRESETS,
  keyring_status: () => ({ available: true, memory_only: false, problem: null }),
  use_memory_secrets: () => null,
  demo_setup: () => null,
  sign_in_settings: () => ({
    microsoft_client_id: '11111111-2222-3333-4444-555555555555',
    google_client_id: null,
    microsoft_built_in: false,
    google_built_in: false,
    microsoft_imap_url: 'imaps://outlook.office365.com:993',
  }),
  microsoft_setup_script: (args) => `# Mailferry setup for ${(args.request as { tenant: string }).tenant}\nWrite-Host "Application (client) ID: $($app.AppId)"\n`,
  check_microsoft_setup: () => ({ checks: [], signed_in: null }),
  sign_in: (args) => {
    const request = args.request as { provider: string; login_hint: string | null };
    const account = request.login_hint ?? 'admin@contoso.com';
    return { name: `${request.provider}:${account}`, reference: { provider: request.provider, account, app: false }, account };
  },
  sign_in_app: (args) => ({
    name: `microsoft-app:${args.tenant as string}`,
    reference: { provider: 'microsoft', account: args.tenant, app: true },
    account: args.tenant,
  }),
  start_device_sign_in: () => ({
    id: 1,
    user_code: 'F7KQ-2PLM',
    verification_uri: 'https://microsoft.com/devicelogin',
    message: null,
  }),
  finish_device_sign_in: () => ({
    name: 'microsoft:admin@contoso.com',
    reference: { provider: 'microsoft', account: 'admin@contoso.com', app: false },
    account: 'admin@contoso.com',
  }),
  list_sign_ins: () => [],
  forget_sign_in: () => true,
  directory_users: () => [],
  batch_sign_ins: () => [],
  store_client_secret: () => null,
  list_batches: () => [],
  check_batch_name: () => null,
  store_password: () => null,
  store_admin_password: () => null,
  has_password: () => false,
  forget_draft: () => null,
  import_csv: () => ({ rows: [], problems: [] }),
  test_connection: () => ({ folders: 12, messages: 3456, bytes: 1_288_490_188, too_large: 0 }),
  create_batch: (args) => {
    const spec = args.spec as { name: string; source: unknown; destination: unknown; users: unknown[] };
    return {
      name: spec.name,
      source: spec.source,
      destination: spec.destination,
      status: 'Created',
      users_total: spec.users.length,
      users_synced: 0,
      last_synced_at: null,
      created_at: 1_760_000_000,
    };
  },
  batch_users: () => [],
  batch_snapshot: () => null,
  start_batch: () => null,
  stop_batch: () => null,
  retry_failed: () => null,
  retry_user: () => null,
  complete_batch: () => null,
  // Every domain switched long ago: completing is safe unless a test says otherwise.
  batch_domains: () => ({ domains: [], ready: true, safe_to_complete: true, completion_warning: '' }),
  // Nothing completed yet unless a test says otherwise.
  batch_retirement: () => ({ batch: '', mailboxes: [], ready: 0, next_steps: [] }),
  delete_batch: () => null,
  // Adds the choice as the engine does (its checks are the engine's own tests).
  trust_in_options: (args) => {
    const options = args.options as { ca_file: string | null; trusted_certificates: { host: string; sha256: string }[] };
    const choice = args.choice as { kind: string; host?: string; sha256?: string; path?: string };
    return choice.kind === 'ca_file'
      ? { ...options, ca_file: choice.path }
      : { ...options, trusted_certificates: [...options.trusted_certificates, { host: choice.host, sha256: choice.sha256 }] };
  },
  trust_for_batch: () => null,
  user_report: () => null,
  export_report: () => null,
  open_saved_report: () => null,
  keep_running_in_background: () => null,
  stop_all_and_quit: () => null,
  'plugin:dialog|open': () => '/home/owner/users.csv',
  'plugin:dialog|save': () => '/home/owner/Contoso report.csv',
  'plugin:opener|open_url': () => null,
  'plugin:window|close': () => null,
};

/**
 * Installs the fake. A handler that throws a plain `{kind, message, hint}` object is how a
 * Rust command returns `Err(AppError)` over IPC.
 */
export function installFakeBackend(overrides: Record<string, Handler> = {}): FakeBackend {
  const handlers = { ...DEFAULTS, ...overrides };
  const calls: Call[] = [];
  mockIPC(
    (cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      const handler = handlers[cmd];
      if (!handler) throw new Error(`the fake backend has no command ${cmd}`);
      return handler(args);
    },
    { shouldMockEvents: true },
  );
  mockWindows('main');
  // The mock answers event subscriptions itself; record them too, so tests can wait for them.
  const internals = window.__TAURI_INTERNALS__ as { invoke: (cmd: string, args?: unknown, options?: unknown) => Promise<unknown> };
  const mockedInvoke = internals.invoke;
  const listening = new Map<number, string>();
  internals.invoke = async (cmd, args, options) => {
    const result = await mockedInvoke(cmd, args, options);
    const a = (args ?? {}) as { event?: string; eventId?: number };
    if (cmd === 'plugin:event|listen' && a.event) listening.set(result as number, a.event);
    if (cmd === 'plugin:event|unlisten' && a.eventId !== undefined) listening.delete(a.eventId);
    return result;
  };
  return {
    listening: () => [...listening.values()],
    calls,
    callsTo: (cmd) => calls.filter((c) => c.cmd === cmd).map((c) => c.args),
    commandOrder: () => calls.map((c) => c.cmd).filter((c) => !c.startsWith('plugin:event|')),
    emitBatchProgress: async (update) => {
      await act(async () => {
        await events.batchProgress.emit(update);
      });
    },
    requestWindowClose: async () => {
      await act(async () => {
        await emit('tauri://close-requested');
      });
    },
    emitCloseRequested: async (request) => {
      await act(async () => {
        await events.closeRequested.emit(request);
      });
    },
  };
}

/** Throws what a failing Rust command sends back. */
export function fail(kind: string, message: string, hint: string): never {
  throw { kind, message, hint };
}
