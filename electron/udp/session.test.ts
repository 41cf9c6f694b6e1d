import { describe, expect, it } from 'vitest';
import { simulatedSession } from './simulated';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('UDP session over a perfect simulated link', () => {
  it('opens on the first authenticated HELLO and routes envelopes both ways', () => {
    const s = simulatedSession();
    s.clock.run(100);
    expect(s.transport.isOpen('dev-1')).toBe(true);
    expect(s.client.send('server', '{"t":21.5}', 'ordered')).toBe(true);
    s.clock.run(200);
    expect(s.atBroker).toHaveLength(1);
    expect(s.atBroker[0]!.from).toBe('dev-1');
    expect(s.atBroker[0]!.targetId).toBe('server');
    expect(text(s.atBroker[0]!.payload)).toBe('{"t":21.5}');
    expect(s.transport.deliver('dev-1', 'server', new TextEncoder().encode('{"cmd":"toggle"}'))).toBe(true);
    s.clock.run(300);
    expect(s.atDevice.map((m) => text(m.data))).toEqual(['{"from":"server","payload":{"cmd":"toggle"}}']);
  });
});

describe('UDP session: the first address', () => {
  it('deliveries queued the moment a session opens wait one round trip for the address proof, not a timeout', () => {
    const s = simulatedSession();
    s.clock.run(100, () => s.transport.isOpen('dev-1'));
    const opened = s.clock.now();
    for (let i = 0; i < 10; i++) s.transport.deliver('dev-1', 'server', new TextEncoder().encode(`{"i":${i}}`));
    s.clock.run(opened + 1000, () => s.atDevice.length === 10);
    expect(s.atDevice).toHaveLength(10);
    // 1 ms each way and the device's 5 ms ACK delay for the broker's probe.
    expect(s.clock.now() - opened).toBeLessThan(15);
    expect(s.transport.sessions()[0]!.counters!.retransmits).toBe(0);
  });
});

describe('UDP session behaviour', () => {
  const utf8 = new TextEncoder();

  it('unreliable channel: latest wins, a reordered older value is dropped', () => {
    const s = simulatedSession({ profile: { loss: 0, duplicate: 0, reorder: 0.5, delayMs: 5, jitterMs: 0 }, seed: 3 });
    s.clock.run(100);
    for (let i = 0; i < 200; i++) {
      s.client.send('server', `{"v":${i}}`, 'unreliable');
      s.clock.run(s.clock.now() + 1);
    }
    s.clock.run(s.clock.now() + 200);
    const values = s.atBroker.map((e) => JSON.parse(text(e.payload)).v as number);
    expect(values.length).toBeGreaterThan(50);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!);
    expect(values.at(-1)).toBe(199);
    expect(s.transport.sessions()[0]!.counters!.stale).toBeGreaterThan(0);
  });

  it('reports a failed message to its sender after bounded retries, and closes', () => {
    const s = simulatedSession({ config: { maxRetries: 3, heartbeatMs: 60_000 } });
    s.clock.run(100);
    s.net.profile = { ...s.net.profile, loss: 1 };
    const results: (string | null)[] = [];
    s.client.send('server', '{"x":1}', 'ordered', (e) => results.push(e ? e.message : null));
    s.clock.run(s.clock.now() + 30_000, () => results.length > 0);
    expect(results).toEqual(['retries_exhausted']);
    expect(s.client.peer.counters.failedMessages).toBe(1);
    expect(s.closes).toEqual(['retries_exhausted']);
  });

  it('counts the messages a closing session still held, and tells their callbacks', () => {
    const s = simulatedSession();
    s.clock.run(100);
    const closes: { reason: string; unfinished: number }[] = [];
    s.transport.on('session:close', (e: { reason: string; unfinished: number }) => closes.push(e));
    s.net.profile = { ...s.net.profile, loss: 1 };
    // The broker's deliveries carry no callback: without a count they would vanish with the session.
    for (let i = 0; i < 20; i++) expect(s.transport.deliver('dev-1', 'server', utf8.encode(`{"i":${i}}`))).toBe(true);
    const told: string[] = [];
    s.transport.deliver('dev-1', 'server', utf8.encode('{"cb":1}'), 'ordered', (e) => told.push(e ? e.message : 'delivered'));
    s.clock.run(s.clock.now() + 50);
    s.transport.closeSession('dev-1', 'revoked');
    expect(told).toEqual(['revoked']);
    expect(closes.map((e) => [e.reason, e.unfinished])).toEqual([['revoked', 21]]);
    expect(s.transport.drops.unfinishedAtClose).toBe(21);
    // The device's end counts its own: one unacknowledged message when it closes.
    s.client.send('server', '{"late":1}');
    s.clock.run(s.clock.now() + 10);
    s.client.close();
    expect(s.client.peer.counters.unfinishedAtClose).toBe(1);
    expect(s.client.peer.counters.failedMessages).toBe(1);
  });

  it('declares a silent peer dead after N heartbeats', () => {
    const s = simulatedSession({ config: { heartbeatMs: 1000, deadAfterHeartbeats: 3 } });
    const closed: string[] = [];
    s.transport.on('session:close', (e: { reason: string }) => closed.push(e.reason));
    s.clock.run(100);
    s.clock.run(5000);
    // Idle but alive: heartbeats keep both ends up, and they measured the RTT.
    expect(s.transport.isOpen('dev-1')).toBe(true);
    expect(s.transport.sessions()[0]!.rttMs).toBeGreaterThan(0);
    s.net.profile = { ...s.net.profile, loss: 1 };
    s.clock.run(s.clock.now() + 4100);
    expect(closed).toEqual(['dead_peer']);
    expect(s.transport.isOpen('dev-1')).toBe(false);
    expect(s.closes).toEqual(['dead_peer']);
  });

  it('moves the session to a new address on an authenticated datagram (roaming)', () => {
    const s = simulatedSession();
    s.clock.run(100);
    const roamed = s.net.socket('10.0.0.77', 41000);
    const client = s.client as unknown as { o: { socket: typeof roamed } };
    const old = client.o.socket;
    roamed.onMessage((d) => s.client.peer.receiveDatagram(d));
    client.o.socket = roamed;
    old.close();
    s.client.send('server', '{"after":"roam"}');
    s.clock.run(s.clock.now() + 100);
    expect(s.transport.sessions()[0]!.address).toBe('10.0.0.77:41000');
    s.transport.deliver('dev-1', 'server', utf8.encode('{"back":1}'));
    for (let i = 0; i < 20; i++) s.transport.deliver('dev-1', 'server', utf8.encode(`{"big":"${'b'.repeat(1000)}"}`));
    s.clock.run(s.clock.now() + 100);
    expect(s.atDevice.map((m) => text(m.data))).toContain('{"from":"server","payload":{"back":1}}');
    // The new address proved itself with the probe's ACK: large deliveries flow at once.
    expect(s.atDevice).toHaveLength(21);
    expect(s.transport.drops.migrations).toBe(1);
  });

  it('fragments and deflates large messages', () => {
    const s = simulatedSession({ config: { compressAboveBytes: 1000 } });
    s.clock.run(100);
    const big = `{"samples":[${Array.from({ length: 4000 }, (_, i) => i % 17).join(',')}]}`;
    s.client.send('server', big, 'ordered');
    const bytesBefore = s.client.peer.counters.bytesSent;
    s.clock.run(s.clock.now() + 200);
    expect(text(s.atBroker[0]!.payload)).toBe(big);
    expect(s.client.peer.counters.bytesSent - bytesBefore).toBeLessThan(big.length / 2);
    const raw = `{"raw":"${'r'.repeat(5000)}"}`;
    s.client.peer.send(utf8.encode(`{"targetId":"server","payload":${raw}}`), 'unordered', undefined, false);
    s.clock.run(s.clock.now() + 200);
    expect(text(s.atBroker[1]!.payload)).toBe(raw);
  });

  it('updates keys before the limit, in both directions, without losing a message', () => {
    const s = simulatedSession({ config: { rekeyAfterPackets: 20 }, profile: { loss: 0.05, duplicate: 0, reorder: 0.05, delayMs: 2, jitterMs: 2 }, seed: 5 });
    s.clock.run(100);
    for (let i = 0; i < 400; i++) {
      s.client.send('server', `{"i":${i}}`);
      s.transport.deliver('dev-1', 'server', utf8.encode(`{"i":${i}}`));
      s.clock.run(s.clock.now() + 2);
    }
    s.clock.run(s.clock.now() + 10_000, () => s.atBroker.length === 400 && s.atDevice.length === 400);
    expect(s.atBroker.map((e) => JSON.parse(text(e.payload)).i)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(s.atDevice).toHaveLength(400);
    expect(s.client.peer.counters.keyUpdates).toBeGreaterThan(4);
    expect(s.transport.sessions()[0]!.counters!.keyUpdates).toBeGreaterThan(4);
  });

  it('streams over the ordered channel with backpressure', async () => {
    const s = simulatedSession({ config: { drainBytes: 4096, maxInFlightPackets: 4 } });
    s.clock.run(100);
    const stream = s.client.stream({ highWaterMark: 2048 });
    let refused = 0;
    let written = 0;
    const pump = () => {
      while (written < 500) {
        const ok = stream.write(utf8.encode(`{"targetId":"server","payload":{"n":${written++}}}`));
        if (!ok) {
          refused++;
          return stream.once('drain', pump);
        }
      }
      stream.end();
    };
    pump();
    for (let i = 0; i < 2000 && s.atBroker.length < 500; i++) {
      s.clock.run(s.clock.now() + 5);
      await new Promise((r) => setImmediate(r));
    }
    expect(refused).toBeGreaterThan(0);
    expect(s.atBroker.map((e) => JSON.parse(text(e.payload)).n)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('sends an envelope over one datagram by TCP (deliver says false) unless the device takes more', () => {
    const big = utf8.encode(`{"blob":"${'z'.repeat(5000)}"}`);
    const s = simulatedSession();
    s.clock.run(100);
    expect(s.transport.deliver('dev-1', 'server', big)).toBe(false);
    expect(s.transport.deliver('dev-1', 'server', utf8.encode(`{"fits":"${'f'.repeat(1000)}"}`))).toBe(true);
    // A transport that knows its devices reassemble 8 KiB fragments the delivery.
    const wide = simulatedSession();
    (wide.transport as unknown as { maxDelivery: number }).maxDelivery = 8192;
    wide.clock.run(100);
    expect(wide.transport.deliver('dev-1', 'server', big)).toBe(true);
    wide.clock.run(wide.clock.now() + 200);
    expect(text(wide.atDevice[0]!.data)).toBe(`{"from":"server","payload":${text(big)}}`);
  });
});
