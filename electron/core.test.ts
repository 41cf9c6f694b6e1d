import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventBatch, Results } from '../shared/api/contract';
import { eventually } from './broker/testing/fixtures';
import { V2Client } from './broker/testing/v2-client';
import { UdpClient, bindUdp, tokenHash } from './udp';
import { startCore, type Core } from './core';
import { tempDir } from './hub/testing/temp-dir';

const relay = { name: 'Lamp', fw: '1.0.0', board: 'esp32', controls: [{ id: 'relay1', kind: 'relay' }], telemetry: [{ id: 'temp', unit: 'C' }] };

async function call<M extends keyof Results>(core: Core, method: M, params: unknown): Promise<Results[M]> {
  const r = await core.api.dispatch(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
  return r.result as Results[M];
}

describe('startCore: broker + hub + api over real sockets and a real SQLite file', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(dir: string): Promise<Core> {
    const core = await startCore({ dataDir: dir, tcpPort: 0, mode: 'headless', hub: { flushMs: 50 }, broker: { closeLingerMs: 100 } });
    cleanups.push(() => core.close());
    return core;
  }

  it("sends a toggle's confirmation to the UIs at once, not at the pump's next batch", async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    // batches a minute apart: only the confirmation's own batch can arrive within the wait below
    const core = await startCore({ dataDir: tmp.dir, tcpPort: 0, mode: 'headless', pumpIntervalMs: 60_000, broker: { closeLingerMs: 100 } });
    cleanups.push(() => core.close());
    const { token } = await call(core, 'tokens.create', { id: 'lamp-1' });
    const client = await V2Client.connect(core.tcpPort);
    cleanups.push(() => client.destroy());
    expect(await client.login(token, relay)).toBe(200);
    await eventually(() => core.hub.registry.get('lamp-1')?.online, 2000, 'online');
    const batches: EventBatch[] = [];
    core.api.subscribe((b) => {
      batches.push(b);
      core.api.ack(b.seq);
    });
    client.on('message', (m: { from: string; payload: { cmd?: string; req?: string } }) => {
      if (m.from === 'server' && m.payload.cmd === 'toggle') void client.send('server', JSON.stringify({ state: { relay1: true }, req: m.payload.req }));
    });
    const { req } = await call(core, 'controls.set', { device: 'lamp-1', control: 'relay1', toggle: true });
    const result = await eventually(() => batches.flatMap((b) => b.controlResults ?? []).find((r) => r.req === req), 3000, 'control result');
    expect(result).toMatchObject({ outcome: 'confirmed', value: true });
    // the device's new state comes in the same batch
    const batch = batches.find((b) => b.controlResults?.some((r) => r.req === req))!;
    expect(batch.devices?.find((d) => d.id === 'lamp-1')?.controlState).toEqual({ relay1: true });
  });

  it('a device logs in, shows up, is toggled, confirms, and survives a restart', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const core = await start(tmp.dir);
    const { token } = await call(core, 'tokens.create', { id: 'lamp-1' });
    expect(token.length).toBeGreaterThanOrEqual(22);

    const batches: EventBatch[] = [];
    core.api.subscribe((b) => {
      batches.push(b);
      core.api.ack(b.seq);
    });

    const client = await V2Client.connect(core.tcpPort);
    cleanups.push(() => client.destroy());
    expect(await client.login(token, relay)).toBe(200);
    await eventually(() => core.hub.registry.get('lamp-1')?.online, 2000, 'online');
    const lamp = (await call(core, 'devices.list', {})).find((d) => d.id === 'lamp-1')!;
    expect(lamp.controls.map((c) => c.id)).toEqual(['relay1']);
    expect(lamp.protocol).toBe('v2');
    expect(lamp.tokenStatus).toBe('active');

    // Answer the toggle like the relay firmware does: a state report echoing req.
    client.on('message', (m: { from: string; payload: { cmd?: string; control?: string; req?: string } }) => {
      if (m.from === 'server' && m.payload.cmd === 'toggle') void client.send('server', JSON.stringify({ state: { relay1: true }, req: m.payload.req }));
    });
    const { req } = await call(core, 'controls.set', { device: 'lamp-1', control: 'relay1', toggle: true });
    const result = await eventually(() => batches.flatMap((b) => b.controlResults ?? []).find((r) => r.req === req), 3000, 'control result');
    expect(result).toMatchObject({ device: 'lamp-1', control: 'relay1', outcome: 'confirmed', value: true });
    const got = await call(core, 'devices.get', { id: 'lamp-1' });
    expect(got.controlState).toEqual({ relay1: true });
    // the confirmation's response time, from controls.set to the device's report
    expect(got.controlResponse).toMatchObject({ count: 1, failed: 0, timeouts: 0, refused: 0, samples: 1 });
    expect(got.controlResponse!.p50Ms).toBeGreaterThanOrEqual(0);
    expect(got.controlResponse!.p50Ms).toBeLessThan(3000);
    expect(got.controlResponse).toMatchObject({ p95Ms: got.controlResponse!.p50Ms, maxMs: got.controlResponse!.p50Ms, lastMs: got.controlResponse!.p50Ms });
    // and the UIs get it with the device's summary, without asking
    await eventually(() => batches.flatMap((b) => b.devices ?? []).some((d) => d.id === 'lamp-1' && d.controlResponse?.count === 1), 3000, 'summary with response times');

    expect(await client.send('ghost-device', '{"x":1}')).toBe(12);
    await eventually(() => core.hub.registry.get('lamp-1')!.counters.errors === 1, 2000, 'refusal counted as error');
    await client.send('server', JSON.stringify({ telemetry: { temp: 21.5, rssi: -61 } }));
    await eventually(() => core.hub.registry.get('lamp-1')!.telemetry.temp === 21.5, 2000, 'telemetry');

    const page = await call(core, 'traffic.page', { query: 'device:lamp-1 dir:in' });
    expect(page.rows.length).toBeGreaterThanOrEqual(2);
    expect(page.rows.every((r) => r.device === 'lamp-1' && r.dir === 'in')).toBe(true);
    expect(batches.some((b) => (b.traffic ?? []).length > 0)).toBe(true);
    // the device page's recent traffic: the device's newest rows, the report of a moment ago included
    const recent = (await call(core, 'devices.get', { id: 'lamp-1' })).recentTraffic;
    expect(recent.some((r) => r.payload.includes('"temp":21.5'))).toBe(true);
    expect(recent.every((r) => r.device === 'lamp-1')).toBe(true);
    expect(recent.map((r) => r.seq)).toEqual(recent.map((r) => r.seq).sort((a, b) => b - a));

    client.close();
    const offline = await eventually(() => { const d = core.hub.registry.get('lamp-1')!; return !d.online ? d : null; }, 3000, 'offline');
    expect(offline.lastDisconnectReason).toMatch(/^closed_by_peer/);
    const logged = page.rows.length;
    await call(core, 'saved.save', { id: 'on', name: 'On', scope: 'lamp-1', template: '{"cmd":"set","control":"relay1","value":true,"at":{{ts}}}' });
    await call(core, 'settings.save', { settings: { retentionDays: 3 } });
    await core.close();

    const again = await start(tmp.dir);
    const persisted = again.hub.registry.get('lamp-1')!;
    expect(persisted).toMatchObject({ online: false, controlState: { relay1: true }, lastDisconnectReason: offline.lastDisconnectReason, board: 'esp32' });
    expect((await call(again, 'traffic.page', { query: 'device:lamp-1 dir:in' })).rows.length).toBe(logged);
    expect((await call(again, 'saved.list', { device: 'lamp-1' })).map((s) => s.id)).toEqual(['on']);
    expect((await call(again, 'settings.get', {})).retentionDays).toBe(3);
    expect((await call(again, 'audit.list', {})).map((a) => a.action)).toEqual(['settings.save', 'token.create']);
    const relogin = await V2Client.connect(again.tcpPort);
    cleanups.push(() => relogin.destroy());
    expect(await relogin.login(token, relay)).toBe(200);
  });

  it('closeNow (Windows ending the session: no quit sequence, no event loop to wait on) still writes what was queued', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    // a minute between write rounds: what the device sends is only queued when closeNow comes
    const core = await startCore({ dataDir: tmp.dir, tcpPort: 0, mode: 'headless', hub: { flushMs: 60_000 }, broker: { closeLingerMs: 100 } });
    cleanups.push(() => core.close());
    const { token } = await call(core, 'tokens.create', { id: 'lamp-1' });
    const client = await V2Client.connect(core.tcpPort);
    cleanups.push(() => client.destroy());
    expect(await client.login(token, relay)).toBe(200);
    await client.send('server', JSON.stringify({ telemetry: { temp: 21.5 } }));
    await eventually(() => core.hub.registry.get('lamp-1')?.telemetry.temp === 21.5, 2000, 'telemetry');

    core.closeNow();
    expect(core.db.open).toBe(false); // done before it returned
    await core.close(); // a quit after it has nothing left to do

    const again = await start(tmp.dir);
    const lamp = again.hub.registry.get('lamp-1')!;
    expect(lamp).toMatchObject({ online: false, telemetry: { temp: 21.5 } });
    expect(lamp.lastDisconnectReason).toMatch(/^shutdown/);
    const rows = (await call(again, 'traffic.page', { query: 'device:lamp-1 dir:in' })).rows;
    expect(rows.some((r) => r.payload.includes('"temp":21.5'))).toBe(true);
  });

  it('gives the broker the limits from the settings: payload, rate, broadcasts, connections per address', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const core = await startCore({ dataDir: tmp.dir, tcpPort: 0, mode: 'headless', settingsOverrides: { maxPayload: 512, rateLimitPerSecond: 7, broadcastLimitPerSecond: 4, connectionsPerAddress: 3 } });
    cleanups.push(() => core.close());
    expect(core.broker.options.limits).toMatchObject({ maxPayload: 512, ratePerSecond: 7, rateBurst: 14, broadcastPerSecond: 4, broadcastBurst: 8, maxConnectionsPerAddress: 3 });
  });

  it('rejects bad params with a clear message and unknown methods by name', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const core = await start(tmp.dir);
    const bad = await core.api.dispatch('messages.send', { to: 'no spaces allowed', payload: [] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    expect(!bad.ok && bad.error.message).toMatch(/^messages\.send: to: device ids use .*; payload: /);
    const extra = await core.api.dispatch('devices.list', { sneaky: 1 });
    expect(!extra.ok && extra.error.message).toMatch(/Unrecognized key.*sneaky/);
    const unknown = await core.api.dispatch('devices.drop', {});
    expect(unknown).toEqual({ ok: false, error: { code: 'unknown_method', message: 'unknown method "devices.drop"' } });
    const big = await core.api.dispatch('messages.send', { to: 'a', payload: { x: 'y'.repeat(20000) } });
    expect(!big.ok && big.error.message).toMatch(/payload over 16 KiB/);
    const filter = await core.api.dispatch('traffic.page', { query: 'dir:sideways' });
    expect(filter).toMatchObject({ ok: false, error: { code: 'invalid_params', message: 'query: dir:sideways: must be "in" or "out"' } });
    const offline = await core.api.dispatch('messages.send', { to: 'ghost', payload: { a: 1 } });
    expect(offline).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('pause closes device sessions and refuses new ones; resume listens on the same port', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const core = await start(tmp.dir);
    const { token } = await call(core, 'tokens.create', { id: 'p-1' });
    const client = await V2Client.connect(core.tcpPort);
    cleanups.push(() => client.destroy());
    expect(await client.login(token)).toBe(200);
    await core.pause();
    expect(core.paused).toBe(true);
    await client.waitClosed(3000);
    const d = await eventually(() => { const x = core.hub.registry.get('p-1')!; return x.online ? null : x; }, 3000, 'offline');
    expect(d.lastDisconnectReason).toMatch(/^paused/);
    await expect(V2Client.connect(core.tcpPort)).rejects.toThrow();
    await core.resume();
    expect(core.paused).toBe(false);
    const back = await V2Client.connect(core.tcpPort);
    cleanups.push(() => back.destroy());
    expect(await back.login(token)).toBe(200);
  });

  it('opens UDP when asked: a v2 device gets a grant, shows transport udp, and its telemetry arrives over UDP', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const core = await startCore({ dataDir: tmp.dir, tcpPort: 0, udpPort: 0, mode: 'headless' });
    cleanups.push(() => core.close());
    expect(core.udpPort).toBeGreaterThan(0);
    expect(await call(core, 'hello', {})).toMatchObject({ udpPort: core.udpPort, dataPath: core.broker.dataPath, dataPathNote: core.broker.dataPathNote() });
    const { token } = await call(core, 'tokens.create', { id: 'udp-1' });
    const tcp = await V2Client.connect(core.tcpPort);
    cleanups.push(() => tcp.destroy());
    expect(await tcp.login(token, {}, { udp: true })).toBe(200);
    const grant = (tcp.reply as unknown as { udp: { port: number; sid: number; nonce: string } }).udp;
    expect(grant.port).toBe(core.udpPort);
    const client = new UdpClient({ socket: await bindUdp(0), host: '127.0.0.1', port: grant.port, sessionId: grant.sid, serverNonce: grant.nonce, tokenHash: tokenHash(token), onMessage: () => {} });
    cleanups.push(() => client.close());
    client.send('server', '{"telemetry":{"temp":19.5}}');
    await eventually(() => core.hub.registry.get('udp-1')?.telemetry.temp === 19.5, 3000, 'telemetry over UDP');
    expect(core.hub.registry.get('udp-1')!.transport).toBe('udp');
  });

  it('the saved ports: a start given none listens on the saved TCP port; a saved UDP port of 0 is off; "tcp" puts UDP on the TCP port\'s number', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const free = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const first = await startCore({ dataDir: tmp.dir, tcpPort: 0, mode: 'headless' });
    first.settings.save({ tcpPort: free, udpPort: 0 });
    expect(first.hub.takeDelta().notices.map((n) => n.text)).toEqual([expect.stringMatching(/tcpPort, udpPort take effect after a restart; a headless host opens UDP only on its --udp-port/)]);
    await first.close();
    const demo = await startCore({ dataDir: tmp.dir, udpPort: 'tcp', mode: 'headless' });
    expect([demo.tcpPort, demo.udpPort]).toEqual([free, free]);
    await demo.close();
    const desktop = await startCore({ dataDir: tmp.dir, tcpPort: 0, mode: 'desktop' });
    cleanups.push(() => desktop.close());
    expect(desktop.udpPort).toBeNull(); // "0 turns UDP off", not an ephemeral port
  });

  it('keeps running without TLS when its port is taken: plain TCP serves, a notice says why, pause and resume still work', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => blocker.close(() => r())));
    const taken = (blocker.address() as AddressInfo).port;
    const core = await startCore({ dataDir: tmp.dir, tcpPort: 0, mode: 'desktop', udpPort: 0, settingsOverrides: { tlsEnabled: true, tlsPort: taken } });
    cleanups.push(() => core.close());
    expect(core.tlsPort).toBeNull();
    expect(core.hub.takeDelta().notices).toContainEqual(expect.objectContaining({ level: 'warn', text: expect.stringMatching(new RegExp(`^TLS port ${taken} unavailable \\(.*EADDRINUSE.*\\); devices use plain TCP only; choose another TLS port in Settings`)) }));
    const { token } = await call(core, 'tokens.create', { id: 'lamp-1' });
    const device = await V2Client.connect(core.tcpPort);
    cleanups.push(() => device.destroy());
    expect(await device.login(token, relay)).toBe(200);
    await core.pause();
    await core.resume(); // the TLS listener that never started is not retried
    expect(core.paused).toBe(false);
  });

  it('keeps running without UDP when its port is taken', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const blocker = await bindUdp(0);
    const port = blocker.local().port;
    cleanups.push(() => blocker.close());
    const core = await startCore({ dataDir: tmp.dir, tcpPort: 0, udpPort: port, mode: 'headless' });
    cleanups.push(() => core.close());
    expect(core.udpPort).toBeNull();
    expect(core.hub.takeDelta().notices[0]!.text).toMatch(/UDP port \d+ unavailable/);
  });
});
