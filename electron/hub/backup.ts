import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createOwnerOnly, type Db } from './db';

/** Backups kept beside the database; older ones are deleted after a new one is written. */
export const KEEP_BACKUPS = 5;
/** hypertcp-YYYYMMDD-HHMMSS-mmm.db (UTC): names sort in time order. */
const NAME = /^hypertcp-\d{8}-\d{6}-\d{3}\.db$/;
/** A copy being written (see below), with the journal files opening it may leave beside it. */
const PARTIAL = /^hypertcp-\d{8}-\d{6}-\d{3}\.db\.partial(-wal|-shm|-journal)?$/;
const nameAt = (ms: number) => `hypertcp-${new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').replace('.', '-').slice(0, 19)}.db`;

/**
 * Copies the live database into `<db folder>/backups/hypertcp-YYYYMMDD-HHMMSS-mmm.db` with SQLite's
 * online backup (a consistent snapshot taken in small steps between event-loop turns, so the
 * broker keeps running), then keeps only the newest `keep` backups. The copy is written under a
 * temporary name and renamed once whole: a failed one (a full disk) never passes for a backup.
 */
export async function backupDatabase(db: Db, keep = KEEP_BACKUPS, now = new Date()): Promise<{ path: string; bytes: number; removed: number }> {
  if (db.memory) throw new Error('an in-memory database has nothing to back up');
  const dir = join(dirname(db.name), 'backups');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // A copy cut off by a crash or power loss is never finished nor matched by NAME's clean-up; only
  // one backup runs at a time (the storage.backup handler), so any partial copy found now is stale.
  for (const f of readdirSync(dir)) if (PARTIAL.test(f)) rmSync(join(dir, f), { force: true });
  let at = now.getTime();
  while (existsSync(join(dir, nameAt(at)))) at++;
  const path = join(dir, nameAt(at));
  const partial = `${path}.partial`;
  // It holds what the database holds (admin token, token hashes): owner-only from the start.
  createOwnerOnly(partial);
  try {
    await db.backup(partial, { progress: stepsThatFinish() });
    // One self-contained file: the copy inherits WAL mode, which would leave -wal/-shm beside it.
    const copy = new Database(partial);
    copy.pragma('journal_mode = DELETE');
    copy.close();
    renameSync(partial, path);
  } catch (err) {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(partial + suffix, { force: true });
    throw err;
  }
  const backups = readdirSync(dir).filter((f) => NAME.test(f)).sort();
  const old = backups.slice(0, Math.max(0, backups.length - keep)).filter((f) => f !== basename(path));
  for (const f of old) for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(join(dir, f + suffix), { force: true });
  return { path, bytes: statSync(path).size, removed: old.length };
}

/**
 * Pages per backup step. A commit by another connection (the traffic writer's, every 100 ms under
 * traffic) makes SQLite start the copy over, so on a busy lab a database that takes longer than that
 * to copy in small steps never finishes: after a restart the rest is copied in one step (the event
 * loop waits for it once, as for any large query).
 */
function stepsThatFinish(): (p: { totalPages: number; remainingPages: number }) => number {
  let last = Infinity;
  return ({ totalPages, remainingPages }) => {
    const restarted = remainingPages > last;
    last = remainingPages;
    return restarted ? totalPages : 100;
  };
}
