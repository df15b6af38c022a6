import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { AppError } from '../backend';
import { groupedFingerprint, readableName, validityText } from '../components/trust/certificateView';
import { SAMPLE_USERS, summary } from '../dev/fixtures';
import { installFakeBackend, type Handler } from './fakeBackend';
import { renderApp } from './render';
import { addUserRow, fill, openDataService, openImapDestination, openUsers } from './wizardFlow';

const FINGERPRINT = 'ab12'.repeat(16);
const CONNECTED = { folders: 12, messages: 3456, bytes: 1_288_490_188, too_large: 0 };

/** What a certificate refusal brings over IPC: the words, and the facts the panel shows. */
function refusal(host: string): AppError {
  return {
    kind: 'certificate',
    message: `the certificate of ${host} is not trusted: it was issued by an authority this computer does not know`,
    hint: "If the server uses its own certificate, get its CA file from the server's administrator, or check the fingerprint with them and trust this certificate for this server.",
    facts: {
      side: null,
      host,
      port: 993,
      auth_method: null,
      sign_in: null,
      network: null,
      certificate: {
        reason: 'issued by an unknown authority',
        subject: `CN=${host}, O=Contoso Ltd`,
        issuer: 'CN=Contoso Private CA, O=Contoso Ltd',
        not_before: '2025-01-02T00:00:00Z',
        not_after: '2027-03-04T00:00:00Z',
        fingerprint_sha256: FINGERPRINT,
      },
      security_mismatch: null,
      retry_after_secs: null,
      dns_server: null,
    },
  };
}

function mismatch(host: string, expected: 'port_expects_tls' | 'port_expects_starttls', port: number): AppError {
  return {
    kind: 'input',
    message:
      expected === 'port_expects_tls'
        ? `${host} port ${port} expects SSL/TLS from the first byte, but STARTTLS was chosen`
        : `${host} port ${port} starts unencrypted (STARTTLS or none), but SSL/TLS was chosen`,
    hint:
      expected === 'port_expects_tls'
        ? "Choose SSL/TLS as the security for this port, or use the server's STARTTLS port (usually 143)."
        : "Choose STARTTLS as the security for this port, or use the server's SSL/TLS port (usually 993).",
    facts: {
      side: null,
      host,
      port,
      auth_method: null,
      sign_in: null,
      network: null,
      certificate: null,
      security_mismatch: expected,
      retry_after_secs: null,
      dns_server: null,
    },
  };
}

/** A test_connection that refuses until the certificate (or a CA file) is in the options. */
function refusedUntilTrusted(host: string): Handler {
  return (args) => {
    const options = args.options as { ca_file: string | null; trusted_certificates: { host: string; sha256: string }[] };
    const trusted = options.ca_file !== null || options.trusted_certificates.some((t) => t.host === host && t.sha256 === FINGERPRINT);
    if (!trusted) throw refusal(host);
    return CONNECTED;
  };
}

const panel = () => screen.findByRole('region', { name: "The server's certificate" });

/** Nothing in the window names a command-line option. */
function expectNoOptionNames(element: HTMLElement) {
  expect(element.textContent ?? '').not.toMatch(/(^|\s)--[a-z]/);
}

/** Other email sources, a typed-in server, its test mailbox and password stored. */
async function typedInSource(user: Parameters<typeof fill>[0], host: string) {
  await openDataService(user);
  await user.click(screen.getByRole('radio', { name: /Other email sources/ }));
  await fill(user, screen.getByRole('textbox', { name: /Source IMAP server/ }), host);
  await fill(user, screen.getByRole('textbox', { name: /Mailbox to test/ }), 'anna@example.com');
  await user.type(screen.getByLabelText('Its password'), 'secret{Enter}');
  await screen.findByText('Password stored');
}

describe('a refused certificate', () => {
  it('is shown readably: names, validity, and the fingerprint as openssl prints it', () => {
    expect(readableName('CN=mail.contoso.com, O=Contoso Ltd')).toBe('mail.contoso.com (Contoso Ltd)');
    expect(readableName('CN=Contoso Private CA')).toBe('Contoso Private CA');
    expect(readableName(null)).toBe('not named');
    expect(groupedFingerprint('ab12cd')).toBe('AB:12:CD');
    expect(validityText({ ...refusal('x').facts!.certificate!, not_before: null })).toMatch(/^until /);
  });

  it('is trusted from the source test, and Test again uses the trust', async () => {
    const backend = installFakeBackend({ test_connection: refusedUntilTrusted('mail.contoso.com') });
    const { user } = renderApp();
    await typedInSource(user, 'mail.contoso.com');
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    const shown = await panel();
    expect(within(shown).getByText('mail.contoso.com (Contoso Ltd)')).toBeInTheDocument();
    expect(within(shown).getByText('Contoso Private CA (Contoso Ltd)')).toBeInTheDocument();
    expect(within(shown).getByText(groupedFingerprint(FINGERPRINT))).toBeInTheDocument();
    expect(within(shown).getByText(/2025.* to .*2027/)).toBeInTheDocument();
    expectNoOptionNames(document.body);

    await user.click(within(shown).getByRole('button', { name: 'Trust this certificate for this server' }));
    expect(await screen.findByText('12 folders · 3,456 messages · 1.2 GB')).toBeInTheDocument();
    expect(backend.callsTo('trust_in_options')[0].choice).toEqual({ kind: 'certificate', host: 'mail.contoso.com', sha256: FINGERPRINT });
    const tests = backend.callsTo('test_connection');
    expect(tests).toHaveLength(2);
    expect(tests[1].options).toMatchObject({ trusted_certificates: [{ host: 'mail.contoso.com', sha256: FINGERPRINT }] });
    expect(screen.queryByRole('region', { name: "The server's certificate" })).not.toBeInTheDocument();
  });

  it('is trusted through a CA file chosen in the destination test, and Test again uses it', async () => {
    const backend = installFakeBackend({
      test_connection: refusedUntilTrusted('mail.contoso.com'),
      'plugin:dialog|open': () => '/home/owner/contoso-ca.pem',
    });
    const { user } = renderApp();
    await openImapDestination(user);
    await fill(user, screen.getByRole('textbox', { name: /Destination IMAP server/ }), 'mail.contoso.com');
    await fill(user, screen.getByRole('textbox', { name: 'Admin account' }), 'admin@contoso.com');
    await user.type(screen.getByLabelText('Admin password'), 'x{Enter}');
    await screen.findByText('Admin password stored');
    await fill(user, screen.getByRole('textbox', { name: /Destination mailbox to test/ }), 'anna@contoso.com');
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    await user.click(within(await panel()).getByRole('button', { name: 'Choose a CA file…' }));
    expect(await screen.findByText('12 folders · 3,456 messages · 1.2 GB')).toBeInTheDocument();
    expect(backend.callsTo('trust_in_options')[0].choice).toEqual({ kind: 'ca_file', path: '/home/owner/contoso-ca.pem' });
    expect(backend.callsTo('test_connection')[1].options).toMatchObject({ ca_file: '/home/owner/contoso-ca.pem' });
  });

  it('says why a CA file was not accepted, and tests nothing with it', async () => {
    const backend = installFakeBackend({
      test_connection: refusedUntilTrusted('mail.contoso.com'),
      'plugin:dialog|open': () => '/home/owner/notes.txt',
      trust_in_options: () => {
        throw {
          kind: 'input',
          message: 'the CA file /home/owner/notes.txt contains no certificate',
          hint: "Use a readable CA file in PEM form (a text file with BEGIN CERTIFICATE in it), as the server's administrator gives it.",
        };
      },
    });
    const { user } = renderApp();
    await typedInSource(user, 'mail.contoso.com');
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    const shown = await panel();
    await user.click(within(shown).getByRole('button', { name: 'Choose a CA file…' }));
    expect(await within(shown).findByText(/Use a readable CA file in PEM form/)).toBeInTheDocument();
    expect(backend.callsTo('test_connection')).toHaveLength(1);
  });

  it('is trusted from a row after Test all, and that row is tested again with it', async () => {
    const backend = installFakeBackend({
      test_connection: (args) => (args.side === 'destination' ? CONNECTED : refusedUntilTrusted('imap.gmail.com')(args)),
    });
    const { user } = renderApp();
    await openUsers(user);
    await addUserRow(user, 'anna@contoso.com');
    await user.type(screen.getByLabelText('App password for anna@contoso.com'), 'secret{Enter}');
    await screen.findByText('Password stored');
    await user.click(screen.getByRole('button', { name: 'Test all selected' }));
    const shown = await panel();
    expect(within(shown).getByText('imap.gmail.com (Contoso Ltd)')).toBeInTheDocument();
    await user.click(within(shown).getByRole('button', { name: 'Trust this certificate for this server' }));
    expect(await screen.findByText('12 folders · 3,456 messages · 1.2 GB')).toBeInTheDocument();
    const sources = backend.callsTo('test_connection').filter((c) => c.side === 'source');
    expect(sources).toHaveLength(2);
    expect(sources[1]).toMatchObject({
      emailAddress: 'anna@contoso.com',
      options: { trusted_certificates: [{ host: 'imap.gmail.com', sha256: FINGERPRINT }] },
    });
    // Kept with the wizard's options: the batch created later holds it too.
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Migration options' });
    await user.click(screen.getByRole('button', { name: 'Start migration' }));
    await waitFor(() => expect(backend.callsTo('create_batch')).toHaveLength(1));
    const [create] = backend.callsTo('create_batch');
    expect((create.spec as { options: unknown }).options).toMatchObject({
      trusted_certificates: [{ host: 'imap.gmail.com', sha256: FINGERPRINT }],
    });
  });

  it('is trusted for a running batch from the failed mailbox, then only that mailbox is retried', async () => {
    const failed = { ...SAMPLE_USERS[2], email_address: 'dora@contoso.com', status: 'Failed' as const, error: refusal('imap.gmail.com') };
    const backend = installFakeBackend({
      list_batches: () => [summary()],
      batch_users: () => [...SAMPLE_USERS, failed],
    });
    const { user } = renderApp();
    await user.click(await screen.findByRole('button', { name: 'Contoso mailboxes' }));
    await screen.findByRole('heading', { level: 1, name: 'Email migration status' });
    await user.click(await screen.findByRole('button', { name: 'Details for dora@contoso.com' }));
    const details = await screen.findByRole('region', { name: 'Details for dora@contoso.com' });
    const shown = await within(details).findByRole('region', { name: "The server's certificate" });
    expect(within(shown).getByText(groupedFingerprint(FINGERPRINT))).toBeInTheDocument();
    expectNoOptionNames(details);
    await user.click(within(shown).getByRole('button', { name: 'Trust this certificate for this server' }));
    await waitFor(() => expect(backend.callsTo('retry_user')).toEqual([{ name: 'Contoso mailboxes', email: 'dora@contoso.com' }]));
    expect(backend.callsTo('trust_for_batch')).toEqual([
      { name: 'Contoso mailboxes', choice: { kind: 'certificate', host: 'imap.gmail.com', sha256: FINGERPRINT } },
    ]);
    const order = backend.commandOrder();
    expect(order.indexOf('trust_for_batch')).toBeLessThan(order.indexOf('retry_user'));
    expect(backend.callsTo('retry_failed')).toEqual([]);
  });
});

describe('the wrong kind of encryption', () => {
  it('offers SSL/TLS when STARTTLS met a port that starts with TLS, and tests again with it', async () => {
    const backend = installFakeBackend({
      test_connection: (args) => {
        const url = (args.server as { url: string }).url;
        if (url.startsWith('imap://')) throw mismatch('mail.example.com', 'port_expects_tls', 993);
        return CONNECTED;
      },
    });
    const { user } = renderApp();
    await openDataService(user);
    await user.click(screen.getByRole('radio', { name: /Other email sources/ }));
    await fill(user, screen.getByRole('textbox', { name: /Source IMAP server/ }), 'mail.example.com');
    await user.click(screen.getByRole('radio', { name: 'STARTTLS' }));
    const port = screen.getByRole('textbox', { name: 'Source port' });
    await user.clear(port);
    await user.type(port, '993');
    await fill(user, screen.getByRole('textbox', { name: /Mailbox to test/ }), 'anna@example.com');
    await user.type(screen.getByLabelText('Its password'), 'secret{Enter}');
    await screen.findByText('Password stored');
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    expect(await screen.findByText('This port expects SSL/TLS from the start, not STARTTLS.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'This port expects SSL/TLS — switch?' }));
    expect(await screen.findByText('12 folders · 3,456 messages · 1.2 GB')).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: 'SSL/TLS' })).toBeChecked();
    expect(port).toHaveValue('993');
    expect(backend.callsTo('test_connection').map((c) => (c.server as { url: string }).url)).toEqual([
      'imap://mail.example.com:993',
      'imaps://mail.example.com:993',
    ]);
  });

  it('offers STARTTLS when SSL/TLS met a port that greets in plain text, on the destination', async () => {
    const backend = installFakeBackend({
      test_connection: (args) => {
        const url = (args.server as { url: string }).url;
        if (url.startsWith('imaps://')) throw mismatch('mail.contoso.com', 'port_expects_starttls', 143);
        return CONNECTED;
      },
    });
    const { user } = renderApp();
    await openImapDestination(user);
    await fill(user, screen.getByRole('textbox', { name: /Destination IMAP server/ }), 'mail.contoso.com');
    const port = screen.getByRole('textbox', { name: 'Destination port' });
    await user.clear(port);
    await user.type(port, '143');
    await fill(user, screen.getByRole('textbox', { name: 'Admin account' }), 'admin@contoso.com');
    await user.type(screen.getByLabelText('Admin password'), 'x{Enter}');
    await screen.findByText('Admin password stored');
    await fill(user, screen.getByRole('textbox', { name: /Destination mailbox to test/ }), 'anna@contoso.com');
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    await user.click(await screen.findByRole('button', { name: 'This port expects STARTTLS — switch?' }));
    expect(await screen.findByText('12 folders · 3,456 messages · 1.2 GB')).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: 'STARTTLS' })).toBeChecked();
    expect(backend.callsTo('test_connection').map((c) => (c.server as { url: string }).url)).toEqual([
      'imaps://mail.contoso.com:143',
      'imap://mail.contoso.com:143',
    ]);
    expectNoOptionNames(document.body);
  });
});
