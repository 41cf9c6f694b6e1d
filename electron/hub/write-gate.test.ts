import { afterAll, describe, expect, it } from 'vitest';
import { Command } from '../../shared/protocol/constants';
import type { BrokerFrameEvent } from './broker-port';
import { KeyValue, gatedWrite, openDatabase, setWriteGate } from './db';
import { Hub } from './hub';
import { SettingsStore } from './settings';
import { StandInBroker } from './testing/stand-in-broker';
import { tempDir } from './testing/temp-dir';
import { SqliteTokenStore } from './token-store';

const tmp = tempDir('hypertcp-gate-');
afterAll(() => tmp.cleanup());

describe('gatedWrite', () => {
  it('runs writes through the gate set for their connection, and plainly once it is removed', () => {
    const db = openDatabase(`${tmp.dir}/gate.db`);
    const other = openDatabase(`${tmp.dir}/other.db`);
    const seen: string[] = [];
    setWriteGate(db, (write) => {
      seen.push('in');
      try {
        return write();
      } finally {
        seen.push('out');
      }
    });
    expect(gatedWrite(db, () => (seen.push('write'), 7))).toBe(7);
    expect(gatedWrite(other, () => 8)).toBe(8); // another connection has no gate
    setWriteGate(db, null);
    gatedWrite(db, () => seen.push('plain'));
    expect(seen).toEqual(['in', 'write', 'out', 'plain']);
    db.close();
    other.close();
  });
});

/**
 * Every row the event loop's connection changes must be changed inside the gate, where the traffic
 * writer thread is held (TrafficLog sets the gate when it has one): a write outside it meets the
 * thread's batch in SQLite's busy handler, which sleeps the loop 1 to 100 ms at a time.
 * total_changes() counts every row this connection inserted, updated or deleted.
 */
describe("the hub's writes", () => {
  it('all go through the write gate: rounds, settings, tokens, commands, audit, forget and its deletes, retention', async () => {
    const db = openDatabase(`${tmp.dir}/hub.db`);
    const changes = db.prepare('SELECT total_changes() AS n').pluck() as unknown as { get(): number };
    let inside = 0;
    let depth = 0;
    setWriteGate(db, (write) => {
      const before = depth === 0 ? changes.get() : 0;
      depth++;
      try {
        return write();
      } finally {
        if (--depth === 0) inside += changes.get() - before;
      }
    });
    const start = changes.get();
    const settings = new SettingsStore(new KeyValue(db));
    const tokens = new SqliteTokenStore(db);
    const broker = new StandInBroker();
    const hub = new Hub({ db, broker, tokens, settings });
    hub.start();
    tokens.create('lamp');
    tokens.create('gone');
    tokens.rotate('lamp');
    for (const id of ['lamp', 'gone']) broker.emit('session:open', { id, address: '127.0.0.1', transport: 'tcp', protocol: 'v2', device: null, connectedAt: Date.now(), rttMs: 3 });
    for (let i = 0; i < 50; i++) {
      const device = i % 2 ? 'lamp' : 'gone';
      const payload = Buffer.from(`{"targetId":"server","payload":{"telemetry":{"temp":${i}}}}`);
      const ev: BrokerFrameEvent = { ts: Date.now(), dir: 'in', device, from: device, to: 'server', cmd: Command.JSON_MESSAGE, msgId: i, size: payload.length, status: 200, payload };
      broker.emit('frame', ev);
    }
    hub.flusher.flushAll();
    settings.save({ retentionDays: 3 });
    const saved = hub.commands.save({ name: 'on', scope: 'lamp', template: '{"relay1":true}' });
    hub.commands.addHistory({ ts: Date.now(), target: 'lamp', payload: '{}', status: 'sent', error: null });
    hub.commands.audit('test', 'lamp', { a: 1 });
    hub.commands.delete(saved.id);
    tokens.revoke('gone');
    tokens.delete('gone');
    hub.forgetDevice('gone');
    const deleted = await hub.deleteHistory('gone');
    expect(deleted.trafficRows).toBeGreaterThan(0);
    hub.applyRetention(Date.now() + 400 * 86_400_000); // everything is past its age now
    await hub.close(); // its last round too
    const total = changes.get() - start;
    expect(total).toBeGreaterThan(100);
    expect(inside).toBe(total);
    db.close();
  });
});
