import { createDOMRenderer, FluentProvider, RendererProvider, webLightTheme } from '@fluentui/react-components';
import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Tile } from '../components/Tile';
import { installFakeBackend } from './fakeBackend';
import { renderApp } from './render';
import { openDataService } from './wizardFlow';

/** The mark each tile of a radio group shows. */
function marksIn(group: HTMLElement): (string | null)[] {
  return within(group)
    .getAllByRole('radio')
    .map((tile) => {
      const marks = tile.querySelectorAll('svg[data-logo]');
      // One mark per tile, hidden from assistive technology: the name stays the words.
      expect(marks).toHaveLength(1);
      expect(marks[0]).toHaveAttribute('aria-hidden', 'true');
      expect(marks[0]).not.toHaveAttribute('focusable', 'true');
      return marks[0].getAttribute('data-logo');
    });
}

/** The CSS rules that apply to an element's own (atomic) classes. */
function rulesFor(element: Element): string[] {
  const classes = [...element.classList];
  const rules: string[] = [];
  for (const sheet of Array.from(document.styleSheets)) {
    for (const rule of Array.from(sheet.cssRules)) {
      if (classes.some((c) => rule.cssText.includes(`.${c}`))) rules.push(rule.cssText);
    }
  }
  return rules;
}

describe('provider tiles', () => {
  it('draw a focus ring around the tile itself when reached from the keyboard', () => {
    // This test keeps the CSS (the others drop it for speed): the ring is CSS.
    const renderer = createDOMRenderer(document);
    render(
      <RendererProvider renderer={renderer}>
        <FluentProvider theme={webLightTheme}>
          <Tile title="Gmail" selected={false} onSelect={() => {}} />
        </FluentProvider>
      </RendererProvider>,
    );
    const rules = rulesFor(screen.getByRole('radio', { name: /Gmail/ }));
    // The ring: an outline drawn by ::after once keyboard focus is visible…
    expect(rules.some((r) => r.includes('data-fui-focus-visible') && r.includes('::after') && r.includes('border'))).toBe(true);
    // …positioned against the tile; without this it is drawn around some other element.
    expect(rules.some((r) => /position:\s*relative/.test(r))).toBe(true);
  });

  it("show each provider's mark beside its name, and announce only the name and what it needs", async () => {
    installFakeBackend();
    const { user } = renderApp();
    await openDataService(user);
    const providers = screen.getByRole('radiogroup', { name: 'Email provider' });
    expect(marksIn(providers)).toEqual([
      'gmail',
      'outlook',
      // Hotmail addresses are Outlook.com's now, under the same mark.
      'outlook',
      'yahoo',
      'icloud',
      'aol',
      'mail-server',
    ]);
    const names = ['Gmail', 'Outlook', 'Hotmail', 'Yahoo', 'iCloud', 'AOL', 'Other email sources'];
    const needs = [
      'Needs an app password',
      'Sign in with Microsoft',
      'Sign in with Microsoft',
      'Needs an app password',
      'Needs an app password',
      'Needs an app password',
      'Server name and password',
    ];
    // Without styles jsdom puts no space between the two lines; nothing else may be in the name.
    within(providers)
      .getAllByRole('radio')
      .forEach((tile, i) => expect(tile).toHaveAccessibleName(new RegExp(`^${names[i]} ?${needs[i]}$`)));

    await user.click(screen.getByRole('radio', { name: /^Gmail/ }));
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByRole('heading', { level: 1, name: 'Destination' });
    const destinations = screen.getByRole('radiogroup', { name: 'Destination' });
    expect(marksIn(destinations)).toEqual(['microsoft', 'mail-server']);
    const [m365, imap] = within(destinations).getAllByRole('radio');
    expect(m365).toHaveAccessibleName(/^Microsoft 365 ?Exchange Online mailboxes, opened by an admin who signs in with Microsoft\.$/);
    expect(imap).toHaveAccessibleName(/^Another IMAP server ?Any server that lets one admin account open every mailbox\.$/);
  });
});
