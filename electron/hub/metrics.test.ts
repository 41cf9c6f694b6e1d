import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './db';
import { metricsCsv } from './export';
import { Flusher } from './flusher';
import { Metrics } from './metrics';
import { FIELDS } from './metrics-series';
import type { MetricsPoint } from '../../shared/api/contract';
import { tempDir } from './testing/temp-dir';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('Metrics', () => {
  it('1 s buckets per device and total, top talkers, rates', () => {
    const db = openDatabase(`${tmp.dir}/m1.db`);
    const m = new Metrics(db);
    for (let s = 0; s < 10; s++) {
      for (let i = 0; i < 50; i++) m.count('busy', 'in', 100, false, T0 + s * 1000 + i);
      for (let i = 0; i < 5; i++) m.count('calm', 'out', 10, i === 0, T0 + s * 1000 + i);
      m.record('busy', 'rttMs', 20 + s, T0 + s * 1000 + 900);
    }
    m.tick(T0 + 10_000);
    const busy = m.query('busy', '5m', T0 + 10_000);
    expect(busy).toHaveLength(300);
    const last = busy[busy.length - 1]!;
    expect(last).toMatchObject({ ts: T0 + 9000, msgsIn: 50, bytesIn: 5000, rttMs: 29 });
    const total = m.query(undefined, '5m', T0 + 10_000).at(-1)!;
    expect(total).toMatchObject({ msgsIn: 50, msgsOut: 5, errors: 1 });
    expect(m.topTalkers(5, T0 + 10_000).map((t) => [t.device, t.msgsPerSecond])).toEqual([['busy', 50], ['calm', 5]]);
    expect(m.rateIn('busy', T0 + 10_000)).toBe(50);
    const hour = m.query('busy', '1h', T0 + 10_000);
    expect(hour).toHaveLength(360);
    expect(hour.at(-1)!.msgsIn).toBe(50);
    db.close();
  });

  it('a query right after a second ends counts that second, before any tick has rolled it', () => {
    const db = openDatabase(`${tmp.dir}/m-roll.db`);
    const m = new Metrics(db);
    for (let i = 0; i < 7; i++) m.count('a', 'in', 10, false, T0 + 5000 + i);
    const points = m.query(undefined, '5m', T0 + 6_010);
    expect(points.at(-1)).toMatchObject({ ts: T0 + 5000, msgsIn: 7, bytesIn: 70 });
    expect(m.lastTotal).toMatchObject({ ts: T0 + 5000, msgsIn: 7 });
    db.close();
  });

  it('rolls minutes up into SQLite and serves 24h and 30d from there, surviving a restart', () => {
    const path = `${tmp.dir}/m2.db`;
    const db = openDatabase(path);
    const m = new Metrics(db);
    for (let s = 0; s < 180; s++) m.count('a', 'in', 10, false, T0 + s * 1000);
    m.tick(T0 + 181_000);
    m.flush(T0 + 181_000);
    const rows = db.prepare('SELECT device, ts, msgs_in FROM metrics_minute ORDER BY device, ts').all();
    expect(rows).toEqual([
      { device: '*', ts: T0, msgs_in: 60 }, { device: '*', ts: T0 + 60_000, msgs_in: 60 },
      { device: 'a', ts: T0, msgs_in: 60 }, { device: 'a', ts: T0 + 60_000, msgs_in: 60 },
    ]);
    db.close();
    const db2 = openDatabase(path);
    const day = new Metrics(db2).query('a', '24h', T0 + 181_000);
    expect(day.length).toBeGreaterThanOrEqual(1440);
    expect(day.filter((p) => p.msgsIn! > 0).map((p) => [p.ts, p.msgsIn])).toEqual([[T0, 1], [T0 + 60_000, 1]]);
    const month = new Metrics(db2).query('a', '30d', T0 + 181_000);
    expect(month.length).toBeGreaterThanOrEqual(720);
    expect(month.filter((p) => p.msgsIn! > 0).map((p) => p.msgsIn! * 3600)).toEqual([120]);
    const csv = metricsCsv(day.filter((p) => p.msgsIn! > 0));
    expect(csv.content.split('\n')[0]).toBe('time,msgsIn,msgsOut,bytesIn,bytesOut,errors,drops,rttMs,queueDepth,udpLoss,udpRetransmits,udpSpurious');
    expect(csv.content.split('\n')[1]).toBe(`${new Date(T0).toISOString()},1,0,10,0,0,0,,0,0,0,0`);
    db2.close();
  });

  it('answers a time the host was not running with nulls (a gap), and an idle time it ran with zeros', () => {
    const db = openDatabase(`${tmp.dir}/m-gaps.db`);
    const m = new Metrics(db);
    // The host starts at T0 and ticks every second; device a talks once, at T0 + 5 s.
    for (let s = 0; s <= 20; s++) {
      if (s === 5) m.count('a', 'in', 10, false, T0 + 5_000);
      m.tick(T0 + s * 1000);
    }
    const at = (points: MetricsPoint[], ts: number) => points.find((p) => p.ts === ts)!;
    let total = m.query(undefined, '5m', T0 + 21_000);
    expect(total.filter((p) => p.ts < T0).every((p) => FIELDS.every((f) => p[f] === null))).toBe(true);
    expect(total.filter((p) => p.ts >= T0).map((p) => p.msgsIn)).toEqual([...Array(5).fill(0), 1, ...Array(15).fill(0)]);
    const a = m.query('a', '5m', T0 + 21_000);
    expect(at(a, T0 - 1000).msgsIn).toBeNull(); // before the host ran
    expect(at(a, T0 + 4000).msgsIn).toBe(0); // the host ran, a was silent
    expect(at(a, T0 + 5000).msgsIn).toBe(1);
    // A loop held up for 5 s still ran: zeros. A 2-minute jump (the machine slept): a gap.
    m.tick(T0 + 26_000);
    m.tick(T0 + 27_000);
    m.tick(T0 + 147_000);
    m.tick(T0 + 148_000);
    total = m.query(undefined, '5m', T0 + 149_000);
    expect([21, 22, 23, 24, 25].map((s) => at(total, T0 + s * 1000).msgsIn)).toEqual([0, 0, 0, 0, 0]);
    expect([28, 60, 146].map((s) => at(total, T0 + s * 1000).msgsIn)).toEqual([null, null, null]);
    expect(at(total, T0 + 147_000).msgsIn).toBe(0);
    // From the rollups: minutes with the host running are numbers (0 when idle), others null.
    m.tick(T0 + 181_000);
    m.tick(T0 + 182_000);
    const day = m.query(undefined, '24h', T0 + 182_000);
    expect([-60_000, 0, 60_000, 120_000, 180_000].map((d) => at(day, T0 + d).msgsIn)).toEqual([null, 1 / 60, null, 0, 0]);
    const dayA = m.query('a', '24h', T0 + 182_000);
    expect([-60_000, 0, 60_000, 120_000].map((d) => at(dayA, T0 + d).msgsIn)).toEqual([null, 1 / 60, null, 0]);
    db.close();
  });

  it('keeps at most maxDevices device series in memory', () => {
    const db = openDatabase(`${tmp.dir}/m3.db`);
    const m = new Metrics(db, 8);
    for (let d = 0; d < 50; d++) m.count(`d${d}`, 'in', 1, false, T0 + d * 1000);
    m.tick(T0 + 60_000);
    expect(m.topTalkers(100, T0 + 51_000).length).toBeLessThanOrEqual(9);
    expect(m.query('d49', '5m', T0 + 51_000).some((p) => p.msgsIn! > 0)).toBe(true);
    // evicted: no counts left (zero while the host ran, null before it started)
    expect(m.query('d0', '5m', T0 + 51_000).every((p) => (p.ts < T0 ? p.msgsIn === null : p.msgsIn === 0))).toBe(true);
    db.close();
  });
});

describe('Metrics clock', () => {
  it('counts a late timestamp from a closed second into the current one instead of going back', () => {
    const tmp2 = tempDir();
    const db = openDatabase(`${tmp2.dir}/late.db`);
    const m = new Metrics(db);
    m.count('a', 'in', 1, false, T0 + 1500);
    m.count('a', 'in', 1, false, T0 + 999);
    m.count('a', 'in', 1, false, T0 + 1600);
    m.tick(T0 + 2000);
    const points = m.query('a', '5m', T0 + 2000);
    expect(points.at(-1)).toMatchObject({ ts: T0 + 1000, msgsIn: 3 });
    db.close();
    tmp2.cleanup();
  });
});

describe('Metrics in a flusher round that rolls back', () => {
  it('keeps the rollups the round took, in order, and the next round writes exactly those (and the retention delete)', () => {
    const db = openDatabase(`${tmp.dir}/m-rollback.db`);
    const m = new Metrics(db, 128);
    const flusher = new Flusher(db);
    const now = T0 + 10 * 60_000;
    const failing = { on: true };
    flusher.add('metrics', () => m.flush(now), (committed) => m.settle(committed));
    // a later task of the same round fails (a full disk, a broken write): the whole round rolls back
    flusher.add('other', () => {
      if (failing.on) throw new Error('disk I/O error');
    });
    const stored = () => db.prepare('SELECT device, ts, msgs_in, bytes_in FROM metrics_minute ORDER BY device, ts').all();
    // a rollup past the 30-day retention, which the round's delete removes
    db.prepare("INSERT INTO metrics_minute (device, ts, msgs_in, msgs_out, bytes_in, bytes_out, errors, drops, queue_depth, udp_loss, udp_retransmits) VALUES ('a', 0, 1, 0, 0, 0, 0, 0, 0, 0, 0)").run();
    // minute 0: 3 frames, minute 1: 5 frames, minute 2: 1 frame; the first two are queued once a
    // second of minute 2 closes
    for (let i = 0; i < 3; i++) m.count('a', 'in', 10, false, T0 + i * 1000);
    for (let i = 0; i < 5; i++) m.count('a', 'in', 10, false, T0 + 60_000 + i * 1000);
    m.count('a', 'in', 10, false, T0 + 120_000);
    m.tick(T0 + 121_000);

    flusher.flush();
    expect(flusher.lastError?.message).toBe('disk I/O error');
    expect(stored()).toEqual([{ device: 'a', ts: 0, msgs_in: 1, bytes_in: 0 }]);

    // minute 2 queued between the rounds, behind the ones put back
    m.tick(T0 + 181_000);
    m.tick(T0 + 182_000);
    failing.on = false;
    flusher.flush();
    expect(stored()).toEqual([
      { device: '*', ts: T0, msgs_in: 3, bytes_in: 30 }, { device: '*', ts: T0 + 60_000, msgs_in: 5, bytes_in: 50 }, { device: '*', ts: T0 + 120_000, msgs_in: 1, bytes_in: 10 },
      { device: 'a', ts: T0, msgs_in: 3, bytes_in: 30 }, { device: 'a', ts: T0 + 60_000, msgs_in: 5, bytes_in: 50 }, { device: 'a', ts: T0 + 120_000, msgs_in: 1, bytes_in: 10 },
    ]);
    // nothing left over for a later round
    db.prepare('DELETE FROM metrics_minute').run();
    flusher.flush();
    expect(stored()).toEqual([]);
    db.close();
  });
});
