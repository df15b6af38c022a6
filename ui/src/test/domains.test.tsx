import { act, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { batchDomains, type DomainReport, type DomainSwitch } from '../backend';
import { countdown, shortTimeUntil, stageLine, timeUntil } from '../components/domains/domainView';
import { batchUser, domainReport, domainSwitch, summary, switchedDomain, update } from '../dev/fixtures';
import { installDemoBackend } from '../dev/demoBackend';
import { formatDateTime } from '../format';
import { dialogButton, dialogClosed, findDialog } from './dialogs';
import { fail, installFakeBackend, type Handler } from './fakeBackend';
import { renderApp } from './render';

const BATCH = 'Contoso mailboxes';
const HOUR = 3600;
// A fixed "now" for the clock, in the test machine's own time zone.
const NOW = Math.floor(new Date(2030, 0, 10, 9, 0).getTime() / 1000);

const SYNCED_USERS = [
  batchUser('anna@contoso.com', { status: 'Synced', messages_in_source: 5200, messages_done: 5200 }),
  batchUser('ben@fabrikam.com', { status: 'Synced', messages_in_source: 800, messages_done: 800 }),
];

afterEach(() => {
  vi.useRealTimers();
});

/** The status page of a batch whose every mailbox is Synced. */
async function openStatus(overrides: Record<string, Handler> = {}) {
  const backend = installFakeBackend({
    list_batches: () => [summary({ status: 'Synced', users_total: 2, users_synced: 2 })],
    batch_users: () => SYNCED_USERS,
    ...overrides,
  });
  const rendered = renderApp();
  await rendered.user.click(await screen.findByRole('button', { name: BATCH }));
  await screen.findByRole('heading', { level: 1, name: 'Email migration status' });
  await screen.findByRole('table', { name: `Mailboxes in ${BATCH}` });
  // The page's line of domain stages asks DNS once as it opens.
  await waitFor(() => expect(backend.callsTo('batch_domains')).toHaveLength(1));
  return { backend, ...rendered };
}

/** Straight to the domain switch, through the after-sync section's step. */
async function openSwitch(domains: () => DomainSwitch, overrides: Record<string, Handler> = {}) {
  const opened = await openStatus({ batch_domains: () => domains(), ...overrides });
  const step = screen.getByRole('region', { name: 'Switch your domain' });
  await opened.user.click(within(step).getByRole('button', { name: 'Show what to change' }));
  await screen.findByRole('heading', { level: 1, name: 'Switch your domain' });
  return opened;
}

function domainRegion(domain: string): HTMLElement {
  return screen.getByRole('region', { name: domain });
}

function recordRegion(domain: string, record: 'MX record' | 'SPF record' | 'Autodiscover record'): HTMLElement {
  return within(domainRegion(domain)).getByRole('region', { name: record });
}

function useClock() {
  // Timers are fake but still move with real time, so Fluent and Testing Library work as
  // usual; the minutes between checks are skipped, never waited for.
  vi.useFakeTimers({ shouldAdvanceTime: true });
  vi.setSystemTime(NOW * 1000);
}

async function skip(ms: number) {
  await act(async () => {
    vi.advanceTimersByTime(ms);
  });
}

describe('switch your domain', () => {
  it('opens from the after-sync step and gives each record its exact value, with a Copy button for each', async () => {
    const { backend, user } = await openSwitch(() => domainSwitch([domainReport('contoso.com')], NOW));
    const writeText = vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue(undefined);
    // The status page's domain line, then this page.
    expect(backend.callsTo('batch_domains')).toEqual([{ name: BATCH }, { name: BATCH }]);
    await screen.findByRole('region', { name: 'contoso.com' });

    const expected: [Parameters<typeof recordRegion>[1], string, RegExp][] = [
      ['MX record', 'contoso-com.mail.protection.outlook.com', /Type MX · Name @ \(contoso.com itself\) · Priority 0 · TTL 3,600 seconds/],
      ['SPF record', 'v=spf1 include:spf.protection.outlook.com -all', /Type TXT · Name @/],
      ['Autodiscover record', 'autodiscover.outlook.com', /Type CNAME · Name autodiscover/],
    ];
    for (const [record, value, fields] of expected) {
      const region = recordRegion('contoso.com', record);
      expect(within(region).getByText(value, { selector: 'code' })).toBeInTheDocument();
      expect(region).toHaveTextContent(fields);
      await user.click(within(region).getByRole('button', { name: `Copy the ${record} value` }));
      expect(writeText).toHaveBeenLastCalledWith(value);
      expect(await within(region).findByRole('button', { name: `Copy the ${record} value` })).toHaveTextContent('Copied');
    }
    expect(writeText).toHaveBeenCalledTimes(3);
    // What DNS shows now, so the owner sees what to replace.
    expect(recordRegion('contoso.com', 'MX record')).toHaveTextContent('mx1.oldhost.net (priority 10, TTL 86,400 seconds)');
    expect(recordRegion('contoso.com', 'SPF record')).toHaveTextContent('v=spf1 include:_spf.oldhost.net ~all');
  });

  it('says when the clipboard refused, so the value can be copied by hand', async () => {
    const { user } = await openSwitch(() => domainSwitch([domainReport('contoso.com')], NOW));
    vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new Error('denied'));
    const region = await waitFor(() => recordRegion('contoso.com', 'MX record'));
    await user.click(within(region).getByRole('button', { name: 'Copy the MX record value' }));
    expect(await within(region).findByText(/Could not copy: select the value/)).toBeInTheDocument();
  });

  it('is reachable from the status page toolbar, and leads back to it', async () => {
    const { backend, user } = await openStatus({
      list_batches: () => [summary()],
      batch_users: () => [batchUser('ben@contoso.com', { status: 'Syncing' })],
      batch_domains: () => domainSwitch([domainReport('contoso.com')], NOW),
    });
    // The first copy is not done: no after-sync section, but the switch is one click away.
    expect(screen.queryByRole('region', { name: 'Switch your domain' })).not.toBeInTheDocument();
    // Only the status page's one-line summary of the domains has asked.
    expect(backend.callsTo('batch_domains')).toHaveLength(1);
    await user.click(screen.getByRole('button', { name: 'Switch domain' }));
    await screen.findByRole('heading', { level: 1, name: 'Switch your domain' });
    await screen.findByRole('region', { name: 'contoso.com' });
    await user.click(screen.getByRole('button', { name: 'Migration status' }));
    await screen.findByRole('heading', { level: 1, name: 'Email migration status' });
  });

  it('turns a record green once DNS shows it: checked on opening, every minute while shown, and on Check now', async () => {
    useClock();
    const answers = [
      domainReport('contoso.com'),
      domainReport('contoso.com', { spf: ['v=spf1 include:spf.protection.outlook.com -all'], spf_ok: true, expected_spf: null }),
      switchedDomain('contoso.com', NOW),
    ];
    // The status page's domain line asks first: it and the opening check both see the first answer.
    let call = -1;
    const { backend, user } = await openSwitch(() =>
      domainSwitch([answers[Math.max(0, Math.min(call++, answers.length - 1))]], NOW),
    );
    await screen.findByRole('region', { name: 'contoso.com' });
    expect(recordRegion('contoso.com', 'SPF record')).toHaveAttribute('data-indicator', 'waiting');
    expect(within(recordRegion('contoso.com', 'SPF record')).getByText('Not yet in DNS')).toBeInTheDocument();

    // Not before the minute is up.
    await skip(59_000);
    expect(backend.callsTo('batch_domains')).toHaveLength(2);
    await skip(1_000);
    await waitFor(() => expect(backend.callsTo('batch_domains')).toHaveLength(3));
    await waitFor(() => expect(recordRegion('contoso.com', 'SPF record')).toHaveAttribute('data-indicator', 'ok'));
    expect(within(recordRegion('contoso.com', 'SPF record')).getByText('Right in DNS')).toBeInTheDocument();
    expect(recordRegion('contoso.com', 'MX record')).toHaveAttribute('data-indicator', 'waiting');

    await user.click(screen.getByRole('button', { name: 'Check now' }));
    await waitFor(() => expect(backend.callsTo('batch_domains')).toHaveLength(4));
    await waitFor(() => expect(recordRegion('contoso.com', 'MX record')).toHaveAttribute('data-indicator', 'ok'));
    expect(recordRegion('contoso.com', 'Autodiscover record')).toHaveAttribute('data-indicator', 'ok');
    expect(within(domainRegion('contoso.com')).getByText('All mail goes to Microsoft 365.')).toBeInTheDocument();
  });

  it('stops checking DNS once the page is left', async () => {
    useClock();
    const { backend, user } = await openSwitch(() => domainSwitch([domainReport('contoso.com')], NOW));
    await screen.findByRole('region', { name: 'contoso.com' });
    await user.click(screen.getByRole('button', { name: 'Migration status' }));
    await screen.findByRole('heading', { level: 1, name: 'Email migration status' });
    // The status page, this page, and the status page again as it reopens; the batch is not
    // running, so its domain line does not ask again either.
    await waitFor(() => expect(backend.callsTo('batch_domains')).toHaveLength(3));
    await skip(5 * 60_000);
    expect(backend.callsTo('batch_domains')).toHaveLength(3);
  });

  it('says where the mail goes for each stage, with the TTL advice before the switch', async () => {
    useClock();
    await openSwitch(() =>
      domainSwitch(
        [
          domainReport('contoso.com'),
          domainReport('fabrikam.com', {
            stage: 'switching',
            mx: [
              { host: 'fabrikam-com.mail.protection.outlook.com', preference: 0, ttl: 3600 },
              { host: 'mx2.oldhost.net', preference: 20, ttl: 3600 },
            ],
            ttl_ok: true,
          }),
          switchedDomain('northwind.com', NOW - 10 * HOUR),
        ],
        NOW,
      ),
    );
    await screen.findByRole('region', { name: 'contoso.com' });
    const before = domainRegion('contoso.com');
    expect(within(before).getByText('Mail still goes to the old provider.')).toBeInTheDocument();
    expect(before).toHaveTextContent(/Lower the time to live \(TTL\) of the MX records to 3,600 seconds \(one hour\) now, a day before you switch. They keep for 1 day now/);

    const switching = domainRegion('fabrikam.com');
    expect(within(switching).getByText('Mail goes partly to Microsoft 365 and partly still to the old provider.')).toBeInTheDocument();
    expect(switching).toHaveTextContent('senders notice the switch within the hour');
    expect(recordRegion('fabrikam.com', 'MX record')).toHaveTextContent(/Delete the MX records that still point to the old provider \(mx2.oldhost.net\)/);

    const switched = domainRegion('northwind.com');
    expect(within(switched).getByText('All mail goes to Microsoft 365.')).toBeInTheDocument();
    // After the switch the TTL no longer matters.
    expect(switched).not.toHaveTextContent('TTL)');
    expect(switched).not.toHaveTextContent('time to live');
  });

  it('counts down to the moment completing is safe, in the owner\'s time zone', async () => {
    useClock();
    const safeAt = NOW + 2 * 24 * HOUR + 5 * HOUR;
    let later = false;
    const { user } = await openSwitch(() =>
      later
        ? domainSwitch([switchedDomain('contoso.com', NOW - 80 * HOUR)], NOW)
        : domainSwitch([switchedDomain('contoso.com', safeAt - 72 * HOUR)], NOW),
    );
    const region = await screen.findByRole('region', { name: 'contoso.com' });
    expect(region).toHaveTextContent(`Safe to complete in 2 days 5 hours (${formatDateTime(safeAt, NOW * 1000)})`);
    expect(region).toHaveTextContent(`Switched ${formatDateTime(safeAt - 72 * HOUR, NOW * 1000)}.`);
    expect(region).not.toHaveTextContent('UTC');

    later = true;
    await user.click(screen.getByRole('button', { name: 'Check now' }));
    await waitFor(() => expect(domainRegion('contoso.com')).toHaveTextContent('More than 72 hours have passed: safe to complete.'));
    expect(screen.getByText(/Every domain is switched and 72 hours have passed/)).toBeInTheDocument();
  });

  it('words the wait the way a person says it, never shorter than it is', () => {
    expect(timeUntil(2 * 24 * HOUR + 5 * HOUR)).toBe('2 days 5 hours');
    expect(timeUntil(2 * 24 * HOUR + 4 * HOUR + 1)).toBe('2 days 5 hours');
    expect(timeUntil(72 * HOUR)).toBe('3 days');
    expect(timeUntil(24 * HOUR + 1)).toBe('1 day 1 hour');
    expect(timeUntil(5 * HOUR + 30 * 60)).toBe('5 hours 30 minutes');
    expect(timeUntil(HOUR)).toBe('1 hour');
    expect(timeUntil(45 * 60 - 10)).toBe('45 minutes');
    expect(timeUntil(1)).toBe('1 minute');
    expect(timeUntil(0)).toBeNull();
    const report = switchedDomain('contoso.com', NOW - 71 * HOUR);
    expect(countdown(report, NOW * 1000)?.text).toMatch(/Safe to complete in 1 hour \(/);
    expect(countdown(domainReport('contoso.com'), NOW * 1000)).toBeNull();
  });

  it('shows a domain that could not be checked in the window\'s words, with no command-line text', async () => {
    const failed: DomainReport = {
      ...domainReport('contoso.com'),
      stage: null,
      mx: [],
      spf: [],
      expected_mx: null,
      expected_spf: null,
      expected_autodiscover: null,
      error: {
        kind: 'network',
        message: 'the DNS server of this computer did not answer within 10 seconds',
        hint: 'Check the internet connection (or the --dns-server address), then run the check again.',
      },
    };
    const { container } = await openSwitch(() => domainSwitch([failed], NOW));
    const region = await screen.findByRole('region', { name: 'contoso.com' });
    expect(within(region).getByText("This computer's DNS server did not answer in time.")).toBeInTheDocument();
    expect(within(region).getByText(/^What to do: Check that this computer is online/)).toBeInTheDocument();
    expect(recordRegion('contoso.com', 'MX record')).toHaveAttribute('data-indicator', 'unknown');
    expect(within(recordRegion('contoso.com', 'MX record')).getByText('Not checked')).toBeInTheDocument();
    expect(container.textContent).not.toContain('--');
    expect(container.textContent).not.toMatch(/mailferry cutover|run the check again/i);
  });

  it('shows a check that failed as a whole, and tries again', async () => {
    let broken = true;
    const { backend, user } = await openSwitch(() =>
      broken ? fail('local', 'cannot open the state database: disk I/O error', 'Free some disk space.') : domainSwitch([domainReport('contoso.com')], NOW),
    );
    expect(await screen.findByText('Mailferry could not read or save its data on this computer.')).toBeInTheDocument();
    broken = false;
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByRole('region', { name: 'contoso.com' });
    // The status page's domain line, this page's first check, and Try again.
    expect(backend.callsTo('batch_domains')).toHaveLength(3);
  });

  it("opens Microsoft's domain setup in the system browser", async () => {
    const { backend, user } = await openSwitch(() => domainSwitch([domainReport('contoso.com')], NOW));
    await user.click(screen.getByRole('link', { name: /Domain setup in the Microsoft 365 admin center/ }));
    await waitFor(() =>
      expect(backend.callsTo('plugin:opener|open_url')).toEqual([
        expect.objectContaining({ url: 'https://admin.microsoft.com/Adminportal/Home#/Domains' }),
      ]),
    );
  });
});

describe("the status page's domain line", () => {
  function domainLines(): string[] {
    const region = screen.getByRole('region', { name: 'Your domains' });
    return within(region)
      .getAllByRole('listitem')
      .map((li) => li.textContent ?? '');
  }

  it('shows where each domain stands next to the mailboxes, and when completing is safe', async () => {
    useClock();
    await openStatus({
      batch_domains: () =>
        domainSwitch(
          [
            domainReport('contoso.com'),
            domainReport('fabrikam.com', { stage: 'switching' }),
            switchedDomain('northwind.com', NOW - 19 * HOUR),
            switchedDomain('tailspin.com', NOW - 80 * HOUR),
            domainReport('gone.com', { stage: 'no_mx', exists: false, mx: [] }),
          ],
          NOW,
        ),
    });
    await screen.findByRole('region', { name: 'Your domains' });
    expect(domainLines()).toEqual([
      'contoso.com — mail still goes to the old provider',
      'fabrikam.com — switching: some mail still goes to the old provider',
      'northwind.com — switched, safe to complete in 2 d 5 h',
      'tailspin.com — switched, safe to complete',
      'gone.com — not found in DNS',
    ]);
    // The table of mailboxes is still there, below.
    expect(screen.getByRole('table', { name: `Mailboxes in ${BATCH}` })).toBeInTheDocument();
  });

  it('checks again every minute while the batch runs, and never once the page is closed', async () => {
    useClock();
    let switched = false;
    const { backend, user } = await openStatus({
      // A snapshot means a runner is at work on the batch in the background.
      batch_snapshot: () => update(BATCH, []),
      batch_domains: () => domainSwitch([switched ? switchedDomain('contoso.com', NOW) : domainReport('contoso.com')], NOW),
    });
    await waitFor(() => expect(domainLines()).toEqual(['contoso.com — mail still goes to the old provider']));
    switched = true;
    await skip(59_000);
    expect(backend.callsTo('batch_domains')).toHaveLength(1);
    await skip(1_000);
    await waitFor(() => expect(backend.callsTo('batch_domains')).toHaveLength(2));
    await waitFor(() => expect(domainLines()).toEqual(['contoso.com — switched, safe to complete in 3 d']));

    // Back to the list of migrations: the status page is gone.
    const back = screen.getAllByRole('button', { name: 'Migrations' });
    await user.click(back[back.length - 1]);
    await screen.findByRole('heading', { level: 1, name: 'Migrations' });
    await skip(5 * 60_000);
    expect(backend.callsTo('batch_domains')).toHaveLength(2);
  });

  it('asks only once while the batch is not running', async () => {
    useClock();
    const { backend } = await openStatus({ batch_domains: () => domainSwitch([domainReport('contoso.com')], NOW) });
    await screen.findByRole('region', { name: 'Your domains' });
    await skip(5 * 60_000);
    expect(backend.callsTo('batch_domains')).toHaveLength(1);
  });

  it('leads to the records to change', async () => {
    const { user } = await openStatus({ batch_domains: () => domainSwitch([domainReport('contoso.com')], NOW) });
    const region = await screen.findByRole('region', { name: 'Your domains' });
    await user.click(within(region).getByRole('button', { name: 'What to change' }));
    await screen.findByRole('heading', { level: 1, name: 'Switch your domain' });
  });

  it('words a domain DNS could not answer about, and a short wait', () => {
    const failed = {
      ...domainReport('contoso.com'),
      stage: null,
      error: { kind: 'network' as const, message: 'the DNS server 192.0.2.53:53 did not answer within 10 seconds', hint: '' },
    };
    expect(stageLine(failed, NOW * 1000).text).toBe('could not be checked in DNS (The DNS server 192.0.2.53:53 did not answer in time)');
    expect(shortTimeUntil(0)).toBeNull();
    expect(shortTimeUntil(1)).toBe('1 min');
    expect(shortTimeUntil(2 * HOUR)).toBe('2 h');
    expect(shortTimeUntil(5 * HOUR + 1799)).toBe('5 h 30 min');
    expect(shortTimeUntil(53 * HOUR)).toBe('2 d 5 h');
    expect(shortTimeUntil(72 * HOUR)).toBe('3 d');
    expect(shortTimeUntil(72 * HOUR + 1)).toBe('3 d 1 h');
  });

  it('is left out for a batch whose domains DNS has nothing to say about', async () => {
    await openStatus({ batch_domains: () => domainSwitch([], NOW) });
    expect(screen.queryByRole('region', { name: 'Your domains' })).not.toBeInTheDocument();
  });
});

describe('closing the connection before the domain is switched', () => {
  const UNSAFE = () => domainSwitch([domainReport('contoso.com'), switchedDomain('fabrikam.com', NOW - 30 * HOUR)], NOW);

  it('says what could be lost, and Not yet completes nothing', async () => {
    useClock();
    const { backend, user } = await openStatus({ batch_domains: UNSAFE });
    await user.click(screen.getByRole('button', { name: 'Close connection' }));
    const dialog = await findDialog('Mail could still be lost');
    expect(dialog).toHaveTextContent('mail still delivered there after this would be lost');
    const why = within(dialog).getByRole('list', { name: 'Why' });
    expect(within(why).getByText('contoso.com: mail still goes to the old provider.')).toBeInTheDocument();
    expect(why).toHaveTextContent(
      `fabrikam.com: switched less than 72 hours ago; some senders may still deliver to the old provider until ${formatDateTime(NOW + 42 * HOUR, NOW * 1000)} (in 1 day 18 hours).`,
    );
    // One time, in the owner's own time zone.
    expect(dialog).not.toHaveTextContent('UTC');
    expect(screen.queryByRole('alertdialog', { name: 'Close the connection?' })).not.toBeInTheDocument();
    await user.click(dialogButton(dialog, 'Not yet'));
    await dialogClosed();
    // The page's domain line, then the check before closing the connection.
    expect(backend.callsTo('batch_domains')).toEqual([{ name: BATCH }, { name: BATCH }]);
    expect(backend.callsTo('complete_batch')).toHaveLength(0);
  });

  it('completes anyway when the owner insists', async () => {
    const { backend, user } = await openStatus({ batch_domains: UNSAFE });
    await user.click(screen.getByRole('button', { name: 'Close connection' }));
    await user.click(dialogButton(await findDialog('Mail could still be lost'), 'Complete anyway'));
    await waitFor(() => expect(backend.callsTo('complete_batch')).toEqual([{ name: BATCH }]));
    expect(await screen.findByText(/The connection is closed/)).toBeInTheDocument();
  });

  it('asks as before, without the warning, once every domain has been switched for 72 hours', async () => {
    const { backend, user } = await openStatus({
      batch_domains: () => domainSwitch([switchedDomain('contoso.com', NOW - 80 * HOUR)], NOW),
    });
    await user.click(screen.getByRole('button', { name: 'Close connection' }));
    const dialog = await findDialog('Close the connection?');
    expect(screen.queryByRole('alertdialog', { name: 'Mail could still be lost' })).not.toBeInTheDocument();
    await user.click(dialogButton(dialog, 'Close connection'));
    await waitFor(() => expect(backend.callsTo('complete_batch')).toEqual([{ name: BATCH }]));
    const order = backend.commandOrder();
    expect(order.indexOf('batch_domains')).toBeLessThan(order.indexOf('complete_batch'));
  });

  it('warns too when the domains could not be checked at all', async () => {
    const { backend, user } = await openStatus({
      batch_domains: () => fail('local', 'cannot open the state database: disk I/O error', 'Free some disk space.'),
    });
    await user.click(screen.getByRole('button', { name: 'Close connection' }));
    const dialog = await findDialog('Mail could still be lost');
    expect(dialog).toHaveTextContent(
      'Mailferry could not check your domains in DNS: Mailferry could not read or save its data on this computer.',
    );
    await user.click(dialogButton(dialog, 'Complete anyway'));
    await waitFor(() => expect(backend.callsTo('complete_batch')).toEqual([{ name: BATCH }]));
  });

  it('names a domain DNS could not answer about in the window\'s words', async () => {
    const { user } = await openStatus({
      batch_domains: () =>
        domainSwitch(
          [
            {
              ...domainReport('contoso.com'),
              stage: null,
              error: { kind: 'network', message: 'the DNS server 192.0.2.53:53 did not answer within 10 seconds', hint: 'Use --dns-server.' },
            },
          ],
          NOW,
        ),
    });
    await user.click(screen.getByRole('button', { name: 'Close connection' }));
    const dialog = await findDialog('Mail could still be lost');
    expect(dialog).toHaveTextContent(
      'contoso.com: could not be checked, so mail may still be delivered to the old provider. The DNS server 192.0.2.53:53 did not answer in time.',
    );
    expect(dialog).not.toHaveTextContent('--');
  });
});

describe('browser demo', () => {
  it('answers batchDomains with one domain switching and one switched 30 hours ago', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW * 1000);
    installDemoBackend();
    const answer = await batchDomains('Contoso mailboxes');
    // The finished Pilot's domain switched long ago, so its connection can be closed.
    const pilot = await batchDomains('Pilot');
    vi.clearAllTimers();
    expect(pilot.safe_to_complete).toBe(true);
    expect(answer.domains.map((d) => [d.domain, d.stage])).toEqual([
      ['contoso.com', 'switching'],
      ['fabrikam.com', 'switched'],
    ]);
    expect(answer.domains[1].switched_first_seen_epoch).toBe(NOW - 30 * HOUR);
    expect(answer.domains[1].safe_to_complete_at_epoch).toBe(NOW + 42 * HOUR);
    expect(answer.safe_to_complete).toBe(false);
    expect(answer.completion_warning).toMatch(/^Completing now stops copying from the old provider/);
  });
});
