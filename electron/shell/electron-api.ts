/**
 * The slice of Electron's main-process API the shell uses, as narrow structural types.
 * main.ts assigns the real `electron` module to `ShellElectron`, so tsc checks every member here
 * against electron.d.ts; unit tests pass an in-memory stand-in (fake-electron.ts) instead.
 */
import type {
  BrowserWindowConstructorOptions,
  CustomScheme,
  MenuItemConstructorOptions,
  NotificationConstructorOptions,
  Rectangle,
} from 'electron';

export type { BrowserWindowConstructorOptions, CustomScheme, MenuItemConstructorOptions, NotificationConstructorOptions, Rectangle };

export interface Preventable {
  preventDefault(): void;
}

export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
}

export interface IpcInvokeEventLike {
  readonly sender: { readonly id: number };
  readonly senderFrame: FrameLike | null;
}

export type IpcEventLike = IpcInvokeEventLike;

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): unknown;
}

export interface HeadersDetails {
  readonly url: string;
  readonly responseHeaders?: Record<string, string[]>;
}

export interface SessionLike {
  webRequest: {
    onHeadersReceived(
      listener: (details: HeadersDetails, callback: (response: { responseHeaders?: Record<string, string[] | string> }) => void) => void,
    ): void;
  };
  setPermissionRequestHandler(
    handler: (webContents: WebContentsLike, permission: string, callback: (granted: boolean) => void, details: { requestingUrl?: string }) => void,
  ): void;
  setPermissionCheckHandler(handler: (webContents: WebContentsLike | null, permission: string, requestingOrigin: string) => boolean): void;
}

export type WindowOpenResponse = { action: 'deny' };

export interface WebContentsLike {
  readonly id: number;
  readonly session: SessionLike;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  getURL(): string;
  setWindowOpenHandler(handler: (details: { url: string }) => WindowOpenResponse): void;
  on(event: 'will-navigate', listener: (event: Preventable, url: string) => void): unknown;
  on(event: 'will-redirect', listener: (event: Preventable, url: string) => void): unknown;
  on(event: 'will-frame-navigate', listener: (event: Preventable & { url: string; isMainFrame: boolean }) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: Preventable) => void): unknown;
  on(event: 'render-process-gone', listener: (event: unknown, details: { reason: string; exitCode: number }) => void): unknown;
  reload(): void;
  isCrashed(): boolean;
  on(event: 'destroyed', listener: () => void): unknown;
}

export interface WindowLike {
  readonly webContents: WebContentsLike;
  show(): void;
  hide(): void;
  focus(): void;
  restore(): void;
  maximize(): void;
  isMinimized(): boolean;
  isMaximized(): boolean;
  isVisible(): boolean;
  isDestroyed(): boolean;
  getNormalBounds(): Rectangle;
  loadURL(url: string): Promise<void>;
  on(event: 'close', listener: (event: Preventable) => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'ready-to-show', listener: () => void): unknown;
  /** Windows: the user's session ends (shutdown, restart, log off); no before-quit follows. */
  on(event: 'session-end', listener: () => void): unknown;
}

export interface TrayLike {
  setToolTip(text: string): void;
  setContextMenu(menu: MenuLike | null): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

// Opaque: the shell only builds menus and hands them back to Electron.
export type MenuLike = object;

export interface NotificationLike {
  show(): void;
  close(): void;
  on(event: 'click' | 'close', listener: () => void): unknown;
  /** Windows: the notification could not be shown. */
  on(event: 'failed', listener: () => void): unknown;
}

export interface AppLike {
  readonly isPackaged: boolean;
  whenReady(): Promise<void>;
  getPath(name: 'userData'): string;
  getVersion(): string;
  requestSingleInstanceLock(): boolean;
  setAppUserModelId(id: string): void;
  enableSandbox(): void;
  quit(): void;
  exit(exitCode?: number): void;
  on(event: 'second-instance', listener: () => void): unknown;
  on(event: 'before-quit', listener: (event: Preventable) => void): unknown;
  on(event: 'window-all-closed' | 'activate', listener: () => void): unknown;
  on(event: 'web-contents-created', listener: (event: unknown, contents: WebContentsLike) => void): unknown;
}

export interface ShellElectron {
  app: AppLike;
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => WindowLike;
  ipcMain: IpcMainLike;
  Menu: {
    buildFromTemplate(template: MenuItemConstructorOptions[]): MenuLike;
    setApplicationMenu(menu: MenuLike | null): void;
  };
  Tray: new (image: string) => TrayLike;
  Notification: (new (options: NotificationConstructorOptions) => NotificationLike) & { isSupported(): boolean };
  shell: {
    openExternal(url: string): Promise<void>;
    openPath(path: string): Promise<string>;
  };
  screen: { getAllDisplays(): { workArea: Rectangle }[] };
  /** The default session's protocols: the window's page comes from app:// (app-scheme.ts). */
  protocol: {
    /** Before 'ready' only, once. */
    registerSchemesAsPrivileged(schemes: CustomScheme[]): void;
    /** After 'ready'. */
    handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
  };
  dialog: { showErrorBox(title: string, content: string): void };
}
