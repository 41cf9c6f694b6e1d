import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { tempDir } from '../hub/testing/temp-dir';
import { fakeUi, pongApi } from './testing/http-fixture';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { ensureCertificate } from '../broker';
import type { InterfaceList } from '../broker/tls';
import { ADDRESS_CACHE_MS, hostCheck, ipLiteralHost } from './allowed-hosts';
import { allowedHosts, startHttpHost, type HttpHost } from './http-host';

const TOKEN = 'T'.repeat(32);
const api = pongApi;
const tmp = tempDir('hypertcp-http-');
const ui = fakeUi(tmp.dir);
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
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { type: string };
      if (msg.type !== 'result') return; // the host's ready comes first
      ws.close();
      resolve(msg);
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

describe('idle connections', () => {
  const idle = { firstRequestMs: 300, keepAliveMs: 300 };
  /** Ms until the server closes `s`, or null if it is still open after `ms`. */
  const closedAfter = (s: Socket, ms: number) =>
    new Promise<number | null>((resolve) => {
      const start = Date.now();
      const t = setTimeout(() => resolve(null), ms);
      s.once('close', () => {
        clearTimeout(t);
        resolve(Date.now() - start);
      });
    });

  it('a plain HTTP connection that sends nothing is closed within the idle bound', async () => {
    host = await startHttpHost({ api, adminToken: TOKEN, staticDir: ui, port: 0, bind: '127.0.0.1', idle });
    const s = netConnect(host.port, '127.0.0.1');
    s.on('error', () => {});
    await new Promise((resolve) => s.once('connect', resolve));
    const after = await closedAfter(s, 3_000);
    expect(after).not.toBeNull();
    expect(after!).toBeGreaterThanOrEqual(idle.firstRequestMs - 50);
    s.destroy();
  });

  it('an HTTPS connection that completes its handshake and then sends nothing is closed within the idle bound', async () => {
    const tls = await ensureCertificate(join(tmp.dir, 'tls'));
    host = await startHttpHost({ api, adminToken: TOKEN, staticDir: ui, port: 0, bind: '127.0.0.1', tls, idle });
    const s = tlsConnect({ port: host.port, host: '127.0.0.1', rejectUnauthorized: false });
    s.on('error', () => {});
    await new Promise((resolve) => s.once('secureConnect', resolve));
    expect(await closedAfter(s, 3_000)).not.toBeNull();
    s.destroy();
  });

  it('a kept-alive connection that sends no second request is closed within the keep-alive bound (and Node\'s 1 s margin)', async () => {
    host = await startHttpHost({ api, adminToken: TOKEN, staticDir: ui, port: 0, bind: '127.0.0.1', idle });
    const s = netConnect(host.port, '127.0.0.1');
    s.on('error', () => {});
    await new Promise((resolve) => s.once('connect', resolve));
    const answered = new Promise((resolve) => s.once('data', resolve));
    s.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nConnection: keep-alive\r\n\r\n`);
    expect(String(await answered)).toMatch(/^HTTP\/1\.1 200 /);
    // Node's default would be 5 s + 1 s
    expect(await closedAfter(s, 3_000)).not.toBeNull();
    s.destroy();
  });

  it('an API WebSocket that stays quiet well past the idle bound stays open and is served (its heartbeat watches it)', async () => {
    const tls = await ensureCertificate(join(tmp.dir, 'tls'));
    for (const secure of [false, true]) {
      host = await startHttpHost({ api, adminToken: TOKEN, staticDir: ui, port: 0, bind: '127.0.0.1', idle, ...(secure ? { tls } : {}) });
      const origin = `${secure ? 'https' : 'http'}://127.0.0.1:${host.port}`;
      const ws = new WebSocket(`${secure ? 'wss' : 'ws'}://127.0.0.1:${host.port}/api`, ['hypertcp.v1', `token.${TOKEN}`], { origin, rejectUnauthorized: false });
      let pings = 0;
      ws.on('ping', () => pings++);
      await new Promise((resolve, reject) => {
        ws.once('message', resolve); // the host's ready
        ws.once('error', reject);
      });
      let closed = false;
      ws.once('close', () => (closed = true));
      await new Promise((r) => setTimeout(r, 5 * idle.firstRequestMs));
      expect(closed, origin).toBe(false);
      expect(pings, origin).toBe(0); // quiet both ways: the heartbeat pings every 30 s
      const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
      ws.send(JSON.stringify({ type: 'call', id: 1, method: 'hello', params: {} }));
      expect(JSON.parse(await reply), origin).toMatchObject({ type: 'result', id: 1, ok: true });
      ws.close();
      await host.close();
      host = null;
    }
  });
});

const iface = (address: string): InterfaceList[string] => [
  address.includes(':')
    ? { address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: `${address}/64`, scopeid: 0 }
    : { address, netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: `${address}/24` },
];

describe('Host header after the machine\'s addresses change (DHCP)', () => {
  /** Status of a real HTTP(S) request to 127.0.0.1 that names `hostHeader` (fetch would not send it). */
  function status(port: number, hostHeader: string, secure = true): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = (secure ? httpsRequest : httpRequest)({ host: '127.0.0.1', port, path: '/', headers: { host: hostHeader }, rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('--bind 0.0.0.0 serves an address the machine has now, with the right port; never a new name or another port', async () => {
    let list: InterfaceList = { eth0: iface('192.168.1.23') };
    const tls = await ensureCertificate(join(tmp.dir, 'tls'));
    host = await startHttpHost({ api, adminToken: TOKEN, staticDir: ui, port: 0, bind: '0.0.0.0', tls, interfaces: () => list });
    const p = host.port;
    expect(await status(p, `192.168.1.23:${p}`)).toBe(200);
    list = { eth0: iface('10.0.0.7'), wlan0: iface('fd00::7') }; // DHCP gave new addresses
    expect(await status(p, `10.0.0.7:${p}`)).toBe(200);
    expect(await status(p, `[FD00:0::7]:${p}`)).toBe(200);
    // the API too: the page loaded from the new address opens its WebSocket there
    const ws = new WebSocket(`wss://127.0.0.1:${p}/api`, ['hypertcp.v1', `token.${TOKEN}`], { headers: { host: `10.0.0.7:${p}` }, origin: `https://10.0.0.7:${p}`, rejectUnauthorized: false });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('unexpected-response', (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    ws.close();
    expect(await status(p, `10.0.0.7:${p + 1}`)).toBe(421);
    expect(await status(p, '10.0.0.7')).toBe(421); // bare means 443
    expect(await status(p, `10.0.0.8:${p}`)).toBe(421);
    expect(await status(p, `rebind.example:${p}`)).toBe(421);
    // the addresses known at start stay allowed (the URL printed then may still be open)
    expect(await status(p, `192.168.1.23:${p}`)).toBe(200);
  });

  it('a loopback bind stays strict: a machine address is not its Host', async () => {
    host = await startHttpHost({ api, adminToken: TOKEN, staticDir: ui, port: 0, bind: '127.0.0.1', interfaces: () => ({ eth0: iface('192.168.1.23') }) });
    expect(await status(host.port, `192.168.1.23:${host.port}`, false)).toBe(421);
    expect(await status(host.port, `127.0.0.1:${host.port}`, false)).toBe(200);
    const check = hostCheck({ bind: '127.0.0.1', port: 8090, scheme: 'http', interfaces: () => ({ eth0: iface('192.168.1.23') }) });
    expect(check('192.168.1.23:8090')).toBe(false);
    expect(check('127.0.0.1:8090')).toBe(true);
  });

  it('reads the interfaces at most once per ADDRESS_CACHE_MS however many unknown Hosts arrive', () => {
    let t = 0;
    let reads = 0;
    let list: InterfaceList = { eth0: iface('192.168.1.23') };
    const check = hostCheck({ bind: '0.0.0.0', port: 8090, scheme: 'https', now: () => t, interfaces: () => (reads++, list) });
    reads = 0; // the one read at start
    list = { eth0: iface('10.0.0.7') };
    for (let i = 0; i < 100; i++) expect(check(`10.0.0.${i}:8090`)).toBe(i === 7);
    expect(reads).toBe(1);
    list = { eth0: iface('10.0.0.8') };
    t = ADDRESS_CACHE_MS - 1;
    expect(check('10.0.0.8:8090')).toBe(false);
    t = ADDRESS_CACHE_MS;
    expect(check('10.0.0.8:8090')).toBe(true);
    expect(check('10.0.0.7:8090')).toBe(false); // an address given up is refused again
    expect(reads).toBe(2);
  });

  it('takes only plain IP literals: no names, no numeric forms a URL parser would rewrite', () => {
    expect(ipLiteralHost('10.0.0.7:8090', 8090, 'https')).toBe('10.0.0.7');
    expect(ipLiteralHost('10.0.0.7', 443, 'https')).toBe('10.0.0.7');
    expect(ipLiteralHost('[fd00:0:0::7]:8090', 8090, 'https')).toBe('fd00::7');
    for (const bad of ['167772167:8090', '0xa.0.0.7:8090', '10.0.0.7.nip.io:8090', 'fd00::7:8090', '[fd00::7]x:8090', '10.0.0.7:08090x']) {
      expect(ipLiteralHost(bad, 8090, 'https'), bad).toBeNull();
    }
  });
});
