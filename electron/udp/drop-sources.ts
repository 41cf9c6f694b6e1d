/**
 * Which source addresses sent the datagrams the UDP endpoint dropped ("who is hitting the port"),
 * in bounded memory however many addresses spray. A flood can be 50k datagrams/s, so a known
 * address costs one Map lookup and a few field writes; a new one, when the table is full, takes the
 * slot (and the entry object) of the stalest or weakest address: a scan of at most `capacity`.
 *
 * Eviction is Space-Saving (Metwally et al.): the newcomer inherits the evicted score + 1, so an
 * address sending more than 1/capacity of the drops stays in the table even among spoofed
 * one-datagram sources, which only evict each other. The count shown is exact since the address was
 * (last) taken into the table; the score, which may overestimate, only orders evictions.
 */

export interface DropSource<R extends string> {
  address: string;
  /** Dropped datagrams from this address since it entered the table. */
  count: number;
  lastReason: R;
  /** ms since its last dropped datagram. */
  agoMs: number;
}

interface Entry<R> {
  address: string;
  count: number;
  score: number;
  lastReason: R;
  lastAt: number;
}

export class DropSources<R extends string> {
  private readonly byAddress = new Map<string, Entry<R>>();
  /** The same entries in an array: the eviction scan is a plain loop (no iterator per new address). */
  private readonly slots: Entry<R>[] = [];
  /** Addresses that left the table to make room (so a partial top list can say so). */
  evicted = 0;

  /**
   * @param capacity addresses tracked at most.
   * @param forgetMs an address with no drop for this long is evicted first and no longer listed.
   */
  constructor(
    readonly capacity: number,
    readonly forgetMs: number,
  ) {
    if (capacity < 1) throw new RangeError('capacity must be at least 1');
  }

  get size(): number {
    return this.byAddress.size;
  }

  record(address: string, reason: R, now: number): void {
    const known = this.byAddress.get(address);
    if (known) {
      known.count++;
      known.score++;
      known.lastReason = reason;
      known.lastAt = now;
      return;
    }
    if (this.slots.length < this.capacity) {
      const e = { address, count: 1, score: 1, lastReason: reason, lastAt: now };
      this.byAddress.set(address, e);
      this.slots.push(e);
      return;
    }
    const victim = this.victim(now);
    this.byAddress.delete(victim.address);
    this.evicted++;
    // reuse the evicted entry: no allocation for a spoofed flood of new addresses
    victim.score = this.isStale(victim, now) ? 1 : victim.score + 1;
    victim.address = address;
    victim.count = 1;
    victim.lastReason = reason;
    victim.lastAt = now;
    this.byAddress.set(address, victim);
  }

  /** The addresses with the most drops not older than forgetMs, most first (ties: most recent first). */
  top(limit: number, now: number): DropSource<R>[] {
    const live: Entry<R>[] = [];
    for (const e of this.slots) if (!this.isStale(e, now)) live.push(e);
    live.sort((a, b) => b.count - a.count || b.lastAt - a.lastAt);
    return live.slice(0, limit).map((e) => ({ address: e.address, count: e.count, lastReason: e.lastReason, agoMs: Math.max(0, now - e.lastAt) }));
  }

  /** Stale first (the least recent of them), else the lowest score (ties: the least recent). */
  private victim(now: number): Entry<R> {
    const slots = this.slots;
    let best = slots[0]!;
    let bestStale = this.isStale(best, now);
    for (let i = 1; i < slots.length; i++) {
      const e = slots[i]!;
      const stale = this.isStale(e, now);
      if (stale !== bestStale ? stale : stale ? e.lastAt < best.lastAt : e.score < best.score || (e.score === best.score && e.lastAt < best.lastAt)) {
        best = e;
        bestStale = stale;
      }
    }
    return best;
  }

  private isStale(e: Entry<R>, now: number): boolean {
    return now - e.lastAt > this.forgetMs;
  }
}
