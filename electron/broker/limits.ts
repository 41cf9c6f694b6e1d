import { isIPv4, isIPv6 } from 'node:net';
import { inPrefix, ipv6Groups, machinePrefixes, type Prefix } from './on-link';

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
    /** Where it starts (a device's level carried from its last session); full by default. */
    tokens = burst,
  ) {
    this.tokens = Math.min(burst, Math.max(0, tokens));
    this.last = now;
  }

  take(now: number, cost = 1): boolean {
    this.refill(now);
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** The tokens stored at `now`, refilled as take() would, none taken. */
  level(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
      this.last = now;
    } else if (now < this.last) {
      // A clock that went back (the broker feeds a monotonic one; other callers may not): gain
      // nothing for it, but refill from here on rather than starve until it passes `last` again.
      this.last = now;
    }
  }
}

/**
 * The key per-address state is kept under. An IPv6 host can usually pick any address of its /64
 * (2^64 of them), so one key per /64, except on the machine's own links (`prefixes`, default: its
 * interfaces now; link-local fe80::/10 always): on a SLAAC home LAN every device shares one /64,
 * and one compromised gadget must not spend the budgets of all the others, so there each address
 * is its own key. An IPv4 client that a dual-stack listener reports as ::ffff:a.b.c.d is the same
 * client as a.b.c.d. Loopback keeps its own key ('127.0.0.1', '::1'); anything that is not an IP
 * address ('unknown', in-memory streams) is its own key.
 */
export function addressKey(address: string, prefixes?: readonly Prefix[]): string {
  // A zone id (fe80::1%eth0) names our interface, not the peer.
  const ip = address.split('%', 1)[0]!;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return address;
  const g = ipv6Groups(ip);
  const zeros = (n: number): boolean => g.slice(0, n).every((x) => x === 0);
  if (zeros(5) && g[5] === 0xffff) return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  if (zeros(7) && g[7] === 1) return '::1';
  const hex = (groups: number[]): string => groups.map((x) => x.toString(16)).join(':');
  const linkLocal = (g[0]! & 0xffc0) === 0xfe80;
  if (linkLocal || (prefixes ?? machinePrefixes.get()).some((p) => inPrefix(g, p))) return hex(g);
  return `${hex(g.slice(0, 4))}::/64`;
}

interface FailureRecord {
  score: number;
  at: number;
}

/**
 * Failed logins per source address, as addressKey() maps it (an off-link IPv6 /64 is one address). Each
 * failure (counted when the attempt arrives, see attempt()) raises the address's score; the score
 * halves every `halfLifeMs`. A login from an address with score s is answered after
 * base * 2^(s-1) ms, capped at `maxMs`: an attacker is slowed down, but the real device behind the
 * same address still logs in (the cap stays below the firmware's login timeout). An IPv6 failure
 * also counts for its /48 and its /32, and the largest delay applies: a site's /48 holds 65,536
 * /64s and a provider's /32 65,536 /48s, each fresh to an attacker rotating through them. Bounded:
 * at most `maxAddresses` records are remembered, the oldest forgotten first (a prefix under attack
 * is refreshed by every failure).
 */
export class LoginThrottle {
  private readonly records = new Map<string, FailureRecord>();

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly halfLifeMs: number,
    private readonly maxAddresses = 10_000,
    /** The records an address counts in (the broker's: recordKeys() with its interfaces). */
    private readonly keysOf: (address: string) => string[] = recordKeys,
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

  /** The largest delay of the address's records (its own, and its /48's and /32's for IPv6). */
  delayFor(address: string, now: number): number {
    let delay = 0;
    for (const key of this.keysOf(address)) delay = Math.max(delay, this.delayOf(key, now));
    return delay;
  }

  failed(address: string, now: number): void {
    for (const key of this.keysOf(address)) this.fail(key, now);
  }

  /** After attempt() with a correct token: takes its failure back, and one more, in each record. */
  succeeded(address: string): void {
    // A good login does not wipe an attacker's record at a shared address; it only stops growth.
    for (const key of this.keysOf(address)) {
      const record = this.records.get(key);
      if (!record) continue;
      record.score -= 2;
      if (record.score <= 0) this.records.delete(key);
    }
  }

  get size(): number {
    return this.records.size;
  }

  private delayOf(key: string, now: number): number {
    const score = this.score(key, now);
    if (score < 0.5) return 0;
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.max(0, score - 1));
  }

  private fail(key: string, now: number): void {
    const score = this.score(key, now) + 1;
    this.records.delete(key);
    this.records.set(key, { score, at: now });
    if (this.records.size > this.maxAddresses) {
      const oldest = this.records.keys().next().value;
      if (oldest !== undefined) this.records.delete(oldest);
    }
  }

  private score(key: string, now: number): number {
    const record = this.records.get(key);
    if (!record) return 0;
    // max(0, ...): a clock that went back must not multiply the score.
    return record.score * 0.5 ** (Math.max(0, now - record.at) / this.halfLifeMs);
  }
}

/**
 * The records (throttle, connection rate) an address counts in: its addressKey(), and for an
 * off-link IPv6 /64 its /48 and /32. An on-link address is its own key and no more: its /48 is the
 * one every device of the LAN is in.
 */
export function recordKeys(address: string, prefixes?: readonly Prefix[]): string[] {
  const key = addressKey(address, prefixes);
  if (!key.endsWith('::/64')) return [key];
  // '2001:db8:1:2::/64' -> '2001:db8:1::/48' and '2001:db8::/32' (addressKey() writes the first four groups).
  return [key, `${key.split(':', 3).join(':')}::/48`, `${key.split(':', 2).join(':')}::/32`];
}
