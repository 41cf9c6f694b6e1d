import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { columnBounds, KeyValue, openDatabase, WAL_SIZE_LIMIT_BYTES } from './db';
import { tempDir } from './testing/temp-dir';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('columnBounds', () => {
  it('reads both ends of the traffic log and the telemetry history through their keys, never scanning the table', () => {
    const db = openDatabase(`${tmp.dir}/bounds.db`);
    for (const [table, column] of [['traffic', 'seq'], ['telemetry_minute', 'id']] as const) {
      const bounds = columnBounds(db, table, column);
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${bounds.source}`).all() as { detail: string }[]).map((r) => r.detail);
      expect(plan.filter((d) => d.startsWith('SCAN') && d.includes(table))).toEqual([]);
      expect(plan.filter((d) => d.startsWith('SEARCH') && d.includes(table))).toHaveLength(2);
      expect(bounds.get()).toEqual({ lo: null, hi: null });
    }
    const insert = db.prepare("INSERT INTO traffic (seq, ts, dir, device, cmd, msg_id, size, payload, cut, bytes) VALUES (?, 0, 'in', 'd', 30, 0, 0, '', 0, 80)");
    for (const seq of [7, 3, 42]) insert.run(seq);
    expect(columnBounds(db, 'traffic', 'seq').get()).toEqual({ lo: 3, hi: 42 });
    db.close();
  });
});

describe('openDatabase: the file holds secrets (the headless admin token, token hashes)', () => {
  it.skipIf(process.platform === 'win32')('is readable by its owner only, even in a folder that already existed', () => {
    const dir = join(tmp.dir, 'shared');
    mkdirSync(dir);
    chmodSync(dir, 0o755); // e.g. --db /srv/lab/hypertcp.db: the folder is not ours to lock down
    const path = join(dir, 'hypertcp.db');
    const db = openDatabase(path);
    new KeyValue(db).set('host.adminToken', 'secret');
    for (const file of [path, `${path}-wal`, `${path}-shm`]) expect((statSync(file).mode & 0o777).toString(8), file).toBe('600');
    db.close();
    // and one created before this rule (0644) is tightened when opened
    chmodSync(path, 0o644);
    openDatabase(path).close();
    expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
  });
});

describe('openDatabase: the write-ahead log', () => {
  it('shrinks back to its size limit after a burst once checkpointed, instead of keeping its high-water mark', () => {
    const path = `${tmp.dir}/wal.db`;
    const db = openDatabase(path);
    db.pragma('wal_autocheckpoint = 0'); // as under the hub's checkpointer: checkpoints come from outside the writes
    const insert = db.prepare("INSERT INTO traffic (seq, ts, dir, device, cmd, msg_id, size, payload, cut, bytes) VALUES (?, 0, 'in', 'd', 30, 0, 0, ?, 0, 80)");
    const pad = 'x'.repeat(2000);
    db.transaction(() => {
      for (let seq = 1; seq <= 20_000; seq++) insert.run(seq, pad);
    })();
    const burst = statSync(`${path}-wal`).size;
    expect(burst).toBeGreaterThan(2 * WAL_SIZE_LIMIT_BYTES);
    db.pragma('wal_checkpoint(PASSIVE)');
    insert.run(20_001, pad); // the next write starts the log again from its beginning, and cuts the file
    expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES);
    expect(db.prepare('SELECT count(*) AS n FROM traffic').get()).toEqual({ n: 20_001 });
    db.close();
  });
});
