import { defineConfig } from 'vitest/config';

/**
 * End-to-end: the real `face-organizer serve` (real engine, models, LanceDB) driven through Debian's
 * Chromium with playwright-core. Global setup fetches the model pack if missing and builds the web UI
 * if its sources changed; nothing is installed at test time.
 */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts', 'test/e2e/setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
