import { describe, expect, it } from 'vitest';
import { estimateBatch } from '../estimate';
import { formatBytes, formatDay, formatDuration, formatFullDateTime, formatShortDateTime, formatTimeLeft } from '../format';
import { hostOf, serverAddress, serverUrl, suggestedUserName, validateServer } from '../servers';
import { batchOptions, initialWizard, wizardReducer, type WizardState } from '../wizard/wizardState';

describe('servers', () => {
  it('builds the URL forms the engine parses', () => {
    expect(serverUrl('imap.gmail.com', 993, 'tls')).toBe('imaps://imap.gmail.com:993');
    expect(serverUrl('mail.example.com', 143, 'starttls')).toBe('imap://mail.example.com:143');
    expect(serverUrl('10.0.0.5', 143, 'none')).toBe('imap://10.0.0.5:143?tls=none');
    expect(serverUrl('::1', 993, 'tls')).toBe('imaps://[::1]:993');
    expect(hostOf({ preset: null, url: 'imap://mail.example.com:143?tls=none' })).toBe('mail.example.com');
  });

  it('validates server forms', () => {
    expect(validateServer({ host: 'imap.example.com', port: '993', security: 'tls' })).toEqual({});
    expect(validateServer({ host: '', port: '', security: 'tls' })).toEqual({
      host: expect.any(String),
      port: expect.any(String),
    });
    expect(validateServer({ host: 'user@example.com', port: '0', security: 'tls' })).toEqual({
      host: expect.stringContaining('@'),
      port: 'The port is a whole number from 1 to 65535.',
    });
  });

  it('suggests source sign-ins from the destination address', () => {
    expect(suggestedUserName('anna@contoso.com', 'gmail.com')).toBe('anna@gmail.com');
    expect(suggestedUserName('anna@contoso.com', null)).toBe('anna@contoso.com');
    expect(suggestedUserName('anna', 'gmail.com')).toBe('');
  });
});

describe('format', () => {
  it('reads sizes and durations like a person', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(52_428_800)).toBe('50 MB');
    expect(formatBytes(1_288_490_188)).toBe('1.2 GB');
    expect(formatDuration(30)).toBe('less than a minute');
    expect(formatDuration(3 * 3600 + 5 * 60)).toBe('3 h 5 min');
  });

  it('writes the engine\'s calendar days out, on the day they name whatever the time zone', () => {
    const day = formatDay('2025-03-01');
    expect(day).toMatch(/March/);
    expect(day).toMatch(/\b1\b/);
    expect(day).toMatch(/2025/);
    expect(day).not.toMatch(/February|\b28\b/);
    // Anything else is shown as it came rather than as a wrong date.
    expect(formatDay('sometime')).toBe('sometime');
  });

  it('shortens a table\'s dates to day, month and time, or the year instead of the time from another year', () => {
    // 7 December 2026, 14:05 in the machine's own time zone.
    const at = new Date(2026, 11, 7, 14, 5).getTime() / 1000;
    const thisYear = formatShortDateTime(at, new Date(2026, 5, 1).getTime());
    expect(thisYear).toMatch(/\b7\b/);
    expect(thisYear).toMatch(/Dec/);
    expect(thisYear).toMatch(/05/);
    expect(thisYear).not.toMatch(/2026|December/);
    const lastYear = formatShortDateTime(at, new Date(2027, 0, 2).getTime());
    expect(lastYear).toMatch(/2026/);
    expect(lastYear).not.toMatch(/05/);
    // The tooltip says it all.
    const full = formatFullDateTime(at);
    expect(full).toMatch(/December/);
    expect(full).toMatch(/2026/);
    expect(full).toMatch(/05/);
    expect(full).toMatch(/Monday/);
  });
});

describe('wizard state', () => {
  function withUser(): WizardState {
    let s = wizardReducer(initialWizard(), { type: 'chooseTile', key: 'gmail' });
    s = wizardReducer(s, { type: 'addUser' });
    s = wizardReducer(s, { type: 'updateUser', id: 1, patch: { emailAddress: 'anna@contoso.com' } });
    return wizardReducer(s, { type: 'passwordStored', id: 1, stored: true });
  }

  it('forgets a stored password when the mailbox address changes', () => {
    const s = wizardReducer(withUser(), { type: 'updateUser', id: 1, patch: { emailAddress: 'ann@contoso.com' } });
    expect(s.users[0].passwordStored).toBe(false);
    expect(s.users[0].userName).toBe('ann@gmail.com');
  });

  it('keeps a hand-typed user name when the provider changes', () => {
    let s = wizardReducer(withUser(), { type: 'updateUser', id: 1, patch: { userName: 'anna.old@gmail.com' } });
    s = wizardReducer(s, { type: 'chooseTile', key: 'yahoo' });
    expect(s.users[0].userName).toBe('anna.old@gmail.com');
  });

  it('freezes the batch name once a password is stored under it', () => {
    const s = wizardReducer(withUser(), { type: 'setBatchName', name: 'Other' });
    expect(s.batchName).toBe(initialWizard().batchName);
  });

  it('merges imported rows by mailbox', () => {
    const s = wizardReducer(withUser(), {
      type: 'importRows',
      rows: [
        { email_address: 'ANNA@contoso.com', user_name: 'anna2@gmail.com', user_root: null, line: 2 },
        { email_address: 'ben@contoso.com', user_name: 'ben@gmail.com', user_root: 'INBOX', line: 3 },
      ],
    });
    expect(s.users).toHaveLength(2);
    expect(s.users[0].userName).toBe('anna2@gmail.com');
    expect(s.users[1]).toMatchObject({ emailAddress: 'ben@contoso.com', userRoot: 'INBOX', passwordStored: true });
  });

  it('turns the options page into BatchOptions', () => {
    let s = initialWizard();
    s = wizardReducer(s, { type: 'setOptions', patch: { maxMessageSizeMb: '', maxConcurrent: '50', intervalHours: '1' } });
    expect(batchOptions(s)).toMatchObject({
      max_message_size: null,
      max_concurrent_migrations: 50,
      max_concurrent_incremental: 10,
      incremental_interval_secs: 3600,
      destination_admin: null,
    });
  });
});

describe('time left and estimates', () => {
  it('never says "about less than a minute"', () => {
    expect(formatTimeLeft(20)).toBe('less than a minute left');
    expect(formatTimeLeft(240)).toBe('about 4 min left');
    expect(formatTimeLeft(7200)).toBe('about 2 h left');
  });

  it('estimates a batch from its tested mailboxes, the untested ones counted as their average', () => {
    const tested = { folders: 5, messages: 10_000, bytes: 1_000_000_000, too_large: 0, measured_bytes_per_sec: 500_000, estimated_secs: 2000 };
    const big = { ...tested, messages: 30_000, bytes: 3_000_000_000, estimated_secs: 6000 };
    const estimate = estimateBatch([tested, big, null, null], 2);
    expect(estimate).toEqual({ mailboxes: 4, tested: 2, messages: 80_000, bytes: 8_000_000_000, secs: 8000 });
    // One slot: one mailbox after another.
    expect(estimateBatch([tested, big], 1)?.secs).toBe(8000);
    // Many slots: the largest mailbox sets the pace.
    expect(estimateBatch([tested, big], 20)?.secs).toBe(6000);
    // A test without a measured speed gives the size but no time.
    const unmeasured = { folders: 5, messages: 10, bytes: 1000, too_large: 0, measured_bytes_per_sec: null, estimated_secs: null };
    expect(estimateBatch([unmeasured], 20)).toMatchObject({ messages: 10, secs: null });
    expect(estimateBatch([null, null], 20)).toBeNull();
  });

  it('shows a port and how it is protected', () => {
    expect(serverAddress({ preset: 'gmail', url: 'imaps://imap.gmail.com:993' })).toBe('imap.gmail.com:993, SSL/TLS');
    expect(serverAddress({ preset: null, url: 'imap://mail.example.com:143' })).toBe('mail.example.com:143, STARTTLS');
    expect(serverAddress({ preset: null, url: 'imap://10.0.0.5:143?tls=none' })).toBe('10.0.0.5:143, None (not encrypted)');
  });
});
