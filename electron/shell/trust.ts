/**
 * Which page is ours. The window loads exactly one document: the built index.html over file://,
 * or (development only) the Vite dev server. IPC handlers and the permission policy ask this module
 * before they answer anything.
 */
import { posix, win32 } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FrameLike, IpcInvokeEventLike } from './electron-api';

export interface AppOrigin {
  /** True when `url` is our app page (any hash/query); never true for other files or origins. */
  isAppUrl(url: string): boolean;
  /** What the window loads. */
  readonly entry: { kind: 'file'; path: string } | { kind: 'url'; url: string };
}

/** Only loopback dev servers are accepted, so a stray env var can't point the app at the web. */
export function isLoopbackHttpUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}

export function appOrigin(options: { indexHtml: string; devServerUrl?: string | undefined; platform?: NodeJS.Platform | undefined }): AppOrigin {
  if (options.devServerUrl !== undefined) {
    if (!isLoopbackHttpUrl(options.devServerUrl)) throw new Error(`dev server must be http on loopback, got ${options.devServerUrl}`);
    const origin = new URL(options.devServerUrl).origin;
    return {
      entry: { kind: 'url', url: options.devServerUrl },
      isAppUrl: (url) => safeUrl(url)?.origin === origin,
    };
  }
  const windows = (options.platform ?? process.platform) === 'win32';
  const indexPath = comparablePath(options.indexHtml, windows);
  return {
    entry: { kind: 'file', path: options.indexHtml },
    isAppUrl: (url) => {
      const path = filePathOf(url, windows);
      return path !== null && comparablePath(path, windows) === indexPath;
    },
  };
}

/** Windows paths compare case-insensitively (drive letter included), as the file system does. */
function comparablePath(path: string, windows: boolean): string {
  return windows ? win32.normalize(path).toLowerCase() : posix.normalize(path);
}

/**
 * The file a file: URL names, decoded, whatever its spelling: Electron's loadFile leaves '%', '[',
 * ']', '|', '^' unescaped and Chromium escapes some of them, pathToFileURL escapes all. Query and hash
 * do not change the file. Null for other schemes, for a host on POSIX (on Windows a share's host is
 * part of the path compared) and for encoded separators (fileURLToPath refuses them).
 */
function filePathOf(raw: string, windows: boolean): string | null {
  const url = safeUrl(raw);
  if (url === null || url.protocol !== 'file:') return null;
  url.hash = '';
  url.search = '';
  // A '%' that starts no escape is a '%' in the name (Chromium reads it so); fileURLToPath would throw on it.
  url.pathname = url.pathname.replace(/%(?![0-9A-Fa-f]{2})/g, '%25');
  try {
    return fileURLToPath(url, { windows });
  } catch {
    return null;
  }
}

function safeUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/**
 * An IPC message is trusted only when it comes from the top frame of our main window's web
 * contents and that frame shows our app page. Subframes, other windows and navigated pages fail.
 */
export function isTrustedSender(event: IpcInvokeEventLike, mainContentsId: number | null, origin: AppOrigin): boolean {
  const frame: FrameLike | null = event.senderFrame;
  if (frame === null || mainContentsId === null) return false;
  if (event.sender.id !== mainContentsId) return false;
  if (frame.parent !== null) return false;
  return origin.isAppUrl(frame.url);
}
