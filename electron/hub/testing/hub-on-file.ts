import { Command } from '../../../shared/protocol/constants';
import { KeyValue, openDatabase } from '../db';
import { Hub } from '../hub';
import { SettingsStore } from '../settings';
import { SqliteTokenStore } from '../token-store';
import { StandInBroker } from './stand-in-broker';

/**
 * A hub on a real SQLite file with a stand-in broker, its timers out of the way (write rounds and
 * checkpoints only when the test asks), for tests that drive the hub's events by hand.
 */
export function hubOnFile(path: string) {
  const db = openDatabase(path);
  const tokens = new SqliteTokenStore(db);
  const hub = new Hub({ db, broker: new StandInBroker(), tokens, settings: new SettingsStore(new KeyValue(db)), flushMs: 60_000, checkpointEveryMs: 0 });
  /** A device's JSON message to the server, as the broker's frame event reports it. */
  const messageFrom = (device: string, ts: number) => {
    const payload = Buffer.from('{"targetId":"server","payload":{}}');
    hub.onFrame({ ts, dir: 'in', device, from: device, to: 'server', cmd: Command.JSON_MESSAGE, msgId: 1, size: payload.length, status: 200, payload });
  };
  return { db, tokens, hub, messageFrom };
}
