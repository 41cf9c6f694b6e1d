import { afterEach, describe, expect, it, vi } from 'vitest';
import { Command, Status } from '../../../shared/protocol/constants';
import { FrameDecoder } from '../../../shared/protocol/decoder';
import { encodeFrame } from '../../../shared/protocol/frame';
import { UdpTransport, bindUdp } from '../../udp';
import { tablePolicy } from '../policy';
import { Session } from '../session';
import { BaseClient } from '../testing/base-client';
import { collectCloses, eventually, startTestBroker, testToken, type TestBroker } from '../testing/fixtures';
import { V2Client } from '../testing/v2-client';
import type { StartBrokerOptions } from '../index';
import { findNativeWire } from './wire';
import { native } from './testing';

/**
 * The Broker on the native data path (NativeSocket per connection) against the same Broker with
 * nativeWire: false, over real sockets: what devices get, the counters and the 'frame' events
 * must be the same; what changes is that routed messages never reach JS.
 */
let t: TestBroker | null = null;
let udp: UdpTransport | null = null;
afterEach(async () => {
  vi.restoreAllMocks();
  await t?.close();
  t = null;
  udp?.close();
  udp = null;
});

/** Fast-path counter deltas the sessions received, summed. */
function watchNative(): { msgsIn: number; msgsOut: number; acksOut: number } {
  const seen = { msgsIn: 0, msgsOut: 0, acksOut: 0 };
  const original = Session.prototype.addNativeCounters;
  vi.spyOn(Session.prototype, 'addNativeCounters').mockImplementation(function (this: Session, delta) {
    seen.msgsIn += delta.msgsIn;
    seen.msgsOut += delta.msgsOut;
    seen.acksOut += delta.acksOut;
    original.call(this, delta);
  });
  return seen;
}

const NO_PROBES: StartBrokerOptions = { keepalive: { rttProbeMs: 0 } };
const on = (extra: StartBrokerOptions = {}): StartBrokerOptions => ({ ...NO_PROBES, ...extra, nativeWire: native.skip ? false : findNativeWire() });
const routed = (id: string): boolean => (t!.broker as unknown as { core: { sessionById(id: string): Session | undefined } }).core.sessionById(id)?.routed ?? false;

/** One device pair's exchange; returns what the app and the devices saw, without timestamps. */
async function exchange(nativeWire: StartBrokerOptions): Promise<{ events: unknown[]; stats: object; messages: string[]; statuses: number[] }> {
  t = await startTestBroker(['a', 'b'], nativeWire);
  const events: unknown[] = [];
  t.broker.on('frame', (ev) => events.push({ dir: ev.dir, device: ev.device, from: ev.from, to: ev.to, cmd: ev.cmd, msgId: ev.msgId, size: ev.size, status: ev.status, payload: Buffer.from(ev.payload).toString() }));
  const a = await t.v2('a');
  const b = await t.v2('b');
  await eventually(() => nativeWire.nativeWire === false || (routed('a') && routed('b')), 2_000, 'routes');
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++) statuses.push(await a.send('b', `{"i":${i},"s":"x y"}`));
  await b.waitMessages(20);
  // The wire's counter deltas come in its next batch, a moment after the bytes; b acks every delivery.
  await eventually(() => {
    const s = t!.broker.stats();
    return s.msgsIn === 20 && s.acksOut === 20 && s.acksIn === 20;
  }, 2_000, 'counters');
  const { msgsIn, msgsOut, bytesIn, bytesOut, acksIn, acksOut, errors, drops, rateLimited } = t.broker.stats();
  const result = { events, stats: { msgsIn, msgsOut, bytesIn, bytesOut, acksIn, acksOut, errors, drops, rateLimited }, messages: b.messages.map((m) => m.raw), statuses };
  await t.close();
  t = null;
  return result;
}

describe.skipIf(native.skip !== null)('the Broker on the native data path', () => {
  it('delivers and acks a device pair\'s messages natively, with the counters and frame events of the JS path', async () => {
    const seen = watchNative();
    const fast = await exchange(on());
    expect(seen).toEqual({ msgsIn: 20, msgsOut: 20, acksOut: 20 });
    const js = await exchange({ ...NO_PROBES, nativeWire: false });
    expect(fast.statuses).toEqual(Array(20).fill(Status.SUCCESS));
    expect(fast.messages).toEqual(js.messages);
    expect(fast.stats).toEqual(js.stats);
    expect(fast.events).toEqual(js.events);
    expect(fast.events.length).toBe(40);
    // Only the fast run went native.
    expect(seen.msgsIn).toBe(20);
  });

  it('rate-limits a routed device from the one bucket the fast path shares, counted once, as on the JS path', async () => {
    const run = async (nativeWire: StartBrokerOptions): Promise<{ statuses: number[]; rateLimited: number; errors: number }> => {
      t = await startTestBroker(['a', 'b'], { ...nativeWire, limits: { ratePerSecond: 0.001, rateBurst: 3 } });
      const a = await t.v2('a');
      await t.v2('b');
      await eventually(() => nativeWire.nativeWire === false || routed('a'), 2_000, 'a routed');
      const statuses: number[] = [];
      // Fast-shaped and not (whitespace: JS handles it) alternate; both draw from one bucket.
      for (let i = 0; i < 6; i++) statuses.push(await a.send('b', i % 2 === 0 ? `{"i":${i}}` : `{ "i": ${i} }`));
      const { rateLimited, errors } = t.broker.stats();
      await t.close();
      t = null;
      return { statuses, rateLimited, errors };
    };
    const fast = await run(on());
    const js = await run({ ...NO_PROBES, nativeWire: false });
    expect(fast).toEqual(js);
    expect(fast.statuses).toEqual([200, 200, 200, Status.RATE_LIMITED, Status.RATE_LIMITED, Status.RATE_LIMITED]);
    expect(fast.rateLimited).toBe(3);
  });

  it("keeps one bucket when the wire takes a device over: messages in its LOGIN's write (JS's) count against the same burst", async () => {
    const run = async (nativeWire: StartBrokerOptions): Promise<{ statuses: number[]; rateLimited: number }> => {
      t = await startTestBroker(['a', 'b'], { ...nativeWire, limits: { ratePerSecond: 0.001, rateBurst: 4 } });
      await t.v2('b');
      const socket = await BaseClient.tcp(t.port);
      const replies: number[] = [];
      const decoder = new FrameDecoder({ maxPayload: 0xffff });
      socket.on('data', (chunk: Buffer) => {
        decoder.feed(chunk);
        for (let r = decoder.next(); r.kind === 'frame'; r = decoder.next()) if (r.frame.type === Command.RESPONSE) replies.push(r.frame.payload[0]!);
      });
      const message = (id: number): Uint8Array => encodeFrame(Command.JSON_MESSAGE, id, `{"targetId":"b","payload":{"i":${id}}}`);
      // The LOGIN and two messages in one write: JS handles all three, before the wire routes a.
      socket.write(Buffer.concat([encodeFrame(Command.LOGIN, 1, JSON.stringify({ v: 2, token: testToken('a') })), message(2), message(3)]));
      await eventually(() => replies.length === 3, 2_000, 'the login reply and two acks');
      await eventually(() => nativeWire.nativeWire === false || routed('a'), 2_000, 'a routed');
      for (let id = 4; id <= 7; id++) socket.write(message(id));
      await eventually(() => replies.length === 7, 2_000, 'four more acks');
      socket.destroy();
      const { rateLimited } = t.broker.stats();
      await t.close();
      t = null;
      return { statuses: replies.slice(1), rateLimited };
    };
    const fast = await run(on());
    const js = await run({ ...NO_PROBES, nativeWire: false });
    expect(fast).toEqual(js);
    expect(fast.statuses).toEqual([200, 200, 200, 200, Status.RATE_LIMITED, Status.RATE_LIMITED]);
  });

  it('does not count an ack that follows a frame closing the session (a second LOGIN), as on the JS path', async () => {
    const run = async (nativeWire: StartBrokerOptions): Promise<{ acksIn: number; bytesIn: number; closes: unknown[] }> => {
      t = await startTestBroker(['a'], nativeWire);
      const closes = collectCloses(t.broker);
      const a = await t.v2('a');
      await eventually(() => nativeWire.nativeWire === false || routed('a'), 2_000, 'a routed');
      // One write: the wire reads the ack with the LOGIN, before JS has closed the session for it.
      const login = encodeFrame(Command.LOGIN, 2, testToken('a'));
      a.write(Buffer.concat([login, encodeFrame(Command.RESPONSE, 1), encodeFrame(Command.RESPONSE, 2, Uint8Array.of(200))]));
      await a.waitClosed();
      await eventually(() => t!.broker.stats().socketsHeld === 0, 2_000, 'the connection gone');
      const { acksIn, bytesIn } = t.broker.stats();
      await t.close();
      t = null;
      return { acksIn, bytesIn, closes };
    };
    const fast = await run(on());
    const js = await run({ ...NO_PROBES, nativeWire: false });
    expect(fast).toEqual(js);
    expect(fast.acksIn).toBe(0);
    expect(fast.closes).toEqual([['a', 'protocol_error', 'second_login']]);
  });

  it('says which data path it uses', async () => {
    t = await startTestBroker(['a'], on());
    expect(t.broker.dataPath).toBe('native');
    await t.close();
    t = await startTestBroker(['a'], { nativeWire: false });
    expect([t.broker.dataPath, t.broker.dataPathReason]).toEqual(['js', 'turned off (nativeWire: false)']);
  });

  it('does not route a session granted UDP: its messages and deliveries go through JS', async () => {
    const seen = watchNative();
    udp = new UdpTransport({ socket: await bindUdp(0) });
    t = await startTestBroker(['u', 'b'], on({ udp }));
    const u = await V2Client.connect(t.port);
    expect(await u.login(testToken('u'), {}, { udp: true })).toBe(Status.SUCCESS);
    const b = await t.v2('b');
    await eventually(() => routed('b'), 2_000, 'b routed');
    await new Promise((r) => setImmediate(r));
    expect(routed('u')).toBe(false);
    expect(await u.send('b', '{"over":"tcp"}')).toBe(Status.SUCCESS);
    await b.waitMessages(1);
    expect(seen).toEqual({ msgsIn: 0, msgsOut: 0, acksOut: 0 });
  });

  it('routes nothing natively when the broker has a routing policy, which still refuses', async () => {
    const seen = watchNative();
    t = await startTestBroker(['a', 'b'], on({ policy: tablePolicy({ senders: { b: [] } }) }));
    const a = await t.v2('a');
    const b = await t.v2('b');
    await new Promise((r) => setTimeout(r, 20));
    expect(routed('a') || routed('b')).toBe(false);
    expect(await a.send('b', '{"ok":1}')).toBe(Status.SUCCESS);
    expect(await b.send('a', '{"no":1}')).toBe(Status.NOT_ALLOWED);
    await b.waitMessages(1);
    expect(seen.msgsIn).toBe(0);
  });

  it('a receiver that stops reading gets drop-oldest, QUEUE_FULL and a slow-consumer close as on the JS path', async () => {
    const seen = watchNative();
    t = await startTestBroker(['fast', 'slow'], on({ limits: { ratePerSecond: 1_000_000, rateBurst: 1_000_000, maxQueueBytes: 128 * 1024, maxQueueMessages: 20_000, drainTimeoutMs: 800 } }));
    const closes = collectCloses(t.broker);
    const fast = await t.v2('fast');
    const slow = await t.v2('slow');
    await eventually(() => routed('fast') && routed('slow'), 2_000, 'routes');
    slow.pause();
    const body = `{"blob":"${'x'.repeat(1_000)}"}`;
    const statuses: Promise<number>[] = [];
    for (let i = 0; i < 5_000; i++) {
      statuses.push(fast.status(fast.post('slow', body), 15_000));
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    const acked = await Promise.all(statuses);
    expect(seen.msgsIn).toBeGreaterThan(0); // the fast path took the first ones
    expect(seen.msgsIn).toBeLessThan(5_000); // and left the backed-up receiver to JS
    expect(acked.filter((s) => s === Status.QUEUE_FULL).length).toBeGreaterThan(0);
    expect(t.broker.session('slow')!.counters.drops).toBeGreaterThan(100);
    expect(t.broker.session('slow')!.counters.queueBytes).toBeLessThanOrEqual(128 * 1024);
    await eventually(() => closes.find((x) => x[0] === 'slow'), 8_000, 'slow consumer close');
    expect(closes.find((x) => x[0] === 'slow')).toEqual(['slow', 'slow_consumer', expect.stringMatching(/frames queued/)]);
    expect(fast.closed).toBe(false);
  });

  it('counts fast-path messages as signs of life: a busy sender is not pinged', async () => {
    t = await startTestBroker(['a', 'b', 'idle'], on({ keepalive: { intervalMs: 150, deadlineMs: 5_000, rttProbeMs: 0 } }));
    const a = await t.v2('a');
    const b = await t.v2('b');
    const idle = await t.v2('idle');
    await eventually(() => routed('a'), 2_000, 'a routed');
    const until = Date.now() + 700;
    let sent = 0;
    while (Date.now() < until) {
      a.post('b', `{"n":${sent++}}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await b.waitMessages(sent, 3_000);
    expect(a.frames.filter((f) => f.type === Command.PING)).toEqual([]);
    expect(idle.frames.some((f) => f.type === Command.PING)).toBe(true);
  });
});
