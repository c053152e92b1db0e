import { defineConfig } from 'vitest/config';

/**
 * The cloud tests run against the loopback emulator only: no models, no global setup (the main
 * config's global setup fetches the model pack, which these tests neither need nor may wait for).
 */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/cloud/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    reporters: ['default'],
  },
});
