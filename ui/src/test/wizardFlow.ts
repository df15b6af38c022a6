import { screen } from '@testing-library/react';
import type userEvent from '@testing-library/user-event';

type User = ReturnType<typeof userEvent.setup>;

/** Pasting is one change instead of one per key: the flows stay fast, the screens see the same. */
export async function fill(user: User, input: HTMLElement, text: string) {
  await user.click(input);
  await user.paste(text);
}

/** Home → Get started → Email sources (name accepted) → Select your data service. */
export async function openDataService(user: User) {
  await user.click(await screen.findByRole('button', { name: 'Get started' }));
  await screen.findByRole('heading', { level: 1, name: 'Email sources' });
  await user.click(screen.getByRole('button', { name: 'Next' }));
  await screen.findByRole('heading', { level: 1, name: 'Select your data service' });
}

/** … → Gmail → Destination. */
export async function openDestination(user: User) {
  await openDataService(user);
  await user.click(screen.getByRole('radio', { name: /Gmail/ }));
  await user.click(screen.getByRole('button', { name: 'Next' }));
  await screen.findByRole('heading', { level: 1, name: 'Destination' });
}

/** … → Gmail → Destination with Microsoft 365 chosen. */
export async function openMicrosoft365Destination(user: User) {
  await openDestination(user);
  await user.click(screen.getByRole('radio', { name: /Microsoft 365/ }));
}

/** … → Gmail → Destination with another IMAP server chosen. */
export async function openImapDestination(user: User) {
  await openDestination(user);
  await user.click(screen.getByRole('radio', { name: /Another IMAP server/ }));
  await screen.findByRole('textbox', { name: /Destination IMAP server/ });
}

/** On Destination: an IMAP server and its admin, the password stored. */
export async function fillImapDestination(user: User) {
  await user.click(screen.getByRole('radio', { name: /Another IMAP server/ }));
  await fill(user, screen.getByRole('textbox', { name: /Destination IMAP server/ }), 'mail.contoso.com');
  await fill(user, screen.getByRole('textbox', { name: 'Admin account' }), 'admin@contoso.com');
  await fill(user, screen.getByLabelText('Admin password'), 'admin-secret');
  await user.keyboard('{Enter}');
  await screen.findByText('Admin password stored');
}

/** … → destination server and admin filled in → Select users. */
export async function openUsers(user: User) {
  await openImapDestination(user);
  await fillImapDestination(user);
  await user.click(screen.getByRole('button', { name: 'Next' }));
  await screen.findByRole('heading', { level: 1, name: 'Select users to start migrating email messages' });
}

/** Adds a row and fills its destination mailbox. */
export async function addUserRow(user: User, email: string) {
  await user.click(screen.getByRole('button', { name: 'Add user' }));
  const inputs = screen.getAllByRole('textbox', { name: /^Destination mailbox, row/ });
  const input = inputs[inputs.length - 1];
  await fill(user, input, email);
  await user.tab();
}
