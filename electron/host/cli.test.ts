import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { V2Client } from '../broker/testing/v2-client';
import { tempDir } from '../hub/testing/temp-dir';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const tmp = tempDir('hypertcp-cli-');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  tmp.cleanup();
});

interface Ready { url: string; httpPort: number; tcpPort: number; udpPort: number | null; adminToken?: string; publicUrls?: string[] }

/** Starts the CLI on the test's database; `lines` gathers stdout and stderr (both may end up in a log). */
async function startCli(extra: string[] = []): Promise<{ child: ChildProcess; ready: Ready; lines: string[] }> {
  mkdirSync(join(tmp.dir, 'ui'), { recursive: true });
  writeFileSync(join(tmp.dir, 'ui', 'index.html'), '<!doctype html>');
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--db', join(tmp.dir, 'host.db'), '--tcp-port', '0', '--http-port', '0', '--static', join(tmp.dir, 'ui'), ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no HYPERTCP_READY; output: ${lines.join('\n')}`)), 15_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.startsWith('HYPERTCP_READY ')) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice('HYPERTCP_READY '.length)) as Ready);
      }
    });
    child.once('exit', (code) => reject(new Error(`host exited with ${code}`)));
  });
  return { child, ready, lines };
}

/** The lines after HYPERTCP_READY may still be on their way when it resolves. */
async function untilPrinted(lines: string[], text: string, ms = 5_000): Promise<void> {
  for (const end = Date.now() + ms; !lines.some((l) => l.includes(text)); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > end) throw new Error(`never printed "${text}"; output:\n${lines.join('\n')}`);
  }
}

function client(ready: Ready, token = ready.adminToken) {
  const ws = new WebSocket(`ws://127.0.0.1:${ready.httpPort}/api`, ['hypertcp.v1', `token.${token}`], { origin: `http://127.0.0.1:${ready.httpPort}` });
  let id = 0;
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    async call(method: string, params: unknown): Promise<unknown> {
      await opened;
      const mine = ++id;
      return new Promise((resolve, reject) => {
        const onMessage = (data: WebSocket.RawData) => {
          const msg = JSON.parse(data.toString()) as { type: string; id: number; ok: boolean; result?: unknown; error?: { message: string } };
          if (msg.type !== 'result' || msg.id !== mine) return;
          ws.off('message', onMessage);
          if (msg.ok) resolve(msg.result);
          else reject(new Error(msg.error!.message));
        };
        ws.on('message', onMessage);
        ws.send(JSON.stringify({ type: 'call', id: mine, method, params }));
      });
    },
  };
}

/** Runs `--show-token` with `args` (not startCli's port flags) and waits for it to exit 0. */
async function showToken(args: string[]): Promise<{ out: string; err: string }> {
  const shown = spawn(process.execPath, ['--import', 'tsx', CLI, ...args, '--show-token'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(shown);
  let out = '';
  let err = '';
  shown.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  shown.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  expect(await new Promise((resolve) => shown.once('exit', resolve))).toBe(0);
  return { out, err };
}

/** How the API answers `token`: 'served' (its ready message), or the code it closes the socket with. */
function answerTo(ready: Ready, token: string): Promise<'served' | number> {
  const ws = new WebSocket(`ws://127.0.0.1:${ready.httpPort}/api`, ['hypertcp.v1', `token.${token}`], { origin: `http://127.0.0.1:${ready.httpPort}` });
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => {
      ws.close();
      if (String(data) === '{"type":"ready"}') resolve('served');
      else reject(new Error(`first message ${String(data)}`));
    });
    ws.once('close', (code) => resolve(code));
    ws.once('error', reject);
  });
}

/** Runs the CLI with `args` until it exits; its exit code and what it wrote. */
async function runCli(args: string[]): Promise<{ code: unknown; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  return { code, out, err };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('headless host CLI', () => {
  it('prints HYPERTCP_READY, shuts down on SIGTERM, and a restart keeps devices, tokens, saved commands, settings and the log', async () => {
    const first = await startCli();
    expect(first.ready.url).toBe(`http://127.0.0.1:${first.ready.httpPort}/#token=${first.ready.adminToken}`);
    const api = client(first.ready);
    const { token } = (await api.call('tokens.create', { id: 'kept-1' })) as { token: string };
    await api.call('saved.save', { id: 's1', name: 'Ping', scope: null, template: '{"cmd":"ping"}' });
    await api.call('settings.save', { settings: { retentionDays: 12 } });
    const device = await V2Client.connect(first.ready.tcpPort);
    expect(await device.login(token, { name: 'Kept', controls: [{ id: 'relay1', kind: 'relay' }] })).toBe(200);
    expect(await device.send('server', '{"telemetry":{"temp":20}}')).toBe(200);
    expect(first.lines.some((l) => l.startsWith('HyperTCP Panel is serving. Open '))).toBe(true);
    api.ws.close();
    expect(await stop(first.child)).toBe(0);
    await device.waitClosed(3000);

    const second = await startCli(['--print-token']);
    expect(second.ready.adminToken).toBe(first.ready.adminToken);
    const api2 = client(second.ready);
    const devices = (await api2.call('devices.list', {})) as { id: string; online: boolean; lastDisconnectReason: string; controls: unknown[] }[];
    expect(devices).toMatchObject([{ id: 'kept-1', online: false, lastDisconnectReason: 'shutdown', controls: [{ id: 'relay1' }] }]);
    expect(((await api2.call('tokens.list', {})) as { id: string }[]).map((t) => t.id)).toEqual(['kept-1']);
    expect(((await api2.call('saved.list', {})) as { id: string }[]).map((s) => s.id)).toEqual(['s1']);
    expect(((await api2.call('settings.get', {})) as { retentionDays: number }).retentionDays).toBe(12);
    const page = (await api2.call('traffic.page', { query: 'telemetry.temp=20' })) as { rows: unknown[] };
    expect(page.rows).toHaveLength(1);
    const again = await V2Client.connect(second.ready.tcpPort);
    expect(await again.login(token)).toBe(200);
    again.destroy();
    api2.ws.close();
    expect(await stop(second.child)).toBe(0);
  }, 60_000);

  it('prints the admin token only on the start that generated it or when asked; --show-token prints it beside a running host', async () => {
    const dbDir = join(tmp.dir, 'quiet');
    const args = ['--db', join(dbDir, 'host.db')];
    const first = await startCli(args);
    const token = first.ready.adminToken!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(first.ready.url).toContain(`#token=${token}`);
    expect(await stop(first.child)).toBe(0);

    const second = await startCli(args);
    expect(second.ready).not.toHaveProperty('adminToken');
    expect(second.ready.url).toBe(`http://127.0.0.1:${second.ready.httpPort}`);
    await untilPrinted(second.lines, '`--show-token` (with the same --db or --config) prints it');
    expect(second.lines.filter((l) => l.includes(token))).toEqual([]);
    // the token still works: only the output changed
    const api = client(second.ready, token);
    expect(await api.call('settings.get', {})).toBeTruthy();
    api.ws.close();

    // without the service's --http-port (an ephemeral one here): the URL is the one the host recorded, not 8090
    const shown = await showToken(args);
    expect(shown.out).toBe(`${token}\nhttp://127.0.0.1:${second.ready.httpPort}/#token=${token}\n`);
    expect(shown.err).toMatch(/^\(the URLs the host recorded at its start on \d{4}-\d\d-\d\dT/);
    expect(await stop(second.child)).toBe(0);

    const own = 'given-admin-token-0123456789';
    const given = await startCli([...args, '--admin-token', own]);
    expect(given.ready).not.toHaveProperty('adminToken');
    await untilPrinted(given.lines, 'the admin token is the one given');
    expect(given.lines.filter((l) => l.includes(own))).toEqual([]);
    expect(await stop(given.child)).toBe(0);
  }, 60_000);

  it('--new-admin-token replaces a leaked token: prints the new one once, the old one is refused (4401), --show-token prints the new one', async () => {
    const args = ['--db', join(tmp.dir, 'rotate', 'host.db')];
    const first = await startCli(args);
    const old = first.ready.adminToken!;
    expect(await stop(first.child)).toBe(0);

    const rotated = await startCli([...args, '--new-admin-token']);
    const fresh = rotated.ready.adminToken!;
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{32}$/); // the first start's generator
    expect(fresh).not.toBe(old);
    expect(rotated.ready.url).toBe(`http://127.0.0.1:${rotated.ready.httpPort}/#token=${fresh}`);
    await untilPrinted(rotated.lines, `Open http://127.0.0.1:${rotated.ready.httpPort}/#token=${fresh}`);
    await untilPrinted(rotated.lines, 'a new admin token was generated on this start (--new-admin-token)');
    expect(await answerTo(rotated.ready, old)).toBe(4401);
    expect(await answerTo(rotated.ready, fresh)).toBe('served');
    expect(await stop(rotated.child)).toBe(0);

    expect((await showToken(args)).out.split('\n')[0]).toBe(fresh);
    // kept: the next start serves the new token without printing it, and still refuses the old one
    const next = await startCli(args);
    expect(next.ready).not.toHaveProperty('adminToken');
    expect(await answerTo(next.ready, old)).toBe(4401);
    expect(await answerTo(next.ready, fresh)).toBe('served');
    expect(await stop(next.child)).toBe(0);
  }, 60_000);

  it('an explicit --udp-port that cannot be opened is said on stderr, naming the port and the error', async () => {
    const held = createSocket('udp4');
    await new Promise<void>((r) => held.bind(0, '127.0.0.1', r));
    const port = held.address().port;
    try {
      const started = await startCli(['--db', join(tmp.dir, 'udp-held', 'host.db'), '--udp-port', String(port)]);
      expect(started.ready.udpPort).toBeNull();
      await untilPrinted(started.lines, `warning: UDP port ${port} unavailable (`);
      expect(started.lines.find((l) => l.startsWith('warning: UDP port'))).toMatch(/EADDRINUSE/);
      expect(await stop(started.child)).toBe(0);
    } finally {
      held.close();
    }
  }, 30_000);

  it('names the flag the user typed in a bad value, and a --config file that is no JSON object, without a stack trace (exit 2)', async () => {
    const port = await runCli(['--http-port', '99999']);
    expect(port.code).toBe(2);
    expect(port.err.split('\n')[0]).toBe('--http-port: must be at most 65535');
    const file = join(tmp.dir, 'null-config.json');
    writeFileSync(file, 'null');
    const nul = await runCli(['--config', file]);
    expect(nul.code).toBe(2);
    expect(nul.err.split('\n')[0]).toBe(`--config ${file}: must contain a JSON object`);
    expect(nul.err).not.toMatch(/Cannot use 'in'/);
  }, 20_000);

  it('--public-url: prints the public URL (with the token only when it prints it today) and serves its Host and Origin', async () => {
    const args = ['--db', join(tmp.dir, 'proxied', 'host.db'), '--public-url', 'https://panel.lan'];
    const first = await startCli(args);
    const token = first.ready.adminToken!;
    expect(first.ready.publicUrls).toEqual([`https://panel.lan/#token=${token}`]);
    await untilPrinted(first.lines, `Open https://panel.lan/#token=${token} (through the reverse proxy, which forwards to this host at http://127.0.0.1:${first.ready.httpPort})`);
    // as the proxy forwards the browser's request: to 127.0.0.1, naming panel.lan
    const ws = new WebSocket(`ws://127.0.0.1:${first.ready.httpPort}/api`, ['hypertcp.v1', `token.${token}`], { headers: { host: 'panel.lan' }, origin: 'https://panel.lan' });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('unexpected-response', (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    ws.close();
    expect(await stop(first.child)).toBe(0);

    const second = await startCli(args);
    expect(second.ready.publicUrls).toEqual(['https://panel.lan']);
    await untilPrinted(second.lines, 'Open https://panel.lan (through the reverse proxy');
    expect(second.lines.filter((l) => l.includes(token))).toEqual([]);
    // the public URL recorded by the host, though --show-token is not given it
    const shown = await showToken(['--db', join(tmp.dir, 'proxied', 'host.db')]);
    expect(shown.out).toBe(`${token}\nhttp://127.0.0.1:${second.ready.httpPort}/#token=${token}\nhttps://panel.lan/#token=${token}\n`);
    expect(await stop(second.child)).toBe(0);
  }, 60_000);

  it('--show-token before any start says there is no token yet (exit 1)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--db', join(tmp.dir, 'never', 'host.db'), '--show-token'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(1);
    expect(err).toContain('no admin token yet');
  }, 20_000);

  it('a port already in use: exit 1 with one line naming it and the flag, no stack trace', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as AddressInfo).port;
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--db', join(tmp.dir, 'busy', 'host.db'), '--tcp-port', '0', '--http-port', String(port), '--static', join(tmp.dir, 'ui')], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let err = '';
      child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
      expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(1);
      expect(err).toContain(`hypertcp host failed: 127.0.0.1:${port} is already in use (another HyperTCP host, or another program): choose another port with --http-port\n`);
      expect(err).not.toMatch(/\n\s+at /);
    } finally {
      taken.close();
    }
  }, 20_000);

  it('refuses to start with a weak admin token of the user\'s own: exit 2, the first line says how to make one', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--db', join(tmp.dir, 'weak', 'host.db'), '--tcp-port', '0', '--http-port', '0', '--admin-token', 'aaaaaaaaaaaaaaaa'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(2);
    expect(err.split('\n')[0]).toMatch(/^--admin-token: admin token too weak \(at least 22 characters, 8 of them different\): generate one with node -e .*randomBytes\(24\)/);
    expect(out).not.toContain('HYPERTCP_READY');
  }, 20_000);

  it('exits 2 with the usage on a bad flag', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--tcp-port', 'nope'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('--tcp-port must be a number');
    expect(err).toContain('Usage:');
  }, 20_000);
});
