import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { progress, summary, update } from '../dev/fixtures';
import { formatFullDateTime, formatShortDateTime } from '../format';
import { fail, installFakeBackend } from './fakeBackend';
import { dialogButton, findDialog } from './dialogs';
import { renderApp } from './render';

// The window must be subscribed before the shell sends the event.
const LISTENED = 'close-requested';

describe('home', () => {
  it('explains what Mailferry does when there are no batches yet', async () => {
    installFakeBackend();
    renderApp();
    expect(await screen.findByText('No migrations yet')).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1, name: 'Migrations' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Migrate your email' })).toBeInTheDocument();
    expect(screen.getByText(/from Gmail, Outlook.com, Hotmail, Yahoo/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Get started' })).toBeEnabled();
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeInTheDocument();
    expect(screen.getByRole('main')).toBeInTheDocument();
    expect(screen.getByRole('banner')).toBeInTheDocument();
  });

  it('keeps the batch list live while batches run', async () => {
    let synced = 1;
    const backend = installFakeBackend({
      list_batches: () => [summary({ users_synced: synced })],
    });
    renderApp();
    const table = await screen.findByRole('table', { name: 'Migration batches' });
    expect(within(table).getByText('1 of 3')).toBeInTheDocument();
    await waitFor(() => expect(backend.listening()).toContain('batch-progress'));
    synced = 2;
    // A burst of progress reloads the list once, not once per event.
    for (let i = 0; i < 5; i += 1) {
      await backend.emitBatchProgress(update('Contoso mailboxes', [progress('ben@contoso.com', { status: 'Synced' })]));
    }
    // The reload waits a second after the first event; the list is read again once it has.
    expect(await within(table).findByText('2 of 3')).toBeInTheDocument();
    expect(backend.callsTo('list_batches')).toHaveLength(2);
  });

  it('lists batches with source, status, users synced and opens one', async () => {
    const backend = installFakeBackend({
      list_batches: () => [summary(), summary({ name: 'Pilot', status: 'Completed', users_total: 2, users_synced: 2 })],
    });
    const { user } = renderApp();
    const table = await screen.findByRole('table', { name: 'Migration batches' });
    const row = within(table).getByRole('row', { name: /Contoso mailboxes/ });
    expect(within(row).getByText('Gmail')).toBeInTheDocument();
    expect(within(row).getByText('Syncing')).toBeInTheDocument();
    expect(within(row).getByText('1 of 3')).toBeInTheDocument();
    expect(within(table).getByText('Completed')).toBeInTheDocument();
    // The date short enough for one line, the whole of it in the tooltip.
    const synced = summary().last_synced_at ?? 0;
    expect(within(row).getByTitle(formatFullDateTime(synced))).toHaveTextContent(formatShortDateTime(synced));

    await user.click(within(row).getByRole('button', { name: 'Contoso mailboxes' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Email migration status' })).toBeInTheDocument();
    expect(backend.callsTo('batch_users')).toEqual([{ name: 'Contoso mailboxes' }]);
  });

  it('shows a failure to read the batches with what to do', async () => {
    installFakeBackend({
      list_batches: () => fail('local', 'the state database is locked', 'Close the other Mailferry window.'),
    });
    renderApp();
    expect(await screen.findByText('Mailferry could not read or save its data on this computer.')).toBeInTheDocument();
    expect(screen.getByText('What to do: Close the other Mailferry window.')).toBeInTheDocument();
    // The engine's own words stay one click away.
    expect(screen.getByText('Details')).toBeInTheDocument();
    expect(screen.getByText('The state database is locked.')).not.toBeVisible();
  });

  it('asks to open the app when the page runs outside Mailferry', () => {
    renderApp();
    expect(screen.getByRole('heading', { name: 'Open Mailferry from its app' })).toBeInTheDocument();
  });
});

describe('keyring', () => {
  it('offers memory-only passwords when the keyring is unavailable', async () => {
    const backend = installFakeBackend({
      keyring_status: () => ({ available: false, memory_only: false, problem: 'No keyring service is running.' }),
    });
    const { user } = renderApp();
    expect(await screen.findByText('No keyring service is running.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Keep passwords in memory for this session' }));
    expect(await screen.findByText('Passwords are kept in memory for this session')).toBeInTheDocument();
    expect(backend.callsTo('use_memory_secrets')).toHaveLength(1);
  });

  it('says nothing when the keyring works', async () => {
    const backend = installFakeBackend();
    renderApp();
    await screen.findByText('No migrations yet');
    expect(backend.callsTo('keyring_status')).toHaveLength(1);
    expect(screen.queryByRole('button', { name: /Keep passwords in memory/ })).not.toBeInTheDocument();
  });
});

describe('closing the window while migrations run', () => {
  it('keeps them running in the background where a tray icon brings the window back', async () => {
    const backend = installFakeBackend();
    const { user } = renderApp();
    await screen.findByText('No migrations yet');
    await waitFor(() => expect(backend.listening()).toContain(LISTENED));
    await backend.emitCloseRequested({ running_batches: ['Contoso mailboxes'], copying: true, background: 'tray' });
    const dialog = await findDialog('Email is still being copied');
    expect(within(dialog).getByText(/"Contoso mailboxes" is still copying email/)).toBeInTheDocument();
    expect(within(dialog).getByText(/icon in the tray brings this window back/)).toBeInTheDocument();
    await user.click(dialogButton(dialog, 'Keep running in the background'));
    expect(backend.callsTo('keep_running_in_background')).toHaveLength(1);
    expect(backend.callsTo('stop_all_and_quit')).toHaveLength(0);
  });

  it('offers to minimise instead where the desktop shows no tray icons', async () => {
    const backend = installFakeBackend();
    const { user } = renderApp();
    await screen.findByText('No migrations yet');
    await waitFor(() => expect(backend.listening()).toContain(LISTENED));
    await backend.emitCloseRequested({ running_batches: ['Contoso mailboxes'], copying: true, background: 'minimised' });
    const dialog = await findDialog('Email is still being copied');
    expect(within(dialog).queryByText(/tray/)).not.toBeInTheDocument();
    expect(within(dialog).getByText(/goes to the task bar; opening Mailferry again also brings it back/)).toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: 'Keep running in the background' })).not.toBeInTheDocument();
    await user.click(dialogButton(dialog, 'Keep running, minimised'));
    expect(backend.callsTo('keep_running_in_background')).toHaveLength(1);
  });

  it('does not say "still copying" when every mailbox only waits for its next pass', async () => {
    const backend = installFakeBackend();
    renderApp();
    await screen.findByText('No migrations yet');
    await waitFor(() => expect(backend.listening()).toContain(LISTENED));
    await backend.emitCloseRequested({ running_batches: ['Contoso mailboxes'], copying: false, background: 'tray' });
    const dialog = await findDialog('Migrations are keeping mail in step');
    expect(within(dialog).queryByText(/still copying/)).not.toBeInTheDocument();
    expect(within(dialog).getByText(/"Contoso mailboxes" is up to date and checks the old server for new mail/)).toBeInTheDocument();
  });

  it('stops them and quits', async () => {
    const backend = installFakeBackend();
    const { user } = renderApp();
    await screen.findByText('No migrations yet');
    await waitFor(() => expect(backend.listening()).toContain(LISTENED));
    await backend.emitCloseRequested({ running_batches: ['A', 'B'], copying: true, background: 'tray' });
    const dialog = await findDialog('Email is still being copied');
    expect(within(dialog).getByText(/2 migrations \(A, B\) are still copying email/)).toBeInTheDocument();
    await user.click(dialogButton(dialog, 'Stop them and quit'));
    expect(backend.callsTo('stop_all_and_quit')).toHaveLength(1);
    expect(backend.callsTo('keep_running_in_background')).toHaveLength(0);
  });
});

describe('reports and history', () => {
  it('downloads a past batch report through the save dialog', async () => {
    const backend = installFakeBackend({
      list_batches: () => [summary({ name: 'Pilot', status: 'Completed' })],
    });
    const { user } = renderApp();
    await screen.findByRole('table', { name: 'Migration batches' });
    await user.click(screen.getByRole('button', { name: 'Reports and history' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Reports and history' })).toBeInTheDocument();
    await user.click(await screen.findByRole('button', { name: 'Download report for Pilot' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Web page (HTML)' }));
    expect(await screen.findByText('Report saved to /home/owner/Contoso report.csv')).toBeInTheDocument();
    const order = backend.commandOrder();
    expect(order.indexOf('plugin:dialog|save')).toBeLessThan(order.indexOf('export_report'));
    expect(backend.callsTo('export_report')).toEqual([
      { name: 'Pilot', format: 'html', path: '/home/owner/Contoso report.csv' },
    ]);
    // The saved report is one click away: opened, or shown in its folder.
    await user.click(screen.getByRole('button', { name: 'Show in folder' }));
    await user.click(screen.getByRole('button', { name: 'Open' }));
    expect(backend.callsTo('open_saved_report')).toEqual([
      { path: '/home/owner/Contoso report.csv', inFolder: true },
      { path: '/home/owner/Contoso report.csv', inFolder: false },
    ]);
  });
});
