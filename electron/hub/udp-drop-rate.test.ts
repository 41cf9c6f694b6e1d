import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeHeader, HELLO_HEADER_BYTES, TAG_BYTES } from '../../shared/protocol/udp/wire';
import { bindUdp, UdpTransport } from '../udp';
import { KeyValue, openDatabase } from './db';
import { Hub } from './hub';
import { SettingsStore } from './settings';
import { StandInBroker } from './testing/stand-in-broker';
import { tempDir } from './testing/temp-dir';
import { SqliteTokenStore } from './token-store';
import { UdpDropRateSampler } from './udp-drop-rate';

/**
 * udp.drops' rate: junk datagrams from a real socket at a real UDP transport, sampled by the hub's
 * tick. The test ticks the hub itself (its timer is not started), so a 5-second step takes no 5 s.
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function lab() {
  const tmp = tempDir('hypertcp-udp-rate-');
  cleanups.push(tmp.cleanup);
  const transport = new UdpTransport({ socket: await bindUdp(0, '127.0.0.1') });
  cleanups.push(() => transport.close());
  const db = openDatabase(`${tmp.dir}/rate.db`);
  cleanups.push(() => void db.close());
  const hub = new Hub({ db, broker: new StandInBroker(), tokens: new SqliteTokenStore(db), settings: new SettingsStore(new KeyValue(db)), udp: transport, checkpointEveryMs: 0 });
  cleanups.push(() => hub.close());
  const junk = createSocket('udp4');
  await new Promise<void>((r) => junk.bind(0, '127.0.0.1', () => r()));
  cleanups.push(() => void junk.close());
  const send = (d: Uint8Array, n: number) => {
    for (let i = 0; i < n; i++) junk.send(d, transport.port, '127.0.0.1');
  };
  const until = async (what: () => boolean) => {
    const deadline = Date.now() + 5_000;
    while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(what()).toBe(true);
  };
  return { hub, transport, send, until };
}

/** A well-formed header naming a session nobody opened. */
function noSuchSession(): Uint8Array {
  const d = new Uint8Array(HELLO_HEADER_BYTES + 1 + TAG_BYTES);
  encodeHeader(d, { keyPhase: 0, sessionId: 0x5a5a5a5a, packetNumber: 1, deviceNonce: null });
  return d;
}

describe('hub: the UDP endpoint drops per second, every 5 s over the last 15 minutes', () => {
  it('shows junk as drops per second by reason in the step it arrived in, and nothing in a quiet step', async () => {
    const { hub, transport, send, until } = await lab();
    const t0 = Date.now();
    send(new Uint8Array([0xde, 0xad]), 3); // before the first look: not a burst now
    await until(() => transport.drops.header === 3);
    hub.tick(t0);
    expect(hub.udpDrops(10, t0).rate).toEqual({ stepMs: 5_000, windowMs: 900_000, points: [] });

    send(new Uint8Array([0xff, 1, 2]), 20);
    send(noSuchSession(), 5);
    await until(() => transport.drops.header === 23 && transport.drops.unknownSession === 5);
    for (let s = 1; s <= 5; s++) hub.tick(t0 + s * 1_000);
    for (let s = 6; s <= 10; s++) hub.tick(t0 + s * 1_000);

    const stats = hub.udpDrops(10, t0 + 10_000);
    expect(stats.rate.points).toEqual([
      { ts: t0 + 5_000, perSecond: { header: 4, unknownSession: 1 } },
      { ts: t0 + 10_000, perSecond: {} },
    ]);
    expect(stats.drops).toMatchObject({ header: 23, unknownSession: 5 }); // the totals since start are unchanged
  });

  it('keeps 15 minutes at most: older steps leave the answer and the ring', async () => {
    const { hub, transport, send, until } = await lab();
    const t0 = Date.now();
    hub.tick(t0);
    send(new Uint8Array([0xff]), 10);
    await until(() => transport.drops.header === 10);
    hub.tick(t0 + 5_000);
    for (let s = 2; s <= 200; s++) hub.tick(t0 + s * 5_000);
    const { points } = hub.udpDrops(10, t0 + 200 * 5_000).rate;
    expect(points).toHaveLength(180);
    expect(points[0]!.ts).toBe(t0 + 21 * 5_000);
    expect(points.every((p) => Object.keys(p.perSecond).length === 0)).toBe(true);
  });

  it('a step closes on a tick a little early (timer jitter), starts over when the clock goes back, and says nothing without UDP', async () => {
    const zero = { header: 0, unknownSession: 0, helloRejected: 0, helloThrottled: 0, authFailed: 0, replayed: 0, malformed: 0, badEnvelope: 0, migrations: 0, amplificationLimited: 0, unfinishedAtClose: 0 };
    const sampler = new UdpDropRateSampler();
    sampler.sample(zero, 100_000);
    sampler.sample({ ...zero, authFailed: 10, migrations: 7 }, 104_900);
    expect(sampler.rate(104_900).points).toEqual([{ ts: 104_900, perSecond: { authFailed: 10 / 4.9 } }]);
    sampler.sample({ ...zero, authFailed: 20 }, 50_000);
    expect(sampler.rate(50_000).points).toEqual([]);

    const db = openDatabase(':memory:');
    const hub = new Hub({ db, broker: new StandInBroker(), tokens: new SqliteTokenStore(db), settings: new SettingsStore(new KeyValue(db)), checkpointEveryMs: 0 });
    hub.tick();
    expect(hub.udpDrops(10)).toMatchObject({ enabled: false, rate: { stepMs: 5_000, windowMs: 900_000, points: [] } });
    await hub.close();
    db.close();
  });
});
