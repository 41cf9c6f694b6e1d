/**
 * A 64-packet sliding window over packet numbers: the replay window (advanced only after a datagram
 * authenticates) and the record of what to acknowledge. Bit i of `mask` = packet largest-1-i seen.
 */
export const WINDOW_SIZE = 64;
const ALL = (1n << 64n) - 1n;

export type WindowCheck = 'new' | 'duplicate' | 'too_old';

export class SlidingWindow {
  largest = -1;
  mask = 0n;

  check(pn: number): WindowCheck {
    if (pn > this.largest) return 'new';
    if (pn === this.largest) return 'duplicate';
    const back = this.largest - pn - 1;
    if (back >= WINDOW_SIZE) return 'too_old';
    return (this.mask >> BigInt(back)) & 1n ? 'duplicate' : 'new';
  }

  /** Records pn; call only after check() said 'new' (and, for replay, after authentication). */
  accept(pn: number): void {
    if (pn > this.largest) {
      const shift = pn - this.largest;
      // The old largest moves to bit shift-1; beyond 64 everything falls out of the window.
      if (this.largest < 0 || shift > WINDOW_SIZE) this.mask = 0n;
      else this.mask = ((this.mask << BigInt(shift)) | (1n << BigInt(shift - 1))) & ALL;
      this.largest = pn;
      return;
    }
    const back = this.largest - pn - 1;
    if (back >= 0 && back < WINDOW_SIZE) this.mask |= 1n << BigInt(back);
  }
}
