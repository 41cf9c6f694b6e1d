import { afterAll, describe, expect, it, vi } from 'vitest';
import { Command } from '../../shared/protocol/constants';
import { KeyValue, openDatabase, type Db } from './db';
import { Hub } from './hub';
import { SettingsStore } from './settings';
import { TelemetryHistory } from './telemetry-history';
import { StandInBroker } from './testing/stand-in-broker';
import { tempDir } from './testing/temp-dir';
import { SqliteTokenStore } from './token-store';

const tmp = tempDir('hypertcp-forget-');
afterAll(() => tmp.cleanup());
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MIN = 60_000;
const DAY = 86_400_000;
const CHUNK = 5;

const hubOn = (db: Db) => new Hub({ db, broker: new StandInBroker(), tokens: new SqliteTokenStore(db), settings: new SettingsStore(new KeyValue(db)), checkpointEveryMs: 0, retentionChunkRows: CHUNK });
const countOf = (db: Db, table: string, device: string) => (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE device = ?`).get(device) as { n: number }).n;
const total = (db: Db, table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

function frames(hub: Hub, device: string, n: number, ts = T0): void {
  for (let i = 0; i < n; i++) {
    const payload = Buffer.from(`{"n":${i}}`);
    hub.onFrame({ ts, dir: 'in', device, from: device, to: 'server', cmd: Command.JSON_MESSAGE, msgId: i, size: payload.length, status: 200, payload });
  }
}

/** Two channels of both devices at minute `m` after T0. */
function readings(hub: Hub, m: number): void {
  for (const device of ['old', 'keep']) for (const channel of ['temp', 'hum']) hub.telemetry.record(device, channel, m, T0 + m * MIN);
}

describe("hub: deleting a forgotten device's history (real SQLite file)", () => {
  it("removes its stored, queued and open rows in bounded steps, keeps the other device's, and nothing comes back after a restart", async () => {
    const path = `${tmp.dir}/forget.db`;
    const db = openDatabase(path);
    const hub = hubOn(db);
    hub.registry.ensure('old');
    hub.registry.ensure('keep');
    // stored: traffic 30 + 10 rows, telemetry minutes 0..6
    frames(hub, 'old', 30);
    frames(hub, 'keep', 10);
    for (let m = 0; m <= 7; m++) readings(hub, m);
    hub.flusher.flushAll();
    // in memory: queued traffic, queued minutes 7..9, the open minute 10
    frames(hub, 'old', 4);
    frames(hub, 'keep', 2);
    for (let m = 8; m <= 10; m++) readings(hub, m);
    expect(countOf(db, 'traffic', 'old')).toBe(30);
    expect(countOf(db, 'telemetry_minute', 'old')).toBe(2 * 7);

    const deleteSteps = vi.spyOn(hub.log, 'deleteDevice');
    let turns = 0;
    let done = false;
    const spin = () => {
      turns++;
      if (!done) setImmediate(spin);
    };
    setImmediate(spin);
    expect(hub.forgetDevice('old')).toBe(true);
    const deleted = await hub.deleteHistory('old');
    done = true;

    // 30 stored + 4 queued traffic rows; 7 stored + 3 queued + 1 open minutes of 2 channels
    expect(deleted).toMatchObject({ trafficRows: 34, telemetryRows: 22 });
    expect(Math.max(...deleteSteps.mock.results.map((r) => (r.value as { deleted: number }).deleted))).toBeLessThanOrEqual(CHUNK);
    expect(deleteSteps.mock.calls.length).toBeGreaterThanOrEqual(30 / CHUNK);
    expect(turns).toBeGreaterThan(1); // the loop ran between steps
    expect(hub.telemetry.query('old', ['temp', 'hum'], '1h', T0 + 10 * MIN)).toEqual([]);

    hub.flusher.flushAll();
    expect(countOf(db, 'traffic', 'old')).toBe(0);
    expect(countOf(db, 'traffic', 'keep')).toBe(12);
    expect(hub.log.storedBytes).toBe((db.prepare('SELECT sum(bytes) AS b FROM traffic').get() as { b: number }).b);
    expect(hub.storage().telemetry.rows).toBe(total(db, 'telemetry_minute'));

    // the shutdown writes the open minute: only the kept device's
    await hub.close();
    expect(countOf(db, 'telemetry_minute', 'old')).toBe(0);
    expect(countOf(db, 'telemetry_minute', 'keep')).toBe(2 * 11);
    db.close();

    const again = openDatabase(path);
    const history = new TelemetryHistory(again);
    expect(history.query('old', ['temp', 'hum'], '1h', T0 + 10 * MIN + 1)).toEqual([]);
    expect(history.query('keep', ['temp'], '1h', T0 + 10 * MIN + 1)[0]!.points).toHaveLength(11);
    expect(history.stats().rows).toBe(total(again, 'telemetry_minute')); // the holes it left are remembered
    again.close();
  });

  it("deletes its per-device metrics minutes, stored, queued and open, and keeps the totals and the other device's", async () => {
    const db = openDatabase(`${tmp.dir}/metrics.db`);
    const hub = hubOn(db);
    const traffic = (m: number) => {
      for (const device of ['old', 'keep']) hub.metrics.count(device, 'in', 10, false, T0 + m * MIN);
    };
    // a minute is queued once a second of the next minute closes
    for (let m = 0; m < 5; m++) traffic(m);
    hub.metrics.flush(T0 + 5 * MIN); // minutes 0..2 stored
    traffic(5);
    hub.metrics.tick(T0 + 5 * MIN + 1_000); // minutes 3 and 4 queued, minute 5 open
    expect(countOf(db, 'metrics_minute', 'old')).toBe(3);
    expect(hub.metrics.topTalkers(10, T0 + 5 * MIN + 1_000).map((t) => t.device)).toContain('old');

    hub.forgetDevice('old');
    const deleted = await hub.deleteHistory('old');
    expect(deleted.metricsRows).toBe(3 + 2 + 1);
    hub.metrics.flush(T0 + 6 * MIN);
    expect(countOf(db, 'metrics_minute', 'old')).toBe(0);
    expect(countOf(db, 'metrics_minute', 'keep')).toBe(5);
    expect(countOf(db, 'metrics_minute', '*')).toBe(5); // the totals still count what it sent
    expect(hub.metrics.topTalkers(10, T0 + 5 * MIN + 1_000).map((t) => t.device)).not.toContain('old');
    await hub.close();
    db.close();
  });

  it('keeps the telemetry row count true while retention later deletes past the holes', () => {
    const db = openDatabase(`${tmp.dir}/holes.db`);
    const h = new TelemetryHistory(db, { maxRows: 6 });
    for (let m = 0; m < 10; m++) for (const device of ['a', 'b']) h.record(device, 'x', m, T0 + m * MIN);
    h.tick(T0 + 10 * MIN);
    while (h.flush());
    // a and b alternate ids: deleting a's rows leaves a hole at every other id
    expect(h.deleteDevice('a', h.lastId(), 3)).toEqual({ deleted: 3, more: true });
    expect(h.stats().rows).toBe(17);
    while (h.deleteDevice('a', h.lastId(), 3).more);
    expect(h.stats().rows).toBe(10);
    // over the row cap of 6: the 4 oldest rows go, not every row whose id is below hi - 6 + 1
    expect(h.applyRetention(T0 + 10 * MIN).deleted).toBe(4);
    expect(total(db, 'telemetry_minute')).toBe(6);
    expect(h.stats().rows).toBe(6);
    expect(h.applyRetention(T0 + 10 * MIN).deleted).toBe(0);
    db.close();
  });

  it("keeps Storage's traffic row count equal to count(*) after the delete, after retention trims past its holes, and after a restart", async () => {
    const path = `${tmp.dir}/traffic-holes.db`;
    const db = openDatabase(path);
    const hub = hubOn(db);
    const span = (d: Db) => (d.prepare('SELECT max(seq) - min(seq) + 1 AS n FROM traffic').get() as { n: number }).n;
    // 'old' and 'keep' alternate seqs: seqs 1..20 eight days old, 21..40 one day old (retention: 7 days)
    for (const ts of [T0, T0 + 7 * DAY]) {
      for (let i = 0; i < 10; i++) {
        frames(hub, 'old', 1, ts);
        frames(hub, 'keep', 1, ts);
      }
    }
    hub.flusher.flushAll();
    // queued, not written: old's 41..43 are dropped by the delete, keep's 44..45 written after that gap
    frames(hub, 'old', 3, T0 + 7 * DAY);
    frames(hub, 'keep', 2, T0 + 7 * DAY);
    hub.forgetDevice('old');
    expect(await hub.deleteHistory('old')).toMatchObject({ trafficRows: 23 });
    hub.flusher.flushAll();
    expect(total(db, 'traffic')).toBe(22);
    expect(span(db)).toBe(44); // 2..45: the range alone would say 44 rows
    expect(hub.storage().traffic.rows).toBe(22);

    // by age: keep's 2..20 go, and with them the holes at 1..19 and 21
    expect(hub.applyRetention(T0 + 8 * DAY - MIN)).toBe(10);
    expect(total(db, 'traffic')).toBe(12);
    expect(hub.storage().traffic.rows).toBe(12);
    // by size: the oldest five rows (22..30) and the holes between them
    const rowBytes = hub.log.storedBytes / 12;
    expect(hub.log.applyRetention({ maxAgeMs: 30 * DAY, maxBytes: 7 * rowBytes }, T0 + 8 * DAY - MIN).deleted).toBe(5);
    expect(total(db, 'traffic')).toBe(7);
    expect(span(db)).toBe(45 - 32 + 1);
    expect(hub.storage().traffic.rows).toBe(7);

    await hub.close();
    db.close();
    const again = openDatabase(path);
    expect(new KeyValue(again).get('traffic.holes')).toBe(String(span(again) - 7)); // kept in the file, not only in memory
    const reopened = hubOn(again);
    expect(reopened.storage().traffic.rows).toBe(total(again, 'traffic'));
    expect(reopened.storage().traffic.rows).toBe(7);
    // written on, and the last holes trimmed by age: still exact, and never below zero
    frames(reopened, 'keep', 3, T0 + 15 * DAY);
    expect(reopened.applyRetention(T0 + 15 * DAY)).toBe(7);
    expect(reopened.storage().traffic.rows).toBe(3);
    expect(new KeyValue(again).get('traffic.holes')).toBe('0');
    await reopened.close();
    again.close();
  });
});
