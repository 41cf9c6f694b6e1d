import { type DirectionKey, nextDirectionKey, wipeKey } from './crypto';

/**
 * Key phases (docs/PROTOCOL.md 9.3). The sender moves to the next key after `rekeyAfter` packets
 * (well under AES-GCM's per-key limits) and flips the phase bit, but only once the peer has
 * acknowledged a packet of the current phase, so the receiver is never more than one phase behind.
 * A key no longer needed is zeroed at once (its buffer, not only the reference: the GC may keep it).
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
      const old = this.key;
      this.key = nextDirectionKey(old);
      wipeKey(old);
      this.phase = (this.phase ^ 1) as 0 | 1;
      this.packets = 0;
      this.phaseStart = pn;
      updated = true;
    }
    this.packets++;
    return updated;
  }

  /** The session is over: nothing is sealed again. */
  wipe(): void {
    wipeKey(this.key);
  }
}

/** The previous receive key is kept this many retransmission timeouts into a new phase (QUIC: 3 PTO). */
export const PREVIOUS_KEY_RTOS = 3;

export class RecvKeys {
  phase: 0 | 1 = 0;
  private previous: DirectionKey | null = null;
  /** When the previous key is dropped: a packet of the old phase arriving later is dropped too. */
  private previousUntil = -Infinity;
  private next: DirectionKey;
  private phaseStart = 0;

  constructor(public current: DirectionKey) {
    this.next = nextDirectionKey(current);
  }

  /**
   * The key to try for a packet, or null for a packet of the previous phase whose key is gone (too
   * late: dropped and counted). No derivation happens here (the next key is precomputed).
   */
  select(phase: 0 | 1, pn: number, now: number): { key: DirectionKey; isNext: boolean } | null {
    if (phase === this.phase) return { key: this.current, isNext: false };
    if (pn < this.phaseStart) {
      this.expire(now);
      return this.previous ? { key: this.previous, isNext: false } : null;
    }
    return { key: this.next, isNext: true };
  }

  /** After a packet authenticated under the next key; the previous key serves late packets until `keepPreviousUntil`. */
  advance(pn: number, keepPreviousUntil: number): void {
    if (this.previous) wipeKey(this.previous);
    this.previous = this.current;
    this.previousUntil = keepPreviousUntil;
    this.current = this.next;
    this.next = nextDirectionKey(this.current);
    this.phase = (this.phase ^ 1) as 0 | 1;
    this.phaseStart = pn;
  }

  /** Zeroes the previous key once its time is over (called as packets arrive and on heartbeats). */
  expire(now: number): void {
    if (!this.previous || now < this.previousUntil) return;
    wipeKey(this.previous);
    this.previous = null;
  }

  /** The session is over: every key it could still open with is zeroed. */
  wipe(): void {
    for (const k of [this.previous, this.current, this.next]) if (k) wipeKey(k);
    this.previous = null;
  }
}
