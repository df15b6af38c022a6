// Everything the "Migrate your email" wizard knows, in one reducer. Passwords are not here:
// they go from a field straight into the keyring and the wizard only records that they did.
import type {
  AppError,
  BatchOptions,
  ConnectionSummary,
  CreateBatch,
  CsvRow,
  DemoSetup,
  Preset,
  ProviderKind,
  ServerSpec,
  SignedIn,
  SignInSettings,
} from '../backend';
import { DEFAULT_SIGN_IN_SETTINGS } from '../app/signInSettings';
import { todayIso } from '../format';
import {
  formSpec,
  isEmail,
  presetSpec,
  suggestedUserName,
  tileByKey,
  validateServer,
  type ServerForm,
} from '../servers';

export type StepId = 'sources' | 'service' | 'destination' | 'users' | 'options';

export const STEPS: { id: StepId; title: string }[] = [
  { id: 'sources', title: 'Email sources' },
  { id: 'service', title: 'Select your data service' },
  { id: 'destination', title: 'Destination' },
  { id: 'users', title: 'Select users' },
  { id: 'options', title: 'Options and start' },
];

export type TestState =
  | { state: 'idle' }
  | { state: 'testing' }
  | { state: 'ok'; summary: ConnectionSummary }
  | { state: 'error'; problem: AppError };

export const IDLE: TestState = { state: 'idle' };

export interface UserRow {
  id: number;
  selected: boolean;
  /** The destination mailbox; passwords are stored under it. */
  emailAddress: string;
  /** The sign-in name on the source. */
  userName: string;
  /** Once typed by hand, a user name is no longer re-suggested. */
  userNameEdited: boolean;
  userRoot: string | null;
  passwordStored: boolean;
  /** The source sign-in, when the source uses "Sign in with Microsoft/Google". */
  signedIn: SignedIn | null;
  test: TestState;
}

/** How each source mailbox proves who it is. */
export type SourceAuth = 'password' | ProviderKind;

export interface WizardOptions {
  excludes: string[];
  /** Megabytes as typed; empty means no limit. */
  maxMessageSizeMb: string;
  maxConcurrent: string;
  intervalHours: string;
  startNow: boolean;
  /** Stop Outlook sending read receipts again for mail already read (renames the header). */
  disarmReadReceipts: boolean;
}

export interface WizardState {
  step: StepId;
  batchName: string;
  sourceTile: string | null;
  otherServer: ServerForm;
  /** "Other email sources": one old mailbox to test the typed-in server with. */
  sourceTestMailbox: string;
  sourceTestPasswordStored: boolean;
  sourceTest: TestState;
  allowInsecure: boolean;
  sourceAuth: SourceAuth;
  /** The owner's app registrations (application / client IDs), per provider. */
  clientIds: Record<ProviderKind, string>;
  /** Google desktop clients have a secret too; stored in the keyring under the client ID. */
  googleSecretStored: boolean;
  destinationKind: 'microsoft365' | 'imap';
  /** Microsoft 365: the tenant signed in to (`organizations`, a domain or a tenant ID). */
  tenant: string;
  /** Microsoft 365: an admin signs in, or the app registration signs in by itself. */
  destinationAuth: 'admin' | 'app';
  /** Microsoft 365: the admin's (or the app's) sign-in that opens every destination mailbox. */
  destinationSignIn: SignedIn | null;
  /** Exchange Online's IMAP address (differs in sovereign clouds). */
  microsoftImapUrl: string;
  destinationServer: ServerForm;
  destinationAdmin: string;
  adminPasswordStored: boolean;
  destinationTestMailbox: string;
  destinationTest: TestState;
  users: UserRow[];
  nextUserId: number;
  options: WizardOptions;
  /** Certificates and a CA file the owner trusted after a test, kept with the batch's options. */
  trust: WizardTrust;
}

export type WizardTrust = Pick<BatchOptions, 'ca_file' | 'trusted_certificates'>;

export function defaultBatchName(existing: string[], now = new Date()): string {
  const base = `Migration ${todayIso(now)}`;
  const taken = new Set(existing.map((n) => n.toLowerCase()));
  if (!taken.has(base.toLowerCase())) return base;
  for (let i = 2; ; i += 1) {
    const candidate = `${base} (${i})`;
    if (!taken.has(candidate.toLowerCase())) return candidate;
  }
}

export function initialWizard(existingNames: string[] = [], settings: SignInSettings = DEFAULT_SIGN_IN_SETTINGS): WizardState {
  return {
    step: 'sources',
    batchName: defaultBatchName(existingNames),
    sourceTile: null,
    otherServer: { host: '', port: '993', security: 'tls' },
    sourceTestMailbox: '',
    sourceTestPasswordStored: false,
    sourceTest: IDLE,
    allowInsecure: false,
    sourceAuth: 'password',
    clientIds: { microsoft: settings.microsoft_client_id ?? '', google: settings.google_client_id ?? '' },
    googleSecretStored: false,
    // Mailferry is for moving into Microsoft 365; another IMAP server is the exception.
    destinationKind: 'microsoft365',
    tenant: 'organizations',
    destinationAuth: 'admin',
    destinationSignIn: null,
    microsoftImapUrl: settings.microsoft_imap_url,
    destinationServer: { host: '', port: '993', security: 'tls' },
    destinationAdmin: '',
    adminPasswordStored: false,
    destinationTestMailbox: '',
    destinationTest: IDLE,
    users: [],
    nextUserId: 1,
    options: { excludes: [], maxMessageSizeMb: '', maxConcurrent: '20', intervalHours: '24', startNow: true, disarmReadReceipts: false },
    trust: { ca_file: null, trusted_certificates: [] },
  };
}

/**
 * The wizard filled in for the demo's sample servers: their passwords are already stored (by
 * the backend, under the demo's batch name), so every page only needs Next.
 */
export function demoWizard(demo: DemoSetup, existingNames: string[] = []): WizardState {
  const start = initialWizard(existingNames);
  if (existingNames.some((name) => name.toLowerCase() === demo.batch_name.toLowerCase())) return start;
  return {
    ...start,
    batchName: demo.batch_name,
    sourceTile: 'other',
    otherServer: { host: demo.source.host, port: String(demo.source.port), security: 'tls' },
    destinationKind: 'imap',
    destinationServer: { host: demo.destination.host, port: String(demo.destination.port), security: 'tls' },
    destinationAdmin: demo.admin,
    adminPasswordStored: true,
    destinationTestMailbox: demo.users[0]?.email_address ?? '',
    users: demo.users.map((user, index) => ({
      id: index + 1,
      selected: true,
      emailAddress: user.email_address,
      userName: user.email_address,
      userNameEdited: false,
      userRoot: null,
      passwordStored: true,
      signedIn: null,
      test: IDLE,
    })),
    nextUserId: demo.users.length + 1,
  };
}

export type WizardAction =
  | { type: 'setBatchName'; name: string }
  | { type: 'goTo'; step: StepId }
  | { type: 'chooseTile'; key: string }
  | { type: 'setOtherServer'; patch: Partial<ServerForm> }
  | { type: 'setAllowInsecure'; value: boolean }
  | { type: 'setSourceTestMailbox'; mailbox: string }
  | { type: 'sourceTestPasswordStored'; stored: boolean }
  | { type: 'sourceTest'; test: TestState }
  | { type: 'setDestinationKind'; kind: WizardState['destinationKind'] }
  | { type: 'setDestinationServer'; patch: Partial<ServerForm> }
  | { type: 'setDestinationAdmin'; admin: string }
  | { type: 'adminPasswordStored'; stored: boolean }
  | { type: 'setDestinationTestMailbox'; email: string }
  | { type: 'destinationTest'; test: TestState }
  | { type: 'addUser' }
  | { type: 'updateUser'; id: number; patch: { emailAddress?: string; userName?: string } }
  | { type: 'passwordStored'; id: number; stored: boolean }
  | { type: 'userTest'; id: number; test: TestState }
  | { type: 'selectUser'; id: number; selected: boolean }
  | { type: 'selectAll'; selected: boolean }
  | { type: 'removeUser'; id: number }
  | { type: 'removeSelected' }
  | { type: 'restoreUsers'; rows: { row: UserRow; index: number }[] }
  | { type: 'importRows'; rows: CsvRow[] }
  | { type: 'setOptions'; patch: Partial<WizardOptions> }
  | { type: 'addExclude'; folder: string }
  | { type: 'removeExclude'; folder: string }
  | { type: 'setSourceAuth'; auth: SourceAuth }
  | { type: 'setClientId'; provider: ProviderKind; clientId: string }
  | { type: 'setTenant'; tenant: string }
  | { type: 'setDestinationAuth'; auth: WizardState['destinationAuth'] }
  | { type: 'googleSecretStored'; stored: boolean }
  | { type: 'destinationSignedIn'; signedIn: SignedIn | null }
  | { type: 'userSignedIn'; id: number; signedIn: SignedIn | null }
  | { type: 'addMailboxes'; emails: string[] }
  | { type: 'setTrust'; trust: WizardTrust };

function mapUser(state: WizardState, id: number, f: (u: UserRow) => UserRow): WizardState {
  return { ...state, users: state.users.map((u) => (u.id === id ? f(u) : u)) };
}

function tileDomain(state: WizardState): string | null {
  return tileByKey(state.sourceTile)?.domain ?? null;
}

export function wizardReducer(state: WizardState, action: WizardAction): WizardState {
  switch (action.type) {
    case 'setTrust':
      return { ...state, trust: action.trust };
    case 'setBatchName':
      // Passwords are stored under the batch name, so it cannot change once one is stored.
      return nameLocked(state) ? state : { ...state, batchName: action.name };
    case 'goTo':
      return { ...state, step: action.step };
    case 'chooseTile': {
      if (state.sourceTile === action.key) return state;
      const domain = tileByKey(action.key)?.domain ?? null;
      return {
        ...state,
        sourceTile: action.key,
        sourceAuth: defaultSourceAuth(action.key),
        users: state.users.map((u) => ({
          ...u,
          userName: u.userNameEdited ? u.userName : suggestedUserName(u.emailAddress, domain),
          test: IDLE,
        })),
      };
    }
    case 'setOtherServer':
      return { ...state, otherServer: { ...state.otherServer, ...action.patch }, sourceTest: IDLE };
    case 'setSourceTestMailbox':
      // The stored password belongs to the previous mailbox.
      return action.mailbox === state.sourceTestMailbox
        ? state
        : { ...state, sourceTestMailbox: action.mailbox, sourceTestPasswordStored: false, sourceTest: IDLE };
    case 'sourceTestPasswordStored':
      return { ...state, sourceTestPasswordStored: action.stored, sourceTest: IDLE };
    case 'sourceTest':
      return { ...state, sourceTest: action.test };
    case 'setAllowInsecure':
      return { ...state, allowInsecure: action.value };
    case 'setDestinationKind':
      return { ...state, destinationKind: action.kind, destinationTest: IDLE };
    case 'setDestinationServer':
      return { ...state, destinationServer: { ...state.destinationServer, ...action.patch }, destinationTest: IDLE };
    case 'setDestinationAdmin':
      // The stored password belongs to the previous admin account; ask for it again.
      return action.admin === state.destinationAdmin
        ? state
        : { ...state, destinationAdmin: action.admin, adminPasswordStored: false, destinationTest: IDLE };
    case 'adminPasswordStored':
      return { ...state, adminPasswordStored: action.stored, destinationTest: IDLE };
    case 'setDestinationTestMailbox':
      return { ...state, destinationTestMailbox: action.email, destinationTest: IDLE };
    case 'destinationTest':
      return { ...state, destinationTest: action.test };
    case 'addUser':
      return {
        ...state,
        nextUserId: state.nextUserId + 1,
        users: [...state.users, newRow(state.nextUserId)],
      };
    case 'updateUser':
      return mapUser(state, action.id, (u) => {
        const next = { ...u, test: IDLE };
        if (action.patch.emailAddress !== undefined && action.patch.emailAddress !== u.emailAddress) {
          next.emailAddress = action.patch.emailAddress;
          // The password was stored under the old address.
          next.passwordStored = false;
          if (!u.userNameEdited) next.userName = suggestedUserName(action.patch.emailAddress, tileDomain(state));
        }
        if (action.patch.userName !== undefined && action.patch.userName !== u.userName) {
          next.userName = action.patch.userName;
          next.userNameEdited = true;
        }
        return next;
      });
    case 'passwordStored':
      return mapUser(state, action.id, (u) => ({ ...u, passwordStored: action.stored, test: IDLE }));
    case 'userTest':
      return mapUser(state, action.id, (u) => ({ ...u, test: action.test }));
    case 'selectUser':
      return mapUser(state, action.id, (u) => ({ ...u, selected: action.selected }));
    case 'selectAll':
      return { ...state, users: state.users.map((u) => (u.selected === action.selected ? u : { ...u, selected: action.selected })) };
    case 'removeUser':
      return { ...state, users: state.users.filter((u) => u.id !== action.id) };
    case 'removeSelected':
      return { ...state, users: state.users.filter((u) => !u.selected) };
    case 'restoreUsers': {
      // Undo: each row goes back where it was (positions in ascending order).
      const users = state.users.filter((u) => !action.rows.some((r) => r.row.id === u.id));
      for (const { row, index } of [...action.rows].sort((a, b) => a.index - b.index)) {
        users.splice(Math.min(index, users.length), 0, row);
      }
      return { ...state, users };
    }
    case 'importRows':
      return importRows(state, action.rows);
    case 'setOptions':
      return { ...state, options: { ...state.options, ...action.patch } };
    case 'addExclude': {
      const folder = action.folder.trim();
      if (!folder || state.options.excludes.includes(folder)) return state;
      return { ...state, options: { ...state.options, excludes: [...state.options.excludes, folder] } };
    }
    case 'removeExclude':
      return { ...state, options: { ...state.options, excludes: state.options.excludes.filter((f) => f !== action.folder) } };
    case 'setSourceAuth':
      return action.auth === state.sourceAuth
        ? state
        : { ...state, sourceAuth: action.auth, users: state.users.map((u) => ({ ...u, signedIn: null, test: IDLE })) };
    case 'setClientId':
      return {
        ...state,
        clientIds: { ...state.clientIds, [action.provider]: action.clientId },
        // The secret was stored under the previous client ID.
        googleSecretStored: action.provider === 'google' ? false : state.googleSecretStored,
      };
    case 'googleSecretStored':
      return { ...state, googleSecretStored: action.stored };
    case 'setTenant':
      return action.tenant === state.tenant ? state : { ...state, tenant: action.tenant, destinationSignIn: null, destinationTest: IDLE };
    case 'setDestinationAuth':
      return action.auth === state.destinationAuth
        ? state
        : { ...state, destinationAuth: action.auth, destinationSignIn: null, destinationTest: IDLE };
    case 'destinationSignedIn':
      return { ...state, destinationSignIn: action.signedIn, destinationTest: IDLE };
    case 'addMailboxes': {
      let nextUserId = state.nextUserId;
      const users = [...state.users];
      for (const email of action.emails) {
        if (users.some((u) => sameAddress(u.emailAddress, email))) continue;
        users.push({ ...newRow(nextUserId++), emailAddress: email, userName: suggestedUserName(email, tileDomain(state)) });
      }
      return { ...state, users: users.filter((u) => u.emailAddress.trim() !== '' || u.passwordStored), nextUserId };
    }
    case 'userSignedIn':
      return mapUser(state, action.id, (u) => ({
        ...u,
        signedIn: action.signedIn,
        // The source signs in as whoever signed in, whatever was typed before.
        userName: action.signedIn ? action.signedIn.account : u.userName,
        userNameEdited: action.signedIn ? true : u.userNameEdited,
        test: IDLE,
      }));
  }
}

/** Outlook.com and Hotmail accept only "Sign in with Microsoft" since September 2024. */
function defaultSourceAuth(tileKey: string): SourceAuth {
  return tileKey === 'outlook' || tileKey === 'hotmail' ? 'microsoft' : 'password';
}

/** The tenant a source mailbox signs in to: personal accounts for Outlook.com and Hotmail. */
export function sourceTenant(state: WizardState): string {
  return state.sourceTile === 'outlook' || state.sourceTile === 'hotmail' ? 'consumers' : 'common';
}

/** Whether the row's source mailbox can be opened: its password stored, or it signed in. */
export function credentialReady(row: UserRow, auth: SourceAuth): boolean {
  return auth === 'password' ? row.passwordStored : row.signedIn !== null;
}

function newRow(id: number): UserRow {
  return {
    id,
    selected: true,
    emailAddress: '',
    userName: '',
    userNameEdited: false,
    userRoot: null,
    passwordStored: false,
    signedIn: null,
    test: IDLE,
  };
}

/** CSV rows replace table rows with the same mailbox (their passwords were just stored). */
function importRows(state: WizardState, rows: CsvRow[]): WizardState {
  let nextUserId = state.nextUserId;
  const users = [...state.users];
  for (const row of rows) {
    const imported = {
      emailAddress: row.email_address,
      userName: row.user_name,
      userNameEdited: true,
      userRoot: row.user_root,
      // Mailboxes that sign in came without passwords; the others' are in the keyring now.
      passwordStored: state.sourceAuth === 'password',
      selected: true,
      test: IDLE,
    };
    const at = users.findIndex((u) => sameAddress(u.emailAddress, row.email_address));
    if (at >= 0) users[at] = { ...users[at], ...imported };
    else users.push({ id: nextUserId++, signedIn: null, ...imported });
  }
  // An empty row left from "Add user" is noise once a file filled the table.
  const filled = users.filter((u) => u.emailAddress.trim() !== '');
  return { ...state, users: filled, nextUserId };
}

export function sameAddress(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

// ---- Selectors ----

export function batchNameOf(state: WizardState): string {
  return state.batchName.trim();
}

export function nameLocked(state: WizardState): boolean {
  return state.adminPasswordStored || state.sourceTestPasswordStored || state.users.some((u) => u.passwordStored);
}

/** The mailboxes whose passwords were stored under this batch while it was being prepared. */
export function draftMailboxes(state: WizardState): string[] {
  const emails = state.users.map((u) => u.emailAddress.trim()).filter((email) => email !== '');
  const test = state.sourceTestMailbox.trim();
  if (state.sourceTestPasswordStored && test && !emails.some((e) => sameAddress(e, test))) emails.push(test);
  return emails;
}

export function sourcePreset(state: WizardState, presets: Preset[]): Preset | undefined {
  const tile = tileByKey(state.sourceTile);
  return tile ? presets.find((p) => p.id === tile.presetId) : undefined;
}

export function sourceSpec(state: WizardState, presets: Preset[]): ServerSpec | null {
  const preset = sourcePreset(state, presets);
  if (!preset) return null;
  if (preset.id === 'other' || !preset.host) {
    if (Object.keys(validateServer(state.otherServer)).length > 0) return null;
    return formSpec(state.otherServer);
  }
  return presetSpec(preset);
}

export function destinationSpec(state: WizardState, presets: Preset[]): ServerSpec | null {
  if (state.destinationKind === 'microsoft365') {
    const m365 = presets.find((p) => p.id === 'microsoft365');
    return m365 ? { preset: m365.id, url: state.microsoftImapUrl } : null;
  }
  if (Object.keys(validateServer(state.destinationServer)).length > 0) return null;
  return formSpec(state.destinationServer);
}

const MB = 1024 * 1024;

export function batchOptions(state: WizardState): BatchOptions {
  const o = state.options;
  const maxMb = Number(o.maxMessageSizeMb);
  const concurrent = clampInt(o.maxConcurrent, 1, 100, 20);
  return {
    excludes: o.excludes,
    max_message_size: o.maxMessageSizeMb.trim() && maxMb > 0 ? Math.round(maxMb * MB) : null,
    max_concurrent_migrations: concurrent,
    // Microsoft's default is 10 incremental passes at once, never more than the initial copies.
    max_concurrent_incremental: Math.min(10, concurrent),
    incremental_interval_secs: clampInt(o.intervalHours, 1, 24 * 7, 24) * 3600,
    disarm_read_receipts: o.disarmReadReceipts,
    connections_per_mailbox: 4,
    destination_admin: state.destinationKind === 'imap' && state.destinationAdmin.trim() ? state.destinationAdmin.trim() : null,
    destination_sign_in: state.destinationKind === 'microsoft365' ? (state.destinationSignIn?.name ?? null) : null,
    // Each source mailbox signs in as itself: `microsoft:*` is "the row's own sign-in".
    source_sign_in: state.sourceAuth === 'password' ? null : `${state.sourceAuth}:*`,
    ca_file: state.trust.ca_file,
    pin_cert: null,
    trusted_certificates: state.trust.trusted_certificates,
    allow_insecure_auth: state.allowInsecure,
    timeout_secs: 60,
    retry_wait_secs: 30,
  };
}

function clampInt(text: string, min: number, max: number, fallback: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || text.trim() === '') return fallback;
  return Math.min(max, Math.max(min, Math.round(n)));
}

export function selectedUsers(state: WizardState): UserRow[] {
  return state.users.filter((u) => u.selected);
}

/** The entry in a user row that a problem is about, so the words stand beside it. */
export type RowField = 'mailbox' | 'source' | 'password';

/** What still keeps a selected row from migrating: the words and the entry they are about. */
export function rowProblemAt(
  row: UserRow,
  all: UserRow[],
  auth: SourceAuth = 'password',
): { field: RowField; text: string } | null {
  if (!isEmail(row.emailAddress)) return { field: 'mailbox', text: 'Enter the destination mailbox address.' };
  if (all.some((u) => u.id !== row.id && sameAddress(u.emailAddress, row.emailAddress)))
    return { field: 'mailbox', text: 'This mailbox is listed twice.' };
  if (!row.userName.trim()) return { field: 'source', text: 'Enter the source email or user name.' };
  if (auth !== 'password') return row.signedIn ? null : { field: 'password', text: 'Sign in to this mailbox.' };
  if (!row.passwordStored) return { field: 'password', text: 'Enter the password.' };
  return null;
}

/** What still keeps a selected row from migrating, in words; null when it is ready. */
export function rowProblem(row: UserRow, all: UserRow[], auth: SourceAuth = 'password'): string | null {
  return rowProblemAt(row, all, auth)?.text ?? null;
}

export function createSpec(state: WizardState, presets: Preset[]): CreateBatch | null {
  const source = sourceSpec(state, presets);
  const destination = destinationSpec(state, presets);
  if (!source || !destination) return null;
  return {
    name: batchNameOf(state),
    source,
    destination,
    options: batchOptions(state),
    users: selectedUsers(state).map((u) => ({
      email_address: u.emailAddress.trim(),
      user_name: u.userName.trim(),
      user_root: u.userRoot,
    })),
  };
}
