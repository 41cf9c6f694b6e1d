import type { Db } from './db';

/**
 * Another program holding the database's write lock (a sqlite3 shell inside a transaction, a backup
 * tool, a second copy of the app on the same data folder). A write of the event loop's connection
 * that meets it sleeps in SQLite's busy handler for the whole busy timeout (2 s), the broker's
 * events and the panel with it; the flusher tries every 250 ms. So once the lock is seen, writes of
 * that connection stop waiting for it (busy_timeout 0: a try costs microseconds and fails at once)
 * until one gets through, and the caller gets a DatabaseLockedError that says what is going on.
 */
interface LockState {
  since: number;
  /** The connection's busy timeout before, given back when a write gets through. */
  busyTimeoutMs: number;
}
const locked = new WeakMap<Db, LockState>();

/** SQLite's "database is locked": SQLITE_BUSY and its extended codes. */
export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

export class DatabaseLockedError extends Error {
  constructor() {
    super('the database is locked by another program (a sqlite3 shell with an open transaction, a backup tool, another copy of the app on this data folder?): nothing was saved; try again once it lets go');
    this.name = 'DatabaseLockedError';
  }
}

/** Writes of `db` fail at once from now on, until one gets through (noteWriteWent). */
export function noteLockedElsewhere(db: Db, now = performance.now()): void {
  if (locked.has(db) || !db.open) return;
  locked.set(db, { since: now, busyTimeoutMs: db.pragma('busy_timeout', { simple: true }) as number });
  db.pragma('busy_timeout = 0');
}

/** A write of `db` took the lock: nobody else holds it now, the busy timeout is back. */
export function noteWriteWent(db: Db): void {
  const state = locked.get(db);
  if (!state) return;
  locked.delete(db);
  if (db.open) db.pragma(`busy_timeout = ${state.busyTimeoutMs}`);
}

/** Since when (performance.now() ms) writes of `db` have found the lock held elsewhere, or null. */
export function lockedElsewhereSince(db: Db): number | null {
  return locked.get(db)?.since ?? null;
}
