import { teamsHighContrastTheme, webDarkTheme, webLightTheme } from '@fluentui/react-components';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { BADGE_LOOKS, NEUTRAL_BADGE } from '../components/StatusBadge';
import { INITIAL_LIVE, liveReducer, PendingProgress, repaintInterval } from '../components/status/useBatchLive';
import { SAMPLE_USERS, batchUser, progress, report, summary, update } from '../dev/fixtures';
import { fail, installFakeBackend, type Handler } from './fakeBackend';
import { dialogButton, dialogClosed, findDialog } from './dialogs';
import { renderApp } from './render';

const LISTENED = 'batch-progress';

const BATCH = 'Contoso mailboxes';

async function openStatus(overrides: Record<string, Handler> = {}) {
  const backend = installFakeBackend({
    list_batches: () => [summary()],
    batch_users: () => SAMPLE_USERS,
    ...overrides,
  });
  const rendered = renderApp();
  await rendered.user.click(await screen.findByRole('button', { name: BATCH }));
  await screen.findByRole('heading', { level: 1, name: 'Email migration status' });
  await screen.findByRole('table', { name: `Mailboxes in ${BATCH}` });
  await waitFor(() => expect(backend.listening()).toContain(LISTENED));
  return { backend, ...rendered };
}

function rowOf(email: string): HTMLElement {
  const table = screen.getByRole('table', { name: `Mailboxes in ${BATCH}` });
  return within(table).getAllByRole('row').find((r) => within(r).queryByText(email) !== null) as HTMLElement;
}

describe('email migration status', () => {
  it('shows each mailbox with its status, progress and last sync', async () => {
    await openStatus();
    expect(within(rowOf('anna@contoso.com')).getByText('Synced')).toBeInTheDocument();
    expect(within(rowOf('anna@contoso.com')).getByText('5,200 of 5,200 messages')).toBeInTheDocument();
    expect(within(rowOf('anna@contoso.com')).getByText('1.2 GB')).toBeInTheDocument();
    expect(within(rowOf('ben@contoso.com')).getByText('Syncing')).toBeInTheDocument();
    expect(within(rowOf('chris@contoso.com')).getByText('Failed')).toBeInTheDocument();
    expect(within(rowOf('chris@contoso.com')).getByText('The mail server did not accept the sign-in.')).toBeInTheDocument();
    expect(screen.getByText('1 of 3 synced · 1 failed')).toBeInTheDocument();
    expect(screen.getByText(/From Gmail to mail.contoso.com/)).toBeInTheDocument();
  });

  it('follows batchProgress events: badge, progress, rate, and the Waiting reason', async () => {
    const { backend } = await openStatus();
    await backend.emitBatchProgress(
      update(BATCH, [progress('ben@contoso.com', { to_copy: 8000, copied: 2000, bytes_copied: 104_857_600, rate: 25, eta_secs: 240 })]),
    );
    const ben = rowOf('ben@contoso.com');
    // 4,100 were there after the last pass; this one copied 2,000 and has 6,000 to go.
    expect(within(ben).getByText('6,100 of 12,100 messages')).toBeInTheDocument();
    expect(within(ben).getByText('800 MB · 25 messages/s · about 4 min left')).toBeInTheDocument();

    const resumeAt = Math.floor(new Date(2030, 0, 1, 14, 30).getTime() / 1000);
    await backend.emitBatchProgress(
      update(BATCH, [
        progress('ben@contoso.com', {
          status: 'Waiting',
          detail: 'Gmail daily download limit reached — trying again at 13:30:00 UTC',
          resume_at: resumeAt,
          rate: 0,
          eta_secs: null,
        }),
      ]),
    );
    const waiting = rowOf('ben@contoso.com');
    expect(within(waiting).getByText('Waiting')).toBeInTheDocument();
    expect(within(waiting).getByText(/Gmail daily download limit reached · resumes at/)).toBeInTheDocument();
    // One time, in the owner's own time zone: the engine's UTC time for its logs is left out.
    expect(waiting).not.toHaveTextContent('UTC');
    expect(waiting).not.toHaveTextContent('trying again');
    // A mailbox that settles makes the page re-read the stored rows (errors, last sync).
    await waitFor(() => expect(backend.callsTo('batch_users').length).toBeGreaterThanOrEqual(2));
  });

  it('keeps what was copied on screen after Stop, with a Stopped badge', async () => {
    let stopped = false;
    const ben = batchUser('ben@contoso.com', { status: 'Syncing' });
    const { backend, user } = await openStatus({
      batch_users: () => [stopped ? { ...ben, status: 'Stopped' } : ben],
      stop_batch: () => {
        stopped = true;
        return null;
      },
    });
    await backend.emitBatchProgress(
      update(BATCH, [progress('ben@contoso.com', { to_copy: 8000, copied: 2000, bytes_copied: 104_857_600 })]),
    );
    expect(within(rowOf('ben@contoso.com')).getByText('2,000 of 8,000 messages')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Stop migration' }));
    await waitFor(() => expect(within(rowOf('ben@contoso.com')).getByText('Stopped')).toBeInTheDocument());
    // The stopped pass wrote no report: the page still shows what it copied.
    const row = rowOf('ben@contoso.com');
    expect(within(row).getByText('2,000 of 8,000 messages')).toBeInTheDocument();
    expect(within(row).getByText('100 MB')).toBeInTheDocument();
    expect(within(row).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '0.25');
    expect(screen.getByText('2,000 of 8,000 messages', { selector: 'span:not(td *)' })).toBeInTheDocument();
  });

  it('says how far back each mailbox is copied, for a stopped batch and live', async () => {
    const day = (iso: string) =>
      new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
        new Date(`${iso}T00:00:00Z`),
      );
    const { backend, user } = await openStatus({
      batch_users: () => [
        batchUser('anna@contoso.com', { status: 'Stopped', messages_in_source: 900, messages_done: 300, copied_back_to: '2025-03-03' }),
        batchUser('ben@contoso.com', { status: 'Syncing', messages_in_source: 12000, messages_done: 4100 }),
      ],
      user_report: () => null,
    });
    // From the stored row: the batch is stopped, nothing is live.
    expect(within(rowOf('anna@contoso.com')).getByText(`Copied back to ${day('2025-03-03')}`)).toBeInTheDocument();
    // No date until every folder has started.
    expect(rowOf('ben@contoso.com')).not.toHaveTextContent('Copied back to');

    await backend.emitBatchProgress(update(BATCH, [progress('ben@contoso.com', { copied_back_to: '2024-11-06' })]));
    expect(within(rowOf('ben@contoso.com')).getByText(`Copied back to ${day('2024-11-06')}`)).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Details for anna@contoso.com' }));
    const details = await screen.findByRole('region', { name: 'Details for anna@contoso.com' });
    expect(details).toHaveTextContent(`every message received on or after ${day('2025-03-03')} is in the new mailbox`);
  });

  it('draws every status badge readably in the light, dark and high-contrast themes', () => {
    // Fluent's "subtle" badge is white text for coloured surfaces: white on white on a page.
    expect(BADGE_LOOKS.filter((look) => look.color === 'subtle')).toEqual([]);
    for (const theme of [webLightTheme, webDarkTheme, teamsHighContrastTheme]) {
      const ratio = contrast(theme[NEUTRAL_BADGE.foreground], theme[NEUTRAL_BADGE.background]);
      expect(ratio).toBeGreaterThanOrEqual(4.5);
      // The badge stands out from the page around it.
      expect(theme[NEUTRAL_BADGE.border]).not.toBe(theme.colorNeutralBackground1);
    }
  });

  it('says what moved and what comes next once every mailbox is synced', async () => {
    await openStatus({
      list_batches: () => [summary({ status: 'Synced', destination: { preset: 'microsoft365', url: 'imaps://outlook.office365.com:993' } })],
      batch_users: () => [
        batchUser('anna@contoso.com', { status: 'Synced', messages_in_source: 5200, messages_done: 5200, bytes_copied: 1_288_490_188, skipped: 2 }),
        batchUser('ben@contoso.com', { status: 'Synced', messages_in_source: 800, messages_done: 800, bytes_copied: 104_857_600 }),
      ],
    });
    const after = screen.getByRole('region', { name: 'The mail is in the new mailboxes' });
    const moved = within(within(after).getByLabelText('What moved'));
    expect(moved.getByText('6,000')).toBeInTheDocument();
    expect(moved.getByText('mailboxes synced').nextSibling).toHaveTextContent('2');
    expect(moved.getByText('1.3 GB')).toBeInTheDocument();
    expect(moved.getByText('messages skipped (see details)').nextSibling).toHaveTextContent('2');
    // The place for switching the domain, and setting up Outlook and phones.
    expect(within(after).getByRole('region', { name: 'Switch your domain' })).toHaveTextContent(/MX record/);
    expect(within(after).getByText('Set up Outlook and phones')).toBeInTheDocument();
    expect(within(after).getByText(/Outlook app/)).toBeInTheDocument();
  });

  it('keeps next steps for later while a mailbox still has its first copy to finish', async () => {
    await openStatus();
    expect(screen.queryByRole('region', { name: 'The mail is in the new mailboxes' })).not.toBeInTheDocument();
  });

  it('says why a mailbox waits in words, with one local time', async () => {
    const resumeAt = Math.floor(new Date(2030, 0, 1, 14, 30).getTime() / 1000);
    await openStatus({
      batch_users: () => [
        batchUser('ben@contoso.com', {
          status: 'Waiting',
          detail: 'cannot connect to imap.gmail.com:993: Connection refused (os error 111) — trying again at 13:30:00 UTC',
          error: { kind: 'network', message: 'cannot connect to imap.gmail.com:993: Connection refused (os error 111)', hint: 'Check the port.' },
          resume_at: resumeAt,
        }),
      ],
    });
    const row = rowOf('ben@contoso.com');
    expect(within(row).getByText(/^The server imap.gmail.com refused the connection. · resumes at /)).toBeInTheDocument();
    expect(row).not.toHaveTextContent('os error');
    expect(row).not.toHaveTextContent('UTC');
  });

  it('ignores events of other batches', async () => {
    const { backend } = await openStatus();
    await backend.emitBatchProgress(update('Another batch', [progress('ben@contoso.com', { status: 'Failed' })]));
    expect(within(rowOf('ben@contoso.com')).getByText('Syncing')).toBeInTheDocument();
  });

  it('expands a mailbox into its per-folder report with skipped items', async () => {
    const { backend, user } = await openStatus({ user_report: () => report() });
    await user.click(screen.getByRole('button', { name: 'Details for anna@contoso.com' }));
    const details = await screen.findByRole('region', { name: 'Details for anna@contoso.com' });
    expect(await within(details).findByRole('table', { name: 'Folders' })).toBeInTheDocument();
    expect(within(details).getByText('[Gmail]/Sent Mail')).toBeInTheDocument();
    // The running total over every pass, besides what the last pass did.
    expect(within(details).getByText('In all so far: 5,200 of 5,200 messages are in the new mailbox (1.2 GB copied).')).toBeInTheDocument();
    expect(within(details).getByText(/^Last run: 5,198 copied/)).toBeInTheDocument();
    expect(within(details).getByText('Sent Items')).toBeInTheDocument();
    expect(within(details).getByText('Holiday photos')).toBeInTheDocument();
    expect(within(details).getAllByText('Larger than the 35 MB the destination accepts.')).toHaveLength(2);
    expect(within(details).getByText(/\[Gmail\]\/All Mail: Archived mail is copied to Archive instead./)).toBeInTheDocument();
    expect(backend.callsTo('user_report')).toEqual([{ name: BATCH, email: 'anna@contoso.com' }]);
    expect(screen.getByRole('button', { name: 'Details for anna@contoso.com' })).toHaveAttribute('aria-expanded', 'true');
  });

  it('lists re-encoded messages and the keywords the new server did not get, with why', async () => {
    const base = report();
    const inbox = {
      ...base.folders[0],
      keywords_not_kept: { $MDNSent: 3, $Work: 1 },
      reencoded: 1,
      reencoded_items: [
        {
          uid: 77,
          subject: 'Server log export',
          date: '2024-05-01',
          size: 48_000,
          reason: 'reencoded',
          explanation: 're-encoded for Exchange (lines longer than 10,500 characters); the content is unchanged',
        },
      ],
    };
    const sent = { ...base.folders[1], keywords_not_kept: { $MDNSent: 2 } };
    // As the engine sends a folder where every keyword was kept: without the field.
    const { keywords_not_kept: _, ...archive } = { ...base.folders[1], source: 'Archive' };
    const { user } = await openStatus({ user_report: () => ({ ...base, folders: [inbox, sent, archive] }) });
    await user.click(screen.getByRole('button', { name: 'Details for anna@contoso.com' }));
    const details = await screen.findByRole('region', { name: 'Details for anna@contoso.com' });
    const reencoded = await within(details).findByRole('table', { name: 'Re-encoded messages' });
    expect(within(reencoded).getByText('Server log export')).toBeInTheDocument();
    expect(within(reencoded).getByText(/lines longer than 10,500 characters/)).toBeInTheDocument();
    // Summed over folders, so the owner reads one count per keyword.
    expect(within(details).getByText('$MDNSent: on 5 messages, not given to the new server')).toBeInTheDocument();
    expect(within(details).getByText('$Work: on 1 message, not given to the new server')).toBeInTheDocument();
  });

  it('fixes a rejected password inline: stores the new one, then retries', async () => {
    const { backend, user } = await openStatus();
    await user.click(screen.getByRole('button', { name: 'Details for chris@contoso.com' }));
    const details = await screen.findByRole('region', { name: 'Details for chris@contoso.com' });
    expect(within(details).getByText('What to do: Create a new app password for this mailbox and enter it here.')).toBeInTheDocument();
    await user.type(within(details).getByLabelText('Enter a new app password'), 'new-app-pass{Enter}');
    await waitFor(() => expect(backend.callsTo('retry_user')).toEqual([{ name: BATCH, email: 'chris@contoso.com' }]));
    expect(backend.callsTo('store_password')).toEqual([{ batch: BATCH, email: 'chris@contoso.com', password: 'new-app-pass' }]);
    const order = backend.commandOrder();
    expect(order.indexOf('store_password')).toBeLessThan(order.indexOf('retry_user'));
    expect(document.body.innerHTML).not.toContain('new-app-pass');
  });

  it('stops, resumes and retries with the matching commands', async () => {
    const { backend, user } = await openStatus({
      batch_users: () => [...SAMPLE_USERS, batchUser('dora@contoso.com', { status: 'Stopped' })],
    });
    await user.click(screen.getByRole('button', { name: 'Stop migration' }));
    await waitFor(() => expect(backend.callsTo('stop_batch')).toEqual([{ name: BATCH }]));
    await user.click(screen.getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(backend.callsTo('start_batch')).toEqual([{ name: BATCH }]));
    await user.click(screen.getByRole('button', { name: 'Retry failed' }));
    await waitFor(() => expect(backend.callsTo('retry_failed')).toEqual([{ name: BATCH }]));
  });

  it('does nothing when closing the connection is cancelled', async () => {
    const { backend, user } = await openStatus();
    await user.click(screen.getByRole('button', { name: 'Close connection' }));
    await user.click(dialogButton(await findDialog('Close the connection?'), 'Cancel'));
    await dialogClosed();
    expect(backend.callsTo('complete_batch')).toHaveLength(0);
  });

  it('closes the connection after confirming', async () => {
    const { backend, user } = await openStatus();
    await user.click(screen.getByRole('button', { name: 'Close connection' }));
    await user.click(dialogButton(await findDialog('Close the connection?'), 'Close connection'));
    await waitFor(() => expect(backend.callsTo('complete_batch')).toEqual([{ name: BATCH }]));
    expect(await screen.findByText(/The connection is closed/)).toBeInTheDocument();
  });

  it('deletes the batch after confirming and goes back to the list', async () => {
    const { backend, user } = await openStatus();
    await user.click(screen.getByRole('button', { name: 'Delete batch' }));
    await user.click(dialogButton(await findDialog(`Delete "${BATCH}"?`), 'Delete batch'));
    await waitFor(() => expect(backend.callsTo('delete_batch')).toEqual([{ name: BATCH }]));
    expect(await screen.findByRole('heading', { level: 1, name: 'Migrations' })).toBeInTheDocument();
  });

  it('downloads the report as CSV through the save dialog', async () => {
    const { backend, user } = await openStatus();
    await user.click(screen.getByRole('button', { name: `Download report for ${BATCH}` }));
    await user.click(await screen.findByRole('menuitem', { name: 'CSV (opens in Excel)' }));
    expect(await screen.findByText('Report saved to /home/owner/Contoso report.csv')).toBeInTheDocument();
    expect(backend.callsTo('plugin:dialog|save')[0]).toMatchObject({
      options: { defaultPath: `${BATCH} report.csv`, filters: [{ extensions: ['csv'] }] },
    });
    expect(backend.callsTo('export_report')).toEqual([{ name: BATCH, format: 'csv', path: '/home/owner/Contoso report.csv' }]);
  });

  it('writes nothing when the save dialog is cancelled', async () => {
    const { backend, user } = await openStatus({ 'plugin:dialog|save': () => null });
    await user.click(screen.getByRole('button', { name: `Download report for ${BATCH}` }));
    await user.click(await screen.findByRole('menuitem', { name: 'Web page (HTML)' }));
    await waitFor(() => expect(backend.callsTo('plugin:dialog|save')).toHaveLength(1));
    expect(backend.callsTo('export_report')).toHaveLength(0);
  });

  it('shows a failed command with what to do', async () => {
    const { user } = await openStatus({
      stop_batch: () => fail('local', 'the state database is read-only', 'Free some disk space.'),
    });
    await user.click(screen.getByRole('button', { name: 'Stop migration' }));
    expect(await screen.findByText('The state database is read-only.')).toBeInTheDocument();
    expect(screen.getByText('What to do: Free some disk space.')).toBeInTheDocument();
  });

  it('opens a past batch from the database alone', async () => {
    const { backend } = await openStatus({ batch_snapshot: () => null });
    const used = new Set(backend.commandOrder());
    // Besides the database, only DNS is asked (where the batch's domains stand now) and, for a
    // batch of sign-ins, the keyring's list of who signed in (names only, on this computer).
    for (const cmd of used) {
      expect(['list_presets', 'keyring_status', 'demo_setup', 'sign_in_settings', 'list_batches', 'batch_users', 'batch_snapshot', 'batch_domains', 'batch_sign_ins']).toContain(cmd);
    }
  });
});

describe('live progress merging', () => {
  it('returns the same state for an update that changes nothing', () => {
    const p = progress('ben@contoso.com');
    const first = liveReducer(INITIAL_LIVE, { type: 'progress', users: [p] });
    const second = liveReducer(first, { type: 'progress', users: [{ ...p }] });
    expect(second).toBe(first);
  });

  it('keeps unchanged entries identical so their rows are not repainted', () => {
    const a = progress('anna@contoso.com');
    const b = progress('ben@contoso.com');
    const first = liveReducer(INITIAL_LIVE, { type: 'progress', users: [a, b] });
    const second = liveReducer(first, { type: 'progress', users: [{ ...a }, { ...b, copied: 300 }] });
    expect(second.progress.get('anna@contoso.com')).toBe(first.progress.get('anna@contoso.com'));
    expect(second.progress.get('ben@contoso.com')?.copied).toBe(300);
  });

  it('repaints only the mailboxes an update changed, in a batch of 100 at 10 updates a second', () => {
    // How fast the page keeps up is measured by bench/ui-status.sh, not here.
    const emails = Array.from({ length: 100 }, (_, i) => `user${i}@contoso.com`);
    const copied = emails.map(() => 0);
    let state = INITIAL_LIVE;
    for (let tick = 0; tick < 600; tick += 1) {
      // Each update carries every mailbox; a tenth of them copied something since the last.
      for (let i = tick % 10; i < emails.length; i += 10) copied[i] += 100;
      const before = state.progress;
      state = liveReducer(state, {
        type: 'progress',
        users: emails.map((e, i) => progress(e, { copied: copied[i], to_copy: 100_000 })),
      });
      if (tick >= 10) {
        const changed = emails.filter((e) => state.progress.get(e) !== before.get(e));
        expect(changed).toHaveLength(10);
      }
    }
    expect(state.progress.size).toBe(100);
  });

  it('merges updates for large batches so the table repaints about 1,000 rows a second', () => {
    expect(repaintInterval(3)).toBe(100);
    expect(repaintInterval(100)).toBe(100);
    expect(repaintInterval(400)).toBe(400);
    expect(repaintInterval(50_000)).toBe(1000);
    const pending = new PendingProgress();
    pending.add([progress('a@contoso.com', { copied: 1 }), progress('b@contoso.com', { copied: 1 })]);
    pending.add([progress('a@contoso.com', { copied: 2 })]);
    const merged = pending.take();
    expect(merged.map((p) => [p.email_address, p.copied])).toEqual([
      ['a@contoso.com', 2],
      ['b@contoso.com', 1],
    ]);
    expect(pending.take()).toEqual([]);
  });
});

/** WCAG contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
