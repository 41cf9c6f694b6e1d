import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MAX_HELD_NOTIFICATIONS, MAX_RENDERER_RESTARTS_PER_MINUTE, startShell, type ShellOptions } from './app';
import { clickMenuItem, createFakeElectron, Emitter, findMenuItem, preventable, type FakeElectron } from './fake-electron';
import type { CorePort, SessionRef } from './core-port';
import type { OfflineAlert } from '../hub/offline-alerts';
import { CHANNELS } from './channels';

interface FakeCore extends CorePort {
  broker: CorePort['broker'] & Emitter & { live: SessionRef[] };
  /** Raises an offline alert as the hub would (past the grace, not for a pause or a shutdown). */
  alert(alert: OfflineAlert): void;
  started: { dataDir: string; mode: string }[];
}

function fakeCore(log: string[], opts: { pausable?: boolean; closeMs?: number } = {}): FakeCore {
  const broker = Object.assign(new Emitter(), { live: [] as SessionRef[], sessions: () => broker.live });
  const alerts = new Set<(a: OfflineAlert) => void>();
  const core: FakeCore = {
    started: [],
    broker: broker as FakeCore['broker'],
    hub: {
      onOfflineAlert: (l) => (alerts.add(l), () => void alerts.delete(l)),
    },
    alert: (a) => alerts.forEach((l) => l(a)),
    api: {
      dispatch: async () => ({ ok: true, result: null }),
      subscribe: () => () => undefined,
      ack: () => undefined,
    },
    close: async (reason) => {
      log.push(`core.close(${reason})`);
      await new Promise((r) => setTimeout(r, opts.closeMs ?? 0));
      log.push('core.closed');
    },
  };
  if (opts.pausable !== false) {
    core.pause = async () => {
      log.push('core.pause');
      broker.emit('session:close', { id: 'lamp-9' }, 'shutdown_paused'); // the broker drops sessions while pausing
    };
    core.resume = async () => void log.push('core.resume');
  }
  return core;
}

async function boot(electron: FakeElectron, core: FakeCore, extra: Partial<ShellOptions> = {}) {
  const paths = { indexHtml: '/app/dist/renderer/index.html', preload: '/app/dist/electron/preload.cjs', icon: '/i.png', trayIcon: '/t.png', firmwareDir: '/res/firmware', docsDir: '/res/docs' };
  const started = startShell(electron, {
    paths,
    platform: 'linux',
    startCore: async (o) => (core.started.push(o), core),
    ...extra,
  });
  electron.app.readyResolve();
  return started;
}

const tmp = () => mkdtempSync(join(tmpdir(), 'shell-'));

/** A full garbage collection, after the current job has let go of what it deref'ed. */
async function collectGarbage(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 0));
    gc();
  }
}

describe('desktop shell lifecycle', () => {
  afterEach(() => vi.useRealTimers());

  it('starts the core in userData (desktop mode) and opens one hardened window', async () => {
    const dir = tmp();
    const electron = createFakeElectron(dir);
    const core = fakeCore(electron.log.calls);
    const shell = await boot(electron, core);
    expect(shell).not.toBeNull();
    expect(core.started).toEqual([{ dataDir: dir, mode: 'desktop' }]);
    expect(electron.log.windows).toHaveLength(1);
    expect(electron.log.windows[0]!.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
    expect([...electron.ipcMain.handlers.keys()]).toEqual([CHANNELS.call]);
  });

  it('serves its page over app://panel from the built renderer folder only, and trusts that page alone', async () => {
    const dir = tmp();
    const rendererDir = join(dir, 'dist', 'renderer');
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>ours</title>');
    writeFileSync(join(dir, 'hypertcp.db'), 'SQLite format 3');
    const electron = createFakeElectron(dir);
    const core = fakeCore(electron.log.calls);
    const indexHtml = join(rendererDir, 'index.html');
    await boot(electron, core, { paths: { indexHtml, preload: '/p', icon: '/i', trayIcon: '/t', firmwareDir: '/f', docsDir: '/d' } });
    // registered before 'ready' (the fake throws otherwise), with a web origin's privileges only
    expect(electron.log.privilegedSchemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    const contents = electron.log.windows[0]!.webContents;
    await vi.waitFor(() => expect(contents.loaded).not.toBeNull(), { timeout: 2000 });
    expect(contents.getURL()).toBe('app://panel/index.html');
    expect(contents.loaded).toMatchObject({ status: 200, body: '<!doctype html><title>ours</title>' });
    const handler = electron.log.protocols.get('app')!;
    expect((await handler(new Request('app://panel/..%2fhypertcp.db'))).status).toBe(403);
    await expect(electron.ipcMain.invoke(CHANNELS.call, contents.frame(), 'hello', {})).resolves.toEqual({ ok: true, result: null });
    await expect(electron.ipcMain.invoke(CHANNELS.call, contents.frame(pathToFileURL(indexHtml).href), 'hello', {})).rejects.toThrow(/forbidden/);
  });

  it('a second instance quits at once without starting a core', async () => {
    const electron = createFakeElectron(tmp());
    electron.app.hasLock = false;
    const core = fakeCore(electron.log.calls);
    expect(await boot(electron, core)).toBeNull();
    expect(core.started).toEqual([]);
    expect(electron.log.calls).toContain('app.quit');
    expect(electron.log.windows).toHaveLength(0);
  });

  it("the first instance shows and focuses its window on 'second-instance', re-creating it if needed", async () => {
    const electron = createFakeElectron(tmp());
    const shell = (await boot(electron, fakeCore(electron.log.calls)))!;
    const win = electron.log.windows[0]!;
    win.minimized = true;
    electron.app.emit('second-instance');
    expect([win.minimized, win.visible, win.focused]).toEqual([false, true, true]);
    win.destroy();
    electron.app.emit('second-instance');
    expect(electron.log.windows).toHaveLength(2);
    expect(shell.window()).toBe(electron.log.windows[1]);
  });

  it(`reloads a crashed renderer, at most ${MAX_RENDERER_RESTARTS_PER_MINUTE} times a minute`, async () => {
    const electron = createFakeElectron(tmp());
    await boot(electron, fakeCore(electron.log.calls));
    const contents = electron.log.windows[0]!.webContents;
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    for (let i = 0; i < MAX_RENDERER_RESTARTS_PER_MINUTE + 2; i++) contents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    quiet.mockRestore();
    expect(contents.reloads).toBe(MAX_RENDERER_RESTARTS_PER_MINUTE);
  });

  it('a renderer left dead by the restart cap is reloaded when the user opens the window', async () => {
    const electron = createFakeElectron(tmp());
    await boot(electron, fakeCore(electron.log.calls));
    const win = electron.log.windows[0]!;
    const contents = win.webContents;
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    for (let i = 0; i <= MAX_RENDERER_RESTARTS_PER_MINUTE; i++) {
      contents.crashed = true;
      contents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    }
    quiet.mockRestore();
    expect([contents.reloads, contents.isCrashed()]).toEqual([MAX_RENDERER_RESTARTS_PER_MINUTE, true]);
    win.hide();
    clickMenuItem(electron.log.trays[0]!.menu, 'open');
    expect([contents.reloads, contents.isCrashed(), win.visible]).toEqual([MAX_RENDERER_RESTARTS_PER_MINUTE + 1, false, true]);
    electron.app.emit('second-instance'); // a live page is not reloaded
    expect(contents.reloads).toBe(MAX_RENDERER_RESTARTS_PER_MINUTE + 1);
    expect(electron.log.windows).toHaveLength(1);
  });

  it("the page subscribes itself to the events; the load finishing does not replace that subscription", async () => {
    const electron = createFakeElectron(tmp());
    const core = fakeCore(electron.log.calls);
    const live = new Set<unknown>();
    let subscriptions = 0;
    core.api.subscribe = (listener) => {
      subscriptions += 1;
      live.add(listener);
      return () => void live.delete(listener);
    };
    await boot(electron, core);
    const contents = electron.log.windows[0]!.webContents;
    await Promise.resolve(); // the window's load has started
    electron.ipcMain.send(CHANNELS.subscribe, contents.frame()); // bridge.onEvents, before the page's snapshot
    contents.emit('did-finish-load'); // after it: attaching again here would drop what changed since
    expect([subscriptions, live.size]).toEqual([1, 1]);
    electron.ipcMain.send(CHANNELS.subscribe, contents.frame()); // the reloaded page
    expect([subscriptions, live.size]).toEqual([2, 1]);
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    contents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    quiet.mockRestore();
    expect(live.size).toBe(0);
  });

  it('closing the window hides it; the core keeps running', async () => {
    const electron = createFakeElectron(tmp());
    await boot(electron, fakeCore(electron.log.calls));
    const win = electron.log.windows[0]!;
    win.visible = true;
    win.userClose();
    expect([win.destroyed, win.visible]).toEqual([false, false]);
    expect(electron.log.calls).not.toContain('core.close(shutdown)');
  });

  it('quit: closes the core with reason shutdown before the tray goes and the app exits', async () => {
    const electron = createFakeElectron(tmp());
    const shell = (await boot(electron, fakeCore(electron.log.calls, { closeMs: 20 })))!;
    const win = electron.log.windows[0]!;
    clickMenuItem(electron.log.trays[0]!.menu, 'quit');
    electron.app.quit(); // a second quit request while shutting down changes nothing
    await shell.stopped;
    expect(electron.log.calls).toEqual(['app.quit', 'core.close(shutdown)', 'app.quit', 'core.closed', 'tray.destroy', 'app.quit', 'app.exited']);
    expect(win.webContents.sent).toContainEqual([CHANNELS.status, 'closed', 'shutdown']);
    expect(electron.ipcMain.handlers.size).toBe(0);
    win.userClose(); // while quitting the window really closes
    expect(win.destroyed).toBe(true);
  });

  it('quit while the core is still starting closes it once it is up, and opens no window', async () => {
    const electron = createFakeElectron(tmp());
    const core = fakeCore(electron.log.calls);
    let release!: () => void;
    const started = startShell(electron, {
      paths: { indexHtml: '/i.html', preload: '/p', icon: '/i', trayIcon: '/t', firmwareDir: '/f', docsDir: '/d' },
      startCore: async () => {
        await new Promise<void>((r) => (release = r));
        return core;
      },
    });
    electron.app.readyResolve();
    await vi.waitFor(() => expect(release).toBeDefined());
    electron.app.quit();
    release();
    expect(await started).toBeNull();
    await vi.waitFor(() => expect(electron.log.calls).toContain('app.exited'));
    expect(electron.log.calls).toEqual(['app.quit', 'core.close(shutdown)', 'core.closed', 'app.quit', 'app.exited']);
    expect(electron.log.windows).toHaveLength(0);
  });

  it('quit before the app is ready (a SIGTERM at launch) starts no core and opens no window', async () => {
    const electron = createFakeElectron(tmp());
    const core = fakeCore(electron.log.calls);
    const started = startShell(electron, { paths: { indexHtml: '/i.html', preload: '/p', icon: '/i', trayIcon: '/t', firmwareDir: '/f', docsDir: '/d' }, startCore: async (o) => (core.started.push(o), core) });
    electron.app.quit();
    await vi.waitFor(() => expect(electron.log.calls).toContain('app.exited'));
    electron.app.readyResolve(); // Electron may still get ready after the quit
    expect(await started).toBeNull();
    expect(core.started).toEqual([]); // a core started now would never be closed: the quit sequence is over
    expect(electron.log.windows).toHaveLength(0);
    expect(electron.log.trays).toHaveLength(0);
  });

  // Windows shutdown, restart or log off: no before-quit, and the process is killed soon after.
  it("Windows ending the session closes the core at once, before returning to the event loop", async () => {
    const electron = createFakeElectron(tmp());
    const core = fakeCore(electron.log.calls);
    core.closeNow = () => void electron.log.calls.push('core.closeNow');
    const shell = (await boot(electron, core))!;
    const win = electron.log.windows[0]!;
    win.emit('session-end', {});
    expect(electron.log.calls).toEqual(['core.closeNow', 'tray.destroy']);
    await shell.stopped;
    core.alert({ kind: 'device', id: 'lamp-1', label: null, reason: 'shutdown', offlineMs: 30_000 });
    expect(electron.log.notifications).toEqual([]);
    win.emit('session-end', {}); // once only
    electron.app.quit(); // should Electron still quit: nothing left to wait for
    expect(electron.log.calls).toEqual(['core.closeNow', 'tray.destroy', 'app.quit', 'app.exited']);
    win.userClose(); // the window really closes now
    expect(win.destroyed).toBe(true);
  });

  it('the session ending during a slow quit still closes the core at once', async () => {
    const electron = createFakeElectron(tmp());
    const core = fakeCore(electron.log.calls, { closeMs: 10_000 });
    core.closeNow = () => void electron.log.calls.push('core.closeNow');
    const shell = (await boot(electron, core, { quitTimeoutMs: 50 }))!;
    electron.app.quit();
    electron.log.windows[0]!.emit('session-end', {});
    expect(electron.log.calls).toEqual(['app.quit', 'core.close(shutdown)', 'core.closeNow']);
    await shell.stopped;
  });

  it('quit does not hang on a stuck core', async () => {
    const electron = createFakeElectron(tmp());
    const shell = (await boot(electron, fakeCore(electron.log.calls, { closeMs: 10_000 }), { quitTimeoutMs: 30 }))!;
    electron.app.quit();
    await shell.stopped;
    expect(electron.log.calls.slice(-3)).toEqual(['tray.destroy', 'app.quit', 'app.exited']);
    expect(electron.log.calls).not.toContain('core.closed');
  });

  it('tray: open, live device count, pause/resume, quit', async () => {
    const electron = createFakeElectron(tmp());
    const core = fakeCore(electron.log.calls);
    const shell = (await boot(electron, core))!;
    const tray = electron.log.trays[0]!;
    expect(findMenuItem(tray.menu, 'online')!.label).toBe('0 devices online');

    vi.useFakeTimers();
    core.broker.live.push({ id: 'lamp-1' }, { id: 'lamp-2' });
    core.broker.emit('session:open', { id: 'lamp-1' });
    core.broker.emit('session:open', { id: 'lamp-2' });
    await vi.advanceTimersByTimeAsync(1000);
    vi.useRealTimers();
    expect(findMenuItem(tray.menu, 'online')!.label).toBe('2 devices online');
    expect(tray.tooltip).toBe('HyperTCP Panel: 2 devices online');

    const win = electron.log.windows[0]!;
    win.hide();
    clickMenuItem(tray.menu, 'open');
    expect(win.visible).toBe(true);

    clickMenuItem(tray.menu, 'pause');
    await vi.waitFor(() => expect(findMenuItem(tray.menu, 'pause')!.label).toBe('Resume broker'));
    clickMenuItem(tray.menu, 'pause');
    await vi.waitFor(() => expect(findMenuItem(tray.menu, 'pause')!.label).toBe('Pause broker'));
    expect(electron.log.calls).toEqual(['core.pause', 'core.resume']);
    expect(shell.window()).toBe(win);
    await new Promise((r) => setTimeout(r, 20));
    expect(electron.log.notifications).toEqual([]); // sessions closing are not alerts: the hub raises those
  });

  it('tray: a core that refuses to pause is reported, and the item stays "Pause broker"', async () => {
    const electron = createFakeElectron(tmp());
    const core = fakeCore(electron.log.calls);
    core.pause = async () => {
      throw new Error('broker cannot pause yet');
    };
    await boot(electron, core);
    clickMenuItem(electron.log.trays[0]!.menu, 'pause');
    await vi.waitFor(() => expect(electron.log.errors).toEqual(['Broker: broker cannot pause yet']));
    expect(findMenuItem(electron.log.trays[0]!.menu, 'pause')!.label).toBe('Pause broker');
  });

  it('tray: pause is disabled when the core cannot pause', async () => {
    const electron = createFakeElectron(tmp());
    await boot(electron, fakeCore(electron.log.calls, { pausable: false }));
    expect(findMenuItem(electron.log.trays[0]!.menu, 'pause')!.enabled).toBe(false);
  });

  it("shows the hub's offline alerts as native notifications, unless the user turned them off", async () => {
    const dir = tmp();
    const electron = createFakeElectron(dir);
    const core = fakeCore(electron.log.calls);
    await boot(electron, core);
    // the shell keeps no offline logic of its own: a session closing is not an alert by itself
    core.broker.emit('session:close', { id: 'lamp-9' }, 'keepalive_timeout');
    await new Promise((r) => setTimeout(r, 20));
    expect(electron.log.notifications).toEqual([]);
    core.alert({ kind: 'device', id: 'greenhouse-1', label: 'Greenhouse', reason: 'keepalive_timeout', offlineMs: 30_000 });
    core.alert({ kind: 'summary', count: 4 });
    expect(electron.log.notifications.map((n) => `${n.title}: ${n.body}`)).toEqual([
      'greenhouse-1 (Greenhouse) is offline: keepalive timeout — for 30 s',
      '4 more devices offline: Open HyperTCP Panel for details.',
    ]);
    const win = electron.log.windows[0]!;
    win.hide();
    electron.log.shownNotifications[0]!.emit('click'); // clicking the alert brings the window back
    expect(win.visible).toBe(true);

    const menu = electron.log.appMenus.at(-1)!;
    clickMenuItem(menu, 'notify-offline', false);
    expect(JSON.parse(readFileSync(join(dir, 'shell-prefs.json'), 'utf8'))).toEqual({ notifyOffline: false, notifyLoginFailures: false });
    expect(findMenuItem(electron.log.appMenus.at(-1)!, 'notify-offline')!.checked).toBe(false);
    core.alert({ kind: 'device', id: 'lamp-3', label: null, reason: 'closed_by_peer', offlineMs: 31_000 });
    expect(electron.log.notifications).toHaveLength(2);
  });

  it("withdraws a device's offline notification when it comes back online", async () => {
    const electron = createFakeElectron(tmp());
    const core = fakeCore(electron.log.calls);
    await boot(electron, core);
    core.alert({ kind: 'device', id: 'greenhouse-1', label: null, reason: 'keepalive_timeout', offlineMs: 30_000 });
    core.alert({ kind: 'device', id: 'lamp-3', label: null, reason: 'closed_by_peer', offlineMs: 30_000 });
    core.alert({ kind: 'summary', count: 4 });
    core.broker.emit('session:open', { id: 'greenhouse-1' });
    expect(electron.log.shownNotifications.map((n) => n.closed)).toEqual([true, false, false]);
    // gone again: a new notification, withdrawn in its turn
    core.alert({ kind: 'device', id: 'greenhouse-1', label: null, reason: 'keepalive_timeout', offlineMs: 30_000 });
    core.broker.emit('session:open', { id: 'greenhouse-1' });
    expect(electron.log.shownNotifications.map((n) => n.closed)).toEqual([true, false, false, true]);
  });

  // Electron holds main-process notifications weakly (electron#16922): one the app lets go of is
  // collected, and its click (bring the window back) does nothing. The fakes hold nothing themselves.
  it('keeps every notification it shows until it is clicked or closed, a bounded number', async () => {
    const electron = createFakeElectron(tmp());
    const core = fakeCore(electron.log.calls);
    await boot(electron, core);
    clickMenuItem(electron.log.appMenus.at(-1)!, 'notify-login-failures', true);
    core.broker.emit('login:failed', { address: '10.0.0.9:5000', reason: 'bad_token' });
    core.alert({ kind: 'summary', count: 4 });
    core.alert({ kind: 'device', id: 'lamp-1', label: null, reason: 'closed_by_peer', offlineMs: 30_000 });
    core.alert({ kind: 'device', id: 'lamp-2', label: null, reason: 'closed_by_peer', offlineMs: 30_000 });
    const [login, summary, lamp1, lamp2] = electron.log.shownNotifications.splice(0).map((n) => new WeakRef(n));
    await collectGarbage();
    expect([login, summary, lamp1, lamp2].map((n) => n!.deref() !== undefined)).toEqual([true, true, true, true]);

    const win = electron.log.windows[0]!;
    win.hide();
    summary!.deref()!.emit('click');
    expect(win.visible).toBe(true);
    login!.deref()!.emit('close'); // dismissed by the user
    core.broker.emit('session:open', { id: 'lamp-1' }); // withdrawn by the shell
    await collectGarbage();
    expect([login, summary, lamp1, lamp2].map((n) => n!.deref() !== undefined)).toEqual([false, false, false, true]);

    // bounded: past the limit the oldest is let go
    for (let i = 0; i < MAX_HELD_NOTIFICATIONS; i++) core.alert({ kind: 'summary', count: i + 2 });
    const [oldest, next] = electron.log.shownNotifications.splice(0).map((n) => new WeakRef(n));
    await collectGarbage();
    expect([oldest!.deref() !== undefined, next!.deref() !== undefined]).toEqual([true, true]);
    core.alert({ kind: 'summary', count: 200 });
    electron.log.shownNotifications.length = 0;
    await collectGarbage();
    expect([oldest!.deref() !== undefined, next!.deref() !== undefined]).toEqual([false, true]);
  });

  it('stops listening to the alerts when it quits', async () => {
    const electron = createFakeElectron(tmp());
    const core = fakeCore(electron.log.calls);
    const shell = (await boot(electron, core))!;
    electron.app.quit();
    await shell.stopped;
    core.alert({ kind: 'device', id: 'lamp-1', label: null, reason: 'closed_by_peer', offlineMs: 30_000 });
    expect(electron.log.notifications).toEqual([]);
  });

  it('alerts on refused device logins only once the user turns it on', async () => {
    const electron = createFakeElectron(tmp());
    const core = fakeCore(electron.log.calls);
    await boot(electron, core);
    core.broker.emit('login:failed', { address: '10.0.0.9:5000', reason: 'bad_token' });
    expect(electron.log.notifications).toEqual([]);
    clickMenuItem(electron.log.appMenus.at(-1)!, 'notify-login-failures', true);
    core.broker.emit('login:failed', { address: '10.0.0.9:5001', reason: 'bad_token' });
    expect(electron.log.notifications.map((n) => `${n.title}: ${n.body}`)).toEqual(['Device login refused: 10.0.0.9:5001: bad_token']);
  });

  it('remembers window bounds across launches', async () => {
    const dir = tmp();
    const first = createFakeElectron(dir);
    await boot(first, fakeCore(first.log.calls));
    const win = first.log.windows[0]!;
    win.bounds = { x: 200, y: 100, width: 1000, height: 640 };
    win.userClose(); // saves at once (and hides)

    const second = createFakeElectron(dir);
    await boot(second, fakeCore(second.log.calls));
    expect(second.log.windows[0]!.options).toMatchObject({ x: 200, y: 100, width: 1000, height: 640 });
  });

  it('application menu: shortcuts for quit, close-to-tray, pause and the firmware folder', async () => {
    const electron = createFakeElectron(tmp());
    await boot(electron, fakeCore(electron.log.calls));
    const menu = electron.log.appMenus.at(-1)!;
    expect(findMenuItem(menu, 'quit')!.accelerator).toBe('CmdOrCtrl+Q');
    expect(findMenuItem(menu, 'close')!.accelerator).toBe('CmdOrCtrl+W');
    expect(findMenuItem(menu, 'pause')!.accelerator).toBe('CmdOrCtrl+Shift+P');
    clickMenuItem(menu, 'firmware');
    clickMenuItem(menu, 'docs');
    await vi.waitFor(() => expect(electron.log.openedPaths).toEqual(['/res/firmware', '/res/docs']));
    // Dev tools only in development builds.
    expect(JSON.stringify(menu)).toContain('toggleDevTools');
    electron.app.isPackaged = true;
    clickMenuItem(menu, 'notify-offline', true);
    expect(JSON.stringify(electron.log.appMenus.at(-1))).not.toContain('toggleDevTools');
  });

  it('a core that fails to start is reported and the app exits with 1', async () => {
    const electron = createFakeElectron(tmp());
    const started = startShell(electron, {
      paths: { indexHtml: '/i.html', preload: '/p', icon: '/i', trayIcon: '/t', firmwareDir: '/f', docsDir: '/d' },
      startCore: async () => {
        throw new Error('port 8080 in use');
      },
    });
    electron.app.readyResolve();
    expect(await started).toBeNull();
    expect(electron.log.errors).toEqual(['HyperTCP Panel could not start: port 8080 in use']);
    expect(electron.log.calls).toEqual(['app.exit(1)']);
  });

  it('hardens every web contents the app creates', async () => {
    const electron = createFakeElectron(tmp());
    await boot(electron, fakeCore(electron.log.calls));
    const other = new (await import('./fake-electron')).FakeWebContents();
    electron.app.emit('web-contents-created', {}, other);
    const e = preventable();
    other.emit('will-navigate', e, 'https://evil.example/');
    expect(e.prevented).toBe(true);
    expect(other.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });
});
