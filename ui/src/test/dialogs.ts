import { screen, within } from '@testing-library/react';

/** An open alert dialog, by its title. */
export function findDialog(title: string): Promise<HTMLElement> {
  return screen.findByRole('alertdialog', { name: title });
}

export function dialogButton(dialog: HTMLElement, name: string): HTMLElement {
  return within(dialog).getByRole('button', { name });
}
