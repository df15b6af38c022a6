import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Retirement, RetiringMailbox } from '../backend';
import { batchUser, summary } from '../dev/fixtures';
import { formatDateTime } from '../format';
import { dialogButton, findDialog } from './dialogs';
import { fail, installFakeBackend, type Handler } from './fakeBackend';
import { renderApp } from './render';

const BATCH = 'Contoso mailboxes';
const SYNCED_AT = 1_760_000_000;

function mailbox(email: string, patch: Partial<RetiringMailbox> = {}): RetiringMailbox {
  return {
    source_mailbox: email.replace(/@.*/, '@gmail.com'),
    new_mailbox: email,
    status: 'Completed',
    last_synced_at: SYNCED_AT,
    messages_in_source: 5200,
    messages_copied: 5200,
    skipped: 0,
    failed: 0,
    failed_folders: [],
    excluded_folders: [],
    can_retire: true,
    before_retiring: [],
    ...patch,
  };
}

const RETIREMENT: Retirement = {
  batch: BATCH,
  ready: 1,
  mailboxes: [
    mailbox('anna@contoso.com', { excluded_folders: ['Spam'] }),
    mailbox('ben@contoso.com', {
      can_retire: false,
      messages_copied: 798,
      messages_in_source: 800,
      skipped: 2,
      before_retiring: ['2 messages were left behind (the batch\'s report says why, e.g. too large for the new mailbox); save them from the old mailbox first.'],
    }),
  ],
  next_steps: [
    'Set up Outlook and the phones with the new mailboxes.',
    'Before retiring the mailboxes marked above, save or copy what they still hold.',
    'Keep the old mailboxes for as long as you want a fallback, then cancel the old provider.',
  ],
};

const COMPLETED_USERS = [
  batchUser('anna@contoso.com', { status: 'Completed', messages_in_source: 5200, messages_done: 5200, last_synced_at: SYNCED_AT }),
  batchUser('ben@contoso.com', { status: 'Completed', messages_in_source: 800, messages_done: 798, skipped: 2, last_synced_at: SYNCED_AT }),
];

async function openStatus(overrides: Record<string, Handler>) {
  const backend = installFakeBackend({
    list_batches: () => [summary({ status: 'Completed', users_total: 2, users_synced: 2 })],
    ...overrides,
  });
  const rendered = renderApp();
  await rendered.user.click(await screen.findByRole('button', { name: BATCH }));
  await screen.findByRole('heading', { level: 1, name: 'Email migration status' });
  await screen.findByRole('table', { name: `Mailboxes in ${BATCH}` });
  return { backend, ...rendered };
}

function completedView(): HTMLElement {
  return screen.getByRole('region', { name: 'Completed' });
}

describe('a completed batch', () => {
  it('lists the old mailboxes that can be retired, those that still hold mail, and what is left to do', async () => {
    const { backend } = await openStatus({ batch_users: () => COMPLETED_USERS, batch_retirement: () => RETIREMENT });
    await waitFor(() => within(completedView()).getByRole('heading', { name: 'Old mailboxes you can retire' }));
    const view = completedView();
    expect(view).toHaveTextContent('1 of 2 old mailboxes can be retired');

    const ready = within(view).getByRole('region', { name: 'Old mailboxes you can retire' });
    const anna = within(ready).getByRole('listitem', { name: 'anna@gmail.com' });
    expect(anna).toHaveTextContent('anna@gmail.com on the old provider, now anna@contoso.com');
    expect(anna).toHaveTextContent(`Last synced ${formatDateTime(SYNCED_AT)} · 5,200 of 5,200 messages copied`);
    expect(anna).toHaveTextContent("Left out by the migration's options: Spam");

    const notYet = within(view).getByRole('region', { name: 'Not yet: these still hold mail the new mailboxes do not have' });
    const ben = within(notYet).getByRole('listitem', { name: 'ben@gmail.com' });
    expect(ben).toHaveTextContent('798 of 800 messages copied');
    expect(within(ben).getByRole('list', { name: 'Before retiring ben@gmail.com' })).toHaveTextContent(
      '2 messages were left behind',
    );
    expect(within(ready).queryByRole('listitem', { name: 'ben@gmail.com' })).not.toBeInTheDocument();

    const steps = within(within(view).getByRole('region', { name: 'Next steps' })).getAllByRole('listitem');
    expect(steps.map((s) => s.textContent)).toEqual(RETIREMENT.next_steps);
    expect(backend.callsTo('batch_retirement')).toEqual([{ name: BATCH }]);
    // Every mailbox is completed: DNS no longer matters to this batch.
    expect(screen.queryByRole('region', { name: 'Your domains' })).not.toBeInTheDocument();
    expect(backend.callsTo('batch_domains')).toHaveLength(0);
  });

  it('appears once Close connection has run its last pass', async () => {
    let completed = false;
    const { backend, user } = await openStatus({
      list_batches: () => [summary({ status: 'Synced', users_total: 2, users_synced: 2 })],
      batch_users: () =>
        completed ? COMPLETED_USERS : COMPLETED_USERS.map((u) => ({ ...u, status: 'Synced' as const })),
      complete_batch: () => {
        completed = true;
        return null;
      },
      batch_retirement: () => RETIREMENT,
    });
    expect(screen.queryByRole('region', { name: 'Completed' })).not.toBeInTheDocument();
    expect(backend.callsTo('batch_retirement')).toHaveLength(0);
    expect(await screen.findByText(/keeps copying new mail/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Close connection' }));
    await user.click(dialogButton(await findDialog('Close the connection?'), 'Close connection'));
    await waitFor(() => within(completedView()).getByRole('heading', { name: 'Old mailboxes you can retire' }));
    // The summary shown while synced promised more copying; after closing it is gone.
    expect(screen.queryByText(/keeps copying new mail/)).not.toBeInTheDocument();
    const order = backend.commandOrder();
    expect(order.indexOf('complete_batch')).toBeLessThan(order.indexOf('batch_retirement'));
  });

  it('says when the list could not be read, and tries again', async () => {
    let broken = true;
    const { backend, user } = await openStatus({
      batch_users: () => COMPLETED_USERS,
      batch_retirement: () =>
        broken ? fail('local', 'cannot open the state database: disk I/O error', 'Free some disk space.') : RETIREMENT,
    });
    expect(await within(completedView()).findByText('Mailferry could not read or save its data on this computer.')).toBeInTheDocument();
    broken = false;
    await user.click(within(completedView()).getByRole('button', { name: 'Try again' }));
    await waitFor(() => within(completedView()).getByRole('heading', { name: 'Old mailboxes you can retire' }));
    expect(backend.callsTo('batch_retirement')).toHaveLength(2);
  });
});
