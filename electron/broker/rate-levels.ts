/**
 * The message rate bucket belongs to the device, not to its connection: a device that logs in
 * again must not get a fresh burst. The level a closing session leaves is kept here (refilled by
 * the time since) for the device's next session, until it would be full again. Bounded: only
 * device ids with a token can log in, and at most `maxDevices` are kept, the oldest given up first.
 */
export class RateLevels {
  private readonly levels = new Map<string, { tokens: number; at: number; fullAt: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly maxDevices = 10_000,
  ) {}

  /** A session of `id` closed with `tokens` in its bucket at `now` (monotonic ms). */
  keep(id: string, tokens: number, now: number): void {
    this.levels.delete(id);
    this.dropFull(now);
    if (tokens >= this.burst) return;
    const fullAt = this.ratePerSecond > 0 ? now + ((this.burst - tokens) * 1000) / this.ratePerSecond : Infinity;
    this.levels.set(id, { tokens, at: now, fullAt });
    if (this.levels.size > this.maxDevices) this.levels.delete(this.levels.keys().next().value!);
  }

  /** The level the device's next session starts from, refilled to `now`, and forgotten here. */
  take(id: string, now: number): number {
    const kept = this.levels.get(id);
    if (!kept) return this.burst;
    this.levels.delete(id);
    return Math.min(this.burst, kept.tokens + (Math.max(0, now - kept.at) * this.ratePerSecond) / 1000);
  }

  get size(): number {
    return this.levels.size;
  }

  /** Drops entries that are full again, oldest first (kept in the order they closed). */
  private dropFull(now: number): void {
    for (const [id, kept] of this.levels) {
      if (kept.fullAt > now) return;
      this.levels.delete(id);
    }
  }
}
