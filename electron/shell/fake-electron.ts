/**
 * An in-memory stand-in for the slice of Electron in electron-api.ts, for the shell's unit tests.
 * It records what the shell does (windows, handlers, menus, notifications) in `log` and lets tests
 * fire the events Electron would fire.
 */
import type {
  BrowserWindowConstructorOptions,
  CustomScheme,
  FrameLike,
  HeadersDetails,
  IpcEventLike,
  MenuItemConstructorOptions,
  NotificationConstructorOptions,
  Preventable,
  Rectangle,
  ShellElectron,
  WebContentsLike,
  WindowOpenResponse,
} from './electron-api';

type Listener = (...args: never[]) => unknown;

export class Emitter {
  private readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  removeListener(event: string, listener: Listener): this {
    this.listeners.set(event, (this.listeners.get(event) ?? []).filter((l) => l !== listener));
    return this;
  }
  emit(event: string, ...args: unknown[]): void {
    for (const l of this.listeners.get(event) ?? []) (l as (...a: unknown[]) => unknown)(...args);
  }
  count(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}

export function preventable(): Preventable & { prevented: boolean } {
  const e = { prevented: false, preventDefault: () => void (e.prevented = true) };
  return e;
}

export class FakeSession {
  headers: ((details: HeadersDetails, cb: (r: { responseHeaders?: Record<string, string[] | string> }) => void) => void) | null = null;
  permissionRequest: ((wc: WebContentsLike, permission: string, cb: (granted: boolean) => void, details: { requestingUrl?: string }) => void) | null = null;
  permissionCheck: ((wc: WebContentsLike | null, permission: string, origin: string) => boolean) | null = null;
  webRequest = { onHeadersReceived: (l: NonNullable<FakeSession['headers']>) => void (this.headers = l) };
  setPermissionRequestHandler(h: NonNullable<FakeSession['permissionRequest']>): void {
    this.permissionRequest = h;
  }
  setPermissionCheckHandler(h: NonNullable<FakeSession['permissionCheck']>): void {
    this.permissionCheck = h;
  }
}

let nextId = 1;

export class FakeWebContents extends Emitter {
  readonly id = nextId++;
  readonly session = new FakeSession();
  readonly sent: [string, ...unknown[]][] = [];
  url = '';
  destroyed = false;
  openHandler: ((d: { url: string }) => WindowOpenResponse) | null = null;
  reloads = 0;
  /** What the last loadURL of a handled scheme got back (the fake runs the shell's protocol handler). */
  loaded: { status: number; headers: Headers; body: string } | null = null;
  /** Its renderer is gone (a test sets it with 'render-process-gone'); a reload brings a new one. */
  crashed = false;
  reload(): void {
    this.reloads += 1;
    this.crashed = false;
  }
  isCrashed(): boolean {
    return this.crashed;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getURL(): string {
    return this.url;
  }
  setWindowOpenHandler(h: (d: { url: string }) => WindowOpenResponse): void {
    this.openHandler = h;
  }
  /** The main frame as an IPC event would carry it. */
  frame(url = this.url, parent: FrameLike | null = null): IpcEventLike {
    return { sender: { id: this.id }, senderFrame: { url, parent } };
  }
}

export interface FakeLog {
  calls: string[];
  windows: FakeWindow[];
  trays: FakeTray[];
  notifications: NotificationConstructorOptions[];
  shownNotifications: (Emitter & { closed: boolean })[];
  appMenus: MenuItemConstructorOptions[][];
  opened: string[];
  openedPaths: string[];
  errors: string[];
  /** protocol.registerSchemesAsPrivileged's argument (null until called). */
  privilegedSchemes: CustomScheme[] | null;
  /** protocol.handle's handlers, by scheme. */
  protocols: Map<string, (request: Request) => Response | Promise<Response>>;
}

export class FakeWindow extends Emitter {
  readonly webContents = new FakeWebContents();
  visible = false;
  focused = false;
  minimized = false;
  maximized = false;
  destroyed = false;
  bounds: Rectangle;
  constructor(
    readonly options: BrowserWindowConstructorOptions,
    private readonly log: FakeLog,
  ) {
    super();
    this.bounds = { x: options.x ?? 10, y: options.y ?? 10, width: options.width ?? 800, height: options.height ?? 600 };
    log.windows.push(this);
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {
    this.focused = true;
  }
  restore(): void {
    this.minimized = false;
  }
  maximize(): void {
    this.maximized = true;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getNormalBounds(): Rectangle {
    return { ...this.bounds };
  }
  /** As Electron: a scheme with a protocol handler is served by it, and a failed load rejects. */
  async loadURL(url: string): Promise<void> {
    this.webContents.url = url;
    this.webContents.loaded = null;
    const scheme = url.slice(0, Math.max(0, url.indexOf(':')));
    const handler = this.log.protocols.get(scheme);
    if (handler === undefined) {
      if (['http', 'https', 'file', 'data'].includes(scheme)) return;
      throw new Error(`ERR_UNKNOWN_URL_SCHEME (${url})`);
    }
    const response = await handler(new Request(url));
    this.webContents.loaded = { status: response.status, headers: response.headers, body: await response.text() };
    if (!response.ok) throw new Error(`ERR_HTTP_RESPONSE_CODE_FAILURE ${response.status} (${url})`);
  }
  /** What Electron does when the user clicks the close button. */
  userClose(): void {
    const e = preventable();
    this.emit('close', e);
    if (!e.prevented) this.destroy();
  }
  destroy(): void {
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

export class FakeTray extends Emitter {
  tooltip = '';
  menu: MenuItemConstructorOptions[] = [];
  destroyed = false;
  constructor(
    readonly image: string,
    private readonly log: FakeLog,
  ) {
    super();
    log.trays.push(this);
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: object | null): void {
    this.menu = (menu as { template?: MenuItemConstructorOptions[] } | null)?.template ?? [];
  }
  destroy(): void {
    this.destroyed = true;
    this.log.calls.push('tray.destroy');
  }
}

export class FakeApp extends Emitter {
  isPackaged = false;
  hasLock = true;
  isReady = false;
  readyResolve!: () => void;
  readonly ready = new Promise<void>(
    (r) =>
      (this.readyResolve = () => {
        this.isReady = true;
        r();
      }),
  );
  constructor(
    private userData: string,
    private readonly log: FakeLog,
  ) {
    super();
  }
  whenReady(): Promise<void> {
    return this.ready;
  }
  getPath(_name: 'userData'): string {
    return this.userData;
  }
  setPath(_name: 'userData', path: string): void {
    this.userData = path;
  }
  getVersion(): string {
    return '0.1.0';
  }
  requestSingleInstanceLock(): boolean {
    return this.hasLock;
  }
  setAppUserModelId(_id: string): void {}
  sandboxed = false;
  enableSandbox(): void {
    this.sandboxed = true;
  }
  quit(): void {
    this.log.calls.push('app.quit');
    const e = preventable();
    this.emit('before-quit', e);
    if (!e.prevented) this.log.calls.push('app.exited');
  }
  exit(code = 0): void {
    this.log.calls.push(`app.exit(${code})`);
  }
}

export class FakeIpcMain {
  readonly handlers = new Map<string, (event: IpcEventLike, ...args: unknown[]) => unknown>();
  readonly listeners = new Map<string, ((event: IpcEventLike, ...args: unknown[]) => void)[]>();
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): this {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
    return this;
  }
  removeListener(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): this {
    this.listeners.set(channel, (this.listeners.get(channel) ?? []).filter((l) => l !== listener));
    return this;
  }
  /** Like ipcRenderer.invoke: rejects when the handler throws. */
  async invoke(channel: string, event: IpcEventLike, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (h === undefined) throw new Error(`No handler registered for '${channel}'`);
    return h(event, ...args);
  }
  send(channel: string, event: IpcEventLike, ...args: unknown[]): void {
    for (const l of this.listeners.get(channel) ?? []) l(event, ...args);
  }
}

export type FakeElectron = ShellElectron & { app: FakeApp; ipcMain: FakeIpcMain; log: FakeLog };

export function createFakeElectron(userData: string, displays: Rectangle[] = [{ x: 0, y: 0, width: 1920, height: 1080 }]): FakeElectron {
  const log: FakeLog = {
    calls: [],
    windows: [],
    trays: [],
    notifications: [],
    shownNotifications: [],
    appMenus: [],
    opened: [],
    openedPaths: [],
    errors: [],
    privilegedSchemes: null,
    protocols: new Map(),
  };
  const app = new FakeApp(userData, log);
  const Notification = class extends Emitter {
    constructor(private readonly options: NotificationConstructorOptions) {
      super();
    }
    closed = false;
    show(): void {
      log.notifications.push(this.options);
      log.shownNotifications.push(this);
    }
    close(): void {
      this.closed = true;
    }
    static isSupported(): boolean {
      return true;
    }
  };
  return {
    log,
    app,
    ipcMain: new FakeIpcMain(),
    BrowserWindow: class extends FakeWindow {
      constructor(options: BrowserWindowConstructorOptions) {
        super(options, log);
      }
    },
    Tray: class extends FakeTray {
      constructor(image: string) {
        super(image, log);
      }
    },
    Menu: {
      buildFromTemplate: (template) => ({ template }),
      setApplicationMenu: (menu) => void log.appMenus.push((menu as { template: MenuItemConstructorOptions[] }).template),
    },
    Notification,
    shell: {
      openExternal: async (url) => void log.opened.push(url),
      openPath: async (path) => {
        log.openedPaths.push(path);
        return '';
      },
    },
    screen: { getAllDisplays: () => displays.map((workArea) => ({ workArea })) },
    dialog: { showErrorBox: (title, content) => void log.errors.push(`${title}: ${content}`) },
    // Electron's rules: privileged schemes once and before 'ready', handlers after it, one per scheme.
    protocol: {
      registerSchemesAsPrivileged: (schemes) => {
        if (app.isReady) throw new Error('registerSchemesAsPrivileged should be called before app is ready');
        if (log.privilegedSchemes !== null) throw new Error('registerSchemesAsPrivileged can be called only once');
        log.privilegedSchemes = schemes;
      },
      handle: (scheme, handler) => {
        if (!app.isReady) throw new Error('protocol.handle before app is ready');
        if (log.protocols.has(scheme)) throw new Error(`Failed to register protocol: ${scheme}`);
        log.protocols.set(scheme, handler);
      },
    },
  };
}

export { clickMenuItem, findMenuItem } from './fake-menus';
