import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../broker/testing/fixtures';
import { KeyValue, openDatabase, type Db } from './db';
import { Hub } from './hub';
import { SettingsStore } from './settings';
import { StandInBroker } from './testing/stand-in-broker';
import { tempDir } from './testing/temp-dir';
import { SqliteTokenStore } from './token-store';
import { writerTestHooks } from './traffic-writer';

const tmp = tempDir('hypertcp-write-failure-');
afterAll(() => tmp.cleanup());
afterEach(() => {
  writerTestHooks.maxPageCount = null;
});

/**
 * A database file that cannot grow: filler rows take room, then max_page_count caps the file where
 * it is, on the event loop's connection (and the writer thread's, through its test hook). Writes
 * that need a new page fail with SQLITE_FULL, as on a full disk; deleting the filler frees pages
 * for them again.
 */
function fullDatabase(path: string, capped: 'event loop' | 'writer thread') {
  const db = openDatabase(path);
  db.exec('CREATE TABLE filler (x BLOB)');
  db.prepare('INSERT INTO filler SELECT randomblob(4000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) SELECT i FROM n)').run();
  const pages = db.pragma('page_count', { simple: true }) as number;
  if (capped === 'event loop') db.pragma(`max_page_count = ${pages}`);
  else writerTestHooks.maxPageCount = pages;
  const tokens = new SqliteTokenStore(db);
  const hub = new Hub({ db, broker: new StandInBroker(), tokens, settings: new SettingsStore(new KeyValue(db)), flushMs: 60_000, checkpointEveryMs: 0, writeTrafficInWorker: capped === 'writer thread' });
  return { db, hub };
}

/** Traffic rows big enough to need new pages, a device's state, and a write round. */
function trafficAndState(hub: Hub, n: number): void {
  const payload = Buffer.from(JSON.stringify({ targetId: 'server', payload: 'x'.repeat(3000) }));
  for (let i = 0; i < n; i++) {
    hub.onFrame({ ts: Date.now(), dir: 'in', device: 'pump', from: 'pump', to: 'server', cmd: 0x20, msgId: i, size: payload.length, status: 200, payload });
  }
  hub.flusher.flushAll();
}

const texts = (hub: Hub) => hub.takeDelta().notices.map((n) => `${n.level}: ${n.text}`);

async function closeAll(hub: Hub, db: Db): Promise<void> {
  await hub.close();
  db.close();
}

describe('hub: writes that fail (SQLITE_FULL, a full disk)', () => {
  for (const capped of ['event loop', 'writer thread'] as const) {
    it(`says once that saving fails, naming the error and what is lost, and once that it works again (writes of the ${capped} fail)`, async () => {
      const { db, hub } = fullDatabase(`${tmp.dir}/full-${capped.replace(' ', '-')}.db`, capped);
      hub.registry.sessionOpened({ id: 'pump', address: '127.0.0.1', transport: 'tcp', protocol: 'v2', device: null, connectedAt: 0, rttMs: null });
      trafficAndState(hub, 50);
      let said: string[] = [];
      await eventually(() => {
        hub.tick();
        said = said.concat(texts(hub));
        return said.some((t) => t.startsWith('error: database: saving fails (database or disk is full)'));
      }, 5_000, 'the notice that saving fails');
      expect(hub.log.counters.dropped).toBeGreaterThan(0);
      // the thread's own error: the event loop's write rounds (device state) go in meanwhile
      if (capped === 'writer thread') expect(hub.flusher.failingSince).toBeNull();
      else expect(hub.flusher.failingSince).not.toBeNull();
      // what is lost: everything when the event loop's rounds fail, traffic when the thread's writes do
      if (capped === 'event loop') expect(said.find((t) => t.includes('saving fails'))).toMatch(/traffic is dropped \(counted\); device state, metrics, telemetry and audit entries wait in memory/);
      else expect(said.find((t) => t.includes('saving fails'))).toMatch(/\): traffic is dropped \(counted\)\. Free disk space/);
      // still failing: not said again
      trafficAndState(hub, 5);
      hub.tick();
      expect(texts(hub).filter((t) => t.includes('saving fails'))).toEqual([]);

      db.exec('DELETE FROM filler'); // room again
      said = [];
      await eventually(() => {
        trafficAndState(hub, 1);
        hub.tick();
        said = said.concat(texts(hub));
        return said.some((t) => /^info: database: saving works again after \d+ s \(it failed with: database or disk is full\); \d+ traffic rows were dropped meanwhile/.test(t));
      }, 5_000, 'the notice that saving works again');
      expect((db.prepare('SELECT count(*) AS n FROM traffic').get() as { n: number }).n).toBeGreaterThan(0);
      await closeAll(hub, db);
    });
  }
});
