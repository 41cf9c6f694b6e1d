import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseLockedError, isBusyError, noteLockedElsewhere, noteWriteWent } from './db-lock';

export type Db = Database.Database;

/**
 * Schema migrations, applied in order inside one transaction each; PRAGMA user_version records
 * how many ran. Append only: never edit a migration that has shipped.
 */
const migrations: string[] = [
  `CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE tokens (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,
     revoked_at INTEGER, last_used_at INTEGER);
   CREATE TABLE devices (id TEXT PRIMARY KEY, data TEXT NOT NULL, updated_at INTEGER NOT NULL);
   CREATE TABLE traffic (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, dir TEXT NOT NULL,
     device TEXT NOT NULL, src TEXT, dst TEXT, cmd INTEGER NOT NULL, msg_id INTEGER NOT NULL,
     size INTEGER NOT NULL, status INTEGER, payload TEXT NOT NULL, cut INTEGER NOT NULL,
     bytes INTEGER NOT NULL);
   CREATE INDEX traffic_device ON traffic(device, seq);
   CREATE TABLE metrics_minute (device TEXT NOT NULL, ts INTEGER NOT NULL, msgs_in INTEGER NOT NULL,
     msgs_out INTEGER NOT NULL, bytes_in INTEGER NOT NULL, bytes_out INTEGER NOT NULL,
     errors INTEGER NOT NULL, drops INTEGER NOT NULL, rtt_ms REAL, queue_depth INTEGER NOT NULL,
     udp_loss INTEGER NOT NULL, udp_retransmits INTEGER NOT NULL, PRIMARY KEY (device, ts)) WITHOUT ROWID;
   CREATE INDEX metrics_minute_ts ON metrics_minute(ts);
   CREATE TABLE saved_commands (id TEXT PRIMARY KEY, name TEXT NOT NULL, scope TEXT,
     template TEXT NOT NULL, updated_at INTEGER NOT NULL);
   CREATE TABLE command_history (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, target TEXT NOT NULL,
     payload TEXT NOT NULL, status TEXT NOT NULL, error TEXT);
   CREATE TABLE audit (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, action TEXT NOT NULL,
     target TEXT, detail TEXT);`,
  // Telemetry per device, channel and minute (telemetry-history.ts). Rows go in minute order, so the
  // oldest rows have the lowest ids: retention deletes id ranges, and max(id) - min(id) counts rows.
  `CREATE TABLE telemetry_minute (id INTEGER PRIMARY KEY, device TEXT NOT NULL, channel TEXT NOT NULL,
     ts INTEGER NOT NULL, readings INTEGER NOT NULL, sum_value REAL NOT NULL, min_value REAL NOT NULL,
     max_value REAL NOT NULL, last_value REAL NOT NULL);
   CREATE UNIQUE INDEX telemetry_minute_key ON telemetry_minute(device, channel, ts);`,
  // UDP resends whose ACK only came late (the packet had arrived): counted apart from proven loss.
  `ALTER TABLE metrics_minute ADD COLUMN udp_spurious INTEGER NOT NULL DEFAULT 0;`,
];

export const SCHEMA_VERSION = migrations.length;

/** What the write-ahead log file is cut back to once checkpointed (SQLite's journal_size_limit). */
export const WAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024;

/** Opens (creating if needed) the hub database: WAL, synchronous=NORMAL, migrations applied. */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    ownerOnly(path);
  }
  const db = new Database(path);
  // auto_vacuum only takes effect on a fresh file, before the first table exists.
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a crash may lose the last transactions but never corrupts the file.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 2000');
  // A write-ahead log that grew in a burst (far beyond what the checkpointer's 500 ms holds) is cut
  // back to this when it is next reset after a checkpoint, instead of keeping its high-water mark.
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  migrate(db);
  return db;
}

/**
 * The file holds the headless admin token and the device token hashes, and its folder may be one
 * we did not create (--db): owner-only, whatever the umask. SQLite gives the -wal and -shm files
 * the database file's permissions, so they follow. Best effort (not our file, other platforms).
 */
function ownerOnly(path: string): void {
  try {
    createOwnerOnly(path);
    for (const file of [`${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
  } catch {
    // opening the database says what is wrong, if anything
  }
}

/** Creates `path` (if missing) readable and writable by its owner only, whatever the umask; tightens an existing one. */
export function createOwnerOnly(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(`database schema ${current} is newer than this app (${migrations.length}); refusing to open`);
  }
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/**
 * The lowest and highest value of an indexed column, as two index lookups. One SELECT with both
 * min() and max() is a scan of the whole table in SQLite (its min/max optimisation takes a lone
 * aggregate only): on a log of millions of rows, twice per write round, that starved the hub.
 */
export function columnBoundsSql(table: string, column: string): string {
  return `SELECT (SELECT min(${column}) FROM ${table}) AS lo, (SELECT max(${column}) FROM ${table}) AS hi`;
}

/** columnBoundsSql() prepared: `{ lo, hi }`, null for an empty table. */
export function columnBounds(db: Db, table: string, column: string): Database.Statement<[], { lo: number | null; hi: number | null }> {
  return db.prepare(columnBoundsSql(table, column));
}

/** Runs a write of a connection with the file's other writer held off (see setWriteGate). */
export type WriteGate = <T>(write: () => T) => T;
const writeGates = new WeakMap<Db, WriteGate>();

/**
 * Registers how writes of `db` hold off another writer of the same file (the traffic writer
 * thread: TrafficWriter.exclusive, which waits at most for the batch being written, where SQLite's
 * busy handler would sleep the event loop 1 to 100 ms at a time); null removes it.
 */
export function setWriteGate(db: Db, gate: WriteGate | null): void {
  if (gate) writeGates.set(db, gate);
  else writeGates.delete(db);
}

/**
 * Runs a write of `db` through its gate, if one is set (re-entrant: a gated write inside another
 * runs at once). A write that finds the lock held by another program throws DatabaseLockedError,
 * and the next ones fail at once instead of sleeping the event loop (db-lock.ts).
 */
export function gatedWrite<T>(db: Db, write: () => T): T {
  const gate = writeGates.get(db);
  let result: T;
  try {
    result = gate ? gate(write) : write();
  } catch (err) {
    if (!isBusyError(err)) throw err;
    noteLockedElsewhere(db);
    throw new DatabaseLockedError();
  }
  noteWriteWent(db);
  return result;
}

/** Small key/value store for settings and host secrets. */
export class KeyValue {
  private readonly getStmt;
  private readonly setStmt;
  constructor(private readonly db: Db) {
    this.getStmt = db.prepare<[string], { value: string }>('SELECT value FROM kv WHERE key = ?');
    this.setStmt = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  }
  get(key: string): string | null {
    return this.getStmt.get(key)?.value ?? null;
  }
  set(key: string, value: string): void {
    gatedWrite(this.db, () => this.setStmt.run(key, value));
  }
}
