import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// The end-to-end run drives the built app through tauri-driver (scripts/e2e.sh starts it, the
// sample servers and the keyring); it is slow by nature, so it has its own, patient config.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    environment: 'node',
    include: ['**/*.e2e.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // One app window at a time: the tests share the one tauri-driver session.
    fileParallelism: false,
  },
});
