/**
 * Whether the UDP endpoint drops datagrams now, not only since the start: the hub's once-a-second
 * tick hands the transport's cumulative counters here, and every `stepMs` the step's increase per
 * second is kept in a ring of windowMs / stepMs steps (180 for 15 minutes at 5 s). Two preallocated
 * Float64Arrays: a sample allocates nothing, and nothing grows whether or not a UI ever asks.
 */
import { noUdpDrops, UDP_DROP_RATE, type UdpDropRate, type UdpDropRatePoint, type UdpDropReason, type UdpEndpointDrops } from '../../shared/api/contract';

/** Every counter of the endpoint but migrations (moves, not drops). */
const DROP_RATE_REASONS = Object.keys(noUdpDrops()).filter((k): k is UdpDropReason => k !== 'migrations');
const NR = DROP_RATE_REASONS.length;
/** A tick a little early (timer jitter) still closes its step: steps stay 5 s, not 6. */
const EARLY_MS = 250;

export class UdpDropRateSampler {
  private readonly slots: number;
  private readonly ts: Float64Array;
  private readonly perSecond: Float64Array;
  private start = 0;
  private count = 0;
  /** The counters and time of the last step's end (the baseline of the next); null before the first look. */
  private readonly last = new Float64Array(NR);
  private lastAt: number | null = null;

  constructor(
    readonly stepMs: number = UDP_DROP_RATE.stepMs,
    readonly windowMs: number = UDP_DROP_RATE.windowMs,
  ) {
    this.slots = Math.ceil(windowMs / stepMs);
    this.ts = new Float64Array(this.slots);
    this.perSecond = new Float64Array(this.slots * NR);
  }

  /** The transport's counters at `now` (wall-clock ms): closes a step once stepMs have passed since the last. */
  sample(drops: UdpEndpointDrops, now: number): void {
    if (this.lastAt !== null && now < this.lastAt) this.count = 0; // the clock went back: start over, points stay oldest first
    else if (this.lastAt !== null) {
      const elapsed = now - this.lastAt;
      if (elapsed < this.stepMs - EARLY_MS) return;
      const at = (this.start + this.count) % this.slots;
      this.ts[at] = now;
      for (let i = 0; i < NR; i++) this.perSecond[at * NR + i] = Math.max(0, drops[DROP_RATE_REASONS[i]!] - this.last[i]!) / (elapsed / 1000);
      if (this.count < this.slots) this.count++;
      else this.start = (this.start + 1) % this.slots;
    }
    // the first look only sets the baseline: drops from before it are not a burst now
    for (let i = 0; i < NR; i++) this.last[i] = drops[DROP_RATE_REASONS[i]!];
    this.lastAt = now;
  }

  /** The steps that ended within windowMs before `now`, oldest first. */
  rate(now: number): UdpDropRate {
    const points: UdpDropRatePoint[] = [];
    for (let k = 0; k < this.count; k++) {
      const at = (this.start + k) % this.slots;
      if (this.ts[at]! <= now - this.windowMs) continue;
      const perSecond: UdpDropRatePoint['perSecond'] = {};
      for (let i = 0; i < NR; i++) {
        const v = this.perSecond[at * NR + i]!;
        if (v > 0) perSecond[DROP_RATE_REASONS[i]!] = v;
      }
      points.push({ ts: this.ts[at]!, perSecond });
    }
    return { stepMs: this.stepMs, windowMs: this.windowMs, points };
  }
}

/** The rate of a host without UDP: no steps. */
export function noUdpDropRate(): UdpDropRate {
  return { stepMs: UDP_DROP_RATE.stepMs, windowMs: UDP_DROP_RATE.windowMs, points: [] };
}
