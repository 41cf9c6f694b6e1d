import { afterAll, describe, expect, it } from 'vitest';
import { KeyValue, openDatabase, type Db } from './db';
import { Flusher } from './flusher';
import { Hub } from './hub';
import { MAX_TELEMETRY_KEYS } from './registry';
import { SettingsStore } from './settings';
import { TelemetryHistory } from './telemetry-history';
import { StandInBroker } from './testing/stand-in-broker';
import { tempDir } from './testing/temp-dir';
import { SqliteTokenStore } from './token-store';

const tmp = tempDir('hypertcp-telemetry-');
afterAll(() => tmp.cleanup());
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MIN = 60_000;
let n = 0;
const fresh = () => openDatabase(`${tmp.dir}/t${++n}.db`);
const rows = (db: Db) => db.prepare('SELECT device, channel, ts, readings, sum_value, min_value, max_value, last_value FROM telemetry_minute ORDER BY id').all();
const count = (db: Db) => (db.prepare('SELECT count(*) AS n FROM telemetry_minute').get() as { n: number }).n;

describe('TelemetryHistory (real SQLite file, injected clock)', () => {
  it('rolls a minute up into one row (readings, sum, min, max, last) once the minute has ended', () => {
    const db = fresh();
    const h = new TelemetryHistory(db);
    [20, 22, 18, 21].forEach((v, i) => h.record('gh', 'temp', v, T0 + i * 10_000));
    h.record('gh', 'humidity', 55, T0 + 59_999);
    h.tick(T0 + 59_999);
    h.flush();
    expect(count(db)).toBe(0); // the minute is still open: nothing queued
    h.tick(T0 + MIN);
    expect(h.flush()).toBe(false);
    expect(rows(db)).toEqual([
      { device: 'gh', channel: 'temp', ts: T0, readings: 4, sum_value: 81, min_value: 18, max_value: 22, last_value: 21 },
      { device: 'gh', channel: 'humidity', ts: T0, readings: 1, sum_value: 55, min_value: 55, max_value: 55, last_value: 55 },
    ]);
    db.close();
  });

  it('serves 1h in minute steps with the open minute from memory, and only channels that have readings', () => {
    const db = fresh();
    const h = new TelemetryHistory(db);
    h.record('gh', 'temp', 10, T0);
    h.record('gh', 'temp', 20, T0 + 30_000);
    h.record('gh', 'temp', 5, T0 + MIN + 1_000); // opens the next minute, queues the first
    const series = h.query('gh', ['temp', 'never'], '1h', T0 + MIN + 2_000);
    expect(series).toEqual([{ channel: 'temp', points: [{ ts: T0, avg: 15, min: 10, max: 20, count: 2 }, { ts: T0 + MIN, avg: 5, min: 5, max: 5, count: 1 }] }]);
    expect(count(db)).toBe(1); // the query wrote the queued minute
    expect(h.query('other', ['temp'], '1h', T0 + MIN + 2_000)).toEqual([]);
    // an hour later the first minute has left the 1h range
    expect(h.query('gh', ['temp'], '1h', T0 + 60 * MIN + 1_000).map((s) => s.points.map((p) => p.ts))).toEqual([[T0 + MIN]]);
    db.close();
  });

  it('a query whose write of the queued minutes fails (a full disk) keeps them for the next try', () => {
    const db = fresh();
    const h = new TelemetryHistory(db);
    h.record('gh', 'temp', 10, T0);
    h.record('gh', 'temp', 20, T0 + MIN + 1_000); // queues the first minute
    db.exec("CREATE TRIGGER full_disk BEFORE INSERT ON telemetry_minute BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    expect(() => h.query('gh', ['temp'], '1h', T0 + MIN + 2_000)).toThrow(/disk is full/);
    db.exec('DROP TRIGGER full_disk');
    const series = h.query('gh', ['temp'], '1h', T0 + MIN + 3_000);
    expect(series[0]!.points.map((p) => [p.ts, p.avg])).toEqual([[T0, 10], [T0 + MIN, 20]]);
    expect(count(db)).toBe(1);
    db.close();
  });

  it('downsamples 24h to 5-minute and 30d to 1-hour steps, bounded whatever the data', () => {
    const db = fresh();
    const h = new TelemetryHistory(db);
    for (let m = 0; m < 24 * 60; m++) h.record('gh', 'temp', m % 10, T0 + m * MIN);
    const now = T0 + 24 * 60 * MIN - 1;
    const day = h.query('gh', ['temp'], '24h', now)[0]!.points;
    expect(day.length).toBe(288);
    // minutes 0..4 carried 0..4
    expect(day[0]).toEqual({ ts: T0, avg: 2, min: 0, max: 4, count: 5 });
    expect(day[1]).toEqual({ ts: T0 + 5 * MIN, avg: 7, min: 5, max: 9, count: 5 });
    const month = h.query('gh', ['temp'], '30d', now)[0]!.points;
    expect(month.length).toBe(24);
    expect(month[0]).toEqual({ ts: T0, avg: 4.5, min: 0, max: 9, count: 60 });
    expect(month.every((p, i) => i === 0 || p.ts - month[i - 1]!.ts === 3_600_000)).toBe(true);
    db.close();
  });

  it('ignores non-finite readings and holds the device and channel caps per minute', () => {
    const db = fresh();
    const h = new TelemetryHistory(db, { maxDevices: 3, maxChannels: 2 });
    h.record('a', 'x', NaN, T0);
    h.record('a', 'x', Infinity, T0);
    for (const d of ['a', 'b', 'c', 'd']) h.record(d, 'x', 1, T0);
    h.record('a', 'y', 1, T0);
    h.record('a', 'z', 1, T0);
    expect(h.skipped).toBe(2); // device d, channel z
    h.tick(T0 + MIN);
    h.flush();
    expect((rows(db) as { device: string; channel: string }[]).map((r) => `${r.device}.${r.channel}`)).toEqual(['a.x', 'a.y', 'b.x', 'c.x']);
    // the caps are per minute: the next minute has room again
    h.record('d', 'x', 1, T0 + MIN);
    expect(h.skipped).toBe(2);
    db.close();
  });

  it('a restart within a minute merges both parts into one row', () => {
    const path = `${tmp.dir}/restart.db`;
    const db = openDatabase(path);
    const before = new TelemetryHistory(db);
    before.record('gh', 'temp', 10, T0 + 1_000);
    before.closeCurrent();
    before.flush();
    db.close();
    const db2 = openDatabase(path);
    const after = new TelemetryHistory(db2);
    after.record('gh', 'temp', 30, T0 + 40_000);
    after.tick(T0 + MIN);
    after.flush();
    expect(rows(db2)).toEqual([{ device: 'gh', channel: 'temp', ts: T0, readings: 2, sum_value: 40, min_value: 10, max_value: 30, last_value: 30 }]);
    db2.close();
  });

  it('retention deletes rows past 30 days and over the row cap, oldest first, in bounded steps', () => {
    const db = fresh();
    const h = new TelemetryHistory(db, { maxRows: 50, chunkRows: 10_000 });
    const DAY = 86_400_000;
    // 40 old minutes (31 days ago), then 30 young ones
    for (let m = 0; m < 40; m++) h.record('gh', 'temp', m, T0 + m * MIN);
    const now = T0 + 31 * DAY;
    for (let m = 0; m < 30; m++) h.record('gh', 'temp', m, now - 60 * MIN + m * MIN);
    h.tick(now);
    while (h.flush());
    expect(count(db)).toBe(70);
    const steps: number[] = [];
    for (let more = true; more; ) {
      const r = h.applyRetention(now, 15);
      steps.push(r.deleted);
      more = r.more;
    }
    expect(Math.max(...steps)).toBeLessThanOrEqual(15);
    expect(steps.reduce((a, b) => a + b, 0)).toBe(40);
    expect(count(db)).toBe(30);
    const oldest = db.prepare('SELECT min(ts) AS t FROM telemetry_minute').get() as { t: number };
    expect(oldest.t).toBe(now - 60 * MIN);
    // the row cap: 30 more young rows make 60 > 50, so the 10 oldest go although they are young
    const later = now + 30 * MIN;
    for (let m = 0; m < 30; m++) h.record('gh', 'temp', m, now + m * MIN);
    h.tick(later);
    while (h.flush());
    expect(h.applyRetention(later)).toEqual({ deleted: 10, more: false });
    expect(count(db)).toBe(50);
    expect(h.applyRetention(later)).toEqual({ deleted: 0, more: false });
    db.close();
  });
});

describe('hub: telemetry reports feed the history', () => {
  it('keeps numeric values of known devices only, within the registry channel bound, served by query', async () => {
    const db = fresh();
    const hub = new Hub({ db, broker: new StandInBroker(), tokens: new SqliteTokenStore(db), settings: new SettingsStore(new KeyValue(db)), checkpointEveryMs: 0 });
    hub.registry.ensure('gh');
    const send = (device: string, body: string) => hub.onServerMessage(device, Buffer.from(body));
    send('gh', '{"telemetry":{"temp":21.5,"mode":"eco","heater":true,"none":null,"huge":1e999}}');
    send('gh', '{"telemetry":{"temp":23.5}}');
    send('stranger', '{"telemetry":{"temp":99}}');
    const many = Object.fromEntries(Array.from({ length: MAX_TELEMETRY_KEYS + 10 }, (_, i) => [`c${i}`, i]));
    send('gh', JSON.stringify({ telemetry: many }));
    const series = hub.telemetry.query('gh', Object.keys(hub.registry.get('gh')!.telemetry), '1h', Date.now());
    expect(series.find((s) => s.channel === 'temp')!.points).toEqual([expect.objectContaining({ avg: 22.5, min: 21.5, max: 23.5 })]);
    expect(series.map((s) => s.channel)).not.toContain('mode');
    expect(series.map((s) => s.channel)).not.toContain('huge');
    expect(series.length).toBeLessThanOrEqual(MAX_TELEMETRY_KEYS);
    expect(hub.telemetry.query('stranger', ['temp'], '1h', Date.now())).toEqual([]);
    // closing writes the open minute, so a restart keeps it
    await hub.close();
    expect(count(db)).toBe(series.length);
    db.close();
  });
});

describe('TelemetryHistory in a flusher round that rolls back', () => {
  it('puts the chunk the round took back in front of the queue and the next rounds merge each minute once', () => {
    const db = fresh();
    const h = new TelemetryHistory(db, { chunkRows: 2 });
    const flusher = new Flusher(db);
    const failing = { on: true };
    flusher.add('telemetry', () => h.flush(), (committed) => h.settle(committed));
    // a later task of the same round fails (a full disk, a broken write): the whole round rolls back
    flusher.add('other', () => {
      if (failing.on) throw new Error('disk I/O error');
    });
    // the first part of minute 0 is stored already (a restart within the minute): the rest merges into it
    h.record('gh', 'temp', 10, T0);
    h.closeCurrent();
    failing.on = false;
    flusher.flush();
    failing.on = true;
    // minute 0 (the rest) and minute 1 of two channels: four rows queued, two a round
    for (let m = 0; m < 2; m++) {
      h.record('gh', 'temp', 20 + m, T0 + m * MIN + 1);
      h.record('gh', 'temp', 30 + m, T0 + m * MIN + 2);
      h.record('gh', 'hum', 50 + m, T0 + m * MIN + 3);
    }
    h.tick(T0 + 2 * MIN);
    expect(h.queued).toBe(4);

    flusher.flush();
    expect(flusher.lastError?.message).toBe('disk I/O error');
    expect(h.queued).toBe(4);
    expect(rows(db)).toEqual([{ device: 'gh', channel: 'temp', ts: T0, readings: 1, sum_value: 10, min_value: 10, max_value: 10, last_value: 10 }]);

    failing.on = false;
    flusher.flushAll();
    expect(h.queued).toBe(0);
    expect(rows(db)).toEqual([
      { device: 'gh', channel: 'temp', ts: T0, readings: 3, sum_value: 60, min_value: 10, max_value: 30, last_value: 30 },
      { device: 'gh', channel: 'hum', ts: T0, readings: 1, sum_value: 50, min_value: 50, max_value: 50, last_value: 50 },
      { device: 'gh', channel: 'temp', ts: T0 + MIN, readings: 2, sum_value: 52, min_value: 21, max_value: 31, last_value: 31 },
      { device: 'gh', channel: 'hum', ts: T0 + MIN, readings: 1, sum_value: 51, min_value: 51, max_value: 51, last_value: 51 },
    ]);
    expect(h.stats()).toMatchObject({ rows: 4, skipped: 0 });
    db.close();
  });
});
