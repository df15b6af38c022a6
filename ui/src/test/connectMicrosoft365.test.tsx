import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { SetupCheck, SetupReport, SignedIn } from '../backend';
import { installFakeBackend } from './fakeBackend';
import { renderApp } from './render';
import { fill, openDataService, openMicrosoft365Destination } from './wizardFlow';

const APP_ID = '9e5f94bc-e8a4-4e73-b8be-63364c29d753';
const SCRIPT = 'Connect-MgGraph -TenantId "contoso.com"\nWrite-Host "Application (client) ID: $($app.AppId)"\n';
const ADMIN: SignedIn = {
  name: 'microsoft:admin@contoso.com',
  reference: { provider: 'microsoft', account: 'admin@contoso.com', app: false },
  account: 'admin@contoso.com',
};

function verdict(item: SetupCheck['item'], status: SetupCheck['status'], more: Partial<SetupCheck> = {}): SetupCheck {
  return { item, status, problem: null, fix: null, command: null, link: null, ...more };
}

const ALL_PASSED: SetupReport = {
  checks: (['app', 'signIn', 'consent', 'imapPermission', 'mailboxAccess'] as const).map((item) => verdict(item, 'passed')),
  signed_in: ADMIN,
};

/** The setup step's rows, as a person reads them: "title: status". */
function rows(): string[] {
  const list = screen.getByRole('list', { name: 'Setup check' });
  return within(list)
    .getAllByRole('listitem')
    .map((li) => li.getAttribute('aria-label') ?? '');
}

async function typeDomain(user: Parameters<typeof fill>[0], domain: string) {
  const tenant = screen.getByRole('textbox', { name: /Tenant: your organisation's domain/ });
  await user.clear(tenant);
  await user.type(tenant, domain);
}

describe('Connect Microsoft 365', () => {
  it('makes a script for the tenant to copy into Azure Cloud Shell, which it opens', async () => {
    const backend = installFakeBackend({ microsoft_setup_script: () => SCRIPT });
    const { user } = renderApp();
    const writeText = vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue(undefined);
    await openMicrosoft365Destination(user);
    expect(screen.getByRole('heading', { level: 2, name: 'Connect Microsoft 365' })).toBeInTheDocument();
    expect(screen.getByText('Enter your domain to get the script.')).toBeInTheDocument();
    // Empty for the owner to fill in, not showing the sign-in's "any organisation" keyword.
    expect(screen.getByRole('textbox', { name: /Tenant: your organisation's domain/ })).toHaveValue('');

    await typeDomain(user, 'contoso.com');
    const script = await screen.findByLabelText('Setup script');
    expect(script).toHaveTextContent('Connect-MgGraph -TenantId "contoso.com"');
    expect(backend.callsTo('microsoft_setup_script').at(-1)).toEqual({
      request: { path: 'admin', tenant: 'contoso.com', admin: null, mailboxes: [] },
    });

    await user.click(screen.getByRole('button', { name: 'Copy script' }));
    expect(writeText).toHaveBeenCalledWith(SCRIPT);
    expect(await screen.findByText('The script is on the clipboard.')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Open Azure Cloud Shell' }));
    await waitFor(() => expect(backend.callsTo('plugin:opener|open_url')).toEqual([{ url: 'https://shell.azure.com' }]));

    // The app-only path asks for the app-only script.
    await user.click(screen.getByRole('radio', { name: /The app registration signs in by itself/ }));
    await waitFor(() =>
      expect(backend.callsTo('microsoft_setup_script').at(-1)).toEqual({
        request: { path: 'app', tenant: 'contoso.com', admin: null, mailboxes: [] },
      }),
    );
    writeText.mockRestore();
  });

  it('says so when the clipboard refuses, so the script can be copied by hand', async () => {
    installFakeBackend({ microsoft_setup_script: () => SCRIPT });
    const { user } = renderApp();
    const writeText = vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new Error('denied'));
    await openMicrosoft365Destination(user);
    await typeDomain(user, 'contoso.com');
    await user.click(await screen.findByRole('button', { name: 'Copy script' }));
    expect(await screen.findByText('Could not copy: select the script and copy it by hand.')).toBeInTheDocument();
    writeText.mockRestore();
  });

  it('accepts only an Application (client) ID pasted back, and checks only then', async () => {
    const backend = installFakeBackend();
    const { user } = renderApp();
    await openMicrosoft365Destination(user);
    await typeDomain(user, 'contoso.com');
    const id = screen.getByRole('textbox', { name: /Application \(client\) ID/ });
    await user.clear(id);
    await fill(user, id, `Application (client) ID: ${APP_ID}`);
    expect(await screen.findByText(/This is not an Application \(client\) ID/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Check and sign in' })).toBeDisabled();

    await user.clear(id);
    await fill(user, id, APP_ID);
    expect(screen.queryByText(/This is not an Application \(client\) ID/)).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Check and sign in' })).toBeEnabled();
    expect(backend.callsTo('check_microsoft_setup')).toEqual([]);
  });

  it('names each missing piece with its fix, then signs in once everything is in place', async () => {
    const reports: SetupReport[] = [
      {
        checks: [
          verdict('app', 'passed'),
          verdict('signIn', 'passed'),
          verdict('consent', 'failed', {
            problem: 'Nobody has granted consent for Mailferry in contoso.com yet.',
            fix: 'An administrator grants it for the whole organisation in one click on this page, then check again:',
            link: `https://login.microsoftonline.com/contoso.com/adminconsent?client_id=${APP_ID}`,
          }),
          verdict('imapPermission', 'notChecked'),
          verdict('mailboxAccess', 'notChecked'),
        ],
        signed_in: null,
      },
      {
        checks: [
          verdict('app', 'passed'),
          verdict('signIn', 'passed'),
          verdict('consent', 'passed'),
          verdict('imapPermission', 'passed'),
          verdict('mailboxAccess', 'failed', {
            problem: 'admin@contoso.com has no Full Access to bob@contoso.com.',
            fix: 'Give it with this command in Azure Cloud Shell, then check again:',
            command: 'Connect-ExchangeOnline; Add-MailboxPermission -Identity "bob@contoso.com" -User "admin@contoso.com" -AccessRights FullAccess',
            link: 'https://shell.azure.com',
          }),
        ],
        signed_in: ADMIN,
      },
      ALL_PASSED,
    ];
    const backend = installFakeBackend({ check_microsoft_setup: () => reports.shift() });
    const { user } = renderApp();
    await openMicrosoft365Destination(user);
    await typeDomain(user, 'contoso.com');
    const id = screen.getByRole('textbox', { name: /Application \(client\) ID/ });
    await user.clear(id);
    await fill(user, id, APP_ID);
    await fill(user, screen.getByRole('textbox', { name: 'Mailbox to test Full Access on' }), 'bob@contoso.com');

    // Consent missing: one click fixes it.
    await user.click(screen.getByRole('button', { name: 'Check and sign in' }));
    await screen.findByRole('list', { name: 'Setup check' });
    expect(rows()).toEqual([
      'App registration: OK',
      'Sign-in comes back to Mailferry: OK',
      'Admin consent: Missing',
      'IMAP permission: Not checked',
      'Full Access to bob@contoso.com: Not checked',
    ]);
    expect(screen.getByText('Nobody has granted consent for Mailferry in contoso.com yet.')).toBeInTheDocument();
    await user.click(screen.getByRole('link', { name: /Grant admin consent/ }));
    await waitFor(() =>
      expect(backend.callsTo('plugin:opener|open_url')).toEqual([
        { url: `https://login.microsoftonline.com/contoso.com/adminconsent?client_id=${APP_ID}` },
      ]),
    );
    expect(screen.getByText('Fix what is missing, then check again.')).toBeInTheDocument();
    expect(backend.callsTo('check_microsoft_setup')[0]).toEqual({
      request: {
        path: 'admin',
        client_id: APP_ID,
        tenant: 'contoso.com',
        login_hint: null,
        sample_mailbox: 'bob@contoso.com',
        sign_in: null,
        with_directory: true,
      },
    });

    // Full Access missing: the one command, ready to copy; not signed in yet.
    await user.click(screen.getByRole('button', { name: 'Check and sign in' }));
    await waitFor(() => expect(rows()).toContain('Full Access to bob@contoso.com: Missing'));
    expect(screen.getByText('admin@contoso.com has no Full Access to bob@contoso.com.')).toBeInTheDocument();
    expect(screen.getByText(/Add-MailboxPermission -Identity "bob@contoso.com" -User "admin@contoso.com"/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Copy the command that fixes Full Access to bob@contoso.com' })).toBeInTheDocument();
    expect(screen.queryByText('Signed in as admin@contoso.com')).not.toBeInTheDocument();

    // All in place: connected and signed in, the wizard goes on.
    await user.click(screen.getByRole('button', { name: 'Check and sign in' }));
    expect(await screen.findByText('Microsoft 365 is connected. Signed in as admin@contoso.com.')).toBeInTheDocument();
    expect(rows().every((row) => row.endsWith(': OK'))).toBe(true);
    expect(screen.getByText('Signed in as admin@contoso.com')).toBeInTheDocument();
    // Nothing in the step names a command-line option.
    expect(document.body.textContent).not.toMatch(/--[a-z]/);
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Select users to start migrating email messages' });
  });

  it('checks the app-only path with the app\'s own sign-in and names the Exchange step', async () => {
    const backend = installFakeBackend({
      check_microsoft_setup: () => ({
        checks: [
          verdict('app', 'passed'),
          verdict('imapPermission', 'notChecked', {
            problem: 'The token does not list its permissions; the mailbox test below shows whether IMAP works.',
          }),
          verdict('mailboxAccess', 'failed', {
            problem: 'Exchange Online does not let the app open anna@contoso.com.',
            fix: 'Register the app in Exchange Online and give it Full Access with this command in Azure Cloud Shell (once per mailbox), then check again:',
            command: `Connect-ExchangeOnline; New-ServicePrincipal -AppId "${APP_ID}"`,
          }),
        ],
        signed_in: null,
      }),
    });
    const { user } = renderApp();
    await openMicrosoft365Destination(user);
    await user.click(screen.getByRole('radio', { name: /The app registration signs in by itself/ }));
    await typeDomain(user, 'contoso.onmicrosoft.com');
    const id = screen.getByRole('textbox', { name: /Application \(client\) ID/ });
    await user.clear(id);
    await fill(user, id, APP_ID);
    expect(screen.getByRole('button', { name: 'Check the setup' })).toBeDisabled();
    expect(screen.getByText('Sign the app in first, with its secret or certificate.')).toBeInTheDocument();

    await fill(user, screen.getByLabelText('Client secret'), 'app-secret-value');
    await user.keyboard('{Enter}');
    await screen.findByText('The app is signed in to contoso.onmicrosoft.com');
    await fill(user, screen.getByRole('textbox', { name: 'Mailbox to test Full Access on' }), 'anna@contoso.com');
    await user.click(screen.getByRole('button', { name: 'Check the setup' }));
    await screen.findByRole('list', { name: 'Setup check' });
    expect(rows()).toEqual([
      'App registration and its secret: OK',
      'IMAP permission: Not checked',
      'Full Access to anna@contoso.com: Missing',
    ]);
    expect(screen.getByText(new RegExp(`New-ServicePrincipal -AppId "${APP_ID}"`))).toBeInTheDocument();
    expect(backend.callsTo('check_microsoft_setup')[0]).toMatchObject({
      request: { path: 'app', sign_in: 'microsoft-app:contoso.onmicrosoft.com', sample_mailbox: 'anna@contoso.com' },
    });
  });

  it('shows nothing to set up when the build brings its own app registration', async () => {
    const backend = installFakeBackend({
      sign_in_settings: () => ({
        microsoft_client_id: APP_ID,
        google_client_id: null,
        microsoft_built_in: true,
        google_built_in: false,
        microsoft_imap_url: 'imaps://outlook.office365.com:993',
      }),
    });
    const { user } = renderApp();
    await openMicrosoft365Destination(user);
    expect(screen.getByRole('heading', { level: 2, name: 'Sign in with Microsoft' })).toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: /Application \(client\) ID/ })).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Setup script')).not.toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: /Tenant/ })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Sign in with Microsoft' }));
    expect(await screen.findByText('Signed in as admin@contoso.com')).toBeInTheDocument();
    expect(backend.callsTo('sign_in')).toEqual([
      { request: { provider: 'microsoft', client_id: APP_ID, tenant: null, login_hint: null, with_directory: true } },
    ]);
    expect(backend.callsTo('microsoft_setup_script')).toEqual([]);
  });
});

describe('Connect Outlook.com and Hotmail', () => {
  it('offers the personal-account script and steps, and checks consent in words for a person', async () => {
    const backend = installFakeBackend({
      microsoft_setup_script: () => '# Mailferry: register the app for Outlook.com and Hotmail mailboxes\n',
      check_microsoft_setup: () => ({
        checks: [
          verdict('app', 'passed'),
          verdict('signIn', 'passed'),
          verdict('consent', 'failed', {
            problem: 'The permissions Mailferry asks for were not accepted.',
            fix: 'Check again and choose Accept when Microsoft asks for the permissions.',
          }),
          verdict('imapPermission', 'notChecked'),
          verdict('mailboxAccess', 'notChecked'),
        ],
        signed_in: null,
      }),
    });
    const { user } = renderApp();
    await openDataService(user);
    await user.click(screen.getByRole('radio', { name: /^Outlook/ }));
    expect(await screen.findByLabelText('Setup script')).toHaveTextContent('Outlook.com and Hotmail');
    expect(backend.callsTo('microsoft_setup_script')[0]).toEqual({
      request: { path: 'personal', tenant: '', admin: null, mailboxes: [] },
    });
    expect(screen.getByText(/Authentication → Allow public client flows → Yes/)).toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: /Tenant/ })).not.toBeInTheDocument();
    const id = screen.getByRole('textbox', { name: /Application \(client\) ID/ });
    await user.clear(id);
    await fill(user, id, APP_ID);
    await fill(user, screen.getByRole('textbox', { name: 'Mailbox to test' }), 'anna@outlook.com');
    await user.click(screen.getByRole('button', { name: 'Check and sign in' }));
    await screen.findByRole('list', { name: 'Setup check' });
    expect(rows()).toEqual([
      'App registration: OK',
      'Sign-in comes back to Mailferry: OK',
      'Permissions accepted: Missing',
      'IMAP permission: Not checked',
      'IMAP access to anna@outlook.com: Not checked',
    ]);
    expect(screen.getByText('Check again and choose Accept when Microsoft asks for the permissions.')).toBeInTheDocument();
    expect(backend.callsTo('check_microsoft_setup')[0]).toMatchObject({
      request: { path: 'personal', client_id: APP_ID, tenant: null, sample_mailbox: 'anna@outlook.com' },
    });
  });
});

describe('a build with its own Google client', () => {
  it('lets Gmail mailboxes sign in with Google with nothing to enter', async () => {
    installFakeBackend({
      sign_in_settings: () => ({
        microsoft_client_id: null,
        google_client_id: 'built-in.apps.googleusercontent.com',
        microsoft_built_in: false,
        google_built_in: true,
        microsoft_imap_url: 'imaps://outlook.office365.com:993',
      }),
    });
    const { user } = renderApp();
    await openDataService(user);
    await user.click(screen.getByRole('radio', { name: /Gmail/ }));
    await user.click(screen.getByRole('radio', { name: 'Each mailbox signs in with Google' }));
    expect(screen.queryByRole('textbox', { name: /Google OAuth client ID/ })).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Google OAuth client secret')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Destination' });
  });
});
