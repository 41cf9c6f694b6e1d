import { defineConfig } from '@playwright/test';

// Browser: $CHROMIUM_PATH if set, else Debian's /usr/bin/chromium; CHROMIUM_PATH=playwright uses
// Playwright's own downloaded browser (`npx playwright install chromium`, needs internet).
const chromium = process.env.CHROMIUM_PATH;
const executablePath = chromium === 'playwright' ? undefined : chromium || '/usr/bin/chromium';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  testIgnore: ['perf/**'],
  outputDir: 'test-results/playwright',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // one worker: the machine is small and each worker runs its own host
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  use: {
    viewport: { width: 1400, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'off',
    acceptDownloads: true,
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
});
