import { TokenBucket } from './limits';

/**
 * The message rate bucket belongs to the device, not to its connection: a device that logs in
 * again must not get a fresh burst. The bucket a closing session leaves is kept here (refilling
 * as time passes) for the device's next session, until it would be full again. Bounded: only
 * device ids with a token can log in, and at most `maxDevices` are kept, the oldest given up first.
 */
export class RateLevels {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly maxDevices = 10_000,
  ) {}

  /** A session of `id` closed with `tokens` in its bucket at `now` (monotonic ms). */
  keep(id: string, tokens: number, now: number): void {
    this.buckets.delete(id);
    this.dropFull(now);
    if (tokens >= this.burst) return;
    this.buckets.set(id, new TokenBucket(this.ratePerSecond, this.burst, now, tokens));
    if (this.buckets.size > this.maxDevices) this.buckets.delete(this.buckets.keys().next().value!);
  }

  /** The level the device's next session starts from, refilled to `now`, and forgotten here. */
  take(id: string, now: number): number {
    const kept = this.buckets.get(id);
    if (!kept) return this.burst;
    this.buckets.delete(id);
    return kept.level(now);
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Drops entries that are full again, oldest first (kept in the order they closed), up to the first that is not. */
  private dropFull(now: number): void {
    for (const [id, kept] of this.buckets) {
      if (kept.level(now) < this.burst) return;
      this.buckets.delete(id);
    }
  }
}
