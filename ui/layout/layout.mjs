// Every screen and state of the window an owner can reach, at the sizes owners use (1024×700,
// the smallest supported, and 1366×900) in light and dark, in headless Chromium with the browser demo's IPC stand-in (the
// page is the app's own). Saves a screenshot of each for people to look at, and fails when a
// screen breaks its layout: the page scrolls sideways, Back/Next are not on screen, a toolbar
// wraps onto a second row, text is cut off without a tooltip that shows it whole or runs past
// the window's edge, a button spills out of its table cell, a table's date wraps onto a
// second line, or a panel pushes what must stay in view below the fold.
//
//   node ui/layout/layout.mjs URL OUTDIR      (scripts/layout.sh serves the demo and calls this)
//   LAYOUT_ONLY=history bash scripts/layout.sh   (only the screens whose names match)
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [url, outDir] = process.argv.slice(2);
if (!url || !outDir) {
  console.error('usage: node ui/layout/layout.mjs URL OUTDIR');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });

// LAYOUT_ONLY=regex walks only the screens whose names match (while fixing one).
const only = process.env.LAYOUT_ONLY ? new RegExp(process.env.LAYOUT_ONLY) : null;

const SIZES = [
  { width: 1024, height: 700 },
  { width: 1366, height: 900 },
];
const SCHEMES = ['light', 'dark'];

// Each screen: how to get there from a fresh page (`query` is added to the demo's URL), what
// shows it is there (`ready`, else its level-1 `heading`), the part to scroll into view before
// the screenshot (`show`), and what must hold on it (`footer`: Back/Next on screen; `toolbar`:
// on one row; `onScreen`: parts no panel may push below the fold; `dateLines`: the most lines
// a date in a table may take, 1 unless told).
const byRole = (role, name) => (page) => page.getByRole(role, { name }).first();
const click = (role, name) => async (page) => page.getByRole(role, { name, exact: true }).first().click();

/** A status page command, from its toolbar or, when the window is narrow, its More actions menu. */
async function command(page, name) {
  const button = page.getByRole('toolbar').getByRole('button', { name, exact: true });
  if (await button.isVisible()) return button.click();
  await page.getByRole('button', { name: 'More actions' }).click();
  await page.getByRole('menuitem', { name }).click();
}

const next = click('button', 'Next');
const wizard = click('button', 'Get started');
async function toService(page) {
  await wizard(page);
  await next(page);
}
/** Select your data service, "Other email sources", with a typed-in server and its test mailbox. */
async function toOtherServer(page, host) {
  await toService(page);
  await page.getByRole('radio', { name: /^Other email sources/ }).click();
  await page.getByRole('textbox', { name: /Source IMAP server/ }).fill(host);
  await page.getByRole('textbox', { name: /Mailbox to test/ }).fill('anna@example.com');
  await page.getByLabel('Its password', { exact: true }).fill('secret');
  await page.getByLabel('Its password', { exact: true }).press('Enter');
  await page.getByText('Password stored').first().waitFor();
}
async function toDestination(page) {
  await toService(page);
  await page.getByRole('radio', { name: /^Gmail/ }).click();
  await next(page);
  await page.getByRole('heading', { level: 1, name: 'Destination' }).waitFor();
}
const USERS = 'Select users to start migrating email messages';
async function toUsers(page) {
  await toDestination(page);
  // Microsoft 365 needs its admin signed in before the users step.
  await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
  await page.getByText(/Signed in as/).first().waitFor();
  await next(page);
  await page.getByRole('heading', { level: 1, name: USERS }).waitFor();
}
async function importCsv(page) {
  await page.getByRole('button', { name: 'Import CSV' }).click();
}
/** Connect Microsoft 365 with the tenant typed in, so its script is shown. */
async function toConnect(page) {
  await toDestination(page);
  await page.getByRole('textbox', { name: /^Tenant/ }).fill('contoso.com');
  await page.getByLabel('Setup script').waitFor();
}

const SCREENS = [
  { name: 'home', heading: 'Migrations', go: async () => {} },
  { name: 'history', heading: 'Reports and history', go: click('button', 'Reports and history') },
  {
    name: 'close-dialog',
    query: '&close',
    go: async () => {},
    ready: (page) => page.getByRole('alertdialog'),
  },
  { name: 'status', heading: 'Email migration status', toolbar: true, go: click('button', 'Contoso mailboxes') },
  {
    name: 'status-details',
    heading: 'Email migration status',
    toolbar: true,
    go: async (page) => {
      await click('button', 'Contoso mailboxes')(page);
      await click('button', 'Details for chris@contoso.com')(page);
    },
  },
  {
    name: 'status-certificate',
    heading: 'Email migration status',
    toolbar: true,
    go: async (page) => {
      await click('button', 'Contoso mailboxes')(page);
      await click('button', 'Details for fay@contoso.com')(page);
    },
    ready: byRole('region', "The server's certificate"),
    show: byRole('region', "The server's certificate"),
  },
  {
    name: 'status-stopped',
    heading: 'Email migration status',
    toolbar: true,
    go: async (page) => {
      await click('button', 'Contoso mailboxes')(page);
      await command(page, 'Stop migration');
      await page.getByText('Stopped', { exact: true }).first().waitFor();
    },
    // The stopped rows, to see that what was copied stays shown and the badge is readable.
    show: (page) => page.getByRole('row', { name: /eve@contoso\.com/ }),
  },
  {
    name: 'status-awaiting-sign-in',
    query: '&awaiting',
    heading: 'Email migration status',
    toolbar: true,
    go: click('button', 'Contoso mailboxes'),
    ready: byRole('region', '2 people have not signed in yet'),
    show: byRole('region', '2 people have not signed in yet'),
  },
  { name: 'status-synced', heading: 'Email migration status', toolbar: true, go: click('button', 'Pilot') },
  {
    name: 'status-completed',
    heading: 'Email migration status',
    toolbar: true,
    go: async (page) => {
      await click('button', 'Pilot')(page);
      await page.getByRole('table', { name: 'Mailboxes in Pilot' }).waitFor();
      await command(page, 'Close connection');
      await page.getByRole('alertdialog').getByRole('button', { name: 'Close connection' }).click();
    },
    ready: byRole('region', 'Completed'),
  },
  {
    name: 'switch-domain',
    heading: /Switch/,
    go: async (page) => {
      await click('button', 'Contoso mailboxes')(page);
      await command(page, 'Switch domain');
    },
  },
  { name: 'wizard-1-sources', heading: 'Email sources', footer: true, go: wizard },
  { name: 'wizard-2-service', heading: 'Select your data service', footer: true, go: toService },
  {
    name: 'wizard-2b-other-server',
    heading: 'Select your data service',
    footer: true,
    go: async (page) => {
      await toService(page);
      await page.getByRole('radio', { name: /^Other email sources/ }).click();
    },
  },
  {
    name: 'wizard-2c-certificate',
    heading: 'Select your data service',
    footer: true,
    go: async (page) => {
      await toOtherServer(page, 'mail.office.local');
      await click('button', 'Test connection')(page);
    },
    ready: byRole('region', "The server's certificate"),
    show: byRole('region', "The server's certificate"),
  },
  {
    name: 'wizard-2d-wrong-encryption',
    heading: 'Select your data service',
    footer: true,
    go: async (page) => {
      await toOtherServer(page, 'mail.example.com');
      await page.getByRole('radio', { name: 'STARTTLS' }).click();
      await page.getByRole('textbox', { name: 'Source port' }).fill('993');
      await click('button', 'Test connection')(page);
    },
    ready: byRole('button', 'This port expects SSL/TLS — switch?'),
    show: byRole('button', 'This port expects SSL/TLS — switch?'),
  },
  { name: 'wizard-3-destination', heading: 'Destination', footer: true, go: toDestination },
  {
    name: 'wizard-3b-connect-script',
    heading: 'Destination',
    footer: true,
    go: toConnect,
    show: (page) => page.getByLabel('Setup script'),
  },
  {
    name: 'wizard-3c-connect-check',
    heading: 'Destination',
    footer: true,
    go: async (page) => {
      await toConnect(page);
      await page.getByRole('textbox', { name: 'Mailbox to test Full Access on' }).fill('xavier@contoso.com');
      await click('button', 'Check and sign in')(page);
    },
    ready: byRole('list', 'Setup check'),
    show: byRole('list', 'Setup check'),
  },
  {
    name: 'wizard-3d-sign-in-first',
    heading: 'Destination',
    footer: true,
    go: async (page) => {
      await toDestination(page);
      await next(page);
    },
    ready: (page) => page.getByText('Sign in with Microsoft first.'),
    show: (page) => page.getByText('Sign in with Microsoft first.'),
  },
  {
    name: 'wizard-3e-imap-unfinished',
    heading: 'Destination',
    footer: true,
    go: async (page) => {
      // Another IMAP server, unencrypted and not yet accepted, the admin's password not typed.
      await toDestination(page);
      await page.getByRole('radio', { name: /^Another IMAP server/ }).click();
      await page.getByRole('textbox', { name: /Destination IMAP server/ }).fill('mail.contoso.com');
      await page.getByRole('radio', { name: 'None (not encrypted)' }).click();
      await page.getByRole('textbox', { name: 'Admin account' }).fill('admin@contoso.com');
      await next(page);
    },
    ready: (page) => page.getByText("Enter the admin account's password."),
  },
  { name: 'wizard-4-users', heading: USERS, footer: true, toolbar: true, go: toUsers },
  {
    name: 'wizard-4b-users-unfinished',
    heading: USERS,
    footer: true,
    toolbar: true,
    go: async (page) => {
      // A row without its password, then Next: each problem beside its entry.
      await toUsers(page);
      await click('button', 'Add user')(page);
      await page.getByRole('textbox', { name: /^Destination mailbox/ }).first().fill('anna@contoso.com');
      await next(page);
    },
    ready: (page) => page.getByText('Enter the password.').first(),
  },
  {
    name: 'wizard-4c-users-csv-problems',
    heading: USERS,
    footer: true,
    toolbar: true,
    go: async (page) => {
      await toUsers(page);
      await importCsv(page);
    },
    ready: byRole('table', 'Problems in the CSV file'),
    onScreen: [byRole('table', 'Users to migrate')],
  },
  {
    name: 'wizard-4d-users-many-none-selected',
    heading: USERS,
    footer: true,
    toolbar: true,
    go: async (page) => {
      // The corrected file imported, then every row unticked and Next.
      await toUsers(page);
      await importCsv(page);
      await byRole('table', 'Problems in the CSV file')(page).waitFor();
      await importCsv(page);
      await page.getByText(/mailboxes imported/).waitFor();
      await page.getByRole('checkbox', { name: 'Select all users' }).click();
      await next(page);
    },
    ready: (page) => page.getByText(/Select at least one user/).first(),
    onScreen: [(page) => page.getByText(/Select at least one user/).first()],
  },
  {
    name: 'wizard-5-options',
    heading: 'Migration options',
    footer: true,
    go: async (page) => {
      await toUsers(page);
      // One user typed in, as an owner would.
      await click('button', 'Add user')(page);
      await page.getByRole('textbox', { name: /^Destination mailbox/ }).first().fill('anna@contoso.com');
      await page.getByRole('textbox', { name: /^Source email or user name/ }).first().fill('anna@gmail.com');
      await page.getByLabel(/^App password for/).first().fill('abcd efgh ijkl mnop');
      await next(page);
    },
  },
];

/** What is wrong with the layout on the page as it stands. */
async function layoutProblems(page, screen) {
  return page.evaluate(
    ({ footer, toolbar, dateLines }) => {
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
      // A button wider than its table cell spills over the next column or past the table.
      for (const b of document.querySelectorAll('td button')) {
        if (!visible(b)) continue;
        const cell = b.closest('td').getBoundingClientRect();
        const r = b.getBoundingClientRect();
        if (r.right > cell.right + 1 || r.left < cell.left - 1) problems.push(`"${label(b)}" spills out of its table cell`);
      }
      // A date squeezed into a narrow column stacks onto three lines and is hard to read. Lines
      // are counted from where the browser put each line of the cell's text.
      const lines = (cell) => {
        const tops = [];
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (!node.textContent.trim()) continue;
          const range = document.createRange();
          range.selectNodeContents(node);
          for (const r of range.getClientRects()) {
            if (r.width > 0 && r.height > 0 && !tops.some((top) => Math.abs(top - r.top) < r.height / 2)) tops.push(r.top);
          }
        }
        return tops.length;
      };
      for (const table of document.querySelectorAll('table')) {
        const dateColumns = [...table.querySelectorAll('thead th')]
          .map((th, index) => ({ index, name: th.textContent.trim() }))
          .filter(({ name }) => ['Last synced', 'Created'].includes(name));
        for (const row of table.querySelectorAll('tbody tr')) {
          for (const { index, name } of dateColumns) {
            const cell = row.children[index];
            if (!cell || !visible(cell)) continue;
            const n = lines(cell);
            if (n > dateLines) problems.push(`"${label(cell)}" (${name}) wraps onto ${n} lines`);
          }
        }
      }
      // Text spilling out of its box: a leaf whose text runs past the right edge of the window.
      for (const el of document.querySelectorAll('main *, [role="dialog"] *, [role="alertdialog"] *')) {
        if (!visible(el) || el.children.length > 0 || !el.textContent.trim()) continue;
        const r = el.getBoundingClientRect();
        if (r.right > viewWidth + 1) problems.push(`"${label(el)}" runs past the window's edge`);
      }
      return problems;
    },
    { footer: !!screen.footer, toolbar: !!screen.toolbar, dateLines: screen.dateLines ?? 1 },
  );
}

/** The parts of a screen that must be in view, above the pinned Back/Next, and are not. */
async function pushedOff(page, screen, size) {
  const problems = [];
  for (const part of screen.onScreen ?? []) {
    const box = await part(page).boundingBox();
    // The pinned footer takes the bottom of the window.
    if (!box || box.y > size.height - 120) problems.push(`${await part(page).evaluate((el) => (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 60))} is pushed below the fold`);
  }
  return problems;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
const failures = [];
const started = Date.now();
const walked = SCREENS.filter((s) => !only || only.test(s.name));
try {
  // One page per screen and size: it is looked at in light, then switched to dark as the
  // operating system would (the window follows it live), which halves the walking.
  for (const size of SIZES) {
    const context = await browser.newContext({ viewport: size, colorScheme: SCHEMES[0] });
    // A step that cannot be done fails the screen soon, not after Playwright's 30 s.
    context.setDefaultTimeout(10_000);
    for (const screen of walked) {
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const where = `${screen.name} ${size.width}x${size.height}`;
      try {
        await page.goto(url + (screen.query ?? ''));
        await page.getByRole('heading', { level: 1, name: 'Migrations' }).waitFor({ timeout: 60_000 });
        await screen.go(page);
        const ready = screen.ready
          ? screen.ready(page)
          : page.getByRole('heading', { level: 1, name: screen.heading }).first();
        await ready.waitFor({ timeout: 10_000 });
        if (screen.show) await screen.show(page).scrollIntoViewIfNeeded();
        for (const colorScheme of SCHEMES) {
          await page.emulateMedia({ colorScheme });
          // Let fonts, the theme and the progress animation settle before looking.
          await page.waitForTimeout(300);
          const file = path.join(outDir, `${screen.name}-${size.width}x${size.height}-${colorScheme}.png`);
          await page.screenshot({ path: file, fullPage: false });
          const problems = [...(await layoutProblems(page, screen)), ...(await pushedOff(page, screen, size))];
          for (const p of problems) failures.push(`${where} ${colorScheme}: ${p}`);
          console.log(`${problems.length ? 'FAIL' : 'ok  '} ${where} ${colorScheme}`);
        }
        for (const e of errors) failures.push(`${where}: page error: ${e}`);
      } catch (e) {
        failures.push(`${where}: could not be shown: ${e.message.split('\n')[0]}`);
        console.log(`FAIL ${where}`);
      } finally {
        await page.close();
      }
    }
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(`walked ${walked.length} screens in ${Math.round((Date.now() - started) / 1000)} s`);
if (failures.length) {
  console.error(`\n${failures.length} layout problem(s):\n${failures.join('\n')}`);
  process.exit(1);
}
console.log(`every screen laid out at ${SIZES.map((s) => `${s.width}×${s.height}`).join(' and ')}; screenshots in ${outDir}`);
