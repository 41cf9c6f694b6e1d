import { type DirectionKey, nextDirectionKey } from './crypto';

/**
 * Key phases (docs/PROTOCOL.md 9.3). The sender moves to the next key after `rekeyAfter` packets
 * (well under AES-GCM's per-key limits) and flips the phase bit, but only once the peer has
 * acknowledged a packet of the current phase, so the receiver is never more than one phase behind.
 */
export class SendKeys {
  phase: 0 | 1 = 0;
  private packets = 0;
  private phaseStart = 0;

  constructor(
    public key: DirectionKey,
    private readonly rekeyAfter: number,
  ) {}

  /**
   * True when the key is used up and cannot be updated (the peer acknowledged nothing sealed under
   * it): twice the update interval, QUIC's 2^23 AES-GCM limit with the defaults. The sender stops.
   */
  exhausted(acknowledgedUpTo: number): boolean {
    return this.packets >= 2 * this.rekeyAfter && acknowledgedUpTo < this.phaseStart;
  }

  /** Call before sealing packet `pn`; returns true when a key update happened. */
  beforeSend(pn: number, acknowledgedUpTo: number): boolean {
    let updated = false;
    if (this.packets >= this.rekeyAfter && acknowledgedUpTo >= this.phaseStart) {
      this.key = nextDirectionKey(this.key);
      this.phase = (this.phase ^ 1) as 0 | 1;
      this.packets = 0;
      this.phaseStart = pn;
      updated = true;
    }
    this.packets++;
    return updated;
  }
}

export class RecvKeys {
  phase: 0 | 1 = 0;
  private previous: DirectionKey | null = null;
  private next: DirectionKey;
  private phaseStart = 0;

  constructor(public current: DirectionKey) {
    this.next = nextDirectionKey(current);
  }

  /** The key to try for a packet; no derivation happens here (the next key is precomputed). */
  select(phase: 0 | 1, pn: number): { key: DirectionKey; isNext: boolean } {
    if (phase === this.phase) return { key: this.current, isNext: false };
    if (pn < this.phaseStart && this.previous) return { key: this.previous, isNext: false };
    return { key: this.next, isNext: true };
  }

  /** After a packet authenticated under the next key. */
  advance(pn: number): void {
    this.previous = this.current;
    this.current = this.next;
    this.next = nextDirectionKey(this.current);
    this.phase = (this.phase ^ 1) as 0 | 1;
    this.phaseStart = pn;
  }
}
