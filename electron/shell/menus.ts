/**
 * Menu templates: the tray's context menu and the application menu. Pure functions of the state,
 * so tests can read them and click their items without Electron.
 */
import type { MenuItemConstructorOptions } from './electron-api';

export interface ShellActions {
  showWindow(): void;
  hideWindow(): void;
  togglePause(): void;
  openFirmware(): void;
  openDocs(): void;
  setNotifyOffline(on: boolean): void;
  setNotifyLoginFailures(on: boolean): void;
  quit(): void;
}

export interface ShellState {
  online: number;
  /** null when the core cannot pause (the item is then disabled). */
  paused: boolean | null;
  notifyOffline: boolean;
  notifyLoginFailures: boolean;
  devTools: boolean;
  platform: NodeJS.Platform;
}

export function trayTooltip(state: Pick<ShellState, 'online' | 'paused'>): string {
  const devices = `${state.online} device${state.online === 1 ? '' : 's'} online`;
  return state.paused === true ? `HyperTCP Panel: broker paused` : `HyperTCP Panel: ${devices}`;
}

export function trayMenuTemplate(state: ShellState, actions: ShellActions): MenuItemConstructorOptions[] {
  return [
    { id: 'open', label: 'Open HyperTCP Panel', click: () => actions.showWindow() },
    { id: 'online', label: `${state.online} device${state.online === 1 ? '' : 's'} online`, enabled: false },
    { type: 'separator' },
    {
      id: 'pause',
      label: state.paused === true ? 'Resume broker' : 'Pause broker',
      enabled: state.paused !== null,
      click: () => actions.togglePause(),
    },
    { type: 'separator' },
    { id: 'quit', label: 'Quit', click: () => actions.quit() },
  ];
}

export function appMenuTemplate(state: ShellState, actions: ShellActions): MenuItemConstructorOptions[] {
  const mac = state.platform === 'darwin';
  const menus: MenuItemConstructorOptions[] = [];
  if (mac) menus.push({ role: 'appMenu' });
  menus.push(
    {
      label: 'File',
      submenu: [
        { id: 'open', label: 'Show Window', accelerator: 'CmdOrCtrl+Shift+H', click: () => actions.showWindow() },
        { id: 'firmware', label: 'Open Firmware Library', accelerator: 'CmdOrCtrl+Shift+F', click: () => actions.openFirmware() },
        { type: 'separator' },
        {
          id: 'pause',
          label: state.paused === true ? 'Resume Broker' : 'Pause Broker',
          accelerator: 'CmdOrCtrl+Shift+P',
          enabled: state.paused !== null,
          click: () => actions.togglePause(),
        },
        { type: 'separator' },
        { id: 'close', label: 'Close Window (broker keeps running)', accelerator: 'CmdOrCtrl+W', click: () => actions.hideWindow() },
        { id: 'quit', label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: () => actions.quit() },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload', accelerator: 'CmdOrCtrl+R' },
        ...(state.devTools ? [{ role: 'toggleDevTools' } as const] : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen', accelerator: mac ? 'Ctrl+Cmd+F' : 'F11' },
      ],
    },
    {
      label: 'Alerts',
      submenu: [
        {
          id: 'notify-offline',
          label: 'Notify When Devices Go Offline',
          type: 'checkbox',
          checked: state.notifyOffline,
          click: (item) => actions.setNotifyOffline(item.checked),
        },
        {
          id: 'notify-login-failures',
          label: 'Notify When a Device Login Is Refused',
          type: 'checkbox',
          checked: state.notifyLoginFailures,
          click: (item) => actions.setNotifyLoginFailures(item.checked),
        },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ id: 'docs', label: 'HyperTCP Documentation', accelerator: 'F1', click: () => actions.openDocs() }],
    },
  );
  return menus;
}
