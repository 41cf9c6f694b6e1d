import { randomBytes } from 'node:crypto';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../hub/testing/temp-dir';
import { CompressedFiles, pickEncoding } from './compressed-files';
import { staticHandler } from './static-files';

const tmp = tempDir('hypertcp-static-');
const root = join(tmp.dir, 'ui');
// script-like text: compresses well, as the UI's bundles do
const SCRIPT = Array.from({ length: 4000 }, (_, i) => `export const value${i} = ${i} * 2; // line ${i}\n`).join('');
let server: Server;
let port = 0;

beforeAll(async () => {
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>panel</title>');
  writeFileSync(join(root, 'assets/index-abc.js'), SCRIPT);
  writeFileSync(join(root, 'assets/logo.png'), randomBytes(4096));
  server = createServer(staticHandler(root));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  tmp.cleanup();
});

function get(path: string, acceptEncoding?: string, method = 'GET'): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the UI files, compressed for browsers that take it', () => {
  it('brotli when offered (as browsers do), gzip when only that is, the same bytes once decoded', async () => {
    const br = await get('/assets/index-abc.js', 'gzip, deflate, br, zstd');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(br.body.length).toBeLessThan(SCRIPT.length / 4);
    expect(brotliDecompressSync(br.body).toString()).toBe(SCRIPT);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers['content-security-policy']).toContain("script-src 'self'");

    const gz = await get('/assets/index-abc.js', 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(SCRIPT);
  });

  it('as it is without Accept-Encoding, for q=0, for images and for small files', async () => {
    for (const accept of [undefined, 'identity', 'br;q=0, gzip;q=0']) {
      const plain = await get('/assets/index-abc.js', accept);
      expect(plain.headers['content-encoding'], String(accept)).toBeUndefined();
      expect(plain.body.toString()).toBe(SCRIPT);
    }
    expect((await get('/assets/index-abc.js', 'br;q=0, gzip')).headers['content-encoding']).toBe('gzip');
    expect((await get('/assets/logo.png', 'br')).headers['content-encoding']).toBeUndefined();
    const html = await get('/index.html', 'br');
    expect(html.headers['content-encoding']).toBeUndefined(); // 35 bytes: not worth it
    expect(html.headers['cache-control']).toBe('no-cache');
  });

  it('HEAD gives the compressed length and no body', async () => {
    const head = await get('/assets/index-abc.js', 'br', 'HEAD');
    const full = await get('/assets/index-abc.js', 'br');
    expect(head.headers['content-encoding']).toBe('br');
    expect(head.headers['content-length']).toBe(full.headers['content-length']);
    expect(head.body.length).toBe(0);
  });

  it('a file rebuilt under a running host is compressed again, not served from the old copy', async () => {
    const file = join(root, 'assets/app.css');
    writeFileSync(file, `.a { color: red; }\n`.repeat(200));
    utimesSync(file, new Date(1_000_000), new Date(1_000_000));
    expect(brotliDecompressSync((await get('/assets/app.css', 'br')).body).toString()).toContain('red');
    writeFileSync(file, `.a { color: blue; }\n`.repeat(200));
    utimesSync(file, new Date(2_000_000), new Date(2_000_000));
    expect(brotliDecompressSync((await get('/assets/app.css', 'br')).body).toString()).toContain('blue');
  });
});

describe('compressed copies', () => {
  it('are made once per file version, however many requests come while one is made', async () => {
    const files = new CompressedFiles();
    const read = vi.fn(() => Promise.resolve(Buffer.from(SCRIPT)));
    const version = { size: SCRIPT.length, mtimeMs: 1 };
    const copies = await Promise.all(Array.from({ length: 5 }, () => files.get('/ui/a.js', version, 'br', read)));
    expect(read).toHaveBeenCalledTimes(1);
    expect(new Set(copies).size).toBe(1);
    await files.get('/ui/a.js', version, 'gzip', read);
    await files.get('/ui/a.js', { ...version, mtimeMs: 2 }, 'br', read);
    expect(read).toHaveBeenCalledTimes(3);
  });

  it('are bounded (oldest dropped first), and a failed read is not kept', async () => {
    const files = new CompressedFiles();
    const read = () => Promise.resolve(Buffer.from('x'.repeat(2000)));
    for (let i = 0; i < 100; i++) await files.get(`/ui/${i}.js`, { size: 2000, mtimeMs: 1 }, 'gzip', read);
    expect(files.size).toBe(64);
    const failing = vi.fn(() => Promise.reject(new Error('ENOENT')));
    await expect(files.get('/ui/gone.js', { size: 2000, mtimeMs: 1 }, 'br', failing)).rejects.toThrow('ENOENT');
    await expect(files.get('/ui/gone.js', { size: 2000, mtimeMs: 1 }, 'br', failing)).rejects.toThrow('ENOENT');
    expect(failing).toHaveBeenCalledTimes(2);
  });

  it('picks by Accept-Encoding, type and size', () => {
    const js = 'text/javascript; charset=utf-8';
    expect(pickEncoding('gzip, deflate, br, zstd', js, 5000)).toBe('br');
    expect(pickEncoding('GZIP', js, 5000)).toBe('gzip');
    expect(pickEncoding('br;q=0.0, gzip;q=0.5', js, 5000)).toBe('gzip');
    expect(pickEncoding('deflate', js, 5000)).toBeNull();
    expect(pickEncoding('br', 'image/png', 5000)).toBeNull();
    expect(pickEncoding('br', 'image/svg+xml', 5000)).toBe('br');
    expect(pickEncoding('br', js, 100)).toBeNull();
    expect(pickEncoding('br', js, 64 * 1024 * 1024)).toBeNull(); // streamed as it is: no copy in memory
  });
});
