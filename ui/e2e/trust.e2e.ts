// A source server whose certificate the app does not trust (self-signed, as an old in-house
// server's often is: `sample_servers --self-signed`), fixed in the window: Test connection
// shows the certificate, the owner trusts it for that server, the test then connects, and the
// batch copies with that trust. scripts/e2e.sh then checks the destination message by message
// (`sample_servers --compare-self-signed`).
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
  waitForStatus,
  waitForSynced,
  waitForText,
} from './page';

const servers = sampleServers();
const BATCH = 'From the old in-house server';

function selfSigned() {
  const server = servers.self_signed;
  if (!server) throw new Error('the sample servers were started without --self-signed');
  return server;
}

/** AB:CD:… as the window shows a fingerprint (and `openssl x509 -fingerprint -sha256` prints it). */
function grouped(hex: string): string {
  return (hex.toUpperCase().match(/.{2}/g) ?? []).join(':');
}

let session: WebdriverIO.Browser;

beforeAll(async () => {
  session = await openApp(undefined, { wizardSize: true });
});

afterAll(async () => {
  await session?.deleteSession();
});

describe('trusting a self-signed certificate in the app', () => {
  const user = () => selfSigned().user;

  it('shows the refused certificate with its fingerprint when the source is tested', async () => {
    await startWizard(BATCH);
    await chooseOtherSource(selfSigned());
    await type('Mailbox to test', user().email);
    await type('Its password', user().password);
    await session.keys(['Enter']);
    await waitForText('Password stored');
    await click('button', 'Test connection');
    const panel = await find('region', "The server's certificate", 30_000);
    await panel.scrollIntoView({ block: 'center' });
    const text = await panel.getText();
    // The very certificate the server presents, so the owner can compare it with its owner's.
    expect(text).toContain(grouped(selfSigned().fingerprint_sha256));
    expect(text).toContain('localhost (self-signed) (Mailferry integration tests)');
    expect(text).toContain(selfSigned().host);
    await screenshot('61-certificate-refused');
  });

  it('trusts it for this server, and the test then connects', async () => {
    await click('button', 'Trust this certificate for this server');
    // The test's summary: every message of the mailbox, seen through the trusted certificate.
    await waitForText(`${user().messages} messages`, 30_000);
    await find('region', "The server's certificate", 1_000).then(
      () => {
        throw new Error('the certificate is still shown as refused');
      },
      () => undefined,
    );
    expect(await pageText()).toContain('Connected');
    await screenshot('62-certificate-trusted');
    await click('button', 'Next');
  });

  it('copies the mailbox with that trust until it is Synced, then closes the batch', async () => {
    await fillImapDestination(servers);
    await click('button', 'Next');
    await find('heading', 'Select users to start migrating email messages');
    await click('button', 'Add user');
    await type('Destination mailbox, row 1', user().email);
    await session.keys(['Tab']);
    // The password stored for the test is this mailbox's.
    await waitForText('Password stored');
    await click('button', 'Next');
    await find('heading', 'Migration options');
    await click('button', 'Start migration');
    await find('heading', 'Email migration status', 30_000);
    await waitForSynced([user().email]);
    await screenshot('63-trusted-source-synced');
    await click('button', 'Close connection');
    await find('heading', 'Mail could still be lost', 60_000);
    await click('dialogButton', 'Complete anyway');
    await waitForText('The connection is closed.', 120_000);
    await waitForStatus([user().email], 'Completed', 30_000);
  });
});
