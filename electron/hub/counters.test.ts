import { afterAll, describe, expect, it } from 'vitest';
import { Command } from '../../shared/protocol/constants';
import { KeyValue, openDatabase, type Db } from './db';
import { Hub } from './hub';
import { compileFilter } from './traffic-filter';
import { SettingsStore } from './settings';
import { StandInBroker } from './testing/stand-in-broker';
import { tempDir } from './testing/temp-dir';
import { SqliteTokenStore } from './token-store';

const tmp = tempDir('hypertcp-counters-');
afterAll(() => tmp.cleanup());

const hubOn = (db: Db) => new Hub({ db, broker: new StandInBroker(), tokens: new SqliteTokenStore(db), settings: new SettingsStore(new KeyValue(db)), checkpointEveryMs: 0 });

function frames(hub: Hub, n: number): void {
  for (let i = 0; i < n; i++) {
    const payload = Buffer.from(`{"n":${i}}`);
    hub.onFrame({ ts: Date.now(), dir: 'in', device: 'lamp', from: 'lamp', to: 'server', cmd: Command.JSON_MESSAGE, msgId: i, size: payload.length, status: 200, payload });
  }
}

describe('traffic counters', () => {
  it("count this run's rows: rows of an earlier run that a page loads are not shown ones, so shown never exceeds logged", async () => {
    const path = `${tmp.dir}/counters.db`;
    let db = openDatabase(path);
    let hub = hubOn(db);
    frames(hub, 30);
    hub.log.flush();
    await hub.close();
    db.close();

    db = openDatabase(path);
    hub = hubOn(db);
    const earlier = hub.log.page(compileFilter(''), 100, hub.log.lastSeq() + 1).rows;
    expect(earlier).toHaveLength(30);
    hub.markShown(earlier);
    expect(hub.log.counters).toMatchObject({ logged: 0, shown: 0 });
    frames(hub, 5);
    hub.log.flush();
    hub.markShown(hub.takeDelta().traffic);
    expect(hub.log.counters).toMatchObject({ logged: 5, shown: 5, dropped: 0 });
    await hub.close();
    db.close();
  });
});
