/**
 * The main window: locked-down web preferences, the session policy, our page and nothing else.
 */
import type { BrowserWindowConstructorOptions, ShellElectron, WindowLike } from './electron-api';
import { hardenSession, hardenWebContents } from './hardening';
import type { AppOrigin } from './trust';
import type { SavedBounds } from './bounds';

export interface MainWindowOptions {
  origin: AppOrigin;
  preloadPath: string;
  iconPath?: string;
  bounds: SavedBounds | null;
}

export const MIN_WIDTH = 800;
export const MIN_HEIGHT = 560;

/** Size, position and looks; the security settings are written inline below, where scanners see them. */
function windowLayout(options: MainWindowOptions): BrowserWindowConstructorOptions {
  const b = options.bounds;
  return {
    width: b?.width ?? 1280,
    height: b?.height ?? 820,
    ...(b?.x !== undefined && b.y !== undefined ? { x: b.x, y: b.y } : {}),
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false,
    title: 'HyperTCP Panel',
    backgroundColor: '#111418',
    ...(options.iconPath !== undefined ? { icon: options.iconPath } : {}),
  };
}

export function createMainWindow(electron: Pick<ShellElectron, 'BrowserWindow' | 'shell'>, options: MainWindowOptions): WindowLike {
  const { BrowserWindow } = electron;
  // Kept as a literal in the constructor call so electronegativity can check it (security-scan.ts).
  const win = new BrowserWindow({
    ...windowLayout(options),
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      disableBlinkFeatures: 'Auxclick',
    },
  });
  hardenSession(win.webContents.session, options.origin);
  // Also applied app-wide on 'web-contents-created' (idempotent): the window is safe on its own.
  hardenWebContents(electron, win.webContents);
  if (options.bounds?.maximized === true) win.maximize();
  win.on('ready-to-show', () => win.show());
  // app://panel/index.html (served by app-scheme.ts, never file://), or the dev server in development.
  const loading = win.loadURL(options.origin.entry.url);
  loading.catch((error: unknown) => console.error('[shell] could not load the UI:', error));
  return win;
}
