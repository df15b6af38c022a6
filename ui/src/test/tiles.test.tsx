import { createDOMRenderer, FluentProvider, RendererProvider, webLightTheme } from '@fluentui/react-components';
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Tile } from '../components/Tile';

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
});
