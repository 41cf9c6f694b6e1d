import { statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { KEEP_FREE_PAGES } from './free-pages';
import { hubOnFile } from './testing/hub-on-file';
import { tempDir } from './testing/temp-dir';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("the hub's timed retention rounds", () => {
  it('give the pages of deleted rows back, so the database file shrinks after a big delete', async () => {
    const path = `${tmp.dir}/shrink.db`;
    const { db, hub } = hubOnFile(path);
    // 16 MB of rows, then most of them deleted (as a lowered cap or a device's history delete does)
    db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, pad BLOB)');
    const insert = db.prepare('INSERT INTO filler (pad) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 8000; i++) insert.run(Buffer.alloc(2000, i % 251));
    })();
    db.exec('DELETE FROM filler WHERE id > 500');
    db.pragma('wal_checkpoint(TRUNCATE)');
    const before = statSync(path).size;
    const freePages = () => db.pragma('freelist_count', { simple: true }) as number;
    expect(freePages()).toBeGreaterThan(KEEP_FREE_PAGES + 1000);

    hub.applyRetention(Date.now(), true); // what the timer runs; it goes on in later turns while there is more
    for (let turn = 0; turn < 1000 && freePages() > KEEP_FREE_PAGES; turn++) await nextTurn();
    expect(freePages()).toBeLessThanOrEqual(KEEP_FREE_PAGES);
    db.pragma('wal_checkpoint(TRUNCATE)');
    expect(statSync(path).size).toBeLessThan(before / 2);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    await hub.close();
    db.close();
  });
});
