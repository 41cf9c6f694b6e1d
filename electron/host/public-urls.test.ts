import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { tempDir } from '../hub/testing/temp-dir';
import { fakeUi, pongApi } from './testing/http-fixture';
import { openLine } from './admin-token';
import { parseHostArgs, USAGE } from './config';
import { startHttpHost, type HttpHost } from './http-host';
import { cleartextPublicUrls } from './public-urls';

const TOKEN = 'P'.repeat(32);
const api = pongApi;
const tmp = tempDir('hypertcp-public-');
const ui = fakeUi(tmp.dir);
let host: HttpHost | null = null;
afterEach(async () => {
  await host?.close();
  host = null;
});
afterAll(() => tmp.cleanup());

const serve = (publicOrigins?: string[]) => startHttpHost({ api, adminToken: TOKEN, staticDir: ui, port: 0, bind: '127.0.0.1', publicOrigins });

/** Status of GET / on 127.0.0.1 (as the proxy connects) naming `hostHeader`; fetch would not send it. */
function getStatus(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A call over the API socket as a browser behind the proxy opens it: 'pong', or the HTTP status or close code it was refused with. */
function apiCall(port: number, headers: Record<string, string>, token = TOKEN): Promise<unknown> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, ['hypertcp.v1', `token.${token}`], { headers });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode));
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'call', id: 1, method: 'hello', params: {} })));
    ws.once('close', (code) => resolve(`close ${code}`));
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { type: string; result: unknown };
      if (msg.type !== 'result') return; // the host's ready comes first
      ws.close();
      resolve(msg.result);
    });
  });
}

describe('--public-url: the flag and config setting', () => {
  it('is repeatable, kept as origins as browsers send them (lowercase, no default port, no slash), once each', () => {
    expect(parseHostArgs(['--public-url', 'https://panel.lan'])).toMatchObject({ publicUrls: ['https://panel.lan'] });
    const cfg = parseHostArgs(['--public-url', 'HTTPS://Panel.LAN:443/', '--public-url', 'http://lab.example:8080', '--public-url', 'https://panel.lan']);
    expect(cfg).toMatchObject({ publicUrls: ['https://panel.lan', 'http://lab.example:8080'] });
    expect(parseHostArgs(['--public-url', 'https://[FD00::7]:8443'])).toMatchObject({ publicUrls: ['https://[fd00::7]:8443'] });
    expect(parseHostArgs([])).toMatchObject({ publicUrls: [] });
    expect(USAGE).toMatch(/--public-url URL/);
  });

  it('is a list in --config; the flag wins over it', () => {
    const file = join(tmp.dir, 'proxy.json');
    writeFileSync(file, JSON.stringify({ publicUrls: ['https://panel.lan', 'https://panel.example'] }));
    expect(parseHostArgs(['--config', file])).toMatchObject({ publicUrls: ['https://panel.lan', 'https://panel.example'] });
    expect(parseHostArgs(['--config', file, '--public-url', 'https://other.lan'])).toMatchObject({ publicUrls: ['https://other.lan'] });
    writeFileSync(file, JSON.stringify({ publicUrls: 'https://panel.lan' }));
    expect(() => parseHostArgs(['--config', file])).toThrow(/publicUrls: .*array/i);
  });

  it('refuses anything but scheme://host[:port] with a message that says what is wrong', () => {
    const bad: [string, RegExp][] = [
      ['panel.lan', /"panel\.lan" is not an http:\/\/ or https:\/\/ URL/],
      ['ftp://panel.lan', /not an http:\/\/ or https:\/\/ URL/],
      ['javascript:alert(1)', /not an http:\/\/ or https:\/\/ URL/],
      ['https://panel.lan/panel', /has a path, query or fragment/],
      ['https://panel.lan/?x=1', /has a path, query or fragment/],
      ['https://panel.lan#x', /has a path, query or fragment/],
      ['https://panel.lan?', /has a path, query or fragment/],
      ['https://user:pw@panel.lan', /has credentials/],
      ['https://@panel.lan', /has credentials/],
      ['https://panel.lan:99999', /not a valid URL/],
      ['https://panel.lan:0', /port must be 1-65535/],
      ['https://pa nel.lan', /has a path, query or fragment|not a valid URL/],
    ];
    for (const [url, message] of bad) {
      expect(() => parseHostArgs(['--public-url', url]), url).toThrow(message);
      expect(() => parseHostArgs(['--public-url', url]), url).toThrow(/^--public-url: /); // named as typed
    }
  });
});

describe('reverse-proxy mode: real requests on 127.0.0.1 naming the public Host and Origin', () => {
  const fromProxy = { host: 'panel.lan', origin: 'https://panel.lan' };

  it('with --public-url https://panel.lan the UI and the API serve Host panel.lan and Origin https://panel.lan', async () => {
    host = await serve(['https://panel.lan']);
    expect(await getStatus(host.port, { host: 'panel.lan' })).toBe(200);
    expect(await getStatus(host.port, { host: 'panel.lan:443' })).toBe(200); // a proxy may name the default port
    expect(await apiCall(host.port, fromProxy)).toBe('pong');
    // a proxy that does not pass Host through (nginx's default names the upstream): the browser's Origin still counts
    expect(await apiCall(host.port, { host: `127.0.0.1:${host.port}`, origin: 'https://panel.lan' })).toBe('pong');
    // the local URL keeps working as before
    expect(await getStatus(host.port, { host: `127.0.0.1:${host.port}` })).toBe(200);
    expect(await apiCall(host.port, { host: `127.0.0.1:${host.port}`, origin: `http://127.0.0.1:${host.port}` })).toBe('pong');
  });

  it('still refuses another Origin, another Host, a bad token, and http:// for an https public URL', async () => {
    host = await serve(['https://panel.lan']);
    expect(await apiCall(host.port, fromProxy)).toBe('pong'); // what is refused below differs from this in one thing
    expect(await apiCall(host.port, { host: 'panel.lan', origin: 'https://evil.example' })).toBe(403);
    expect(await apiCall(host.port, { host: 'panel.lan', origin: 'http://panel.lan' })).toBe(403); // not the proxy's origin
    expect(await apiCall(host.port, { host: 'panel.lan' })).toBe(403); // no Origin at all
    expect(await apiCall(host.port, { host: 'evil.example', origin: 'https://panel.lan' })).toBe(403);
    expect(await apiCall(host.port, { host: 'panel.lan:8443', origin: 'https://panel.lan:8443' })).toBe(403);
    expect(await apiCall(host.port, fromProxy, 'W'.repeat(32))).toBe('close 4401'); // the page is told by a close code
    expect(await getStatus(host.port, { host: 'evil.example' })).toBe(421);
    expect(await getStatus(host.port, { host: 'panel.lan:8443' })).toBe(421);
    expect(await getStatus(host.port, { host: 'panel.lan.evil.example' })).toBe(421);
  });

  it('never trusts X-Forwarded-* headers, which any client on the machine can send', async () => {
    host = await serve(['https://panel.lan']);
    const forwarded = { 'x-forwarded-host': 'panel.lan', 'x-forwarded-proto': 'https', forwarded: 'host=panel.lan;proto=https' };
    expect(await apiCall(host.port, { ...fromProxy, ...forwarded })).toBe('pong'); // as a proxy sends them: no harm either
    expect(await getStatus(host.port, { host: 'evil.example', ...forwarded })).toBe(421);
    expect(await apiCall(host.port, { host: 'evil.example', origin: 'https://evil.example', ...forwarded })).toBe(403);
    expect(await apiCall(host.port, { host: 'panel.lan', origin: 'https://evil.example', ...forwarded })).toBe(403);
  });

  it('a public URL with a port allows exactly that host:port', async () => {
    host = await serve(['https://panel.lan:8443']);
    expect(await getStatus(host.port, { host: 'panel.lan:8443' })).toBe(200);
    expect(await apiCall(host.port, { host: 'panel.lan:8443', origin: 'https://panel.lan:8443' })).toBe('pong');
    expect(await getStatus(host.port, { host: 'panel.lan' })).toBe(421);
    expect(await apiCall(host.port, fromProxy)).toBe(403);
  });

  it('without --public-url panel.lan is refused on a loopback bind, as before; the flag is what lets it in', async () => {
    host = await serve(['https://panel.lan']);
    expect(await getStatus(host.port, { host: 'panel.lan' })).toBe(200);
    await host.close();
    host = await serve();
    expect(await getStatus(host.port, { host: 'panel.lan' })).toBe(421);
    expect(await apiCall(host.port, fromProxy)).toBe(403);
    expect(await apiCall(host.port, { ...fromProxy, 'x-forwarded-host': 'panel.lan', 'x-forwarded-proto': 'https' })).toBe(403);
  });
});

describe('the start says what to open', () => {
  it('the local URL without --public-url, as before; the public URL(s) with it', () => {
    expect(openLine('http://127.0.0.1:8090/#token=T', [], 'http://127.0.0.1:8090')).toBe('Open http://127.0.0.1:8090/#token=T');
    expect(openLine('http://127.0.0.1:8090', ['https://panel.lan', 'https://panel.example'], 'http://127.0.0.1:8090')).toBe(
      'Open https://panel.lan or https://panel.example (through the reverse proxy, which forwards to this host at http://127.0.0.1:8090)',
    );
  });
});

describe('a plain http public URL', () => {
  it('is named at start when it crosses the network (the token would be readable on the way); loopback ones are not', () => {
    expect(cleartextPublicUrls(['https://panel.lan', 'http://panel.lan', 'http://localhost:8080', 'http://127.0.0.1:81', 'http://[::1]:81'])).toEqual(['http://panel.lan']);
  });
});
