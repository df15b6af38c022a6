/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The npm scripts run from the repository root, and Tauri runs `npm run dev` from there too,
// so the root is pinned to this folder rather than to the working directory.
const root = fileURLToPath(new URL('.', import.meta.url));
// `MAILFERRY_DEMO_BUILD=1 vite build`: an optimised build that keeps the browser demo, for
// bench/ui-status.sh. It goes to its own folder so it never ends up in an installer.
const demoBuild = process.env.MAILFERRY_DEMO_BUILD === '1';

export default defineConfig({
  root,
  plugins: [react()],
  define: { __MAILFERRY_DEMO_BUILD__: JSON.stringify(demoBuild) },
  // Tauri prints its own output; keep Vite's errors on screen.
  clearScreen: false,
  // Vite's cache goes with the repository's node_modules, not into ui/.
  cacheDir: '../node_modules/.vite-ui',
  server: {
    port: 1420,
    strictPort: true,
  },
  preview: {
    port: 4173,
  },
  build: {
    outDir: demoBuild ? '../target/ui-demo' : 'dist',
    emptyOutDir: true,
    // Tauri's webviews (WebView2, WebKitGTK, WKWebView) are all recent enough for ES2021.
    target: 'es2021',
    // Fluent UI alone is larger than Vite's default warning threshold; the bundle is local.
    chunkSizeWarningLimit: 2000,
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    // A loaded two-core machine runs a whole wizard flow in seconds, not tens of seconds: these
    // leave room for that while a hung test still fails within the run. A wait for something on
    // screen gives up sooner (10 s, in setup.ts), so a missing element is reported by name
    // rather than as a timed-out test.
    testTimeout: 20000,
    hookTimeout: 20000,
  },
});
