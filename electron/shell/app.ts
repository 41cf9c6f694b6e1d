/**
 * The desktop app's lifecycle: one instance, the core started in-process, a hardened window that
 * hides to the tray on close (the broker keeps running), and a quit sequence that closes device
 * sessions with reason 'shutdown' and flushes the database before the process exits.
 */
import type { NotificationLike, ShellElectron, WindowLike } from './electron-api';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, serveAppRequest } from './app-scheme';
import { hardenWebContents } from './hardening';
import { bindApi, CHANNELS } from './ipc';
import { appOrigin } from './trust';
import { createMainWindow, MIN_HEIGHT, MIN_WIDTH } from './window';
import { boundsFile, loadBounds, trackBounds } from './bounds';
import { loadPrefs, prefsFile, savePrefs } from './prefs';
import { alertText } from '../hub/offline-alerts';
import { LoginAlerts } from './login-alerts';
import { createTray } from './tray';
import type { CorePort, SessionRef, StartCore } from './core-port';
import type { ShellActions } from './menus';

export const MAX_RENDERER_RESTARTS_PER_MINUTE = 3;
/** Offline alert notifications the shell can still withdraw when their device returns. */
const MAX_TRACKED_ALERTS = 100;
/**
 * Notifications kept alive until clicked or dismissed: Electron holds them weakly (electron#16922),
 * and a collected one's click does nothing. Past this the oldest is let go.
 */
export const MAX_HELD_NOTIFICATIONS = 100;

export interface ShellPaths {
  indexHtml: string;
  preload: string;
  icon: string;
  trayIcon: string;
  firmwareDir: string;
  docsDir: string;
}

export interface ShellOptions {
  startCore: StartCore;
  paths: ShellPaths;
  devServerUrl?: string | undefined;
  platform?: NodeJS.Platform;
  /** Longest the quit sequence waits for the core before exiting anyway. */
  quitTimeoutMs?: number;
}

export interface Shell {
  readonly core: CorePort;
  window(): WindowLike | null;
  readonly actions: ShellActions;
  /** Resolves when the quit sequence has finished (after app.quit() was called). */
  readonly stopped: Promise<void>;
}

export async function startShell(electron: ShellElectron, options: ShellOptions): Promise<Shell | null> {
  const { app } = electron;
  if (!app.requestSingleInstanceLock()) {
    app.quit(); // the first instance gets 'second-instance' and shows itself
    return null;
  }
  const origin = appOrigin({ indexHtml: options.paths.indexHtml, devServerUrl: options.devServerUrl });
  // Before 'ready', as Electron requires: app:// gets a real, secure origin (CSP 'self' = app://panel).
  electron.protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
  let win: WindowLike | null = null;
  let ready = false;
  let quitting = false;
  let finished = false;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let coreStarting: Promise<CorePort> | null = null;
  // Until the shell is fully up, quitting only has to close a core that is (being) started.
  let shutdown: () => Promise<void> = async () => {
    const starting = await coreStarting?.catch(() => null);
    await starting?.close('shutdown');
  };

  app.on('web-contents-created', (_event, contents) => hardenWebContents(electron, contents));
  app.on('second-instance', () => ready && showWindow());
  app.on('activate', () => ready && showWindow());
  app.on('window-all-closed', () => undefined); // stay in the tray
  app.on('before-quit', (event) => {
    if (finished) return;
    event.preventDefault();
    if (quitting) return;
    quitting = true;
    void shutdown().finally(() => {
      finished = true;
      resolveStopped();
      app.quit();
    });
  });

  await app.whenReady();
  // Quit before 'ready' (a SIGTERM at launch): the quit sequence had no core to wait for and is
  // over or finishing, so a core started now would never be closed.
  if (quitting) return null;
  const entry = origin.entry;
  // The page and its assets, from the built renderer folder only (also inside app.asar).
  if (entry.kind === 'app') electron.protocol.handle(APP_SCHEME, (request) => serveAppRequest(request, entry.rendererDir));
  const userData = app.getPath('userData');
  let core: CorePort;
  try {
    coreStarting = options.startCore({ dataDir: userData, mode: 'desktop' });
    core = await coreStarting;
  } catch (error) {
    if (quitting) return null;
    electron.dialog.showErrorBox('HyperTCP Panel could not start', error instanceof Error ? error.message : String(error));
    finished = true;
    app.exit(1);
    return null;
  }

  if (quitting) return null; // quit while the core was starting: the quit sequence closes it

  const ipc = bindApi(electron.ipcMain, core.api, origin, () => (win !== null && !win.isDestroyed() ? win.webContents : null));
  const prefsPath = prefsFile(userData);
  const prefs = loadPrefs(prefsPath);
  let paused: boolean | null = core.pause !== undefined && core.resume !== undefined ? (core.paused ?? false) : null;

  const held = new Set<NotificationLike>();
  const notify = (title: string, body: string): NotificationLike => {
    const notification = new electron.Notification({ title, body, silent: false });
    const release = (): void => void held.delete(notification);
    notification.on('click', () => {
      release();
      showWindow();
    });
    notification.on('close', release);
    notification.on('failed', release);
    held.add(notification);
    if (held.size > MAX_HELD_NOTIFICATIONS) held.delete(held.values().next().value!);
    notification.show();
    return notification;
  };
  /** Takes a notification back from the system's list ('close' is not promised for this). */
  const withdraw = (notification: NotificationLike | undefined): void => {
    if (notification === undefined) return;
    notification.close();
    held.delete(notification);
  };
  // the hub raises offline alerts (grace, pause and shutdown rules, bursts); the desktop shows them natively
  const offlineShown = new Map<string, NotificationLike>();
  const stopAlerts = core.hub.onOfflineAlert((alert) => {
    if (!prefs.notifyOffline || !electron.Notification.isSupported()) return;
    const { title, body } = alertText(alert);
    const shown = notify(title, body);
    if (alert.kind !== 'device') return;
    withdraw(offlineShown.get(alert.id));
    offlineShown.set(alert.id, shown);
    // bounded: the oldest alert's notification stays in the system's list, only untracked
    if (offlineShown.size > MAX_TRACKED_ALERTS) offlineShown.delete(offlineShown.keys().next().value!);
  });
  // a device back online: its "is offline" notification is no longer true (the panel's notice says so too)
  core.broker.on('session:open', (s: SessionRef) => {
    withdraw(offlineShown.get(s.id));
    offlineShown.delete(s.id);
  });
  const loginAlerts = new LoginAlerts({ enabled: () => prefs.notifyLoginFailures && electron.Notification.isSupported(), notify });
  const setPref = (key: keyof typeof prefs, on: boolean): void => {
    prefs[key] = on;
    savePrefs(prefsPath, prefs);
    tray.refresh();
  };

  const actions: ShellActions = {
    showWindow: () => showWindow(),
    hideWindow: () => win?.hide(),
    togglePause: () => void togglePause(),
    openFirmware: () => void openFolder(options.paths.firmwareDir),
    openDocs: () => void openFolder(options.paths.docsDir),
    setNotifyOffline: (on) => setPref('notifyOffline', on),
    setNotifyLoginFailures: (on) => setPref('notifyLoginFailures', on),
    quit: () => app.quit(),
  };
  const tray = createTray(electron, {
    iconPath: options.paths.trayIcon,
    actions,
    state: () => ({
      online: core.broker.sessions().length,
      paused,
      notifyOffline: prefs.notifyOffline,
      notifyLoginFailures: prefs.notifyLoginFailures,
      devTools: !app.isPackaged,
      platform: options.platform ?? process.platform,
    }),
  });

  core.broker.on('session:open', () => tray.refreshSoon());
  core.broker.on('login:failed', (ev) => loginAlerts.failed(ev.address, ev.reason));
  let pausing = false; // one pause or resume at a time
  core.broker.on('session:close', () => tray.refreshSoon());

  async function togglePause(): Promise<void> {
    if (paused === null || quitting || pausing) return;
    pausing = true;
    try {
      await (paused ? core.resume!() : core.pause!());
      paused = core.paused ?? !paused;
    } catch (error) {
      electron.dialog.showErrorBox('Broker', error instanceof Error ? error.message : String(error));
    } finally {
      pausing = false;
    }
    tray.refresh();
  }

  async function openFolder(path: string): Promise<void> {
    const problem = await electron.shell.openPath(path);
    if (problem !== '') console.error(`[shell] could not open ${path}: ${problem}`);
  }

  function createWindow(): WindowLike {
    const file = boundsFile(userData);
    const displays = electron.screen.getAllDisplays().map((d) => d.workArea);
    const created = createMainWindow(electron, {
      origin,
      preloadPath: options.paths.preload,
      iconPath: options.paths.icon,
      bounds: loadBounds(file, displays, { width: MIN_WIDTH, height: MIN_HEIGHT }),
    });
    trackBounds(created, file);
    created.on('close', (event) => {
      if (quitting) return;
      event.preventDefault(); // closing the window keeps the broker running in the tray
      created.hide();
    });
    created.on('session-end', () => endSession());
    created.on('closed', () => {
      ipc.detach();
      if (win === created) win = null;
    });
    // Each (re)load subscribes itself to the event pump (bridge.ts: 'api:subscribe', before its first
    // snapshot). Not on 'did-finish-load': that comes after the page's first calls, and attaching
    // then would drop the changes since its snapshot.
    // A crashed renderer is reloaded, a few times a minute at most (a crash loop must not spin).
    const crashes: number[] = [];
    created.webContents.on('render-process-gone', (_event, details) => {
      ipc.detach();
      const now = Date.now();
      while (crashes.length > 0 && now - crashes[0]! > 60_000) crashes.shift();
      crashes.push(now);
      console.error(`[shell] renderer gone (${details.reason}, exit ${details.exitCode})`);
      if (crashes.length <= MAX_RENDERER_RESTARTS_PER_MINUTE && details.reason !== 'clean-exit') created.webContents.reload();
    });
    return created;
  }

  function showWindow(): void {
    if (quitting) return;
    if (win === null || win.isDestroyed()) {
      win = createWindow();
      return; // shown on 'ready-to-show'
    }
    // Past the restart cap a crashed page stays gone until the user asks for the window: a reload then.
    if (win.webContents.isCrashed()) win.webContents.reload();
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  /**
   * Windows ends the session (shutdown, restart, log off): no before-quit comes and the process is
   * killed soon after, so the quit sequence would not get to run. The core closes at once instead
   * (queued rows written, the database closed), also when a quit is already waiting on it.
   */
  function endSession(): void {
    if (finished) return;
    const wasQuitting = quitting;
    quitting = true;
    finished = true; // a before-quit from here on lets the app go
    stopAlerts();
    ipc.detach();
    try {
      core.closeNow?.();
    } catch (error) {
      console.error('[shell] core close failed:', error);
    }
    if (!wasQuitting) tray.destroy(); // else the quit sequence does
    resolveStopped();
  }

  shutdown = async () => {
    stopAlerts();
    ipc.detach();
    if (win !== null && !win.isDestroyed()) win.webContents.send(CHANNELS.status, 'closed', 'shutdown');
    const timeoutMs = options.quitTimeoutMs ?? 5000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    try {
      const outcome = await Promise.race([core.close('shutdown').then(() => 'closed' as const), timeout]);
      if (outcome === 'timeout') console.error(`[shell] core did not close within ${timeoutMs} ms; exiting anyway`);
    } catch (error) {
      console.error('[shell] core close failed:', error);
    } finally {
      clearTimeout(timer);
    }
    ipc.dispose();
    tray.destroy();
  };

  ready = true;
  showWindow();
  return { core, window: () => win, actions, stopped };
}
