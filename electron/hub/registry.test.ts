import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventBatch } from '../../shared/api/contract';
import { Command, Status } from '../../shared/protocol/constants';
import { duplexPair } from '../broker/testing/duplex-pair';
import { eventually } from '../broker/testing/fixtures';
import { LegacyClient } from '../broker/testing/legacy-client';
import { V2Client } from '../broker/testing/v2-client';
import { startCore, type Core } from '../core';
import { openDatabase } from './db';
import { Flusher } from './flusher';
import { FLAP_WINDOW_MS, LAZY_DB_MS, Registry } from './registry';
import { tempDir } from './testing/temp-dir';
import { SqliteTokenStore } from './token-store';

const session = (id: string, protocol: 'legacy' | 'v2' = 'v2') => ({ id, address: '127.0.0.1', transport: 'tcp' as const, protocol, device: null, connectedAt: 0, rttMs: null });

describe('Registry transitions (unit, real SQLite file)', () => {
  const tmp = tempDir();
  afterEach(() => tmp.cleanup());
  const hooks = { tokenStatus: () => 'active' as const, rateIn: () => 0 };

  it('counts a reconnect within the flap window as a flap, a later one not', () => {
    const db = openDatabase(`${tmp.dir}/r.db`);
    const r = new Registry(db, hooks, 0);
    r.sessionOpened(session('a'), 1000);
    r.sessionClosed(session('a'), 'keepalive_timeout', undefined, 2000);
    r.sessionOpened(session('a'), 2000 + FLAP_WINDOW_MS - 1);
    expect(r.get('a')!.flapCount).toBe(1);
    r.sessionClosed(session('a'), 'closed_by_peer', 'end', 100_000);
    r.sessionOpened(session('a'), 100_000 + FLAP_WINDOW_MS + 1);
    expect(r.get('a')!).toMatchObject({ flapCount: 1, online: true, lastDisconnectReason: 'closed_by_peer: end' });
    db.close();
  });

  it("keeps the user's label across logins (which set the name) and restarts; an empty label removes it", () => {
    const path = `${tmp.dir}/label.db`;
    const db = openDatabase(path);
    const r = new Registry(db, hooks);
    r.sessionOpened(session('esp-3f2a'), 1);
    expect(r.setLabel('esp-3f2a', '  Garage door  ')).toMatchObject({ id: 'esp-3f2a', label: 'Garage door' });
    expect(r.setLabel('nobody', 'x')).toBeNull();
    r.sessionOpened({ ...session('esp-3f2a'), device: { name: 'relay board', controls: [], telemetry: [] } }, 2);
    expect(r.get('esp-3f2a')).toMatchObject({ name: 'relay board', label: 'Garage door' });
    r.flush();
    db.close();
    const db2 = openDatabase(path);
    const again = new Registry(db2, hooks);
    expect(again.get('esp-3f2a')).toMatchObject({ name: 'relay board', label: 'Garage door' });
    expect(again.setLabel('esp-3f2a', '   ')!.label).toBeNull();
    // a row stored before labels existed reads as "no label"
    db2.prepare("INSERT INTO devices (id, data, updated_at) VALUES ('old', ?, 0)").run(JSON.stringify({ ...again.get('esp-3f2a'), id: 'old', label: undefined }));
    db2.close();
    const db3 = openDatabase(path);
    expect(new Registry(db3, hooks).get('old')!.label).toBeNull();
    db3.close();
  });

  it('stays online when the replaced session closes after the new one opened', () => {
    const db = openDatabase(`${tmp.dir}/r.db`);
    const r = new Registry(db, hooks);
    r.sessionOpened(session('a'), 1);
    r.sessionOpened(session('a'), 2);
    r.sessionClosed(session('a'), 'replaced', undefined, 3);
    expect(r.get('a')).toMatchObject({ online: true, since: 1, lastDisconnectReason: 'replaced' });
    r.sessionClosed(session('a'), 'closed_by_peer', undefined, 4);
    expect(r.get('a')).toMatchObject({ online: false, since: 4 });
    db.close();
  });

  it('marks devices that were online when the host died as offline (shutdown) on the next start', () => {
    const path = `${tmp.dir}/r.db`;
    const db = openDatabase(path);
    const r = new Registry(db, hooks);
    r.sessionOpened(session('a'), 1);
    r.flush();
    db.close();
    const db2 = openDatabase(path);
    expect(new Registry(db2, hooks, 50).get('a')).toMatchObject({ online: false, since: 50, lastDisconnectReason: 'shutdown' });
    db2.close();
  });

  it('keeps state and telemetry bounded and free of prototype keys', () => {
    const db = openDatabase(`${tmp.dir}/r.db`);
    const r = new Registry(db, hooks);
    r.sessionOpened(session('a'));
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i]));
    r.reportTelemetry('a', { ...many, big: 'x'.repeat(1000), obj: { nested: 1 } });
    r.reportState('a', JSON.parse('{"__proto__":{"polluted":true},"relay1":true}') as Record<string, unknown>);
    const d = r.get('a')!;
    expect(Object.keys(d.telemetry)).toHaveLength(64);
    expect(d.telemetry.big).toBeUndefined();
    expect(d.controlState).toEqual({ relay1: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    db.close();
  });

  it('sends a busy device to the UI at most once a second, but a state or presence change in the next batch', () => {
    const db = openDatabase(`${tmp.dir}/r.db`);
    const r = new Registry(db, hooks, 0);
    r.sessionOpened(session('a'), 0);
    r.reportTelemetry('a', { temp: 20 });
    expect(r.takeDirtyForUi(0)).toEqual(['a']);
    // 5 s of 10 Hz batches, 20 messages (frames + telemetry values + rtt) between each.
    const batchesWithA: number[] = [];
    for (let t = 100; t <= 5_000; t += 100) {
      for (let i = 0; i < 20; i++) {
        r.frame('a', 'in', 40, false, t - 100 + i);
        r.reportTelemetry('a', { temp: 20 + i / 10 });
      }
      r.sessionStats('a', t % 7, null);
      if (r.takeDirtyForUi(t).includes('a')) batchesWithA.push(t);
    }
    expect(batchesWithA).toEqual([1_000, 2_000, 3_000, 4_000, 5_000]);
    // The coalesced summary carries the latest counters.
    expect(r.get('a')!.counters.msgsIn).toBe(50 * 20);
    // A control state change goes in the very next batch, then the throttle starts again.
    r.reportState('a', { relay1: true });
    expect(r.takeDirtyForUi(5_100)).toEqual(['a']);
    r.frame('a', 'in', 40, false, 5_150);
    expect(r.takeDirtyForUi(5_200)).toEqual([]);
    // The same state again is no news; a new value is.
    r.reportState('a', { relay1: true });
    expect(r.takeDirtyForUi(5_300)).toEqual([]);
    r.reportState('a', { relay1: false });
    expect(r.takeDirtyForUi(5_400)).toEqual(['a']);
    // Going offline is sent at once; the pending counter change is not lost either.
    r.sessionClosed(session('a'), 'keepalive_timeout', undefined, 5_450);
    expect(r.takeDirtyForUi(5_500)).toEqual(['a']);
    r.frame('a', 'out', 10, false, 5_550);
    expect(r.takeDirtyForUi(6_000)).toEqual([]);
    expect(r.takeDirtyForUi(6_500)).toEqual(['a']);
    db.close();
  });
});

describe('Registry transitions for every disconnect reason (real broker, real sockets)', () => {
  const tmp = tempDir();
  let core: Core;
  const clients: { destroy(): void }[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await core?.close();
    tmp.cleanup();
  });

  async function boot(extra: Parameters<typeof startCore>[0]['broker'] = {}) {
    core = await startCore({ dataDir: tmp.dir, tcpPort: 0, mode: 'headless', hub: { flushMs: 50 }, broker: { closeLingerMs: 50, redirectGraceMs: 50, ...extra } });
    return core;
  }
  async function v2(id: string, options: ConstructorParameters<typeof V2Client>[1] = {}) {
    const token = core.tokens.status(id) === 'none' ? core.tokens.create(id) : core.tokens.rotate(id);
    const c = await V2Client.connect(core.tcpPort, options);
    clients.push(c);
    expect(await c.login(token)).toBe(Status.SUCCESS);
    await eventually(() => core.hub.registry.get(id)?.online, 2000, `${id} online`);
    return { c, token };
  }
  const offline = (id: string) => eventually(() => { const d = core.hub.registry.get(id); return d && !d.online ? d : null; }, 3000, `${id} offline`);

  it('closed_by_peer, protocol_error, revoked, redirected', async () => {
    await boot();
    (await v2('peer')).c.close();
    expect((await offline('peer')).lastDisconnectReason).toMatch(/^closed_by_peer/);

    (await v2('proto')).c.writeFrame(99, 1);
    expect((await offline('proto')).lastDisconnectReason).toBe('protocol_error: unknown_type');

    await v2('rev');
    expect(await core.api.dispatch('tokens.revoke', { id: 'rev' })).toEqual({ ok: true, result: { closedSession: true } });
    expect(await offline('rev')).toMatchObject({ lastDisconnectReason: 'revoked', tokenStatus: 'revoked' });

    await v2('redir');
    expect(await core.api.dispatch('broker.redirect', { device: 'redir', host: '10.0.0.5', port: 8081 })).toEqual({ ok: true, result: { redirected: 1 } });
    expect((await offline('redir')).lastDisconnectReason).toBe('redirected');
  });

  it('forgets a device: token revoked, session closed, gone from the list and from the UIs, traffic kept', async () => {
    await boot();
    const batches: EventBatch[] = [];
    core.api.subscribe((b) => {
      batches.push(b);
      core.api.ack(b.seq);
    });
    const { c, token } = await v2('old-lamp');
    expect(await c.send('server', '{"state":{"relay1":true}}')).toBe(Status.SUCCESS);
    expect(await core.api.dispatch('devices.forget', { id: 'old-lamp' })).toEqual({ ok: true, result: { tokenRevoked: true, closedSession: true } });
    await c.waitClosed();
    expect(core.hub.registry.get('old-lamp')).toBeNull();
    expect(core.tokens.status('old-lamp')).toBe('revoked');
    await eventually(() => batches.some((b) => b.removedDevices?.includes('old-lamp')) || undefined, 2000, 'removal sent to the UI');
    // the session's close arrives after the forget and must not bring the device back
    await new Promise((r) => setTimeout(r, 150));
    expect(core.hub.registry.get('old-lamp')).toBeNull();
    expect((await core.api.dispatch('devices.list', {})) as { result: { id: string }[] }).toMatchObject({ ok: true });
    expect(((await core.api.dispatch('devices.list', {})) as { result: { id: string }[] }).result.map((d) => d.id)).not.toContain('old-lamp');
    const page = (await core.api.dispatch('traffic.page', { query: 'device:old-lamp' })) as { result: { rows: unknown[] } };
    expect(page.result.rows.length).toBeGreaterThan(0);
    // the old token no longer logs in; an unknown id is not_found
    const again = await V2Client.connect(core.tcpPort);
    clients.push(again);
    expect(await again.login(token)).not.toBe(Status.SUCCESS);
    expect(await core.api.dispatch('devices.forget', { id: 'old-lamp' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('forgets a device with deleteHistory: its traffic and telemetry are deleted, another device keeps its own', async () => {
    await boot();
    const old = await v2('old-sensor');
    const keep = await v2('kept-sensor');
    for (const { c } of [old, keep]) expect(await c.send('server', '{"telemetry":{"temp":21.5}}')).toBe(Status.SUCCESS);
    const rows = async (device: string) => ((await core.api.dispatch('traffic.page', { query: `device:${device}` })) as { result: { rows: unknown[] } }).result.rows.length;
    const keptRows = await rows('kept-sensor');
    const r = await core.api.dispatch('devices.forget', { id: 'old-sensor', deleteHistory: true });
    expect(r).toMatchObject({ ok: true, result: { tokenRevoked: true, closedSession: true, deleted: { trafficRows: expect.any(Number), telemetryRows: 1 } } });
    expect((r as { result: { deleted: { trafficRows: number } } }).result.deleted.trafficRows).toBeGreaterThan(0);
    expect(await rows('old-sensor')).toBe(0);
    expect(await rows('kept-sensor')).toBe(keptRows);
    expect(core.hub.telemetry.query('old-sensor', ['temp'], '1h', Date.now())).toEqual([]);
    expect(await core.api.dispatch('telemetry.series', { device: 'kept-sensor', range: '1h' })).toMatchObject({ ok: true, result: [{ channel: 'temp' }] });
  });

  it('deletes only a revoked token; the device it belonged to then shows no token', async () => {
    await boot();
    await v2('retired');
    expect(await core.api.dispatch('tokens.delete', { id: 'retired' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await core.api.dispatch('tokens.revoke', { id: 'retired' })).toMatchObject({ ok: true });
    expect(await core.api.dispatch('tokens.delete', { id: 'retired' })).toEqual({ ok: true, result: { deleted: true } });
    expect(core.tokens.status('retired')).toBe('none');
    expect(((await core.api.dispatch('tokens.list', {})) as { result: { id: string }[] }).result.map((t) => t.id)).not.toContain('retired');
    expect(core.hub.registry.get('retired')!.tokenStatus).toBe('none');
    expect(await core.api.dispatch('tokens.delete', { id: 'retired' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // gone from the file too: a restart of the store does not bring it back
    expect(new SqliteTokenStore(core.db).status('retired')).toBe('none');
  });

  it('backs the database up through the API, with what was just logged, one at a time', async () => {
    await boot();
    const { c } = await v2('saved');
    expect(await c.send('server', '{"state":{"relay1":true}}')).toBe(Status.SUCCESS);
    const [a, b] = await Promise.all([core.api.dispatch('storage.backup', {}), core.api.dispatch('storage.backup', {})]);
    expect(a).toMatchObject({ ok: true, result: { removed: 0 } });
    expect(b).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const { path, bytes } = (a as { result: { path: string; bytes: number } }).result;
    expect(path.startsWith(join(tmp.dir, 'backups'))).toBe(true);
    expect(bytes).toBeGreaterThan(0);
    const copy = openDatabase(path);
    expect((copy.prepare("SELECT count(*) AS n FROM traffic WHERE device = 'saved'").get() as { n: number }).n).toBeGreaterThan(0);
    expect((copy.prepare("SELECT count(*) AS n FROM tokens WHERE id = 'saved'").get() as { n: number }).n).toBe(1);
    copy.close();
  });

  it('labels a device through the API; refuses control characters, long labels and unknown devices', async () => {
    await boot();
    await v2('esp-9');
    expect(await core.api.dispatch('devices.label', { id: 'esp-9', label: 'Kitchen light' })).toMatchObject({ ok: true, result: { id: 'esp-9', label: 'Kitchen light' } });
    expect(((await core.api.dispatch('devices.list', {})) as { result: { id: string; label: string | null }[] }).result.find((d) => d.id === 'esp-9')!.label).toBe('Kitchen light');
    expect(await core.api.dispatch('devices.label', { id: 'esp-9', label: 'bad\u0007bell' })).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    expect(await core.api.dispatch('devices.label', { id: 'esp-9', label: 'x'.repeat(65) })).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    expect(await core.api.dispatch('devices.label', { id: 'ghost', label: 'x' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(core.hub.registry.get('esp-9')!.label).toBe('Kitchen light');
  });

  it('replaced keeps the device online; keepalive_timeout takes it offline', async () => {
    await boot({ keepalive: { intervalMs: 100, deadlineMs: 100 } });
    const { token } = await v2('twin', { answerPings: true, pingIntervalMs: 50 });
    const second = await V2Client.connect(core.tcpPort, { pingIntervalMs: 50 });
    clients.push(second);
    expect(await second.login(token)).toBe(Status.SUCCESS);
    await eventually(() => core.hub.registry.get('twin')!.lastDisconnectReason === 'replaced', 2000, 'replaced');
    expect(core.hub.registry.get('twin')!.online).toBe(true);

    await v2('mute', { answerPings: false });
    expect((await offline('mute')).lastDisconnectReason).toBe('keepalive_timeout');
  });

  it('slow_consumer, then login_timeout and auth_failed never touch the registry', async () => {
    await boot({ limits: { maxQueueBytes: 8 * 1024, maxQueueMessages: 100, drainTimeoutMs: 200, loginTimeoutMs: 300 } });
    const closes: string[] = [];
    core.broker.on('connection:close', (ev) => closes.push(ev.reason));
    const token = core.tokens.create('slow');
    const [brokerSide, deviceSide] = duplexPair(4 * 1024);
    core.broker.handle(brokerSide, { address: 'mem', transport: 'tcp' });
    const reader = new V2Client(deviceSide);
    clients.push(reader);
    expect(await reader.login(token)).toBe(Status.SUCCESS);
    reader.pause();
    for (let i = 0; i < 500; i++) core.broker.sendFromServer('slow', `{"i":${i},"pad":"${'p'.repeat(100)}"}`);
    expect((await offline('slow')).lastDisconnectReason).toMatch(/^slow_consumer/);

    const before = core.hub.registry.list();
    const bad = await LegacyClient.connect(core.tcpPort, { loginTimeoutMs: 3000 });
    clients.push(bad);
    await expect(bad.login('not-a-real-token-xxxxxxxxxxxxxxxx')).rejects.toThrow(/refused/);
    const early = await V2Client.connect(core.tcpPort);
    clients.push(early);
    early.writeFrame(Command.PING, 1);
    await early.waitClosed(3000);
    const silent = await V2Client.connect(core.tcpPort);
    clients.push(silent);
    await silent.waitClosed(3000);
    expect(closes).toEqual(expect.arrayContaining(['auth_failed', 'protocol_error', 'login_timeout']));
    expect(core.hub.registry.list().map((d) => [d.id, d.online, d.lastDisconnectReason])).toEqual(before.map((d) => [d.id, d.online, d.lastDisconnectReason]));
  });

  it('shutdown and server_error are recorded on close and survive a restart', async () => {
    await boot();
    await v2('calm');
    await core.close('server_error');
    const again = await startCore({ dataDir: tmp.dir, tcpPort: 0, mode: 'headless' });
    expect(again.hub.registry.get('calm')).toMatchObject({ online: false, lastDisconnectReason: 'server_error' });
    core = again;
    const { c } = await v2('calm');
    expect(c.closed).toBe(false);
    await core.close('shutdown');
    const third = await startCore({ dataDir: tmp.dir, tcpPort: 0, mode: 'headless' });
    expect(third.hub.registry.get('calm')).toMatchObject({ online: false, lastDisconnectReason: 'shutdown', flapCount: 1 });
    core = third;
  });
});

describe('Registry writes', () => {
  const tmp = tempDir();
  afterEach(() => tmp.cleanup());
  const hooks = { tokenStatus: () => 'active' as const, rateIn: () => 0 };
  const later = () => performance.now() + 60_000;
  const stored = (db: ReturnType<typeof openDatabase>, id: string) => {
    const row = db.prepare<[string], { data: string }>('SELECT data FROM devices WHERE id = ?').get(id);
    return row ? (JSON.parse(row.data) as { counters: { msgsIn: number }; label: string | null }) : null;
  };

  it('writes counter-only changes once every LAZY_DB_MS, other changes in the next round', () => {
    const db = openDatabase(`${tmp.dir}/lazy.db`);
    const r = new Registry(db, hooks, 0);
    r.sessionOpened(session('lamp'), 1_000);
    r.flush(later(), 1_000);
    expect(stored(db, 'lamp')!.counters.msgsIn).toBe(0);
    r.frame('lamp', 'in', 40, false, 1_100);
    expect(r.flush(later(), 1_100)).toBe(false);
    r.frame('lamp', 'in', 40, false, 1_200);
    r.flush(later(), 1_000 + LAZY_DB_MS - 1);
    expect(stored(db, 'lamp')!.counters.msgsIn).toBe(0);
    r.flush(later(), 1_000 + LAZY_DB_MS);
    expect(stored(db, 'lamp')!.counters.msgsIn).toBe(2);
    // a label is written at once, with the counters as they are then
    r.frame('lamp', 'in', 40, false, 7_000);
    r.setLabel('lamp', 'Desk lamp');
    r.flush(later(), 7_000);
    expect(stored(db, 'lamp')).toMatchObject({ label: 'Desk lamp', counters: { msgsIn: 3 } });
    // an unbounded round (shutdown) writes throttled rows whenever it runs
    r.frame('lamp', 'in', 40, false, 7_100);
    r.flush(Infinity, 7_100);
    expect(stored(db, 'lamp')!.counters.msgsIn).toBe(4);
    db.close();
  });

  it('stops writing throttled rows at the round deadline and goes on in the next round', () => {
    const db = openDatabase(`${tmp.dir}/deadline.db`);
    const r = new Registry(db, hooks, 0);
    for (const id of ['a', 'b', 'c']) r.sessionOpened(session(id), 1_000);
    r.flush(later(), 1_000);
    for (const id of ['a', 'b', 'c']) r.frame(id, 'in', 10, false, 1_001);
    const due = 1_000 + LAZY_DB_MS;
    expect(r.flush(performance.now(), due)).toBe(true); // no time left: nothing throttled written
    expect(['a', 'b', 'c'].map((id) => stored(db, id)!.counters.msgsIn)).toEqual([0, 0, 0]);
    expect(r.flush(later(), due + 1)).toBe(false);
    expect(['a', 'b', 'c'].map((id) => stored(db, id)!.counters.msgsIn)).toEqual([1, 1, 1]);
    db.close();
  });
});

describe('Registry in a flusher round that rolls back', () => {
  const tmp = tempDir();
  afterEach(() => tmp.cleanup());
  const hooks = { tokenStatus: () => 'active' as const, rateIn: () => 0 };

  it('marks the devices it wrote again; the next round writes their state as it is then', () => {
    const db = openDatabase(`${tmp.dir}/rollback.db`);
    const r = new Registry(db, hooks, 0);
    const flusher = new Flusher(db);
    const failing = { on: true };
    flusher.add('registry', (deadline) => r.flush(deadline, 5_000), (committed) => r.settle(committed));
    // a later task of the same round fails (a full disk, a broken write): the whole round rolls back
    flusher.add('other', () => {
      if (failing.on) throw new Error('disk I/O error');
    });
    const stored = () => Object.fromEntries(db.prepare<[], { id: string; data: string }>('SELECT id, data FROM devices').all().map((row) => [row.id, JSON.parse(row.data) as Record<string, unknown>]));
    r.sessionOpened(session('lamp'), 1000);
    r.sessionOpened(session('fan'), 1000);

    flusher.flush();
    expect(flusher.lastError?.message).toBe('disk I/O error');
    expect(stored()).toEqual({});

    // a newer change of one device between the rounds; the other is not touched again
    r.setLabel('lamp', 'Desk lamp');
    failing.on = false;
    flusher.flush();
    expect(Object.keys(stored()).sort()).toEqual(['fan', 'lamp']);
    expect(stored().lamp).toMatchObject({ id: 'lamp', label: 'Desk lamp', online: true, since: 1000 });
    expect(stored().fan).toMatchObject({ id: 'fan', label: null, online: true, since: 1000 });
    db.close();
  });
});
