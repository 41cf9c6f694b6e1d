/**
 * Child process for locked-elsewhere.test.ts: another program holding the database's write lock,
 * as a sqlite3 shell inside BEGIN IMMEDIATE would, through the same SQLite library as the app.
 * Prints LOCKED once it holds the lock, lets go (ROLLBACK) when a line reaches its stdin, prints
 * RELEASED and exits. It lets go by itself after its last argument (ms), so it never outlives a
 * test that forgot it.
 */
import Database from 'better-sqlite3';
import { createInterface } from 'node:readline';

const [path, maxHoldMs] = process.argv.slice(2) as [string, string];
const db = new Database(path, { fileMustExist: true });
db.exec('BEGIN IMMEDIATE');
process.stdout.write('LOCKED\n');
const release = () => {
  if (!db.inTransaction) return;
  db.exec('ROLLBACK');
  db.close();
  process.stdout.write('RELEASED\n');
  process.exit(0);
};
createInterface({ input: process.stdin }).once('line', release).once('close', release);
setTimeout(release, Number(maxHoldMs)).unref();
process.stdin.resume();
