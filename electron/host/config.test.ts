import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ensureCertificate } from '../broker';
import { tempDir } from '../hub/testing/temp-dir';
import { DeviceId } from '../../shared/api/contract';
import { defaultDbPath, parseHostArgs, USAGE } from './config';
import { DEMO_DEVICES, demoDevices } from './demo';
import { allowedHosts, isLoopback, startHttpHost } from './http-host';

const tmp = tempDir('hypertcp-cfg-');
afterAll(() => tmp.cleanup());

describe('host flags and config file', () => {
  it('uses the documented defaults', () => {
    const cfg = parseHostArgs([]);
    expect(cfg).toMatchObject({ httpPort: 8090, bind: '127.0.0.1', demo: false });
    expect(cfg !== 'help' && 'tcpPort' in cfg).toBe(false); // the port saved in Settings (core.test)
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
    expect(() => parseHostArgs(['--http-port', '70000'])).toThrow(/^--http-port: must be at most 65535$/);
    expect(() => parseHostArgs(['--http-port', '99999'])).not.toThrow(/httpPort|Too big/);
    expect(() => parseHostArgs(['--admin-token', 'short'])).toThrow(/too weak/);
    expect(() => parseHostArgs(['--tls-cert', 'a.pem'])).toThrow('--tls-cert and --tls-key go together');
    expect(() => parseHostArgs(['--nope'])).toThrow(/nope/);
    expect(() => parseHostArgs(['--traffic-scan-rows', '0'])).toThrow(/^--traffic-scan-rows: must be at least 1$/);
    const file = join(tmp.dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ tcpPort: 1, evil: true }));
    expect(() => parseHostArgs(['--config', file])).toThrow(`--config ${file}: config: Unrecognized key: "evil"`);
    writeFileSync(file, JSON.stringify({ httpPort: 70000 }));
    // a file's setting is named by its key, as the user wrote it there
    expect(() => parseHostArgs(['--config', file])).toThrow(`--config ${file}: httpPort: must be at most 65535`);
    expect(() => parseHostArgs(['--config', file, '--http-port', '70001'])).toThrow(/^--http-port: must be at most 65535$/);
  });

  it('never serves plain HTTP beyond loopback', async () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(allowedHosts('127.0.0.1', 5)).toEqual(new Set(['127.0.0.1:5', 'localhost:5', '[::1]:5']));
    // names given for a loopback UI add nothing: only loopback names reach it
    expect(allowedHosts('127.0.0.1', 5, ['pi.lan'])).toEqual(new Set(['127.0.0.1:5', 'localhost:5', '[::1]:5']));
    await expect(startHttpHost({ api: {} as never, adminToken: 'x'.repeat(32), staticDir: tmp.dir, port: 0, bind: '0.0.0.0' })).rejects.toThrow(/without TLS/);
  });

  it('says where a --config file is not valid JSON without quoting it (the admin token may stand there)', () => {
    const file = join(tmp.dir, 'broken.json');
    writeFileSync(file, `{\n  "adminToken": 'SECRETSECRETSECRETSE'\n}`);
    let message = '';
    try {
      parseHostArgs(['--config', file]);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/broken\.json: not valid JSON/);
    expect(message).not.toMatch(/SECRET/);
    expect(() => parseHostArgs(['--config', join(tmp.dir, 'missing.json')])).toThrow(/ENOENT/);
  });

  it('says a --config file that is valid JSON but no object (null, a list, a number) must contain one', () => {
    const file = join(tmp.dir, 'not-object.json');
    for (const text of ['null', '[]', '42', '"text"']) {
      writeFileSync(file, text);
      expect(() => parseHostArgs(['--config', file]), text).toThrow(new RegExp(`^--config ${file}: must contain a JSON object$`));
    }
  });

  it('warns that a token on the command line is seen by other users, and takes one from --config instead', () => {
    expect(USAGE).toMatch(/--admin-token T .*other users\s+of this machine see command lines \(ps\): give your own in --config/);
    const file = join(tmp.dir, 'token.json');
    writeFileSync(file, JSON.stringify({ adminToken: 'config-admin-token-0123456789' }));
    expect(parseHostArgs(['--config', file])).toMatchObject({ adminToken: 'config-admin-token-0123456789' });
  });

  it('refuses an admin token of the user\'s own that is short or of few characters, in one line saying how to generate one', () => {
    const message = (token: string) => {
      try {
        parseHostArgs(['--admin-token', token]);
        return null;
      } catch (err) {
        return (err as Error).message;
      }
    };
    // the review's example, 21 varied characters, a repeated pair, 7 characters repeated
    for (const weak of ['aaaaaaaaaaaaaaaa', 'abcdefghijklmnopqrstu', 'ab'.repeat(16), 'abcdefg'.repeat(4)]) {
      const m = message(weak);
      expect(m, weak).toMatch(/^--admin-token: admin token too weak \(at least 22 characters, 8 of them different\): generate one with node -e "console\.log\(crypto\.randomBytes\(24\)\.toString\('base64url'\)\)", or leave it out/);
      expect(m, weak).not.toContain('\n');
    }
    // the suggested command's output, and the shortest varied one
    expect(message('3UnN8zCrmI6IuTKGtLmRNbZPlD56131B')).toBeNull();
    expect(message('abcdefgh'.repeat(2) + 'abcdef')).toBeNull();
    expect(message('bad token with spaces in it')).toMatch(/A-Z a-z 0-9 _ -/);
  });

  it('--print-token and --show-token are off unless given; showToken is no config setting (a service would print and exit)', () => {
    expect(parseHostArgs([])).toMatchObject({ printToken: false, showToken: false });
    expect(parseHostArgs(['--print-token', '--show-token'])).toMatchObject({ printToken: true, showToken: true });
    const file = join(tmp.dir, 'show.json');
    writeFileSync(file, JSON.stringify({ showToken: true }));
    expect(() => parseHostArgs(['--config', file])).toThrow(/showToken is a flag/);
    writeFileSync(file, JSON.stringify({ printToken: true }));
    expect(parseHostArgs(['--config', file])).toMatchObject({ printToken: true });
    expect(USAGE).toMatch(/--print-token .*only the first start/s);
  });

  it('--new-admin-token is a flag for one start: not a config setting, nor beside a token of the user\'s own or --show-token', () => {
    expect(parseHostArgs([])).toMatchObject({ newAdminToken: false });
    expect(parseHostArgs(['--new-admin-token'])).toMatchObject({ newAdminToken: true });
    const file = join(tmp.dir, 'rotate.json');
    writeFileSync(file, JSON.stringify({ newAdminToken: true }));
    expect(() => parseHostArgs(['--config', file])).toThrow(/newAdminToken is a flag \(--new-admin-token\)/);
    expect(() => parseHostArgs(['--new-admin-token', '--admin-token', 'given-admin-token-0123456789'])).toThrow(/does not go with --admin-token/);
    expect(() => parseHostArgs(['--new-admin-token', '--show-token'])).toThrow(/do not go together/);
    expect(USAGE).toMatch(/--new-admin-token +replace the generated admin token with a fresh one/);
  });
});

describe('--demo-devices', () => {
  it('sets the size of the simulated lab, 5 by default, bounded to 1..500, only with --demo', () => {
    expect(parseHostArgs(['--demo'])).toMatchObject({ demo: true, demoDevices: 5 });
    expect(parseHostArgs(['--demo', '--demo-devices', '200'])).toMatchObject({ demo: true, demoDevices: 200 });
    expect(parseHostArgs(['--demo', '--demo-devices', '1'])).toMatchObject({ demoDevices: 1 });
    expect(parseHostArgs(['--demo', '--demo-devices', '500'])).toMatchObject({ demoDevices: 500 });
    expect(() => parseHostArgs(['--demo', '--demo-devices', '0'])).toThrow('--demo-devices: must be from 1 to 500');
    expect(() => parseHostArgs(['--demo', '--demo-devices', '501'])).toThrow('--demo-devices: must be from 1 to 500');
    expect(() => parseHostArgs(['--demo', '--demo-devices', 'lots'])).toThrow('--demo-devices must be a number, got "lots"');
    expect(() => parseHostArgs(['--demo-devices', '50'])).toThrow('--demo-devices goes with --demo');
    expect(USAGE).toMatch(/--demo-devices N +how many simulated devices --demo starts, 1-500 \(default 5/);
  });

  it('builds the lab: the five named devices first, then relays and sensors alternating, unique ids', () => {
    expect(demoDevices()).toEqual(DEMO_DEVICES.map((d) => ({ ...d })));
    expect(demoDevices(2).map((d) => d.id)).toEqual(['lamp-1', 'heater-1']);
    const big = demoDevices(500);
    expect(big).toHaveLength(500);
    expect(new Set(big.map((d) => d.id)).size).toBe(500);
    expect(big.slice(5, 8)).toEqual([
      { kind: 'relay', id: 'relay-006' },
      { kind: 'sensor', id: 'sensor-007' },
      { kind: 'relay', id: 'relay-008' },
    ]);
    expect(big.at(-1)).toEqual({ kind: 'relay', id: 'relay-500' });
    expect(big.every((d) => DeviceId.safeParse(d.id).success)).toBe(true);
    expect(() => demoDevices(0)).toThrow(RangeError);
    expect(() => demoDevices(501)).toThrow(RangeError);
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
      ws.on('message', (d) => {
        const msg = JSON.parse(d.toString()) as { type: string };
        if (msg.type === 'result') resolve(msg); // after the host's ready
      });
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

describe('--host-name', () => {
  it('adds names a LAN UI is reached by; the machine and its mDNS name are known already', () => {
    expect(parseHostArgs([])).toMatchObject({ hostNames: [] });
    expect(parseHostArgs(['--host-name', 'pi.lan', '--host-name', 'Lab.Example'])).toMatchObject({ hostNames: ['pi.lan', 'Lab.Example'] });
    expect(() => parseHostArgs(['--host-name', 'evil.example/x'])).toThrow('--host-name "evil.example/x": a host name uses');
    expect(() => parseHostArgs(['--host-name', 'pi.lan', '--host-name', 'a b'])).toThrow(/^--host-name "a b": /);
    const own = hostname().toLowerCase();
    const hosts = allowedHosts('0.0.0.0', 8090, ['Pi.Lan']);
    for (const name of [own, `${own}.local`, 'pi.lan', '127.0.0.1']) expect(hosts.has(`${name}:8090`), name).toBe(true);
    expect(hosts.has('rebind.example:8090')).toBe(false);
  });

  it('takes an IPv6 --bind in any spelling as the browser writes it in Host ([2001:db8::1]), and ::0 as the wildcard', () => {
    expect(allowedHosts('2001:DB8:0::1', 8090).has('[2001:db8::1]:8090')).toBe(true);
    const lan = { eth0: [{ address: '192.168.1.7', family: 'IPv4', internal: false }] } as unknown as Parameters<typeof allowedHosts>[4];
    expect(allowedHosts('::0', 8090, [], 'http', lan).has('192.168.1.7:8090')).toBe(true);
  });
});
