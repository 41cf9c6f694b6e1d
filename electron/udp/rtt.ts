/**
 * Retransmission timeout per RFC 6298: SRTT/RTTVAR with alpha 1/8, beta 1/4, RTO = SRTT +
 * max(G, 4*RTTVAR), doubled on each timeout (5.5) and recomputed on the next sample. Every
 * retransmission leaves in a new packet number, so samples are never ambiguous (Karn's problem
 * does not arise). The floor is lower than RFC 6298's 1 s because these are LAN links (configurable).
 */
export interface RttConfig {
  initialRtoMs: number;
  minRtoMs: number;
  maxRtoMs: number;
  granularityMs: number;
}

export const DEFAULT_RTT: RttConfig = { initialRtoMs: 500, minRtoMs: 20, maxRtoMs: 2000, granularityMs: 2 };

export class RttEstimator {
  srtt = 0;
  rttvar = 0;
  latest = 0;
  samples = 0;
  private rto: number;
  private backoff = 1;

  constructor(private readonly config: RttConfig = DEFAULT_RTT) {
    this.rto = config.initialRtoMs;
  }

  sample(rttMs: number): void {
    const r = Math.max(0, rttMs);
    this.latest = r;
    if (this.samples === 0) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.samples++;
    this.backoff = 1;
    this.rto = this.srtt + Math.max(this.config.granularityMs, 4 * this.rttvar);
  }

  /**
   * How long a round trip plausibly takes: SRTT + max(G, 4 RTTVAR), the RTO without its floor and
   * backoff (the initial RTO before the first sample).
   */
  roundTripBoundMs(): number {
    return this.samples ? this.srtt + Math.max(this.config.granularityMs, 4 * this.rttvar) : this.config.initialRtoMs;
  }

  /** Current timeout including exponential backoff, clamped to [min, max]. */
  timeoutMs(): number {
    return Math.min(this.config.maxRtoMs, Math.max(this.config.minRtoMs, this.rto * this.backoff));
  }

  onTimeout(): void {
    if (this.rto * this.backoff < this.config.maxRtoMs) this.backoff *= 2;
  }

  /** The multiplier timeouts have applied since the last sample (1 = none). */
  get backoffFactor(): number {
    return this.backoff;
  }

  /** A timeout proved spurious (its packet's late ACK came): undo its doubling, as Eifel/F-RTO do. */
  restoreBackoff(before: number): void {
    this.backoff = Math.max(1, Math.min(this.backoff, before));
  }
}
