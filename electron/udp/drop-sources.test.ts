import { describe, expect, it } from 'vitest';
import { DropSources } from './drop-sources';

describe('DropSources: who sent the dropped datagrams, in bounded memory', () => {
  it('counts per address with its last reason, most first', () => {
    const t = new DropSources<'header' | 'authFailed'>(4, 60_000);
    for (let i = 0; i < 3; i++) t.record('10.0.0.1', 'header', 100 + i);
    t.record('10.0.0.2', 'authFailed', 200);
    t.record('10.0.0.1', 'authFailed', 300);
    expect(t.top(10, 1300)).toEqual([
      { address: '10.0.0.1', count: 4, lastReason: 'authFailed', agoMs: 1000 },
      { address: '10.0.0.2', count: 1, lastReason: 'authFailed', agoMs: 1100 },
    ]);
    expect(t.top(1, 1300).map((s) => s.address)).toEqual(['10.0.0.1']);
  });

  it('never holds more than its capacity, and a heavy sender survives 100,000 spoofed one-datagram addresses', () => {
    const t = new DropSources<'header'>(16, 60_000);
    let now = 0;
    for (let i = 0; i < 100_000; i++) {
      // one real attacker sends every 4th datagram; the rest come from a new (spoofed) address each time
      t.record(i % 4 === 0 ? '192.0.2.7' : `198.18.${(i >> 8) & 255}.${i & 255}`, 'header', now++);
      if (t.size > 16) throw new Error(`${t.size} addresses tracked after ${i + 1} datagrams`);
    }
    expect(t.size).toBe(16);
    expect(t.evicted).toBe(75_000 - 15);
    const top = t.top(3, now);
    expect(top[0]).toMatchObject({ address: '192.0.2.7', count: 25_000 });
    expect(top[1]!.count).toBe(1);
  });

  it('evicts an address silent for forgetMs first, and no longer lists it', () => {
    const t = new DropSources<'header'>(2, 1_000);
    for (let i = 0; i < 50; i++) t.record('10.0.0.1', 'header', 0); // heavy but long ago
    t.record('10.0.0.2', 'header', 1_500);
    expect(t.top(10, 1_500).map((s) => s.address)).toEqual(['10.0.0.2']);
    t.record('10.0.0.3', 'header', 1_600); // the stale heavy one makes room, not the recent one
    expect(t.top(10, 1_600).map((s) => s.address).sort()).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(t.size).toBe(2);
  });

  it('reuses the evicted entry for a newcomer (no object per spoofed datagram)', () => {
    const t = new DropSources<'header'>(1, 60_000);
    t.record('10.0.0.1', 'header', 0);
    const map = (t as unknown as { byAddress: Map<string, object> }).byAddress;
    const entry = map.get('10.0.0.1');
    t.record('10.0.0.2', 'header', 1);
    expect(map.get('10.0.0.2')).toBe(entry);
    expect(map.has('10.0.0.1')).toBe(false);
  });
});
