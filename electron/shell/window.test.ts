import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createFakeElectron, preventable, type FakeWindow } from './fake-electron';
import { createMainWindow } from './window';
import { appOrigin } from './trust';
import { CSP_HEADER } from './csp';
import { serveAppRequest } from './app-scheme';

const installs = mkdtempSync(join(tmpdir(), 'window-'));
afterAll(() => rmSync(installs, { recursive: true, force: true }));

/** A built renderer folder under `folder` (in the temporary installs folder). */
function builtRenderer(folder: string): string {
  const dir = join(installs, folder, 'dist', 'renderer');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), `<!doctype html><title>${folder}</title>`);
  return join(dir, 'index.html');
}

const indexHtml = builtRenderer('hypertcp');
const appUrl = 'app://panel/index.html';

/** Electron as the shell has it when it opens the window: 'ready' passed, app:// served from the renderer folder (app.ts). */
function readyElectron(index: string): ReturnType<typeof createFakeElectron> {
  const electron = createFakeElectron('/tmp/shell-unused');
  electron.app.readyResolve();
  const entry = appOrigin({ indexHtml: index }).entry;
  if (entry.kind === 'app') electron.protocol.handle('app', (request) => serveAppRequest(request, entry.rendererDir));
  return electron;
}

function openWith(index: string): { win: FakeWindow; electron: ReturnType<typeof createFakeElectron>; loading: Promise<void> } {
  const electron = readyElectron(index);
  createMainWindow(electron, { origin: appOrigin({ indexHtml: index }), preloadPath: '/opt/hypertcp/dist/electron/preload.cjs', bounds: null });
  const win = electron.log.windows[0]!;
  return { win, electron, loading: vi.waitFor(() => expect(win.webContents.loaded).not.toBeNull(), { timeout: 2000 }) };
}

function open(): { win: FakeWindow; electron: ReturnType<typeof createFakeElectron> } {
  return openWith(indexHtml);
}

describe('main window options', () => {
  it('loads app://panel/index.html, served from the built renderer folder with our CSP header, not file://', async () => {
    const { win, loading } = openWith(indexHtml);
    await loading;
    expect(win.webContents.getURL()).toBe(appUrl);
    expect(win.webContents.loaded).toMatchObject({ status: 200, body: '<!doctype html><title>hypertcp</title>' });
    expect(win.webContents.loaded!.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(win.webContents.loaded!.headers.get('content-security-policy')).toBe(CSP_HEADER);
  });

  it("serves the page of the folder it was given, whatever that folder's name ('%41', '[old]', '#', '?')", async () => {
    for (const folder of ['50%41', 'Apps [old]', 'a#b?c']) {
      const { win, loading } = openWith(builtRenderer(folder));
      await loading;
      expect(win.webContents.getURL(), folder).toBe(appUrl);
      expect(win.webContents.loaded?.body, folder).toBe(`<!doctype html><title>${folder}</title>`);
    }
  });

  it('locks the renderer down', () => {
    const electron = readyElectron(indexHtml);
    createMainWindow(electron, { origin: appOrigin({ indexHtml }), preloadPath: '/p/preload.cjs', bounds: null });
    const prefs = electron.log.windows[0]!.options.webPreferences!;
    expect(prefs).toMatchObject({
      preload: '/p/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
    });
  });

  it('uses remembered bounds, and maximizes when it was maximized', () => {
    const electron = readyElectron(indexHtml);
    createMainWindow(electron, { origin: appOrigin({ indexHtml }), preloadPath: '/p', bounds: { x: 5, y: 6, width: 900, height: 700, maximized: true } });
    const win = electron.log.windows[0]!;
    expect(win.options).toMatchObject({ x: 5, y: 6, width: 900, height: 700 });
    expect(win.maximized).toBe(true);
  });

  it('loads our index.html and shows the window when ready', () => {
    const { win } = open();
    expect(win.webContents.url).toBe(appUrl);
    expect(win.visible).toBe(false);
    win.emit('ready-to-show');
    expect(win.visible).toBe(true);
  });
});

describe('web contents hardening', () => {
  it('blocks navigation, opening only allowlisted https links externally', () => {
    const { win, electron } = open();
    for (const url of ['https://evil.example/', 'file:///etc/passwd', pathToFileURL(indexHtml).href, 'app://panel/other.html', 'app://evil/index.html', 'https://github.com/some/repo']) {
      const e = preventable();
      win.webContents.emit('will-navigate', e, url);
      expect(e.prevented).toBe(true);
    }
    expect(electron.log.opened).toEqual(['https://github.com/some/repo']);
  });

  it('denies every new window and never opens non-allowlisted links', async () => {
    const { win, electron } = open();
    for (const url of ['https://evil.example/', 'http://github.com/', 'javascript:alert(1)', 'https://user@github.com/', 'https://github.com/ok']) {
      expect(win.webContents.openHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(electron.log.opened).toEqual(['https://github.com/ok']);
  });

  it('blocks webview attachment, redirects and frame navigations', () => {
    const { win } = open();
    const attach = preventable();
    win.webContents.emit('will-attach-webview', attach);
    const redirect = preventable();
    win.webContents.emit('will-redirect', redirect, 'https://evil.example/');
    const frame = Object.assign(preventable(), { url: 'https://evil.example/', isMainFrame: false });
    win.webContents.emit('will-frame-navigate', frame);
    expect([attach.prevented, redirect.prevented, frame.prevented]).toEqual([true, true, true]);
  });

  it('sets the CSP header on responses, replacing a looser one', () => {
    const { win } = open();
    let headers: Record<string, string[] | string> | undefined;
    win.webContents.session.headers!({ url: 'http://127.0.0.1:5173/', responseHeaders: { 'content-security-policy': ['default-src *'], 'X-Other': ['1'] } }, (r) => (headers = r.responseHeaders));
    expect(headers).toEqual({ 'Content-Security-Policy': [CSP_HEADER], 'X-Content-Type-Options': ['nosniff'], 'X-Other': ['1'] });
  });

  it('denies permission requests and checks (only clipboard writes from our page pass)', () => {
    const { win } = open();
    const s = win.webContents.session;
    const ask = (permission: string, url: string): boolean => {
      let granted: boolean | undefined;
      s.permissionRequest!(win.webContents, permission, (g) => (granted = g), { requestingUrl: url });
      return granted!;
    };
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'fullscreen', 'hid', 'serial', 'clipboard-read']) {
      expect(ask(p, appUrl), p).toBe(false);
      expect(s.permissionCheck!(win.webContents, p, 'app://panel'), p).toBe(false);
    }
    expect(ask('clipboard-sanitized-write', appUrl)).toBe(true);
    expect(ask('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    expect(ask('clipboard-sanitized-write', pathToFileURL(indexHtml).href)).toBe(false);
    expect(s.permissionCheck!(null, 'clipboard-sanitized-write', '')).toBe(false);
  });
});
