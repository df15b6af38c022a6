import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { installFakeBackend } from './fakeBackend';
import { renderApp } from './render';
import { fill, openImapDestination, openMicrosoft365Destination } from './wizardFlow';

// What a page needs before it goes on is said beside the entry concerned, styled as an error
// and tied to it for screen readers, not as loose text elsewhere on the page.
describe('a step that cannot go on yet', () => {
  it('asks for the admin password under the empty password field', async () => {
    installFakeBackend();
    const { user } = renderApp();
    await openImapDestination(user);
    await fill(user, screen.getByRole('textbox', { name: /Destination IMAP server/ }), 'mail.contoso.com');
    await fill(user, screen.getByRole('textbox', { name: 'Admin account' }), 'admin@contoso.com');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    const password = screen.getByLabelText('Admin password');
    expect(password).toHaveAttribute('aria-invalid', 'true');
    expect(password).toHaveAccessibleDescription(expect.stringContaining("Enter the admin account's password."));
    expect(screen.getByRole('heading', { level: 1, name: 'Destination' })).toBeInTheDocument();
  });

  it('asks for "I understand" at the checkbox on the destination too, instead of doing nothing', async () => {
    installFakeBackend();
    const { user } = renderApp();
    await openImapDestination(user);
    await fill(user, screen.getByRole('textbox', { name: /Destination IMAP server/ }), 'mail.contoso.com');
    await user.click(screen.getByRole('radio', { name: 'None (not encrypted)' }));
    await user.click(screen.getByRole('button', { name: 'Next' }));
    const understood = screen.getByRole('checkbox', { name: 'I understand: sign in without encryption' });
    expect(understood).toHaveAccessibleDescription(
      'Tick "I understand" to sign in without encryption, or choose SSL/TLS or STARTTLS.',
    );
    await user.click(understood);
    expect(understood).not.toHaveAccessibleDescription(expect.stringContaining('Tick'));
  });

  it('shows "Sign in with Microsoft first." as an error message', async () => {
    installFakeBackend();
    const { user } = renderApp();
    await openMicrosoft365Destination(user);
    await user.click(screen.getByRole('button', { name: 'Next' }));
    const message = await screen.findByText('Sign in with Microsoft first.');
    expect(message.closest('[role="alert"]')).not.toBeNull();
    expect(message.closest('.fui-MessageBar')).not.toBeNull();
  });
});
