/**
 * The desktop app's core as main.ts starts it (desktopStartCore with the real startCore): devices on
 * the network reach its broker, --broker-bind narrows that, and a start that cannot listen says how
 * to get past it. Connections stay on this machine: a non-loopback address of its own, or 127.0.0.1.
 */
import { createServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { startCore, type Core, type CoreOptions } from '../core';
import { BaseClient } from '../broker/testing/base-client';
import { V2Client } from '../broker/testing/v2-client';
import { CERT_FILE } from '../broker/tls';
import { tempDir } from '../hub/testing/temp-dir';
import { UdpClient, bindUdp, tokenHash } from '../udp';
import { eventually } from '../broker/testing/fixtures';
import { startShell } from './app';
import { parseShellArgs } from './args';
import { desktopStartCore } from './desktop-core';
import { createFakeElectron } from './fake-electron';

const relay = { name: 'Lamp', fw: '1.0.0', board: 'esp32', controls: [{ id: 'relay1', kind: 'relay' }], telemetry: [] };
/** Ephemeral ports for what a desktop start would take from Settings (UDP 8080, TLS 8443). */
const ephemeral: Partial<CoreOptions> = { tcpPort: 0, udpPort: 0, settingsOverrides: { tlsEnabled: true, tlsPort: 0 } };

/** An IPv4 address of this machine that is not loopback: what a device on the LAN connects to. */
function lanAddress(ctx: TestContext): string {
  const found = Object.values(networkInterfaces()).flat().find((i) => i?.family === 'IPv4' && !i.internal)?.address;
  if (found === undefined) {
    console.log('skipped: this machine has no non-loopback IPv4 address to connect through');
    ctx.skip('this machine has no non-loopback IPv4 address to connect through');
  }
  return found!;
}

async function newToken(core: Core, id: string): Promise<string> {
  const reply = await core.api.dispatch('tokens.create', { id });
  if (!reply.ok) throw new Error(reply.error.message);
  return (reply.result as { token: string }).token;
}

const refusal = (port: number, host: string) =>
  BaseClient.tcp(port, host).then(
    (socket) => (socket.destroy(), 'connected'),
    (err: NodeJS.ErrnoException) => err.code,
  );

describe('the desktop app core (desktopStartCore)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(argv: string[]): Promise<{ core: Core; dir: string }> {
    const tmp = tempDir('desktop-core-');
    cleanups.push(tmp.cleanup);
    const core = (await desktopStartCore({ args: parseShellArgs(argv), loadStartCore: async () => startCore, version: 'test', testOptions: ephemeral })({ dataDir: tmp.dir, mode: 'desktop' })) as Core;
    cleanups.push(() => core.close());
    return { core, dir: tmp.dir };
  }

  it("takes devices from the network by default: a device logs in through this machine's LAN address over TCP, TLS and UDP", async (ctx) => {
    const lan = lanAddress(ctx);
    const { core, dir } = await start(['hypertcp-panel']);
    expect(core.tlsPort).toBeGreaterThan(0);
    const token = await newToken(core, 'lamp-1');

    const tcp = await V2Client.connect(core.tcpPort, {}, lan);
    cleanups.push(() => tcp.destroy());
    expect(await tcp.login(token, relay, { udp: true })).toBe(200);
    const grant = (tcp.reply as unknown as { udp: { port: number; sid: number; nonce: string } }).udp;
    const udp = new UdpClient({ socket: await bindUdp(0, lan), host: lan, port: grant.port, sessionId: grant.sid, serverNonce: grant.nonce, tokenHash: tokenHash(token), onMessage: () => {} });
    cleanups.push(() => udp.close());
    udp.send('server', '{"telemetry":{"temp":19.5}}');
    await eventually(() => core.hub.registry.get('lamp-1')?.telemetry.temp === 19.5, 3000, 'telemetry over UDP through the LAN address');

    const secure = new V2Client(await BaseClient.tls(core.tlsPort!, readFileSync(join(dir, 'tls', CERT_FILE), 'utf8'), lan));
    cleanups.push(() => secure.destroy());
    expect(await secure.login(await newToken(core, 'lamp-2'), relay)).toBe(200);
  });

  it('--broker-bind 127.0.0.1 keeps devices on this machine: the LAN address is refused, loopback is served', async (ctx) => {
    const lan = lanAddress(ctx);
    const { core } = await start(['hypertcp-panel', '--broker-bind', '127.0.0.1']);
    expect(await refusal(core.tcpPort, lan)).toBe('ECONNREFUSED');
    expect(await refusal(core.tlsPort!, lan)).toBe('ECONNREFUSED');
    expect(await refusal(core.tcpPort, '127.0.0.1')).toBe('connected');
    // UDP: the core's socket holds the port on loopback only, so the LAN address's is free
    const other = await bindUdp(core.udpPort!, lan);
    cleanups.push(() => other.close());
    expect(other.local().port).toBe(core.udpPort);
  });

  it('a bad --broker-bind stops the start with what is wrong, before the core loads', async () => {
    let loaded = false;
    const starting = desktopStartCore({ args: parseShellArgs(['hypertcp-panel', '--broker-bind=192.168.1']), loadStartCore: async () => ((loaded = true), startCore), version: 'test' })({ dataDir: '/nonexistent', mode: 'desktop' });
    await expect(starting).rejects.toThrow('--broker-bind needs an IP address of this computer, such as 0.0.0.0 (every network, the default) or 127.0.0.1 (this computer only), not "192.168.1"');
    expect(loaded).toBe(false);
  });

  it('the saved port taken: the error box names the port and --tcp-port, and --tcp-port gets the app started', async () => {
    const tmp = tempDir('desktop-core-');
    cleanups.push(tmp.cleanup);
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => blocker.close(() => r())));
    const taken = (blocker.address() as AddressInfo).port;
    const earlier = await startCore({ dataDir: tmp.dir, tcpPort: 0, mode: 'headless' });
    earlier.settings.save({ tcpPort: taken, udpPort: 0 }); // as Settings saves it; UDP off keeps 8080 out of the test
    await earlier.close();

    const launch = async (argv: string[]) => {
      const electron = createFakeElectron(tmp.dir);
      const startCoreOfApp = desktopStartCore({ args: parseShellArgs(argv), loadStartCore: async () => startCore, version: 'test' });
      const started = startShell(electron, { platform: 'linux', startCore: startCoreOfApp, paths: { indexHtml: '/i.html', preload: '/p', icon: '/i', trayIcon: '/t', firmwareDir: '/f', docsDir: '/d' } });
      electron.app.readyResolve();
      return { electron, shell: await started };
    };
    const failed = await launch(['hypertcp-panel', '--broker-bind=127.0.0.1']);
    expect(failed.shell).toBeNull();
    expect(failed.electron.log.errors).toEqual([
      `HyperTCP Panel could not start: The device broker's port ${taken} is already in use (another HyperTCP Panel, or another program). Start the app with --tcp-port=<another port>, e.g. --tcp-port=${taken + 1}, then save that port in Settings so later starts use it.`,
    ]);
    expect(failed.electron.log.calls).toEqual(['app.exit(1)']);

    const next = await launch(['hypertcp-panel', '--broker-bind=127.0.0.1', '--tcp-port=0']);
    expect(next.shell).not.toBeNull();
    expect(await refusal((next.shell!.core as Core).tcpPort, '127.0.0.1')).toBe('connected');
    next.electron.app.quit();
    await next.shell!.stopped;
  });
});
