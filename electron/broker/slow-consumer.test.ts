import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Status } from '../../shared/protocol/constants';
import { Broker } from './broker';
import { duplexPair } from './testing/duplex-pair';
import { collectCloses, eventually, startTestBroker, testToken, type TestBroker } from './testing/fixtures';
import { V2Client } from './testing/v2-client';
import { MemoryTokenStore } from './tokens';

let t: TestBroker;
afterEach(async () => t?.close());

const QUEUE_BYTES = 256 * 1024;

describe('a consumer that stops reading', () => {
  it('10,000 messages routed to it: bounded queue, drops counted, disconnected, others unaffected', async () => {
    // The byte bound (256 KiB = about 250 of these 1 KB frames) is what limits the slow queue;
    // the frame bound is high so the sender's tiny acks are never dropped on a loaded machine.
    t = await startTestBroker(['fast', 'slow', 'c', 'd'], {
      limits: { ratePerSecond: 1_000_000, rateBurst: 1_000_000, maxQueueBytes: QUEUE_BYTES, maxQueueMessages: 20_000, drainTimeoutMs: 1_500 },
    });
    const closes = collectCloses(t.broker);
    const fast = await t.v2('fast');
    const slow = await t.v2('slow');
    const c = await t.v2('c');
    const d = await t.legacy('d');
    slow.pause();
    const heapBefore = process.memoryUsage().heapUsed;
    const body = `{"blob":"${'x'.repeat(1_000)}"}`;
    let maxQueue = 0;
    const sampler = setInterval(() => {
      maxQueue = Math.max(maxQueue, t.broker.session('slow')?.counters.queueBytes ?? 0);
    }, 2);
    const statuses: Promise<number>[] = [];
    for (let i = 0; i < 10_000; i++) {
      statuses.push(fast.status(fast.post('slow', body), 15_000));
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    // Meanwhile another pair talks and is not slowed down.
    const started = Date.now();
    for (let i = 0; i < 50; i++) expect(await c.send('d', `{"i":${i}}`)).toBe(Status.SUCCESS);
    await d.waitMessages(50, 5_000);
    const pairMs = Date.now() - started;
    const acked = await Promise.all(statuses);
    clearInterval(sampler);
    const slowCounters = t.broker.session('slow')?.counters;
    expect(acked.every((s) => s === Status.SUCCESS || s === Status.QUEUE_FULL)).toBe(true);
    expect(acked.filter((s) => s === Status.QUEUE_FULL).length).toBeGreaterThan(0);
    expect(slowCounters?.drops).toBeGreaterThan(1_000);
    expect(maxQueue).toBeLessThanOrEqual(QUEUE_BYTES);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
    // Generous: the test machine is shared; a stalled pair would wait for the whole flood (seconds).
    expect(pairMs).toBeLessThan(3_000);
    await eventually(() => closes.find((x) => x[0] === 'slow'), 8_000, 'slow consumer close');
    expect(closes.find((x) => x[0] === 'slow')).toEqual(['slow', 'slow_consumer', expect.stringMatching(/frames queued/)]);
    expect(t.broker.stats().drops).toBe(slowCounters!.drops);
    expect(c.closed || d.closed || fast.closed).toBe(false);
    expect(t.broker.session('fast')!.counters.drops).toBe(0);
  });

  it('over an in-memory duplex with real backpressure', async () => {
    const tokens = new MemoryTokenStore();
    tokens.add('sender', testToken('sender'));
    tokens.add('reader', testToken('reader'));
    // A queue always holds one full frame (maxPayload + 5 bytes): keep that under the 8 KiB bound asserted below.
    const broker = new Broker({ tokens, limits: { maxQueueBytes: 8 * 1024, maxPayload: 4 * 1024, maxQueueMessages: 100, drainTimeoutMs: 200 } });
    const closes = collectCloses(broker);
    const connect = () => {
      const [brokerSide, deviceSide] = duplexPair(4 * 1024);
      broker.handle(brokerSide, { address: 'mem', transport: 'tcp' });
      return new V2Client(deviceSide);
    };
    const sender = connect();
    const reader = connect();
    expect(await sender.login(testToken('sender'))).toBe(Status.SUCCESS);
    expect(await reader.login(testToken('reader'))).toBe(Status.SUCCESS);
    reader.pause();
    const ids = Array.from({ length: 2_000 }, (_, i) => sender.post('reader', `{"i":${i},"pad":"${'p'.repeat(100)}"}`));
    await sender.status(ids[ids.length - 1]!, 2_000);
    const counters = broker.session('reader')!.counters;
    expect(counters.queueBytes).toBeLessThanOrEqual(8 * 1024);
    expect(counters.drops).toBeGreaterThan(1_500);
    await eventually(() => closes.find((x) => x[0] === 'reader'), 2_000, 'reader closed');
    expect(closes.find((x) => x[0] === 'reader')?.[1]).toBe('slow_consumer');
    expect(sender.closed).toBe(false);
    await broker.close();
  });

  it('several stopped readers together stay within the broker-wide budget, counting what their sockets hold', async () => {
    const tokens = new MemoryTokenStore();
    const readers = ['r1', 'r2', 'r3'];
    for (const id of ['sender', ...readers]) tokens.add(id, testToken(id));
    const TOTAL = 12 * 1024;
    const HWM = 2 * 1024;
    const broker = new Broker({ tokens, limits: { maxQueueBytes: 8 * 1024, maxTotalQueueBytes: TOTAL, maxPayload: 1024, maxQueueMessages: 1_000, drainTimeoutMs: 60_000 } });
    const sockets = new Map<string, Duplex>();
    const connect = async (id: string) => {
      const [brokerSide, deviceSide] = duplexPair(HWM);
      broker.handle(brokerSide, { address: 'mem', transport: 'tcp' });
      sockets.set(id, brokerSide);
      const client = new V2Client(deviceSide);
      expect(await client.login(testToken(id))).toBe(Status.SUCCESS);
      return client;
    };
    const sender = await connect('sender');
    for (const id of readers) (await connect(id)).pause();
    let peak = 0;
    for (let round = 0; round < 20; round++) {
      const ids = readers.flatMap((id) => Array.from({ length: 10 }, () => sender.post(id, `{"pad":"${'p'.repeat(400)}"}`)));
      await sender.status(ids[ids.length - 1]!, 2_000);
      // What the broker keeps for the stopped readers: their queues and what their sockets hold past their own room.
      const kept = readers.reduce((sum, id) => sum + broker.session(id)!.counters.queueBytes + Math.max(0, sockets.get(id)!.writableLength - HWM), 0);
      peak = Math.max(peak, kept);
    }
    expect(peak).toBeGreaterThan(TOTAL / 2);
    expect(peak).toBeLessThanOrEqual(TOTAL);
    expect(sender.closed).toBe(false);
    await broker.close();
  });
});
