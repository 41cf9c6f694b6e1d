import { Channel, FRAGMENT_HEADER_BYTES, MSG_HEADER_BYTES, type AckFrame, type ChannelCode, writeMsg } from '../../shared/protocol/udp/frames';
import { WINDOW_SIZE } from '../../shared/protocol/udp/window';
import { LossSuspects } from './loss-suspects';
import { RttEstimator } from './rtt';
import type { UdpCounters } from './counters';

/**
 * The sending half of a session: message queues, fragmentation, the record of packets in flight,
 * loss detection (3 later packets acknowledged, the time threshold, or the RFC 6298 timeout) and
 * retransmission with bounded retries; a late ACK of a packet declared lost still delivers what it
 * carried. It knows nothing about crypto or sockets: Peer asks it to fill packets.
 */

export type SendDone = (error: Error | null) => void;

/**
 * Why a reliable message was not delivered; `unsent` when not one of its fragments ever left (the
 * peer cannot have it, so the caller may send it another way without the device seeing it twice).
 */
export class SendFailed extends Error {
  constructor(reason: string, readonly unsent: boolean) {
    super(reason);
  }
}

interface OutMessage {
  channel: ChannelCode;
  seq: number;
  unacked: number;
  finished: boolean;
  /** Some fragment of it has left at least once. */
  transmitted: boolean;
  /** Fragmented: the total the receiver reserves for it from its first fragment until it completes; else 0. */
  reserves: number;
  done: SendDone | undefined;
}

interface OutFragment {
  msg: OutMessage;
  seq: number;
  deflate: boolean;
  fragment: { index: number; count: number; total: number } | null;
  data: Uint8Array;
  acked: boolean;
  sends: number;
  /** Packets in flight that carry it (two for an idle duplicate): resent only when all are lost. */
  copies: number;
}

interface SentPacket {
  sentAt: number;
  frags: OutFragment[];
  ackEliciting: boolean;
}

export interface SenderConfig {
  /** Data bytes per fragment: chosen so a fragment, an ACK and the header always fit one datagram. */
  fragmentBytes: number;
  maxInFlightPackets: number;
  maxQueuedBytes: number;
  maxRetries: number;
  /** The receiver's window per reliable channel: never send a message further ahead than this. */
  window: number;
  /** The most the peer may announce (its WINDOW frame) is capped here. */
  maxWindow: number;
  /**
   * The peer's reassembly caps (docs/PROTOCOL.md 9.5, Fragmentation): fragmented messages started and not finished
   * stay within them, so the peer never has to refuse one for want of room (a refused packet is
   * resent and spends its retries).
   */
  reassembly: { partials: number; bytes: number };
}

/**
 * Loss thresholds (RFC 9002 6.1): a packet is lost once PACKET_THRESHOLD later packets are
 * acknowledged, or once it is older than 9/8 of the RTT while a later one is acknowledged. On a
 * link that reorders deeper than that (jitter as large as the RTT), each declaration proven
 * spurious (the packet arrived) widens this session's thresholds so it would not have been
 * declared, as Linux RACK-TLP (RFC 8985, its reorder window) and QUIC stacks (Chromium's adaptive
 * thresholds) do: the packet threshold to the reorder distance seen (at most the replay window,
 * past which no packet is in flight anyway), the time threshold to the age the packet reached (at
 * most the retransmission timeout, which would declare it anyway). A loss is still repaired by the
 * time threshold, about one reorder window after its RTT.
 */
export const PACKET_THRESHOLD = 3;
export const MAX_PACKET_THRESHOLD = WINDOW_SIZE;
/**
 * The widening is not for ever (RFC 8985 6.2, RACK's reo_wnd_persist): after this many loss
 * recoveries with no declaration proved spurious and no reordering seen, the thresholds go back to
 * the defaults, so one Wi-Fi power-save hiccup does not keep a LAN session's losses waiting for
 * about the RTO (and its ACK reserve on) for days. Reordering that persists widens them again.
 */
export const REORDER_PERSIST_RECOVERIES = 16;
/** Floor of the time threshold: below a millisecond, since LAN and loopback RTTs are that small. */
const TIME_THRESHOLD_FLOOR_MS = 0.25;
/** Packet numbers of the replay window that data leaves to ACK-only packets (canSendAckOnly). */
export const ACK_RESERVE = 16;
/** Skipped packet-number ranges remembered (Sender.skip). */
const MAX_GAPS = 16;

export class Sender {
  readonly rtt: RttEstimator;
  private nextSeq = [0, 0, 0];
  private fresh: OutFragment[] = [];
  private freshHead = 0;
  private retransmit: OutFragment[] = [];
  private sent = new Map<number, SentPacket>();
  /**
   * Packets declared lost, kept while an ACK can still cover them (its 64-packet mask): a late ACK
   * of one settles its fragments, so a spurious retransmission costs no retry and none is sent again.
   */
  private lost = new Map<number, SentPacket>();
  /** Packets declared lost, counted lost or spurious once an ACK tells which. */
  private readonly suspects: LossSuspects;
  /** Unfinished reliable messages per channel, oldest first (flow control against the receive window). */
  private unfinished: OutMessage[][] = [[], [], []];
  private inFlight = 0;
  private largestAcked = -1;
  private largestSent = -1;
  /** When the retransmission timer last fired; the next one counts from here (reset by an ack). */
  private lastTimeoutAt = -Infinity;
  /** This session's loss thresholds, widened by spurious declarations (PACKET_THRESHOLD), for a while (REORDER_PERSIST_RECOVERIES). */
  packetThreshold = PACKET_THRESHOLD;
  /** How much later than its RTT a packet has been seen to arrive (RACK's reorder window). */
  reorderMs = 0;
  /**
   * The loss recovery under way (RFC 8985 6.2): an ACK of a packet numbered from here on (sent after
   * its first declaration) ends it; -1 when none is.
   */
  private recoveryEndsAt = -1;
  /** Loss recoveries ended since a declaration last proved spurious or the peer's packets last reordered. */
  private cleanRecoveries = 0;
  /** Bytes queued or unacknowledged: what backpressure looks at. */
  pendingBytes = 0;
  /** Fragmented messages started and not finished, and their totals: what the peer has reserved for them. */
  private started = { partials: 0, bytes: 0 };

  constructor(
    private readonly config: SenderConfig,
    rtt: RttEstimator,
    private readonly counters: UdpCounters,
    private readonly onFatal: (reason: string) => void,
  ) {
    this.rtt = rtt;
    this.suspects = new LossSuspects(counters, rtt, (ageMs, reorder) => this.widenThresholds(ageMs, reorder));
  }

  get packetsInFlight(): number {
    return this.inFlight;
  }

  get acknowledgedUpTo(): number {
    return this.largestAcked;
  }

  /** The peer announced how many reliable messages it holds ahead (WINDOW frame). */
  setWindow(window: number): void {
    this.config.window = Math.max(1, Math.min(this.config.maxWindow, window));
  }

  get window(): number {
    return this.config.window;
  }

  hasWork(): boolean {
    return this.retransmit.length > 0 || this.freshHead < this.fresh.length;
  }

  /** Something can go out now: a retransmission, or a new message inside the receive window. */
  hasSendable(): boolean {
    const f = this.peek();
    return !!f && !this.beyondWindow(f) && !this.overReassembly(f);
  }

  /**
   * Another ack-eliciting packet may go: fewer than maxInFlightPackets in flight, and its number
   * within the peer's replay window of the oldest one in flight (docs/PROTOCOL.md 9.5, Flight),
   * less ACK_RESERVE when the peer sends us data (`owesAcks`: see canSendAckOnly).
   */
  canSend(now: number, owesAcks = false): boolean {
    if (this.inFlight >= this.config.maxInFlightPackets) return false;
    // Packets declared lost hold the window while younger than the time threshold: reordering may
    // still deliver them.
    const reserve = owesAcks && this.reorders ? ACK_RESERVE : 0;
    return this.largestSent + 1 - this.oldestHeld(now, Infinity, this.mayArriveMs()) <= WINDOW_SIZE - reserve;
  }

  /**
   * An ACK-only packet may go: within the peer's replay window of the oldest packet that may still
   * be on its way (in flight or declared lost, younger than the time threshold). ACK-only packets
   * take packet numbers too: in two-way bulk transfer, while data waits for the window, every
   * packet received would be acknowledged in one of its own and push a packet still on its way out
   * of the peer's window. A sender that owes ACKs stops its data ACK_RESERVE short of the window,
   * so they still go; past it one waits at most the time threshold (ackHoldMs), so two peers each
   * waiting for the other's ACK never stall until a timeout.
   */
  canSendAckOnly(now: number): boolean {
    // In order, a packet never overtakes one sent before it.
    if (!this.reorders) return true;
    return this.largestSent + 1 - this.oldestHeld(now, this.ackHoldMs(), this.ackHoldMs()) <= WINDOW_SIZE;
  }

  /** The longest canSendAckOnly() stays false without an ACK arriving. */
  ackHoldMs(): number {
    return this.lossDelayMs();
  }

  /**
   * The oldest packet the peer may still receive: in flight and sent less than `inFlightMs` ago, or
   * declared lost and sent less than `declaredMs` ago (reordering may still deliver it, and the
   * peer drops it as a replay once a packet 65 later has arrived). Infinity when there is none.
   */
  private oldestHeld(now: number, inFlightMs: number, declaredMs: number): number {
    let oldest = Infinity;
    for (const [pn, p] of this.sent) {
      if (now - p.sentAt >= inFlightMs) continue;
      oldest = pn;
      break;
    }
    if (this.lost.size === 0) return oldest;
    for (const [pn, p] of this.lost) if (pn < oldest && now - p.sentAt < declaredMs) oldest = pn;
    return oldest;
  }

  /** Queues one message; false (and nothing queued) when over the queue cap. */
  enqueue(channel: ChannelCode, data: Uint8Array, deflate: boolean, done?: SendDone): boolean {
    if (this.pendingBytes + data.length > this.config.maxQueuedBytes) return false;
    const seq = this.nextSeq[channel]!;
    this.nextSeq[channel] = (seq + 1) >>> 0;
    const size = this.config.fragmentBytes;
    const count = data.length + MSG_HEADER_BYTES <= size + FRAGMENT_HEADER_BYTES ? 1 : Math.ceil(data.length / size);
    const msg: OutMessage = { channel, seq, unacked: count, finished: false, transmitted: false, reserves: count === 1 ? 0 : data.length, done };
    if (channel !== Channel.UNRELIABLE) this.unfinished[channel]!.push(msg);
    for (let i = 0; i < count; i++) {
      const part = count === 1 ? data : data.subarray(i * size, Math.min(data.length, (i + 1) * size));
      const fragment = count === 1 ? null : { index: i, count, total: data.length };
      this.fresh.push({ msg, seq, deflate, fragment, data: part, acked: false, sends: 0, copies: 0 });
    }
    this.pendingBytes += data.length;
    this.counters.messagesSent++;
    return true;
  }

  /**
   * Unreliable fragments written into the packet being built: settled by settleLeft() once it is out,
   * so a callback that closes the session never runs mid-packet (its CLOSE would be sealed meanwhile).
   */
  private left: OutFragment[] = [];

  /** Writes as many queued fragments as fit in out[at..limit); returns the new offset and what went. */
  fill(out: Uint8Array, at: number, limit: number): { at: number; frags: OutFragment[] } {
    const frags: OutFragment[] = [];
    for (;;) {
      const f = this.peek();
      if (!f) break;
      const need = (f.fragment ? FRAGMENT_HEADER_BYTES : MSG_HEADER_BYTES) + f.data.length;
      if (at + need > limit || this.beyondWindow(f) || this.overReassembly(f)) break;
      this.take();
      if (f.acked || f.msg.finished) continue;
      at = writeMsg(out, at, { channel: f.msg.channel, deflate: f.deflate, seq: f.seq, fragment: f.fragment, data: f.data });
      if (f.sends > 0) this.counters.retransmits++;
      f.sends++;
      if (!f.msg.transmitted && f.msg.reserves > 0) {
        this.started.partials++;
        this.started.bytes += f.msg.reserves;
      }
      f.msg.transmitted = true;
      frags.push(f);
      // An unreliable message is finished once it has left.
      if (f.msg.channel === Channel.UNRELIABLE) this.left.push(f);
    }
    return { at, frags };
  }

  /** The packet fill() built is out: its unreliable messages are done. */
  settleLeft(): void {
    const left = this.left;
    this.left = [];
    for (const f of left) this.settle(f);
  }

  onPacketSent(pn: number, now: number, frags: OutFragment[], ackEliciting: boolean): void {
    this.largestSent = pn;
    if (!ackEliciting) return;
    for (const f of frags) f.copies++;
    this.sent.set(pn, { sentAt: now, frags, ackEliciting });
    this.inFlight++;
  }

  /**
   * Packet numbers [from, to) will never be sent: the broker jumps them at a session's start and on
   * every address move so the probe proving an address cannot be guessed (PROTOCOL.md 9.5, Address
   * validation). Only the newest MAX_GAPS are remembered: an older gap lies below every address
   * proof still to come, so an ACK naming it could prove nothing.
   */
  skip(from: number, to: number): void {
    if (to <= from) return;
    this.gaps.push({ from, to });
    if (this.gaps.length > MAX_GAPS) this.gaps.shift();
  }

  private readonly gaps: { from: number; to: number }[] = [];

  /**
   * An ACK naming a packet never sent (above the newest sent, or in a skipped gap): no honest peer
   * sends one, and ignoring it would let a blind peer sweep guesses for free (RFC 9000 21.4).
   */
  namesUnsent(ack: AckFrame): boolean {
    if (ack.largest > this.largestSent) return true;
    for (const g of this.gaps) {
      if (ack.largest >= g.from && ack.largest < g.to) return true;
      // The mask's bit i is packet largest-1-i: the bits that fall inside the gap.
      const high = Math.min(g.to, ack.largest) - 1;
      const low = Math.max(g.from, ack.largest - WINDOW_SIZE);
      if (high < low) continue;
      const bits = ((1n << BigInt(high - low + 1)) - 1n) << BigInt(ack.largest - 1 - high);
      if (ack.mask & bits) return true;
    }
    return false;
  }

  /** Settles what the ACK names; false (and nothing settled) when it names a packet never sent. */
  onAck(ack: AckFrame, now: number): boolean {
    if (this.namesUnsent(ack)) return false;
    const sentAt = this.sent.get(ack.largest)?.sentAt ?? this.suspects.sentAtOf(ack.largest);
    if (sentAt !== undefined) this.rtt.sample(now - sentAt - Math.min(ack.delayMs, 50));
    // A packet still missing this long after it left, while later ones arrived, is lost (loss-suspects.ts).
    this.suspects.onAck(ack, now, this.mayArriveMs(), this.reorders);
    this.acknowledge(ack.largest);
    for (let bit = 0n, pn = ack.largest - 1; bit < 64n && pn >= 0; bit++, pn--) {
      if ((ack.mask >> bit) & 1n) this.acknowledge(pn);
    }
    if (ack.largest > this.largestAcked) this.largestAcked = ack.largest;
    if (this.recoveryEndsAt >= 0 && this.largestAcked >= this.recoveryEndsAt) this.endRecovery();
    // Out of reach of every later ACK (its mask covers 64 below its largest): no late ACK will come.
    for (const pn of this.lost.keys()) {
      if (pn >= this.largestAcked - WINDOW_SIZE) break;
      this.lost.delete(pn);
    }
    // Lost: packetThreshold (3) or more below the newest acknowledged packet, or sent before it and
    // older than the time threshold (9/8 of the RTT, as QUIC's RFC 9002), so a single loss is
    // repaired in about one RTT instead of waiting for the retransmission timeout.
    const oldest = now - this.lossDelayMs();
    for (const [pn, p] of this.sent) {
      if (pn >= this.largestAcked) break;
      if (pn <= this.largestAcked - this.packetThreshold || p.sentAt <= oldest) this.lose(pn, p);
    }
    return true;
  }

  /**
   * How long after it left a packet declared lost may still arrive: the time threshold, and on a
   * link seen to reorder (a declaration proved spurious) at least SRTT + 4 RTTVAR, since its RTT
   * samples come from the packets that overtook the others. Where nothing has reordered, a packet
   * declared lost is taken as lost (holding the window for it would delay its retransmission).
   */
  private mayArriveMs(): number {
    return this.reorders ? Math.max(this.lossDelayMs(), this.rtt.roundTripBoundMs()) : 0;
  }

  /** This link delivers out of order: a declaration proved spurious, or the peer's packets came so. */
  get reorders(): boolean {
    return this.reordered || this.packetThreshold > PACKET_THRESHOLD || this.reorderMs > 0;
  }

  private reordered = false;

  /** A packet from the peer arrived after a later one: the link reorders (both ways, as a rule). */
  noteReordering(): void {
    this.reordered = true;
    this.sawReordering();
  }

  /** Reordering seen: the widening persists another REORDER_PERSIST_RECOVERIES clean recoveries (the one under way not counted). */
  private sawReordering(): void {
    this.cleanRecoveries = 0;
    this.recoveryEndsAt = -1;
  }

  /** A loss recovery ended with nothing proved spurious: after enough of them, the default thresholds. */
  private endRecovery(): void {
    this.recoveryEndsAt = -1;
    if (!this.reorders || ++this.cleanRecoveries < REORDER_PERSIST_RECOVERIES) return;
    this.cleanRecoveries = 0;
    this.packetThreshold = PACKET_THRESHOLD;
    this.reorderMs = 0;
    this.reordered = false;
  }

  /** The time threshold: 9/8 of the RTT, or the RTT plus the reorder window seen, at most the RTO. */
  lossDelayMs(): number {
    const r = this.rtt;
    const rtt = Math.max(r.srtt, r.latest);
    return Math.min(r.timeoutMs(), Math.max(TIME_THRESHOLD_FLOOR_MS, (9 / 8) * rtt, rtt + this.reorderMs));
  }

  /**
   * A packet an ACK threshold declared lost arrived after all (`reorder` packets past it had been
   * acknowledged then; its ACK came `ageMs` after it left): widen the thresholds so it would not
   * have been declared (as Chromium's GeneralLossAlgorithm::SpuriousLossDetected).
   */
  private widenThresholds(ageMs: number, reorder: number): void {
    this.packetThreshold = Math.min(MAX_PACKET_THRESHOLD, Math.max(this.packetThreshold, reorder + 1));
    const r = this.rtt;
    this.reorderMs = Math.min(r.timeoutMs(), Math.max(this.reorderMs, ageMs - Math.max(r.srtt, r.latest)));
    this.sawReordering();
  }

  /** When the oldest packet in flight times out, or -1. */
  nextTimeout(now: number): number {
    let at = -1;
    for (const p of this.sent.values()) {
      at = Math.max(p.sentAt, this.lastTimeoutAt) + this.rtt.timeoutMs();
      break;
    }
    // Also when a packet declared lost no longer holds the window (oldestHeld): what waits for it goes then.
    if (this.lost.size === 0 || !this.hasWork()) return at;
    const mayArrive = this.mayArriveMs();
    for (const p of this.lost.values()) {
      const release = p.sentAt + mayArrive;
      if (release > now && (at < 0 || release < at)) at = release;
    }
    return at;
  }

  /**
   * The retransmission timer fired: only the oldest packet is resent (RFC 6298 5.4) and the timer
   * backs off. Resending the whole flight would flood a peer that is merely slow (a busy host);
   * when the probe is acknowledged, the time threshold repairs the rest at once.
   */
  onTimeout(now: number): void {
    let probes = 0;
    const due = Math.max(this.oldestSentAt(), this.lastTimeoutAt) + this.rtt.timeoutMs();
    // A little slack so float rounding never leaves a due packet behind (the timer would spin).
    if (due > now + 0.5) return;
    // Two probes, as QUIC's PTO: one lost probe does not cost another whole timeout.
    for (const [pn, p] of this.sent) {
      if (probes++ === 2) break;
      this.lose(pn, p, this.rtt.backoffFactor);
    }
    this.rtt.onTimeout();
    this.lastTimeoutAt = now;
  }

  private oldestSentAt(): number {
    for (const p of this.sent.values()) return p.sentAt;
    return Infinity;
  }

  /** Reports every unfinished message as failed (session closing); returns how many there were. */
  failAll(reason: string): number {
    const all = [...this.left, ...this.retransmit, ...this.fresh.slice(this.freshHead), ...[...this.sent.values()].flatMap((p) => p.frags)];
    const wasSent = new SendFailed(reason, false);
    const neverSent = new SendFailed(reason, true);
    let failed = 0;
    for (const f of all) {
      if (f.msg.finished) continue;
      failed++;
      this.finish(f.msg, f.msg.transmitted ? wasSent : neverSent);
    }
    this.left = [];
    this.retransmit = [];
    this.unfinished = [[], [], []];
    this.fresh = [];
    this.freshHead = 0;
    this.sent.clear();
    this.lost.clear();
    this.suspects.flush();
    this.inFlight = 0;
    this.pendingBytes = 0;
    this.started = { partials: 0, bytes: 0 };
    return failed;
  }

  private beyondWindow(f: OutFragment): boolean {
    if (f.sends > 0 || f.msg.channel === Channel.UNRELIABLE) return false;
    const queue = this.unfinished[f.msg.channel]!;
    while (queue.length && queue[0]!.finished) queue.shift();
    return queue.length > 0 && ((f.seq - queue[0]!.seq) | 0) >= this.config.window;
  }

  /**
   * A fragmented message not started yet waits while those started fill the peer's reassembly caps
   * (one always may go: a message never waits for nothing). Unreliable ones count until their last
   * fragment has left; a receiver lets an unreliable partial give way to a newer one anyway.
   */
  private overReassembly(f: OutFragment): boolean {
    if (!f.fragment || f.msg.transmitted || f.msg.finished || this.started.partials === 0) return false;
    const cap = this.config.reassembly;
    return this.started.partials + 1 > cap.partials || this.started.bytes + f.msg.reserves > cap.bytes;
  }

  private peek(): OutFragment | undefined {
    // A late ACK of the packet it was lost in settled it meanwhile: nothing to resend.
    while (this.retransmit.length && this.retransmit[0]!.acked) this.retransmit.shift();
    return this.retransmit[0] ?? this.fresh[this.freshHead];
  }

  private take(): void {
    if (this.retransmit.length) this.retransmit.shift();
    else if (++this.freshHead > 1024 && this.freshHead * 2 > this.fresh.length) {
      this.fresh = this.fresh.slice(this.freshHead);
      this.freshHead = 0;
    }
  }

  private acknowledge(pn: number): void {
    let p = this.sent.get(pn);
    if (p) {
      this.sent.delete(pn);
      this.inFlight--;
    } else {
      // Declared lost, yet it arrived (reordered, or only its ACK was late): its fragments are
      // delivered, whatever became of their retransmissions; they spent no retry.
      p = this.lost.get(pn);
      if (!p) return;
      this.lost.delete(pn);
    }
    this.lastTimeoutAt = -Infinity;
    for (const f of p.frags) if (!f.acked) this.settle(f);
  }

  private settle(f: OutFragment): void {
    f.acked = true;
    this.pendingBytes -= f.data.length;
    if (--f.msg.unacked === 0) this.finish(f.msg, null);
  }

  /** `backoff`: the RTO backoff before the timeout declaring it, 0 when an ACK threshold did. */
  private lose(pn: number, p: SentPacket, backoff = 0): void {
    this.sent.delete(pn);
    this.inFlight--;
    this.suspects.add(pn, p.sentAt, this.largestSent + 1, backoff, backoff ? 0 : this.largestAcked - pn, p.frags.length > 0);
    if (this.recoveryEndsAt < 0) this.recoveryEndsAt = this.largestSent + 1;
    // Kept even when another copy settled all it carried: while it may still arrive it holds the window.
    this.lost.set(pn, p);
    // Bounded like the flight: the oldest declared goes first.
    if (this.lost.size > this.config.maxInFlightPackets) this.lost.delete(this.lost.keys().next().value!);
    let exhausted = false;
    for (const f of p.frags) {
      if (f.acked || f.msg.finished || --f.copies > 0) continue;
      if (f.sends > this.config.maxRetries) {
        this.counters.failedMessages++;
        this.finish(f.msg, new Error('retries_exhausted'));
        exhausted = true;
        continue;
      }
      this.retransmit.push(f);
    }
    // after the loop: the packet's other fragments are queued again, so the close fails and counts them
    if (exhausted) this.onFatal('retries_exhausted');
  }

  private finish(msg: OutMessage, error: Error | null): void {
    if (msg.finished) return;
    msg.finished = true;
    if (msg.transmitted && msg.reserves > 0) {
      this.started.partials--;
      this.started.bytes -= msg.reserves;
    }
    msg.done?.(error);
  }
}
