import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupDatabase } from './backup';
import { openDatabase } from './db';
import { tempDir } from './testing/temp-dir';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('backupDatabase', () => {
  it('writes a consistent copy beside the database and keeps only the newest ones', async () => {
    const db = openDatabase(join(tmp.dir, 'lab', 'hypertcp.db'));
    db.exec('CREATE TABLE notes (n INTEGER)');
    const insert = db.prepare('INSERT INTO notes VALUES (?)');
    for (let i = 0; i < 5000; i++) insert.run(i);

    const first = await backupDatabase(db, 2, new Date('2026-12-05T08:00:00Z'));
    expect(first.path).toBe(join(tmp.dir, 'lab', 'backups', 'hypertcp-20261205-080000-000.db'));
    expect(first.bytes).toBeGreaterThan(4096);
    expect(first.removed).toBe(0);
    // a copy of the database holds its secrets too: owner-only like the database itself
    if (process.platform !== 'win32') expect((statSync(first.path).mode & 0o777).toString(8)).toBe('600');
    const copy = new Database(first.path, { readonly: true });
    expect(copy.prepare('SELECT count(*) AS n, sum(n) AS s FROM notes').get()).toEqual({ n: 5000, s: (4999 * 5000) / 2 });
    copy.close();

    // the same instant again gets its own file; a third backup pushes the oldest out (keep = 2)
    const again = await backupDatabase(db, 2, new Date('2026-12-05T08:00:00Z'));
    expect(again.path).toMatch(/hypertcp-20261205-080000-001\.db$/);
    const third = await backupDatabase(db, 2, new Date('2026-12-05T09:30:00Z'));
    expect(third.removed).toBe(1);
    // single files (no -wal/-shm left beside them, even after the copy above was opened)
    expect(readdirSync(join(tmp.dir, 'lab', 'backups')).sort()).toEqual(['hypertcp-20261205-080000-001.db', 'hypertcp-20261205-093000-000.db']);
    db.close();
  });

  it('finishes while another connection commits all the time (the traffic writer), which makes SQLite start over', async () => {
    const file = join(tmp.dir, 'busy', 'hypertcp.db');
    const db = openDatabase(file);
    db.exec('CREATE TABLE rows (n INTEGER, pad TEXT)');
    const insert = db.prepare('INSERT INTO rows VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 20_000; i++) insert.run(i, 'x'.repeat(100));
    })();
    const writer = new Database(file);
    const write = writer.prepare('INSERT INTO rows VALUES (?, ?)');
    let commits = 0;
    let writing = true;
    const commit = () => {
      if (!writing) return;
      write.run(-1, 'y');
      commits++;
      setImmediate(commit); // a commit between every two backup steps
    };
    setImmediate(commit);
    const timeout = new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 10_000).unref());
    const done = await Promise.race([backupDatabase(db, 5, new Date('2026-12-05T10:00:00Z')), timeout]);
    writing = false;
    expect(done).not.toBe('stuck');
    expect(commits).toBeGreaterThan(1);
    const copy = new Database((done as { path: string }).path, { readonly: true });
    expect((copy.prepare('SELECT count(*) AS n FROM rows WHERE n >= 0').get() as { n: number }).n).toBe(20_000);
    copy.close();
    // no partial copy left behind
    expect(readdirSync(join(tmp.dir, 'busy', 'backups'))).toEqual(['hypertcp-20261205-100000-000.db']);
    writer.close();
    db.close();
  }, 15_000);

  it('removes a partial copy a crash left behind, and still writes a whole backup', async () => {
    const db = openDatabase(join(tmp.dir, 'crashed', 'hypertcp.db'));
    db.exec('CREATE TABLE notes (n INTEGER)');
    db.prepare('INSERT INTO notes VALUES (?)').run(42);
    const backups = join(tmp.dir, 'crashed', 'backups');
    mkdirSync(backups, { recursive: true });
    const stale = 'hypertcp-20261201-080000-000.db.partial';
    for (const f of [stale, `${stale}-wal`, `${stale}-shm`]) writeFileSync(join(backups, f), Buffer.alloc(64 * 1024));
    writeFileSync(join(backups, 'notes.txt'), 'not ours'); // a file we did not write is left alone

    const made = await backupDatabase(db, 5, new Date('2026-12-05T11:00:00Z'));
    expect(readdirSync(backups).sort()).toEqual(['hypertcp-20261205-110000-000.db', 'notes.txt']);
    const copy = new Database(made.path, { readonly: true });
    expect(copy.prepare('SELECT n FROM notes').all()).toEqual([{ n: 42 }]);
    copy.close();
    db.close();
  });

  it('refuses an in-memory database', async () => {
    const db = openDatabase(':memory:');
    await expect(backupDatabase(db)).rejects.toThrow(/in-memory/);
    db.close();
  });
});
