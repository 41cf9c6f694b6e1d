import type { AckFrame } from '../../shared/protocol/udp/frames';
import type { UdpCounters } from './counters';
import type { RttEstimator } from './rtt';

/**
 * Packets declared lost whose fate is not yet known, in the spirit of F-RTO (RFC 5682) and Eifel
 * (RFC 3522). A declaration only triggers the retransmission; `lostPackets` counts a packet once an
 * ACK proves it. On a link that reorders, a packet sent after the declaration can arrive before the
 * suspect, so an ACK leaving the suspect out proves nothing by itself: it proves the loss only once
 * the suspect is older than the retransmission timeout (lost by the RTO's own standard, which
 * covers the link's delay variation; and an older ACK that covers it, itself overtaken, has come
 * by then). An ACK that covers
 * it proves the packet arrived and only its ACK was late: `spuriousRetransmits`, a timeout's
 * backoff is undone and the sender told (it widens its loss thresholds). Counting on proof, not
 * decrementing, keeps `lostPackets` monotonic, so the hub's per-interval deltas never show a loss
 * that is later taken back. Bounded: LOSS_SUSPECTS slots; when a new one needs room the oldest
 * gives way uncounted (nothing proved it lost). The firmware (UdpPeer) mirrors this.
 */
export const LOSS_SUSPECTS = 16;

const FREE = -1;

/** Whether the ACK acknowledges packet `pn` (its largest, or a bit of its 64-packet mask). */
export function ackCovers(ack: AckFrame, pn: number): boolean {
  if (pn === ack.largest) return true;
  const gap = ack.largest - pn - 1;
  return gap >= 0 && gap < 64 && ((ack.mask >> BigInt(gap)) & 1n) === 1n;
}

/**
 * A suspect an ACK threshold declared proved to have arrived: `ageMs` since it was sent, `reorder`
 * how many packets past it were acknowledged when it was declared.
 */
export type OnSpurious = (ageMs: number, reorder: number) => void;

export class LossSuspects {
  private readonly pn = new Array<number>(LOSS_SUSPECTS).fill(FREE);
  /** The first packet number sent after the declaration: only an ACK reaching it can prove the loss. */
  private readonly boundary = new Array<number>(LOSS_SUSPECTS).fill(0);
  private readonly sentAt = new Array<number>(LOSS_SUSPECTS).fill(0);
  /** The RTO backoff before the timeout that declared it; 0 when an ACK threshold did. */
  private readonly backoff = new Array<number>(LOSS_SUSPECTS).fill(0);
  /** Packets past it acknowledged when an ACK threshold declared it. */
  private readonly reorder = new Array<number>(LOSS_SUSPECTS).fill(0);
  /** Whether its declaration resent anything (a PING-only packet resends nothing). */
  private readonly resent = new Array<boolean>(LOSS_SUSPECTS).fill(true);
  private count = 0;

  constructor(
    private readonly counters: UdpCounters,
    private readonly rtt: RttEstimator,
    private readonly onSpurious: OnSpurious = () => {},
  ) {}

  /** `resent`: false when declaring it lost queued nothing again (a PING), so no retransmit was needless. */
  add(pn: number, sentAt: number, boundary: number, backoff: number, reorder = 0, resent = true): void {
    let slot = this.pn.indexOf(FREE);
    if (slot < 0) slot = this.oldest();
    else this.count++;
    this.pn[slot] = pn;
    this.boundary[slot] = boundary;
    this.sentAt[slot] = sentAt;
    this.backoff[slot] = backoff;
    this.reorder[slot] = reorder;
    this.resent[slot] = resent;
  }

  /** When suspect `pn` was sent, or undefined: its late ACK is still an RTT sample (unique numbers). */
  sentAtOf(pn: number): number | undefined {
    const slot = this.count ? this.pn.indexOf(pn) : -1;
    return slot < 0 ? undefined : this.sentAt[slot];
  }

  /** Decides every suspect this ACK proves arrived (spurious) or lost. */
  onAck(ack: AckFrame, now: number, lateAfterMs: number, reorders = true): void {
    for (let i = 0; this.count > 0 && i < LOSS_SUSPECTS; i++) {
      const pn = this.pn[i]!;
      if (pn === FREE) continue;
      if (ackCovers(ack, pn)) {
        if (this.resent[i]) this.counters.spuriousRetransmits++;
        // The declaration was needless all the same: its backoff and thresholds are put right.
        if (this.backoff[i]) this.rtt.restoreBackoff(this.backoff[i]!);
        // Less the time the ACK waited at the peer (as an RTT sample): a held ACK is no reordering.
        else this.onSpurious(now - this.sentAt[i]! - Math.min(ack.delayMs, 50), this.reorder[i]!);
      } else if (reorders && ack.largest - pn > 64) {
        // Out of this ACK's reach: on a link that reorders an older ACK that covers it may still
        // come, and no newer one can say. Nothing proved it either way: it gives way uncounted.
      } else if (ack.largest >= this.boundary[i]! && now - this.sentAt[i]! >= lateAfterMs) {
        this.counters.lostPackets++;
      } else continue;
      this.pn[i] = FREE;
      this.count--;
    }
  }

  /** The session ends: nothing proved these arrived, so they count as lost. */
  flush(): void {
    this.counters.lostPackets += this.count;
    this.pn.fill(FREE);
    this.count = 0;
  }

  get pending(): number {
    return this.count;
  }

  private oldest(): number {
    let slot = 0;
    for (let i = 1; i < LOSS_SUSPECTS; i++) if (this.pn[i]! < this.pn[slot]!) slot = i;
    return slot;
  }
}
