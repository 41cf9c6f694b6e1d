import { TokenBucket } from './limits';

/**
 * How many times one address's budget the wider records of an off-link IPv6 peer get (recordKeys:
 * its /64, /48, /32). A /64 that rotates its addresses is one address; a /48 (or a /56) that
 * rotates its /64s spends the /48's budget; yet one /64 alone cannot empty its /48's, nor one /48
 * its /32's, so its neighbours at the same site or provider still get in.
 */
const WIDER_BUDGET = [1, 4, 8];

/**
 * New connections per source address: a token bucket per record (PeerKeys.rateKeys), so an
 * address that opens and resets connections as fast as it can spends its own budget, checked before
 * the broker-wide one, which it can then no longer empty for every other device. Bounded: at most
 * `maxRecords` buckets, the least recently used forgotten first (a forgotten one had long refilled;
 * a prefix under attack is refreshed by every connection).
 */
export class ConnectionRates {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly keysOf: (address: string) => string[],
    private readonly maxRecords = 10_000,
  ) {}

  /** Takes a token from each of the address's records, or none if one of them has none left. */
  take(address: string, now: number): boolean {
    const keys = this.keysOf(address);
    if (keys.length === 0) return true;
    const buckets = keys.map((key, level) => this.bucket(key, WIDER_BUDGET[level] ?? WIDER_BUDGET.at(-1)!, now));
    if (buckets.some((b) => b.level(now) < 1)) return false;
    for (const b of buckets) b.take(now);
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }

  private bucket(key: string, scale: number, now: number): TokenBucket {
    let bucket = this.buckets.get(key);
    if (bucket) this.buckets.delete(key);
    else bucket = new TokenBucket(this.rate * scale, this.burst * scale, now);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxRecords) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    return bucket;
  }
}
