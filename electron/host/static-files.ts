import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { CompressedFiles, pickEncoding } from './compressed-files';

/** Strict policy for the served UI: only our own files, no inline code, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const securityHeaders: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The Content-Type of a built UI file, for the headless host and the desktop's app:// scheme alike.
 * Unknown types go out as bytes: with nosniff, never run as a script or a style sheet.
 */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { ...securityHeaders, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

const MISSING_UI = `<!doctype html><meta charset="utf-8"><title>HyperTCP Panel</title>
<p>The web UI is not built. Run <code>npm run build:renderer</code> (or <code>npm run serve</code>, which builds it) and reload.</p>`;

/**
 * Whether `file` lies under `dir` with no segment starting with '.' below it: vite emits no dotfiles,
 * and a '..' (leaving `dir`) starts with '.' too.
 */
function visibleInside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && !isAbsolute(rel) && !rel.split(sep).some((s) => s.startsWith('.'));
}

/**
 * Serves files under `root` (GET/HEAD only, no traversal, no directory listings, no dotfiles such
 * as a stray .env or .git), and only to requests whose Host header `hostAllowed` accepts (a
 * DNS-rebinding page gets nothing). Symlinks are followed only to files inside the root's real path.
 * Text files go brotli- or gzip-compressed to a browser that takes it (a third of the bytes over a
 * phone's Wi-Fi), each compressed once per version of the file.
 */
export function staticHandler(root: string, hostAllowed: (host: string) => boolean = () => true) {
  const base = resolve(root);
  // The root's real path, read once it exists (the UI may be built after the host starts).
  let realBase: string | null = null;
  const compressed = new CompressedFiles();
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (!hostAllowed((req.headers.host ?? '').toLowerCase())) return send(res, 421, 'misdirected request: unknown Host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(res, 400, 'bad request');
    }
    if (pathname.includes('\0')) return send(res, 400, 'bad request');
    if (pathname === '/' || pathname === '') pathname = '/index.html';
    const file = resolve(join(base, normalize(pathname)));
    if (file !== base && !file.startsWith(base + sep)) return send(res, 403, 'forbidden');
    if (pathname === '/index.html' && !existsSync(file)) return send(res, 503, MISSING_UI, 'text/html; charset=utf-8');
    // 404, not 403, for dotfiles and for symlinks leading out of the root: do not reveal they exist.
    let real: string;
    let size: number;
    let mtimeMs: number;
    try {
      real = realpathSync(file);
      if (!visibleInside(base, file) || !visibleInside((realBase ??= realpathSync(base)), real)) return send(res, 404, 'not found');
      const st = statSync(real);
      if (!st.isFile()) return send(res, 404, 'not found');
      size = st.size;
      mtimeMs = st.mtimeMs;
    } catch {
      return send(res, 404, 'not found');
    }
    const type = contentTypeOf(file);
    const headers = {
      ...securityHeaders,
      'Content-Type': type,
      'Cache-Control': pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      Vary: 'Accept-Encoding',
    };
    const encoding = pickEncoding(req.headers['accept-encoding'], type, size);
    if (encoding === null) {
      res.writeHead(200, { ...headers, 'Content-Length': size });
      if (req.method === 'HEAD') return void res.end();
      return void createReadStream(real).on('error', () => res.destroy()).pipe(res);
    }
    compressed.get(real, { size, mtimeMs }, encoding, () => readFile(real)).then(
      (body) => {
        res.writeHead(200, { ...headers, 'Content-Encoding': encoding, 'Content-Length': body.length });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => send(res, 404, 'not found'), // gone between the stat and the read
    );
  };
}
