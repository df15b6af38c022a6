// Measures how the status page keeps up with a large batch: N mailboxes all copying, one
// progress update every 100 ms (the engine's coalescing limit) carrying every mailbox.
// Runs the optimised window build in headless Chromium with the browser demo's IPC stand-in
// (nothing else differs from the app's page) and reports frame times and long tasks.
//
//   node bench/ui-status.mjs URL [SECONDS]
//
// URL is the served demo build (bench/ui-status.sh serves it and passes the address).
import { chromium } from 'playwright-core';

const [url, secondsArg] = process.argv.slice(2);
if (!url) {
  console.error('usage: node bench/ui-status.mjs URL [SECONDS]');
  process.exit(2);
}
const seconds = Number(secondsArg ?? 20);
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

const browser = await chromium.launch({
  executablePath,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(url);
  await page.getByRole('button', { name: 'Load test' }).click({ timeout: 60_000 });
  await page.getByRole('heading', { level: 1, name: 'Email migration status' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length > 0);

  const result = await page.evaluate(async (durationMs) => {
    const longTasks = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) longTasks.push(entry.duration);
    });
    observer.observe({ type: 'longtask', buffered: false });
    const load = window.mailferryLoad;
    const sentBefore = load.sent;
    const frames = [];
    const rowText = () => document.querySelector('tbody tr')?.textContent ?? '';
    const firstRowBefore = rowText();
    let last = performance.now();
    const end = last + durationMs;
    await new Promise((resolve) => {
      const tick = (now) => {
        frames.push(now - last);
        last = now;
        if (now < end) requestAnimationFrame(tick);
        else resolve();
      };
      requestAnimationFrame(tick);
    });
    observer.disconnect();
    return {
      frames,
      longTasks,
      updates: load.sent - sentBefore,
      rows: document.querySelectorAll('tbody tr').length,
      progressed: rowText() !== firstRowBefore,
      heapMb: performance.memory ? performance.memory.usedJSHeapSize / 1_048_576 : null,
    };
  }, seconds * 1000);

  const sorted = [...result.frames].sort((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  const busy = result.longTasks.reduce((sum, d) => sum + d, 0);
  const figures = {
    seconds,
    mailboxes: result.rows,
    updates_received: result.updates,
    frames: sorted.length,
    fps: Number((sorted.length / seconds).toFixed(1)),
    frame_ms_p50: Number(pct(50).toFixed(1)),
    frame_ms_p95: Number(pct(95).toFixed(1)),
    frame_ms_max: Number(sorted[sorted.length - 1].toFixed(1)),
    frames_over_50ms: sorted.filter((f) => f > 50).length,
    long_tasks: result.longTasks.length,
    long_task_ms_total: Math.round(busy),
    main_thread_blocked_pct: Number(((busy / (seconds * 1000)) * 100).toFixed(1)),
    heap_mb: result.heapMb === null ? null : Number(result.heapMb.toFixed(1)),
  };
  if (!result.progressed) {
    console.error('the status page did not follow the updates: its first row never changed');
    process.exit(1);
  }
  console.log(JSON.stringify(figures));
} finally {
  await browser.close();
}
