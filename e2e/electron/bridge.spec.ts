/**
 * The desktop UI path without the Electron binary. Everything real except Electron itself: the built
 * renderer (from file:// here, from app://panel in the app; its CSP), the built preload bundle
 * (dist/electron/preload.cjs, evaluated with `require('electron')` answered by a shim whose
 * ipcRenderer forwards to Node), the shell's IPC binding
 * with its sender check, the core (SQLite + broker) and the simulator. Electron's own part is covered
 * by app.spec.ts where the binary exists.
 */
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';
import { methodNames } from '../../shared/api/contract';
import { startCore, type Core } from '../../electron/core';
import { startShell, type Shell } from '../../electron/shell/app';
import { createFakeElectron, type FakeElectron } from '../../electron/shell/fake-electron';
import { ROOT } from '../fixtures/host';
import { SIM_PATH, type Sim } from '../fixtures/sim';
import { relayAppearsAndToggles } from './relay';

const indexHtml = join(ROOT, 'dist', 'renderer', 'index.html');
const pageUrl = pathToFileURL(indexHtml).href;

/**
 * The app's window shows the page as app://panel/index.html (electron/shell/app-scheme.ts), which
 * this Chromium cannot serve; it loads the same file from file://, and IPC reports that frame under
 * the URL Electron would give it. Any other URL is passed on as it is, so other pages stay refused.
 */
function urlInElectron(url: string): string {
  const rest = url.slice(pageUrl.length);
  return url.startsWith(pageUrl) && (rest === '' || rest.startsWith('#') || rest.startsWith('?')) ? `app://panel/index.html${rest}` : url;
}

/** Runs in the page before its scripts: Electron's preload environment, minus Electron. */
function preloadShim(preloadSource: string): string {
  return `(() => {
    const listeners = new Map();
    const ipcRenderer = {
      invoke: (channel, ...args) => window.__shellInvoke(channel, args),
      send: (channel, ...args) => void window.__shellSend(channel, args),
      on: (channel, l) => listeners.set(channel, [...(listeners.get(channel) || []), l]),
      removeListener: (channel, l) => listeners.set(channel, (listeners.get(channel) || []).filter((x) => x !== l)),
    };
    window.__shellEmit = (channel, args) => (listeners.get(channel) || []).forEach((l) => l({}, ...args));
    const contextBridge = { exposeInMainWorld: (key, api) => Object.defineProperty(window, key, { value: Object.freeze(api) }) };
    const require = (name) => { if (name === 'electron') return { contextBridge, ipcRenderer }; throw new Error('sandboxed preload cannot require ' + name); };
    const module = { exports: {} };
    (function (require, module, exports) { ${preloadSource} })(require, module, module.exports);
  })();`;
}

test.describe('desktop UI over the IPC bridge (no Electron binary needed)', () => {
  test.describe.configure({ mode: 'serial' });
  test.skip(!existsSync(indexHtml), 'dist/renderer is not built (npm run build:renderer)');

  let electron: FakeElectron;
  let shell: Shell;
  let core: Core;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let sim: Sim | null = null;

  test.beforeAll(async () => {
    const out = mkdtempSync(join(tmpdir(), 'preload-'));
    await build({ configFile: join(ROOT, 'vite.preload.config.ts'), root: ROOT, logLevel: 'silent', build: { outDir: out } });
    const preload = readFileSync(join(out, 'preload.cjs'), 'utf8');

    dataDir = mkdtempSync(join(tmpdir(), 'hypertcp-bridge-'));
    electron = createFakeElectron(dataDir);
    const started = startShell(electron, {
      platform: 'linux',
      startCore: async (o) => (core = await startCore({ ...o, tcpPort: 0 })),
      paths: { indexHtml, preload: join(out, 'preload.cjs'), icon: '/i.png', trayIcon: '/t.png', firmwareDir: '/f', docsDir: '/d' },
    });
    electron.app.readyResolve();
    shell = (await started)!;
    const win = electron.log.windows[0]!;

    // Chromium needs this flag to run the renderer's module scripts from file://; Electron allows it.
    const base = test.info().project.use.launchOptions ?? {};
    browser = await chromium.launch({ ...base, args: [...(base.args ?? []), '--allow-file-access-from-files'] });
    page = await browser.newPage();
    // What Electron's IPC gives the main process: the sender's contents id and its frame (real URL).
    const event = (frame: { url(): string; parentFrame(): unknown }) => ({
      sender: { id: win.webContents.id },
      senderFrame: { url: urlInElectron(frame.url()), parent: frame.parentFrame() === null ? null : { url: '', parent: null } },
    });
    await page.exposeBinding('__shellInvoke', ({ frame }, channel: string, args: unknown[]) => electron.ipcMain.invoke(channel, event(frame), ...args));
    await page.exposeBinding('__shellSend', ({ frame }, channel: string, args: unknown[]) => electron.ipcMain.send(channel, event(frame), ...args));
    win.webContents.send = (channel: string, ...args: unknown[]) => {
      void page.evaluate(([c, a]) => (window as unknown as { __shellEmit(c: unknown, a: unknown): void }).__shellEmit(c, a), [channel, args] as const).catch(() => undefined);
    };
    await page.addInitScript(preloadShim(preload));
    await page.goto(pageUrl);
  });

  test.afterAll(async () => {
    await sim?.stop();
    await browser?.close();
    if (shell) {
      electron.app.quit();
      await shell.stopped;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('the page sees the API bridge and nothing of Node', async () => {
    expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
    const hello = await page.evaluate(() => (window as unknown as { hypertcp: { hello(p: object): Promise<{ mode: string }> } }).hypertcp.hello({}));
    expect(hello.mode).toBe('desktop');
    // The preload's method list is inlined at build time: it must be the contract's, exactly.
    const keys = await page.evaluate(() => Object.keys((window as unknown as { hypertcp: object }).hypertcp).sort());
    expect(keys).toEqual([...methodNames, 'ackEvents', 'onEvents', 'onStatus'].sort());
  });

  test('a simulated relay appears and toggles through IPC', async () => {
    test.skip(!existsSync(SIM_PATH), `the simulator is not built (${SIM_PATH}); npm run build:sim`);
    const id = `lamp-ipc-${process.pid % 1000}`;
    await relayAppearsAndToggles(page, id, (s) => (sim = s), core.tcpPort);
  });

  test("the charts' chunk loads by its relative URL, as it does under app://panel", async () => {
    await page.getByTestId('nav-metrics').click();
    await expect(page.getByRole('application', { name: 'Messages per second chart' })).toBeVisible({ timeout: 15_000 });
    await expect(page.locator('.chart-failed')).toHaveCount(0);
    await page.getByTestId('nav-devices').click();
  });

  test('a page that is not ours gets nothing from the same bridge', async () => {
    const other = await browser.newPage();
    try {
      const win = electron.log.windows[0]!;
      await other.exposeBinding('__shellInvoke', ({ frame }, channel: string, args: unknown[]) =>
        electron.ipcMain.invoke(channel, { sender: { id: win.webContents.id }, senderFrame: { url: frame.url(), parent: null } }, ...args),
      );
      await other.goto('data:text/html,<p>not the app</p>');
      const answer = await other.evaluate(() =>
        (window as unknown as { __shellInvoke(c: string, a: unknown[]): Promise<unknown> }).__shellInvoke('api:call', ['tokens.list', {}]).then(
          () => 'answered',
          (e: Error) => e.message,
        ),
      );
      expect(answer).toMatch(/forbidden/);
    } finally {
      await other.close();
    }
  });
});
