import { afterEach, describe, expect, it } from 'vitest';
import { Command, Status } from '../../shared/protocol/constants';
import { collectCloses, eventually, startTestBroker, type TestBroker } from './testing/fixtures';
import type { V2Client } from './testing/v2-client';

// One BROADCAST costs its sender one message token but puts a frame in every other session's
// queue: a device broadcasting as fast as it can must hit its own, smaller broadcast bucket
// (PROTOCOL.md 5.3, 7.1) before it floods everyone else's queues.

let t: TestBroker;
afterEach(async () => t?.close());

const DEVICES = 50;
const ids = Array.from({ length: DEVICES }, (_, i) => `dev-${i}`);
/** About 8 KB per broadcast: 300 of them would be 2.4 MB into each of the 49 other queues. */
const BIG = `{"x":"${'y'.repeat(8_000)}"}`;
const FLOOD = 300;

describe('a device broadcasting as fast as it can', () => {
  it('gets RATE_LIMITED past the broadcast burst; a command still gets through; nobody is closed as slow_consumer', async () => {
    t = await startTestBroker(ids, { limits: { broadcastPerSecond: 10, broadcastBurst: 20, drainTimeoutMs: 3_000 } });
    const closes = collectCloses(t.broker);
    const clients: V2Client[] = [];
    for (const id of ids) clients.push(await t.v2(id));
    const [storm, commander, target] = clients as [V2Client, V2Client, V2Client];

    const flood = Array.from({ length: FLOOD }, () => storm.post('broadcast', BIG, Command.BROADCAST));
    const command = commander.post('dev-2', '{"cmd":"toggle"}');
    const statuses = await Promise.all(flood.map((id) => storm.status(id, 10_000)));

    const accepted = statuses.filter((s) => s === Status.SUCCESS).length;
    // The burst, plus what 10/s refills while the flood is read (well under a second).
    expect(accepted).toBeGreaterThanOrEqual(20);
    expect(accepted).toBeLessThanOrEqual(30);
    expect(statuses.slice(0, 20).every((s) => s === Status.SUCCESS)).toBe(true);
    expect(statuses.filter((s) => s === Status.RATE_LIMITED).length).toBe(FLOOD - accepted);
    expect(t.broker.session('dev-0')!.counters.rateLimited).toBe(FLOOD - accepted);

    expect(await commander.status(command, 5_000)).toBe(Status.SUCCESS);
    await target.waitFor(() => target.messages.find((m) => m.from === 'dev-1'), 5_000, 'the command');
    // Every other device gets the accepted broadcasts and no more.
    for (const c of clients.slice(1)) await c.waitFor(() => c.messages.filter((m) => m.from === 'dev-0').length === accepted, 5_000, 'broadcasts');
    expect(t.broker.stats().drops).toBe(0);
    expect(closes.filter(([, reason]) => reason === 'slow_consumer')).toEqual([]);
    expect(clients.every((c) => !c.closed)).toBe(true);
  }, 30_000);

  it('refills at the configured rate, counts per device (another device has its own), and answers a legacy sender with the empty ack', async () => {
    t = await startTestBroker(['a', 'b', 'c'], { limits: { broadcastPerSecond: 20, broadcastBurst: 3 } });
    const a = await t.v2('a');
    const b = await t.legacy('b');
    const c = await t.v2('c');
    const first = await Promise.all([1, 2, 3, 4].map(() => a.broadcast('{"n":1}')));
    expect(first).toEqual([Status.SUCCESS, Status.SUCCESS, Status.SUCCESS, Status.RATE_LIMITED]);
    // b has its own bucket; past it, a legacy sender gets the empty ack (no status byte).
    const legacyIds = [1, 2, 3, 4].map(() => b.broadcast('{"n":2}'));
    const lastAck = await b.waitFor(() => b.acks.find((f) => f.msgId === legacyIds[3]), 2_000, 'ack');
    expect(lastAck.payload.length).toBe(0);
    expect(b.violations).toEqual([]);
    await c.waitMessages(6);
    expect(c.messages.filter((m) => m.from === 'b').length).toBe(3);
    expect(t.broker.session('b')!.counters.errorsByKind).toEqual({ rate_limited: 1 });
    // 20/s: a token is back within 50 ms.
    await new Promise((r) => setTimeout(r, 120));
    expect(await a.broadcast('{"n":3}')).toBe(Status.SUCCESS);
  });

  it('limits a JSON_MESSAGE addressed to "broadcast" the same way', async () => {
    t = await startTestBroker(['a', 'b'], { limits: { broadcastBurst: 2 } });
    const a = await t.v2('a');
    await t.v2('b');
    const statuses = await Promise.all([1, 2, 3].map(() => a.send('broadcast', '{}')));
    expect(statuses).toEqual([Status.SUCCESS, Status.SUCCESS, Status.RATE_LIMITED]);
  });

  it('does not limit the app broadcasting as "server"', async () => {
    t = await startTestBroker(['a', 'b'], { limits: { broadcastBurst: 1 } });
    const b = await t.v2('b');
    for (let i = 0; i < 5; i++) expect(t.broker.broadcastFromServer(`{"i":${i}}`)).toBe(1);
    await b.waitMessages(5);
    await eventually(() => b.messages.length === 5);
  });
});
