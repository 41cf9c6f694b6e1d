/**
 * Which page is ours. The window loads exactly one document: the built index.html over our app://
 * scheme (app-scheme.ts), or (development only) the Vite dev server. IPC handlers and the permission
 * policy ask this module before they answer anything.
 */
import { basename, dirname } from 'node:path';
import { appUrlOf } from './app-scheme';
import type { FrameLike, IpcInvokeEventLike } from './electron-api';

export interface AppOrigin {
  /** True when `url` is our app page (any hash/query); never true for other pages, files or origins. */
  isAppUrl(url: string): boolean;
  /** What the window loads; for 'app', the folder the app:// handler serves. */
  readonly entry: { kind: 'app'; url: string; rendererDir: string } | { kind: 'url'; url: string };
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

export function appOrigin(options: { indexHtml: string; devServerUrl?: string | undefined }): AppOrigin {
  if (options.devServerUrl !== undefined) {
    if (!isLoopbackHttpUrl(options.devServerUrl)) throw new Error(`dev server must be http on loopback, got ${options.devServerUrl}`);
    const origin = new URL(options.devServerUrl).origin;
    return {
      entry: { kind: 'url', url: options.devServerUrl },
      isAppUrl: (url) => safeUrl(url)?.origin === origin,
    };
  }
  const entryUrl = appUrlOf(basename(options.indexHtml));
  return {
    entry: { kind: 'app', url: entryUrl, rendererDir: dirname(options.indexHtml) },
    // Exactly the URL the window loads, as Chromium reports it (canonical); only hash and query may differ.
    isAppUrl: (url) => url.split(/[?#]/, 1)[0] === entryUrl,
  };
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
