/**
 * Electron main-process entry (bundled to dist/electron/main.cjs, package.json "main").
 * Everything here is wiring: the logic lives in app.ts and is unit-tested against a fake Electron.
 */
import * as electron from 'electron';
import { join } from 'node:path';
import { startShell } from './app';
import { parseShellArgs } from './args';
import { routeNativeModules } from './native-route';
import type { StartCore } from './core-port';
import type { ShellElectron } from './electron-api';

// Type-checks the slice of Electron the shell relies on against electron.d.ts.
const shellElectron: ShellElectron = electron;

const APP_ID = 'dev.hypertcp.panel';
const here = __dirname; // dist/electron
const resources = electron.app.isPackaged ? process.resourcesPath : join(here, '..', '..');
const devServerUrl = electron.app.isPackaged ? undefined : process.env.HYPERTCP_DEV_SERVER_URL;

const args = parseShellArgs(process.argv);
if (args.dataDir !== undefined) electron.app.setPath('userData', args.dataDir); // before 'ready'

// Development runs take native modules built for Electron from .electron-native/ (npm start prepares it).
if (!electron.app.isPackaged && !routeNativeModules(resources)) {
  console.warn('[shell] .electron-native/ is missing: run `npx tsx electron/shell/prepare-native.ts` (npm start does) if better-sqlite3 fails to load');
}

// Loaded lazily so native modules resolve only after routeNativeModules().
const start: StartCore = async (options) => {
  const { startCore } = await import('../core');
  return startCore({ ...options, ...(args.tcpPort !== undefined ? { tcpPort: args.tcpPort } : {}), version: electron.app.getVersion() });
};

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
