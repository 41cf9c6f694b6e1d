import { afterEach, describe, expect, it } from 'vitest';
import { Channel, writeAck, writeMsg, writeWindow } from '../../shared/protocol/udp/frames';
import { HEADER_BYTES, HELLO_HEADER_BYTES, MAX_DATAGRAM_BYTES, MAX_PACKET_NUMBER, TAG_BYTES } from '../../shared/protocol/udp/wire';
import { UdpClient } from './client';
import { tokenHash } from './crypto';
import { ForgedDevice } from './forge';
import { bindUdp, seededRandom } from './net';
import { simulatedSession } from './simulated';
import { type UdpEnvelope, UdpTransport } from './transport';

/**
 * Malformed input of every shape has a defined outcome: dropped and counted, no reply, no throw,
 * and the other sessions carry on. Datagrams of every length around the header sizes go over a
 * real socket; hostile frames sealed under a real session key (an authenticated but broken peer)
 * are fuzzed on the simulated link.
 */
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BROKER = '10.0.0.1:8080';

describe('malformed datagrams', () => {
  it('every length from 0 past the header sizes, and over the maximum, is dropped and counted on a real socket', async () => {
    const received: UdpEnvelope[] = [];
    const transport = new UdpTransport({ socket: await bindUdp(0), onEnvelope: (e) => received.push(e) });
    cleanups.push(() => transport.close());
    const hash = tokenHash('malformed-token-xxxxxxxxxxxxxxx');
    const grant = transport.openSession('dev-ok', hash)!;
    const client = new UdpClient({ socket: await bindUdp(0), host: '127.0.0.1', port: transport.port, sessionId: grant.sessionId, serverNonce: grant.nonce, tokenHash: hash });
    cleanups.push(() => client.close());
    const pending = transport.openSession('dev-pending', tokenHash('pending-token-xxxxxxxxxxxxxxxxx'))!;
    for (let i = 0; i < 100 && !transport.isOpen('dev-ok'); i++) await sleep(10);
    expect(transport.isOpen('dev-ok')).toBe(true);
    const attacker = await bindUdp(0);
    cleanups.push(() => attacker.close());
    let replies = 0;
    attacker.onMessage(() => replies++);
    // The shortest datagram with a header is header + 1 byte of ciphertext + tag.
    const lengths = [...Array.from({ length: HELLO_HEADER_BYTES + TAG_BYTES + 3 }, (_, i) => i), MAX_DATAGRAM_BYTES, MAX_DATAGRAM_BYTES + 1, 4000];
    const expected = { header: 0, authFailed: 0 };
    for (const len of lengths) {
      for (const [flags, sid, min] of [[0x10, grant.sessionId, HEADER_BYTES + 1 + TAG_BYTES], [0x12, pending.sessionId, HELLO_HEADER_BYTES + 1 + TAG_BYTES]] as const) {
        const d = new Uint8Array(len).fill(0x5a);
        if (len > 0) d[0] = flags;
        if (len >= 5) new DataView(d.buffer).setUint32(1, sid);
        // A packet number well ahead of the device's, so the replay window lets it through to the tag check.
        if (len >= 13) new DataView(d.buffer).setUint32(5, 0x1000);
        if (len < min || len > MAX_DATAGRAM_BYTES) expected.header++;
        else expected.authFailed++;
        attacker.send(d, transport.port, '127.0.0.1');
      }
    }
    const total = expected.header + expected.authFailed;
    const counted = () => transport.drops.header + transport.drops.authFailed;
    for (let i = 0; i < 200 && counted() < total; i++) await sleep(10);
    await sleep(50);
    expect({ header: transport.drops.header, authFailed: transport.drops.authFailed }).toEqual(expected);
    expect(transport.drops.unknownSession + transport.drops.replayed + transport.drops.malformed).toBe(0);
    expect(replies).toBe(0);
    expect(transport.sessions().find((x) => x.deviceId === 'dev-pending')!.state).toBe('pending');
    expect(transport.sessions().find((x) => x.deviceId === 'dev-ok')!.address).not.toBe(`127.0.0.1:${attacker.local().port}`);
    client.send('server', '{"still":"here"}');
    for (let i = 0; i < 100 && received.length === 0; i++) await sleep(10);
    expect(received).toHaveLength(1);
  });
});

describe('replay window edges', () => {
  it('takes a packet 64 behind the newest, drops 65 behind, duplicates, and packet numbers from 2^53', () => {
    const s = simulatedSession();
    s.clock.run(100);
    const g = s.transport.openSession('dev-edge', s.hash)!;
    const dev = new ForgedDevice(g.sessionId, g.nonce, s.hash);
    const from = { address: '10.0.0.8', port: 4008 };
    const received = () => s.transport.sessions().find((x) => x.deviceId === 'dev-edge')!.counters!.packetsReceived;
    const send = (pn: number) => s.net.inject(dev.datagram(Uint8Array.of(2), { pn, hello: pn === 100 }), from, BROKER);
    send(100);
    expect(received()).toBe(1);
    send(36);
    expect(received()).toBe(2);
    send(35);
    send(36);
    send(100);
    expect(received()).toBe(2);
    expect(s.transport.drops.replayed).toBe(3);
    // A jump to the last packet number: packets behind it follow the same edges.
    send(MAX_PACKET_NUMBER - 1);
    send(MAX_PACKET_NUMBER - 65);
    send(MAX_PACKET_NUMBER - 66);
    expect(received()).toBe(4);
    expect(s.transport.drops.replayed).toBe(4);
    // 2^53 and beyond cannot be represented exactly: the header is refused before any crypto.
    const headerDrops = s.transport.drops.header;
    send(MAX_PACKET_NUMBER + 1);
    expect(s.transport.drops.header).toBe(headerDrops + 1);
    expect(received()).toBe(4);
  });
});

describe('an authenticated peer sending garbage frames', () => {
  it('20,000 random frame sequences: counted or closing that session, never a throw, every byte of reassembly returned', () => {
    const s = simulatedSession({ config: { heartbeatMs: 60_000 } });
    s.clock.run(100);
    const random = seededRandom(99);
    const int = (n: number) => Math.floor(random() * n);
    const pick = <T,>(xs: readonly T[]) => xs[int(xs.length)]!;
    let dev: ForgedDevice | null = null;
    let opened = 0;
    const from = { address: '10.0.0.66', port: 6600 };
    const plain = new Uint8Array(MAX_DATAGRAM_BYTES);
    for (let i = 0; i < 20_000; i++) {
      if (!dev || !s.transport.isOpen('fuzz')) {
        const g = s.transport.openSession('fuzz', s.hash)!;
        dev = new ForgedDevice(g.sessionId, g.nonce, s.hash);
        s.net.inject(dev.datagram(Uint8Array.of(2)), from, BROKER);
        opened++;
      }
      let at = 0;
      // Up to 1,000 bytes and then one more frame: the datagram stays under the 2,048-byte maximum.
      for (let f = 1 + int(4); f > 0 && at < 1000; f--) {
        const kind = int(6);
        if (kind === 0) at = writeAck(plain, at, { largest: pick([0, 1, int(50), 2 ** 40, MAX_PACKET_NUMBER - 1]), delayMs: int(70_000), mask: BigInt(int(2 ** 32)) * BigInt(int(2 ** 32)) });
        else if (kind === 1) at = writeWindow(plain, at, int(65_536));
        else if (kind === 2) plain[at++] = pick([2, 3, 0, 6, 255]);
        else {
          const fragmented = random() < 0.6;
          const count = pick([0, 1, 2, 3, 64, 65, 65_535]);
          const fragment = fragmented ? { index: pick([0, 1, count - 1, count, int(70_000)]) & 0xffff, count, total: pick([0, 1, 500, 1100, 2200, 65_535, 65_536, 2 ** 32 - 1]) } : null;
          const data = new Uint8Array(pick([0, 1, 100, 900])).fill(int(256));
          const start = at;
          at = writeMsg(plain, at, { channel: pick([Channel.UNRELIABLE, Channel.RELIABLE_ORDERED, Channel.RELIABLE_UNORDERED]), deflate: random() < 0.2, seq: pick([0, 1, int(10), int(3000), 2 ** 32 - 1]), fragment, data });
          if (random() < 0.1) plain[start + 1] = int(256); // random MSG flags
        }
      }
      // Sometimes cut the plaintext short: a truncated frame.
      const len = random() < 0.1 ? int(at + 1) : at;
      s.net.inject(dev.datagram(plain.subarray(0, len), { hello: false }), from, BROKER);
      if (i % 500 === 0) s.clock.run(s.clock.now() + 1);
      expect(s.transport.budget.bytes).toBeLessThanOrEqual(16 * 1024 * 1024);
    }
    s.clock.run(s.clock.now() + 100);
    const fuzz = s.transport.sessions().find((x) => x.deviceId === 'fuzz')?.counters;
    console.log(`fuzz: ${opened} sessions opened (each garbage reliable message closes one); last one: ${JSON.stringify(fuzz ?? null)}`);
    expect(opened).toBeGreaterThan(1);
    s.transport.closeSession('fuzz', 'done');
    // Nothing is left held for the fuzzed sessions: the budget shared by every session is whole again.
    expect(s.transport.budget.partials).toBe(0);
    expect(s.transport.budget.bytes).toBe(0);
    // The real device never noticed.
    s.client.send('server', '{"ok":2}');
    s.clock.run(s.clock.now() + 100);
    expect(s.atBroker.map((e) => new TextDecoder().decode(e.payload))).toContain('{"ok":2}');
  });
});
