// Finding things in the real app window the way a person (or a screen reader) does: by role and
// visible name, never by CSS class names that Fluent UI generates. WebKitWebDriver has no
// accessibility-tree queries, so the name is worked out in the page from the same attributes a
// screen reader uses (aria-label, aria-labelledby, <label for>, then the text).
import fs from 'node:fs';
import path from 'node:path';
import { remote } from 'webdriverio';

let browser: WebdriverIO.Browser;

/** Set by scripts/e2e.sh; missing means the tests were started some other way. */
export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the end-to-end tests with scripts/e2e.sh`);
  return value;
}

/** What examples/sample_servers wrote about the servers it started. */
export interface Servers {
  source: { host: string; port: number };
  destination: { host: string; port: number; admin: string; admin_password: string };
  users: { email: string; password: string; messages: number }[];
  oauth: { client_id: string };
  /** With `--exchange`: the Exchange-like destination and what each seeded message must become. */
  exchange?: {
    destination: Servers['destination'];
    user: { email: string; name: string; password: string };
    folder: string;
    messages: { message_id: string; subject: string; flags: string[]; expect: 'copied' | 'reencoded' | 'skipped' }[];
  };
  /** With `--self-signed`: a source whose certificate is self-signed, and its one mailbox. */
  self_signed?: {
    host: string;
    port: number;
    fingerprint_sha256: string;
    user: { email: string; password: string; messages: number };
  };
}

export function sampleServers(): Servers {
  return JSON.parse(fs.readFileSync(required('MAILFERRY_E2E_SERVERS'), 'utf8'));
}

/**
 * Starts the built app through tauri-driver; every helper below then works in its window.
 * `application` is another program to start instead (a wrapper that changes the app's
 * environment, say).
 */
export async function openApp(
  application = required('MAILFERRY_E2E_APP'),
  { wizardSize = false } = {},
): Promise<WebdriverIO.Browser> {
  browser = await remote({
    hostname: '127.0.0.1',
    port: Number(process.env.MAILFERRY_E2E_DRIVER_PORT ?? 4444),
    logLevel: 'warn',
    capabilities: {
      browserName: 'wry',
      // tauri-driver speaks classic WebDriver only; WebdriverIO 9 would otherwise ask for BiDi.
      'wdio:enforceWebDriverClassic': true,
      'tauri:options': { application },
    } as WebdriverIO.Capabilities,
  });
  await expectStyled();
  if (wizardSize) {
    // Large enough for every wizard page at once. Not every WebDriver lets a page resize its
    // window; the default size works too.
    await browser.setWindowSize(1280, 860).catch(() => {});
  }
  return browser;
}

/**
 * The app's own styles are applied: its header is painted in the brand colour. A page the
 * app's CSP keeps unstyled still works through WebDriver, so every spec checks this first.
 */
async function expectStyled() {
  let seen = '';
  await browser.waitUntil(
    async () => {
      seen = await browser.execute(() => {
        const header = document.querySelector('header');
        return header ? getComputedStyle(header).backgroundColor : 'no header yet';
      });
      return seen !== 'no header yet';
    },
    { timeout: 30_000, interval: 150, timeoutMsg: 'the app never showed its header' },
  );
  // Fluent UI's colorBrandBackground in the light and the dark theme.
  if (!['rgb(15, 108, 189)', 'rgb(17, 94, 163)'].includes(seen)) {
    throw new Error(`the app's styles are not applied: its header's background is ${seen}`);
  }
}

/** Home → Get started → the batch named on Email sources → Select your data service. */
export async function startWizard(batchName: string) {
  await click('button', 'Get started', 30_000);
  await find('heading', 'Email sources');
  await type('/^Migration batch name/', batchName);
  await click('button', 'Next');
  await find('heading', 'Select your data service');
}

/** On Select your data service: Other email sources, with the source server filled in. */
export async function chooseOtherSource(server: { host: string; port: number }) {
  await click('radio', '/^Other email sources/');
  await type('Source IMAP server', server.host);
  await type('Source port', String(server.port));
}

/** On Destination: the sample destination server and its admin, the password stored. */
export async function fillImapDestination(servers: Servers) {
  await find('heading', 'Destination');
  // A new migration goes to Microsoft 365 unless another server is chosen.
  await click('radio', '/^Another IMAP server/');
  await type('Destination IMAP server', servers.destination.host);
  await type('Destination port', String(servers.destination.port));
  await type('Admin account', servers.destination.admin);
  await type('Admin password', servers.destination.admin_password);
  await browser.keys(['Enter']);
  await waitForText('Admin password stored');
}

/** Rows of the status table showing one of `emails` with `status` (Synced, Completed…). */
export async function rowsWithStatus(emails: string[], status: string): Promise<number> {
  return browser.execute(
    (wanted: string[], badge: string) =>
      Array.from(document.querySelectorAll('tr')).filter((row) => {
        const text = row.innerText;
        return wanted.some((email) => text.includes(email)) && new RegExp(`\\b${badge}\\b`).test(text);
      }).length,
    emails,
    status,
  );
}

/** Waits until every one of `emails` shows `status` on the status page. */
export async function waitForStatus(emails: string[], status: string, timeout = 180_000) {
  await browser.waitUntil(async () => (await rowsWithStatus(emails, status)) === emails.length, {
    timeout,
    interval: 500,
    timeoutMsg: `${emails.join(' and ')} never all reached ${status}`,
  });
}

/** Waits until every one of `emails` is Synced on the status page. */
export async function waitForSynced(emails: string[], timeout = 180_000) {
  await waitForStatus(emails, 'Synced', timeout);
}

export type Role = 'button' | 'dialogButton' | 'textbox' | 'radio' | 'checkbox' | 'heading' | 'tab' | 'row' | 'region' | 'link';

const SELECTORS: Record<Role, string> = {
  button: 'button, [role="button"]',
  // A dialog's own buttons, which may share a name with the button that opened it.
  dialogButton: '[role="dialog"] button, [role="alertdialog"] button',
  textbox: 'input:not([type="checkbox"]):not([type="radio"]), textarea',
  radio: '[role="radio"], input[type="radio"]',
  checkbox: 'input[type="checkbox"], [role="checkbox"]',
  heading: 'h1, h2, h3, [role="heading"]',
  tab: '[role="tab"]',
  row: 'tr, [role="row"]',
  region: '[role="region"], section',
  link: 'a[href]',
};

let marker = 0;

/**
 * Marks the first visible element of `role` whose accessible name matches, and returns a CSS
 * selector for it, or null. `name` is exact (whitespace-normalised, a trailing required-field
 * asterisk ignored) or a regular expression source wrapped in slashes: "/^Destination/".
 */
async function mark(role: Role, name: string): Promise<string | null> {
  marker += 1;
  const id = `e2e-${marker}`;
  const found = await browser.execute(
    (selector: string, wanted: string, markId: string) => {
      const normal = (text: string | null | undefined) =>
        (text ?? '').replace(/\s+/g, ' ').trim().replace(/\s*\*$/, '');
      const nameOf = (el: Element): string => {
        const aria = el.getAttribute('aria-label');
        if (aria) return normal(aria);
        const by = el.getAttribute('aria-labelledby');
        if (by) {
          return normal(
            by
              .split(/\s+/)
              .map((ref) => document.getElementById(ref)?.textContent ?? '')
              .join(' '),
          );
        }
        if (el.id) {
          const label = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
          if (label) return normal(label.textContent);
        }
        const wrapping = el.closest('label');
        if (wrapping) return normal(wrapping.textContent);
        return normal(el.textContent);
      };
      const matches = (text: string) => {
        if (wanted.length > 2 && wanted.startsWith('/') && wanted.endsWith('/')) {
          return new RegExp(wanted.slice(1, -1)).test(text);
        }
        return text === wanted;
      };
      const visible = (el: Element) => {
        const box = el.getBoundingClientRect();
        return box.width > 0 || box.height > 0 || (el as HTMLInputElement).type === 'radio';
      };
      for (const el of Array.from(document.querySelectorAll(selector))) {
        if (visible(el) && matches(nameOf(el))) {
          el.setAttribute('data-e2e', markId);
          return true;
        }
      }
      return false;
    },
    SELECTORS[role],
    name,
    id,
  );
  return found ? `[data-e2e="${id}"]` : null;
}

/** Waits for the element and returns it; fails naming what it looked for. */
export async function find(role: Role, name: string, timeout = 15_000) {
  let selector: string | null = null;
  await browser.waitUntil(async () => (selector = await mark(role, name)) !== null, {
    timeout,
    interval: 150,
    timeoutMsg: `no ${role} named ${JSON.stringify(name)} appeared within ${timeout / 1000} s`,
  });
  return browser.$(selector as unknown as string);
}

export async function click(role: Role, name: string, timeout?: number) {
  const element = await find(role, name, timeout);
  await element.scrollIntoView({ block: 'center' });
  await element.click();
}

/**
 * Clicks a button whose action takes the window away (minimises or hides it). The click runs
 * in the page just after this returns: WebKitWebDriver's own click waits for the window to
 * settle, and a window that went to the task bar never does, so the request would hang.
 */
export async function clickThenLeave(role: Role, name: string, timeout?: number) {
  const element = await find(role, name, timeout);
  await element.scrollIntoView({ block: 'center' });
  await browser.execute((el: HTMLElement) => {
    setTimeout(() => el.click(), 0);
  }, element as unknown as HTMLElement);
}

/** Replaces a field's text by typing, as a person would (React sees every key). */
export async function type(name: string, text: string) {
  const field = await find('textbox', name);
  await field.scrollIntoView({ block: 'center' });
  await field.click();
  await browser.keys(['Control', 'a']);
  await browser.keys(['Backspace']);
  await field.addValue(text);
}

/** Waits until the page shows `text` somewhere. */
export async function waitForText(text: string | RegExp, timeout = 15_000) {
  await browser.waitUntil(
    async () => {
      const body = await browser.execute(() => document.body.innerText);
      return typeof text === 'string' ? body.includes(text) : text.test(body);
    },
    { timeout, interval: 200, timeoutMsg: `the window never showed ${String(text)}` },
  );
}

export async function pageText(): Promise<string> {
  return browser.execute(() => document.body.innerText);
}

/** Saves the whole window as `NN-name.png` in the artifacts folder. */
export async function screenshot(name: string) {
  const dir = process.env.MAILFERRY_E2E_ARTIFACTS ?? 'target/e2e';
  fs.mkdirSync(dir, { recursive: true });
  // Let transitions and fonts settle: the pictures are for people to look at.
  await browser.pause(400);
  await browser.saveScreenshot(path.join(dir, `${name}.png`));
}
