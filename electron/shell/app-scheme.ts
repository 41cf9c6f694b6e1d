/**
 * The app:// scheme the window loads the renderer from (app://panel/index.html), instead of file://:
 * on a file:// page CSP's 'self' matches every local file and Electron grants file:// pages extra
 * privileges (fetch of other files), so a script that got into the page could read the database.
 * Here 'self' is app://panel, and the handler serves only the built renderer folder.
 * Pure: the shell registers it (app.ts), the tests call it directly.
 */
import { readFile as readFileFromDisk } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { contentTypeOf } from '../host/static-files';
import { CSP_HEADER } from './csp';

export const APP_SCHEME = 'app';
export const APP_HOST = 'panel';
/** The origin prefix every app URL starts with; nothing else (other hosts, ports, users) is ours. */
export const APP_URL_PREFIX = `${APP_SCHEME}://${APP_HOST}/`;

/**
 * Registered before 'ready'. standard: relative URLs and a real origin ('self'); secure: a secure
 * context like https; supportFetchAPI: the page's module scripts and fetch. No bypassCSP, no
 * corsEnabled (other origins cannot read it), no service workers (the desktop page registers none).
 */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
};

/** The app URL of a file directly in the renderer folder (the window's entry page). */
export function appUrlOf(fileName: string): string {
  return APP_URL_PREFIX + encodeURIComponent(fileName);
}

export type AppFile = { status: 200; file: string } | { status: 400 | 403 | 404; reason: string };

/**
 * The file under `rendererDir` an app URL names, or why none. Works on the raw URL, before any URL
 * parser folds '..' or '%2e%2e' away, and refuses rather than normalizes: any segment that is empty,
 * starts with '.' (so '.', '..' and dotfiles: vite emits none) or, decoded, holds a separator, a
 * drive or stream colon or a NUL.
 */
export function resolveAppFile(rawUrl: string, rendererDir: string): AppFile {
  if (!rawUrl.toLowerCase().startsWith(APP_URL_PREFIX)) return { status: 404, reason: 'not an app://panel URL' };
  const path = rawUrl.slice(APP_URL_PREFIX.length).split(/[?#]/, 1)[0]!;
  const segments: string[] = [];
  for (const raw of path.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { status: 400, reason: 'bad percent-encoding' };
    }
    if (segment === '') return { status: 404, reason: 'empty path segment' };
    if (segment.startsWith('.') || /[/\\:\0]/.test(segment)) return { status: 403, reason: `refused path segment ${JSON.stringify(segment)}` };
    segments.push(segment);
  }
  const file = join(rendererDir, ...segments);
  const inside = relative(rendererDir, file);
  // Belt and braces: the segment rules already keep it inside.
  if (inside === '' || isAbsolute(inside) || inside === '..' || inside.startsWith(`..${sep}`)) return { status: 403, reason: 'outside the renderer folder' };
  return { status: 200, file };
}

type ReadFile = (file: string) => Promise<Uint8Array<ArrayBuffer>>;

function respond(status: number, body: Uint8Array<ArrayBuffer> | string | null, contentType: string): Response {
  return new Response(body, {
    status,
    headers: {
      'Content-Type': contentType,
      // The window's session adds it too (hardening.ts); a protocol handler's response carries it itself.
      'Content-Security-Policy': CSP_HEADER,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    },
  });
}

/** The protocol handler: the file with its type and our CSP, or an error status with a short text. */
export async function serveAppRequest(
  request: { readonly url: string; readonly method: string },
  rendererDir: string,
  readFile: ReadFile = readFileFromDisk,
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return respond(405, 'method not allowed', 'text/plain; charset=utf-8');
  const target = resolveAppFile(request.url, rendererDir);
  if (target.status !== 200) return respond(target.status, target.reason, 'text/plain; charset=utf-8');
  let body: Uint8Array<ArrayBuffer>;
  try {
    body = await readFile(target.file);
  } catch {
    // missing, a folder, unreadable: the page learns nothing more than "not here"
    return respond(404, 'not found', 'text/plain; charset=utf-8');
  }
  return respond(200, request.method === 'HEAD' ? null : body, contentTypeOf(target.file));
}
