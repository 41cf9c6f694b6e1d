import { describe, expect, it } from 'vitest';
import { DEFAULT_UDP_CONFIG, type UdpConfig } from './config';
import { type Fragment, ReassemblyBudget, Reassembler } from './reassembly';
import { simulatedSession } from './simulated';

/**
 * Reassembly caps reserve a partial message's declared total when its first fragment comes and take
 * every later fragment of it. Before, the caps counted arrived bytes and refused any fragment over
 * them, also the missing ones of messages already started: under loss, several large messages could
 * fill the caps half-arrived and none could ever complete (the session stalled until it died).
 */
const limits = DEFAULT_UDP_CONFIG.reassembly; // 16 partials and 256 KiB per peer, messages up to 65535 bytes
const FRAGMENT = 1100;

/** The fragments a sender would make of `total` bytes (message `seq` filled with its own byte). */
function fragments(key: number, total: number, unreliable = false): Fragment[] {
  const count = Math.ceil(total / FRAGMENT);
  return Array.from({ length: count }, (_, index) => ({
    key,
    unreliable,
    index,
    count,
    total,
    deflate: false,
    data: new Uint8Array(Math.min(FRAGMENT, total - index * FRAGMENT)).fill((key + index) & 0xff),
  }));
}

function bytesOf(parts: Fragment[]): Buffer {
  const out = Buffer.alloc(parts[0]!.total);
  parts.forEach((p) => out.set(p.data, p.index * FRAGMENT));
  return out;
}

describe('reassembly under loss with several large messages in flight', () => {
  it('8 messages of 60,000 bytes, each missing 2 fragments on the first pass, all complete when the missing ones come again', () => {
    const budget = new ReassemblyBudget(1024, 16 * 1024 * 1024);
    const r = new Reassembler(limits, budget);
    const messages = Array.from({ length: 8 }, (_, i) => fragments(i + 1, 60_000));
    const taken = messages.map((m) => m.map(() => false));
    const completed = new Map<number, Uint8Array>();
    const refusals: string[] = [];
    const heldWithin: boolean[] = [];
    // What a reliable sender does: every fragment not taken goes again, next round.
    for (let round = 0; round < 20 && completed.size < messages.length; round++) {
      messages.forEach((m, i) =>
        m.forEach((f, j) => {
          if (taken[i]![j]) return;
          // The first pass loses fragments 20 and 54 (the last) of every message.
          if (round === 0 && (j === 20 || j === 54)) return;
          const out = r.add(f, round);
          if (out.kind === 'refused') return void refusals.push(out.reason);
          expect(out.kind).not.toBe('dropped');
          taken[i]![j] = true;
          if (out.kind === 'complete') completed.set(f.key, out.data);
        }),
      );
      // What is reserved stays within the cap, and what arrived within that.
      expect(r.partialBytes).toBeLessThanOrEqual(limits.perPeerBytes);
      heldWithin.push(r.heldBytes <= r.partialBytes);
    }
    expect([...completed.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const m of messages) expect(Buffer.from(completed.get(m[0]!.key)!).equals(bytesOf(m))).toBe(true);
    expect(heldWithin.every(Boolean)).toBe(true);
    // Four fit the 256 KiB at once (4 x 60,000); the others were refused whole until room came.
    expect(refusals.length).toBeGreaterThan(0);
    expect(new Set(refusals)).toEqual(new Set(['peer_bytes']));
    expect([r.partialCount, r.partialBytes, r.heldBytes, budget.partials, budget.bytes, budget.held]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('a fragment of a partial already started is taken even while the caps are full', () => {
    const budget = new ReassemblyBudget(1024, 16 * 1024 * 1024);
    const r = new Reassembler(limits, budget);
    const four = [1, 2, 3, 4].map((k) => fragments(k, 65_535));
    for (const m of four) expect(r.add(m[0]!, 0).kind).toBe('partial');
    expect(r.partialBytes).toBe(4 * 65_535); // 262,140 of 262,144
    expect(r.add(fragments(5, 2000)[0]!, 0)).toEqual({ kind: 'refused', reason: 'peer_bytes' });
    for (const m of four) for (const f of m.slice(1)) r.add(f, 1);
    expect(r.partialCount).toBe(0);
    expect(r.add(fragments(5, 2000)[0]!, 1).kind).toBe('partial');
  });
});

describe('reassembly against hostile declarations', () => {
  const huge = (key: number, unreliable = false): Fragment => ({ key, unreliable, index: 0, count: 60, total: 65_535, deflate: false, data: new Uint8Array(FRAGMENT).fill(0x41) });

  it('10,000 first fragments declaring 64 KiB reserve at most the 256 KiB cap, refusals counted by cap; another peer is unaffected', () => {
    const budget = new ReassemblyBudget(1024, 16 * 1024 * 1024);
    const hostile = new Reassembler(limits, budget);
    const honest = new Reassembler(limits, budget);
    let admitted = 0;
    for (let i = 0; i < 10_000; i++) {
      const out = hostile.add(huge(i), 0);
      if (out.kind === 'partial') admitted++;
      else expect(out).toEqual({ kind: 'refused', reason: 'peer_bytes' });
    }
    // A declaration reserves no more than a legitimate 65,535-byte message would: 4 fit.
    expect(admitted).toBe(4);
    expect([hostile.partialBytes, hostile.heldBytes]).toEqual([4 * 65_535, 4 * FRAGMENT]);
    expect(budget.refused).toEqual({ peer_partials: 0, peer_bytes: 9_996, global_partials: 0, global_bytes: 0 });
    // Many small declarations meet the partials cap instead.
    for (let i = 0; i < 100; i++) hostile.add({ ...huge(20_000 + i), count: 2, total: 2000 }, 0);
    expect(budget.refused.peer_bytes).toBe(10_096); // no room left for even 2,000 bytes
    const other = new Reassembler(limits, budget);
    for (let i = 0; i < 100; i++) expect(other.add({ ...huge(i), count: 2, total: 2000 }, 0).kind).toBe(i < 16 ? 'partial' : 'refused');
    expect(budget.refused.peer_partials).toBe(84);
    // The honest peer's large messages are not held back by either.
    for (let k = 0; k < 10; k++) {
      const m = fragments(k, 60_000);
      const outs = m.map((f) => honest.add(f, 0).kind);
      expect(outs.at(-1)).toBe('complete');
    }
    // Expiry gives every reservation back.
    expect(hostile.expire(limits.timeoutMs).length).toBe(4);
    other.clear();
    expect([budget.partials, budget.bytes, budget.held]).toEqual([0, 0, 0]);
  });

  it('the transport-wide caps bound many hostile peers together (refused as global_bytes / global_partials)', () => {
    const budget = new ReassemblyBudget(10, 300_000);
    const peers = Array.from({ length: 5 }, () => new Reassembler(limits, budget));
    peers.forEach((p, n) => {
      for (let i = 0; i < 100; i++) p.add(huge(i + 1000 * n), 0);
    });
    expect(budget.bytes).toBe(4 * 65_535); // a fifth 64 KiB would pass 300,000
    expect(budget.refused.global_bytes).toBeGreaterThan(0);
    peers.forEach((p, n) => {
      for (let i = 0; i < 100; i++) p.add({ ...huge(i + 1000 * n + 500), count: 2, total: 2000 }, 0);
    });
    expect(budget.partials).toBe(10);
    expect(budget.refused.global_partials).toBeGreaterThan(0);
    expect(budget.bytes).toBeLessThanOrEqual(300_000);
    for (const p of peers) p.clear();
    expect([budget.partials, budget.bytes, budget.held]).toEqual([0, 0, 0]);
  });

  it('an unreliable partial gives way to a newer partial of the same peer (counted); a reliable one never does', () => {
    const budget = new ReassemblyBudget(1024, 16 * 1024 * 1024);
    let evicted = 0;
    const r = new Reassembler(limits, budget, () => evicted++);
    for (let k = 0; k < 4; k++) r.add(huge(k, true), 0); // four unreliable messages, each missing the rest
    expect(r.add(huge(10), 1).kind).toBe('partial'); // a reliable one: the oldest unreliable made room
    expect([evicted, budget.evicted, r.has(0), r.has(1)]).toEqual([1, 1, false, true]);
    for (let k = 11; k < 14; k++) expect(r.add(huge(k), 1).kind).toBe('partial');
    expect(evicted).toBe(4);
    // Only reliable partials left: a newer message, reliable or not, waits.
    expect(r.add(huge(20), 2)).toEqual({ kind: 'refused', reason: 'peer_bytes' });
    expect(r.add(huge(21, true), 2)).toEqual({ kind: 'refused', reason: 'peer_bytes' });
    expect(r.partialBytes).toBe(4 * 65_535);
    // Nothing gives way when that would not make room: the held partials stay.
    const small = new Reassembler({ ...limits, perPeerBytes: 65_535 }, budget, () => evicted++);
    expect(small.add({ ...huge(30, true), total: 30_000 }, 0).kind).toBe('partial');
    expect(small.add({ ...huge(31), total: 40_000 }, 0).kind).toBe('partial'); // 70,000 > 65,535: the unreliable one went
    expect(small.has(30)).toBe(false);
    expect(evicted).toBe(5);
  });
});

describe('large messages end to end under loss (simulated link, chosen datagrams dropped)', () => {
  const text = (b: Uint8Array) => new TextDecoder().decode(b);

  /**
   * 12 messages of about 60 KB from the device, half ordered, half unordered; every 4th of the first
   * 600 datagrams it sends is lost (retransmissions too). Before, the broker's 256 KiB filled with
   * half-arrived messages, refused their missing fragments, and the device's session closed 12 s
   * later when a reliable partial expired, none of the 12 delivered.
   */
  function run(config?: Partial<UdpConfig>, deviceConfig?: Partial<UdpConfig>) {
    const s = simulatedSession({ config, deviceConfig });
    s.clock.run(100, () => s.transport.isOpen('dev-1'));
    const wire = s.net as unknown as { carry: (d: Uint8Array, from: { address: string; port: number }, to: string) => void };
    const carry = wire.carry.bind(s.net);
    let fromDevice = 0;
    wire.carry = (d, from, to) => {
      if (from.port === 40000 && fromDevice++ < 600 && fromDevice % 4 === 0) return;
      carry(d, from, to);
    };
    const N = 12;
    const results: string[] = [];
    for (let i = 0; i < N; i++) s.client.send('server', `{"i":${i},"pad":"${'p'.repeat(60_000)}"}`, i % 2 ? 'ordered' : 'unordered', (e) => results.push(e ? e.message : 'ok'));
    s.clock.run(s.clock.now() + 60_000, () => results.length === N);
    const got = s.atBroker.map((e) => JSON.parse(text(e.payload)).i as number).sort((a, b) => a - b);
    return { s, N, results, got, counters: s.transport.sessions()[0]?.counters ?? null, closes: s.closes };
  }

  it('every message arrives and the session stays open', () => {
    const r = run();
    expect(r.closes).toEqual([]);
    expect(r.results).toEqual(Array(r.N).fill('ok'));
    expect(r.got).toEqual(Array.from({ length: r.N }, (_, i) => i));
    // The device keeps its started messages within the broker's caps: nothing needed refusing.
    expect(r.counters!.reassemblyRefused).toBe(0);
    expect(r.s.transport.budget.bytes).toBe(0);
  });

  /**
   * The broker's caps (130,000 bytes) hold two such messages at a time, the device assumes the
   * defaults (256 KiB: four). Raising the device's caps instead would prove nothing: its flight, 64
   * packet numbers past the oldest packet in flight (9.5), starts too few of these messages at once
   * to fill the broker's default caps.
   */
  it('a device that assumes larger caps than the broker (4 messages at once, the broker takes 2) is refused whole messages, never the rest of one, and gets through', () => {
    const r = run({ reassembly: { ...DEFAULT_UDP_CONFIG.reassembly, perPeerBytes: 130_000 } }, { reassembly: DEFAULT_UDP_CONFIG.reassembly });
    expect(r.closes).toEqual([]);
    expect(r.results).toEqual(Array(r.N).fill('ok'));
    expect(r.got).toEqual(Array.from({ length: r.N }, (_, i) => i));
    expect(r.counters!.reassemblyRefused).toBeGreaterThan(0);
    expect(r.counters!.reassemblyFailures).toBe(0);
    expect(r.s.transport.budget.refused.peer_bytes).toBe(r.counters!.reassemblyRefused);
    expect(r.s.transport.budget.bytes).toBe(0);
  });
});
