/** Set by ui/vite.config.ts: true only in the benchmark build that keeps the browser demo. */
declare const __MAILFERRY_DEMO_BUILD__: boolean;
