// Before the app renders, the window and the page are painted in the colour the app will have,
// so opening Mailferry shows no black (or white) flash. Three places hold that colour: the
// theme, ui/src/firstPaint.css (linked from index.html) and the shell's
// src-tauri/src/first_paint.rs; they must agree.
import { webDarkTheme, webLightTheme } from '@fluentui/react-components';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8');
const html = read('../../index.html');
const css = read('../firstPaint.css');
const shell = read('../../../src-tauri/src/first_paint.rs');

/** `Color(0x29, 0x29, 0x29, 0xff)` after `Theme::Dark =>` (or `_ =>` for light) as #rrggbb. */
function shellColour(arm: string): string {
  const match = new RegExp(`${arm}\\s*=>\\s*Color\\(([^)]*)\\)`).exec(shell);
  if (!match) throw new Error(`no colour for ${arm} in first_paint.rs`);
  const [r, g, b] = match[1].split(',').map((n) => Number(n.trim()));
  return `#${[r, g, b].map((n) => n.toString(16).padStart(2, '0')).join('')}`;
}

describe('the first paint', () => {
  it('comes from a stylesheet the page links, never an inline style or script', () => {
    // Tauri adds the hash of an inline <style> or <script> to the CSP; with a hash there,
    // 'unsafe-inline' stops counting and every style Fluent UI inserts at runtime is refused.
    expect(html).not.toMatch(/<style[\s>]/i);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).toContain('href="/src/firstPaint.css"');
  });

  it('is the page background of the light theme', () => {
    const light = webLightTheme.colorNeutralBackground1.toLowerCase();
    expect(/html\s*\{\s*background:\s*(#[0-9a-f]{6})/i.exec(css)?.[1]).toBe(light);
    expect(shellColour('_')).toBe(light);
  });

  it('is the page background of the dark theme', () => {
    const dark = webDarkTheme.colorNeutralBackground1.toLowerCase();
    expect(/prefers-color-scheme:\s*dark\)\s*\{\s*html\s*\{\s*background:\s*(#[0-9a-f]{6})/i.exec(css)?.[1]).toBe(dark);
    expect(shellColour('Theme::Dark')).toBe(dark);
  });
});
