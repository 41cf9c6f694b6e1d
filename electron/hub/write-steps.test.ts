import { afterAll, describe, expect, it } from 'vitest';
import { Command } from '../../shared/protocol/constants';
import { eventually } from '../broker/testing/fixtures';
import { KeyValue, openDatabase } from './db';
import { FLUSH_CHUNK_ROWS, Hub, RETENTION_CHUNK_ROWS, type HubOptions } from './hub';
import { SettingsStore } from './settings';
import { StandInBroker } from './testing/stand-in-broker';
import { tempDir } from './testing/temp-dir';
import { SqliteTokenStore } from './token-store';

const tmp = tempDir('hypertcp-steps-');
afterAll(() => tmp.cleanup());

/**
 * The broker shares the hub's event loop, so every SQLite step must be small. This checks the
 * mechanism (rows per step, where checkpoints run), not a timing: speed is in flush-probe.ts.
 */
/** A started hub with a 1 MB log budget and no timed flushes, recording the rows each retention step deletes. */
function startHub(file: string, options: Partial<HubOptions>) {
  const db = openDatabase(`${tmp.dir}/${file}`);
  const broker = new StandInBroker();
  const hub = new Hub({ db, broker, tokens: new SqliteTokenStore(db), settings: new SettingsStore(new KeyValue(db), { retentionMegabytes: 1 }), flushMs: 60_000, ...options });
  const deletedPerStep: number[] = [];
  const apply = hub.log.applyRetention.bind(hub.log);
  hub.log.applyRetention = (...args) => {
    const r = apply(...args);
    deletedPerStep.push(r.deleted);
    return r;
  };
  hub.start();
  return { db, broker, hub, deletedPerStep };
}

describe('hub writes in small steps', () => {
  it('bounds rows per flush round and per retention step, checkpoints off the loop, and still keeps the budget without losing a row', async () => {
    const { db, broker, hub, deletedPerStep } = startHub('steps.db', {});
    expect(hub.checkpointer.stats.mode).toBe('worker');
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);

    const SENT = 12_000;
    for (let i = 0; i < SENT; i++) {
      const payload = Buffer.from(`{"targetId":"server","payload":{"n":${i},"pad":"${'p'.repeat(200)}"}}`);
      broker.emit('frame', { ts: Date.now(), dir: 'in', device: `d${i % 5}`, from: `d${i % 5}`, to: 'server', cmd: Command.JSON_MESSAGE, msgId: i & 0xffff, size: payload.length, status: 200, payload });
    }
    const perRound: number[] = [];
    for (let more = true; more; ) {
      const before = hub.log.counters.logged;
      more = hub.flusher.flush();
      perRound.push(hub.log.counters.logged - before);
    }
    expect(perRound.length).toBeGreaterThan(1);
    expect(Math.max(...perRound)).toBeLessThanOrEqual(FLUSH_CHUNK_ROWS);
    expect(hub.log.counters).toMatchObject({ logged: SENT, dropped: 0 });

    // ~3 MB written against a 1 MB budget: the timed retention deletes in steps on later turns.
    hub.tick(Date.now());
    await eventually(() => hub.log.storedBytes <= 1024 * 1024, 5000, 'retention within budget');
    const deleted = deletedPerStep.reduce((a, b) => a + b, 0);
    expect(deletedPerStep.length).toBeGreaterThan(1);
    expect(Math.max(...deletedPerStep)).toBeLessThanOrEqual(RETENTION_CHUNK_ROWS);
    const rows = (db.prepare('SELECT count(*) AS n FROM traffic').get() as { n: number }).n;
    expect(rows + deleted).toBe(SENT);
    await eventually(() => hub.checkpointer.stats.checkpoints > 0, 5000, 'a worker checkpoint');
    await hub.close();
    db.close();
  });

  it('sizes timed retention steps to the write budget: with none left, each step deletes the smallest step', async () => {
    const { db, broker, hub, deletedPerStep } = startHub('budget.db', { flushBudgetMs: 0, checkpointEveryMs: 0 });
    for (let i = 0; i < 6_000; i++) {
      const payload = Buffer.from(`{"targetId":"server","payload":{"n":${i},"pad":"${'p'.repeat(200)}"}}`);
      broker.emit('frame', { ts: Date.now(), dir: 'in', device: 'd', from: 'd', to: 'server', cmd: Command.JSON_MESSAGE, msgId: i & 0xffff, size: payload.length, status: 200, payload });
    }
    hub.flusher.flushAll();
    hub.tick(Date.now());
    await eventually(() => hub.log.storedBytes <= 1024 * 1024, 10_000, 'retention within budget');
    expect(deletedPerStep.length).toBeGreaterThan(10);
    expect(Math.max(...deletedPerStep)).toBe(64);
    await hub.close();
    db.close();
  });
});
