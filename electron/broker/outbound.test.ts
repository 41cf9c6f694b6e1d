import { Writable } from 'node:stream';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodeEmptyResponse, encodeStatus } from '../../shared/protocol/frame';
import { OutboundQueue } from './outbound';

/** A sink that records each write and accepts only `capacity` bytes before asking for 'drain'. */
function sink(capacity: number) {
  const writes: number[] = [];
  let release: (() => void) | null = null;
  const stream = new Writable({
    highWaterMark: capacity,
    write(chunk: Buffer, _enc, callback) {
      writes.push(chunk.length);
      release = callback;
    },
  });
  const drainOne = () => {
    const r = release;
    release = null;
    r?.();
  };
  return { stream: stream as unknown as Duplex, writes, drainOne };
}

const tick = () => new Promise((r) => setImmediate(r));

function queueOn(stream: Duplex, maxBytes: number, maxFrames: number) {
  return { queue: new OutboundQueue(stream, maxBytes, maxFrames, (q) => setImmediate(() => q.flush()), () => 1_000) };
}

describe('OutboundQueue', () => {
  it('keeps all queues together under a broker-wide byte budget', async () => {
    const budget = { bytes: 0, max: 100 };
    const a = sink(16);
    const b = sink(16);
    const qa = new OutboundQueue(a.stream, 1_000, 1_000, () => {}, () => 0, budget);
    const qb = new OutboundQueue(b.stream, 1_000, 1_000, () => {}, () => 0, budget);
    for (let i = 0; i < 8; i++) qa.push(new Uint8Array(10));
    for (let i = 0; i < 5; i++) qb.push(new Uint8Array(10));
    expect(budget.bytes).toBeLessThanOrEqual(100);
    expect([qa.depth, qb.depth, qb.dropped]).toEqual([8, 2, 3]);
    qa.flush(); // 80 bytes into a sink that takes 16: they stay in the budget until it drains
    expect(budget.bytes).toBe(100);
    qb.clear();
    expect(budget.bytes).toBe(80);
    a.drainOne();
    await tick();
    expect(budget.bytes).toBe(0);
  });

  it('keeps a write the socket took while full in the budget until drain, or until the queue is cleared', async () => {
    const budget = { bytes: 0, max: 100 };
    const stalled = sink(16);
    const other = sink(1 << 20);
    const qs = new OutboundQueue(stalled.stream, 1_000, 1_000, () => {}, () => 0, budget);
    const qo = new OutboundQueue(other.stream, 1_000, 1_000, () => {}, () => 0, budget);
    qs.push(new Uint8Array(60));
    qs.flush(); // over the sink's high-water mark: handed over, but the reader has stopped
    expect([qs.held, budget.bytes]).toEqual([60, 60]);
    for (let i = 0; i < 6; i++) qo.push(new Uint8Array(10));
    expect([qo.depth, qo.dropped, budget.bytes]).toEqual([4, 2, 100]); // the stalled bytes left room for 40
    qo.flush();
    expect(budget.bytes).toBe(60);
    stalled.drainOne();
    await tick();
    expect([qs.held, qs.blockedSince, budget.bytes]).toEqual([0, 0, 0]);
    qs.push(new Uint8Array(60));
    qs.flush();
    expect(budget.bytes).toBe(60);
    qs.clear(); // the session closed without a drain
    expect([qs.held, budget.bytes]).toEqual([0, 0]);
  });

  it('coalesces all frames of one tick into a single write', async () => {
    const s = sink(1 << 20);
    const { queue } = queueOn(s.stream, 1 << 20, 1_000);
    for (let i = 0; i < 100; i++) queue.push(new Uint8Array(10));
    expect(s.writes).toEqual([]);
    await tick();
    expect(s.writes).toEqual([1_000]);
    expect(queue.written).toBe(1_000);
  });

  it('holds frames while the socket waits for drain, dropping the oldest past its bounds', async () => {
    const s = sink(16);
    const { queue } = queueOn(s.stream, 100, 5);
    queue.push(new Uint8Array(40)); // over the sink's high-water mark: the write returns false
    await tick();
    expect(s.writes).toEqual([40]);
    expect(queue.blockedSince).toBe(1_000);
    for (let i = 0; i < 8; i++) queue.push(Uint8Array.of(i, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    await tick();
    expect(s.writes).toEqual([40]); // nothing written while blocked
    expect(queue.depth).toBe(5); // frame bound
    expect(queue.dropped).toBe(3);
    queue.push(new Uint8Array(90)); // byte bound: 4 x 10 + 90 > 100, so all four older frames go
    expect([queue.depth, queue.bytes, queue.dropped]).toEqual([2, 100, 7]);
    s.drainOne();
    await tick();
    expect(s.writes).toEqual([40, 100]);
    expect(queue.blockedSince).toBe(1_000); // the 100-byte write again exceeded the sink
    s.drainOne();
    await tick();
    expect(queue.blockedSince).toBe(0);
  });

  it('writes queued acks as the shared encoders would, in order with other frames, and counts them in its bounds', async () => {
    const chunks: Buffer[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, callback) {
        chunks.push(chunk);
        callback();
      },
    }) as unknown as Duplex;
    const { queue } = queueOn(stream, 1 << 20, 1_000);
    const frame = Uint8Array.of(30, 0, 7, 0, 2, 0x7b, 0x7d);
    queue.pushAck(0xffff, 255);
    queue.push(frame);
    queue.pushAck(513, -1);
    queue.pushAck(1, 200);
    expect([queue.depth, queue.bytes]).toEqual([4, 6 + 7 + 5 + 6]);
    await tick();
    const want = Buffer.concat([encodeStatus(0xffff, 255), frame, encodeEmptyResponse(513), encodeStatus(1, 200)]);
    expect(Buffer.concat(chunks).equals(want)).toBe(true);
    queue.pushAck(2, 200); // a lone ack
    await tick();
    expect(chunks.at(-1)!.equals(Buffer.from(encodeStatus(2, 200)))).toBe(true);

    const small = queueOn(sink(0).stream, 100, 3).queue;
    small.push(new Uint8Array(40)); // blocks the sink
    await tick();
    for (let i = 0; i < 5; i++) small.pushAck(i, 200);
    expect([small.depth, small.bytes, small.dropped]).toEqual([3, 18, 2]);
  });

  it('sends each frame once as its array is reused flush after flush, after a burst too', async () => {
    const chunks: Buffer[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, callback) {
        chunks.push(Buffer.from(chunk));
        callback();
      },
    }) as unknown as Duplex;
    const { queue } = queueOn(stream, 1 << 20, 10_000);
    const frame = (n: number) => Uint8Array.of(30, 0, n & 0xff, 0, 1, n & 0xff);
    for (const burst of [3, 1, 2_000, 2, 1]) {
      const want: Uint8Array[] = [];
      for (let i = 0; i < burst; i++) {
        want.push(frame(i));
        queue.push(want[want.length - 1]!);
        if (i % 2 === 1) {
          queue.pushAck(i, 200);
          want.push(encodeStatus(i, 200));
        }
      }
      expect(queue.depth).toBe(want.length);
      await tick();
      expect(chunks.at(-1)!.equals(Buffer.concat(want))).toBe(true);
      expect([queue.depth, queue.bytes]).toEqual([0, 0]);
    }
    expect(chunks).toHaveLength(5);
  });

  it('keeps the newest frames in order while a stopped reader makes it drop thousands', async () => {
    const chunks: Buffer[] = [];
    let release: (() => void) | null = null;
    const stream = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _enc, callback) {
        chunks.push(Buffer.from(chunk));
        release = callback;
      },
    }) as unknown as Duplex;
    const { queue } = queueOn(stream, 1 << 20, 100);
    queue.push(Uint8Array.of(1, 2)); // blocks the stream
    await tick();
    for (let i = 0; i < 5_000; i++) queue.push(Uint8Array.of(i >> 8, i & 0xff));
    expect([queue.depth, queue.dropped]).toEqual([100, 4_900]);
    (release as unknown as () => void)();
    await tick();
    const newest = Array.from({ length: 100 }, (_, k) => 4_900 + k).flatMap((i) => [i >> 8, i & 0xff]);
    expect([...chunks.at(-1)!]).toEqual(newest);
  });
});

