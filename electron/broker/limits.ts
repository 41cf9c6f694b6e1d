/**
 * Small rate-limiting building blocks. All take the time as an argument, so they are cheap
 * (no timers) and testable without waiting.
 */

/** Classic token bucket: `rate` tokens per second, at most `burst` stored. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now: number, cost = 1): boolean {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
      this.last = now;
    } else if (now < this.last) {
      // A clock that went back (the broker feeds a monotonic one; other callers may not): gain
      // nothing for it, but refill from here on rather than starve until it passes `last` again.
      this.last = now;
    }
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}

interface FailureRecord {
  score: number;
  at: number;
}

/**
 * Failed logins per source address. Each failure (counted when the attempt arrives, see
 * attempt()) raises the address's score; the score halves every `halfLifeMs`. A login from an
 * address with score s is answered after
 * base * 2^(s-1) ms, capped at `maxMs`: an attacker is slowed down, but the real device behind the
 * same address still logs in (the cap stays below the firmware's login timeout). Bounded: at
 * most `maxAddresses` are remembered, the oldest forgotten first.
 */
export class LoginThrottle {
  private readonly records = new Map<string, FailureRecord>();

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly halfLifeMs: number,
    private readonly maxAddresses = 10_000,
  ) {}

  /**
   * A LOGIN arrives: returns its delay and counts it as a failure right away, before its verdict.
   * Otherwise parallel attempts from one address would all get the delay of the first (none of
   * them has failed yet): 100 connections, 100 guesses at the first delay. Still capped at maxMs,
   * never a lockout; a correct token takes the failure back (succeeded()).
   */
  attempt(address: string, now: number): number {
    const delay = this.delayFor(address, now);
    this.failed(address, now);
    return delay;
  }

  delayFor(address: string, now: number): number {
    const score = this.score(address, now);
    if (score < 0.5) return 0;
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.max(0, score - 1));
  }

  failed(address: string, now: number): void {
    const score = this.score(address, now) + 1;
    this.records.delete(address);
    this.records.set(address, { score, at: now });
    if (this.records.size > this.maxAddresses) {
      const oldest = this.records.keys().next().value;
      if (oldest !== undefined) this.records.delete(oldest);
    }
  }

  /** After attempt() with a correct token: takes its failure back, and one more. */
  succeeded(address: string): void {
    // A good login does not wipe an attacker's record at a shared address; it only stops growth.
    const record = this.records.get(address);
    if (!record) return;
    record.score -= 2;
    if (record.score <= 0) this.records.delete(address);
  }

  get size(): number {
    return this.records.size;
  }

  private score(address: string, now: number): number {
    const record = this.records.get(address);
    if (!record) return 0;
    // max(0, ...): a clock that went back must not multiply the score.
    return record.score * 0.5 ** (Math.max(0, now - record.at) / this.halfLifeMs);
  }
}
