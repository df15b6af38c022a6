// Microsoft 365 as the destination in the real app: the admin signs in through the system
// browser (the identity-provider stand-in) and the organisation's mailboxes are listed from
// Microsoft Graph, page after page, into the users table.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { click, find, openApp, sampleServers, screenshot, startWizard, waitForText } from './page';

const servers = sampleServers();
// examples/sample_servers.rs: the stand-in's directory and the account its browser is signed in as.
const DIRECTORY_SIZE = 150;
const admin = servers.users[0].email;

let session: WebdriverIO.Browser;

beforeAll(async () => {
  session = await openApp();
});

afterAll(async () => {
  await session?.deleteSession();
});

describe('Microsoft 365 destination, in the app', () => {
  it('signs the admin in with Microsoft', async () => {
    await startWizard('Into Microsoft 365');
    await click('radio', '/^Gmail/');
    await click('button', 'Next');
    await find('heading', 'Destination');
    await click('radio', '/^Microsoft 365/');
    await click('button', 'Sign in with Microsoft');
    await waitForText(`Signed in as ${admin}`, 30_000);
    await screenshot('31-m365-destination');
    await click('button', 'Next');
  });

  it('loads the organisation\'s mailboxes from Microsoft Graph', async () => {
    await find('heading', 'Select users to start migrating email messages');
    await click('button', 'Load users from Microsoft 365');
    await waitForText(`${DIRECTORY_SIZE} mailboxes listed from Microsoft 365`, 30_000);
    await find('textbox', 'Destination mailbox, user00001@contoso.example');
    await find('textbox', `Destination mailbox, user00${DIRECTORY_SIZE}@contoso.example`);
    await screenshot('32-m365-directory');
  });

  it('leaves without creating anything', async () => {
    await click('button', 'Cancel and close the wizard');
    await click('button', 'Leave');
    await find('heading', 'Migrations');
  });
});
