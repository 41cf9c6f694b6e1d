/**
 * Differential property test of the two data paths: the same random scenario runs against a
 * broker on 127.0.0.1 with the native data path and one with it off (the JS path macOS and Windows
 * run), and everything a device, the hub or the stats can see must be identical: the exact bytes
 * the peer receives, the exact bytes the sender receives, whether and why each connection ends, the
 * 'frame' and 'server:message' events, and the broker's counters.
 *
 * A scenario: a peer logs in (v2 or legacy), a sender logs in (v2 or legacy; its LOGIN sometimes in
 * the same write as its first frames, before the wire routes it), then writes random frames cut at
 * random byte boundaries into writes: messages to the peer (the fast path's shape and others), to
 * itself, to an offline and an unknown device, to "server", broadcasts, pings, acks, hostile
 * envelopes (__proto__, repeated keys, arrays as targetId, bad UTF-8, too deep, mutations), payloads
 * at the delivered-envelope limit and at the peer's own receive limit (its v2 LOGIN's maxPayload, in
 * some scenarios), malformed headers and oversized lengths (which close it). A PING
 * with msg id 0xFFFF ends the sender's stream: its answer (or the broker's close) says the broker
 * has handled everything, then the app sends the peer a message, whose arrival says every delivery
 * before it has arrived. Both devices then close and the brokers settle. Bytes a device writes
 * after a frame that closes its connection are counted in bytesIn only as far as they came in the
 * same read, on either path: there the count is checked against its bounds, not compared.
 *
 * Hand-written scenarios run first (examples()), then random ones (DATA_PATHS_RUNS in all, 200 by
 * default). A failure prints fast-check's seed and path: DATA_PATHS_SEED=<seed>
 * DATA_PATHS_PATH=<path> replays it. Runs in the `default` vitest project (it pins both paths itself).
 */
import fc from 'fast-check';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from '../../../shared/protocol/constants';
import { encodeFrame } from '../../../shared/protocol/frame';
import type { Broker } from '../broker';
import { RoutedFrameEvent } from '../frame-event';
import { startBroker } from '../index';
import type { Session } from '../session';
import { testToken } from '../testing/fixtures';
import type { BrokerStats, FrameEvent } from '../types';
import { native, until } from './testing';

const skip = native.skip ?? (process.env.HYPERTCP_NATIVE_WIRE === 'off' ? 'it runs both data paths itself (vitest project default)' : null);
if (skip && !native.skip) console.warn(`data-path differential test skipped: ${skip}`);

// Not the defaults, so a limit the wire takes from its route (not its own constant) is tested too.
const MAX = 4096;
// Each scenario runs on one of two pairs of brokers: one whose rate limit a scenario never reaches,
// one whose burst it often does (and where messages then stop at RATE_LIMITED, unread).
const BURSTS = { loose: 1_000, tight: 4 } as const;
// Longer than PEER: a delivered envelope is 19 bytes longer than the frame that sent it to PEER.
const SENDER = 'sender-device-0123456789';
const PEER = 'p';
// The receive limit the peer's v2 LOGIN announces in some scenarios: deliveries over it are refused.
const PEER_LIMIT = 1024;
const OFFLINE = 'offline-1';
const SENTINEL = 0xffff;
const RUNS = Number(process.env.DATA_PATHS_RUNS ?? 200);

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

interface Env {
  broker: Broker;
  port: number;
  events: unknown[];
  closes: [string | null, string, string | undefined][];
}

/** What the scenarios reached, over the whole run: the generator must keep reaching all of it. */
const reached = { routed: 0, statuses: new Map<number, number>(), closes: new Map<string, number>(), overPeerLimit: 0 };
const bump = <K>(map: Map<K, number>, key: K): void => void map.set(key, (map.get(key) ?? 0) + 1);

async function env(nativeWire: boolean, rateBurst: number): Promise<Env> {
  const { broker, port } = await startBroker({
    nativeWire,
    devices: Object.fromEntries([SENDER, PEER, OFFLINE].map((id) => [id, testToken(id)])),
    // A rate that refills nothing within a scenario: RATE_LIMITED depends on the count alone.
    limits: { maxPayload: MAX, ratePerSecond: 0.001, rateBurst },
    keepalive: { intervalMs: 600_000, deadlineMs: 600_000, rttProbeMs: 0 },
    closeLingerMs: 1_000,
  });
  const e: Env = { broker, port, events: [], closes: [] };
  broker.on('frame', (ev: FrameEvent) => {
    e.events.push({
      frame: ev.dir, device: ev.device, from: ev.from, to: ev.to, cmd: ev.cmd, msgId: ev.msgId, size: ev.size, status: ev.status,
      payload: show(ev.payload), ...(ev.recipients === undefined ? {} : { recipients: ev.recipients }),
    });
    if (ev instanceof RoutedFrameEvent) reached.routed++;
    else if (!nativeWire && ev.dir === 'in' && ev.status !== null) bump(reached.statuses, ev.status);
  });
  broker.on('server:message', (ev) => e.events.push({ serverMessage: ev.from, payload: show(ev.payload) }));
  broker.on('connection:close', (ev) => {
    e.closes.push([ev.device, ev.reason, ev.detail]);
    if (!nativeWire) bump(reached.closes, ev.detail === undefined ? ev.reason : `${ev.reason}: ${ev.detail}`);
  });
  return e;
}

/** Bytes as text for a readable diff; long ones by length, ends and a checksum. */
function show(bytes: Uint8Array): string {
  const b = Buffer.from(bytes);
  if (b.length <= 160) return b.toString('latin1');
  let sum = 0;
  for (const x of b) sum = (Math.imul(sum, 31) + x) | 0;
  return `${b.subarray(0, 60).toString('latin1')}...[${b.length} bytes, sum ${sum}]...${b.subarray(b.length - 40).toString('latin1')}`;
}

interface RawFrame {
  type: number;
  id: number;
  payload: Buffer;
}

/** The whole frames in `bytes`, and what is left after them. */
function frames(bytes: Buffer): { list: RawFrame[]; rest: Buffer } {
  const list: RawFrame[] = [];
  let at = 0;
  while (bytes.length - at >= 5) {
    const length = bytes.readUInt16BE(at + 3);
    if (bytes.length - at < 5 + length) break;
    list.push({ type: bytes[at]!, id: bytes.readUInt16BE(at + 1), payload: bytes.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return { list, rest: bytes.subarray(at) };
}

/** A device's socket: every byte it receives, whether the broker ended it; the peer acks deliveries as both firmwares do. */
class Device {
  private chunks: Buffer[] = [];
  private parsed = 0;
  endedByBroker = false;
  closed = false;
  private ending = false;

  private constructor(
    readonly socket: Socket,
    private readonly acks: boolean,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      if (this.acks) this.ack();
    });
    socket.on('end', () => (this.endedByBroker ||= !this.ending));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static open(port: number, acks: boolean): Promise<Device> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(new Device(socket, acks)));
      socket.once('error', reject);
    });
  }

  get bytes(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  get frames(): RawFrame[] {
    return frames(this.bytes).list;
  }

  /** Bytes this device wrote. */
  written = 0;

  write(bytes: Uint8Array): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    this.written += bytes.length;
    this.socket.write(bytes);
  }

  end(): void {
    this.ending = true;
    this.socket.end();
  }

  /** An empty RESPONSE for every JSON_MESSAGE and BROADCAST delivered. */
  private ack(): void {
    const all = this.bytes;
    const { list, rest } = frames(all.subarray(this.parsed));
    this.parsed = all.length - rest.length;
    for (const f of list) if (f.type === Command.JSON_MESSAGE || f.type === Command.BROADCAST) this.write(encodeFrame(Command.RESPONSE, f.id));
  }
}

const login = (id: string, v2: boolean, maxPayload?: number): Uint8Array =>
  encodeFrame(Command.LOGIN, 1, v2 ? JSON.stringify({ v: 2, token: testToken(id), device: { name: id }, ...(maxPayload ? { maxPayload } : {}) }) : testToken(id));

// ---- scenario generators ----

const msgId = fc.integer({ min: 0, max: SENTINEL - 1 });
const bytesOf = (maxLength: number) => fc.uint8Array({ maxLength }).map((b) => Buffer.from(b));

/** A payload object, as JSON text (unicode and escapes included). */
const payloadJson = fc
  .dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.string({ maxLength: 4, unit: 'binary' })), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })
  .map((o) => JSON.stringify(o));

const TARGETS = [PEER, PEER, PEER, SENDER, OFFLINE, 'nobody', 'server', 'broadcast', 'x'.repeat(64)];
const target = fc.constantFrom(...TARGETS);

const envelopeShapes = {
  fast: (t: string, p: string) => `{"targetId":"${t}","payload":${p}}`,
  spaced: (t: string, p: string) => `{ "targetId" : "${t}" , "payload" : ${p} }`,
  reordered: (t: string, p: string) => `{"payload":${p},"targetId":"${t}"}`,
  trailingSpace: (t: string, p: string) => `{"targetId":"${t}","payload":${p}}\n`,
  escapedKey: (t: string, p: string) => `{"\\u0074argetId":"${t}","payload":${p}}`,
};

const envelope = fc
  .record({ shape: fc.constantFrom(...(Object.keys(envelopeShapes) as (keyof typeof envelopeShapes)[])), target, payload: payloadJson })
  .map(({ shape, target: t, payload }) => utf8(envelopeShapes[shape](t, payload)));

const deep = (levels: number): string => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
const BAD_UTF8 = [[0xc0, 0x80], [0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff], [0xf0, 0x9f, 0x98, 0x80], [0xc3, 0xa9], [0x01], [0x1f], [0x7f], [0x00]];

/** Envelopes a hostile or buggy device writes: each one of the rules in PROTOCOL.md 5.1 broken (or just kept). */
const hostile = fc.oneof(
  fc.constantFrom(
    `{"targetId":"p","payload":{"__proto__":{"x":1}}}`,
    `{"targetId":"p","payload":{"a":{"\\u005f_proto__":1}}}`,
    `{"__proto__":{},"targetId":"p","payload":{}}`,
    `{"targetId":"p","payload":{"constructor":{"prototype":{}}}}`,
    `{"targetId":"p","payload":{"a":1,"a":2}}`,
    `{"targetId":"p","payload":{"a":1,"\\u0061":2}}`,
    `{"targetId":"p","targetId":"p","payload":{}}`,
    `{"targetId":"p","payload":{},"payload":{}}`,
    `{"targetId":["p"],"payload":{}}`,
    `{"targetId":{"id":"p"},"payload":{}}`,
    `{"targetId":1,"payload":{}}`,
    `{"targetId":null,"payload":{}}`,
    `{"targetId":"","payload":{}}`,
    `{"targetId":"p q","payload":{}}`,
    `{"targetId":"p\\u0020","payload":{}}`,
    `{"targetId":"${'x'.repeat(65)}","payload":{}}`,
    `{"targetId":"p","payload":[1,2]}`,
    `{"targetId":"p","payload":"x"}`,
    `{"targetId":"p","payload":null}`,
    `{"targetId":"p","payload":{},"extra":1}`,
    `{"targetId":"p"}`,
    `{"payload":{}}`,
    `{}`,
    ``,
    `[]`,
    `null`,
    `"p"`,
    `{"targetId":"p","payload":{}} x`,
    `{"targetId":"p","payload":{}}}`,
    `{"targetId":"p","payload":{}`,
    `{"targetId":"p","payload":{"n":01}}`,
    `{"targetId":"p","payload":{"n":-}}`,
    `{"targetId":"p","payload":{"n":1.}}`,
    `{"targetId":"p","payload":{"n":1e}}`,
    `{"targetId":"p","payload":{"n":-0.0e-0,"m":1E+2}}`,
    `{"targetId":"p","payload":{"t":tru}}`,
    `{"targetId":"p","payload":{"s":"\\x"}}`,
    `{"targetId":"p","payload":{"s":"\\u12"}}`,
    `{"targetId":"p","payload":{"s":"\\ud83d\\ude00\\ud800"}}`,
    `{"targetId":"p","payload":{"a":[1,]}}`,
    `{"targetId":"p","payload":{"a" 1}}`,
    `{"targetId":"p","payload":${deep(31)}}`,
    `{"targetId":"p","payload":${deep(32)}}`,
    `{"targetId":"server","payload":${deep(31)}}`,
    `{"targetId":"p","payload":{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}`,
  ).map(utf8),
  fc.record({ t: fc.constantFrom(PEER, 'server', SENDER), bad: fc.constantFrom(...BAD_UTF8), where: fc.constantFrom('value', 'key') }).map(({ t, bad, where }) =>
    Buffer.concat([utf8(`{"targetId":"${t}","payload":{"${where === 'key' ? '' : 's":"'}`), Buffer.from(bad), utf8(where === 'key' ? '":1}}' : '"}}')]),
  ),
  // A valid fast envelope with a few bytes replaced, inserted or deleted.
  fc
    .record({
      base: fc.record({ t: fc.constantFrom(PEER, SENDER), p: payloadJson }).map(({ t, p }) => utf8(envelopeShapes.fast(t, p))),
      edits: fc.array(fc.record({ at: fc.nat(), kind: fc.constantFrom('set', 'insert', 'delete'), byte: fc.constantFrom(...[...'{}[]":,\\ 0-1eE.tfn_'].map((c) => c.charCodeAt(0)), 0x00, 0x80, 0xc3, 0xed, 0xff) }), { minLength: 1, maxLength: 3 }),
    })
    .map(({ base, edits }) => {
      const b = [...base];
      for (const { at, kind, byte } of edits) {
        const i = at % (b.length + 1);
        if (kind === 'insert') b.splice(i, 0, byte);
        else if (kind === 'delete') b.splice(i, 1);
        else if (i < b.length) b[i] = byte;
      }
      return Buffer.from(b);
    }),
);

/** A payload that puts the frame `under` bytes below MAX: its delivered envelope fits, or not, by a few bytes. */
const huge = fc
  .record({ t: fc.constantFrom(PEER, PEER, 'server', 'broadcast', SENDER), under: fc.integer({ min: 0, max: 48 }), fill: fc.constantFrom('x', 'é', '\\n') })
  .map(({ t, under, fill }) => {
    const head = `{"targetId":"${t}","payload":{"s":"`;
    const tail = '"}}';
    const room = MAX - under - head.length - tail.length;
    const unit = utf8(fill).length;
    return utf8(head + fill.repeat(Math.floor(room / unit)) + 'x'.repeat(room % unit) + tail);
  });

/** A fast-shape message whose delivered envelope is a few bytes either side of the peer's receive limit (when it has one). */
const nearPeerLimit = fc
  .record({ t: fc.constantFrom(PEER, PEER, PEER, 'broadcast'), over: fc.integer({ min: -8, max: 8 }) })
  .map(({ t, over }) => {
    // {"from":SENDER,"payload":P} is 19 bytes longer than {"targetId":PEER,"payload":P}
    const frame = PEER_LIMIT + over - 19 + (t.length - PEER.length);
    return utf8(envelopeShapes.fast(t, `{"s":"${'x'.repeat(frame - envelopeShapes.fast(t, '{"s":""}').length)}"}`));
  });

type Step = { frame: Buffer; fatal: boolean; label: string };

const message = (body: fc.Arbitrary<Buffer>, label: string) =>
  fc.record({ cmd: fc.constantFrom(Command.JSON_MESSAGE, Command.JSON_MESSAGE, Command.JSON_MESSAGE, Command.BROADCAST), id: msgId, body }).map(
    ({ cmd, id, body: b }): Step => ({ frame: Buffer.from(encodeFrame(cmd, id, b)), fatal: false, label: `${label} ${cmd} #${id}` }),
  );

const KNOWN = new Set<number>(Object.values(Command));
const header = (type: number, id: number, length: number): Buffer => Buffer.from([type, id >> 8, id & 0xff, length >> 8, length & 0xff]);

/** What the fast path takes (when nothing before it waits for JS): a JSON_MESSAGE of its one shape to the peer. */
const fast = fc.record({ id: msgId, payload: payloadJson }).map(
  ({ id, payload }): Step => ({ frame: Buffer.from(encodeFrame(Command.JSON_MESSAGE, id, envelopeShapes.fast(PEER, payload))), fatal: false, label: `fast #${id}` }),
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 16, arbitrary: fast },
  { weight: 10, arbitrary: message(envelope, 'message') },
  { weight: 8, arbitrary: message(hostile, 'hostile') },
  { weight: 5, arbitrary: message(huge, 'huge') },
  { weight: 4, arbitrary: message(nearPeerLimit, 'near the peer limit') },
  { weight: 4, arbitrary: fc.record({ id: msgId, body: bytesOf(3) }).map(({ id, body }): Step => ({ frame: Buffer.from(encodeFrame(Command.PING, id, body)), fatal: false, label: `ping #${id}` })) },
  { weight: 4, arbitrary: fc.record({ id: fc.integer({ min: 0, max: 4 }), body: fc.constantFrom(Buffer.alloc(0), Buffer.from([200]), Buffer.from([11, 1])) }).map(({ id, body }): Step => ({ frame: Buffer.from(encodeFrame(Command.RESPONSE, id, body)), fatal: false, label: `ack #${id}` })) },
  // a JSON_MESSAGE too short for any envelope, or random bytes for one
  { weight: 2, arbitrary: fc.record({ id: msgId, body: bytesOf(40) }).map(({ id, body }): Step => ({ frame: Buffer.from(encodeFrame(Command.JSON_MESSAGE, id, body)), fatal: false, label: `junk message #${id}` })) },
  // closes the connection (about one scenario in three): an unknown type, a second LOGIN, a REDIRECT
  // from a device, a length over the limit (a few body bytes after the header, or none)
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc
        .record({ type: fc.integer({ min: 1, max: 255 }).filter((t) => !KNOWN.has(t)), id: msgId, body: bytesOf(8) })
        .map(({ type, id, body }): Step => ({ frame: Buffer.from(encodeFrame(type, id, body)), fatal: true, label: `unknown type ${type}` })),
      fc
        .record({ type: fc.constantFrom(Command.LOGIN, Command.REDIRECT), id: msgId, body: bytesOf(8) })
        .map(({ type, id, body }): Step => ({ frame: Buffer.from(encodeFrame(type, id, body)), fatal: true, label: `type ${type}` })),
      fc
        .record({ type: fc.constantFrom(...KNOWN), id: msgId, length: fc.oneof(fc.constant(MAX + 1), fc.integer({ min: MAX + 1, max: 0xffff })), body: bytesOf(12) })
        .map(({ type, id, length, body }): Step => ({ frame: Buffer.concat([header(type, id, length), body]), fatal: true, label: `type ${type} length ${length}` })),
    ),
  },
);

/** How a write waits after the one before: not at all, a turn (setImmediate), a timer (about 1 ms: JS has usually handled what came before). */
type Wait = 'none' | 'immediate' | 'timer';
const wait = fc.constantFrom<Wait>('none', 'immediate', 'timer');

const scenario = fc.record({
  rate: fc.constantFrom('loose', 'tight') as fc.Arbitrary<keyof typeof BURSTS>,
  senderV2: fc.boolean(),
  peerV2: fc.boolean(),
  /** The peer (when v2) announces PEER_LIMIT as its receive limit. */
  peerLimited: fc.boolean(),
  /** The sender's LOGIN in the same write as its first frames (before the wire routes it). */
  coalesceLogin: fc.oneof({ weight: 1, arbitrary: fc.constant(true) }, { weight: 4, arbitrary: fc.constant(false) }),
  /** Each step's frame, and whether (and how) a new write starts with it. */
  steps: fc.array(fc.record({ step, wait: fc.option(wait, { freq: 2 }) }), { maxLength: 16 }),
  /** More write boundaries, anywhere (inside headers and bodies), as fractions of the stream. */
  cuts: fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), wait }), { maxLength: 8 }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Scenarios run first, every time: each way to close the connection, the limits at their edges, and the divergences this test found. */
function examples(): Scenario[] {
  const at = (type: number, id: number, body: string | Uint8Array, fatal = false, w: Wait | null = null) => ({
    step: { frame: Buffer.from(encodeFrame(type, id, body)), fatal, label: `${type} #${id}` },
    wait: w,
  });
  const to = (target: string, id: number, payload = `{"n":${id}}`, w: Wait | null = null) => at(Command.JSON_MESSAGE, id, envelopeShapes.fast(target, payload), false, w);
  // A payload whose delivered envelope ({"from":SENDER,...}, 19 bytes longer than the frame) is `size` bytes.
  const sized = (id: number, size: number) => to(PEER, id, `{"s":"${'x'.repeat(size - 19 - `{"targetId":"p","payload":{"s":""}}`.length)}"}`, 'timer');
  const base = { rate: 'loose' as const, senderV2: true, peerV2: true, peerLimited: false, coalesceLogin: false, cuts: [] };
  return [
    // acks in the same write as a second LOGIN: nothing after it counts
    { ...base, senderV2: false, steps: [to(PEER, 1), at(Command.LOGIN, 2, testToken(SENDER), true), at(Command.RESPONSE, 1, ''), at(Command.RESPONSE, 2, Uint8Array.of(200))] },
    // LOGIN and messages in one write, more after the wire routed the sender: one bucket
    { ...base, rate: 'tight', coalesceLogin: true, steps: [to(PEER, 1), to(PEER, 2), to(PEER, 3, undefined, 'timer'), to(PEER, 4, undefined, 'timer'), to(PEER, 5, undefined, 'timer'), to(PEER, 6)] },
    { ...base, steps: [to(PEER, 1), at(7, 2, 'x', true), to(PEER, 3)] },
    { ...base, steps: [to(PEER, 1, undefined, 'timer'), at(Command.REDIRECT, 2, '{"server":"x","port":1}', true)] },
    { ...base, senderV2: false, steps: [to(PEER, 1), { step: { frame: header(Command.JSON_MESSAGE, 2, MAX + 1), fatal: true, label: 'too large' }, wait: 'timer' }, at(Command.PING, 3, '')] },
    // the delivered envelope at the limit, and a byte over it
    { ...base, steps: [sized(1, MAX), sized(2, MAX + 1), sized(3, MAX)] },
    // the peer's own receive limit: at it, a byte over it (v2 and legacy senders), and a broadcast over it
    { ...base, peerLimited: true, steps: [sized(1, PEER_LIMIT), sized(2, PEER_LIMIT + 1), sized(3, PEER_LIMIT), at(Command.BROADCAST, 4, envelopeShapes.fast('broadcast', `{"s":"${'x'.repeat(PEER_LIMIT)}"}`))] },
    { ...base, peerLimited: true, senderV2: false, steps: [sized(1, PEER_LIMIT + 1), sized(2, PEER_LIMIT)] },
    { ...base, peerV2: false, steps: [to(OFFLINE, 1), to('nobody', 2), to('server', 3), at(Command.BROADCAST, 4, envelopeShapes.fast('broadcast', '{}')), to(SENDER, 5), to(PEER, 6)] },
    { ...base, steps: [at(Command.JSON_MESSAGE, 1, '{"targetId":["p"],"payload":{}}'), to(PEER, 2, '{"__proto__":{}}'), to(PEER, 3, '{"a":1,"\\u0061":2}'), to(PEER, 4)] },
    // one message cut inside its header and its body, each piece its own write
    { ...base, steps: [to(PEER, 1, '{"cut":"here"}', 'timer'), to(PEER, 2)], cuts: [0.05, 0.1, 0.3, 0.5, 0.55].map((f) => ({ at: f, wait: 'timer' as const })) },
  ];
}

// ---- one run ----

const tick = (how: Wait): Promise<void> =>
  how === 'none' ? Promise.resolve() : new Promise((resolve) => (how === 'timer' ? setTimeout(resolve, 1) : setImmediate(resolve)));

const core = (broker: Broker) => (broker as unknown as { core: { sessionById(id: string): Session | undefined } }).core;

const STAT_KEYS = ['loginsOk', 'loginsFailed', 'connectionsRejected', 'drops', 'listenerErrors', 'msgsIn', 'msgsOut', 'bytesIn', 'bytesOut', 'acksIn', 'acksOut', 'errors', 'rateLimited'] as const;

function statsDelta(before: BrokerStats, after: BrokerStats): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  for (const k of STAT_KEYS) d[k] = after[k] - before[k];
  const kinds = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.keys(b).filter((k) => b[k] !== (a[k] ?? 0)).sort().map((k) => [k, b[k]! - (a[k] ?? 0)]));
  d.errorsByKind = kinds(before.errorsByKind, after.errorsByKind);
  d.disconnects = kinds(before.disconnects as Record<string, number>, after.disconnects as Record<string, number>);
  d.left = { connections: after.connections, sessions: after.sessions, socketsHeld: after.socketsHeld, queueDepth: after.queueDepth };
  return d;
}

function render(bytes: Buffer): unknown {
  const { list, rest } = frames(bytes);
  return { frames: list.map((f) => `${f.type} #${f.id} ${show(f.payload)}`), rest: rest.toString('hex') };
}

async function run(e: Env, sc: Scenario, onWire: boolean): Promise<Record<string, unknown>> {
  e.events.length = 0;
  e.closes.length = 0;
  const before = e.broker.stats();
  const peer = await Device.open(e.port, true);
  peer.write(login(PEER, sc.peerV2, sc.peerLimited ? PEER_LIMIT : undefined));
  await until(() => peer.frames.length > 0, 'the peer logged in');
  const sender = await Device.open(e.port, false);
  const stream: Buffer[] = [];
  if (sc.coalesceLogin) {
    stream.push(Buffer.from(login(SENDER, sc.senderV2)));
  } else {
    sender.write(login(SENDER, sc.senderV2));
    await until(() => sender.frames.length > 0, 'the sender logged in');
  }
  if (onWire && !sc.coalesceLogin) await until(() => [SENDER, PEER].every((id) => core(e.broker).sessionById(id)?.routed), 'both routed on the wire');
  const cuts: { at: number; wait: Wait }[] = [];
  let at = stream.reduce((n, b) => n + b.length, 0);
  for (const { step: s, wait: w } of sc.steps) {
    if (w !== null) cuts.push({ at, wait: w });
    stream.push(s.frame);
    at += s.frame.length;
  }
  stream.push(Buffer.from(encodeFrame(Command.PING, SENTINEL)));
  const all = Buffer.concat(stream);
  cuts.push(...sc.cuts.map((c) => ({ at: Math.floor(c.at * all.length), wait: c.wait })));
  cuts.sort((a, b) => a.at - b.at);
  let from = 0;
  for (const cut of [...cuts, { at: all.length, wait: 'none' as const }]) {
    await tick(cut.wait);
    if (cut.at > from) sender.write(all.subarray(from, cut.at));
    from = Math.max(from, cut.at);
  }
  const answered = () => sender.frames.some((f) => f.type === Command.RESPONSE && f.id === SENTINEL);
  await until(() => answered() || sender.endedByBroker, 'the sentinel answered or the sender closed');
  const sent = e.broker.sendFromServer(PEER, '{"sentinel":true}');
  await until(() => peer.frames.some((f) => f.type === Command.JSON_MESSAGE && f.payload.toString() === '{"from":"server","payload":{"sentinel":true}}'), 'the sentinel at the peer');
  peer.end();
  sender.end();
  await until(() => peer.closed && sender.closed && e.broker.stats().socketsHeld === 0, 'both connections gone');
  const stats = statsDelta(before, e.broker.stats());
  if (!onWire && (stats.errorsByKind as Record<string, number>).too_large_for_target) reached.overPeerLimit++;
  // Every byte a device wrote is counted, but after a frame that closes the connection only those
  // that came in the same read (either path, however the kernel cut the stream): there, at least
  // every byte through that frame's header.
  const fatal = sc.steps.findIndex((s) => s.step.fatal);
  const writtenIn = peer.written + sender.written;
  if (fatal >= 0) {
    const through = stream.slice(0, fatal + (sc.coalesceLogin ? 1 : 0)).reduce((n, f) => n + f.length, 0) + 5;
    expect(stats.bytesIn).toBeGreaterThanOrEqual(writtenIn - all.length + through);
    expect(stats.bytesIn).toBeLessThanOrEqual(writtenIn);
    stats.bytesIn = 'as read';
  } else {
    expect(stats.bytesIn).toBe(writtenIn);
  }
  expect(sender.endedByBroker, 'the sender closed by the broker exactly when a step should close it').toBe(fatal >= 0);
  return {
    sender: render(sender.bytes),
    senderEndedByBroker: sender.endedByBroker,
    sentinelAnswered: answered(),
    peer: render(peer.bytes),
    sent,
    closes: [...e.closes].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    events: [...e.events],
    stats,
  };
}

describe.skipIf(skip !== null)('the native and the JS data path: the same outcome for the same input', () => {
  const pairs = {} as Record<keyof typeof BURSTS, { nat: Env; js: Env }>;
  beforeAll(async () => {
    for (const rate of ['loose', 'tight'] as const) pairs[rate] = { nat: await env(true, BURSTS[rate]), js: await env(false, BURSTS[rate]) };
  });
  afterAll(async () => {
    await Promise.all(Object.values(pairs).flatMap(({ nat, js }) => [nat.broker.close(), js.broker.close()]));
  });

  it('random frames from a logged-in sender (v2 and legacy), written in random pieces', { timeout: 120_000 }, async () => {
    for (const { nat, js } of Object.values(pairs)) expect([nat.broker.dataPath, js.broker.dataPath]).toEqual(['native', 'js']);
    const started = Date.now();
    // A failure prints its seed and path: DATA_PATHS_SEED=<seed> DATA_PATHS_PATH=<path> replays it.
    const replay = process.env.DATA_PATHS_SEED ? { seed: Number(process.env.DATA_PATHS_SEED), path: process.env.DATA_PATHS_PATH, endOnFailure: true } : {};
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        const { nat, js } = pairs[sc.rate];
        const [a, b] = await Promise.all([run(nat, sc, true), run(js, sc, false)]);
        expect(a).toEqual(b);
      }),
      { numRuns: RUNS, examples: examples().map((sc) => [sc] as [Scenario]), ...replay },
    );
    const tally = (m: Map<string | number, number>) => [...m].map(([k, n]) => `${k} ${n}`).join(', ');
    console.log(`data paths: ${RUNS} scenarios in ${Date.now() - started} ms; fast-path messages ${reached.routed}; statuses ${tally(reached.statuses)}; closes ${tally(reached.closes)}`);
    if (replay.seed !== undefined) return;
    expect(reached.routed).toBeGreaterThan(0);
    expect(reached.overPeerLimit, "deliveries refused for the peer's receive limit").toBeGreaterThan(0);
    for (const status of [200, 1, 7, 11, 12, 13]) expect(reached.statuses.get(status), `status ${status} reached`).toBeGreaterThan(0);
    for (const detail of ['too_large', 'unknown_type', 'second_login', 'redirect_from_device']) expect(reached.closes.get(`protocol_error: ${detail}`), `${detail} reached`).toBeGreaterThan(0);
  });
});
