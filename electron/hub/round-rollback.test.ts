import { afterAll, describe, expect, it } from 'vitest';
import type { Db } from './db';
import { hubOnFile } from './testing/hub-on-file';
import { tempDir } from './testing/temp-dir';

const tmp = tempDir('hypertcp-rollback-');
afterAll(() => tmp.cleanup());
const MIN = 60_000;

const all = (db: Db, sql: string) => db.prepare(sql).all();

describe('hub: a write round that rolls back (real SQLite file)', () => {
  it('loses nothing of any task: the next round writes the traffic, devices, metrics, telemetry and token use it had taken', async () => {
    const { db, tokens, hub, messageFrom } = hubOnFile(`${tmp.dir}/rollback.db`);
    const token = tokens.create('lamp');
    const failing = { on: true };
    // a task after the hub's own fails (a full disk, a broken write): the whole round rolls back
    hub.flusher.add('other', () => {
      if (failing.on) throw new Error('disk I/O error');
    });
    // recent minutes, so the metrics retention of the round (30 days before now) keeps them
    const t0 = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
    const frame = (ts: number) => messageFrom('lamp', ts);

    expect(tokens.verify(token)).toBe('lamp');
    const usedAt = tokens.list()[0]!.lastUsedAt;
    for (const id of ['lamp', 'fan']) hub.registry.sessionOpened({ id, address: '127.0.0.1', transport: 'tcp', protocol: 'v2', device: null, connectedAt: 0, rttMs: null });
    for (let i = 0; i < 3; i++) frame(t0 + i * 1000);
    frame(t0 + MIN);
    hub.metrics.tick(t0 + MIN + 1000); // minute t0 queued
    hub.onServerMessage('lamp', Buffer.from('{"telemetry":{"temp":21.5}}'));
    hub.telemetry.tick(Date.now() + MIN); // its minute queued

    hub.flusher.flush();
    expect(hub.flusher.lastError?.message).toBe('disk I/O error');
    for (const table of ['traffic', 'devices', 'metrics_minute', 'telemetry_minute']) expect(all(db, `SELECT 1 FROM ${table}`), table).toEqual([]);
    expect(all(db, 'SELECT last_used_at FROM tokens')).toEqual([{ last_used_at: null }]);

    frame(t0 + MIN + 2000); // a newer change of the lamp between the rounds; the fan is not touched again
    failing.on = false;
    hub.flusher.flushAll();
    expect(all(db, 'SELECT count(*) AS n FROM traffic')).toEqual([{ n: 5 }]);
    const devices = all(db, 'SELECT id, data FROM devices ORDER BY id') as { id: string; data: string }[];
    expect(devices.map((d) => d.id)).toEqual(['fan', 'lamp']);
    expect(JSON.parse(devices[0]!.data)).toMatchObject({ online: true, counters: { msgsIn: 0 } });
    expect(JSON.parse(devices[1]!.data)).toMatchObject({ online: true, telemetry: { temp: 21.5 }, counters: { msgsIn: 5 } });
    expect(all(db, 'SELECT device, ts, msgs_in FROM metrics_minute ORDER BY device')).toEqual([
      { device: '*', ts: t0, msgs_in: 3 },
      { device: 'lamp', ts: t0, msgs_in: 3 },
    ]);
    expect(all(db, 'SELECT device, channel, readings, last_value FROM telemetry_minute')).toEqual([{ device: 'lamp', channel: 'temp', readings: 1, last_value: 21.5 }]);
    expect(all(db, 'SELECT last_used_at FROM tokens')).toEqual([{ last_used_at: usedAt }]);
    await hub.close();
    db.close();
  });

  it('a retention round that fails (a full disk) says so once and is tried again, instead of ending the process from its timer', async () => {
    const { hub } = hubOnFile(`${tmp.dir}/retention.db`);
    const broken = { on: true };
    const real = hub.log.applyRetention.bind(hub.log);
    hub.log.applyRetention = (...args: Parameters<typeof real>) => {
      if (broken.on) throw new Error('database or disk is full');
      return real(...args);
    };
    let now = Date.now();
    for (let round = 0; round < 3; round++) {
      now += 11_000;
      expect(() => hub.tick(now)).not.toThrow();
    }
    const said = hub.takeDelta().notices.filter((n) => n.text.startsWith('retention:'));
    expect(said).toEqual([{ level: 'error', text: 'retention: database or disk is full (old rows stay until it works; tried again every round)' }]);
    broken.on = false;
    hub.tick(now + 11_000);
    broken.on = true; // failing again after it worked: said again
    hub.tick(now + 22_000);
    expect(hub.takeDelta().notices.filter((n) => n.text.startsWith('retention:'))).toHaveLength(1);
    await hub.close();
  });

  it("counts every second of a live session's drops while other sessions come and go", async () => {
    const { hub } = hubOnFile(`${tmp.dir}/drops.db`);
    const broker = (hub as unknown as { o: { broker: { live: unknown[] } } }).o.broker;
    const session = (id: string, drops: number) => ({ id, address: '127.0.0.1', transport: 'tcp', protocol: 'v2', device: null, connectedAt: 0, rttMs: null, counters: { drops } });
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    for (let i = 0; i <= 30; i++) {
      // one slow consumer dropping 5 a second, and a device that reconnects every second (a new session)
      broker.live = [session('busy', 5 * i), session(`flaky-${i}`, 0)];
      hub.tick(t0 + i * 1000);
    }
    const drops = hub.metrics.query('busy', '5m', t0 + 31_000).reduce((n, p) => n + (p.drops ?? 0), 0);
    expect(drops).toBe(150);
    await hub.close();
  });
});
