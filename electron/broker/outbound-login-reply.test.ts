import { Writable, type Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Command, Status } from '../../shared/protocol/constants';
import { encodeFrame, encodeStatus } from '../../shared/protocol/frame';
import { OutboundQueue } from './outbound';

// A session's first frame is its login reply; a device whose first frame is anything else takes
// its login as failed (PROTOCOL.md 3.1). Drop-oldest must pass it over while it waits.

/** A stream that records what is written (all of it, at once). */
function recorder() {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { stream: stream as unknown as Duplex, written: () => Buffer.concat(chunks) };
}

const broadcastFrame = (i: number): Uint8Array => encodeFrame(Command.BROADCAST, i, `{"from":"storm","payload":{"i":${i},"pad":"${'p'.repeat(60)}"}}`);

describe('OutboundQueue drop-oldest and the login reply', () => {
  it('keeps the first frame queued (the login reply) when later frames overflow the byte bound', () => {
    const { stream, written } = recorder();
    const queue = new OutboundQueue(stream, 400, 1_000, () => {}, () => 0);
    const reply = encodeStatus(1, Status.SUCCESS);
    queue.push(reply);
    let dropped = 0;
    for (let i = 1; i <= 50; i++) dropped += queue.push(broadcastFrame(i));
    expect(dropped).toBeGreaterThan(40);
    expect(queue.bytes).toBeLessThanOrEqual(400 + reply.length);
    queue.flush();
    const out = written();
    expect([...out.subarray(0, reply.length)]).toEqual([...reply]);
    // The newest broadcasts follow it, in order; the oldest were dropped.
    const last = broadcastFrame(50);
    expect([...out.subarray(out.length - last.length)]).toEqual([...last]);
    expect(out.length).toBe(queue.written);
  });

  it('keeps it past the frame bound and the broker-wide budget too', () => {
    const { stream, written } = recorder();
    const budget = { bytes: 0, max: 300 };
    const queue = new OutboundQueue(stream, 1 << 20, 3, () => {}, () => 0, budget);
    const reply = encodeFrame(0, 1, '\u00c8{"id":"d","keepalive":10,"maxPayload":16384}');
    queue.push(reply);
    for (let i = 1; i <= 20; i++) queue.push(broadcastFrame(i));
    expect(queue.depth).toBeLessThanOrEqual(3);
    queue.flush();
    expect([...written().subarray(0, reply.length)]).toEqual([...reply]);
    expect(budget.bytes).toBe(0);
  });

  it('drops the oldest as before once the first frame has been written', () => {
    const { stream, written } = recorder();
    const queue = new OutboundQueue(stream, 1_000, 2, () => {}, () => 0);
    queue.push(encodeStatus(1, Status.SUCCESS));
    queue.flush();
    const first = broadcastFrame(1);
    queue.push(first);
    queue.push(broadcastFrame(2));
    expect(queue.push(broadcastFrame(3))).toBe(1);
    queue.flush();
    const out = written();
    expect(out.length).toBe(6 + broadcastFrame(2).length + broadcastFrame(3).length);
    expect(out.indexOf(Buffer.from(first))).toBe(-1);
  });
});
