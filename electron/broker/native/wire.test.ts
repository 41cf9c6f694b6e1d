import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { Command } from '../../../shared/protocol/constants';
import { encodeDeviceEnvelope } from '../../../shared/protocol/envelope';
import { encodeFrame } from '../../../shared/protocol/frame';
import { deliveredFrame, envelopePrefix } from '../wire';
import { native, Recorder, until, type Client } from './testing';
import { NATIVE_MAX_PENDING_BYTES, type NativeRoute } from './wire';

const addon = native.addon!;
const open: Recorder[] = [];
const clients: Client[] = [];

function recorder(options?: { autoProcessed?: boolean }): Recorder {
  const r = new Recorder(addon, options);
  open.push(r);
  return r;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await Promise.all(open.splice(0).map((r) => r.wire.close()));
});

const route = (deviceId: string, extra: Partial<NativeRoute> = {}): NativeRoute => ({ deviceId, v2: true, maxPayload: 16384, ratePerSecond: 1000, rateBurst: 1000, ...extra });
const message = (msgId: number, target: string, payload = '{"cmd":"toggle"}'): Uint8Array => encodeFrame(Command.JSON_MESSAGE, msgId, encodeDeviceEnvelope(target, payload));
const delivered = (msgId: number, from: string, payload = '{"cmd":"toggle"}'): Buffer => Buffer.from(deliveredFrame(Command.JSON_MESSAGE, msgId, envelopePrefix(from), Buffer.from(payload)));
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

/** Two connections, routed as a and b. */
async function pair(r: Recorder, a: Partial<NativeRoute> = {}, b: Partial<NativeRoute> = {}, ids = ['a', 'b']) {
  const A = await r.client();
  const B = await r.client();
  clients.push(A.client, B.client);
  expect(r.wire.route(A.connId, route(ids[0]!, a))).toBe(true);
  expect(r.wire.route(B.connId, route(ids[1]!, b))).toBe(true);
  return { A, B };
}

describe.skipIf(native.skip !== null)('native wire', () => {
  it('hands every byte of an unrouted connection to JS unchanged and in order, a LOGIN included, however it is split', async () => {
    const r = recorder();
    const { client, connId } = await r.client();
    clients.push(client);
    const login = encodeFrame(Command.LOGIN, 1, '{"v":2,"token":"abc"}');
    const stream = Buffer.concat([login, message(2, 'b'), encodeFrame(Command.PING, 3)]);
    for (let i = 0; i < stream.length; i += 7) {
      client.send(stream.subarray(i, i + 7));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await until(() => r.bytes(connId).length === stream.length, 'all slow bytes');
    expect(r.bytes(connId).equals(stream)).toBe(true);
    expect(r.accepted[0]).toMatchObject({ address: '127.0.0.1', port: client.socket.localPort });
  });

  it("counts a routed device's acks itself (no wake of JS); the answer to a PING still goes to JS, for the RTT", async () => {
    const r = recorder();
    const { A } = await pair(r);
    const acks = Buffer.concat([encodeFrame(Command.RESPONSE, 1), encodeFrame(Command.RESPONSE, 2, new Uint8Array([200]))]);
    A.client.send(acks);
    await until(() => r.counters.get(A.connId)?.acksIn === 2, 'acks counted');
    expect(r.counters.get(A.connId)).toMatchObject({ acksIn: 2, bytesIn: acks.length, msgsIn: 0 });
    const ping = r.wire.nextId(A.connId, true);
    const pong = encodeFrame(Command.RESPONSE, ping);
    A.client.send(pong);
    await until(() => r.bytes(A.connId).length === pong.length, 'the pong handed to JS');
    expect(r.bytes(A.connId).equals(Buffer.from(pong))).toBe(true);
    expect(r.counters.get(A.connId)?.acksIn).toBe(2);
    // an unrouted connection's acks are JS's, like every other byte of it
    const { client, connId } = await r.client();
    clients.push(client);
    client.send(acks);
    await until(() => r.bytes(connId).length === acks.length, 'unrouted acks handed to JS');
  });

  it('wakes JS for counters and traces at most every few ms, not once per routed message', async () => {
    const r = recorder();
    r.wire.setTracing(true);
    const { A, B } = await pair(r);
    const count = 60;
    for (let i = 1; i <= count; i++) {
      A.client.send(message(i, 'b'));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await until(() => r.counters.get(B.connId)?.msgsOut === count, 'every delivery counted');
    // one trace record per message: JS makes its 'in' and 'out' events from it
    expect(r.traces.length).toBe(count);
    // 60 messages over >= 60 ms: one batch per message without the lazy notify, ~60 / NATIVE_LAZY_MS with it
    expect(r.batches.length).toBeLessThan(count / 2);
    // a connection's deltas add up until JS takes the batch: one record per connection per batch, not per message
    expect(r.counterRecords).toBeLessThanOrEqual(2 * r.batches.length);
    expect(r.counters.get(A.connId)).toMatchObject({ msgsIn: count, acksOut: count });
  });

  it('delivers a routed JSON message natively: the exact envelope and msg id to b, the v2 ack to a, counters and traces', async () => {
    const r = recorder();
    r.wire.setTracing(true);
    const { A, B } = await pair(r);
    const frame = message(7, 'b');
    // Split mid-frame: the candidate is held until whole.
    A.client.send(frame.subarray(0, 10));
    await settle();
    A.client.send(frame.subarray(10));
    const want = delivered(1, 'a');
    expect((await B.client.waitFor(want.length)).equals(want)).toBe(true);
    expect((await A.client.waitFor(6)).equals(Buffer.from([0, 0, 7, 0, 1, 200]))).toBe(true);
    await until(() => (r.counters.get(B.connId)?.msgsOut ?? 0) === 1, 'counters');
    expect(r.bytes(A.connId).length).toBe(0);
    expect(r.counters.get(A.connId)).toEqual({ msgsIn: 1, msgsOut: 0, bytesIn: frame.length, bytesOut: 6, acksOut: 1, rateLimited: 0, acksIn: 0 });
    expect(r.counters.get(B.connId)).toEqual({ msgsIn: 0, msgsOut: 1, bytesIn: 0, bytesOut: want.length, acksOut: 0, rateLimited: 0, acksIn: 0 });
    // One record for the message: the sender's envelope and where the delivered payload is in it.
    const envelope = Buffer.from(frame.subarray(5)).toString();
    expect(r.traces.map((t) => ({ ...t, envelope: Buffer.from(t.envelope).toString() }))).toEqual([
      { connId: A.connId, receiverId: B.connId, inMsgId: 7, outMsgId: 1, status: 200, envelope, payloadStart: envelope.indexOf('{"cmd"'), payloadEnd: envelope.length - 1 },
    ]);
    // The msg id counter is the connection's, shared with JS.
    expect(r.wire.nextId(B.connId)).toBe(2);
    r.wire.setTracing(false);
    A.client.send(message(8, 'b'));
    await B.client.waitFor(want.length * 2);
    expect(B.client.received.subarray(want.length).equals(delivered(3, 'a'))).toBe(true);
    expect(r.traces.length).toBe(1);
  });

  it('acks a legacy sender with the empty RESPONSE Session.ack() writes', async () => {
    const r = recorder();
    const { A, B } = await pair(r, { v2: false });
    A.client.send(message(0x0102, 'b'));
    await B.client.waitFor(delivered(1, 'a').length);
    expect((await A.client.waitFor(5)).equals(Buffer.from([0, 1, 2, 0, 0]))).toBe(true);
    await settle();
    expect(A.client.received.length).toBe(5);
  });

  const refusals: [string, (msgId: number) => Uint8Array][] = [
    ['an unknown target', (id) => message(id, 'nobody')],
    ['"server" as target', (id) => message(id, 'server')],
    ['keys in another order', (id) => encodeFrame(Command.JSON_MESSAGE, id, '{"payload":{"x":1},"targetId":"b"}')],
    ['whitespace outside the payload', (id) => encodeFrame(Command.JSON_MESSAGE, id, '{"targetId": "b","payload":{"x":1}}')],
    ['an escaped target id', (id) => encodeFrame(Command.JSON_MESSAGE, id, '{"targetId":"\\u0062","payload":{"x":1}}')],
    ['an invalid payload', (id) => encodeFrame(Command.JSON_MESSAGE, id, '{"targetId":"b","payload":{"x":01}}')],
    ['a payload that is no object', (id) => encodeFrame(Command.JSON_MESSAGE, id, '{"targetId":"b","payload":[1,2,3,4]}')],
    ['a BROADCAST', (id) => encodeFrame(Command.BROADCAST, id, encodeDeviceEnvelope('b', '{"x":1}'))],
  ];

  it.each(refusals)('leaves %s to JS, unchanged', async (_name, make) => {
    const r = recorder();
    const { A, B } = await pair(r);
    // Even a connection routed under the reserved id: messages to "server" are the app's.
    const S = await r.client();
    clients.push(S.client);
    r.wire.route(S.connId, route('server'));
    const frame = make(9);
    A.client.send(frame);
    await until(() => r.bytes(A.connId).length === frame.length, 'slow bytes');
    expect(r.bytes(A.connId).equals(frame)).toBe(true);
    await settle();
    expect(A.client.received.length + B.client.received.length + S.client.received.length).toBe(0);
  });

  it('leaves a message to JS when the rate bucket is empty, and take() shares that bucket', async () => {
    const r = recorder();
    const { A, B } = await pair(r, { ratePerSecond: 0, rateBurst: 2 });
    A.client.send(message(1, 'b'));
    await B.client.waitFor(delivered(1, 'a').length);
    expect(r.wire.take(A.connId)).toBe(true);
    expect(r.wire.take(A.connId)).toBe(false);
    const refused = message(2, 'b');
    A.client.send(refused);
    await until(() => r.bytes(A.connId).length === refused.length, 'slow bytes');
    expect(r.bytes(A.connId).equals(refused)).toBe(true);
    await until(() => r.counters.get(A.connId)?.rateLimited === 1, 'rateLimited counted');
  });

  it("starts a newly routed connection's bucket at the route's tokens (JS's bucket until then), full without them", async () => {
    const r = recorder();
    const { A, B } = await pair(r, { ratePerSecond: 0, rateBurst: 5, tokens: 1.5 }, { ratePerSecond: 0, rateBurst: 2 });
    expect(r.wire.take(A.connId)).toBe(true);
    expect(r.wire.take(A.connId)).toBe(false);
    // a route again, for a connection already routed, keeps the bucket where it is
    expect(r.wire.route(B.connId, route('b', { ratePerSecond: 0, rateBurst: 2, tokens: 0 }))).toBe(true);
    expect([r.wire.take(B.connId), r.wire.take(B.connId), r.wire.take(B.connId)]).toEqual([true, true, false]);
  });

  it('leaves a message to JS when the delivered envelope would exceed maxPayload', async () => {
    const r = recorder();
    const sender = 'a-long-device-id-that-makes-the-delivered-envelope-longer';
    const fits = message(1, 'b');
    const { A, B } = await pair(r, { maxPayload: fits.length - 5 }, {}, [sender, 'b']);
    A.client.send(fits);
    await until(() => r.bytes(A.connId).length === fits.length, 'slow bytes');
    expect(r.bytes(A.connId).equals(fits)).toBe(true);
    await settle();
    expect(B.client.received.length).toBe(0);
  });

  it("leaves a message to JS when its delivered envelope would exceed the receiver's receiveLimit, and delivers one that fits", async () => {
    const r = recorder();
    const over = message(1, 'b');
    // the receiver's limit: one byte short of what the first message delivers
    const { A, B } = await pair(r, {}, { receiveLimit: delivered(1, 'a').length - 5 - 1 });
    A.client.send(over);
    await until(() => r.bytes(A.connId).length === over.length, 'slow bytes');
    expect(r.bytes(A.connId).equals(over)).toBe(true);
    A.client.send(message(2, 'b', '{}'));
    const fits = delivered(1, 'a', '{}');
    await B.client.waitFor(fits.length);
    // in order from one sender: the first, had the wire delivered it, would be here before it
    expect(B.client.received.equals(fits)).toBe(true);
  });

  it('write() says when a connection is backed up, takes the bytes anyway, reports drained, and the fast path avoids it meanwhile', async () => {
    const r = recorder();
    const { A, B } = await pair(r);
    B.client.socket.pause();
    const chunk = Buffer.alloc(1024 * 1024, 0x41);
    // 16 MiB: more than loopback buffers hold, so well past the 64 KiB the fast path allows.
    const answers = Array.from({ length: 16 }, () => r.wire.write(B.connId, chunk));
    expect(answers[0]).toBe(true);
    expect(answers[15]).toBe(false);
    const sent = message(1, 'b');
    A.client.send(sent);
    await until(() => r.bytes(A.connId).length === sent.length, 'slow bytes');
    expect(r.drained).toEqual([]);
    B.client.socket.resume();
    await until(() => r.drained.includes(B.connId), 'drained');
    await B.client.waitFor(16 * chunk.length);
    expect(B.client.received.every((b) => b === 0x41)).toBe(true);
    // Once drained the fast path takes messages to b again.
    A.client.send(message(2, 'b'));
    await until(() => B.client.received.includes(Buffer.from('{"from":"a"')), 'a delivery to b');
  });

  it("gives a burst's buffers back once they are written: 16 MiB written to one device, and a 60 KB message that came in two reads, are not kept", async () => {
    const r = recorder();
    const { A, B } = await pair(r, {}, { maxPayload: 0xffff });
    B.client.socket.pause();
    const chunk = Buffer.alloc(1024 * 1024, 0x42);
    for (let i = 0; i < 16; i++) r.wire.write(B.connId, chunk);
    expect(r.wire.bufferedBytes).toBeGreaterThan(8 * chunk.length);
    B.client.socket.resume();
    await until(() => r.drained.includes(B.connId), 'drained');
    await B.client.waitFor(16 * chunk.length);
    expect(r.wire.bufferedBytes).toBeLessThanOrEqual(64 * 1024);
    // A fast-path candidate that comes in two reads is held until whole (its buffer grown to 80,000
    // bytes by the second), then let go.
    const big = message(1, 'a', JSON.stringify({ blob: 'x'.repeat(60_000) }));
    B.client.send(big.subarray(0, 40_000));
    await settle();
    B.client.send(big.subarray(40_000));
    await until(() => A.client.received.length > 60_000, 'the big message delivered');
    expect(r.wire.bufferedBytes).toBeLessThanOrEqual(64 * 1024);
  });

  it('keeps a device\'s order: a fast frame after slow bytes JS has not processed goes to JS too', async () => {
    const r = recorder({ autoProcessed: false });
    const { A, B } = await pair(r);
    const ping = encodeFrame(Command.PING, 1);
    const stream = Buffer.concat([ping, message(2, 'b'), message(3, 'b')]);
    A.client.send(stream);
    await until(() => r.bytes(A.connId).length === stream.length, 'slow bytes');
    expect(r.bytes(A.connId).equals(stream)).toBe(true);
    expect(B.client.received.length).toBe(0);
    r.wire.processed(r.batches[r.batches.length - 1]!);
    A.client.send(message(4, 'b'));
    expect((await B.client.waitFor(delivered(1, 'a').length)).equals(delivered(1, 'a'))).toBe(true);
  });

  it('hands a frame whose length is over the limit to JS as it came (its decoder closes the session)', async () => {
    const r = recorder();
    const { A } = await pair(r, { maxPayload: 100 });
    const header = Buffer.from([30, 0, 1, 0xff, 0xff]);
    const body = Buffer.alloc(300, 0x7b);
    A.client.send(Buffer.concat([header, body]));
    await until(() => r.bytes(A.connId).length === 305, 'slow bytes');
    expect(r.bytes(A.connId).equals(Buffer.concat([header, body]))).toBe(true);
  });

  it('hands 256 KiB of random bytes from a routed connection to JS exactly as sent, split anywhere', async () => {
    const r = recorder();
    const { A, B } = await pair(r);
    let seed = 7;
    const junk = Buffer.alloc(256 * 1024);
    for (let i = 0; i < junk.length; i++) junk[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let i = 0; i < junk.length; ) {
      const size = 1 + (junk[i]! % 200) * 37;
      A.client.send(junk.subarray(i, i + size));
      i += size;
    }
    await until(() => r.bytes(A.connId).length === junk.length, 'all junk at JS', 10_000);
    expect(r.bytes(A.connId).equals(junk)).toBe(true);
    expect(B.client.received.length).toBe(0);
  });

  it('a newer route for a device id replaces the older one', async () => {
    const r = recorder();
    const { A, B } = await pair(r);
    const C = await r.client();
    clients.push(C.client);
    r.wire.route(C.connId, route('b'));
    A.client.send(message(1, 'b'));
    await C.client.waitFor(delivered(1, 'a').length);
    await settle();
    expect(B.client.received.length).toBe(0);
  });

  it('reports why each connection closed: peer end, reset, destroy, end() and shutdown', async () => {
    const r = recorder();
    const ended = await r.client();
    const reset = await r.client();
    const destroyed = await r.client();
    const halfClosed = await r.client();
    const shut = await r.client();
    ended.client.socket.end();
    reset.client.socket.resetAndDestroy();
    expect(r.wire.destroy(destroyed.connId)).toBe(true);
    r.wire.write(halfClosed.connId, Buffer.from('bye'));
    expect(r.wire.end(halfClosed.connId)).toBe(true);
    await until(() => halfClosed.client.received.toString() === 'bye' && halfClosed.client.socket.readableEnded, 'half-close at the client');
    halfClosed.client.socket.end();
    await until(() => r.closed.size === 4, 'four closes');
    expect(Object.fromEntries(r.closed)).toEqual({ [ended.connId]: 'end', [reset.connId]: 'ECONNRESET', [destroyed.connId]: 'destroyed', [halfClosed.connId]: 'end' });
    await until(() => destroyed.client.ended, 'destroyed at the client');
    expect(r.wire.write(destroyed.connId, Buffer.from('x'))).toBe(false);
    await r.wire.close();
    open.splice(open.indexOf(r), 1);
    expect(r.closed.get(shut.connId)).toBe('shutdown');
    await until(() => shut.client.ended, 'shutdown at the client');
  });

  it('stops reading past NATIVE_MAX_PENDING_BYTES while JS has not taken the batch, and delivers every byte once it does', async () => {
    const r = recorder();
    // The flooding client runs on another thread: this one is blocked below, as a busy broker's would be.
    const total = 16 * 1024 * 1024;
    const flooder = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const socket = require('node:net').connect(workerData.port, '127.0.0.1');
       const bytes = Buffer.alloc(workerData.total);
       for (let i = 0; i < bytes.length; i++) bytes[i] = i % 251;
       parentPort.once('message', () => socket.write(bytes));
       parentPort.once('close', () => socket.destroy());`,
      { eval: true, workerData: { port: r.port, total } },
    );
    try {
      await until(() => r.accepted.length === 1, 'the flooder accepted');
      const connId = r.accepted[0]!.connId;
      flooder.postMessage('go');
      for (const until300 = Date.now() + 300; Date.now() < until300; ) {
        // JS takes no batch meanwhile
      }
      await until(() => r.bytes(connId).length === total, 'every flooded byte at JS', 15_000);
      const got = r.bytes(connId);
      expect(got.every((b, i) => b === i % 251)).toBe(true);
      // JS fell behind (the cap was reached), yet the batch never held more than the cap and one read (64 KiB).
      expect(r.wire.pendingPeak).toBeGreaterThanOrEqual(NATIVE_MAX_PENDING_BYTES);
      expect(r.wire.pendingPeak).toBeLessThanOrEqual(NATIVE_MAX_PENDING_BYTES + 64 * 1024 + 64);
    } finally {
      await flooder.terminate();
    }
  });

  it("runs on a thread of its own named hypertcp-wire (top -H, perf), which ends with the wire", async () => {
    const wireThreads = (): string[] => readdirSync('/proc/self/task').filter((tid) => readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'hypertcp-wire');
    const before = wireThreads();
    const r = recorder();
    await until(() => wireThreads().length === before.length + 1, 'the named thread');
    const tid = wireThreads().find((t) => !before.includes(t))!;
    // the scheduler slice it asks for (EEVDF's custom slices, Linux 6.12+; /proc's sched file with the scheduler's debug info)
    const [major = 0, minor = 0] = release().split('.').map(Number);
    const slice = /^se\.slice\s*:\s*(\d+)/m.exec(existsSync(`/proc/self/task/${tid}/sched`) ? readFileSync(`/proc/self/task/${tid}/sched`, 'utf8') : '');
    if (major * 100 + minor >= 612 && slice) expect(Number(slice[1])).toBe(100_000);
    else console.warn(`the wire thread's scheduler slice not checked: needs Linux 6.12+ with /proc/<tid>/sched's se.slice (kernel ${release()}, se.slice ${slice ? 'shown' : 'not shown'})`);
    await r.wire.close();
    await until(() => wireThreads().length === before.length, 'the thread gone');
  });

  it('opens and closes 200 connections without leaking a descriptor', async () => {
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const r = recorder();
    const before = fds();
    const opened: Awaited<ReturnType<Recorder['client']>>[] = [];
    for (let i = 0; i < 200; i++) opened.push(await r.client());
    await until(() => r.wire.connections === 200, '200 connections');
    opened.forEach((o, i) => (i % 2 === 0 ? o.client.socket.destroy() : r.wire.destroy(o.connId)));
    await until(() => r.closed.size === 200 && opened.every((o) => o.client.ended), '200 closes');
    expect(r.wire.connections).toBe(0);
    await until(() => fds() <= before, `descriptors back to ${before} (now ${fds()})`);
  });
});
