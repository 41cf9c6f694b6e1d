import { TokenBucket } from './limits';

/** Past this many devices tracked, buckets that have refilled completely are forgotten. */
const PRUNE_FLOOR = 1024;

/**
 * BROADCASTs per device: one costs its sender a single token but puts a frame in every other
 * session's queue, so it has its own, much smaller bucket than messages. Keyed by device id, so a
 * reconnect does not refill it. A full bucket is the same as a new one, so forgetting full buckets
 * (when the map grows) loses nothing.
 */
export class BroadcastLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private pruneAt = PRUNE_FLOOR;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes a token for one broadcast from `device`; false when it is over its broadcast rate. */
  take(device: string, now: number): boolean {
    let bucket = this.buckets.get(device);
    if (!bucket) {
      if (this.buckets.size >= this.pruneAt) this.prune(now);
      bucket = new TokenBucket(this.ratePerSecond, this.burst, now);
      this.buckets.set(device, bucket);
    }
    return bucket.take(now);
  }

  get tracked(): number {
    return this.buckets.size;
  }

  private prune(now: number): void {
    for (const [device, bucket] of this.buckets) if (bucket.level(now) >= this.burst) this.buckets.delete(device);
    this.pruneAt = Math.max(PRUNE_FLOOR, this.buckets.size * 2);
  }
}
