/**
 * Which page is ours. The window loads exactly one document: the built index.html over file://,
 * or (development only) the Vite dev server. IPC handlers and the permission policy ask this module
 * before they answer anything.
 */
import { pathToFileURL } from 'node:url';
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

export function appOrigin(options: { indexHtml: string; devServerUrl?: string | undefined }): AppOrigin {
  if (options.devServerUrl !== undefined) {
    if (!isLoopbackHttpUrl(options.devServerUrl)) throw new Error(`dev server must be http on loopback, got ${options.devServerUrl}`);
    const origin = new URL(options.devServerUrl).origin;
    return {
      entry: { kind: 'url', url: options.devServerUrl },
      isAppUrl: (url) => safeUrl(url)?.origin === origin,
    };
  }
  const indexHref = pathToFileURL(options.indexHtml).href;
  return {
    entry: { kind: 'file', path: options.indexHtml },
    isAppUrl: (url) => {
      const parsed = safeUrl(url);
      if (parsed === null || parsed.protocol !== 'file:') return false;
      parsed.hash = '';
      parsed.search = '';
      return parsed.href === indexHref;
    },
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
