import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ensureCertificate } from '../broker';
import { tempDir } from '../hub/testing/temp-dir';
import { defaultDbPath, parseHostArgs } from './config';
import { allowedHosts, isLoopback, startHttpHost } from './http-host';

const tmp = tempDir('hypertcp-cfg-');
afterAll(() => tmp.cleanup());

describe('host flags and config file', () => {
  it('uses the documented defaults', () => {
    const cfg = parseHostArgs([]);
    expect(cfg).toMatchObject({ tcpPort: 8080, httpPort: 8090, bind: '127.0.0.1', demo: false });
    expect(cfg !== 'help' && cfg.static).toBe(join(process.cwd(), 'dist/renderer'));
    expect(defaultDbPath(true)).not.toBe(defaultDbPath(false));
  });

  it('lets flags win over the config file', () => {
    const file = join(tmp.dir, 'c.json');
    writeFileSync(file, JSON.stringify({ tcpPort: 9000, httpPort: 9001, db: '/tmp/from-file.db' }));
    expect(parseHostArgs(['--config', file, '--tcp-port', '0', '--demo'])).toMatchObject({ tcpPort: 0, httpPort: 9001, db: '/tmp/from-file.db', demo: true });
    expect(parseHostArgs(['--traffic-scan-rows', '300'])).toMatchObject({ trafficScanRows: 300 });
    expect(parseHostArgs([])).not.toHaveProperty('trafficScanRows');
  });

  it('rejects bad values with readable messages', () => {
    expect(() => parseHostArgs(['--tcp-port', 'abc'])).toThrow('--tcp-port must be a number, got "abc"');
    expect(() => parseHostArgs(['--http-port', '70000'])).toThrow(/httpPort/);
    expect(() => parseHostArgs(['--admin-token', 'short'])).toThrow(/at least 16/);
    expect(() => parseHostArgs(['--tls-cert', 'a.pem'])).toThrow('--tls-cert and --tls-key go together');
    expect(() => parseHostArgs(['--nope'])).toThrow(/nope/);
    expect(() => parseHostArgs(['--traffic-scan-rows', '0'])).toThrow(/trafficScanRows/);
    const file = join(tmp.dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ tcpPort: 1, evil: true }));
    expect(() => parseHostArgs(['--config', file])).toThrow(/evil/);
  });

  it('never serves plain HTTP beyond loopback', async () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(allowedHosts('127.0.0.1', 5)).toEqual(new Set(['127.0.0.1:5', 'localhost:5', '[::1]:5']));
    await expect(startHttpHost({ api: {} as never, adminToken: 'x'.repeat(32), staticDir: tmp.dir, port: 0, bind: '0.0.0.0' })).rejects.toThrow(/without TLS/);
  });
});

describe('HTTPS host', () => {
  it('serves the API over wss with the https origin', async () => {
    const cert = await ensureCertificate(join(tmp.dir, 'tls'));
    const token = 't'.repeat(32);
    const api = { dispatch: async () => ({ ok: true as const, result: 'pong' }), subscribe: () => () => {}, ack: () => {} };
    const host = await startHttpHost({ api, adminToken: token, staticDir: tmp.dir, port: 0, bind: '127.0.0.1', tls: cert });
    expect(host.scheme).toBe('https');
    const ws = new WebSocket(`wss://127.0.0.1:${host.port}/api`, ['hypertcp.v1', `token.${token}`], { ca: cert.cert, origin: `https://127.0.0.1:${host.port}` });
    const reply = await new Promise<unknown>((resolve, reject) => {
      ws.once('open', () => ws.send(JSON.stringify({ type: 'call', id: 1, method: 'hello', params: {} })));
      ws.once('message', (d) => resolve(JSON.parse(d.toString())));
      ws.once('error', reject);
    });
    expect(reply).toEqual({ type: 'result', id: 1, ok: true, result: 'pong' });
    ws.close();
    const plainOrigin = new WebSocket(`wss://127.0.0.1:${host.port}/api`, ['hypertcp.v1', `token.${token}`], { ca: cert.cert, origin: `http://127.0.0.1:${host.port}` });
    const status = await new Promise<number>((resolve) => plainOrigin.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(403);
    await host.close();
  });
});
