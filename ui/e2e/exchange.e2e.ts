// One migration in the real app into a server that behaves like Exchange Online (the test
// harness's Exchange personality, started by `sample_servers --exchange`): flagged messages,
// $MDNSent, a line longer than Exchange accepts and a message over the tenant's size limit.
// The status page must tell the owner what became of each; scripts/e2e.sh then checks the
// destination message by message (`sample_servers --compare-exchange`).
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
const BATCH = 'Contoso to Exchange Online';

let session: WebdriverIO.Browser;

function exchange() {
  if (!servers.exchange) throw new Error('the sample servers were started without --exchange');
  return servers.exchange;
}

/** The seeded message that must arrive as `expect` (only one of each kind is seeded). */
function seeded(expect: 'copied' | 'reencoded' | 'skipped') {
  const message = exchange().messages.find((m) => m.expect === expect);
  if (!message) throw new Error(`no ${expect} message was seeded`);
  return message;
}

beforeAll(async () => {
  session = await openApp(undefined, { wizardSize: true });
});

afterAll(async () => {
  await session?.deleteSession();
});

describe('migrating a mailbox into Exchange Online, in the app', () => {
  const user = () => exchange().user;

  it('connects the source and the Exchange server with its admin', async () => {
    await startWizard(BATCH);
    await chooseOtherSource(servers.source);
    await click('button', 'Next');
    await fillImapDestination({ ...servers, destination: exchange().destination });
    await type('Destination mailbox to test', user().email);
    await click('button', 'Test connection');
    await waitForText(/Connected|folders/, 30_000);
    expect(await pageText()).not.toMatch(/could not|refused|failed/i);
    await screenshot('41-exchange-destination');
    await click('button', 'Next');
  });

  it('adds the mailbox with its password and starts the migration', async () => {
    await find('heading', 'Select users to start migrating email messages');
    await click('button', 'Add user');
    await type('Destination mailbox, row 1', user().email);
    await session.keys(['Tab']);
    await type(`Password for ${user().email}`, user().password);
    await session.keys(['Enter']);
    await waitForText('Password stored');
    await click('button', 'Next');
    await find('heading', 'Migration options');
    await click('button', 'Start migration');
  });

  it('reaches Synced and says how far back the mailbox is copied', async () => {
    await find('heading', 'Email migration status', 30_000);
    await waitForText(BATCH);
    await waitForSynced([user().email]);
    const row = await rowText(user().email);
    expect(row).toMatch(/Copied back to \S/);
    await screenshot('42-exchange-synced');
  });

  it('names the re-encoded message, the message too large for Exchange and why', async () => {
    await click('button', `Details for ${user().email}`);
    const details = await find('region', `Details for ${user().email}`);
    // The report is read from the database once the region opens.
    await waitForText(/Last run: \d+ copied/, 30_000);
    await details.scrollIntoView({ block: 'start' });
    await screenshot('43-exchange-details');
    const text = await details.getText();
    const reencoded = seeded('reencoded');
    const tooLarge = seeded('skipped');
    expect(section(text, 'Re-encoded messages')).toContain(reencoded.subject);
    expect(section(text, 'Re-encoded messages')).toMatch(/lines longer than 10,500 characters/);
    expect(section(text, 'Skipped messages')).toContain(tooLarge.subject);
    expect(section(text, 'Skipped messages')).toMatch(/too large/);
    // $MDNSent is not given to Exchange, and the owner is told how often it was left out.
    const receipts = exchange().messages.filter((m) => m.flags.includes('$MDNSent')).length;
    expect(text).toContain(`$MDNSent: on ${receipts} message${receipts === 1 ? '' : 's'}, not given to the new server`);
  });
});

/** A row of the status table, as the owner reads it. */
async function rowText(email: string): Promise<string> {
  return session.execute(
    (wanted: string) => Array.from(document.querySelectorAll('tr')).find((row) => row.innerText.includes(wanted))?.innerText ?? '',
    email,
  );
}

/** The text from `heading` to the next section heading of the details. */
function section(text: string, heading: string): string {
  const start = text.indexOf(heading);
  if (start < 0) return '';
  const rest = text.slice(start + heading.length);
  const next = rest.search(/\n(Folders|Folders not copied|Skipped messages|Messages that could not be copied|Re-encoded messages|Keywords not kept)\n/);
  return next < 0 ? rest : rest.slice(0, next);
}
