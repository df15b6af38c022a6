// A batch made on the command line for people who sign in themselves, opened in the app before
// one of them has: the status page lists that person, who signs in right there (through the
// system browser, against the identity-provider stand-in), and the mailbox is then copied.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { click, find, openApp, required, sampleServers, screenshot, waitForSynced, waitForText } from './page';

const servers = sampleServers();
const BATCH = 'Waiting for a sign-in';
// The sixth sample user: no other spec migrates this mailbox.
const farid = servers.users[5];

let session: WebdriverIO.Browser;

beforeAll(async () => {
  if (!farid) throw new Error('the sample servers were started with fewer than 6 users');
  // Made before the app opens, by the command line, in the app's own data folder and keyring.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailferry-awaiting-'));
  const csv = path.join(dir, 'users.csv');
  fs.writeFileSync(csv, `EmailAddress,UserName,Password\n${farid.email},${farid.email},\n`);
  const created = spawnSync(
    required('MAILFERRY_E2E_CLI'),
    [
      'batch', 'create',
      '--csv', csv,
      '--name', BATCH,
      '--source', `imaps://${servers.source.host}:${servers.source.port}`,
      '--source-login', 'microsoft:*',
      '--dest', `imaps://${servers.destination.host}:${servers.destination.port}`,
      '--dest-auth-user', servers.destination.admin,
      '--dest-password-env', 'MAILFERRY_E2E_ADMIN_PASSWORD',
    ],
    { encoding: 'utf8', env: { ...process.env, MAILFERRY_E2E_ADMIN_PASSWORD: servers.destination.admin_password } },
  );
  expect(created.status, created.stderr).toBe(0);
  // The command line says who still has to sign in, too.
  expect(created.stderr).toContain(`Not signed in yet: ${farid.email}.`);
  fs.rmSync(dir, { recursive: true, force: true });
  session = await openApp();
});

afterAll(async () => {
  await session?.deleteSession();
});

describe('a person who has not signed in yet, in the app', () => {
  it('is listed on the batch status page', async () => {
    await click('button', BATCH);
    await find('heading', 'Email migration status');
    await find('region', '1 person has not signed in yet');
    await waitForText(`Sign in to the old mailbox as ${farid.email}:`);
    await screenshot('81-awaiting-sign-in');
  });

  it('signs in there, and is no longer listed', async () => {
    await click('button', `Sign in with Microsoft for ${farid.email}`);
    await session.waitUntil(
      async () => !(await session.execute(() => document.body.innerText.includes('has not signed in yet'))),
      { timeout: 60_000, interval: 250, timeoutMsg: 'the person was still listed after signing in' },
    );
  });

  it('copies the mailbox once the migration starts', async () => {
    await click('button', 'Start migration');
    await waitForSynced([farid.email]);
    await screenshot('82-signed-in-later-synced');
  });
});
