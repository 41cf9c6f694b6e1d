/**
 * Child process for the kill -9 test: writes traffic, devices, tokens and settings through the
 * hub as fast as it can until it is killed. Prints WRITING once the first batch is committed.
 */
import { Command } from '../../../shared/protocol/constants';
import { KeyValue, openDatabase } from '../db';
import { Hub } from '../hub';
import { SettingsStore } from '../settings';
import { SqliteTokenStore } from '../token-store';
import { StandInBroker } from './stand-in-broker';

const db = openDatabase(process.argv[2]!);
const tokens = new SqliteTokenStore(db);
const settings = new SettingsStore(new KeyValue(db));
const broker = new StandInBroker();
const hub = new Hub({ db, broker, tokens, settings, flushMs: 20, retentionEveryMs: 200 });
hub.start();
let n = 0;
let announced = false;
const loop = () => {
  for (let i = 0; i < 500; i++, n++) {
    const device = `crash-${n % 50}`;
    if (n % 50 === n) broker.emit('session:open', { id: device, address: '127.0.0.1', transport: 'tcp', protocol: 'v2', device: null, connectedAt: Date.now(), rttMs: 1 });
    const payload = Buffer.from(`{"targetId":"server","payload":{"n":${n},"pad":"${'x'.repeat(n % 400)}"}}`);
    broker.emit('frame', { ts: Date.now(), dir: 'in', device, from: device, to: 'server', cmd: Command.JSON_MESSAGE, msgId: n & 0xffff, size: payload.length, status: 200, payload });
  }
  if (n % 5000 === 0) tokens.rotate(`crash-${n % 50}`);
  if (n % 7000 === 0) settings.save({ retentionDays: 1 + (n % 30) });
  if (!announced && hub.flusher.flushes > 0 && hub.log.counters.logged > 0) {
    announced = true;
    process.stdout.write('WRITING\n');
  }
  setImmediate(loop);
};
loop();
