import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentTypeOf } from '../host/static-files';
import { APP_SCHEME_PRIVILEGES, appUrlOf, resolveAppFile, serveAppRequest } from './app-scheme';
import { CSP_HEADER } from './csp';

// A built renderer folder, with the data folder's database right beside it.
const base = mkdtempSync(join(tmpdir(), 'app-scheme-'));
const rendererDir = join(base, 'renderer');
mkdirSync(join(rendererDir, 'assets'), { recursive: true });
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>panel</title>');
writeFileSync(join(rendererDir, 'assets', 'index-abc.js'), 'export {};');
writeFileSync(join(rendererDir, 'assets', 'index-abc.css'), 'body{}');
writeFileSync(join(rendererDir, '.env'), 'SECRET');
writeFileSync(join(base, 'hypertcp.db'), 'SECRET');
afterAll(() => rmSync(base, { recursive: true, force: true }));

const get = async (url: string, method = 'GET') => {
  const response = await serveAppRequest({ url, method }, rendererDir);
  return { status: response.status, type: response.headers.get('content-type'), csp: response.headers.get('content-security-policy'), body: await response.text() };
};

describe('app:// scheme', () => {
  it('serves the built page and its assets with their types, our CSP and nosniff', async () => {
    const page = await serveAppRequest({ url: 'app://panel/index.html', method: 'GET' }, rendererDir);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CSP_HEADER);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<title>panel</title>');
    expect(await get('app://panel/assets/index-abc.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8', body: 'export {};' });
    expect(await get('app://panel/assets/index-abc.css')).toMatchObject({ status: 200, type: 'text/css; charset=utf-8' });
    // the page's own routes live in the hash; a query changes no file
    expect(await get('app://panel/index.html?x=1#/devices')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(await get('app://panel/index.html', 'HEAD')).toMatchObject({ status: 200, body: '' });
  });

  it('names each type by extension, and unknown ones as bytes', () => {
    const types: [string, string][] = [
      ['a.html', 'text/html; charset=utf-8'],
      ['a.js', 'text/javascript; charset=utf-8'],
      ['a.mjs', 'text/javascript; charset=utf-8'],
      ['a.css', 'text/css; charset=utf-8'],
      ['a.json', 'application/json'],
      ['a.svg', 'image/svg+xml'],
      ['icon-32.PNG', 'image/png'],
      ['f.woff2', 'font/woff2'],
      ['notify-sw.js', 'text/javascript; charset=utf-8'],
      ['hypertcp.db', 'application/octet-stream'],
      ['noext', 'application/octet-stream'],
    ];
    for (const [file, type] of types) expect(contentTypeOf(file), file).toBe(type);
  });

  it('refuses every way out of the renderer folder, and never reads what lies beside it', async () => {
    const escapes: [string, number][] = [
      ['app://panel/../hypertcp.db', 403],
      ['app://panel/%2e%2e/hypertcp.db', 403],
      ['app://panel/%2E%2E/hypertcp.db', 403],
      ['app://panel/assets/../../hypertcp.db', 403],
      ['app://panel/assets/..%2f..%2fhypertcp.db', 403],
      ['app://panel/..%5chypertcp.db', 403],
      ['app://panel/assets\\..\\..\\hypertcp.db', 403],
      ['app://panel/%2fetc%2fpasswd', 403],
      ['app://panel/C:%5cWindows%5cwin.ini', 403],
      ['app://panel/index.html::$DATA', 403],
      ['app://panel/index.html%00.png', 403],
      ['app://panel/.env', 403],
      ['app://panel/./index.html', 403],
      ['app://panel//etc/passwd', 404],
      ['app://panel/%zz', 400],
    ];
    for (const [url, status] of escapes) {
      const answer = await get(url);
      expect(answer.status, url).toBe(status);
      expect(answer.body, url).not.toContain('SECRET');
      expect(answer.csp, url).toBe(CSP_HEADER);
    }
  });

  it('answers 404 for what is not there or not ours, and 405 for anything but GET and HEAD', async () => {
    for (const url of [
      'app://panel/missing.js',
      'app://panel/assets', // a folder
      'app://panel/',
      'app://evil/index.html',
      'app://panel.evil/index.html',
      'app://user@panel/index.html',
      'app://panel:8080/index.html',
      `file://${rendererDir}/index.html`,
    ]) {
      expect((await get(url)).status, url).toBe(404);
    }
    expect((await get('app://panel/index.html', 'POST')).status).toBe(405);
  });

  it('resolves to the file itself, inside the folder', () => {
    expect(resolveAppFile('app://panel/assets/index-abc.js', rendererDir)).toEqual({ status: 200, file: join(rendererDir, 'assets', 'index-abc.js') });
    expect(resolveAppFile('app://panel/a%20b%25.js', rendererDir)).toEqual({ status: 200, file: join(rendererDir, 'a b%.js') });
    expect(appUrlOf('index.html')).toBe('app://panel/index.html');
  });

  it('is registered as a secure standard scheme with fetch, and no CSP bypass or cross-origin reads', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } });
  });
});
