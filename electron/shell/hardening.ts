/**
 * The web-facing defences of the shell: no navigation, no new windows, no webviews, no permissions,
 * a CSP header, and external links only to an allowlist (opened in the user's browser).
 */
import { withCsp } from './csp';
import type { SessionLike, ShellElectron, WebContentsLike } from './electron-api';
import type { AppOrigin } from './trust';

/** Links the app may open in the user's browser: https only, these hosts only. */
export const EXTERNAL_ALLOWLIST: readonly string[] = ['github.com', 'docs.espressif.com', 'www.arduino.cc'];

/** Permissions our own page may use (copying a new device token); everything else is denied. */
export const ALLOWED_PERMISSIONS: readonly string[] = ['clipboard-sanitized-write'];

export function isAllowedExternal(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.username === '' && url.password === '' && url.port === '' && EXTERNAL_ALLOWLIST.includes(url.hostname);
}

export function openExternalIfAllowed(electron: Pick<ShellElectron, 'shell'>, url: string): boolean {
  if (!isAllowedExternal(url)) return false;
  void electron.shell.openExternal(url).catch(() => undefined);
  return true;
}

const hardened = new WeakSet<WebContentsLike>();

/** Applied to every web contents the app creates (app 'web-contents-created'); idempotent. */
export function hardenWebContents(electron: Pick<ShellElectron, 'shell'>, contents: WebContentsLike): void {
  if (hardened.has(contents)) return;
  hardened.add(contents);
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    openExternalIfAllowed(electron, url);
  });
  // Any frame (iframes included) navigating anywhere: refused. Our own loads are programmatic and never fire this.
  contents.on('will-frame-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternalIfAllowed(electron, url);
    return { action: 'deny' };
  });
}

/** Session-wide policy: CSP on every response, permissions denied unless ours and allowlisted. */
export function hardenSession(session: SessionLike, origin: AppOrigin): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCsp(details.responseHeaders) });
  });
  session.setPermissionRequestHandler((contents, permission, callback, details) => {
    const url = details.requestingUrl ?? contents.getURL();
    callback(ALLOWED_PERMISSIONS.includes(permission) && origin.isAppUrl(url));
  });
  session.setPermissionCheckHandler((contents, permission) => {
    return ALLOWED_PERMISSIONS.includes(permission) && contents !== null && origin.isAppUrl(contents.getURL());
  });
}
