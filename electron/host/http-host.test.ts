import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ApiServer } from '../api/server';
import { tempDir } from '../hub/testing/temp-dir';
import { allowedHosts, startHttpHost, type HttpHost } from './http-host';

const TOKEN = 'T'.repeat(32);
const api: ApiServer = { dispatch: () => Promise.resolve({ ok: true, result: 'pong' }), subscribe: () => () => {}, ack: () => {} };
const tmp = tempDir('hypertcp-http-');
const ui = join(tmp.dir, 'ui');
mkdirSync(ui);
writeFileSync(join(ui, 'index.html'), '<!doctype html><title>panel</title>');
let host: HttpHost | null = null;

afterEach(async () => {
  await host?.close();
  host = null;
});
afterAll(() => tmp.cleanup());

/** Whether this machine can listen on `address` (IPv6 loopback and 127.0.0.2 are not everywhere). */
function canListen(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(0, address, () => s.close(() => resolve(true)));
  });
}

function wsCall(url: string, origin: string): Promise<unknown> {
  const ws = new WebSocket(url, ['hypertcp.v1', `token.${TOKEN}`], { origin });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'call', id: 1, method: 'hello', params: {} })));
    ws.once('message', (data) => {
      ws.close();
      resolve(JSON.parse(data.toString()));
    });
  });
}

describe('headless host on a loopback address other than 127.0.0.1', () => {
  for (const bind of ['::1', '127.0.0.2']) {
    it(`--bind ${bind}: the URL it prints is where it serves, and the UI there gets its API`, async (ctx) => {
      if (!(await canListen(bind))) {
        const why = `skipped: this machine cannot listen on ${bind} (no such loopback address here)`;
        console.log(why);
        return ctx.skip(why);
      }
      host = await startHttpHost({ api, adminToken: TOKEN, staticDir: ui, port: 0, bind });
      const page = await fetch(`${host.origin}/`);
      expect(page.status).toBe(200);
      const apiUrl = `${host.origin.replace(/^http/, 'ws')}/api`;
      expect(await wsCall(apiUrl, host.origin)).toMatchObject({ type: 'result', id: 1, ok: true });
    });
  }
});

describe('plain HTTP only on loopback', () => {
  it('a name that merely starts with 127. is not loopback: no plain HTTP on it', async () => {
    for (const bind of ['127.0.0.1.example', '127.evil.test', '127.0.0.1:80']) {
      await expect(startHttpHost({ api, adminToken: TOKEN, staticDir: ui, port: 0, bind }), bind).rejects.toThrow(/without TLS/);
    }
  });
});

describe('static files: nothing beyond the UI folder, no dotfiles', () => {
  // ui2/ is served; outside/ sits beside it, as /etc or the database file would.
  const site = join(tmp.dir, 'ui2');
  const outside = join(tmp.dir, 'outside');
  mkdirSync(join(site, 'assets'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>panel</title>');
  writeFileSync(join(site, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(join(outside, 'secret.txt'), 'OUTSIDE-SECRET');
  writeFileSync(join(site, '.env'), 'ENV-SECRET');
  writeFileSync(join(site, 'assets', '.hidden'), 'HIDDEN-SECRET');
  mkdirSync(join(site, '.git'));
  writeFileSync(join(site, '.git', 'config'), 'GIT-SECRET');
  symlinkSync(join(outside, 'secret.txt'), join(site, 'assets', 'out.txt')); // file outside
  symlinkSync(outside, join(site, 'assets', 'outdir')); // folder outside
  symlinkSync('app.js', join(site, 'assets', 'in.js')); // file inside
  symlinkSync('../.env', join(site, 'assets', 'env.txt')); // inside, but to a dotfile

  async function get(path: string): Promise<{ status: number; type: string | null; cache: string | null; body: string }> {
    const res = await fetch(`${host!.origin}${path}`);
    return { status: res.status, type: res.headers.get('content-type'), cache: res.headers.get('cache-control'), body: await res.text() };
  }

  it('a symlink to a file or folder outside the root is 404 and its contents never sent; one inside still serves', async () => {
    host = await startHttpHost({ api, adminToken: TOKEN, staticDir: site, port: 0, bind: '127.0.0.1' });
    for (const path of ['/assets/out.txt', '/assets/outdir/secret.txt']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).not.toContain('OUTSIDE-SECRET');
    }
    const inside = await get('/assets/in.js');
    expect(inside).toMatchObject({ status: 200, body: 'console.log("app")', cache: 'public, max-age=31536000, immutable' });
    expect(inside.type).toMatch(/javascript/);
    expect((await get('/assets/app.js')).status).toBe(200);
  });

  it('/.env, /assets/.hidden, /.git/config and a symlink to a dotfile are 404, normal files 200', async () => {
    host = await startHttpHost({ api, adminToken: TOKEN, staticDir: site, port: 0, bind: '127.0.0.1' });
    for (const path of ['/.env', '/assets/.hidden', '/.git/config', '/%2eenv', '/assets/env.txt']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).not.toMatch(/ENV-SECRET|HIDDEN-SECRET|GIT-SECRET/);
    }
    expect(await get('/')).toMatchObject({ status: 200, body: '<!doctype html><title>panel</title>', cache: 'no-cache' });
    expect((await get('/assets/app.js')).status).toBe(200);
  });
});

describe('allowed Host names on a default port', () => {
  it('https on 443 (or http on 80) accepts the name alone, as browsers send it; other ports need the port', () => {
    const https = allowedHosts('0.0.0.0', 443, ['pi.lan'], 'https');
    expect(https.has('pi.lan')).toBe(true);
    expect(https.has('pi.lan:443')).toBe(true);
    expect(allowedHosts('127.0.0.1', 80, [], 'http').has('127.0.0.1')).toBe(true);
    // a bare Host means the default port: another server than plain http on 443 or https on 8090
    expect(allowedHosts('127.0.0.1', 443, [], 'http').has('127.0.0.1')).toBe(false);
    expect(allowedHosts('0.0.0.0', 8090, ['pi.lan'], 'https').has('pi.lan')).toBe(false);
    expect(allowedHosts('0.0.0.0', 8090, ['pi.lan'], 'https').has('pi.lan:8090')).toBe(true);
  });
});

describe('connection limits', () => {
  async function idle(port: number): Promise<Socket> {
    const s = netConnect(port, '127.0.0.1');
    s.on('error', () => {});
    await new Promise((resolve) => s.once('connect', resolve));
    return s;
  }
  /** Whether the server closes `s` within a moment (it sent nothing, so no timeout is due yet). */
  const closedSoon = (s: Socket) =>
    new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 300);
      s.once('close', () => {
        clearTimeout(t);
        resolve(true);
      });
    });

  it('one address holding its share of idle sockets gets no more; the UI serves again once it lets one go', async () => {
    host = await startHttpHost({ api, adminToken: TOKEN, staticDir: ui, port: 0, bind: '127.0.0.1', limits: { connections: 100, perAddress: 4 } });
    const held = await Promise.all(Array.from({ length: 4 }, () => idle(host!.port)));
    const extra = await idle(host.port);
    const closed = await Promise.all([...held, extra].map(closedSoon));
    expect(closed).toEqual([false, false, false, false, true]);
    held[0]!.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect((await fetch(`${host.origin}/`)).status).toBe(200);
    for (const s of held) s.destroy();
  });

  it('no more sockets than the total limit, whoever holds them', async () => {
    host = await startHttpHost({ api, adminToken: TOKEN, staticDir: ui, port: 0, bind: '127.0.0.1', limits: { connections: 3, perAddress: 100 } });
    const held = await Promise.all(Array.from({ length: 3 }, () => idle(host!.port)));
    const extra = await idle(host.port);
    expect(await Promise.all([...held, extra].map(closedSoon))).toEqual([false, false, false, true]);
    for (const s of held) s.destroy();
  });
});
