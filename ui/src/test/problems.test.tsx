import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { AppError, ErrorKind } from '../backend';
import { ProblemBar } from '../components/ProblemBar';
import { UserDetails } from '../components/status/UserDetails';
import { batchUser, report } from '../dev/fixtures';
import { installFakeBackend } from './fakeBackend';
import { renderUi } from './render';

// What the engine really says for each kind (server replies, OS errors, the command line's
// options in its advice), and the sentence the window shows instead.
const CASES: { problem: AppError; title: string; technical: string }[] = [
  {
    problem: {
      kind: 'authentication',
      message: 'imap.gmail.com refused the sign-in for anna@gmail.com: [AUTHENTICATIONFAILED] Invalid credentials (Failure)',
      hint: 'Check the user name and password, or give it with --source-password-env.',
    },
    title: 'The server imap.gmail.com did not accept the sign-in.',
    technical: '[AUTHENTICATIONFAILED]',
  },
  {
    problem: {
      kind: 'certificate',
      message:
        'the certificate of mail.contoso.com is not trusted: invalid peer certificate: UnknownIssuer (SHA-256 fingerprint 3A:5F:9C:00:11:22)',
      hint: 'If the server uses its own certificate, get its CA file from the administrator (--ca-file) or, after checking the fingerprint with them, trust it with --pin-cert.',
    },
    title: 'The security certificate of the server mail.contoso.com is not trusted, so Mailferry did not connect.',
    technical: 'UnknownIssuer',
  },
  {
    problem: {
      kind: 'network',
      message: 'cannot connect to mail.contoso.com:993: Connection refused (os error 111)',
      hint: 'Check the port, or raise --timeout.',
    },
    title: 'The server mail.contoso.com refused the connection.',
    technical: 'os error 111',
  },
  {
    problem: {
      kind: 'network',
      message: 'cannot find the server imap.gmial.com: failed to lookup address information: Name or service not known',
      hint: 'Check the server name for typing mistakes and that this computer is online.',
    },
    title: 'Mailferry cannot find a server named imap.gmial.com.',
    technical: 'failed to lookup address information',
  },
  {
    problem: {
      kind: 'quota',
      message: 'outlook.office365.com refused APPEND: [OVERQUOTA] Quota exceeded (mailbox for user is full)',
      hint: 'Free up space, then run `mailferry batch start contoso` again.',
    },
    title: 'The new mailbox is full.',
    technical: '[OVERQUOTA]',
  },
  {
    problem: {
      kind: 'too_large',
      message: 'mail.contoso.com refused APPEND: [LIMIT] Mail size is too large',
      hint: 'Raise --max-message-size (up to 150 MB for Microsoft 365).',
    },
    title: 'A message is larger than the new mailbox accepts.',
    technical: '[LIMIT]',
  },
  {
    problem: {
      kind: 'throttled',
      message: 'outlook.office365.com refused APPEND: Request is throttled. Suggested Backoff Time: 1500 milliseconds',
      hint: 'Mailferry waits; use --connections 2 to be gentler.',
    },
    title: 'The server outlook.office365.com asked Mailferry to slow down.',
    technical: 'Suggested Backoff Time',
  },
  {
    problem: {
      kind: 'server_refused',
      message: 'mail.contoso.com refused CREATE: [CANNOT] Invalid mailbox name',
      hint: 'See the report (--json) for the folder.',
    },
    title: 'The server mail.contoso.com refused a request.',
    technical: '[CANNOT] Invalid mailbox name',
  },
  {
    problem: {
      kind: 'protocol',
      message: 'mail.contoso.com sent a reply Mailferry cannot understand: * 12 FETCH (UID',
      hint: 'Run again with --verbose and send the log.',
    },
    title: 'The server mail.contoso.com sent an answer Mailferry does not understand.',
    technical: '* 12 FETCH (UID',
  },
  {
    problem: {
      kind: 'input',
      message: 'the state folder /srv/mf cannot be used; pass --state-dir DIR',
      hint: 'Pass --state-dir with a folder you can write to.',
    },
    title: 'Something entered cannot be used.',
    technical: '/srv/mf',
  },
  {
    problem: {
      kind: 'local',
      message: 'cannot open the state database at /root/.local/share/mailferry/state.db (choose another with --state-dir): disk I/O error',
      hint: 'Free some space or pass --state-dir.',
    },
    title: 'Mailferry could not read or save its data on this computer.',
    technical: 'disk I/O error',
  },
  {
    problem: {
      kind: 'internal',
      message: 'a copy task stopped unexpectedly: index out of bounds',
      hint: 'Report it with the output of --json.',
    },
    title: 'Something went wrong inside Mailferry.',
    technical: 'index out of bounds',
  },
  {
    problem: {
      kind: 'busy',
      message: 'another Mailferry process is copying this mailbox (mailferry migrate, process 4242, since 2026-12-06T22:40:00Z)',
      hint: 'Let it finish, then run again (or pass --wait).',
    },
    title: 'Another Mailferry window or command is copying this mailbox right now.',
    technical: 'process 4242',
  },
];

describe('problems in words', () => {
  it('has a case for every kind of error', () => {
    const kinds: ErrorKind[] = ['authentication', 'certificate', 'network', 'quota', 'too_large', 'throttled', 'server_refused', 'protocol', 'input', 'local', 'internal', 'busy'];
    expect(new Set(CASES.map((c) => c.problem.kind))).toEqual(new Set(kinds));
  });

  for (const { problem, title, technical } of CASES) {
    it(`words a ${problem.kind} error for a person, the technical text behind Details, no option names`, async () => {
      const { user, container } = renderUi(<ProblemBar problem={problem} />);
      expect(screen.getByText(title)).toBeVisible();
      expect(screen.getByText(/^What to do: /)).toBeVisible();
      const technicalText = screen.getByText((_, el) => el?.tagName === 'P' && (el.textContent ?? '').includes(technical));
      expect(technicalText).not.toBeVisible();
      await user.click(screen.getByText('Details'));
      expect(technicalText).toBeVisible();
      // Nothing in the window, folded away or not, names a command-line option or command.
      expect(container.textContent).not.toContain('--');
      expect(container.textContent).not.toMatch(/mailferry batch|imaps?:\/\//i);
    });
  }

  it('says a mailbox\'s error once in its details, not again for the report and each folder', async () => {
    installFakeBackend();
    const problem: AppError = {
      kind: 'quota',
      message: 'outlook.office365.com refused APPEND: [OVERQUOTA] Quota exceeded',
      hint: 'Free up space in the destination mailbox, then run the migration again.',
    };
    const failed = report({ status: 'failed', errors: [problem, problem] });
    failed.folders[0] = { ...failed.folders[0], status: 'failed', error: problem };
    installFakeBackend({ user_report: () => failed });
    renderUi(
      <UserDetails
        batch="Contoso mailboxes"
        user={batchUser('anna@contoso.com', { status: 'Failed', error: problem })}
        id="details"
        passwordWord="password"
        onRetried={() => {}}
      />,
    );
    const details = screen.getByRole('region', { name: 'Details for anna@contoso.com' });
    await within(details).findByRole('table', { name: 'Folders' });
    expect(within(details).getAllByText('The new mailbox is full.')).toHaveLength(1);
    expect(within(details).getByText(/stopped by the problem above/)).toBeInTheDocument();
  });
});
