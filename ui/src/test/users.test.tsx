import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { todayIso } from '../format';
import { fail, installFakeBackend } from './fakeBackend';
import { dialogButton, dialogClosed, findDialog } from './dialogs';
import { renderApp } from './render';
import { addUserRow, openDataService, openUsers } from './wizardFlow';

const BATCH = `Migration ${todayIso()}`;

describe('select users', () => {
  it('adds a user with the source address pre-filled from the provider', async () => {
    installFakeBackend();
    const { user } = renderApp();
    await openUsers(user);
    expect(screen.getByText(/No users yet/)).toBeInTheDocument();
    await addUserRow(user, 'anna@contoso.com');
    expect(screen.getByRole('textbox', { name: 'Source email or user name, anna@contoso.com' })).toHaveValue('anna@gmail.com');
    expect(screen.getByRole('checkbox', { name: 'Migrate anna@contoso.com' })).toBeChecked();
    expect(screen.getByText('1 of 1 selected')).toBeInTheDocument();
  });

  it('sends a password once to the keyring and never shows it again', async () => {
    const backend = installFakeBackend();
    const { user } = renderApp();
    await openUsers(user);
    await addUserRow(user, 'anna@contoso.com');
    const field = screen.getByLabelText(/^(App )?password for anna@contoso.com$/i);
    await user.type(field, 'abcd efgh ijkl mnop');
    await user.click(screen.getByRole('button', { name: 'Show app password for anna@contoso.com' }));
    expect(field).toHaveAttribute('type', 'text');
    // Showing the password keeps focus in the field: nothing is stored yet.
    expect(backend.callsTo('store_password')).toHaveLength(0);
    await user.tab();
    await user.tab();
    expect(await screen.findByText('Password stored')).toBeInTheDocument();
    expect(backend.callsTo('store_password')).toEqual([
      { batch: BATCH, email: 'anna@contoso.com', password: 'abcd efgh ijkl mnop' },
    ]);
    expect(document.body.innerHTML).not.toContain('abcd efgh ijkl mnop');
    expect(screen.queryByLabelText('App password for anna@contoso.com')).not.toBeInTheDocument();
    for (const input of Array.from(document.querySelectorAll('input'))) {
      expect(input.value).not.toContain('abcd efgh ijkl mnop');
    }
  });

  it('shows a refused password next to its field and keeps the row unfinished', async () => {
    installFakeBackend({
      store_password: () => fail('local', 'the keyring refused to store the password', 'Unlock your keyring.'),
    });
    const { user } = renderApp();
    await openUsers(user);
    await addUserRow(user, 'anna@contoso.com');
    await user.type(screen.getByLabelText(/^(App )?password for anna@contoso.com$/i), 'secret{Enter}');
    expect(await screen.findByText("This computer's password store (keyring) did not work. Unlock your keyring.")).toBeInTheDocument();
    expect(screen.queryByText('Password stored')).not.toBeInTheDocument();
  });

  it('tests a row against the source and shows what it found, or the error', async () => {
    let attempt = 0;
    const backend = installFakeBackend({
      test_connection: (args) => {
        if (args.side === 'destination') return { folders: 5, messages: 0, bytes: 0, too_large: 0 };
        attempt += 1;
        if (attempt === 1) return { folders: 9, messages: 1200, bytes: 52_428_800, too_large: 3 };
        return fail('authentication', 'Gmail did not accept the app password', 'Create a new app password.');
      },
    });
    const { user } = renderApp();
    await openUsers(user);
    await addUserRow(user, 'anna@contoso.com');
    const test = screen.getByRole('button', { name: 'Test connection for anna@contoso.com' });
    expect(test).toBeDisabled();
    await user.type(screen.getByLabelText(/^(App )?password for anna@contoso.com$/i), 'secret{Enter}');
    await screen.findByText('Password stored');
    await user.click(test);
    expect(await screen.findByText('9 folders · 1,200 messages · 50 MB · 3 too large to copy')).toBeInTheDocument();
    expect(backend.callsTo('test_connection')[0]).toMatchObject({
      batch: BATCH,
      side: 'source',
      server: { preset: 'gmail', url: 'imaps://imap.gmail.com:993' },
      emailAddress: 'anna@contoso.com',
      userName: 'anna@gmail.com',
    });
    // The new mailbox is opened too, with the destination admin.
    expect(backend.callsTo('test_connection')[1]).toMatchObject({
      side: 'destination',
      server: { preset: null, url: 'imaps://mail.contoso.com:993' },
      emailAddress: 'anna@contoso.com',
      options: { destination_admin: 'admin@contoso.com' },
    });
    await user.click(test);
    expect(await screen.findByText('The mail server did not accept the sign-in.')).toBeInTheDocument();
    expect(screen.getByText('What to do: Create a new app password.')).toBeInTheDocument();
  });

  it('checks every selected mailbox before the batch starts, old and new', async () => {
    const backend = installFakeBackend({
      test_connection: (args) => {
        if (args.side === 'destination' && args.emailAddress === 'ben@contoso.com') {
          fail('authentication', 'the admin cannot open ben@contoso.com', 'Give the admin full access to the mailbox.');
        }
        return { folders: 9, messages: 1200, bytes: 52_428_800, too_large: 0 };
      },
    });
    const { user } = renderApp();
    await openUsers(user);
    for (const email of ['anna@contoso.com', 'ben@contoso.com']) {
      await addUserRow(user, email);
      await user.type(screen.getByLabelText(`App password for ${email}`), 'secret{Enter}');
    }
    await waitFor(() => expect(screen.getAllByText('Password stored')).toHaveLength(2));
    await user.click(screen.getByRole('button', { name: 'Test all selected' }));
    expect(await screen.findByText('The new server did not accept the sign-in.')).toBeInTheDocument();
    expect(screen.getByText('9 folders · 1,200 messages · 50 MB')).toBeInTheDocument();
    const sides = backend.callsTo('test_connection').map((c) => `${c.side} ${c.emailAddress}`);
    expect(sides.sort()).toEqual([
      'destination anna@contoso.com',
      'destination ben@contoso.com',
      'source anna@contoso.com',
      'source ben@contoso.com',
    ]);
  });

  it('imports a CSV: rows arrive with their passwords already stored', async () => {
    const backend = installFakeBackend({
      import_csv: () => ({
        rows: [
          { email_address: 'anna@contoso.com', user_name: 'anna@gmail.com', user_root: null, line: 2 },
          { email_address: 'ben@contoso.com', user_name: 'ben.old@gmail.com', user_root: null, line: 3 },
        ],
        problems: [],
      }),
    });
    const { user } = renderApp();
    await openUsers(user);
    await user.click(screen.getByRole('button', { name: 'Import CSV' }));
    expect(await screen.findByText(/2 mailboxes imported from users.csv/)).toBeInTheDocument();
    expect(backend.callsTo('import_csv')).toEqual([{ batch: BATCH, path: '/home/owner/users.csv', signsIn: false }]);
    const order = backend.commandOrder();
    expect(order.indexOf('plugin:dialog|open')).toBeLessThan(order.indexOf('import_csv'));
    expect(screen.getByRole('textbox', { name: 'Source email or user name, ben@contoso.com' })).toHaveValue('ben.old@gmail.com');
    expect(screen.getAllByText('Password stored')).toHaveLength(2);
  });

  it('refuses a CSV with problems next to their lines and adds nothing', async () => {
    installFakeBackend({
      import_csv: () => ({
        rows: [],
        problems: [
          { line: 3, column: 'EmailAddress', message: '"ben@contoso" is not an email address' },
          { line: 7, column: 'Password', message: 'the password is empty' },
        ],
      }),
    });
    const { user } = renderApp();
    await openUsers(user);
    await user.click(screen.getByRole('button', { name: 'Import CSV' }));
    expect(await screen.findByText('The file was not imported')).toBeInTheDocument();
    const problems = screen.getByRole('table', { name: 'Problems in the CSV file' });
    const line3 = within(problems).getByRole('row', { name: /"ben@contoso" is not an email address/ });
    expect(within(line3).getByText('3')).toBeInTheDocument();
    expect(within(line3).getByText('EmailAddress')).toBeInTheDocument();
    expect(within(problems).getByRole('row', { name: /7 Password the password is empty/ })).toBeInTheDocument();
    expect(screen.getByText(/No users yet/)).toBeInTheDocument();
    expect(screen.getByText('0 of 0 selected')).toBeInTheDocument();
  });

  it('does nothing when the file dialog is cancelled', async () => {
    const backend = installFakeBackend({ 'plugin:dialog|open': () => null });
    const { user } = renderApp();
    await openUsers(user);
    await user.click(screen.getByRole('button', { name: 'Import CSV' }));
    await waitFor(() => expect(backend.callsTo('plugin:dialog|open')).toHaveLength(1));
    expect(backend.callsTo('import_csv')).toHaveLength(0);
  });

  it('selects in bulk and removes the selected users', async () => {
    installFakeBackend();
    const { user } = renderApp();
    await openUsers(user);
    await addUserRow(user, 'anna@contoso.com');
    await addUserRow(user, 'ben@contoso.com');
    await addUserRow(user, 'chris@contoso.com');
    await user.click(screen.getByRole('checkbox', { name: 'Select all users' }));
    expect(screen.getByText('0 of 3 selected')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Remove selected' })).toBeDisabled();
    await user.click(screen.getByRole('checkbox', { name: 'Migrate ben@contoso.com' }));
    await user.click(screen.getByRole('checkbox', { name: 'Migrate chris@contoso.com' }));
    await user.click(screen.getByRole('button', { name: 'Remove selected' }));
    expect(screen.getByText('0 of 1 selected')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Destination mailbox, anna@contoso.com' })).toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: 'Destination mailbox, ben@contoso.com' })).not.toBeInTheDocument();
  });

  it('never lands on Remove when tabbing out of a password, and a removed row can be undone', async () => {
    installFakeBackend();
    const { user } = renderApp();
    await openUsers(user);
    await addUserRow(user, 'anna@contoso.com');
    await addUserRow(user, 'ben@contoso.com');
    await user.click(screen.getByLabelText(/^(App )?password for anna@contoso.com$/i));
    await user.keyboard('secret');
    // Past "Show app password", out of the field: wherever that lands, Enter removes nothing.
    await user.tab();
    await user.tab();
    expect(document.activeElement?.getAttribute('aria-label') ?? '').not.toMatch(/^Remove/);
    await user.keyboard('{Enter}');
    await screen.findByText('Password stored');
    expect(screen.getByRole('textbox', { name: 'Destination mailbox, anna@contoso.com' })).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Destination mailbox, ben@contoso.com' })).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Remove anna@contoso.com' }));
    expect(screen.queryByRole('textbox', { name: 'Destination mailbox, anna@contoso.com' })).not.toBeInTheDocument();
    expect(screen.getByText('Removed anna@contoso.com.')).toBeInTheDocument();
    const undo = screen.getByRole('button', { name: 'Undo' });
    await waitFor(() => expect(undo).toHaveFocus());
    await user.keyboard('{Enter}');
    // Back in its place, with its stored password.
    const mailboxes = screen.getAllByRole('textbox', { name: /^Destination mailbox, / });
    expect(mailboxes.map((input) => (input as HTMLInputElement).value)).toEqual(['anna@contoso.com', 'ben@contoso.com']);
    expect(screen.getByText('Password stored')).toBeInTheDocument();
    expect(screen.queryByText('Removed anna@contoso.com.')).not.toBeInTheDocument();
  });

  it('will not go on while a selected row has no password', async () => {
    installFakeBackend();
    const { user } = renderApp();
    await openUsers(user);
    await addUserRow(user, 'anna@contoso.com');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    // The words stand under the empty password, which is marked invalid; the mailbox is not.
    const password = screen.getByLabelText(/^(App )?password for anna@contoso.com$/i);
    expect(password).toHaveAttribute('aria-invalid', 'true');
    expect(password).toHaveAccessibleDescription('Enter the password.');
    expect(screen.getByRole('textbox', { name: 'Destination mailbox, anna@contoso.com' })).not.toHaveAttribute('aria-invalid');
    expect(screen.getByText(/1 selected user needs attention/)).toBeInTheDocument();
  });

  it('marks the source entry when it is the one missing', async () => {
    installFakeBackend();
    const { user } = renderApp();
    await openUsers(user);
    await addUserRow(user, 'anna@contoso.com');
    const source = screen.getByRole('textbox', { name: 'Source email or user name, anna@contoso.com' });
    await user.clear(source);
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(source).toHaveAttribute('aria-invalid', 'true');
    expect(source).toHaveAccessibleDescription('Enter the source email or user name.');
  });

  it('asks for a user to be selected in a message above the table', async () => {
    installFakeBackend();
    const { user } = renderApp();
    await openUsers(user);
    await addUserRow(user, 'anna@contoso.com');
    await user.click(screen.getByRole('checkbox', { name: 'Migrate anna@contoso.com' }));
    await user.click(screen.getByRole('button', { name: 'Next' }));
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('Select at least one user to migrate');
    // Before the table in reading order, so a long list cannot push it out of sight.
    const table = screen.getByRole('table', { name: 'Users to migrate' });
    expect(alert.compareDocumentPosition(table) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('recognises a password stored earlier for the same mailbox', async () => {
    installFakeBackend({ has_password: (args) => args.email === 'anna@contoso.com' });
    const { user } = renderApp();
    await openUsers(user);
    await addUserRow(user, 'anna@contoso.com');
    expect(await screen.findByText('Password stored')).toBeInTheDocument();
  });

  it('asks before leaving the wizard with users entered, forgets their passwords, then goes home', async () => {
    const backend = installFakeBackend();
    const { user } = renderApp();
    await openUsers(user);
    await addUserRow(user, 'anna@contoso.com');
    await user.click(screen.getByRole('button', { name: 'Cancel and close the wizard' }));
    await user.click(dialogButton(await findDialog('Leave without creating the migration?'), 'Leave'));
    expect(await screen.findByRole('heading', { level: 1, name: 'Migrations' })).toBeInTheDocument();
    expect(backend.callsTo('create_batch')).toHaveLength(0);
    expect(backend.callsTo('forget_draft')).toEqual([{ batch: `Migration ${todayIso()}`, emails: ['anna@contoso.com'] }]);
  });
});

describe('closing the window mid-wizard', () => {
  it('asks first, and closes only after the entries are forgotten', async () => {
    const backend = installFakeBackend();
    const { user } = renderApp();
    await openUsers(user);
    await addUserRow(user, 'anna@contoso.com');
    await waitFor(() => expect(backend.listening()).toContain('tauri://close-requested'));
    await backend.requestWindowClose();
    await user.click(dialogButton(await findDialog('Close Mailferry without creating the migration?'), 'Stay'));
    await dialogClosed();
    expect(await screen.findByRole('textbox', { name: 'Destination mailbox, anna@contoso.com' })).toBeInTheDocument();
    expect(backend.callsTo('plugin:window|close')).toHaveLength(0);

    await backend.requestWindowClose();
    await user.click(dialogButton(await findDialog('Close Mailferry without creating the migration?'), 'Close'));
    await waitFor(() => expect(backend.callsTo('plugin:window|close')).toHaveLength(1));
    expect(backend.callsTo('forget_draft')).toEqual([{ batch: BATCH, emails: ['anna@contoso.com'] }]);
    const order = backend.commandOrder();
    expect(order.indexOf('forget_draft')).toBeLessThan(order.indexOf('plugin:window|close'));
    // The app decides about closing again (running migrations), not this page.
    expect(backend.listening()).not.toContain('tauri://close-requested');
  });

  it('lets the window close without asking when nothing was entered', async () => {
    const backend = installFakeBackend();
    const { user } = renderApp();
    await openDataService(user);
    expect(backend.listening()).not.toContain('tauri://close-requested');
  });
});
