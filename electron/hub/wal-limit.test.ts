import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, WAL_SIZE_LIMIT_BYTES } from './db';
import { tempDir } from './testing/temp-dir';
import { TrafficLog } from './traffic-log';

const tmp = tempDir('hypertcp-wal-limit-');
afterAll(() => tmp.cleanup());

const row = (seq: number) => ({ seq, ts: seq, dir: 'in' as const, device: 'pump', from: 'pump', to: 'server', cmd: 0x20, msgId: seq, size: 4000, status: 200, payload: 'x'.repeat(4000), cut: false });

describe('the traffic writer thread and the write-ahead log', () => {
  it('cuts a WAL that grew past WAL_SIZE_LIMIT_BYTES back to it when the thread is the one that resets it (journal_size_limit is per connection)', async () => {
    const path = `${tmp.dir}/wal.db`;
    const db = openDatabase(path);
    const log = new TrafficLog(db, { writeInWorker: true });
    // a reader's open snapshot: no checkpoint gets past it, so the WAL grows with every row
    const reader = new Database(path, { readonly: true });
    reader.prepare('BEGIN').run();
    reader.prepare('SELECT count(*) FROM traffic').get();
    const rows = Math.ceil((WAL_SIZE_LIMIT_BYTES * 1.25) / 4000);
    for (let seq = 1; seq <= rows; seq++) log.append(row(seq));
    while (log.flush(Infinity));
    log.drain();
    reader.prepare('COMMIT').run();
    reader.close();
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(WAL_SIZE_LIMIT_BYTES);

    // every frame copied back: the next writer starts the WAL over, and only the thread writes now
    expect(db.pragma('wal_checkpoint(PASSIVE)')).toEqual([{ busy: 0, log: expect.any(Number), checkpointed: expect.any(Number) }]);
    log.append(row(rows + 1));
    while (log.flush(Infinity));
    log.drain();
    expect(log.counters.logged).toBe(rows + 1);
    expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES);
    await log.close();
    db.close();
  });
});
