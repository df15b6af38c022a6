import { screen, within } from '@testing-library/react';
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
    await user.click(screen.getByRole('button', { name: 'Exclude Junk Email (#JunkEmail#)' }));
    await user.type(screen.getByRole('textbox', { name: /Folder name/ }), 'Old/*{Enter}');
    const chips = screen.getByRole('toolbar', { name: 'Excluded folders' });
    expect(within(chips).getByText('#JunkEmail#')).toBeInTheDocument();
    expect(within(chips).getByText('Old/*')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Exclude Junk Email (#JunkEmail#)' })).not.toBeInTheDocument();
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
    await user.click(screen.getByRole('button', { name: 'Exclude Drafts (#Drafts#)' }));
    await user.type(screen.getByRole('spinbutton', { name: /Maximum message size/ }), '35');
    const concurrent = screen.getByRole('spinbutton', { name: /Mailboxes migrated at the same time/ });
    await user.clear(concurrent);
    await user.type(concurrent, '5');
    await user.selectOptions(screen.getByRole('combobox', { name: /Incremental sync/ }), '6');
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
      },
      users: [{ email_address: 'anna@contoso.com', user_name: 'anna@gmail.com', user_root: null }],
    });
    expect(backend.callsTo('start_batch')).toEqual([{ name: BATCH }]);
    const order = backend.commandOrder();
    expect(order.indexOf('create_batch')).toBeLessThan(order.indexOf('start_batch'));
    expect(await screen.findByText('anna@contoso.com')).toBeInTheDocument();
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
