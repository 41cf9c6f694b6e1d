import { afterAll, describe, expect, it } from 'vitest';
import type { TrafficRow } from '../../shared/api/contract';
import { openDatabase } from './db';
import { Flusher } from './flusher';
import { storageStats } from './storage';
import { TelemetryHistory } from './telemetry-history';
import { tempDir } from './testing/temp-dir';
import { TrafficLog } from './traffic-log';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const row = (seq: number, ts: number): TrafficRow => ({ seq, ts, dir: 'in', device: 'd', from: 'd', to: 'server', cmd: 30, msgId: seq, size: 7, status: 200, payload: '{"a":1}', cut: false });

describe('storageStats', () => {
  it('reports the files, the log against its caps after retention, queued rows and write rounds', () => {
    const path = `${tmp.dir}/storage.db`;
    const db = openDatabase(path);
    const log = new TrafficLog(db);
    const flusher = new Flusher(db);
    const telemetry = new TelemetryHistory(db, { maxRows: 1_000, maxDevices: 1 });
    flusher.add('traffic', () => log.flush());
    flusher.add('telemetry', () => telemetry.flush());
    const retention = { days: 7, megabytes: 1 };
    const stats = () => storageStats(db, log, flusher, retention, telemetry);

    const empty = stats();
    expect(empty).toMatchObject({ path, traffic: { rows: 0, bytes: 0, oldestTs: null, capBytes: 1024 * 1024, maxAgeDays: 7, queued: 0 }, writes: { rounds: 0 } });
    expect(empty.telemetry).toEqual({ rows: 0, oldestTs: null, maxAgeDays: 30, maxRows: 1_000, skipped: 0 });

    // two closed minutes of one channel, and a second device past the one-device cap (skipped)
    telemetry.record('probe', 'temp', 20, 60_000);
    telemetry.record('other', 'temp', 5, 60_000);
    telemetry.record('probe', 'temp', 21, 120_000);
    telemetry.tick(180_000);
    expect(empty.fileBytes).toBeGreaterThan(0);

    for (let i = 1; i <= 500; i++) log.append(row(i, 1_000 + i));
    expect(stats().traffic.queued).toBe(500);
    flusher.flushAll();
    // rows 1..100 (ts 1001..1100) are older than 1 s at 2.1 s
    expect(log.applyRetention({ maxAgeMs: 1_000, maxBytes: 1e9 }, 2_101).deleted).toBe(100);

    const s = stats();
    expect(s.telemetry).toEqual({ rows: 2, oldestTs: 60_000, maxAgeDays: 30, maxRows: 1_000, skipped: 1 });
    expect(s.traffic).toMatchObject({ rows: 400, oldestTs: 1_101, queued: 0, dropped: 0 });
    expect(s.traffic.bytes).toBe(log.storedBytes);
    expect(s.traffic.bytes).toBeGreaterThan(0);
    expect(s.writes.rounds).toBeGreaterThan(0);
    expect(s.writes.slowestMs).toBeGreaterThan(0);
    expect(s.walBytes).toBeGreaterThan(0); // WAL mode: the writes are in the log until a checkpoint
    db.close();
  });

  it('counts traffic rows exactly when numbered rows were never written (dropped from a full queue), and on reopening', () => {
    const path = `${tmp.dir}/dropped.db`;
    const db = openDatabase(path);
    const log = new TrafficLog(db, { maxQueue: 5 });
    const flusher = new Flusher(db);
    flusher.add('traffic', () => log.flush());
    const count = () => (db.prepare('SELECT count(*) AS n FROM traffic').get() as { n: number }).n;
    // the hub numbers every frame as it arrives: 6..10 are dropped, 11..15 written after the gap
    for (let i = 1; i <= 10; i++) log.append(row(i, 1_000 + i));
    flusher.flushAll();
    for (let i = 11; i <= 15; i++) log.append(row(i, 1_000 + i));
    flusher.flushAll();
    expect(log.counters.dropped).toBe(5);
    expect(count()).toBe(10);
    expect(storageStats(db, log, flusher, { days: 7, megabytes: 1 }, new TelemetryHistory(db)).traffic.rows).toBe(10);
    db.close();
    const again = openDatabase(path);
    expect(storageStats(again, new TrafficLog(again), new Flusher(again), { days: 7, megabytes: 1 }, new TelemetryHistory(again)).traffic.rows).toBe(10);
    again.close();
  });
});
