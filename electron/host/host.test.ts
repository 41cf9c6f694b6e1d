import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { ensureCertificate } from '../broker';
import { machineNames } from '../broker/tls';
import { tempDir } from '../hub/testing/temp-dir';
import { HostConfig } from './config';
import { certificateNamesNotice, refusalNotices, selfSignedNotice, startHost, type Host } from './host';
import { startHttpHost } from './http-host';
import { CONTENT_SECURITY_POLICY } from './static-files';
import { MAX_CLIENTS } from './ws-binding';

let host: Host;
let origin: string;
const tmp = tempDir('hypertcp-host-');

beforeAll(async () => {
  const ui = join(tmp.dir, 'ui');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>panel</title>');
  writeFileSync(join(ui, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(tmp.dir, 'secret.txt'), 'do not serve');
  host = await startHost(HostConfig.parse({ db: join(tmp.dir, 'h.db'), tcpPort: 0, httpPort: 0, static: ui }));
  origin = `http://127.0.0.1:${host.http.port}`;
});

afterAll(async () => {
  await host.close();
  tmp.cleanup();
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.http.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

type Opened = { ws: WebSocket; protocol: string };
function connect(opts: { token?: string | null; origin?: string; host?: string } = {}): Promise<Opened> {
  const protocols = ['hypertcp.v1', ...(opts.token === null ? [] : [`token.${opts.token ?? host.adminToken}`])];
  const ws = new WebSocket(`ws://127.0.0.1:${host.http.port}/api`, protocols, {
    origin: opts.origin ?? origin,
    headers: opts.host ? { host: opts.host } : {},
  });
  return new Promise((resolve, reject) => {
    // a socket the host serves says ready first; one it closes at once (a wrong token, too many
    // sockets) gets only its close code
    ws.once('message', (data) => (String(data) === '{"type":"ready"}' ? resolve({ ws, protocol: ws.protocol }) : reject(new Error(`first message ${String(data)}`))));
    ws.once('close', (code) => reject(new Error(`closed ${code}`)));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function rpc(ws: WebSocket, id: number, method: string, params: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      if (msg.type === 'result' && msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'call', id, method, params }));
  });
}

describe('headless host: static UI', () => {
  it('serves the UI with a strict CSP and never outside its folder', async () => {
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect((await get('/assets/app.js')).headers['content-type']).toMatch(/javascript/);
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const res = await get(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.body).not.toContain('do not serve');
    }
  });
});

describe('headless host: HTTP hardening', () => {
  it('every answer, error pages too, carries the security headers; nothing is framed, sniffed or sent as a Referer', async () => {
    for (const [path, headers] of [['/', {}], ['/nope', {}], ['/', { host: `rebind.example:${host.http.port}` }]] as const) {
      const res = await get(path, headers);
      expect(res.headers['content-security-policy'], path).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers['x-frame-options'], path).toBe('DENY');
      expect(res.headers['referrer-policy'], path).toBe('no-referrer');
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect((await get('/')).headers['cache-control']).toBe('no-cache');
  });

  it('has no state-changing HTTP endpoint (nothing for a cross-site form to post to): other methods are 405', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      for (const path of ['/', '/api']) {
        const status = await new Promise<number>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port: host.http.port, path, method, headers: { 'content-type': 'application/json' } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end('{"type":"call","id":1,"method":"tokens.create","params":{"id":"csrf"}}');
        });
        expect(status, `${method} ${path}`).toBe(405);
      }
    }
    expect(host.core.tokens.status('csrf')).toBe('none');
  });

  it('null bytes, backslashes and double encoding do not reach outside the UI folder', async () => {
    for (const path of ['/assets/app.js%00.html', '/%00', '/..%5csecret.txt', '/assets/..%5c..%5csecret.txt', '/%252e%252e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt']) {
      const res = await get(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.body, path).not.toContain('do not serve');
    }
  });
});

describe('headless host: DNS rebinding', () => {
  it('serves nothing to a page whose Host is not this server (evil.example resolving to 127.0.0.1)', async () => {
    for (const path of ['/', '/assets/app.js']) {
      const res = await get(path, { host: `rebind.example:${host.http.port}` });
      expect(res.status, path).toBe(421);
      expect(res.body).not.toContain('panel');
      expect(res.body).not.toContain('console.log');
    }
    expect((await get('/', { host: `localhost:${host.http.port}` })).status).toBe(200);
  });
});

describe('headless host: WebSocket API', () => {
  it('accepts the admin token and answers calls with the hypertcp.v1 subprotocol', async () => {
    const { ws, protocol } = await connect();
    expect(protocol).toBe('hypertcp.v1');
    const hello = await rpc(ws, 1, 'hello', {});
    expect(hello).toMatchObject({ ok: true, result: { mode: 'headless', tcpPort: host.core.tcpPort } });
    const bad = await rpc(ws, 2, 'tokens.create', { id: 'bad id!' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    ws.close();
  });

  it('refuses a connection without a token, with a wrong token, a foreign Origin or Host', async () => {
    await expect(connect({ token: null })).rejects.toThrow('closed 4401');
    await expect(connect({ token: 'x'.repeat(32) })).rejects.toThrow('closed 4401');
    await expect(connect({ origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(connect({ origin: `http://127.0.0.1:${host.http.port + 1}` })).rejects.toThrow('HTTP 403');
    await expect(connect({ host: `rebind.example:${host.http.port}`, origin: `http://rebind.example:${host.http.port}` })).rejects.toThrow('HTTP 403');
  });

  it('takes the token only from the subprotocol, never from the query string (which logs and Referers keep)', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.http.port}/api?token=${host.adminToken}`, ['hypertcp.v1'], { origin });
    const code = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('close', (c) => resolve(c));
    });
    expect(code).toBe(4401);
  });

  it('answers an unknown method with unknown_method and keeps serving; closes on binary frames and bad acks', async () => {
    const { ws } = await connect();
    expect(await rpc(ws, 1, 'no.such.method', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(await rpc(ws, 2, '__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(await rpc(ws, 3, 'hello', {})).toMatchObject({ ok: true });
    for (const [frame, code] of [[Buffer.from('{"type":"ack","seq":1}'), 1003], ['{"type":"ack","seq":"1"}', 1008], ['[1,2]', 1008], ['null', 1008]] as const) {
      const { ws: other } = await connect();
      const closed = new Promise<number>((resolve) => other.once('close', (c) => resolve(c)));
      other.send(frame);
      expect(await closed, String(frame)).toBe(code);
    }
    ws.close();
  });

  it('a web page knocking again and again (a foreign Origin) cannot flood the UI with refusal notices', async () => {
    const refusals: string[] = [];
    const unsubscribe = host.core.api.subscribe((batch) => {
      for (const n of batch.notices ?? []) if (/refused/.test(n.text)) refusals.push(n.text);
      host.core.api.ack(batch.seq);
    });
    for (let i = 0; i < 30; i++) {
      await expect(connect({ origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 150)); // over several event batches
    }
    await new Promise((r) => setTimeout(r, 300));
    unsubscribe();
    expect(refusals.length).toBeLessThanOrEqual(2); // one, and one summing up the rest
  });

  it('closes a socket that sends a message over 64 KiB with 1009, and others keep working', async () => {
    const { ws } = await connect();
    const other = await connect();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ type: 'call', id: 1, method: 'hello', params: { pad: 'x'.repeat(70 * 1024) } }));
    expect(await closed).toBe(1009);
    expect(await rpc(other.ws, 7, 'hello', {})).toMatchObject({ ok: true });
    other.ws.close();
  });

  it(`refuses more than ${MAX_CLIENTS} API sockets at once`, async () => {
    const open = await Promise.all(Array.from({ length: MAX_CLIENTS }, () => connect()));
    await expect(connect()).rejects.toThrow('closed 1013');
    for (const o of open) o.ws.close();
    await new Promise((r) => setTimeout(r, 200));
    const again = await connect();
    again.ws.close();
  });

  it('answers a call whose payload is too deep to check with invalid_params, and keeps serving', async () => {
    const { ws } = await connect();
    const deep = `{"type":"call","id":1,"method":"messages.send","params":{"to":"lamp","payload":{"a":${'['.repeat(30_000)}${']'.repeat(30_000)}}}}`;
    expect(deep.length).toBeLessThan(64 * 1024);
    const reply = new Promise<Record<string, unknown>>((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()) as Record<string, unknown>)));
    ws.send(deep);
    expect(await reply).toMatchObject({ type: 'result', id: 1, ok: false, error: { code: 'invalid_params' } });
    expect(await rpc(ws, 2, 'hello', {})).toMatchObject({ ok: true });
    ws.close();
  });

  it('closes a socket that sends something other than a call or an ack', async () => {
    const { ws } = await connect();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('not json');
    expect(await closed).toBe(1007);
  });

  it('pushes event batches and waits for the ack before the next one', async () => {
    const { ws } = await connect();
    const batches: { seq: number }[] = [];
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { type: string; batch?: { seq: number } };
      if (msg.type === 'events') batches.push(msg.batch!);
    });
    await rpc(ws, 1, 'tokens.create', { id: 'ws-dev-1' });
    await new Promise((r) => setTimeout(r, 300));
    expect(batches.length).toBe(1);
    await rpc(ws, 2, 'tokens.create', { id: 'ws-dev-2' });
    await new Promise((r) => setTimeout(r, 300));
    expect(batches.length).toBe(1);
    ws.send(JSON.stringify({ type: 'ack', seq: batches[0]!.seq }));
    await new Promise((r) => setTimeout(r, 300));
    expect(batches.length).toBe(2);
    ws.close();
  });
});

describe('refusal notices', () => {
  it('says the first at once and sums up the rest of the window', () => {
    vi.useFakeTimers();
    try {
      const said: string[] = [];
      const r = refusalNotices((t) => said.push(t), 10_000);
      for (let i = 0; i < 50; i++) r.refused('Forbidden: bad Origin', '127.0.0.1');
      expect(said).toEqual(['API connection from 127.0.0.1 refused: Forbidden: bad Origin']);
      vi.advanceTimersByTime(10_000);
      expect(said.slice(1)).toEqual(['49 more API connections refused in the last 10 s']);
      r.refused('Unauthorized: bad token', '127.0.0.1');
      expect(said.at(-1)).toBe('API connection from 127.0.0.1 refused: Unauthorized: bad token');
      r.close();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('self-signed certificate notice', () => {
  it('prints the SHA-256 fingerprint the browser is shown, so a certificate made up in the middle can be told apart', async () => {
    const dir = join(tmp.dir, 'tls');
    const tls = await ensureCertificate(dir);
    const api = { dispatch: () => Promise.resolve({ ok: true as const, result: null }), subscribe: () => () => {}, ack: () => {} };
    const https = await startHttpHost({ api, adminToken: 'T'.repeat(32), staticDir: tmp.dir, port: 0, bind: '127.0.0.1', tls });
    try {
      const shown = await new Promise<string>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port: https.port, rejectUnauthorized: false }, () => {
          resolve(s.getPeerCertificate().fingerprint256);
          s.end();
        });
        s.on('error', reject);
      });
      expect(shown).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(selfSignedNotice(dir, tls.cert)).toContain(shown);
    } finally {
      await https.close();
    }
  });

  it('--bind 0.0.0.0 generates a certificate naming the machine and --host-name names, and says which names it covers', async () => {
    const said: string[] = [];
    const lan = await startHost(HostConfig.parse({ db: join(tmp.dir, 'lan', 'h.db'), tcpPort: 0, httpPort: 0, bind: '0.0.0.0', brokerBind: '127.0.0.1', hostNames: ['Pi.Lan'], static: tmp.dir }), (l) => said.push(l));
    try {
      const served = await new Promise<X509Certificate>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port: lan.http.port, rejectUnauthorized: false }, () => {
          resolve(new X509Certificate(s.getPeerCertificate(true).raw));
          s.end();
        });
        s.on('error', reject);
      });
      const own = hostname().toLowerCase();
      for (const name of ['pi.lan', own, 'localhost']) expect(served.checkHost(name), name).toBe(name);
      const notice = said.find((l) => l.startsWith('the HTTPS certificate covers '));
      expect(notice).toBe(certificateNamesNotice(served.toString(), join(tmp.dir, 'lan', 'web-tls')));
      expect(notice).toContain('pi.lan');
      expect(notice).toContain(`${own}.local`);
      expect(statSync(join(tmp.dir, 'lan')).mode & 0o777).toBe(0o700); // the data folder, made with the certificate
    } finally {
      await lan.close();
    }
  });

  it('a start with a new --host-name makes a new certificate naming it too, keeping the old pair as .bak; the same or fewer names keep it', async () => {
    const dir = join(tmp.dir, 'renew', 'web-tls');
    const deviceCert = () => readFileSync(join(tmp.dir, 'renew', 'tls', 'broker-cert.pem'), 'utf8');
    const start = async (hostNames: string[]) => {
      const said: string[] = [];
      const lan = await startHost(HostConfig.parse({ db: join(tmp.dir, 'renew', 'h.db'), tcpPort: 0, httpPort: 0, bind: '0.0.0.0', brokerBind: '127.0.0.1', hostNames, static: tmp.dir }), (l) => said.push(l));
      await lan.close();
      const cert = readFileSync(join(dir, 'broker-cert.pem'), 'utf8');
      return { said, cert, key: readFileSync(join(dir, 'broker-key.pem'), 'utf8'), fingerprint: new X509Certificate(cert).fingerprint256 };
    };
    const madeNew = (said: string[]) => said.filter((l) => l.startsWith('made a new HTTPS certificate'));
    const first = await start(['a.lan', 'old.lan']);
    expect(madeNew(first.said)).toEqual([]); // the first one is generated, not made again
    const devices = deviceCert();
    expect(new X509Certificate(devices).checkHost('a.lan')).toBe('a.lan'); // devices may reach it by a --host-name too
    expect(devices).not.toBe(first.cert); // a pair of their own

    const second = await start(['a.lan', 'b.lan']);
    expect(second.fingerprint).not.toBe(first.fingerprint);
    const renewed = new X509Certificate(second.cert);
    for (const name of ['b.lan', 'a.lan', 'old.lan', hostname().toLowerCase()]) expect(renewed.checkHost(name), name).toBe(name);
    expect(readFileSync(join(dir, 'broker-cert.pem.bak'), 'utf8')).toBe(first.cert);
    expect(readFileSync(join(dir, 'broker-key.pem.bak'), 'utf8')).toBe(first.key);
    expect(madeNew(second.said)).toEqual([`made a new HTTPS certificate adding b.lan (the old pair is kept as ${join(dir, 'broker-cert.pem')}.bak and ${join(dir, 'broker-key.pem')}.bak; browsers ask to accept the new one; devices keep theirs)`]);
    expect(deviceCert()).toBe(devices); // devices pin theirs: never made again (PROTOCOL.md)
    expect(second.said).toContain(selfSignedNotice(dir, second.cert)); // the fingerprint printed is the new one's

    for (const names of [['a.lan', 'b.lan'], ['b.lan']]) {
      const again = await start(names);
      expect(again.fingerprint, names.join()).toBe(second.fingerprint);
      expect(madeNew(again.said)).toEqual([]);
    }
  });

  it('an install from before the panel had a pair of its own keeps serving the one its browsers accepted, key owner-only', async () => {
    const old = await ensureCertificate(join(tmp.dir, 'upgrade', 'tls'), { names: machineNames() });
    const lan = await startHost(HostConfig.parse({ db: join(tmp.dir, 'upgrade', 'h.db'), tcpPort: 0, httpPort: 0, bind: '0.0.0.0', brokerBind: '127.0.0.1', static: tmp.dir }), () => {});
    try {
      const served = await new Promise<string>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port: lan.http.port, rejectUnauthorized: false }, () => {
          resolve(s.getPeerCertificate().fingerprint256);
          s.end();
        });
        s.on('error', reject);
      });
      expect(served).toBe(new X509Certificate(old.cert).fingerprint256);
      expect(statSync(join(tmp.dir, 'upgrade', 'web-tls', 'broker-key.pem')).mode & 0o777).toBe(0o600);
    } finally {
      await lan.close();
    }
  });

  it('with the user\'s own certificate beyond loopback, says which names it covers, and never remakes it though it lacks names', async () => {
    const own = await ensureCertificate(join(tmp.dir, 'own-tls'), { names: { dns: ['panel.example'], ips: ['127.0.0.1'] } });
    const said: string[] = [];
    const lan = await startHost(HostConfig.parse({ db: join(tmp.dir, 'own', 'h.db'), tcpPort: 0, httpPort: 0, bind: '0.0.0.0', brokerBind: '127.0.0.1', hostNames: ['b.lan'], tlsCert: own.certPath, tlsKey: own.keyPath, static: tmp.dir }), (l) => said.push(l));
    await lan.close();
    expect(said).toEqual([certificateNamesNotice(own.cert)]);
    expect(said[0]).toContain('covers panel.example, 127.0.0.1;');
    expect(readFileSync(own.certPath, 'utf8')).toBe(own.cert);
    expect(readFileSync(own.keyPath, 'utf8')).toBe(own.key);
    expect(existsSync(`${own.certPath}.bak`)).toBe(false);
  });

  it('the names notice lists DNS names then addresses, and for a generated one that new names remake it', async () => {
    const tls = await ensureCertificate(join(tmp.dir, 'tls-names'), { names: { dns: ['localhost', 'labpi'], ips: ['127.0.0.1', 'fd00::7'] } });
    expect(certificateNamesNotice(tls.cert)).toBe('the HTTPS certificate covers localhost, labpi, 127.0.0.1, fd00::7; reaching the UI by another name or address adds a name-mismatch warning');
    expect(certificateNamesNotice(tls.cert, '/d/tls')).toContain('generated in /d/tls: a start that finds a new host name, --host-name or IPv4 address makes a new one');
  });
});
