// The window's only door to Mailferry: every command, event, file dialog and external link
// goes through here, so screens never touch IPC and tests only fake the IPC boundary.
import { open as openDialog, save as saveDialog } from '@tauri-apps/plugin-dialog';
import { openUrl } from '@tauri-apps/plugin-opener';
import { getCurrentWindow } from '@tauri-apps/api/window';
import { commands, events } from './bindings';
import type {
  AppCredentialInput,
  AppError,
  BatchOptions,
  BatchSummary,
  BatchUpdate,
  BatchUser,
  CloseRequested,
  ConnectionSummary,
  CreateBatch,
  CsvImport,
  DemoSetup,
  DeviceSignIn,
  DomainSwitch,
  EndpointSide,
  GraphUser,
  KeyringStatus,
  MigrationReport,
  Preset,
  ReportFormat,
  Retirement,
  ServerSpec,
  SetupCheckRequest,
  SetupReport,
  SetupScriptRequest,
  SignedIn,
  SignInInfo,
  MailboxSignIn,
  SignInRequest,
  SignInSettings,
  TrustChoice,
} from './bindings';

export type {
  AppError,
  Background,
  CloseRequested,
  BatchOptions,
  BatchStatus,
  BatchSummary,
  BatchUpdate,
  BatchUser,
  ConnectionSummary,
  CreateBatch,
  CsvImport,
  CsvProblem,
  CsvRow,
  DemoSetup,
  DeviceSignIn,
  DomainReport,
  DomainSwitch,
  Retirement,
  RetiringMailbox,
  EndpointSide,
  ErrorKind,
  FolderReport,
  GraphUser,
  KeyringStatus,
  MessageIssue,
  MigrationReport,
  MxRecord,
  NewUser,
  Preset,
  Problem,
  ReportFormat,
  ServerSpec,
  ProviderKind,
  SetupCheck,
  SetupCheckRequest,
  SetupItem,
  SetupPath,
  SetupReport,
  SetupScriptRequest,
  SignedIn,
  SignInInfo,
  MailboxSignIn,
  SignInRequest,
  SignInSettings,
  Stage,
  TrustChoice,
  CertificateFacts,
  SecurityMismatch,
  UserProgress,
  UserStatus,
} from './bindings';

/** A command failed; `problem` is what the user sees (message, then "What to do: hint"). */
export class BackendError extends Error {
  readonly problem: AppError;
  constructor(problem: AppError) {
    super(problem.message);
    this.name = 'BackendError';
    this.problem = problem;
  }
}

declare global {
  interface Window {
    __TAURI_INTERNALS__?: { invoke?: unknown };
  }
}

/** False when the page is opened in a normal browser instead of the Mailferry app. */
export function insideApp(): boolean {
  return typeof window !== 'undefined' && typeof window.__TAURI_INTERNALS__?.invoke === 'function';
}

export const NOT_IN_APP: AppError = {
  kind: 'local',
  message: 'This window is not connected to Mailferry.',
  hint: 'Open Mailferry from its app (the Start menu, Applications or your app launcher) instead of a web browser.',
};

/** Turns anything thrown on the way (a missing permission, a crashed shell) into words. */
export function toProblem(error: unknown): AppError {
  if (error instanceof BackendError) return error.problem;
  if (isAppError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return {
    kind: 'local',
    message: message || 'Something went wrong inside Mailferry.',
    hint: 'Try again. If it keeps happening, restart Mailferry.',
  };
}

function isAppError(value: unknown): value is AppError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AppError).kind === 'string' &&
    typeof (value as AppError).message === 'string'
  );
}

type Outcome<T> = { status: 'ok'; data: T } | { status: 'error'; error: AppError };

async function call<T>(run: () => Promise<T>): Promise<T> {
  if (!insideApp()) throw new BackendError(NOT_IN_APP);
  try {
    return await run();
  } catch (error) {
    throw new BackendError(toProblem(error));
  }
}

async function unwrap<T>(run: () => Promise<Outcome<T>>): Promise<T> {
  const outcome = await call(run);
  if (outcome.status === 'error') throw new BackendError(outcome.error);
  return outcome.data;
}

// ---- Catalogue and secrets ----

export const listPresets = (): Promise<Preset[]> => call(() => commands.listPresets());
/** The sample servers to fill the wizard with, when the app was started by `npm run demo`. */
export const demoSetup = (): Promise<DemoSetup | null> => call(() => commands.demoSetup());
export const keyringStatus = (): Promise<KeyringStatus> => unwrap(() => commands.keyringStatus());
/** Named so React's hook rules never mistake it for a hook. */
export const keepPasswordsInMemory = async (): Promise<void> => {
  await call(() => commands.useMemorySecrets());
};

/** The only way a password leaves the window: straight into the OS keyring. */
export const storePassword = async (batch: string, email: string, password: string): Promise<void> => {
  await unwrap(() => commands.storePassword(batch, email, password));
};
export const storeAdminPassword = async (batch: string, password: string): Promise<void> => {
  await unwrap(() => commands.storeAdminPassword(batch, password));
};
export const hasPassword = (batch: string, email: string): Promise<boolean> =>
  unwrap(() => commands.hasPassword(batch, email));
/** The wizard was left without creating the batch: its passwords leave the keyring too. */
export const forgetDraft = async (batch: string, emails: string[]): Promise<void> => {
  await unwrap(() => commands.forgetDraft(batch, emails));
};
/** `signsIn`: the old mailboxes sign in with Microsoft or Google, so passwords may be left empty. */
export const importCsv = (batch: string, path: string, signsIn: boolean): Promise<CsvImport> =>
  unwrap(() => commands.importCsv(batch, path, signsIn));

// ---- Sign in with Microsoft / Google ----

export const signInSettings = (): Promise<SignInSettings> => call(() => commands.signInSettings());
/** Where the Microsoft 365 setup script is pasted. */
export const CLOUD_SHELL_URL = 'https://shell.azure.com';
/** The Azure Cloud Shell script that registers Mailferry in the owner's tenant. */
export const microsoftSetupScript = (request: SetupScriptRequest): Promise<string> =>
  unwrap(() => commands.microsoftSetupScript(request));
/** Checks the app registration piece by piece (signing in on the way, except app-only). */
export const checkMicrosoftSetup = (request: SetupCheckRequest): Promise<SetupReport> =>
  unwrap(() => commands.checkMicrosoftSetup(request));
/**
 * Opens the system browser on the provider's sign-in page and resolves once the person
 * finished there; the refresh token goes to the keyring and never reaches the window.
 */
export const signIn = (request: SignInRequest): Promise<SignedIn> => unwrap(() => commands.signIn(request));
/**
 * Microsoft 365 app-only: the app registration signs in with its client secret or a
 * certificate (paths only: the backend reads the files and keeps the key in the keyring).
 */
export const signInApp = (tenant: string, clientId: string, credential: AppCredentialInput): Promise<SignedIn> =>
  unwrap(() => commands.signInApp(tenant, clientId, credential));
/** Sign in on another device: returns the code to show; then wait with `finishDeviceSignIn`. */
export const startDeviceSignIn = (request: SignInRequest): Promise<DeviceSignIn> =>
  unwrap(() => commands.startDeviceSignIn(request));
export const finishDeviceSignIn = (id: number): Promise<SignedIn> => unwrap(() => commands.finishDeviceSignIn(id));
/** A Google OAuth client's secret goes one way, into the keyring, like a password. */
export const storeClientSecret = async (clientId: string, secret: string): Promise<void> => {
  await unwrap(() => commands.storeClientSecret(clientId, secret));
};
export const listSignIns = (): Promise<SignInInfo[]> => unwrap(() => commands.listSignIns());
export const forgetSignIn = (name: string): Promise<boolean> => unwrap(() => commands.forgetSignIn(name));
/** The organisation's users (Microsoft Graph), read with an admin's sign-in. */
export const directoryUsers = (signInName: string): Promise<GraphUser[]> =>
  unwrap(() => commands.directoryUsers(signInName));

/** The sign-ins a mailbox of a batch relies on, to offer "Sign in again" next to its error. */
/** The sign-ins people can make for a batch's mailboxes, or for one of them. */
export const batchSignIns = (batch: string, email?: string): Promise<MailboxSignIn[]> =>
  unwrap(() => commands.batchSignIns(batch, email ?? null));

// ---- Batches ----

export const checkBatchName = async (name: string): Promise<void> => {
  await unwrap(() => commands.checkBatchName(name));
};
export const testConnection = (
  batch: string,
  side: EndpointSide,
  server: ServerSpec,
  emailAddress: string,
  userName: string,
  options: BatchOptions,
): Promise<ConnectionSummary> =>
  unwrap(() => commands.testConnection(batch, side, server, emailAddress, userName, options));
export const createBatch = (spec: CreateBatch): Promise<BatchSummary> => unwrap(() => commands.createBatch(spec));
export const listBatches = (): Promise<BatchSummary[]> => unwrap(() => commands.listBatches());
export const batchUsers = (name: string): Promise<BatchUser[]> => unwrap(() => commands.batchUsers(name));
export const batchSnapshot = (name: string): Promise<BatchUpdate | null> => call(() => commands.batchSnapshot(name));
export const startBatch = async (name: string): Promise<void> => {
  await unwrap(() => commands.startBatch(name));
};
export const stopBatch = async (name: string): Promise<void> => {
  await unwrap(() => commands.stopBatch(name));
};
export const retryFailed = async (name: string): Promise<void> => {
  await unwrap(() => commands.retryFailed(name));
};
/** Tries one failed mailbox again. */
export const retryUser = async (name: string, email: string): Promise<void> => {
  await unwrap(() => commands.retryUser(name, email));
};
export const completeBatch = async (name: string): Promise<void> => {
  await unwrap(() => commands.completeBatch(name));
};
/**
 * Where each of the batch's domains stands in DNS (MX, SPF, Autodiscover), and whether
 * completing the batch now could lose mail still delivered to the old provider. Takes up to
 * 30 seconds when a DNS server does not answer.
 */
export const batchDomains = (name: string): Promise<DomainSwitch> => unwrap(() => commands.batchDomains(name));
/** After Complete: which old mailboxes can be retired, and what the others still hold. */
export const batchRetirement = (name: string): Promise<Retirement> => unwrap(() => commands.batchRetirement(name));
export const deleteBatch = async (name: string): Promise<void> => {
  await unwrap(() => commands.deleteBatch(name));
};

// ---- Reports ----

export const userReport = (name: string, email: string): Promise<MigrationReport | null> =>
  unwrap(() => commands.userReport(name, email));

const REPORT_FILTERS: Record<ReportFormat, { name: string; extensions: string[] }> = {
  csv: { name: 'CSV (Excel)', extensions: ['csv'] },
  html: { name: 'Web page', extensions: ['html'] },
  json: { name: 'JSON', extensions: ['json'] },
};

/**
 * Asks where to save the report (native save dialog), then writes it there.
 * Returns the chosen path, or null when the owner cancelled the dialog.
 */
export async function downloadReport(name: string, format: ReportFormat): Promise<string | null> {
  const filter = REPORT_FILTERS[format];
  const safeName = name.replace(/[\\/:*?"<>|]+/g, '-');
  const path = await call(() =>
    saveDialog({
      title: 'Save the migration report',
      defaultPath: `${safeName} report.${filter.extensions[0]}`,
      filters: [filter],
    }),
  );
  if (!path) return null;
  await unwrap(() => commands.exportReport(name, format, path));
  return path;
}

/** Opens a report this app saved, or shows it in its folder (the file manager). */
export const openSavedReport = async (path: string, inFolder: boolean): Promise<void> => {
  await unwrap(() => commands.openSavedReport(path, inFolder));
};

// ---- Window ----

export const keepRunningInBackground = async (): Promise<void> => {
  await call(() => commands.keepRunningInBackground());
};
export const stopAllAndQuit = async (): Promise<void> => {
  await call(() => commands.stopAllAndQuit());
};

/**
 * While the wizard holds entries that would be lost, closing the window asks first: the
 * window's own close request is held back and `onAttempt` called instead. `release` gives
 * closing back to the app (which still asks about running migrations) once it resolves.
 */
export function holdWindowClose(onAttempt: () => void): { release: () => Promise<void> } {
  if (!insideApp()) return { release: async () => {} };
  let released = false;
  const listening = (async () =>
    getCurrentWindow().onCloseRequested((event) => {
      if (released) return;
      event.preventDefault();
      onAttempt();
    }))().catch(() => null);
  return {
    release: async () => {
      released = true;
      const unlisten = await listening;
      if (unlisten) safely(unlisten);
    },
  };
}

/** Closes the window the way its close button does. */
export const closeWindow = async (): Promise<void> => {
  await call(() => getCurrentWindow().close());
};

/** Native open dialog for Microsoft's migration CSV; null when cancelled. */
export async function chooseCsvFile(): Promise<string | null> {
  const picked = await call(() =>
    openDialog({
      title: 'Import users from a CSV file',
      multiple: false,
      directory: false,
      filters: [{ name: 'CSV file', extensions: ['csv', 'txt'] }],
    }),
  );
  return typeof picked === 'string' ? picked : null;
}

const CERTIFICATE_FILTERS = {
  certificate: { title: "Choose the app registration's certificate", filter: { name: 'Certificate (PEM)', extensions: ['pem', 'crt', 'cer'] } },
  key: { title: "Choose the certificate's private key", filter: { name: 'Private key (PEM)', extensions: ['key', 'pem'] } },
};

/** Native open dialog for a certificate or its private key; null when cancelled. */
export async function chooseCertificateFile(what: 'certificate' | 'key'): Promise<string | null> {
  const { title, filter } = CERTIFICATE_FILTERS[what];
  const picked = await call(() => openDialog({ title, multiple: false, directory: false, filters: [filter] }));
  return typeof picked === 'string' ? picked : null;
}

/** Native open dialog for the CA file of a server's certificate authority; null when cancelled. */
export async function chooseCaFile(): Promise<string | null> {
  const picked = await call(() =>
    openDialog({
      title: "Choose the certificate authority's file",
      multiple: false,
      directory: false,
      filters: [{ name: 'CA certificate (PEM)', extensions: ['pem', 'crt', 'cer'] }],
    }),
  );
  return typeof picked === 'string' ? picked : null;
}

/** Stores a trusted certificate or CA file with an existing batch. */
export const trustForBatch = async (name: string, choice: TrustChoice): Promise<void> => {
  await unwrap(() => commands.trustForBatch(name, choice));
};

/** The wizard's options with a trusted certificate or CA file added, checked by the engine. */
export const trustInOptions = (options: BatchOptions, choice: TrustChoice): Promise<BatchOptions> =>
  unwrap(() => commands.trustInOptions(options, choice));

/** Links go to the system browser: the app window must never become a browser. */
export async function openExternal(url: string): Promise<void> {
  if (!/^https:\/\//i.test(url)) throw new BackendError(toProblem(new Error(`Refusing to open ${url}`)));
  await call(() => openUrl(url));
}

// ---- Events ----

type Unsubscribe = () => void;

/**
 * Subscribes to an event and returns a synchronous unsubscribe, because React effects clean
 * up synchronously while Tauri's `listen` resolves later: an early cleanup must still unlisten.
 */
function subscribe<T>(listen: (cb: (event: { payload: T }) => void) => Promise<() => void>, cb: (payload: T) => void): Unsubscribe {
  if (!insideApp()) return () => {};
  let unlisten: (() => void) | null = null;
  let cancelled = false;
  listen((event) => {
    if (!cancelled) cb(event.payload);
  })
    .then((fn) => {
      if (cancelled) safely(fn);
      else unlisten = fn;
    })
    .catch(() => {
      // Without events the screens still work from the database; nothing to tell the user.
    });
  return () => {
    cancelled = true;
    if (unlisten) safely(unlisten);
  };
}

function safely(fn: () => void) {
  try {
    const result = fn() as unknown;
    if (result instanceof Promise) result.catch(() => {});
  } catch {
    // The IPC bridge is already gone (window closing): nothing left to unsubscribe from.
  }
}

/** Live progress of every running batch (at most ~10 updates a second per batch). */
export const onBatchProgress = (cb: (update: BatchUpdate) => void): Unsubscribe =>
  subscribe<BatchUpdate>((handler) => events.batchProgress.listen(handler), cb);

/** The owner closed the window while migrations run. */
export const onCloseRequested = (cb: (request: CloseRequested) => void): Unsubscribe =>
  subscribe<CloseRequested>(
    (handler) => events.closeRequested.listen(handler),
    (payload) => cb(payload),
  );
