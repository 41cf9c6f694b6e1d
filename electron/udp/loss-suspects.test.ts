import { describe, expect, it } from 'vitest';
import { Channel } from '../../shared/protocol/udp/frames';
import { newCounters } from './counters';
import { LOSS_SUSPECTS, LossSuspects } from './loss-suspects';
import { RttEstimator } from './rtt';
import { Sender } from './sender';
import { simulatedSession } from './simulated';

/**
 * Spurious retransmission detection (F-RTO/Eifel spirit): a packet declared lost counts in
 * lostPackets only once an ACK proves it lost; a late ACK of it counts in spuriousRetransmits.
 */

function sender() {
  const counters = newCounters();
  const s = new Sender(
    { fragmentBytes: 1000, maxInFlightPackets: 128, maxQueuedBytes: 1 << 20, maxRetries: 10, window: 1024, maxWindow: 1024, reassembly: { partials: 16, bytes: 256 * 1024 } },
    new RttEstimator(),
    counters,
    () => {},
  );
  return { s, counters };
}

function sendAs(s: Sender, pn: number, now: number, ackEliciting = true) {
  const { frags } = s.fill(new Uint8Array(1200), 0, 1200);
  s.onPacketSent(pn, now, frags, ackEliciting);
  return frags;
}

const ack = (largest: number, mask = 0n, delayMs = 0) => ({ type: 1 as const, largest, delayMs, mask });

/** Packet 0 acknowledged after 15 ms (RTO 45 ms), then packet 1 sent at 20 ms times out at 65 ms and leaves again as 2. */
function timedOut() {
  const t = sender();
  const results: (Error | null)[] = [];
  t.s.enqueue(Channel.RELIABLE_ORDERED, new Uint8Array([1]), false);
  sendAs(t.s, 0, 0);
  t.s.onAck(ack(0), 15);
  t.s.enqueue(Channel.RELIABLE_ORDERED, new Uint8Array([2]), false, (e) => results.push(e));
  sendAs(t.s, 1, 20);
  const rto = t.s.rtt.timeoutMs();
  expect(rto).toBe(45);
  t.s.onTimeout(20 + rto);
  expect(t.s.rtt.timeoutMs()).toBe(2 * rto);
  expect(sendAs(t.s, 2, 20 + rto)).toHaveLength(1);
  expect(t.counters.retransmits).toBe(1);
  return { ...t, results, rto };
}

describe('Sender: packets declared lost by the retransmission timeout', () => {
  it('a late ACK of the original packet is a spurious retransmission, not a loss', () => {
    const { s, counters, results } = timedOut();
    s.onAck(ack(1), 100); // the original arrived: only its ACK was late
    expect(counters.lostPackets).toBe(0);
    expect(counters.spuriousRetransmits).toBe(1);
    // Unique packet numbers: the late ACK is a true RTT sample (80 ms), so the RTO rises above it.
    expect(s.rtt.latest).toBe(80);
    expect(s.rtt.timeoutMs()).toBeGreaterThan(80);
    s.onAck(ack(2, 0b1n), 101);
    expect(results).toEqual([null]);
    expect(counters).toMatchObject({ lostPackets: 0, spuriousRetransmits: 1, retransmits: 1 });
  });

  it('undoes the timeout backoff when the proof comes without an RTT sample', () => {
    const { s, counters, rto } = timedOut();
    sendAs(s, 3, 66, false); // an ACK-only packet: the peer's next ACK names it as largest
    s.onAck(ack(3, 0b110n), 80); // covers 1 and 2; 3 was never in flight, so no sample
    expect(counters.spuriousRetransmits).toBe(1);
    expect(counters.lostPackets).toBe(0);
    expect(s.rtt.timeoutMs()).toBe(rto);
  });

  it('an ACK of the retransmission that leaves the original out proves a real loss', () => {
    const { s, counters, results } = timedOut();
    s.onAck(ack(2), 80);
    expect(results).toEqual([null]);
    expect(counters).toMatchObject({ lostPackets: 1, spuriousRetransmits: 0, retransmits: 1 });
    s.onAck(ack(2, 0b1n), 90); // a straggler's ACK after the verdict changes nothing
    expect(counters).toMatchObject({ lostPackets: 1, spuriousRetransmits: 0 });
  });

  it('waits while ACKs only cover packets sent before the declaration', () => {
    const { s, counters } = timedOut();
    s.onAck(ack(0), 80); // a reordered old ACK says nothing about packet 1
    expect(counters).toMatchObject({ lostPackets: 0, spuriousRetransmits: 0 });
  });

  it('counts what is still undecided as lost when the session ends', () => {
    const { s, counters } = timedOut();
    s.failAll('closed');
    expect(counters.lostPackets).toBe(1);
  });
});

describe('LossSuspects', () => {
  it('is bounded: the oldest suspect gives way uncounted when a new one needs its slot (nothing proved it lost)', () => {
    const counters = newCounters();
    const suspects = new LossSuspects(counters, new RttEstimator());
    for (let pn = 0; pn < LOSS_SUSPECTS + 4; pn++) suspects.add(pn, 0, 100, 0);
    expect(suspects.pending).toBe(LOSS_SUSPECTS);
    // Before: the 4 pushed out counted as lost although (below) every packet had arrived.
    expect(counters.lostPackets).toBe(0);
    // All 20 acknowledged late: the 16 still held are spurious, the 4 pushed out counted as neither.
    suspects.onAck(ack(LOSS_SUSPECTS + 3, (1n << BigInt(LOSS_SUSPECTS + 3)) - 1n), 5, 10);
    expect(suspects.pending).toBe(0);
    expect(counters).toMatchObject({ lostPackets: 0, spuriousRetransmits: LOSS_SUSPECTS });
  });

  it('a packet whose declaration resent nothing (a heartbeat PING) is no spurious retransmission when its late ACK comes, yet its needless declaration is still undone', () => {
    const counters = newCounters();
    const rtt = new RttEstimator();
    const widened: number[] = [];
    const suspects = new LossSuspects(counters, rtt, (_age, reorder) => widened.push(reorder));
    // An idle session: PING 0 times out (backoff doubled), PING 1 is declared by an ACK threshold.
    const before = rtt.backoffFactor;
    rtt.onTimeout();
    suspects.add(0, 0, 2, before, 0, false);
    suspects.add(1, 10, 3, 0, 3, false);
    suspects.onAck(ack(1, 0b1n), 30, 10);
    expect(suspects.pending).toBe(0);
    expect(counters).toMatchObject({ spuriousRetransmits: 0, lostPackets: 0 });
    expect(rtt.backoffFactor).toBe(before);
    expect(widened).toEqual([3]);
    // A data packet resent on its declaration still counts.
    suspects.add(2, 40, 4, 0);
    suspects.onAck(ack(2), 50, 10);
    expect(counters.spuriousRetransmits).toBe(1);
  });

  it('on a link that reorders, an ACK leaving a suspect out proves the loss only once the suspect is late (lateAfterMs), and only while the ACK can still cover it', () => {
    const counters = newCounters();
    const suspects = new LossSuspects(counters, new RttEstimator());
    suspects.add(10, 0, 20, 0);
    suspects.add(11, 0, 20, 0);
    // Packets sent after the declaration arrived first; 10 and 11 may still be on their way (sent 3 ms ago, late after 8).
    suspects.onAck(ack(25, 0n), 3, 8);
    expect(counters).toMatchObject({ lostPackets: 0, spuriousRetransmits: 0 });
    expect(suspects.pending).toBe(2);
    suspects.onAck(ack(26, 1n << 15n), 6, 8); // 10 arrived after all (bit 15 = packet 10): spurious, not lost
    expect(counters).toMatchObject({ lostPackets: 0, spuriousRetransmits: 1 });
    suspects.onAck(ack(100, 0n), 9, 8); // 11 is 89 below: out of this ACK's reach, an older ACK may still cover it
    expect(counters).toMatchObject({ lostPackets: 0, spuriousRetransmits: 1 });
    expect(suspects.pending).toBe(0);
    suspects.add(30, 10, 40, 0);
    suspects.onAck(ack(45, 0n), 19, 8); // late, within reach, past the boundary: proven lost
    expect(counters).toMatchObject({ lostPackets: 1, spuriousRetransmits: 1 });
  });
});

/** The broker delivers to the device across a simulated link; the broker's session counters as the hub reads them. */
function brokerSending(spike: { delayMs?: number; loss?: number }) {
  const s = simulatedSession();
  s.clock.run(2000, () => s.transport.isOpen('dev-1'));
  expect(s.transport.isOpen('dev-1')).toBe(true);
  let acked = 0;
  const failures: string[] = [];
  const send = (n: number) => {
    for (let i = 0; i < n; i++) s.transport.deliver('dev-1', 'server', new TextEncoder().encode(`{"i":${i}}`), 'ordered', (e) => (e ? failures.push(e.message) : acked++));
  };
  send(20);
  s.clock.run(s.clock.now() + 500); // RTT settles near 2 ms: the RTO sits on its 20 ms floor
  const before = { ...s.transport.sessions()[0]!.counters! };
  expect(before).toMatchObject({ lostPackets: 0, spuriousRetransmits: 0, retransmits: 0 });
  // The spike: a busy peer holds datagrams past the RTO (in order: until all are through), or the
  // link drops everything for 100 ms.
  s.net.profile = { ...s.net.profile, ...spike };
  send(20);
  s.clock.run(s.clock.now() + (spike.loss ? 100 : 5000), () => acked + failures.length === 40);
  s.net.profile = { ...s.net.profile, delayMs: 1, loss: 0 };
  s.clock.run(s.clock.now() + 5000, () => acked + failures.length === 40);
  s.clock.run(s.clock.now() + 3000); // heartbeats: their ACKs decide any suspect still open
  expect(failures).toEqual([]);
  expect(acked).toBe(40);
  return s.transport.sessions()[0]!.counters!;
}

describe('simulated link: the broker counters the hub shows as UDP loss', () => {
  it('ACKs delayed past the RTO: retransmissions, all spurious, no loss', () => {
    const c = brokerSending({ delayMs: 60 });
    console.log(`60 ms delay spike: retransmits ${c.retransmits}, spurious ${c.spuriousRetransmits}, lost ${c.lostPackets}`);
    expect(c.retransmits).toBeGreaterThan(0);
    expect(c.spuriousRetransmits).toBeGreaterThan(0);
    expect(c.lostPackets).toBe(0);
  });

  it('datagrams really dropped: counted as lost', () => {
    const c = brokerSending({ loss: 1 });
    console.log(`100 ms blackout: retransmits ${c.retransmits}, spurious ${c.spuriousRetransmits}, lost ${c.lostPackets}`);
    expect(c.retransmits).toBeGreaterThan(0);
    expect(c.lostPackets).toBeGreaterThan(0);
    expect(c.spuriousRetransmits).toBe(0);
  });
});
