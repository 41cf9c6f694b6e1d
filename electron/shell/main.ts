/**
 * Electron main-process entry (bundled to dist/electron/main.cjs, package.json "main").
 * Everything here is wiring: the logic lives in app.ts and is unit-tested against a fake Electron.
 */
import * as electron from 'electron';
import { join } from 'node:path';
import { startShell } from './app';
import { parseShellArgs } from './args';
import { dataFolder, OLD_DATA_FOLDER_NAME } from './data-folder';
import { desktopStartCore } from './desktop-core';
import type { ShellElectron } from './electron-api';
import { desktopNativeWire } from './native-wire';

// Type-checks the slice of Electron the shell relies on against electron.d.ts.
const shellElectron: ShellElectron = electron;

const APP_ID = 'dev.hypertcp.panel';
const here = __dirname; // dist/electron
const resources = electron.app.isPackaged ? process.resourcesPath : join(here, '..', '..');
const devServerUrl = electron.app.isPackaged ? undefined : process.env.HYPERTCP_DEV_SERVER_URL;
const nativeWire = desktopNativeWire({ isPackaged: electron.app.isPackaged, resourcesPath: resources, env: process.env });

const args = parseShellArgs(process.argv);
// Before 'ready' and before the single-instance lock, which creates the folder.
if (args.dataDir !== undefined) electron.app.setPath('userData', args.dataDir);
else {
  const named = electron.app.getPath('userData');
  const folder = dataFolder(named, join(electron.app.getPath('appData'), OLD_DATA_FOLDER_NAME));
  if (folder !== named) electron.app.setPath('userData', folder);
}

// Loaded lazily: the window can be set up while the core (SQLite, the broker) loads.
const start = desktopStartCore({ args, loadStartCore: async () => (await import('../core')).startCore, nativeWire, version: electron.app.getVersion() });

electron.app.enableSandbox(); // every renderer sandboxed, whatever its webPreferences say
electron.app.setAppUserModelId(APP_ID); // Windows: lets notifications carry the app's name
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => electron.app.quit());

startShell(shellElectron, {
  startCore: start,
  devServerUrl,
  paths: {
    indexHtml: join(here, '..', 'renderer', 'index.html'),
    preload: join(here, 'preload.cjs'),
    icon: join(here, 'icons', 'icon.png'),
    trayIcon: join(here, 'icons', process.platform === 'darwin' ? 'tray.png' : 'tray@2x.png'),
    firmwareDir: join(resources, 'firmware'),
    docsDir: join(resources, 'docs'),
  },
}).catch((error: unknown) => {
  console.error('[shell] fatal:', error);
  electron.app.exit(1);
});
