import { describe, expect, it } from 'vitest';
import { Channel } from '../../shared/protocol/udp/frames';
import { newCounters } from './counters';
import { RttEstimator } from './rtt';
import { MAX_PACKET_THRESHOLD, PACKET_THRESHOLD, REORDER_PERSIST_RECOVERIES, SendFailed, Sender } from './sender';

function sender() {
  const counters = newCounters();
  const fatal: string[] = [];
  const s = new Sender(
    { fragmentBytes: 1000, maxInFlightPackets: 128, maxQueuedBytes: 1 << 20, maxRetries: 10, window: 1024, maxWindow: 1024, reassembly: { partials: 16, bytes: 256 * 1024 } },
    new RttEstimator(),
    counters,
    (reason) => fatal.push(reason),
  );
  return { s, counters, fatal };
}

/** Sends whatever is queued as packet `pn` and returns its fragments (the peer's two steps). */
function sendAs(s: Sender, pn: number, now: number) {
  const { frags } = s.fill(new Uint8Array(1200), 0, 1200);
  s.onPacketSent(pn, now, frags, true);
  return frags;
}

const ack = (largest: number, mask = 0n) => ({ type: 1 as const, largest, delayMs: 0, mask });

describe('Sender with a message in two packets (idle duplicate)', () => {
  it('settles the message on the first copy acknowledged, and never resends it', () => {
    const { s, counters } = sender();
    const results: (Error | null)[] = [];
    s.enqueue(Channel.RELIABLE_ORDERED, new Uint8Array([1, 2, 3]), false, (e) => results.push(e));
    const frags = sendAs(s, 0, 0);
    s.onPacketSent(1, 0, frags, true); // the duplicate: same fragments, next packet number
    expect(s.packetsInFlight).toBe(2);
    // Packet 0 lost on the way; the duplicate (1) is acknowledged, later packet 0 counts as lost.
    s.onAck(ack(1), 5);
    expect(results).toEqual([null]);
    expect(s.hasWork()).toBe(false);
    expect(counters.retransmits).toBe(0);
  });

  it('resends once, and only when both copies are lost', () => {
    const { s, counters } = sender();
    s.enqueue(Channel.RELIABLE_ORDERED, new Uint8Array([1]), false);
    const frags = sendAs(s, 0, 0);
    s.onPacketSent(1, 0, frags, true);
    s.enqueue(Channel.RELIABLE_ORDERED, new Uint8Array([2]), false);
    sendAs(s, 2, 9);
    // Packet 2 (sent 9 ms after 0 and 1) acknowledged: both copies are lost by the time threshold.
    s.onAck(ack(2), 10);
    expect(s.hasWork()).toBe(true);
    const resent = sendAs(s, 3, 10);
    expect(resent).toHaveLength(1);
    expect(resent[0]!.seq).toBe(0);
    expect(counters.retransmits).toBe(1);
    expect(s.hasWork()).toBe(false);
    // Counted lost once the ACK of the retransmission (sent after the declaration) leaves them out.
    expect(counters.lostPackets).toBe(0);
    s.onAck(ack(3, 0b1n), 12);
    expect(counters.lostPackets).toBe(2);
    expect(counters.spuriousRetransmits).toBe(0);
  });

});

describe('Sender.failAll', () => {
  it('says which messages never left (unsent: the peer cannot have them) and which did, a half-sent one included', () => {
    const { s } = sender();
    const results: Record<string, SendFailed | Error | null> = {};
    const track = (name: string) => (e: Error | null) => (results[name] = e);
    s.enqueue(Channel.RELIABLE_ORDERED, new Uint8Array(10), false, track('sent'));
    sendAs(s, 0, 0); // one packet carries the first message
    s.enqueue(Channel.RELIABLE_ORDERED, new Uint8Array(2500), false, track('half')); // three fragments
    const { frags } = s.fill(new Uint8Array(1200), 0, 1200); // its first fragment only
    s.onPacketSent(1, 0, frags, true);
    s.onAck(ack(1), 1); // that fragment acknowledged: it is out of every queue, the message is not done
    s.enqueue(Channel.RELIABLE_ORDERED, new Uint8Array(10), false, track('queued'));
    expect(s.failAll('dead_peer')).toBe(3);
    expect(Object.fromEntries(Object.entries(results).map(([k, e]) => [k, e instanceof SendFailed ? [e.message, e.unsent] : e]))).toEqual({
      sent: ['dead_peer', false],
      half: ['dead_peer', false],
      queued: ['dead_peer', true],
    });
  });
});

describe('Sender out of retries', () => {
  it('fails the message that ran out, and the close fails and counts the others of its packet (none lost from the books)', () => {
    const counters = newCounters();
    const closes: number[] = [];
    const s: Sender = new Sender({ fragmentBytes: 1000, maxInFlightPackets: 128, maxQueuedBytes: 1 << 20, maxRetries: 1, window: 1024, maxWindow: 1024, reassembly: { partials: 16, bytes: 256 * 1024 } }, new RttEstimator(), counters, (reason) => {
      closes.push(s.failAll(reason)); // what the peer's close does
    });
    const results: string[] = [];
    const send = (name: string, pn: number, now: number) => {
      s.enqueue(Channel.RELIABLE_ORDERED, new TextEncoder().encode(name), false, (e) => results.push(`${name}: ${e ? e.message : 'delivered'}`));
      return sendAs(s, pn, now);
    };
    send('a', 0, 0);
    send('x', 1, 9);
    s.onAck(ack(1), 10); // packet 0 lost: a goes again, with b, in packet 2
    expect(send('b', 2, 10)).toHaveLength(2);
    send('y', 3, 19);
    s.onAck(ack(3), 20); // packet 2 lost: a has no retry left; b has one, but the session ends
    expect(results.sort()).toEqual(['a: retries_exhausted', 'b: retries_exhausted', 'x: delivered', 'y: delivered']);
    expect(closes).toEqual([1]);
    expect(counters.failedMessages).toBe(1); // the peer adds the close's unfinished ones
  });
});

describe('Sender: a late ACK of a packet declared lost (reordering)', () => {
  function oneRetry() {
    const counters = newCounters();
    const fatal: string[] = [];
    const s = new Sender({ fragmentBytes: 1000, maxInFlightPackets: 128, maxQueuedBytes: 1 << 20, maxRetries: 1, window: 1024, maxWindow: 1024, reassembly: { partials: 16, bytes: 256 * 1024 } }, new RttEstimator(), counters, (reason) => fatal.push(reason));
    const results: string[] = [];
    const send = (name: string, pn: number, now: number) => {
      s.enqueue(Channel.RELIABLE_ORDERED, new TextEncoder().encode(name), false, (e) => results.push(`${name}: ${e ? e.message : 'delivered'}`));
      return sendAs(s, pn, now);
    };
    return { s, counters, fatal, results, send };
  }

  it('delivers what it carried: the queued retransmission is dropped, no retry spent', () => {
    const { s, counters, results, send } = oneRetry();
    send('a', 0, 0);
    send('x', 1, 0);
    send('y', 2, 0);
    send('z', 3, 0);
    s.onAck(ack(3, 0b11n), 10); // 3, 2, 1 arrived before 0: 0 is declared lost (packet threshold)
    expect(s.hasSendable()).toBe(true);
    s.onAck(ack(3, 0b111n), 11); // then 0 arrives after all
    expect(results.sort()).toEqual(['a: delivered', 'x: delivered', 'y: delivered', 'z: delivered']);
    expect(s.hasSendable()).toBe(false);
    expect(sendAs(s, 4, 11)).toEqual([]);
    expect([counters.retransmits, counters.spuriousRetransmits, counters.lostPackets]).toEqual([0, 1, 0]);
  });

  it('settles the message even after its retransmission went, and that retransmission declared lost too costs no retry', () => {
    const { s, counters, fatal, results, send } = oneRetry();
    send('a', 0, 0);
    send('x', 1, 0);
    send('y', 2, 0);
    send('z', 3, 0);
    s.onAck(ack(3, 0b11n), 10); // 0 declared lost
    expect(sendAs(s, 4, 10).map((f) => f.seq)).toEqual([0]); // a goes again, its last retry
    s.onAck(ack(3, 0b111n), 11); // 0 came after all: a is delivered
    send('b', 5, 11);
    send('c', 6, 11);
    send('d', 7, 11);
    s.onAck(ack(7, 0b11n), 20); // 7, 6, 5 arrived, 4 not yet: 4 declared lost, but a needs nothing more
    expect(fatal).toEqual([]);
    expect(results.sort()).toEqual(['a: delivered', 'b: delivered', 'c: delivered', 'd: delivered', 'x: delivered', 'y: delivered', 'z: delivered']);
    expect(s.hasSendable()).toBe(false);
    expect(counters.retransmits).toBe(1);
  });
});

describe("Sender within the peer's reassembly caps", () => {
  function capped(partials: number, bytes: number) {
    const counters = newCounters();
    const s = new Sender({ fragmentBytes: 1000, maxInFlightPackets: 128, maxQueuedBytes: 1 << 20, maxRetries: 10, window: 1024, maxWindow: 1024, reassembly: { partials, bytes } }, new RttEstimator(), counters, () => {});
    let pn = 0;
    /** Sends packets while anything may go; returns the seqs of the fragments sent and their packets. */
    const drain = () => {
      const sent: { seq: number; pn: number }[] = [];
      while (s.hasSendable()) {
        for (const f of sendAs(s, pn++, 0)) sent.push({ seq: f.seq, pn: pn - 1 });
        s.settleLeft(); // the packet is out (the peer's step): unreliable fragments are done
      }
      return sent;
    };
    return { s, drain };
  }
  const seqs = (sent: { seq: number }[]) => [...new Set(sent.map((x) => x.seq))];

  it('starts a fragmented message only while the started, unfinished ones leave room for its total; an ACK that finishes one lets the next start', () => {
    const { s, drain } = capped(16, 10_000);
    for (let i = 0; i < 4; i++) s.enqueue(Channel.RELIABLE_UNORDERED, new Uint8Array(4000), false); // 4 fragments each
    s.enqueue(Channel.RELIABLE_UNORDERED, new Uint8Array(10), false);
    const first = drain();
    // 2 x 4,000 reserved at the peer; a third would make 12,000 > 10,000, and what queues behind it waits.
    expect(seqs(first)).toEqual([0, 1]);
    expect(s.hasWork()).toBe(true);
    for (const { pn } of first.filter((x) => x.seq === 0)) s.onAck(ack(pn), 1);
    expect(seqs(drain())).toEqual([2]);
  });

  it('counts messages too; an unreliable one only until its last fragment has left; one alone always goes', () => {
    const byCount = capped(2, 1 << 20);
    for (let i = 0; i < 3; i++) byCount.s.enqueue(Channel.RELIABLE_UNORDERED, new Uint8Array(2000), false);
    expect(seqs(byCount.drain())).toEqual([0, 1]);
    const unreliable = capped(1, 1 << 20);
    for (let i = 0; i < 3; i++) unreliable.s.enqueue(Channel.UNRELIABLE, new Uint8Array(2000), false);
    expect(seqs(unreliable.drain())).toEqual([0, 1, 2]);
    const alone = capped(16, 1000);
    alone.s.enqueue(Channel.RELIABLE_UNORDERED, new Uint8Array(5000), false);
    alone.s.enqueue(Channel.RELIABLE_UNORDERED, new Uint8Array(5000), false);
    expect(seqs(alone.drain())).toEqual([0]);
  });
});

describe('Sender on a link that reorders: loss thresholds widen when a declaration proves spurious', () => {
  /** Ten one-message packets sent at `at`; the ACK `ackAt` later covers the last nine, not the first (reordered). */
  function flight(s: Sender, first: number, at: number, ackAt: number) {
    for (let pn = first; pn < first + 10; pn++) {
      s.enqueue(Channel.RELIABLE_UNORDERED, new Uint8Array([pn]), false);
      sendAs(s, pn, at);
    }
    s.onAck(ack(first + 9, (1n << 8n) - 1n), at + ackAt);
  }

  it('the packet threshold grows to the reorder distance seen and the time threshold to the age it reached, so the same reordering is not declared again', () => {
    const { s, counters } = sender();
    flight(s, 0, 0, 10);
    // Nine later packets acknowledged: packet 0 declared lost (3 is RFC 9002's threshold) and resent.
    expect(s.hasSendable()).toBe(true);
    expect(sendAs(s, 10, 10)).toHaveLength(1);
    const before = s.lossDelayMs();
    s.onAck(ack(10, (1n << 10n) - 1n), 14); // then it arrives after all: its late ACK proves the declaration spurious
    expect(counters.spuriousRetransmits).toBe(1);
    expect(s.packetThreshold).toBe(10);
    expect(s.lossDelayMs()).toBeGreaterThan(before);
    // The next flight reorders the same way: nothing is declared lost or sent again.
    flight(s, 11, 20, 10);
    expect(s.hasSendable()).toBe(false);
    s.onAck(ack(20, (1n << 10n) - 1n), 32);
    expect(counters.retransmits).toBe(1);
    expect(counters.lostPackets).toBe(0);
  });

  it('stays bounded, and a packet really lost is still declared by the time threshold', () => {
    const { s, counters } = sender();
    s.packetThreshold = 1000;
    (s as unknown as { widenThresholds: (age: number, reorder: number) => void }).widenThresholds(60_000, 1000);
    expect(s.packetThreshold).toBe(MAX_PACKET_THRESHOLD);
    flight(s, 0, 0, 10);
    expect(s.hasSendable()).toBe(false);
    expect(s.lossDelayMs()).toBeLessThanOrEqual(s.rtt.timeoutMs());
    s.onAck(ack(9, (1n << 8n) - 1n), s.lossDelayMs() + 1); // still missing past the time threshold: lost
    expect(s.hasSendable()).toBe(true);
    expect(counters.spuriousRetransmits).toBe(0);
  });
});

describe('Sender: widened loss thresholds go back to the defaults after clean loss recoveries (RFC 8985 6.2)', () => {
  /** Packet `pn` lost on the way: `pn + 1`'s ACK declares it by the time threshold, and the ACK of its retransmission ends the recovery. */
  function recovery(s: Sender, pn: number, at: number): number {
    for (const p of [pn, pn + 1]) {
      s.enqueue(Channel.RELIABLE_UNORDERED, new Uint8Array([p & 0xff]), false);
      sendAs(s, p, at);
    }
    const declaredAt = at + s.lossDelayMs() + 1;
    // The ACK waited at the peer (its delay): the RTT stays the LAN's 1-2 ms.
    s.onAck({ ...ack(pn + 1), delayMs: declaredAt - at - 1 }, declaredAt);
    expect(sendAs(s, pn + 2, declaredAt)).toHaveLength(1); // the retransmission
    s.onAck(ack(pn + 2, 0b1n), declaredAt + 1);
    return declaredAt + 2;
  }
  const defaultLossDelay = (s: Sender) => Math.max(0.25, (9 / 8) * Math.max(s.rtt.srtt, s.rtt.latest));

  function widened() {
    const { s, counters } = sender();
    s.rtt.sample(2); // a LAN: 2 ms
    // Ten packets; the ACK of the last nine comes first (packet 0 held up, as by a power-save hiccup).
    for (let pn = 0; pn < 10; pn++) {
      s.enqueue(Channel.RELIABLE_UNORDERED, new Uint8Array([pn]), false);
      sendAs(s, pn, 0);
    }
    s.onAck(ack(9, (1n << 8n) - 1n), 2);
    expect(sendAs(s, 10, 2)).toHaveLength(1);
    s.onAck(ack(10, (1n << 10n) - 1n), 18); // packet 0 arrived after all, 18 ms late: spurious
    expect(counters.spuriousRetransmits).toBe(1);
    expect(s.packetThreshold).toBe(10);
    expect(s.reorders).toBe(true);
    return { s, counters };
  }

  it(`keeps the widening for ${REORDER_PERSIST_RECOVERIES - 1} clean recoveries and drops it at the ${REORDER_PERSIST_RECOVERIES}th`, () => {
    const { s, counters } = widened();
    let now = 20;
    for (let i = 0; i < REORDER_PERSIST_RECOVERIES - 1; i++) now = recovery(s, 11 + 3 * i, now);
    expect(counters.retransmits).toBe(1 + REORDER_PERSIST_RECOVERIES - 1);
    expect(s.packetThreshold).toBe(10);
    expect(s.reorderMs).toBeGreaterThan(0);
    expect(s.lossDelayMs()).toBeGreaterThan(defaultLossDelay(s));
    expect(s.reorders).toBe(true);
    recovery(s, 11 + 3 * (REORDER_PERSIST_RECOVERIES - 1), now);
    expect(s.packetThreshold).toBe(PACKET_THRESHOLD);
    expect(s.reorderMs).toBe(0);
    expect(s.lossDelayMs()).toBe(defaultLossDelay(s));
    expect(s.reorders).toBe(false);
    expect(counters.spuriousRetransmits).toBe(1);
  });

  it('the count starts again when the peer\'s packets arrive out of order, and the reordered flag is dropped the same way', () => {
    const { s } = widened();
    let now = 20;
    let pn = 11;
    for (let i = 0; i < REORDER_PERSIST_RECOVERIES - 1; i++, pn += 3) now = recovery(s, pn, now);
    s.noteReordering();
    for (let i = 0; i < REORDER_PERSIST_RECOVERIES - 1; i++, pn += 3) now = recovery(s, pn, now);
    expect(s.packetThreshold).toBe(10);
    expect(s.reorders).toBe(true);
    recovery(s, pn, now);
    expect(s.packetThreshold).toBe(PACKET_THRESHOLD);
    expect(s.reorders).toBe(false);
  });
});

describe('Sender refuses an ACK naming a packet it never sent (optimistic-ACK defence)', () => {
  it('above the newest sent, or in a skipped gap as its largest or by a mask bit; late ACKs of sent packets pass', () => {
    const { s } = sender();
    for (let pn = 0; pn < 10; pn++) s.onPacketSent(pn, 0, [], false);
    s.skip(10, 100); // an address move: 10..99 are never sent
    for (let pn = 100; pn < 200; pn++) s.onPacketSent(pn, 0, [], false);
    const bits = (...pns: number[]) => (largest: number) => pns.reduce((m, pn) => m | (1n << BigInt(largest - 1 - pn)), 0n);
    expect(s.namesUnsent(ack(200))).toBe(true);
    expect(s.namesUnsent(ack(199, bits(198, 150, 136)(199)))).toBe(false); // bit 62: 136, in reach
    expect(s.namesUnsent(ack(100))).toBe(false);
    expect(s.namesUnsent(ack(99))).toBe(true);
    expect(s.namesUnsent(ack(10))).toBe(true);
    expect(s.namesUnsent(ack(100, bits(99)(100)))).toBe(true);
    expect(s.namesUnsent(ack(163, bits(100, 99)(163)))).toBe(true); // bit 63: 99, the last one in reach
    expect(s.namesUnsent(ack(164, bits(100)(164)))).toBe(false); // 99 is out of its reach
    expect(s.namesUnsent(ack(120, bits(119, 110, 100)(120)))).toBe(false);
    expect(s.namesUnsent(ack(120, bits(110, 60)(120)))).toBe(true);
    // A late ACK from before the move, its mask full (bits below 0 name nothing).
    expect(s.namesUnsent(ack(9, (1n << 64n) - 1n))).toBe(false);
    expect(s.onAck(ack(9, (1n << 64n) - 1n), 1)).toBe(true);
    expect(s.onAck(ack(50), 1)).toBe(false);
    expect(s.acknowledgedUpTo).toBe(9);
  });
});
