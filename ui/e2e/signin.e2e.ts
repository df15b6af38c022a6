// "Sign in with Microsoft" in the real app: each old mailbox signs in through the system
// browser (here the session's default browser, ui/e2e/browser.sh, following the identity-provider
// stand-in's pages back to the app), the source server checks every token with that stand-in,
// and the mailboxes are copied. No password of theirs is ever typed.
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
  startWizard,
  type,
  waitForSynced,
  waitForText,
} from './page';

const servers = sampleServers();
const BATCH = 'Signed-in mailboxes';
// The first two mailboxes are the password wizard's; these two sign in.
const people = servers.users.slice(2, 4);

let session: WebdriverIO.Browser;

beforeAll(async () => {
  expect(people).toHaveLength(2);
  session = await openApp();
});

afterAll(async () => {
  await session?.deleteSession();
});

describe('old mailboxes that sign in with Microsoft, in the app', () => {
  it('chooses sign-ins for the source server', async () => {
    await startWizard(BATCH);
    await chooseOtherSource(servers.source);
    await click('radio', 'Each mailbox signs in with Microsoft');
    // The app registration configured for this computer (MAILFERRY_MS_CLIENT_ID) is filled in.
    const clientId = await find('textbox', 'Application (client) ID');
    expect(await clientId.getValue()).toBe(servers.oauth.client_id);
    await screenshot('21-source-sign-in');
    await click('button', 'Next');
  });

  it('uses the destination admin as before', async () => {
    await fillImapDestination(servers);
    await click('button', 'Next');
  });

  it('signs each old mailbox in, through the browser or on another device', async () => {
    await find('heading', 'Select users to start migrating email messages');
    const [first, second] = people;
    for (const [index, person] of people.entries()) {
      await click('button', 'Add user');
      await type(`Destination mailbox, row ${index + 1}`, person.email);
      await session.keys(['Tab']);
    }
    // The first through this computer's browser…
    await click('button', `Sign in with Microsoft for ${first.email}`);
    await waitForText(`Signed in as ${first.email}`, 30_000);
    // …the second on "another device": the window shows a code, the person enters it at the
    // provider's page (here an HTTP request to the stand-in's page, as a phone's browser makes).
    await click('button', `Sign in on another device for ${second.email}`);
    await waitForText(/enter the code \S+/, 30_000);
    const shown = (await pageText()).match(/open (\S+) and enter the code (\S+?)\.?\s/);
    expect(shown, 'the window shows the address and the code').not.toBeNull();
    const [, page, code] = shown as RegExpMatchArray;
    await screenshot('22-device-code');
    const entered = await fetch(`${page}?code=${encodeURIComponent(code)}&login_hint=${encodeURIComponent(second.email)}`);
    expect(entered.status).toBe(200);
    await waitForText(`Signed in as ${second.email}`, 60_000);
    await click('button', `Test connection for ${people[0].email}`);
    await waitForText(/\d+ messages/, 30_000);
    await screenshot('23-users-signed-in');
    const html = await session.getPageSource();
    for (const person of people) expect(html).not.toContain(person.password);
    await click('button', 'Next');
    await find('heading', 'Migration options');
    await click('button', 'Start migration');
  });

  it('copies both mailboxes with their sign-ins', async () => {
    await find('heading', 'Email migration status', 30_000);
    await waitForSynced(people.map((p) => p.email));
    await screenshot('24-signed-in-synced');
  });
});
