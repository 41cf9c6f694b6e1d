import { afterAll, describe, expect, it } from 'vitest';
import { Command, Status } from '../../shared/protocol/constants';
import { encodeDeviceEnvelope } from '../../shared/protocol/envelope';
import type { BrokerFrameEvent } from './broker-port';
import { Conversations } from './conversations';
import { KeyValue, openDatabase } from './db';
import { Hub } from './hub';
import { SettingsStore } from './settings';
import { StandInBroker } from './testing/stand-in-broker';
import { SqliteTokenStore } from './token-store';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A device's message as the broker reports it: 'in' with `to` null, the target in the envelope. */
function sent(from: string, target: string, opts: { ts?: number; status?: number; cmd?: number } = {}): BrokerFrameEvent {
  const payload = encodeDeviceEnvelope(target, '{"n":1}');
  const cmd = opts.cmd ?? Command.JSON_MESSAGE;
  return { ts: opts.ts ?? T0, dir: 'in', device: from, from, to: cmd === Command.BROADCAST ? 'broadcast' : null, cmd, msgId: 1, size: payload.length, status: opts.status ?? Status.SUCCESS, payload };
}

/** Its delivery to the target (or a broadcast's one event for all deliveries, device '*'). */
function delivered(from: string, to: string, device = to): BrokerFrameEvent {
  const payload = Buffer.from(`{"from":"${from}","payload":{"n":1}}`);
  return { ts: T0, dir: 'out', device, from, to, cmd: to === 'broadcast' ? Command.BROADCAST : Command.JSON_MESSAGE, msgId: 7, size: payload.length, status: null, payload };
}

const feed = (c: Conversations, ...evs: BrokerFrameEvent[]) => evs.forEach((ev) => c.frame(ev, ev.status !== null && ev.status !== Status.SUCCESS));
const pair = (c: Conversations, from: string, to: string) => c.list(1000, T0).find((r) => r.from === from && r.to === to);

describe('conversations', () => {
  it("counts a routed message once: its 'in' frame, not its delivery; bytes are the sent payload's", () => {
    const c = new Conversations();
    const msg = sent('a', 'b');
    feed(c, msg, delivered('a', 'b'), sent('a', 'b'), delivered('a', 'b'));
    expect(pair(c, 'a', 'b')).toMatchObject({ messages: 2, bytes: 2 * msg.size, errors: 0, firstTs: T0, lastTs: T0 });
    expect(c.size).toBe(1);
  });

  it('counts refused messages as errors of their pair', () => {
    const c = new Conversations();
    feed(c, sent('a', 'ghost', { status: Status.TARGET_UNKNOWN }), sent('a', 'ghost', { status: Status.RATE_LIMITED }), sent('a', 'ghost'));
    expect(pair(c, 'a', 'ghost')).toMatchObject({ messages: 3, errors: 2 });
  });

  it('names a broadcast\'s target "broadcast" (BROADCAST frames and a "broadcast" targetId alike), counted once however many got it', () => {
    const c = new Conversations();
    feed(c, sent('a', 'broadcast', { cmd: Command.BROADCAST }), delivered('a', 'broadcast', '*'), sent('a', 'broadcast'));
    expect(c.list(10, T0)).toEqual([expect.objectContaining({ from: 'a', to: 'broadcast', messages: 2 })]);
  });

  it('counts the app\'s own messages as "server" at their out frame (they have no in frame)', () => {
    const c = new Conversations();
    feed(c, delivered('server', 'lamp'), delivered('server', 'broadcast', '*'));
    expect(pair(c, 'server', 'lamp')?.messages).toBe(1);
    expect(pair(c, 'server', 'broadcast')?.messages).toBe(1);
  });

  it('leaves out frames without a target: pings, logins, acks, and envelopes without a targetId', () => {
    const c = new Conversations();
    const bare = (cmd: number, dir: 'in' | 'out', from: string | null, to: string | null, body = '') =>
      ({ ts: T0, dir, device: 'a', from, to, cmd, msgId: 1, size: body.length, status: dir === 'in' ? Status.SUCCESS : null, payload: Buffer.from(body) }) satisfies BrokerFrameEvent;
    feed(c, bare(Command.PING, 'in', 'a', null), bare(Command.PING, 'out', 'server', 'a'), bare(Command.LOGIN, 'in', 'a', null, 'tok'), bare(Command.RESPONSE, 'out', 'server', 'a'));
    feed(c, { ...bare(Command.JSON_MESSAGE, 'in', 'a', null, '{"payload":{}}'), status: Status.MALFORMED });
    expect(c.size).toBe(0);
  });

  it('rate: messages per second over the last 10 s; older seconds fall out', () => {
    const c = new Conversations();
    for (let s = 0; s < 20; s++) for (let i = 0; i < 3; i++) feed(c, sent('a', 'server', { ts: T0 + s * 1000 + i }));
    const at = (ms: number) => c.list(1, ms)[0]!.msgsPerSecond;
    expect(at(T0 + 19_500)).toBeCloseTo(3); // seconds 10..19, 3 each
    expect(at(T0 + 24_500)).toBeCloseTo(1.5); // seconds 15..19 only
    expect(at(T0 + 40_000)).toBe(0);
    expect(c.list(1, T0)[0]).toMatchObject({ messages: 60, firstTs: T0, lastTs: T0 + 19_002 });
  });

  it('keeps at most maxPairs: the least recently seen goes, evictions are counted, a busy old pair stays', () => {
    const c = new Conversations(3);
    feed(c, sent('a', 'b'), sent('a', 'c'), sent('a', 'd'));
    feed(c, sent('a', 'b')); // a->b seen again: a->c is now the least recent
    feed(c, sent('e', 'f'));
    expect(c.size).toBe(3);
    expect(c.evicted).toBe(1);
    expect(c.list(10, T0).map((r) => `${r.from}>${r.to}`)).toEqual(['a>b', 'e>f', 'a>d']);
    // the sender of the evicted pair may be the one that needs room
    const solo = new Conversations(1);
    feed(solo, sent('x', 'y'), sent('x', 'z'), sent('x', 'z'));
    expect(solo.list(10, T0)).toEqual([expect.objectContaining({ from: 'x', to: 'z', messages: 2 })]);
    expect(solo.evicted).toBe(1);
  });

  it('sorts by messages, busiest first, and honours the limit', () => {
    const c = new Conversations();
    feed(c, sent('a', 'b'), sent('c', 'd'), sent('c', 'd'), sent('e', 'f'), sent('e', 'f'), sent('e', 'f'));
    expect(c.list(2, T0).map((r) => [r.from, r.messages])).toEqual([['e', 3], ['c', 2]]);
  });

  it('forget drops every pair the device is in, as sender or target', () => {
    const c = new Conversations();
    feed(c, sent('old', 'b'), sent('b', 'old'), sent('b', 'c'), sent('old', 'server'));
    expect(c.forget('old')).toBe(3);
    expect(c.list(10, T0).map((r) => `${r.from}>${r.to}`)).toEqual(['b>c']);
    feed(c, sent('old', 'b'));
    expect(pair(c, 'old', 'b')?.messages).toBe(1); // starts over
  });
});

describe('hub: conversations', () => {
  const db = openDatabase(':memory:');
  const hub = new Hub({ db, broker: new StandInBroker(), tokens: new SqliteTokenStore(db), settings: new SettingsStore(new KeyValue(db)), checkpointEveryMs: 0, maxConversations: 50 });
  afterAll(async () => {
    await hub.close();
    db.close();
  });

  it('counts from onFrame with the refusal status as error, and forgetting a device drops its pairs', () => {
    hub.registry.ensure('lamp');
    hub.onFrame(sent('lamp', 'server'));
    hub.onFrame(sent('lamp', 'nobody', { status: Status.TARGET_UNKNOWN }));
    hub.onFrame(sent('sensor', 'server'));
    expect(hub.conversations.list(10, T0)).toEqual(
      expect.arrayContaining([expect.objectContaining({ from: 'lamp', to: 'nobody', errors: 1 }), expect.objectContaining({ from: 'lamp', to: 'server', errors: 0 })]),
    );
    expect(hub.conversations.maxPairs).toBe(50);
    expect(hub.forgetDevice('lamp')).toBe(true);
    expect(hub.conversations.list(10, T0).map((r) => r.from)).toEqual(['sensor']);
  });
});
