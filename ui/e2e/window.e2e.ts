// Closing the window while a batch runs, and opening Mailferry again, in the real app under a
// real window manager (Openbox, started here on the virtual display) with no tray: the virtual
// display has no StatusNotifier host, as standard GNOME has none. The window must ask, go to
// the task bar rather than vanish, keep the batch running, and come back when the app is
// launched a second time, which hands over and ends.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chooseOtherSource,
  click,
  clickThenLeave,
  fillImapDestination,
  find,
  openApp,
  required,
  rowsWithStatus,
  sampleServers,
  screenshot,
  startWizard,
  type,
  waitForStatus,
  waitForSynced,
  waitForText,
} from './page';

const servers = sampleServers();
const BATCH = 'Kept running while closed';
// The fifth sample user: no other spec migrates this mailbox.
const eva = servers.users[4];

let session: WebdriverIO.Browser;
let windowManager: ChildProcess | undefined;

beforeAll(async () => {
  if (!eva) throw new Error('the sample servers were started with fewer than 5 users');
  // Started before the app, so the app's window is managed from the start.
  windowManager = spawn('openbox', [], { stdio: 'ignore' });
  await until(() => {
    try {
      return /_NET_SUPPORTING_WM_CHECK\(WINDOW\)/.test(execFileSync('xprop', ['-root', '_NET_SUPPORTING_WM_CHECK'], { encoding: 'utf8' }));
    } catch {
      return false;
    }
  }, 'the window manager never started');
  session = await openApp();
});

afterAll(async () => {
  await session?.deleteSession();
  windowManager?.kill();
});

describe('closing the window while a batch runs, with no tray, in the app', () => {
  let windowId = '';

  it('runs a batch until its mailbox is Synced', async () => {
    await startWizard(BATCH);
    await chooseOtherSource(servers.source);
    await click('button', 'Next');
    await fillImapDestination(servers);
    await click('button', 'Next');
    await find('heading', 'Select users to start migrating email messages');
    await click('button', 'Add user');
    await type('Destination mailbox, row 1', eva.email);
    await session.keys(['Tab']);
    await type(`Password for ${eva.email}`, eva.password);
    await session.keys(['Enter']);
    await waitForText('Password stored');
    await click('button', 'Next');
    await find('heading', 'Migration options');
    await click('button', 'Start migration');
    await find('heading', 'Email migration status', 30_000);
    await waitForSynced([eva.email]);
    windowId = mailferryWindow();
    expect(windowState(windowId)).toBe('Normal');
  });

  it('asks what to do when the window manager closes the window', async () => {
    // What the close button in the title bar does: the window manager asks the window to close.
    execFileSync('wmctrl', ['-i', '-c', windowId]);
    await find('heading', 'Migrations are keeping mail in step');
    // Synced, so not "still copying"; and no tray, so the window cannot hide.
    await waitForText(`"${BATCH}" is up to date and checks the old server for new mail from time to time.`);
    await waitForText('The window goes to the task bar; opening Mailferry again also brings it back.');
    await find('dialogButton', 'Stop them and quit');
    await screenshot('51-close-requested');
    await clickThenLeave('dialogButton', 'Keep running, minimised');
  });

  it('goes to the task bar with the batch still running', async () => {
    await until(() => windowState(windowId) === 'Iconic', 'the window was never minimised');
    // Still the same window of the same process, its batch not stopped.
    expect(mailferryWindow()).toBe(windowId);
    expect(await rowsWithStatus([eva.email], 'Synced')).toBe(1);
    expect(await rowsWithStatus([eva.email], 'Stopped')).toBe(0);
  });

  it('a second launch hands over to the running app, which shows its window again', async () => {
    const second = spawn(required('MAILFERRY_E2E_APP'), [], { stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the second launch kept running beside the first')), 60_000);
      second.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(code).toBe(0);
    await until(() => windowState(windowId) === 'Normal', 'the running window was not shown again');
    // Only the first app's window: the second opened none.
    expect(mailferryWindows()).toEqual([windowId]);
    await find('heading', 'Email migration status');
    expect(await rowsWithStatus([eva.email], 'Synced')).toBe(1);
    await screenshot('52-shown-again');
  });

  it('closes the batch, so nothing runs on when the app ends', async () => {
    await click('button', 'Close connection');
    await find('heading', 'Mail could still be lost', 60_000);
    await click('dialogButton', 'Complete anyway');
    await waitForText('The connection is closed.', 120_000);
    await waitForStatus([eva.email], 'Completed', 30_000);
  });
});

/** Mailferry's top-level windows, as the window manager lists them. */
function mailferryWindows(): string[] {
  return execFileSync('wmctrl', ['-l'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => / Mailferry\b/.test(line))
    .map((line) => normalId(line.split(/\s+/)[0]));
}

function mailferryWindow(): string {
  const windows = mailferryWindows();
  if (windows.length !== 1) throw new Error(`expected one Mailferry window, the window manager lists ${windows.length}`);
  return windows[0];
}

/** 0x0140000a and 0x140000a name the same window. */
function normalId(id: string): string {
  return `0x${parseInt(id, 16).toString(16)}`;
}

/** The ICCCM state the window manager gives the window: Normal, Iconic (minimised) or Withdrawn. */
function windowState(id: string): string {
  const out = execFileSync('xprop', ['-id', id, 'WM_STATE'], { encoding: 'utf8' });
  return /window state: (\w+)/.exec(out)?.[1] ?? 'none';
}

async function until(condition: () => boolean, message: string, timeout = 30_000) {
  const end = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > end) throw new Error(message);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
