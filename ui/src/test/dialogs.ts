import { screen, waitFor, within } from '@testing-library/react';
import { expect } from 'vitest';

/**
 * An open alert dialog, by its title, once it is shown the way a person sees it: on screen,
 * not hidden from assistive technology, and holding the focus. Fluent's focus manager marks
 * the dialog aria-hidden for a moment while it opens (until focus moves in); a test that
 * clicks then clicks on nothing a person could reach.
 */
export function findDialog(title: string): Promise<HTMLElement> {
  return waitFor(() => {
    const dialog = screen.getByRole('alertdialog', { name: title });
    expect(dialog).not.toHaveAttribute('aria-hidden');
    expect(dialog).toContainElement(document.activeElement as HTMLElement | null);
    return dialog;
  });
}

export function dialogButton(dialog: HTMLElement, name: string): HTMLElement {
  return within(dialog).getByRole('button', { name });
}

/**
 * Waits until the dialog is gone, not merely hidden while it closes. The page behind it is
 * hidden from assistive technology until then, and a moment after: find what comes next with
 * findBy*, as a person waits for the page to be back.
 */
export function dialogClosed(): Promise<void> {
  return waitFor(() => expect(screen.queryByRole('alertdialog', { hidden: true })).not.toBeInTheDocument());
}
