import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// Both projects' options (inline projects do not inherit the root's in vitest 4).
const shared: TestProjectInlineConfiguration['test'] = {
  testTimeout: 20_000,
  hookTimeout: 20_000,
  pool: 'forks',
  setupFiles: ['./vitest.setup.ts'],
};

export default defineConfig({
  test: {
    // Builds the native data path once per run: the broker's plain TCP runs on it when it builds
    // (else JS, with the reason said).
    globalSetup: ['./electron/broker/native/build-for-tests.ts'],
    projects: [
      {
        test: {
          ...shared,
          name: 'default',
          include: ['shared/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}', 'tools/**/*.test.ts', 'bench/**/*.test.ts', 'e2e/interop/**/*.test.ts'],
        },
      },
      {
        // The JS data path (macOS, Windows, no addon) again for every test that opens the broker's
        // plain-TCP listener, so a regression on either path fails the run.
        test: {
          ...shared,
          name: 'js-data-path',
          // traffic-load.test.ts's synthetic part (no socket) runs its full 10 s in `default`.
          env: { HYPERTCP_NATIVE_WIRE: 'off', HUB_LOAD_SECONDS: '1' },
          include: ['electron/broker/**/*.test.ts', 'electron/core.test.ts', 'electron/hub/**/*.test.ts'],
          exclude: [
            ...configDefaults.exclude,
            // They pin their data path themselves (the addon directly, or both paths side by side).
            'electron/broker/native/{wire,classify,native-socket,data-paths,locate}.test.ts',
            // No device socket at all: the same run on either path.
            'electron/broker/{cli,frame-event,outbound,tokens,wire}.test.ts',
            'electron/hub/{backup,crash,checkpointer,control-response,controls,db,flusher,locked-elsewhere,metrics,offline-alerts,query-plans,recent-telemetry,round-rollback,server-message,step-sizer,stores,traffic-filter,traffic-log}.test.ts',
          ],
        },
      },
    ],
  },
});
