import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { AppError, ErrorKind } from '../backend';
import type { AuthMethod, Facts, Side } from '../bindings';
import { ProblemBar } from '../components/ProblemBar';
import { UserDetails } from '../components/status/UserDetails';
import { batchUser, report } from '../dev/fixtures';
import { wordProblem } from '../problemWords';
import engineProblems from './engineProblems.json';
import { installFakeBackend } from './fakeBackend';
import { renderUi } from './render';

// Problems saved before the engine sent facts (old reports, stored statuses): what the engine
// said then for each kind (server replies, OS errors, the command line's options in its
// advice), and the sentence the window shows instead.
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

  it("keeps the engine's advice for an administrator, PowerShell included, but never Mailferry's options", () => {
    const denied: AppError = {
      kind: 'authentication',
      message: 'outlook.office365.com refused the app\'s sign-in for anna@contoso.com: AUTHENTICATE failed.',
      hint: 'Exchange Online does not let the app open anna@contoso.com yet. In Exchange Online PowerShell give it the mailbox with `Add-MailboxPermission -Identity anna@contoso.com -User <service principal ID> -AccessRights FullAccess`.',
      facts: { ...ENGINE.expired_stored_sign_in_new_server.facts!, sign_in: null },
    };
    expect(wordProblem(denied).fix).toContain('Add-MailboxPermission');
    const withOption = { ...denied, hint: 'Sign in again with `mailferry login microsoft --login-hint anna@contoso.com`.' };
    expect(wordProblem(withOption).fix).not.toMatch(/mailferry login|--/);
  });

  it('reads a problem stored before facts existed (every fact empty) from its text', () => {
    const empty: Facts = {
      side: null,
      host: null,
      port: null,
      auth_method: null,
      network: null,
      certificate: null,
      security_mismatch: null,
      retry_after_secs: null,
      sign_in: null,
      dns_server: null,
    };
    for (const { problem, title } of CASES) {
      expect(wordProblem({ ...problem, facts: empty }).title).toBe(title);
    }
  });

  it('says what to do about a refused certificate from the certificate itself', () => {
    const refused = (issuer: string, subject: string, reason: string): AppError => ({
      kind: 'certificate',
      message: `the certificate of mail.example.com is not trusted: ${reason}`,
      hint: '',
      facts: {
        side: 'source',
        host: 'mail.example.com',
        port: 993,
        auth_method: null,
        network: null,
        certificate: {
          reason,
          subject,
          issuer,
          not_before: '2025-01-02T00:00:00Z',
          not_after: '2027-03-04T00:00:00Z',
          fingerprint_sha256: 'ab'.repeat(32),
        },
        security_mismatch: null,
        retry_after_secs: null,
        sign_in: null,
        dns_server: null,
      },
    });
    const selfMade = wordProblem(refused('CN=mail.example.com', 'CN=mail.example.com', 'issued by an unknown authority')).fix;
    expect(selfMade).toMatch(/made its own certificate/);
    expect(selfMade).not.toMatch(/Check the server name/);
    expect(wordProblem(refused('CN=Contoso CA', 'CN=mail.example.com', 'issued by an unknown authority')).fix).toMatch(
      /authority this computer does not know/,
    );
    expect(wordProblem(refused('CN=Contoso CA', 'CN=mail.example.com', 'it expired on 2024-01-01')).fix).toMatch(/renew/);
    for (const worded of [selfMade]) expect(worded).not.toContain('--');
  });

  it('says a mailbox\'s error once in its details, not again for the report and each folder', async () => {
    installFakeBackend();
    const problem: AppError = {
      kind: 'quota',
      message: 'outlook.office365.com refused APPEND: [OVERQUOTA] Quota exceeded',
      hint: 'Free up space in the destination mailbox, then run the migration again.',
    };
    const failed = report({ status: 'failed', errors: [problem, problem] });
    // A folder the stopped mailbox never reached says the same problem in the engine's words.
    failed.folders[0] = {
      ...failed.folders[0],
      status: 'failed',
      error: { ...problem, message: `${failed.folders[0].source} was not copied: the migration stopped because ${problem.message}` },
    };
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

// The problems exactly as the engine produces them (written by its unit test
// migrate::error::tests::the_windows_samples_are_what_the_engine_says), and the window's words.
const ENGINE = engineProblems as unknown as Record<string, AppError>;
const FROM_ENGINE: Record<string, { title: string; fix: RegExp }> = {
  refused_token_new_server: {
    title: 'The new server (outlook.office365.com) refused the access token.',
    fix: /^It may have expired — sign in again\.$/,
  },
  wrong_password_old_server: {
    title: 'The old server (mail.oldhost.example) did not accept the password.',
    fix: /^Check the user name and password\./,
  },
  refused_admin_login_new_server: {
    title: 'The new server (mail.contoso.com) did not accept the admin login.',
    fix: /admin account's name and password/,
  },
  refused_app_password_old_server: {
    title: 'The old server (imap.gmail.com) did not accept the app password.',
    fix: /App passwords/,
  },
  expired_stored_sign_in_new_server: {
    title: 'The new server (outlook.office365.com) refused the sign-in with Microsoft of anna@contoso.com.',
    fix: /^Sign in again with Microsoft as anna@contoso\.com/,
  },
  missing_own_sign_in_new_server: {
    title: 'The sign-in with Microsoft of anna@contoso.com for the new server cannot be used.',
    fix: /^Sign anna@contoso\.com in with Microsoft/,
  },
  unknown_host_old_server: {
    title: 'Mailferry cannot find the old server: there is no server named imap.gmial.com.',
    fix: /typing mistakes/,
  },
  refused_port_new_server: {
    title: 'The new server (mail.contoso.com) refused the connection.',
    fix: /port and security setting/,
  },
  throttled_new_server: {
    title: 'The new server (outlook.office365.com) asked Mailferry to slow down.',
    fix: /^Mailferry waits about 2 seconds and carries on by itself\.$/,
  },
  dns_no_answer_this_computer: {
    title: "This computer's DNS server did not answer in time.",
    fix: /online/,
  },
  dns_refused_named_server: {
    title: 'The DNS server 192.0.2.53:53 refused a request.',
    fix: /another DNS server/,
  },
};

describe('problems worded from the facts the engine sends', () => {
  it("has words for every problem the engine's samples hold", () => {
    expect(new Set(Object.keys(FROM_ENGINE))).toEqual(new Set(Object.keys(ENGINE)));
  });

  for (const [name, expected] of Object.entries(FROM_ENGINE)) {
    it(`words ${name.replaceAll('_', ' ')} from its facts`, async () => {
      const problem = ENGINE[name];
      const { user, container } = renderUi(<ProblemBar problem={problem} />);
      expect(screen.getByText(expected.title)).toBeVisible();
      const fix = screen.getByText(/^What to do: /);
      expect(fix.textContent?.replace(/^What to do: /, '')).toMatch(expected.fix);
      // The engine's own text, server reply included, is one click away.
      await user.click(screen.getByText('Details'));
      const details = wordProblem(problem).details;
      expect(details).toContain(problem.message.slice(1, 40));
      expect(screen.getByText(details)).toBeVisible();
      expect(container.textContent).not.toContain('--');
    });
  }

  const KINDS: ErrorKind[] = ['authentication', 'certificate', 'network', 'quota', 'too_large', 'throttled', 'server_refused', 'protocol', 'input', 'local', 'internal', 'busy'];
  const SIDES: Side[] = ['source', 'destination'];
  const METHODS: (AuthMethod | null)[] = ['password', 'app_password', 'admin_login', 'stored_sign_in', 'token', null];
  const METHOD_NAMES: Record<AuthMethod, RegExp> = {
    password: /\bthe password\b/,
    app_password: /\bthe app password\b/,
    admin_login: /\bthe admin login\b/,
    stored_sign_in: /\bthe sign-in\b/,
    token: /\bthe access token\b/,
  };
  // Kinds about one server: the sentence names which one.
  const ABOUT_A_SERVER: ErrorKind[] = ['authentication', 'certificate', 'network', 'throttled', 'server_refused', 'protocol'];

  function problem(kind: ErrorKind, side: Side, method: AuthMethod | null): AppError {
    const facts: Facts = {
      side,
      host: 'mail.example.net',
      port: 993,
      auth_method: method,
      network: null,
      certificate: null,
      security_mismatch: null,
      retry_after_secs: null,
      sign_in: null,
      dns_server: null,
    };
    return {
      kind,
      // Written for logs and the command line: options included, which the window never shows.
      message: `mail.example.net refused it: [AUTHENTICATIONFAILED] (see --source-password-env)`,
      hint: 'Give it with --dest-token-env, or see `mailferry login list`.',
      facts,
    };
  }

  it('every kind, on either side, with every sign-in method: a sentence naming the server and method, no option names', () => {
    for (const kind of KINDS) {
      for (const side of SIDES) {
        for (const method of METHODS) {
          const label = `${kind} ${side} ${method}`;
          const { container, unmount } = renderUi(<ProblemBar problem={problem(kind, side, method)} />);
          const worded = wordProblem(problem(kind, side, method));
          expect(worded.title, label).toMatch(/^[A-Z].*\.$/);
          expect(worded.fix, label).toMatch(/^[A-Z].*\.$/);
          expect(container.textContent, label).toContain(worded.title);
          if (ABOUT_A_SERVER.includes(kind)) {
            expect(worded.title, label).toContain(side === 'source' ? 'old server' : 'new server');
            expect(worded.title, label).not.toContain(side === 'source' ? 'new server' : 'old server');
          }
          if (kind === 'authentication' && method) {
            expect(worded.title, label).toMatch(METHOD_NAMES[method]);
            // A token or a stored sign-in is fixed by signing in again, never by a password.
            if (method === 'token' || method === 'stored_sign_in') expect(worded.fix, label).toMatch(/sign in again/i);
            if (method === 'token') expect(worded.fix, label).not.toMatch(/password/i);
          }
          for (const text of [container.textContent ?? '', worded.title, worded.fix, worded.details]) {
            expect(text, label).not.toContain('--');
            expect(text, label).not.toMatch(/source-password|token-env|mailferry (batch|login|password|migrate)|`/);
          }
          unmount();
        }
      }
    }
  });
});
