import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { BatchUser, MailboxSignIn } from '../backend';
import { SAMPLE_USERS, batchUser, summary } from '../dev/fixtures';
import { fail, installFakeBackend } from './fakeBackend';
import { renderApp } from './render';
import { fill, fillImapDestination, openDataService, openMicrosoft365Destination } from './wizardFlow';

const CLIENT_ID = '11111111-2222-3333-4444-555555555555';

describe('sign in with Microsoft', () => {
  it('moves Outlook.com mailboxes into Microsoft 365 with sign-ins only: no password anywhere', async () => {
    const backend = installFakeBackend({
      directory_users: () => [
        { displayName: 'Anna Lindqvist', mail: 'anna@contoso.com', userPrincipalName: 'anna@contoso.com' },
        { displayName: 'Meeting room', mail: null, userPrincipalName: 'room1@contoso.com' },
        { displayName: 'Ben Okafor', mail: 'ben@contoso.com', userPrincipalName: 'ben@contoso.com' },
      ],
    });
    const { user } = renderApp();
    await openDataService(user);
    await user.click(screen.getByRole('radio', { name: /^Outlook/ }));
    await user.click(screen.getByRole('button', { name: 'Next' }));

    // Destination: Microsoft 365, the admin signs in once in the browser.
    await screen.findByRole('heading', { level: 1, name: 'Destination' });
    await user.click(screen.getByRole('radio', { name: /Microsoft 365/ }));
    const tenant = screen.getByRole('textbox', { name: /Tenant/ });
    await user.clear(tenant);
    await user.type(tenant, 'contoso.com');
    await user.click(screen.getByRole('button', { name: 'Sign in with Microsoft' }));
    expect(await screen.findByText('Signed in as admin@contoso.com')).toBeInTheDocument();
    expect(backend.callsTo('sign_in')).toEqual([
      {
        request: { provider: 'microsoft', client_id: CLIENT_ID, tenant: 'contoso.com', login_hint: null, with_directory: true },
      },
    ]);
    await fill(user, screen.getByRole('textbox', { name: /Destination mailbox to test/ }), 'anna@contoso.com');
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    await screen.findByText('12 folders · 3,456 messages · 1.2 GB');
    expect(backend.callsTo('test_connection')[0]).toMatchObject({
      side: 'destination',
      server: { preset: 'microsoft365', url: 'imaps://outlook.office365.com:993' },
      options: { destination_sign_in: 'microsoft:admin@contoso.com', destination_admin: null },
    });
    await user.click(screen.getByRole('button', { name: 'Next' }));

    // Users: the organisation's mailboxes from Microsoft Graph, each old mailbox signs in.
    await screen.findByRole('heading', { level: 1, name: 'Select users to start migrating email messages' });
    await user.click(screen.getByRole('button', { name: 'Load users from Microsoft 365' }));
    expect(await screen.findByText(/2 mailboxes listed from Microsoft 365/)).toBeInTheDocument();
    expect(backend.callsTo('directory_users')).toEqual([{ signIn: 'microsoft:admin@contoso.com' }]);
    expect(screen.getByRole('textbox', { name: 'Destination mailbox, anna@contoso.com' })).toBeInTheDocument();
    expect(screen.queryByDisplayValue('room1@contoso.com')).not.toBeInTheDocument();
    // The old addresses are guessed from the new ones (Outlook.com), and corrected by who signs in.
    const anna = screen.getByRole('textbox', { name: 'Source email or user name, anna@contoso.com' });
    expect(anna).toHaveValue('anna@outlook.com');

    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText(/2 selected users need/)).toBeInTheDocument();
    expect(screen.getAllByText('Sign in to this mailbox.')).toHaveLength(2);

    await user.click(screen.getByRole('button', { name: 'Sign in with Microsoft for anna@contoso.com' }));
    await user.click(screen.getByRole('button', { name: 'Sign in with Microsoft for ben@contoso.com' }));
    await waitFor(() => expect(screen.getAllByText(/^Signed in as/)).toHaveLength(2));
    expect(backend.callsTo('sign_in').slice(1)).toEqual([
      { request: { provider: 'microsoft', client_id: CLIENT_ID, tenant: 'consumers', login_hint: 'anna@outlook.com', with_directory: false } },
      { request: { provider: 'microsoft', client_id: CLIENT_ID, tenant: 'consumers', login_hint: 'ben@outlook.com', with_directory: false } },
    ]);
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Migration options' });
    await user.click(screen.getByRole('button', { name: 'Start migration' }));
    await screen.findByRole('heading', { level: 1, name: 'Email migration status' });

    const [create] = backend.callsTo('create_batch');
    expect(create.spec).toMatchObject({
      source: { preset: 'outlook', url: 'imaps://outlook.office365.com:993' },
      destination: { preset: 'microsoft365', url: 'imaps://outlook.office365.com:993' },
      options: { source_sign_in: 'microsoft:*', destination_sign_in: 'microsoft:admin@contoso.com', destination_admin: null },
      users: [
        { email_address: 'anna@contoso.com', user_name: 'anna@outlook.com', user_root: null },
        { email_address: 'ben@contoso.com', user_name: 'ben@outlook.com', user_root: null },
      ],
    });
    expect(backend.callsTo('store_password')).toEqual([]);
    expect(backend.callsTo('store_admin_password')).toEqual([]);
  });

  it('uses the Exchange Online address configured for this computer (sovereign clouds)', async () => {
    const backend = installFakeBackend({
      sign_in_settings: () => ({
        microsoft_client_id: CLIENT_ID,
        google_client_id: null,
        microsoft_built_in: false,
        google_built_in: false,
        microsoft_imap_url: 'imaps://outlook.office365.us:993',
      }),
    });
    const { user } = renderApp();
    await openMicrosoft365Destination(user);
    await user.click(screen.getByRole('button', { name: 'Sign in with Microsoft' }));
    await screen.findByText('Signed in as admin@contoso.com');
    await fill(user, screen.getByRole('textbox', { name: /Destination mailbox to test/ }), 'anna@contoso.com');
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    await screen.findByText('12 folders · 3,456 messages · 1.2 GB');
    expect(backend.callsTo('test_connection')[0]).toMatchObject({ server: { url: 'imaps://outlook.office365.us:993' } });
  });

  it('says why a sign-in failed and lets the owner try again', async () => {
    let attempts = 0;
    installFakeBackend({
      sign_in: () => {
        attempts += 1;
        if (attempts === 1) {
          fail('authentication', 'Microsoft refused the sign-in: AADSTS65001 the admin has not consented', 'Ask an admin to grant consent to the app.');
        }
        return { name: 'microsoft:admin@contoso.com', reference: { provider: 'microsoft', account: 'admin@contoso.com', app: false }, account: 'admin@contoso.com' };
      },
    });
    const { user } = renderApp();
    await openMicrosoft365Destination(user);
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('Sign in with Microsoft first.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Sign in with Microsoft' }));
    expect(
      await screen.findByText(
        'Microsoft did not accept the sign-in. Ask an admin to grant consent to the app.',
      ),
    ).toHaveAttribute('role', 'alert');
    await user.click(screen.getByRole('button', { name: 'Sign in with Microsoft' }));
    expect(await screen.findByText('Signed in as admin@contoso.com')).toBeInTheDocument();
  });
});

describe('CSV import for mailboxes that sign in', () => {
  it('accepts a CSV whose Password column is empty and asks each mailbox to sign in', async () => {
    const backend = installFakeBackend({
      import_csv: () => ({
        rows: [{ email_address: 'anna@contoso.com', user_name: 'anna@outlook.com', user_root: null, line: 2 }],
        problems: [],
      }),
    });
    const { user } = renderApp();
    await openDataService(user);
    await user.click(screen.getByRole('radio', { name: /^Outlook/ }));
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Destination' });
    await fillImapDestination(user);
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Select users to start migrating email messages' });
    await user.click(screen.getByRole('button', { name: 'Import CSV' }));
    const notice = await screen.findByText(/1 mailbox imported from users.csv/);
    expect(notice).not.toHaveTextContent('passwords');
    expect(backend.callsTo('import_csv')).toEqual([
      { batch: expect.any(String), path: '/home/owner/users.csv', signsIn: true },
    ]);
    expect(screen.getByRole('button', { name: 'Sign in with Microsoft for anna@contoso.com' })).toBeInTheDocument();
    expect(screen.queryByText('Password stored')).not.toBeInTheDocument();
  });
});

describe('Microsoft 365 without a person signing in', () => {
  it('checks the app registration\'s secret and opens the mailboxes with the app\'s own sign-in', async () => {
    const backend = installFakeBackend({
      test_connection: (args) => {
        const options = args.options as { destination_sign_in: string | null };
        if (args.side === 'destination' && options.destination_sign_in === 'microsoft-app:contoso.onmicrosoft.com') {
          fail(
            'authentication',
            'Exchange Online does not let the app open anna@contoso.com yet',
            'In Exchange Online PowerShell give it the mailbox with Add-MailboxPermission -AccessRights FullAccess.',
          );
        }
        return { folders: 12, messages: 3456, bytes: 1_288_490_188, too_large: 0 };
      },
    });
    const { user } = renderApp();
    await openMicrosoft365Destination(user);
    await user.click(screen.getByRole('radio', { name: 'The app registration signs in by itself, with a client secret or a certificate' }));
    expect(screen.getByText(/IMAP.AccessAsApp/)).toBeInTheDocument();
    const tenant = screen.getByRole('textbox', { name: /Tenant/ });
    await user.clear(tenant);
    await user.type(tenant, 'contoso.onmicrosoft.com');
    await fill(user, screen.getByLabelText('Client secret'), 'app-secret-value');
    await user.keyboard('{Enter}');
    expect(await screen.findByText('The app is signed in to contoso.onmicrosoft.com')).toBeInTheDocument();
    expect(backend.callsTo('sign_in_app')).toEqual([
      { tenant: 'contoso.onmicrosoft.com', clientId: CLIENT_ID, credential: { kind: 'secret', secret: 'app-secret-value' } },
    ]);
    expect(document.body.innerHTML).not.toContain('app-secret-value');
    // The test names the missing Exchange step.
    await fill(user, screen.getByRole('textbox', { name: /Destination mailbox to test/ }), 'anna@contoso.com');
    await user.click(screen.getByRole('button', { name: 'Test connection' }));
    expect(await screen.findByText(/does not let the app open anna@contoso.com yet/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Select users to start migrating email messages' });
    // The organisation's list needs a person's sign-in.
    expect(screen.queryByRole('button', { name: 'Load users from Microsoft 365' })).not.toBeInTheDocument();
  });
});

describe('Microsoft 365 app sign-in with a certificate', () => {
  it('sends only the chosen files\' paths, explains a certificate Microsoft refused, then signs in', async () => {
    let refuse = true;
    const backend = installFakeBackend({
      'plugin:dialog|open': () => '/home/owner/mailferry.pem',
      sign_in_app: (args) => {
        if (refuse) {
          refuse = false;
          fail(
            'authentication',
            'Microsoft refused the application\'s certificate 3F2A9C (AADSTS700027: Client assertion failed signature validation.)',
            'Upload the certificate\'s public part to the app registration\'s Certificates & secrets → Certificates page.',
          );
        }
        return {
          name: `microsoft-app:${args.tenant as string}`,
          reference: { provider: 'microsoft', account: args.tenant, app: true },
          account: args.tenant,
        };
      },
    });
    const { user } = renderApp();
    await openMicrosoft365Destination(user);
    await user.click(screen.getByRole('radio', { name: 'The app registration signs in by itself, with a client secret or a certificate' }));
    const tenant = screen.getByRole('textbox', { name: /Tenant/ });
    await user.clear(tenant);
    await user.type(tenant, 'contoso.onmicrosoft.com');
    await user.click(screen.getByRole('radio', { name: 'A certificate' }));
    const signInButton = screen.getByRole('button', { name: 'Sign in with the certificate' });
    expect(signInButton).toBeDisabled();
    await user.click(screen.getByRole('button', { name: 'Choose certificate…' }));
    expect(await screen.findByText('/home/owner/mailferry.pem')).toBeInTheDocument();
    await user.click(signInButton);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('AADSTS700027');
    expect(alert).toHaveTextContent('What to do: Upload the certificate');
    await user.click(screen.getByRole('button', { name: 'Sign in with the certificate' }));
    expect(await screen.findByText('The app is signed in to contoso.onmicrosoft.com with its certificate')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    const credential = { kind: 'certificate', certificatePath: '/home/owner/mailferry.pem', privateKeyPath: null };
    expect(backend.callsTo('sign_in_app')).toEqual([
      { tenant: 'contoso.onmicrosoft.com', clientId: CLIENT_ID, credential },
      { tenant: 'contoso.onmicrosoft.com', clientId: CLIENT_ID, credential },
    ]);
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Select users to start migrating email messages' });
  });
});

describe('sign in on another device', () => {
  it('shows the code and address, waits for the person, then says who signed in', async () => {
    let finish: (value: unknown) => void = () => {};
    const backend = installFakeBackend({
      finish_device_sign_in: () => new Promise((resolve) => (finish = resolve)),
    });
    const { user } = renderApp();
    await openMicrosoft365Destination(user);
    await user.click(screen.getByRole('button', { name: 'Sign in on another device' }));
    const shown = await screen.findByText(/On a phone or another computer, open/);
    expect(shown).toHaveTextContent('https://microsoft.com/devicelogin');
    expect(shown).toHaveTextContent('F7KQ-2PLM');
    expect(backend.callsTo('start_device_sign_in')).toEqual([
      { request: { provider: 'microsoft', client_id: CLIENT_ID, tenant: 'organizations', login_hint: null, with_directory: true } },
    ]);
    await waitFor(() => expect(backend.callsTo('finish_device_sign_in')).toEqual([{ id: 1 }]));
    finish({ name: 'microsoft:admin@contoso.com', reference: { provider: 'microsoft', account: 'admin@contoso.com', app: false }, account: 'admin@contoso.com' });
    expect(await screen.findByText('Signed in as admin@contoso.com')).toBeInTheDocument();
    expect(screen.queryByText(/F7KQ-2PLM/)).not.toBeInTheDocument();
  });
});

describe('sign in with Google', () => {
  it('lets Gmail mailboxes sign in with Google instead of app passwords', async () => {
    const backend = installFakeBackend();
    const { user } = renderApp();
    await openDataService(user);
    await user.click(screen.getByRole('radio', { name: /Gmail/ }));
    await user.click(screen.getByRole('radio', { name: 'Each mailbox signs in with Google' }));
    const clientId = screen.getByRole('textbox', { name: /Google OAuth client ID/ });
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('Enter the application (client) ID.')).toBeInTheDocument();
    await user.type(clientId, 'desktop-client.apps.googleusercontent.com');
    await fill(user, screen.getByLabelText('Google OAuth client secret'), 'GOCSPX-not-so-secret');
    await user.keyboard('{Enter}');
    expect(await screen.findByText('Client secret stored')).toBeInTheDocument();
    expect(backend.callsTo('store_client_secret')).toEqual([
      { clientId: 'desktop-client.apps.googleusercontent.com', secret: 'GOCSPX-not-so-secret' },
    ]);
    expect(document.body.innerHTML).not.toContain('GOCSPX-not-so-secret');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Destination' });
    await fillImapDestination(user);
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Select users to start migrating email messages' });
    await user.click(screen.getByRole('button', { name: 'Add user' }));
    const inputs = screen.getAllByRole('textbox', { name: /^Destination mailbox, row/ });
    await fill(user, inputs[0], 'anna@contoso.com');
    await user.tab();
    expect(screen.queryByLabelText(/App password for/)).not.toBeInTheDocument();
    // Google's device sign-in cannot grant Gmail access: only the browser sign-in is offered.
    expect(screen.queryByRole('button', { name: /Sign in on another device/ })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Sign in with Google for anna@contoso.com' }));
    expect(await screen.findByText('Signed in as anna@gmail.com')).toBeInTheDocument();
    expect(backend.callsTo('sign_in')).toEqual([
      {
        request: {
          provider: 'google',
          client_id: 'desktop-client.apps.googleusercontent.com',
          tenant: 'common',
          login_hint: 'anna@gmail.com',
          with_directory: false,
        },
      },
    ]);
    await user.click(screen.getByRole('button', { name: 'Test connection for anna@contoso.com' }));
    await screen.findByText('12 folders · 3,456 messages · 1.2 GB');
    expect(backend.callsTo('test_connection')[0]).toMatchObject({
      side: 'source',
      userName: 'anna@gmail.com',
      options: { source_sign_in: 'google:*' },
    });
  });
});

function chrisSignIn(patch: Partial<MailboxSignIn> = {}): MailboxSignIn {
  return {
    email_address: 'chris@contoso.com',
    side: 'source',
    provider: 'microsoft',
    account: 'chris@outlook.com',
    own: true,
    signed_in: true,
    request: { provider: 'microsoft', client_id: CLIENT_ID, tenant: 'consumers', login_hint: 'chris@outlook.com', with_directory: false },
    ...patch,
  };
}

describe('sign in again from the status page', () => {
  it('offers the sign-in a failed mailbox needs and retries once it is done', async () => {
    const BATCH = 'Contoso mailboxes';
    const backend = installFakeBackend({
      list_batches: () => [summary()],
      batch_users: () => SAMPLE_USERS,
      batch_sign_ins: (args) => (args.email === 'chris@contoso.com' ? [chrisSignIn()] : []),
    });
    const { user } = renderApp();
    await user.click(await screen.findByRole('button', { name: BATCH }));
    await screen.findByRole('table', { name: `Mailboxes in ${BATCH}` });
    await user.click(screen.getByRole('button', { name: 'Details for chris@contoso.com' }));
    const details = await screen.findByRole('region', { name: 'Details for chris@contoso.com' });
    expect(await within(details).findByText('Sign in again to the old mailbox as chris@outlook.com:')).toBeInTheDocument();
    // Signing in replaces typing a password.
    expect(within(details).queryByLabelText(/Enter a new/)).not.toBeInTheDocument();
    await user.click(within(details).getByRole('button', { name: 'Sign in with Microsoft for chris@outlook.com' }));
    await waitFor(() => expect(backend.callsTo('retry_user')).toEqual([{ name: BATCH, email: 'chris@contoso.com' }]));
    expect(backend.callsTo('retry_failed')).toEqual([]);
    expect(backend.callsTo('batch_sign_ins')).toContainEqual({ batch: BATCH, email: 'chris@contoso.com' });
    expect(backend.callsTo('sign_in')).toEqual([
      { request: { provider: 'microsoft', client_id: CLIENT_ID, tenant: 'consumers', login_hint: 'chris@outlook.com', with_directory: false } },
    ]);
  });

  it('offers a first sign-in to a mailbox whose owner never signed in, not a password', async () => {
    const BATCH = 'Contoso mailboxes';
    installFakeBackend({
      list_batches: () => [summary()],
      batch_users: () => SAMPLE_USERS,
      batch_sign_ins: (args) => (args.email === 'chris@contoso.com' ? [chrisSignIn({ signed_in: false })] : []),
    });
    const { user } = renderApp();
    await user.click(await screen.findByRole('button', { name: BATCH }));
    await user.click(await screen.findByRole('button', { name: 'Details for chris@contoso.com' }));
    const details = await screen.findByRole('region', { name: 'Details for chris@contoso.com' });
    expect(await within(details).findByText('Sign in to the old mailbox as chris@outlook.com:')).toBeInTheDocument();
    expect(within(details).queryByLabelText(/Enter a new/)).not.toBeInTheDocument();
  });
});

describe('people who have not signed in yet', () => {
  const BATCH = 'Contoso mailboxes';
  const users = [
    batchUser('anna@contoso.com', { status: 'Queued' }),
    batchUser('chris@contoso.com', { status: 'Failed', error: { kind: 'authentication', message: 'chris@outlook.com has not signed in yet', hint: '', facts: {} } as BatchUser['error'] }),
  ];
  const awaited = (email: string, account: string, patch: Partial<MailboxSignIn> = {}): MailboxSignIn =>
    chrisSignIn({ email_address: email, account, signed_in: false, request: { provider: 'microsoft', client_id: CLIENT_ID, tenant: 'consumers', login_hint: account, with_directory: false }, ...patch });

  it('are listed on the status page, sign in there, and a mailbox that failed waiting is tried again', async () => {
    let signedIn = new Set<string>();
    const backend = installFakeBackend({
      list_batches: () => [summary()],
      batch_users: () => users,
      batch_sign_ins: () =>
        [awaited('anna@contoso.com', 'anna@outlook.com'), awaited('chris@contoso.com', 'chris@outlook.com')].map((s) => ({
          ...s,
          signed_in: signedIn.has(s.account),
        })),
      sign_in: (args) => {
        const account = (args.request as { login_hint: string }).login_hint;
        signedIn = new Set([...signedIn, account]);
        return { name: `microsoft:${account}`, reference: { provider: 'microsoft', account, app: false }, account };
      },
    });
    const { user } = renderApp();
    await user.click(await screen.findByRole('button', { name: BATCH }));
    const waiting = await screen.findByRole('region', { name: '2 people have not signed in yet' });
    const chris = within(waiting).getByRole('listitem', { name: 'chris@contoso.com' });
    expect(within(chris).getByText('Sign in to the old mailbox as chris@outlook.com:')).toBeInTheDocument();
    await user.click(within(chris).getByRole('button', { name: 'Sign in with Microsoft for chris@outlook.com' }));
    await waitFor(() => expect(backend.callsTo('retry_user')).toEqual([{ name: BATCH, email: 'chris@contoso.com' }]));
    expect(await screen.findByRole('region', { name: '1 person has not signed in yet' })).toBeInTheDocument();

    // Anna's mailbox has not been tried yet: the batch copies it once she has signed in.
    const anna = screen.getByRole('listitem', { name: 'anna@contoso.com' });
    await user.click(within(anna).getByRole('button', { name: 'Sign in with Microsoft for anna@outlook.com' }));
    await waitFor(() => expect(screen.queryByRole('region', { name: /not signed in yet/ })).not.toBeInTheDocument());
    expect(backend.callsTo('retry_user')).toHaveLength(1);
  });

  it('says so when someone signs in as another account, and retries nothing', async () => {
    const backend = installFakeBackend({
      list_batches: () => [summary()],
      batch_users: () => users,
      batch_sign_ins: () => [awaited('chris@contoso.com', 'chris@outlook.com')],
      sign_in: () => ({ name: 'microsoft:me@outlook.com', reference: { provider: 'microsoft', account: 'me@outlook.com', app: false }, account: 'me@outlook.com' }),
    });
    const { user } = renderApp();
    await user.click(await screen.findByRole('button', { name: BATCH }));
    const waiting = await screen.findByRole('region', { name: '1 person has not signed in yet' });
    await user.click(within(waiting).getByRole('button', { name: 'Sign in with Microsoft for chris@outlook.com' }));
    expect(
      await within(waiting).findByText('You signed in as me@outlook.com, but this mailbox needs chris@outlook.com. Sign in again as chris@outlook.com.'),
    ).toBeInTheDocument();
    expect(backend.callsTo('retry_user')).toEqual([]);
  });

  it('asks for the app registration when nobody on this computer signed in with that provider yet', async () => {
    const backend = installFakeBackend({
      list_batches: () => [summary()],
      batch_users: () => users,
      batch_sign_ins: () => [awaited('chris@contoso.com', 'chris@gmail.com', { provider: 'google', request: null })],
    });
    const { user } = renderApp();
    await user.click(await screen.findByRole('button', { name: BATCH }));
    const waiting = await screen.findByRole('region', { name: '1 person has not signed in yet' });
    const button = within(waiting).getByRole('button', { name: 'Sign in with Google for chris@gmail.com' });
    expect(button).toBeDisabled();
    await user.type(within(waiting).getByRole('textbox', { name: /Google OAuth client ID/ }), 'desktop-client.apps.googleusercontent.com');
    await user.click(button);
    await waitFor(() =>
      expect(backend.callsTo('sign_in')).toEqual([
        {
          request: {
            provider: 'google',
            client_id: 'desktop-client.apps.googleusercontent.com',
            tenant: null,
            login_hint: 'chris@gmail.com',
            with_directory: false,
          },
        },
      ]),
    );
  });

  it('lists only those still to sign in', async () => {
    installFakeBackend({
      list_batches: () => [summary()],
      batch_users: () => users,
      batch_sign_ins: () => [
        awaited('anna@contoso.com', 'anna@outlook.com', { signed_in: true }),
        awaited('chris@contoso.com', 'chris@outlook.com'),
        // The batch's administrator signs in for every mailbox: not a person who is missing.
        awaited('chris@contoso.com', 'admin@contoso.com', { side: 'destination', own: false }),
      ],
    });
    const { user } = renderApp();
    await user.click(await screen.findByRole('button', { name: BATCH }));
    const waiting = await screen.findByRole('region', { name: '1 person has not signed in yet' });
    expect(within(waiting).getAllByRole('listitem').map((item) => item.getAttribute('aria-label'))).toEqual(['chris@contoso.com']);
    expect(within(waiting).queryByText(/admin@contoso.com/)).not.toBeInTheDocument();
  });
});
