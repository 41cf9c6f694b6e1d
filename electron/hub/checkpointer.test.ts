import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../broker/testing/fixtures';
import { Checkpointer } from './checkpointer';
import { openDatabase, type Db } from './db';
import { tempDir } from './testing/temp-dir';

const tmp = tempDir('hypertcp-checkpoint-');
afterAll(() => tmp.cleanup());

function writeRows(db: Db, n: number): void {
  const insert = db.prepare("INSERT INTO audit (ts, action, detail) VALUES (?, 'test', ?)");
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(i, 'x'.repeat(500));
  })();
}

describe('Checkpointer', () => {
  it("takes WAL checkpoints out of the hub connection's commits and runs them in a worker", async () => {
    const db = openDatabase(`${tmp.dir}/worker.db`);
    const cp = new Checkpointer(db, { everyMs: 20 });
    cp.start();
    expect(cp.stats.mode).toBe('worker');
    // The hub's connection never checkpoints inside a COMMIT while the worker is in charge.
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    writeRows(db, 2000);
    await eventually(() => cp.stats.checkpoints >= 2 && cp.stats.walPages > 0, 5000, 'worker checkpoints');
    expect(cp.stats.errors).toBe(0);
    const closing = cp.close();
    expect(cp.stats.mode).toBe('in-commit');
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(db.prepare('SELECT count(*) AS n FROM audit').get()).toEqual({ n: 2000 });
    await closing;
    db.close();
  });

  it("lets go of the database before close() resolves, so the hub's connection closes last", async () => {
    const path = `${tmp.dir}/last.db`;
    const db = openDatabase(path);
    const cp = new Checkpointer(db, { everyMs: 10 });
    cp.start();
    writeRows(db, 200);
    await eventually(() => cp.stats.checkpoints >= 1, 5000, 'a worker checkpoint');
    await cp.close();
    db.close();
    // SQLite removes the WAL when the last connection closes: that was the hub's, not the worker's
    // (which would still have it open, and could write beside files a caller is deleting).
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(existsSync(`${path}-shm`)).toBe(false);
  });

  it('hands checkpoints back to SQLite when the WAL grows past its bound', async () => {
    const db = openDatabase(`${tmp.dir}/behind.db`);
    const cp = new Checkpointer(db, { everyMs: 20, maxWalPages: 10 });
    cp.start();
    writeRows(db, 500);
    await eventually(() => cp.stats.fallbacks >= 1, 5000, 'fallback to auto-checkpoint');
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await cp.close();
    db.close();
  });

  it('stays out of the way for a database that is not a WAL file', async () => {
    const db = openDatabase(':memory:');
    const cp = new Checkpointer(db);
    cp.start();
    expect(cp.stats).toMatchObject({ mode: 'in-commit', reason: 'not a WAL file' });
    await cp.close();
    db.close();
  });
});
