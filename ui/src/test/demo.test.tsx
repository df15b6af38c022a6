import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { DemoSetup } from '../backend';
import { installFakeBackend } from './fakeBackend';
import { renderApp } from './render';

const DEMO: DemoSetup = {
  batch_name: 'Sample migration',
  source: { host: '127.0.0.1', port: 41993 },
  destination: { host: '127.0.0.1', port: 42993 },
  admin: 'admin@contoso.test',
  users: [
    { email_address: 'anna@contoso.test', display_name: 'Anna Lindqvist', messages: 2500 },
    { email_address: 'ben@contoso.test', display_name: 'Ben Okafor', messages: 2500 },
  ],
};

describe('demo mode', () => {
  it('says it is a demo and fills in every page, so Next and Start run a whole migration', async () => {
    const backend = installFakeBackend({ demo_setup: () => DEMO });
    const { user } = renderApp();
    expect(await screen.findByText(/2 mailboxes and 5,000 messages/)).toBeInTheDocument();

    await user.click(await screen.findByRole('button', { name: 'Get started' }));
    expect(await screen.findByRole('textbox', { name: /Migration batch name/ })).toHaveValue('Sample migration');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Select your data service' });
    expect(screen.getByRole('radio', { name: /Other email sources/ })).toHaveAttribute('aria-checked', 'true');
    expect(screen.getByRole('textbox', { name: /Source IMAP server/ })).toHaveValue('127.0.0.1');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Destination' });
    expect(screen.getByRole('textbox', { name: 'Admin account' })).toHaveValue('admin@contoso.test');
    expect(screen.getByText('Admin password stored')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Select users to start migrating email messages' });
    expect(screen.getAllByText('Password stored')).toHaveLength(2);
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Migration options' });
    await user.click(screen.getByRole('button', { name: 'Start migration' }));
    await screen.findByRole('heading', { level: 1, name: 'Email migration status' });

    const [create] = backend.callsTo('create_batch');
    const spec = create.spec as { name: string; source: unknown; destination: unknown; users: unknown[] };
    expect(spec.name).toBe('Sample migration');
    expect(spec.source).toEqual({ preset: null, url: 'imaps://127.0.0.1:41993' });
    expect(spec.destination).toEqual({ preset: null, url: 'imaps://127.0.0.1:42993' });
    expect(spec.users).toEqual([
      { email_address: 'anna@contoso.test', user_name: 'anna@contoso.test', user_root: null },
      { email_address: 'ben@contoso.test', user_name: 'ben@contoso.test', user_root: null },
    ]);
    // The backend already holds the demo's passwords: the window never handled one.
    expect(backend.callsTo('store_password')).toEqual([]);
    expect(backend.callsTo('store_admin_password')).toEqual([]);
  });

  it('starts empty when the demo batch already exists', async () => {
    installFakeBackend({
      demo_setup: () => DEMO,
      list_batches: () => [
        {
          name: 'Sample migration',
          source: { preset: 'other', url: 'imaps://127.0.0.1:41993' },
          destination: { preset: null, url: 'imaps://127.0.0.1:42993' },
          status: 'Synced',
          users_total: 2,
          users_synced: 2,
          last_synced_at: null,
          created_at: 1,
        },
      ],
    });
    const { user } = renderApp();
    await screen.findByRole('table', { name: 'Migration batches' });
    // Nothing is filled in any more, so the banner does not say it is.
    expect(screen.queryByText(/2 mailboxes and 5,000 messages/)).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Get started' }));
    expect(await screen.findByRole('textbox', { name: /Migration batch name/ })).not.toHaveValue('Sample migration');
  });
});
