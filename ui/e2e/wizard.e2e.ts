// The whole "Migrate your email" wizard in the real, built app: real WebKitGTK window (through
// tauri-driver), real Rust backend, real OS keyring, real Dovecot servers. scripts/e2e.sh sets
// the stage and afterwards compares the destination mailboxes with the source message by
// message; this file is what the owner does with the mouse and keyboard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chooseOtherSource,
  click,
  fillImapDestination,
  find,
  openApp,
  pageText,
  sampleServers,
  screenshot,
  type,
  waitForStatus,
  waitForSynced,
  waitForText,
} from './page';

const servers = sampleServers();
const BATCH = 'Contoso to new server';
const [anna, ben] = servers.users;

let session: WebdriverIO.Browser;

beforeAll(async () => {
  session = await openApp(undefined, { wizardSize: true });
});

afterAll(async () => {
  await session?.deleteSession();
});

describe('migrating two mailboxes from another IMAP server, in the app', () => {
  it('opens on the migrations home page', async () => {
    await find('heading', 'Migrations', 30_000);
    await find('button', 'Get started');
    await screenshot('01-home');
  });

  it('names the batch on Email sources', async () => {
    await click('button', 'Get started');
    await find('heading', 'Email sources');
    await type('/^Migration batch name/', BATCH);
    await screenshot('02-email-sources');
    await click('button', 'Next');
  });

  it('connects to the source server under Other email sources', async () => {
    await find('heading', 'Select your data service');
    await screenshot('03-data-service');
    await chooseOtherSource(servers.source);
    await screenshot('04-other-server');
    await click('button', 'Next');
  });

  it('sets up the destination with its admin and tests it', async () => {
    await fillImapDestination(servers);
    await type('Destination mailbox to test', anna.email);
    await click('button', 'Test connection');
    await waitForText(/Connected|folders/, 30_000);
    expect(await pageText()).not.toMatch(/could not|refused|failed/i);
    await screenshot('05-destination');
    await click('button', 'Next');
  });

  it('adds two users, stores their passwords in the keyring and tests one', async () => {
    await find('heading', 'Select users to start migrating email messages');
    for (const [index, user] of [anna, ben].entries()) {
      await click('button', 'Add user');
      await type(`Destination mailbox, row ${index + 1}`, user.email);
      await session.keys(['Tab']);
      // The source sign-in name is suggested from the destination address.
      const userName = await find('textbox', `Source email or user name, ${user.email}`);
      expect(await userName.getValue()).toBe(user.email);
      await type(`Password for ${user.email}`, user.password);
      await session.keys(['Enter']);
    }
    await waitForStoredPasswords(2);
    await click('button', `Test connection for ${anna.email}`);
    await waitForText(/\d+ messages/, 30_000);
    await screenshot('06-select-users');
    // Nothing typed as a password is left in the page once it went to the keyring.
    const html = await session.getPageSource();
    for (const user of [anna, ben]) expect(html).not.toContain(user.password);
    expect(html).not.toContain(servers.destination.admin_password);
    await click('button', 'Next');
  });

  it('starts the migration from Options', async () => {
    await find('heading', 'Migration options');
    await screenshot('07-options');
    await click('button', 'Start migration');
  });

  it('shows every mailbox syncing live until both are Synced', async () => {
    await find('heading', 'Email migration status', 30_000);
    await waitForText(BATCH);
    await screenshot('08-status-started');
    await waitForSynced([anna.email, ben.email]);
    await screenshot('09-status-synced');
    await click('button', `Details for ${anna.email}`);
    await find('region', `Details for ${anna.email}`);
    await waitForText('Clients/Fabrikam');
    await screenshot('10-status-details');
  });

  it('closes the connection: a last sync of both mailboxes, then both Completed', async () => {
    await click('button', 'Close connection');
    // The sample domains are not switched to Microsoft 365 (and the DNS server the test
    // names refuses every question), so the window warns that mail could still be lost.
    await find('heading', 'Mail could still be lost', 60_000);
    await click('dialogButton', 'Complete anyway');
    await waitForText('The connection is closed.', 120_000);
    await waitForStatus([anna.email, ben.email], 'Completed', 30_000);
    await screenshot('11-status-completed');
  });

  it('keeps the batch in the history', async () => {
    await click('button', 'Reports and history');
    await find('heading', 'Reports and history');
    await waitForText(BATCH);
    await screenshot('12-history');
  });
});

/** Waits until `count` rows say their password is stored. */
async function waitForStoredPasswords(count: number) {
  await session.waitUntil(
    async () =>
      (await session.execute(
        () => Array.from(document.querySelectorAll('[role="status"]')).filter((el) => /Password stored/.test(el.textContent ?? '')).length,
      )) >= count,
    { timeout: 15_000, timeoutMsg: `fewer than ${count} passwords were stored` },
  );
}
