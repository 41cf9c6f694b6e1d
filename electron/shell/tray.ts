/**
 * The tray icon and the application menu, rebuilt from the shell's state. Session events can come
 * in bursts (a whole lab reconnecting), so refreshSoon() coalesces them to at most one rebuild a second.
 */
import type { ShellElectron } from './electron-api';
import { appMenuTemplate, trayMenuTemplate, trayTooltip, type ShellActions, type ShellState } from './menus';

export interface TrayOptions {
  iconPath: string;
  actions: ShellActions;
  state: () => ShellState;
  coalesceMs?: number;
}

export interface TrayController {
  refresh(): void;
  refreshSoon(): void;
  destroy(): void;
}

export function createTray(electron: Pick<ShellElectron, 'Tray' | 'Menu'>, options: TrayOptions): TrayController {
  const tray = new electron.Tray(options.iconPath);
  tray.on('click', () => options.actions.showWindow());
  let timer: ReturnType<typeof setTimeout> | undefined;
  let destroyed = false;

  const refresh = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (destroyed) return;
    const state = options.state();
    tray.setToolTip(trayTooltip(state));
    tray.setContextMenu(electron.Menu.buildFromTemplate(trayMenuTemplate(state, options.actions)));
    electron.Menu.setApplicationMenu(electron.Menu.buildFromTemplate(appMenuTemplate(state, options.actions)));
  };

  refresh();
  return {
    refresh,
    refreshSoon() {
      if (timer === undefined && !destroyed) timer = setTimeout(refresh, options.coalesceMs ?? 1000);
    },
    destroy() {
      destroyed = true;
      clearTimeout(timer);
      tray.destroy();
    },
  };
}
