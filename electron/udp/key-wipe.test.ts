import { describe, expect, it } from 'vitest';
import { decodeHeader } from '../../shared/protocol/udp/wire';
import type { DirectionKey } from './crypto';
import type { SendKeys } from './keys';
import type { Peer } from './peer';
import { simulatedSession } from './simulated';

/**
 * Key material is zeroed when it is no longer needed (crypto review, finding 2): the token's hash
 * once the HELLO has derived the session keys, a send key once the next one replaced it, the
 * previous receive key 3 retransmission timeouts (keys.ts PREVIOUS_KEY_RTOS) into a new phase, and every key
 * and IV when the session closes. Buffers, not references: the GC would keep the bytes anyway.
 */
type Session = { tokenHash: Uint8Array | null; peer: Peer | null };
const sessionOf = (s: ReturnType<typeof simulatedSession>) => (s.transport as unknown as { byDevice: Map<string, Session> }).byDevice.get(s.deviceId)!;
type RecvKeysInside = { phase: 0 | 1; current: DirectionKey; previous: DirectionKey | null; next: DirectionKey };
const keysOf = (p: Peer) => p as unknown as { sendKeys: SendKeys; recvKeys: RecvKeysInside };
const zero = (b: Uint8Array) => b.every((x) => x === 0);

/** Every key buffer a peer holds right now. */
function heldKeys(p: Peer): Uint8Array[] {
  const k = keysOf(p);
  return [k.sendKeys.key, k.recvKeys.current, k.recvKeys.next, k.recvKeys.previous].flatMap((d) => (d ? [d.key, d.iv] : []));
}

describe('UDP key material is wiped', () => {
  it('the token hash once the HELLO opened the session, and every key and IV of both ends (past phases too) at close', () => {
    const s = simulatedSession({ config: { rekeyAfterPackets: 10 } });
    const tokenHash = sessionOf(s).tokenHash!;
    expect(zero(tokenHash)).toBe(false);
    s.clock.run(2000, () => s.transport.isOpen('dev-1'));
    expect(zero(tokenHash)).toBe(true);
    expect(sessionOf(s).tokenHash).toBeNull();
    const broker = sessionOf(s).peer!;
    const seen = new Set<Uint8Array>();
    const collect = () => [...heldKeys(broker), ...heldKeys(s.client.peer)].forEach((b) => seen.add(b));
    collect();
    const firstSendKey = keysOf(s.client.peer).sendKeys.key.key;
    for (let i = 0; i < 60; i++) {
      s.client.send('server', `{"i":${i}}`);
      s.transport.deliver('dev-1', 'server', new TextEncoder().encode(`{"i":${i}}`));
      s.clock.run(s.clock.now() + 2);
      collect();
    }
    expect(s.client.peer.counters.keyUpdates).toBeGreaterThan(2);
    // A send key replaced by the next is zeroed at once.
    expect(zero(firstSendKey)).toBe(true);
    expect([...seen].filter((b) => !zero(b)).length).toBeGreaterThan(0);
    s.client.close();
    s.clock.run(s.clock.now() + 50);
    expect(s.transport.sessions()).toEqual([]);
    expect(seen.size).toBeGreaterThan(16);
    expect([...seen].filter((b) => !zero(b))).toEqual([]);
  });

  it('a session that ends pending (its HELLO never came) zeroes its token hash', () => {
    const s = simulatedSession();
    const again = s.transport.openSession('dev-2', s.hash)!;
    const pending = (s.transport as unknown as { bySid: Map<number, Session> }).bySid.get(again.sessionId)!;
    const tokenHash = pending.tokenHash!;
    expect(zero(tokenHash)).toBe(false);
    s.transport.closeSession('dev-2', 'revoked');
    expect(zero(tokenHash)).toBe(true);
  });

  it('a late packet of the previous key phase opens within 3 RTOs of the new phase; after, its key is gone and the packet dropped and counted', () => {
    const s = simulatedSession({ config: { rekeyAfterPackets: 20 } });
    s.clock.run(2000, () => s.transport.isOpen('dev-1'));
    // Two of the device's phase-0 datagrams held back on the way (their content is resent meanwhile).
    const net = s.net as unknown as { carry: (d: Uint8Array, from: { address: string; port: number }, to: string) => void };
    const carry = net.carry.bind(s.net);
    const held: Uint8Array[] = [];
    net.carry = (d, from, to) => {
      const h = decodeHeader(d);
      if (from.port === 40000 && h.ok && h.value.packetNumber >= 5 && held.length < 2) return void held.push(d);
      carry(d, from, to);
    };
    const client = keysOf(s.client.peer).sendKeys;
    // Messages until the device's key update, and three more under the new key.
    for (let i = 0, after = 0; after < 3 && i < 100; i++, after += client.phase) {
      s.client.send('server', `{"i":${i}}`);
      s.clock.run(s.clock.now() + 2);
    }
    s.clock.run(s.clock.now() + 20);
    const broker = sessionOf(s).peer!;
    const recv = keysOf(broker).recvKeys;
    expect(held).toHaveLength(2);
    expect(recv.phase).toBe(1); // exactly one update: the held ones are of the previous phase
    expect(held.map((d) => decodeHeader(d)).map((h) => (h.ok ? h.value.keyPhase : -1))).toEqual([0, 0]);
    const counters = () => s.transport.sessions()[0]!.counters!;
    const before = counters();
    s.net.inject(held[0]!, { address: '10.0.0.2', port: 40000 }, '10.0.0.1:8080');
    expect(counters().packetsReceived).toBe(before.packetsReceived + 1);
    expect(counters().authFailures).toBe(before.authFailures);
    const previous = recv.previous!;
    s.clock.run(s.clock.now() + 3 * broker.sender.rtt.timeoutMs() + 1);
    const replayed = s.transport.drops.replayed;
    const received = counters().packetsReceived;
    s.net.inject(held[1]!, { address: '10.0.0.2', port: 40000 }, '10.0.0.1:8080');
    expect(counters().packetsReceived).toBe(received);
    expect(counters()).toMatchObject({ oldPhaseDrops: 1, authFailures: before.authFailures });
    expect(s.transport.drops.replayed).toBe(replayed + 1);
    expect(recv.previous).toBeNull();
    expect(zero(previous.key) && zero(previous.iv)).toBe(true);
    expect(s.transport.isOpen('dev-1')).toBe(true);
  });
});
