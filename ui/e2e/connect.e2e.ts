// "Connect Microsoft 365" in the real app, as a build with no client ID built in shows it: the
// script for the owner's tenant, the Application (client) ID pasted back, then "Check and sign
// in" through the system browser against the identity-provider stand-in, whose verdicts the
// window lists. Microsoft's IMAP server is played by the sample source, which asks the
// stand-in about every token, so "Full Access" is checked by really opening a mailbox.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { click, find, openApp, pageText, required, sampleServers, screenshot, startWizard, type, waitForText } from './page';

const servers = sampleServers();
// The account the stand-in's browser is signed in as (examples/sample_servers.rs), who may
// open its own mailbox on the sample source.
const admin = servers.users[0].email;
const TENANT = 'contoso.test';

let session: WebdriverIO.Browser;
let wrapperDir = '';

beforeAll(async () => {
  // The app without the client ID scripts/e2e.sh gives every other spec: what a build without
  // one built in shows the owner.
  wrapperDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailferry-connect-'));
  const wrapper = path.join(wrapperDir, 'mailferry-app');
  fs.writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      'unset MAILFERRY_MS_CLIENT_ID',
      `export MAILFERRY_M365_IMAP_URL='imaps://${servers.source.host}:${servers.source.port}'`,
      `exec '${required('MAILFERRY_E2E_APP')}' "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  session = await openApp(wrapper, { wizardSize: true });
});

afterAll(async () => {
  await session?.deleteSession();
  if (wrapperDir) fs.rmSync(wrapperDir, { recursive: true, force: true });
});

describe('Connect Microsoft 365, in the app', () => {
  it('offers the setup script for the organisation', async () => {
    await startWizard('Connected to Microsoft 365');
    await click('radio', '/^Gmail/');
    await click('button', 'Next');
    await find('heading', 'Destination');
    await find('heading', 'Connect Microsoft 365');
    await type("Tenant: your organisation's domain", TENANT);
    // The script is made for the tenant as it is typed.
    const script = () => session.execute(() => document.querySelector('pre[aria-label="Setup script"]')?.textContent ?? '');
    await session.waitUntil(async () => (await script()).includes(TENANT), {
      timeout: 15_000,
      timeoutMsg: `no setup script for ${TENANT} was shown`,
    });
    // The loopback redirect the app's sign-in comes back to.
    expect(await script()).toContain('http://localhost');
    await find('button', 'Copy script');
  });

  it('checks the pasted ID, signs the admin in and lists every verdict', async () => {
    await type('Application (client) ID', servers.oauth.client_id);
    await type('Mailbox to test Full Access on', admin);
    await click('button', 'Check and sign in');
    await waitForText(`Microsoft 365 is connected. Signed in as ${admin}.`, 60_000);
    const verdicts = await session.execute(() =>
      Array.from(document.querySelectorAll('ul[aria-label="Setup check"] > li')).map((li) => li.getAttribute('aria-label')),
    );
    expect(verdicts).toEqual([
      'App registration: OK',
      'Sign-in comes back to Mailferry: OK',
      'Admin consent: OK',
      'IMAP permission: OK',
      `Full Access to ${admin}: OK`,
    ]);
    expect(await pageText()).not.toContain('Fix what is missing');
    await screenshot('71-connect-microsoft-365');
  });

  it('leaves without creating anything', async () => {
    // Nothing typed yet belongs to a batch (the sign-in is the app's), so nothing to confirm.
    await click('button', 'Cancel and close the wizard');
    await find('heading', 'Migrations');
  });
});
