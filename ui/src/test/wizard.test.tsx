import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { todayIso } from '../format';
import { fail, installFakeBackend } from './fakeBackend';
import { renderApp } from './render';
import { openDataService, openDestination, openImapDestination } from './wizardFlow';

describe('email sources', () => {
  it('suggests a dated batch name and checks it before going on', async () => {
    const backend = installFakeBackend();
    const { user } = renderApp();
    await user.click(await screen.findByRole('button', { name: 'Get started' }));
    const name = await screen.findByRole('textbox', { name: /Migration batch name/ });
    expect(name).toHaveValue(`Migration ${todayIso()}`);
    expect(screen.getByRole('radio', { name: /Import my email messages/ })).toHaveAttribute('aria-checked', 'true');
    expect(screen.getByRole('navigation', { name: 'Migration steps' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Select your data service' });
    expect(backend.callsTo('check_batch_name')).toEqual([{ name: `Migration ${todayIso()}` }]);
  });

  it('avoids the name of an existing batch', async () => {
    installFakeBackend({
      list_batches: () => [
        {
          name: `Migration ${todayIso()}`,
          source: { preset: 'gmail', url: 'imaps://imap.gmail.com:993' },
          destination: { preset: null, url: 'imaps://mail.contoso.com:993' },
          status: 'Synced',
          users_total: 1,
          users_synced: 1,
          last_synced_at: null,
          created_at: 1,
        },
      ],
    });
    const { user } = renderApp();
    await screen.findByRole('table', { name: 'Migration batches' });
    await user.click(screen.getByRole('button', { name: 'Get started' }));
    expect(await screen.findByRole('textbox', { name: /Migration batch name/ })).toHaveValue(`Migration ${todayIso()} (2)`);
  });

  it('shows why a name is refused and stays on the page', async () => {
    installFakeBackend({
      check_batch_name: () => fail('input', 'a batch called "Contoso" already exists', 'Pick another name.'),
    });
    const { user } = renderApp();
    await user.click(await screen.findByRole('button', { name: 'Get started' }));
    const name = await screen.findByRole('textbox', { name: /Migration batch name/ });
    await user.clear(name);
    await user.type(name, 'Contoso');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('A batch called "Contoso" already exists. Pick another name.')).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1, name: 'Email sources' })).toBeInTheDocument();
  });
});

describe('select your data service', () => {
  it('offers the providers as tiles and shows what to prepare, with links in the browser', async () => {
    const backend = installFakeBackend();
    const { user } = renderApp();
    await openDataService(user);
    const group = screen.getByRole('radiogroup', { name: 'Email provider' });
    const names = within(group)
      .getAllByRole('radio')
      .map((r) => r.textContent ?? '');
    for (const label of ['Gmail', 'Outlook', 'Hotmail', 'Yahoo', 'iCloud', 'AOL', 'Other email sources']) {
      expect(names.some((n) => n.startsWith(label))).toBe(true);
    }
    expect(screen.getByRole('button', { name: 'Next' })).toBeDisabled();

    await user.click(screen.getByRole('radio', { name: /Gmail/ }));
    expect(screen.getByRole('radio', { name: /Gmail/ })).toHaveAttribute('aria-checked', 'true');
    expect(screen.getByRole('heading', { name: 'Before you start with Gmail' })).toBeInTheDocument();
    const steps = screen.getAllByRole('listitem');
    expect(steps.some((li) => /Turn on 2-Step Verification/.test(li.textContent ?? ''))).toBe(true);
    await user.click(screen.getAllByRole('link', { name: /myaccount\.google\.com/ })[0]);
    await waitFor(() =>
      expect(backend.callsTo('plugin:opener|open_url')[0]).toMatchObject({ url: 'https://myaccount.google.com' }),
    );
    expect(screen.getByRole('button', { name: 'Next' })).toBeEnabled();
  });

  it('chooses a tile from the keyboard', async () => {
    installFakeBackend();
    const { user } = renderApp();
    await openDataService(user);
    const yahoo = screen.getByRole('radio', { name: /Yahoo/ });
    yahoo.focus();
    await user.keyboard('{Enter}');
    expect(yahoo).toHaveAttribute('aria-checked', 'true');
    const icloud = screen.getByRole('radio', { name: /iCloud/ });
    icloud.focus();
    await user.keyboard(' ');
    expect(icloud).toHaveAttribute('aria-checked', 'true');
  });

  it('has Outlook and Hotmail mailboxes sign in with Microsoft, never with a password', async () => {
    installFakeBackend();
    const { user } = renderApp();
    await openDataService(user);
    await user.click(screen.getByRole('radio', { name: /Hotmail/ }));
    expect(screen.getByText(/16 September 2024/)).toBeInTheDocument();
    expect(screen.getByText('Hotmail mailboxes sign in with Microsoft')).toBeInTheDocument();
    // The app registration configured on this computer is filled in.
    expect(screen.getByRole('textbox', { name: /Application \(client\) ID/ })).toHaveValue('11111111-2222-3333-4444-555555555555');
    expect(document.querySelector('input[type="password"]')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Destination' })).toBeInTheDocument();
  });

  it('asks for the application ID before a sign-in can be used', async () => {
    installFakeBackend({
      sign_in_settings: () => ({
        microsoft_client_id: null,
        google_client_id: null,
        microsoft_built_in: false,
        google_built_in: false,
        microsoft_imap_url: 'imaps://outlook.office365.com:993',
      }),
    });
    const { user } = renderApp();
    await openDataService(user);
    await user.click(screen.getByRole('radio', { name: /Outlook/ }));
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('Enter the application (client) ID.')).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1, name: 'Select your data service' })).toBeInTheDocument();
  });

  it('tests a typed-in server with one mailbox, so a typing mistake shows on this page', async () => {
    const backend = installFakeBackend({
      test_connection: (args) => {
        if ((args.server as { url: string }).url.includes('gmial')) {
          fail(
            'network',
            'cannot find the server imap.gmial.com: failed to lookup address information: Name or service not known',
            'Check the server name for typing mistakes and that this computer is online.',
          );
        }
        return { folders: 12, messages: 3456, bytes: 1_288_490_188, too_large: 0 };
      },
    });
    const { user } = renderApp();
    await openDataService(user);
    await user.click(screen.getByRole('radio', { name: /Other email sources/ }));
    const host = screen.getByRole('textbox', { name: /Source IMAP server/ });
    await user.type(host, 'imap.gmial.com');
    const test = screen.getByRole('button', { name: 'Test connection' });
    expect(test).toBeDisabled();
    await user.type(screen.getByRole('textbox', { name: /Mailbox to test/ }), 'anna@example.com');
    await user.type(screen.getByLabelText('Its password'), 'secret{Enter}');
    await screen.findByText('Password stored');
    await user.click(test);
    expect(await screen.findByText('Mailferry cannot find a server named imap.gmial.com.')).toBeInTheDocument();
    expect(screen.getByText('What to do: Check the server name for typing mistakes and that this computer is online.')).toBeInTheDocument();
    expect(backend.callsTo('store_password')).toEqual([{ batch: `Migration ${todayIso()}`, email: 'anna@example.com', password: 'secret' }]);
    expect(backend.callsTo('test_connection')[0]).toMatchObject({
      side: 'source',
      server: { preset: null, url: 'imaps://imap.gmial.com:993' },
      emailAddress: 'anna@example.com',
      userName: 'anna@example.com',
    });

    await user.clear(host);
    await user.type(host, 'imap.gmail.com');
    expect(screen.queryByText('Mailferry cannot find a server named imap.gmial.com.')).not.toBeInTheDocument();
    await user.click(test);
    expect(await screen.findByText('12 folders · 3,456 messages · 1.2 GB')).toBeInTheDocument();
  });

  it('checks a typed-in server and warns about no encryption', async () => {
    installFakeBackend();
    const { user } = renderApp();
    await openDataService(user);
    await user.click(screen.getByRole('radio', { name: /Other email sources/ }));
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('Enter the IMAP server name, for example imap.example.com.')).toBeInTheDocument();

    const host = screen.getByRole('textbox', { name: /Source IMAP server/ });
    await user.type(host, 'imaps://mail.example.com');
    expect(screen.getByText('Enter only the server name, without imap:// or https://.')).toBeInTheDocument();
    await user.clear(host);
    await user.type(host, 'mail.example.com');
    const port = screen.getByRole('textbox', { name: 'Source port' });
    await user.clear(port);
    await user.type(port, '99999');
    expect(screen.getByText('The port is a whole number from 1 to 65535.')).toBeInTheDocument();
    await user.clear(port);
    await user.type(port, '993');

    await user.click(screen.getByRole('radio', { name: 'STARTTLS' }));
    expect(port).toHaveValue('143');
    await user.click(screen.getByRole('radio', { name: 'None (not encrypted)' }));
    expect(screen.getByText('Passwords and email would cross the network unencrypted')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(screen.getByRole('heading', { level: 1, name: 'Select your data service' })).toBeInTheDocument();
    await user.click(screen.getByRole('checkbox', { name: 'I understand: sign in without encryption' }));
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Destination' })).toBeInTheDocument();
  });
});

describe('destination', () => {
  it('starts with Microsoft 365 as the destination', async () => {
    installFakeBackend();
    const { user } = renderApp();
    await openDestination(user);
    expect(screen.getByRole('radio', { name: /Microsoft 365/ })).toHaveAttribute('aria-checked', 'true');
    expect(screen.getByRole('radio', { name: /Another IMAP server/ })).toHaveAttribute('aria-checked', 'false');
    expect(screen.getByRole('button', { name: /Sign in with Microsoft/ })).toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: /Destination IMAP server/ })).not.toBeInTheDocument();
  });

  it('stores the admin password once, forgets it, and tests one mailbox', async () => {
    const backend = installFakeBackend();
    const { user } = renderApp();
    await openImapDestination(user);
    expect(screen.getByRole('radio', { name: /Another IMAP server/ })).toHaveAttribute('aria-checked', 'true');

    await user.type(screen.getByRole('textbox', { name: /Destination IMAP server/ }), 'mail.contoso.com');
    await user.type(screen.getByRole('textbox', { name: 'Admin account' }), 'admin@contoso.com');
    const password = screen.getByLabelText('Admin password');
    await user.type(password, 'Tr0ub4dor&3');
    // Past "Show admin password", out of the field.
    await user.tab();
    await user.tab();
    expect(await screen.findByText('Admin password stored')).toBeInTheDocument();
    expect(backend.callsTo('store_admin_password')).toEqual([{ batch: `Migration ${todayIso()}`, password: 'Tr0ub4dor&3' }]);
    expect(document.body.innerHTML).not.toContain('Tr0ub4dor&3');
    expect(screen.queryByLabelText('Admin password')).not.toBeInTheDocument();

    await user.type(screen.getByRole('textbox', { name: /Destination mailbox to test/ }), 'anna@contoso.com');
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    expect(await screen.findByText('12 folders · 3,456 messages · 1.2 GB')).toBeInTheDocument();
    expect(backend.callsTo('test_connection')[0]).toMatchObject({
      side: 'destination',
      server: { preset: null, url: 'imaps://mail.contoso.com:993' },
      emailAddress: 'anna@contoso.com',
      options: { destination_admin: 'admin@contoso.com' },
    });
  });

  it('explains a failed destination test', async () => {
    installFakeBackend({
      test_connection: () => fail('authentication', 'the admin account was refused', 'Check the admin password.'),
    });
    const { user } = renderApp();
    await openImapDestination(user);
    await user.type(screen.getByRole('textbox', { name: /Destination IMAP server/ }), 'mail.contoso.com');
    await user.type(screen.getByRole('textbox', { name: 'Admin account' }), 'admin@contoso.com');
    await user.type(screen.getByLabelText('Admin password'), 'x{Enter}');
    await screen.findByText('Admin password stored');
    await user.type(screen.getByRole('textbox', { name: /Destination mailbox to test/ }), 'anna@contoso.com');
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    expect(await screen.findByText('The admin account was refused.')).toBeInTheDocument();
    expect(screen.getByText('What to do: Check the admin password.')).toBeInTheDocument();
  });

  it('requires the server, admin and password before going on', async () => {
    installFakeBackend();
    const { user } = renderApp();
    await openImapDestination(user);
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(screen.getByText('Enter the IMAP server name, for example imap.example.com.')).toBeInTheDocument();
    expect(screen.getByText('Enter the admin account.')).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1, name: 'Destination' })).toBeInTheDocument();
  });
});
