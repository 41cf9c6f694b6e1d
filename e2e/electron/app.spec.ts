/**
 * The real desktop app, driven through Playwright's Electron support. It needs the Electron binary,
 * which the first `npm start` (or `npx install-electron`) downloads on a machine with internet; where it
 * is missing (this CI sandbox has no internet) every test here is skipped and the reason is printed.
 * On a Linux machine without a display run it under xvfb-run (see docs/DESKTOP.md).
 */
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasElectronBinary } from '../../electron/shell/check-electron';
import { methodNames } from '../../shared/api/contract';
import { ROOT } from '../fixtures/host';
import { SIM_PATH, type Sim } from '../fixtures/sim';
import { relayAppearsAndToggles } from './relay';

/** Path of the Electron executable, or why there is none. */
function findElectron(): { path: string } | { missing: string } {
  // Asked before require('electron'), which would try to download a missing binary (no network in tests).
  if (!hasElectronBinary(ROOT)) return { missing: "Electron's binary is not installed (node_modules/electron/dist; `npx install-electron` or a first `npm start` downloads it where there is internet)" };
  return { path: createRequire(join(ROOT, 'package.json'))('electron') as unknown as string };
}

const binary = findElectron();
const skipReason = 'missing' in binary ? `Electron e2e skipped: ${binary.missing}` : null;
if (skipReason !== null) console.log(skipReason);

test.describe('desktop app (Electron)', () => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.describe.configure({ mode: 'serial' });

  let app: ElectronApplication;
  let page: Page;
  let dataDir: string;
  let sim: Sim | null = null;

  test.beforeAll(async () => {
    // `npm run test:e2e` builds the renderer and the simulator; the Electron bundles are built here.
    execFileSync('npm', ['run', 'build:electron'], { cwd: ROOT, stdio: 'inherit' });
    if (!existsSync(join(ROOT, 'dist', 'renderer', 'index.html'))) execFileSync('npm', ['run', 'build:renderer'], { cwd: ROOT, stdio: 'inherit' });
    dataDir = mkdtempSync(join(tmpdir(), 'hypertcp-electron-'));
    const args = [ROOT, `--hypertcp-data=${dataDir}`, '--tcp-port=0'];
    // Chromium refuses its OS sandbox as root (CI containers); the window's JS sandbox stays on.
    if (process.getuid?.() === 0) args.push('--no-sandbox');
    app = await electron.launch({ args, cwd: ROOT, timeout: 60_000 });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  });

  test.afterAll(async () => {
    await sim?.stop();
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('the window runs sandboxed: no require, no process, only the API bridge', async () => {
    expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => typeof (window as unknown as { process?: unknown }).process)).toBe('undefined');
    // contextBridge only works with contextIsolation on, so the bridge being there proves it.
    const keys = await page.evaluate(() => Object.keys((window as unknown as { hypertcp: object }).hypertcp).sort());
    expect(keys).toEqual([...methodNames, 'ackEvents', 'onEvents', 'onStatus'].sort());
    expect(await page.evaluate(() => typeof (window as unknown as { ipcRenderer?: unknown }).ipcRenderer)).toBe('undefined');
  });

  test('navigation away and window.open are blocked', async () => {
    const before = page.url();
    expect(before).toMatch(/^app:\/\/panel\/index\.html/);
    await page.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe(before);
    expect(await page.evaluate(() => window.open('https://example.com/') === null)).toBe(true);
    expect(await page.evaluate(() => window.open('file:///etc/passwd') === null)).toBe(true);
    expect(app.windows()).toHaveLength(1);
  });

  test('a simulated relay appears and toggles', async () => {
    test.skip(!existsSync(SIM_PATH), `the simulator is not built (${SIM_PATH}); npm run build:sim`);
    const id = `lamp-e2e-${process.pid % 1000}`;
    await relayAppearsAndToggles(page, id, (s) => (sim = s));
  });
});
