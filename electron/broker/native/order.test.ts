import { afterEach, describe, expect, it } from 'vitest';
import { Command } from '../../../shared/protocol/constants';
import { encodeDeviceEnvelope } from '../../../shared/protocol/envelope';
import { encodeFrame } from '../../../shared/protocol/frame';
import type { Session } from '../session';
import { eventually, startTestBroker, type TestBroker } from '../testing/fixtures';
import type { V2Client } from '../testing/v2-client';

/**
 * README "Order": a message JS handles must reach its receiver before the fast-path messages its
 * sender wrote after it. Runs on the broker's default data path (native when the addon loads;
 * HYPERTCP_NATIVE_WIRE=off: the JS path, where the order holds trivially).
 */
let t: TestBroker | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

/** Whitespace outside the payload: not the fast path's shape, so JS handles it. */
const slowMessage = (seq: number): Uint8Array => new TextEncoder().encode(`{"targetId":"b", "payload":{"seq":${seq}}}`);
const frames = (firstId: number, envelopes: Uint8Array[]): Buffer => Buffer.concat(envelopes.map((e, i) => encodeFrame(Command.JSON_MESSAGE, firstId + i, e)));
const fastMessages = (from: number, count: number): Uint8Array[] => Array.from({ length: count }, (_, i) => encodeDeviceEnvelope('b', `{"seq":${from + i}}`));

async function devicePair(): Promise<{ a: V2Client; b: V2Client }> {
  t = await startTestBroker(['a', 'b'], { keepalive: { rttProbeMs: 0 } });
  const a = await t.v2('a');
  const b = await t.v2('b');
  const core = (t.broker as unknown as { core: { sessionById(id: string): Session | undefined } }).core;
  const routed = (id: string): boolean => core.sessionById(id)?.routed ?? false;
  await eventually(() => t!.broker.dataPath === 'js' || (routed('a') && routed('b')), 2_000, 'routes');
  return { a, b };
}

async function receivedSeqs(b: V2Client, count: number): Promise<number[]> {
  await b.waitMessages(count);
  return b.messages.map((m) => (m.payload as { seq: number }).seq);
}

describe(`message order from one device to one receiver (${process.env.HYPERTCP_NATIVE_WIRE === 'off' ? 'JS' : 'default'} data path)`, () => {
  it('fast-path messages read with a JS-handled one wait for it (the wire holds a sender with unprocessed slow bytes)', async () => {
    const { a, b } = await devicePair();
    // One write: the wire reads them together, the first is JS's, the rest are fast-path shaped.
    a.write(frames(100, [slowMessage(0), ...fastMessages(1, 5)]));
    expect(await receivedSeqs(b, 6)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('fast-path messages sent after JS handled one wait for its delivery to be written (batch-end flush)', async () => {
    const { a, b } = await devicePair();
    // Right after JS handled the slow message (its batch reported processed, its delivery queued
    // for this turn's flush), a busy JS thread: the fast messages arrive meanwhile and the wire
    // forwards them without JS. Only the flush at the batch's end keeps them behind the delivery.
    t!.broker.on('frame', (event) => {
      if (event.dir !== 'in' || event.from !== 'a' || !Buffer.from(event.payload).includes('", "payload"')) return;
      process.nextTick(() => {
        a.write(frames(200, fastMessages(1, 5)));
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      });
    });
    a.write(frames(100, [slowMessage(0)]));
    expect(await receivedSeqs(b, 6)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
