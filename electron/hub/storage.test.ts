import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrafficRow } from '../../shared/api/contract';
import { Command } from '../../shared/protocol/constants';
import { eventually } from '../broker/testing/fixtures';
import { KeyValue, openDatabase, type Db } from './db';
import { Flusher } from './flusher';
import { Hub } from './hub';
import { SettingsStore } from './settings';
import { storageStats } from './storage';
import { TelemetryHistory } from './telemetry-history';
import { StandInBroker } from './testing/stand-in-broker';
import { tempDir } from './testing/temp-dir';
import { SqliteTokenStore } from './token-store';
import { TrafficLog } from './traffic-log';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const row = (seq: number, ts: number): TrafficRow => ({ seq, ts, dir: 'in', device: 'd', from: 'd', to: 'server', cmd: 30, msgId: seq, size: 7, status: 200, payload: '{"a":1}', cut: false });

/** A hub on `db` as the app makes it (writeTrafficInWorker) or as tests and tools do, its timers out of the way. */
const hubOn = (db: Db, writeTrafficInWorker: boolean) =>
  new Hub({ db, broker: new StandInBroker(), tokens: new SqliteTokenStore(db), settings: new SettingsStore(new KeyValue(db)), writeTrafficInWorker, flushMs: 60_000, checkpointEveryMs: 0 });
const messages = (hub: Hub, n: number) => {
  const payload = Buffer.from('{"targetId":"server","payload":{}}');
  for (let i = 1; i <= n; i++) hub.onFrame({ ts: 1_000 + i, dir: 'in', device: 'd', from: 'd', to: 'server', cmd: Command.JSON_MESSAGE, msgId: i, size: payload.length, status: 200, payload });
};

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

  describe('says how traffic rows are written', () => {
    it("by the hub's writer thread when asked for: the rows it wrote since this start", async () => {
      const db = openDatabase(`${tmp.dir}/thread.db`);
      const hub = hubOn(db, true);
      expect(hub.storage().writer).toEqual({ mode: 'thread', failure: null, written: 0, inFlight: 0 });
      messages(hub, 300);
      hub.flusher.flushAll();
      expect(hub.storage().writer).toEqual({ mode: 'thread', failure: null, written: 300, inFlight: 0 });
      expect(hub.storage().traffic.rows).toBe(300);
      await hub.close();
      db.close();
    });

    it('on the main thread when the hub was not asked for a thread', async () => {
      const db = openDatabase(`${tmp.dir}/main.db`);
      const hub = hubOn(db, false);
      messages(hub, 300);
      hub.flusher.flushAll();
      expect(hub.storage().writer).toEqual({ mode: 'main', failure: null, written: 0, inFlight: 0 });
      expect(hub.storage().traffic.rows).toBe(300);
      await hub.close();
      db.close();
    });

    it('rows handed to the thread and not yet written are in flight', async () => {
      const db = openDatabase(`${tmp.dir}/in-flight.db`);
      const log = new TrafficLog(db, { writeInWorker: true });
      const stats = () => storageStats(db, log, new Flusher(db), { days: 7, megabytes: 1 }, new TelemetryHistory(db));
      for (let i = 1; i <= 300; i++) log.append(row(i, 1_000 + i));
      // held between batches (exclusive), the thread cannot write what it is handed
      log.exclusive(() => {
        log.flush(10_000, performance.now() + 1_000);
        expect(stats().writer).toEqual({ mode: 'thread', failure: null, written: 0, inFlight: 300 });
      });
      log.drain();
      expect(stats().writer).toEqual({ mode: 'thread', failure: null, written: 300, inFlight: 0 });
      await log.close();
      db.close();
    });

    it('on the main thread, and why, when the thread could not open the database', async () => {
      const path = `${tmp.dir}/gone.db`;
      const db = openDatabase(path);
      for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true }); // this connection keeps its open file
      const hub = hubOn(db, true);
      // said as soon as the thread is gone, before a write round lets it go
      await eventually(() => hub.storage().writer.mode === 'main', 5_000, 'the failed thread reported');
      // the thread's own error or its shared-memory flag, whichever this thread saw first
      const failed = { mode: 'main', failure: expect.stringMatching(/could not open the database|unable to open database file/), written: 0, inFlight: 0 };
      expect(hub.storage().writer).toEqual(failed);
      messages(hub, 10);
      hub.flusher.flushAll();
      expect(hub.storage().writer).toEqual(failed);
      expect(hub.storage().traffic.rows).toBe(10);
      await hub.close();
      db.close();
    });
  });
});
