import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { todayIso } from '../format';
import { fail, installFakeBackend } from './fakeBackend';
import { renderApp } from './render';
import { addUserRow, openUsers } from './wizardFlow';

const BATCH = `Migration ${todayIso()}`;

async function openOptions(user: Parameters<typeof addUserRow>[0]) {
  await openUsers(user);
  await addUserRow(user, 'anna@contoso.com');
  await user.type(screen.getByLabelText('App password for anna@contoso.com'), 'secret{Enter}');
  await screen.findByText('Password stored');
  await user.click(screen.getByRole('button', { name: 'Next' }));
  await screen.findByRole('heading', { level: 1, name: 'Migration options' });
}

describe('options and start', () => {
  it('excludes folders with chips and the special-folder tokens', async () => {
    installFakeBackend();
    const { user } = renderApp();
    await openOptions(user);
    expect(screen.getByText('Every folder is copied.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Exclude Junk Email' }));
    await user.type(screen.getByRole('textbox', { name: /Folder name/ }), 'Old/*{Enter}');
    const chips = screen.getByRole('toolbar', { name: 'Excluded folders' });
    // Microsoft's token (#JunkEmail#) goes to the engine; the owner reads the folder's name.
    expect(within(chips).getByText('Junk Email')).toBeInTheDocument();
    expect(within(chips).getByText('Old/*')).toBeInTheDocument();
    expect(document.body.textContent).not.toContain('#');
    expect(screen.queryByRole('button', { name: 'Exclude Junk Email' })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Old/* remove from the excluded folders' }));
    expect(within(chips).queryByText('Old/*')).not.toBeInTheDocument();
  });

  it('creates the batch with the chosen options, starts it and opens its status', async () => {
    const backend = installFakeBackend({
      batch_users: () => [
        {
          email_address: 'anna@contoso.com',
          user_name: 'anna@gmail.com',
          user_root: null,
          status: 'Queued',
          detail: null,
          error: null,
          resume_at: null,
          last_synced_at: null,
          next_sync_at: null,
          messages_in_source: 0,
          messages_done: 0,
          bytes_copied: 0,
          skipped: 0,
          failed: 0,
        },
      ],
    });
    const { user } = renderApp();
    await openOptions(user);
    await user.click(screen.getByRole('button', { name: 'Exclude Drafts' }));
    await user.type(screen.getByRole('spinbutton', { name: /Maximum message size/ }), '35');
    const concurrent = screen.getByRole('spinbutton', { name: /Mailboxes migrated at the same time/ });
    await user.clear(concurrent);
    await user.type(concurrent, '5');
    await user.selectOptions(screen.getByRole('combobox', { name: /Incremental sync/ }), '6');
    await user.click(screen.getByRole('checkbox', { name: /read receipts again/ }));
    await user.click(screen.getByRole('button', { name: 'Start migration' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Email migration status' })).toBeInTheDocument();
    const [create] = backend.callsTo('create_batch');
    expect(create.spec).toEqual({
      name: BATCH,
      source: { preset: 'gmail', url: 'imaps://imap.gmail.com:993' },
      destination: { preset: null, url: 'imaps://mail.contoso.com:993' },
      options: {
        excludes: ['#Drafts#'],
        max_message_size: 35 * 1024 * 1024,
        max_concurrent_migrations: 5,
        max_concurrent_incremental: 5,
        incremental_interval_secs: 6 * 3600,
        connections_per_mailbox: 4,
        destination_admin: 'admin@contoso.com',
        destination_sign_in: null,
        source_sign_in: null,
        ca_file: null,
        pin_cert: null,
        allow_insecure_auth: false,
        timeout_secs: 60,
        retry_wait_secs: 30,
        disarm_read_receipts: true,
        trusted_certificates: [],
      },
      users: [{ email_address: 'anna@contoso.com', user_name: 'anna@gmail.com', user_root: null }],
    });
    expect(backend.callsTo('start_batch')).toEqual([{ name: BATCH }]);
    const order = backend.commandOrder();
    expect(order.indexOf('create_batch')).toBeLessThan(order.indexOf('start_batch'));
    expect(await screen.findByText('anna@contoso.com')).toBeInTheDocument();
  });

  it('estimates the first copy from the tests, and the status page counts against the real size from the start', async () => {
    const backend = installFakeBackend({
      test_connection: (args) =>
        args.side === 'destination'
          ? { folders: 5, messages: 0, bytes: 0, too_large: 0, measured_bytes_per_sec: null, estimated_secs: null }
          : { folders: 9, messages: 30_000, bytes: 3_221_225_472, too_large: 0, measured_bytes_per_sec: 447_392, estimated_secs: 7200 },
      batch_users: () => [
        {
          email_address: 'anna@contoso.com',
          user_name: 'anna@gmail.com',
          user_root: null,
          status: 'Queued',
          detail: null,
          error: null,
          resume_at: null,
          last_synced_at: null,
          next_sync_at: null,
          messages_in_source: 0,
          messages_done: 0,
          bytes_copied: 0,
          skipped: 0,
          failed: 0,
        },
      ],
    });
    const { user } = renderApp();
    await openUsers(user);
    await addUserRow(user, 'anna@contoso.com');
    await user.type(screen.getByLabelText('App password for anna@contoso.com'), 'secret{Enter}');
    await screen.findByText('Password stored');
    await user.click(screen.getByRole('button', { name: 'Test connection for anna@contoso.com' }));
    await screen.findByText('9 folders · 30,000 messages · 3 GB');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Migration options' });
    expect(screen.getByText('30,000 messages, 3 GB')).toBeInTheDocument();
    expect(screen.getByText(/^About 2 h at the speed the tests measured/)).toBeInTheDocument();
    expect(screen.getByText('Gmail (imap.gmail.com:993, SSL/TLS)')).toBeInTheDocument();
    expect(screen.getByText('mail.contoso.com (mail.contoso.com:993, SSL/TLS)')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Start migration' }));
    await screen.findByRole('heading', { level: 1, name: 'Email migration status' });
    await waitFor(() => expect(backend.listening()).toContain('batch-progress'));
    const table = await screen.findByRole('table', { name: `Mailboxes in ${BATCH}` });
    expect(within(table).getByText('0 of 30,000 messages')).toBeInTheDocument();
    // The first folders scanned hold 4,500 messages; the mailbox holds 30,000.
    await backend.emitBatchProgress({
      batch: BATCH,
      users: [
        {
          email_address: 'anna@contoso.com',
          status: 'Syncing',
          detail: null,
          resume_at: null,
          to_copy: 4500,
          copied: 192,
          bytes_copied: 10_485_760,
          folders_done: 1,
          rate: 12.5,
          eta_secs: 344,
          copied_back_to: null,
        },
      ],
    });
    expect(within(table).getByText('192 of 30,000 messages')).toBeInTheDocument();
    expect(within(table).getByText('10 MB · 12.5 messages/s · about 40 min left')).toBeInTheDocument();
    expect(screen.getByText('192 of 30,000 messages · about 40 min left')).toBeInTheDocument();
  });

  it('warns on the summary when a selected mailbox failed its test', async () => {
    installFakeBackend({
      test_connection: () => fail('authentication', 'Gmail did not accept the app password', 'Create a new app password.'),
    });
    const { user } = renderApp();
    await openUsers(user);
    await addUserRow(user, 'anna@contoso.com');
    await user.type(screen.getByLabelText('App password for anna@contoso.com'), 'secret{Enter}');
    await screen.findByText('Password stored');
    await user.click(screen.getByRole('button', { name: 'Test connection for anna@contoso.com' }));
    await screen.findByText('The mail server did not accept the sign-in.');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Migration options' });
    expect(screen.getByText('anna@contoso.com failed its connection test')).toBeInTheDocument();
  });

  it('creates without starting when asked to start later', async () => {
    const backend = installFakeBackend();
    const { user } = renderApp();
    await openOptions(user);
    await user.click(screen.getByRole('radio', { name: 'Start it later from the migration status page' }));
    await user.click(screen.getByRole('button', { name: 'Create migration' }));
    await screen.findByRole('heading', { level: 1, name: 'Email migration status' });
    expect(backend.callsTo('create_batch')).toHaveLength(1);
    expect(backend.callsTo('start_batch')).toHaveLength(0);
  });

  it('shows why the batch could not be created', async () => {
    installFakeBackend({
      create_batch: () => fail('input', 'no password is stored for anna@contoso.com', 'Type each mailbox\'s password.'),
    });
    const { user } = renderApp();
    await openOptions(user);
    await user.click(screen.getByRole('button', { name: 'Start migration' }));
    expect(await screen.findByText('No password is stored for anna@contoso.com.')).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1, name: 'Migration options' })).toBeInTheDocument();
  });

  it('locks the batch name once a password is stored under it', async () => {
    installFakeBackend();
    const { user } = renderApp();
    await openOptions(user);
    await user.click(screen.getByRole('button', { name: /Email sources/ }));
    const name = await screen.findByRole('textbox', { name: /Migration batch name/ });
    expect(name).toHaveAttribute('readonly');
    expect(screen.getByText(/The name cannot change now/)).toBeInTheDocument();
  });
});
