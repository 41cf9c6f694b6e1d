import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}', 'tools/**/*.test.ts', 'bench/**/*.test.ts', 'e2e/interop/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    setupFiles: ['./vitest.setup.ts'],
    // The broker's plain TCP runs on the native data path when it builds (else JS, with the reason said).
    globalSetup: ['./electron/broker/native/build-for-tests.ts'],
  },
});
