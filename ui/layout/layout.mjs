// Every screen of the window at the sizes owners use (1024×700, the smallest supported, and
// 1366×900) in light and dark, in headless Chromium with the browser demo's IPC stand-in (the
// page is the app's own). Saves a screenshot of each for people to look at, and fails when a
// screen breaks its layout: the page scrolls sideways, Back/Next are not on screen, a toolbar
// wraps onto a second row, or text is cut off without a tooltip that shows it whole.
//
//   node ui/layout/layout.mjs URL OUTDIR      (scripts/layout.sh serves the demo and calls this)
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [url, outDir] = process.argv.slice(2);
if (!url || !outDir) {
  console.error('usage: node ui/layout/layout.mjs URL OUTDIR');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });

const SIZES = [
  { width: 1024, height: 700 },
  { width: 1366, height: 900 },
];
const SCHEMES = ['light', 'dark'];

/** Each screen: how to get there from a fresh page, and what must be on it. */
const SCREENS = [
  { name: 'home', go: async () => {}, heading: 'Migrations' },
  {
    name: 'history',
    go: async (page) => page.getByRole('button', { name: 'Reports and history' }).click(),
    heading: 'Reports and history',
  },
  {
    name: 'status',
    go: async (page) => page.getByRole('button', { name: 'Contoso mailboxes' }).click(),
    heading: 'Email migration status',
    toolbar: true,
  },
  {
    name: 'status-details',
    go: async (page) => {
      await page.getByRole('button', { name: 'Contoso mailboxes' }).click();
      await page.getByRole('button', { name: 'Details for chris@contoso.com' }).click();
    },
    heading: 'Email migration status',
    toolbar: true,
  },
  {
    name: 'status-synced',
    go: async (page) => page.getByRole('button', { name: 'Pilot' }).click(),
    heading: 'Email migration status',
    toolbar: true,
  },
  {
    name: 'switch-domain',
    go: async (page) => {
      await page.getByRole('button', { name: 'Contoso mailboxes' }).click();
      await page.getByRole('button', { name: 'Switch domain' }).click();
    },
    heading: /Switch/,
  },
  ...wizardScreens(),
];

function wizardScreens() {
  const start = async (page) => page.getByRole('button', { name: 'Get started' }).click();
  const next = async (page) => page.getByRole('button', { name: 'Next', exact: true }).click();
  const steps = [
    { name: 'wizard-1-sources', heading: 'Email sources', go: async () => {} },
    { name: 'wizard-2-service', heading: 'Select your data service', go: next },
    {
      name: 'wizard-2b-other-server',
      heading: 'Select your data service',
      go: async (page) => page.getByRole('radio', { name: /^Other email sources/ }).click(),
    },
  ];
  const screens = [];
  for (let i = 0; i < steps.length; i++) {
    const path = steps.slice(0, i + 1);
    screens.push({
      name: steps[i].name,
      heading: steps[i].heading,
      footer: true,
      go: async (page) => {
        await start(page);
        for (const step of path) await step.go(page);
      },
    });
  }
  // The later steps need a source chosen: Gmail is the demo's.
  const later = [
    { name: 'wizard-3-destination', heading: 'Destination' },
    { name: 'wizard-4-users', heading: 'Select users to start migrating email messages', toolbar: true },
    { name: 'wizard-5-options', heading: 'Migration options' },
  ];
  later.forEach((step, i) => {
    screens.push({
      name: step.name,
      heading: step.heading,
      footer: true,
      toolbar: !!step.toolbar,
      go: async (page) => {
        await start(page);
        await next(page);
        await page.getByRole('radio', { name: /^Gmail/ }).click();
        for (let k = 0; k <= i; k++) {
          if (later[k - 1]?.name === 'wizard-3-destination') {
            // Microsoft 365 needs its admin signed in before the users step.
            await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
            await page.getByText(/Signed in as/).first().waitFor();
          }
          if (later[k - 1]?.name === 'wizard-4-users') {
            // One user typed in, as an owner would.
            await page.getByRole('button', { name: 'Add user' }).click();
            await page.getByRole('textbox', { name: /^Destination mailbox/ }).first().fill('anna@contoso.com');
            await page.getByRole('textbox', { name: /^Source email or user name/ }).first().fill('anna@gmail.com');
            await page.getByLabel(/^App password for/).first().fill('abcd efgh ijkl mnop');
          }
          await next(page);
          if (k < i) await page.getByRole('heading', { level: 1, name: later[k].heading }).waitFor();
        }
      },
    });
  });
  return screens;
}

/** What is wrong with the layout on the page as it stands. */
async function layoutProblems(page, screen) {
  return page.evaluate(
    ({ footer, toolbar }) => {
      const problems = [];
      const viewWidth = document.documentElement.clientWidth;
      const viewHeight = window.innerHeight;
      if (document.documentElement.scrollWidth > viewWidth + 1) {
        problems.push(`the page scrolls sideways (${document.documentElement.scrollWidth} px wide in ${viewWidth})`);
      }
      const visible = (el) => {
        const r = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        return r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
      };
      const label = (el) => (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 60);
      if (footer) {
        const buttons = [...document.querySelectorAll('button')].filter(
          (b) => ['Next', 'Back', 'Start', 'Save'].includes(b.textContent.trim()) && visible(b),
        );
        if (buttons.length === 0) problems.push('no Back/Next button is shown');
        for (const b of buttons) {
          const r = b.getBoundingClientRect();
          if (r.bottom > viewHeight + 1 || r.top < 0) problems.push(`"${label(b)}" is off screen (top ${Math.round(r.top)})`);
        }
      }
      if (toolbar) {
        const bar = document.querySelector('[role="toolbar"]');
        if (!bar) problems.push('no toolbar');
        else {
          const tops = new Set(
            [...bar.querySelectorAll('button')].filter(visible).map((b) => Math.round(b.getBoundingClientRect().top)),
          );
          if (tops.size > 1) problems.push(`the toolbar wraps onto ${tops.size} rows`);
          for (const b of bar.querySelectorAll('button')) {
            if (visible(b) && b.getBoundingClientRect().height > 40) problems.push(`"${label(b)}" wraps its label`);
          }
        }
      }
      // Text cut off: an element that clips its own text must say it whole in a tooltip.
      for (const el of document.querySelectorAll('body *')) {
        if (!visible(el) || el.children.length > 0 || !el.textContent.trim()) continue;
        // Text for screen readers only is clipped to a pixel on purpose.
        const box = el.getBoundingClientRect();
        if (box.width <= 2 || box.height <= 2) continue;
        const style = getComputedStyle(el);
        const clips = style.textOverflow === 'ellipsis' || style.overflow === 'hidden' || style.overflowX === 'hidden';
        if (!clips || el.scrollWidth <= el.clientWidth + 1) continue;
        const titled = el.closest('[title]') || el.closest('[aria-describedby]') || el.closest('[data-tooltip]');
        if (!titled) problems.push(`"${label(el)}" is cut off with no tooltip`);
      }
      // Text spilling out of its box: a leaf whose text runs past the right edge of the window.
      for (const el of document.querySelectorAll('main *, [role="dialog"] *')) {
        if (!visible(el) || el.children.length > 0 || !el.textContent.trim()) continue;
        const r = el.getBoundingClientRect();
        if (r.right > viewWidth + 1) problems.push(`"${label(el)}" runs past the window's edge`);
      }
      return problems;
    },
    { footer: !!screen.footer, toolbar: !!screen.toolbar },
  );
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
const failures = [];
try {
  for (const size of SIZES) {
    for (const colorScheme of SCHEMES) {
      const context = await browser.newContext({ viewport: size, colorScheme });
      for (const screen of SCREENS) {
        const page = await context.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(e.message));
        const where = `${screen.name} ${size.width}x${size.height} ${colorScheme}`;
        try {
          await page.goto(url);
          await page.getByRole('heading', { level: 1, name: 'Migrations' }).waitFor({ timeout: 60_000 });
          await screen.go(page);
          await page.getByRole('heading', { level: 1, name: screen.heading }).first().waitFor({ timeout: 10_000 });
          // Let fonts and the progress animation settle before looking.
          await page.waitForTimeout(400);
          const file = path.join(outDir, `${screen.name}-${size.width}x${size.height}-${colorScheme}.png`);
          await page.screenshot({ path: file, fullPage: false });
          const problems = [...(await layoutProblems(page, screen)), ...errors.map((e) => `page error: ${e}`)];
          for (const p of problems) failures.push(`${where}: ${p}`);
          console.log(`${problems.length ? 'FAIL' : 'ok  '} ${where}`);
        } catch (e) {
          failures.push(`${where}: could not be shown: ${e.message.split('\n')[0]}`);
          console.log(`FAIL ${where}`);
        } finally {
          await page.close();
        }
      }
      await context.close();
    }
  }
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`\n${failures.length} layout problem(s):\n${failures.join('\n')}`);
  process.exit(1);
}
console.log(`every screen laid out at ${SIZES.map((s) => `${s.width}×${s.height}`).join(' and ')}; screenshots in ${outDir}`);
