import { statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './db';
import { MAX_PAGES_PER_STEP, freePagesStep } from './free-pages';
import { tempDir } from './testing/temp-dir';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const freePages = (db: Db) => db.pragma('freelist_count', { simple: true }) as number;
/** What the checkpointer worker does: a PASSIVE checkpoint, which also cuts the file to its new size. */
const checkpoint = (db: Db) => db.pragma('wal_checkpoint(PASSIVE)');

function filled(name: string, rows: number): { db: Db; path: string } {
  const path = `${tmp.dir}/${name}.db`;
  const db = openDatabase(path);
  db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, pad BLOB)');
  const insert = db.prepare('INSERT INTO filler (pad) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(Buffer.alloc(1000, i % 251));
  })();
  checkpoint(db);
  return { db, path };
}

describe('freePagesStep', () => {
  it('gives the pages of deleted rows back to the file system in bounded steps', () => {
    const { db, path } = filled('shrink', 8000); // about 8 MB
    const fullBytes = statSync(path).size;
    db.exec('DELETE FROM filler WHERE id > 500');
    checkpoint(db);
    const freedByDelete = freePages(db);
    expect(freedByDelete).toBeGreaterThan(1000);
    expect(statSync(path).size).toBe(fullBytes); // a delete alone never shrinks the file

    let steps = 0;
    let step = { freed: 0, more: true };
    while (step.more) {
      step = freePagesStep(db, undefined, 50); // steps sized to the time budget
      expect(step.freed).toBeLessThanOrEqual(MAX_PAGES_PER_STEP);
      steps++;
      expect(steps).toBeLessThan(2000);
    }
    checkpoint(db);
    expect(steps).toBeGreaterThan(1); // bounded: more than one step for this many pages
    expect(freePages(db)).toBeLessThanOrEqual(50); // the slack left for new rows
    expect(statSync(path).size).toBeLessThan(fullBytes / 4);
    expect(db.prepare('SELECT count(*) AS n FROM filler').get()).toEqual({ n: 500 });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('keeps a few free pages for new rows to reuse, doing nothing below that', () => {
    const { db } = filled('slack', 2000);
    db.exec('DELETE FROM filler WHERE id > 1900');
    const free = freePages(db);
    expect(freePagesStep(db, 200, free)).toEqual({ freed: 0, more: false });
    expect(freePages(db)).toBe(free);
    db.close();
  });

  it('does nothing on a file made without incremental auto-vacuum', () => {
    const { db } = filled('none', 10);
    db.pragma('auto_vacuum = NONE');
    db.exec('VACUUM'); // applies the mode change
    db.exec('DELETE FROM filler');
    expect(freePagesStep(db, 200, 0)).toEqual({ freed: 0, more: false });
    db.close();
  });
});
