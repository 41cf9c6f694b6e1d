import { randomInt } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { decodeHeader, encodeHeader, type DatagramHeader, HELLO_HEADER_BYTES, MAX_PACKET_NUMBER, TAG_BYTES } from '../../shared/protocol/udp/wire';
import { Channel, type ChannelCode, CloseReason, decodeFrames, writeAck, writeClose, writePing, writeWindow } from '../../shared/protocol/udp/frames';
import { SlidingWindow } from '../../shared/protocol/udp/window';
import type { Clock, Timer } from './clock';
import { type UdpConfig, fragmentBytes } from './config';
import { newCounters, type UdpCounters } from './counters';
import { type DirectionKey, open, seal } from './crypto';
import { PREVIOUS_KEY_RTOS, RecvKeys, SendKeys } from './keys';
import { Inbox } from './inbox';
import type { ReassemblyBudget } from './reassembly';
import { RttEstimator } from './rtt';
import { type SendDone, Sender } from './sender';

/**
 * One end of an authenticated UDP session, the same code for broker and device. It seals and opens
 * datagrams, keeps the replay and ack windows, runs the channels, heartbeats and dead-peer check.
 * Sockets are outside: transmit() hands datagrams out, receive() takes them in.
 */

export type ChannelName = 'unreliable' | 'ordered' | 'unordered';
export const channelCode: Record<ChannelName, ChannelCode> = { unreliable: Channel.UNRELIABLE, ordered: Channel.RELIABLE_ORDERED, unordered: Channel.RELIABLE_UNORDERED };

export interface PeerOptions {
  sessionId: number;
  sendKey: DirectionKey;
  recvKey: DirectionKey;
  /** Device side: the nonce sent in HELLO datagrams until the broker has answered. */
  helloNonce?: Uint8Array;
  config: UdpConfig;
  clock: Clock;
  budget: ReassemblyBudget;
  transmit: (datagram: Uint8Array) => void;
  onMessage: (data: Uint8Array, channel: ChannelName) => void;
  onClose: (reason: string) => void;
  /** Wakes streams waiting for the queue to drain. */
  onDrain?: () => void;
  /** The first packet number (the broker: a random jump; tests start near the limit). Those below it are never sent. */
  firstPacketNumber?: number;
  /** False holds data back (the broker: the peer's address is not proven yet); ACKs and PINGs still go. */
  mayTransmitData?: () => boolean;
}

export type ReceiveOutcome = 'ok' | 'replay' | 'auth_failed' | 'malformed' | 'closed';

/** The broker's packet numbers jump by 1..MAX_PACKET_NUMBER_JUMP at a session's start and on each address move. */
export const MAX_PACKET_NUMBER_JUMP = 0x10000;

/** A crypto-random jump: the next packet number cannot be predicted from the last one seen. */
export function packetNumberJump(): number {
  return randomInt(1, MAX_PACKET_NUMBER_JUMP + 1);
}

export class Peer {
  readonly counters: UdpCounters = newCounters();
  readonly sender: Sender;
  closed: string | null = null;
  readonly c: UdpConfig;
  private readonly sendKeys: SendKeys;
  private readonly recvKeys: RecvKeys;
  private readonly replay = new SlidingWindow();
  private readonly acks = new SlidingWindow();
  private readonly inbox: Inbox;
  private nextPn: number;
  private hello: Uint8Array | null;
  private ackPending = 0;
  private largestReceivedAt = 0;
  private lastHeard: number;
  private lastSent = 0;
  private flushScheduled = false;
  private sentFragments = 0;
  private ackTimer: Timer | null = null;
  private rtoTimer: Timer | null = null;
  private rtoAt = -1;
  private heartbeatTimer: Timer | null = null;
  private readonly plain: Uint8Array;

  constructor(private readonly o: PeerOptions) {
    this.c = o.config;
    this.sendKeys = new SendKeys(o.sendKey, this.c.rekeyAfterPackets);
    this.recvKeys = new RecvKeys(o.recvKey);
    this.inbox = new Inbox(this.c, o.budget, this.counters, o.onMessage, (reason) => this.close(reason, CloseReason.PROTOCOL), () => this.closed !== null);
    this.hello = o.helloNonce ?? null;
    this.nextPn = o.firstPacketNumber ?? 0;
    this.lastHeard = o.clock.now();
    this.plain = new Uint8Array(this.c.datagramBytes);
    const sizes = { fragmentBytes: fragmentBytes(this.c), maxInFlightPackets: this.c.maxInFlightPackets, maxQueuedBytes: this.c.maxQueuedBytes, maxRetries: this.c.maxRetries, window: Math.min(this.c.sendWindow, this.c.orderedWindow), maxWindow: this.c.orderedWindow, reassembly: { partials: this.c.reassembly.perPeerPartials, bytes: this.c.reassembly.perPeerBytes } };
    this.sender = new Sender(sizes, new RttEstimator(this.c.rtt), this.counters, (reason) => this.close(reason, CloseReason.EXHAUSTED));
    this.sender.skip(0, this.nextPn);
    this.armHeartbeat();
    if (this.hello) this.sendPing();
  }

  /** The newest authenticated packet number (roaming moves the address only on this one). */
  get newestReceived(): number {
    return this.replay.largest;
  }

  /** The packet number the next datagram will carry. */
  get nextPacketNumber(): number {
    return this.nextPn;
  }

  get rttMs(): number {
    return this.sender.rtt.srtt;
  }

  /** Queued plus unacknowledged bytes, for backpressure. */
  get pendingBytes(): number {
    return this.sender.pendingBytes;
  }

  /**
   * Queues a message. Returns false when it cannot be queued (too large, queue full, closed); `done`
   * then is not called. Otherwise `done` reports delivery (acknowledged) or failure, once.
   */
  send(data: Uint8Array, channel: ChannelName = 'ordered', done?: SendDone, compress?: boolean): boolean {
    if (this.closed || data.length > this.c.maxMessageBytes) return false;
    let body = data;
    let deflate = false;
    const wantCompress = compress ?? (this.c.compressAboveBytes > 0 && data.length >= this.c.compressAboveBytes);
    if (wantCompress) {
      const packed = deflateRawSync(data);
      if (packed.length < data.length) {
        body = packed;
        deflate = true;
      }
    }
    if (!this.sender.enqueue(channelCode[channel], body, deflate, done)) return false;
    this.scheduleFlush();
    return true;
  }

  /** Device side: the whole datagram from the broker's address. */
  receiveDatagram(datagram: Uint8Array): ReceiveOutcome {
    const h = decodeHeader(datagram);
    // The broker never sets HELLO; anything else for another session is noise.
    if (!h.ok || h.value.sessionId !== this.o.sessionId || h.value.hello) {
      this.counters.malformed++;
      return 'malformed';
    }
    return this.receive(datagram, h.value);
  }

  /** Takes a datagram whose header has already been parsed and whose session id matched. */
  receive(datagram: Uint8Array, h: DatagramHeader): ReceiveOutcome {
    if (this.closed) return 'closed';
    const pendingBefore = this.pendingBytes;
    const outcome = this.receiveAuthenticated(datagram, h);
    this.checkDrain(pendingBefore);
    return outcome;
  }

  private checkDrain(before: number): void {
    if (this.o.onDrain && before > this.c.drainBytes && this.pendingBytes <= this.c.drainBytes) this.o.onDrain();
  }

  private receiveAuthenticated(datagram: Uint8Array, h: DatagramHeader): ReceiveOutcome {
    const check = this.replay.check(h.packetNumber);
    if (check !== 'new') {
      this.counters.replays++;
      return 'replay';
    }
    const now = this.o.clock.now();
    const choice = this.recvKeys.select(h.keyPhase, h.packetNumber, now);
    if (!choice) {
      // Of the previous key phase, after its key was dropped: too late, like a packet past the window.
      this.counters.oldPhaseDrops++;
      return 'replay';
    }
    const plain = open(choice.key, h.packetNumber, datagram, h.length);
    if (!plain) {
      this.counters.authFailures++;
      return 'auth_failed';
    }
    if (choice.isNext) {
      this.recvKeys.advance(h.packetNumber, now + PREVIOUS_KEY_RTOS * this.sender.rtt.timeoutMs());
      this.counters.keyUpdates++;
    }
    // Authenticated: only now the window moves and the peer counts as alive.
    this.replay.accept(h.packetNumber);
    this.lastHeard = now;
    this.hello = null;
    this.counters.packetsReceived++;
    this.counters.bytesReceived += datagram.length;
    const parsed = decodeFrames(plain);
    if (!parsed.ok) {
      this.counters.malformed++;
      return 'malformed';
    }
    let ackEliciting = false;
    let refused = false;
    for (const f of parsed.frames) {
      // an ACK can close the session (retries exhausted): nothing after it may touch the cleared inbox
      if (this.closed) return 'ok';
      if (f.type === 1) {
        if (this.sender.onAck(f, now)) continue;
        this.close('protocol_error: ack_of_unsent_packet', CloseReason.PROTOCOL);
        return 'ok';
      }
      else if (f.type === 2) ackEliciting = true;
      else if (f.type === 5) this.sender.setWindow(f.window);
      else if (f.type === 3) {
        this.close('closed_by_peer', null);
        return 'ok';
      } else {
        ackEliciting = true;
        if (!this.inbox.take(f, now)) refused = true;
      }
    }
    if (this.closed) return 'ok';
    // A packet with a refused reliable message is not acknowledged: the sender will resend it.
    let gap = false;
    if (!refused) {
      // While there is a hole among the last few packets (or this one came late) every packet is
      // acknowledged at once, like TCP's duplicate acks: the sender learns of a loss sooner.
      gap = h.packetNumber !== this.acks.largest + 1;
      if (h.packetNumber < this.acks.largest) this.sender.noteReordering();
      if (h.packetNumber > this.acks.largest) this.largestReceivedAt = now;
      this.acks.accept(h.packetNumber);
      if (this.acks.largest >= 3 && (this.acks.mask & 7n) !== 7n) gap = true;
      if (ackEliciting) {
        this.ackPending++;
        this.lastAckElicitingAt = now;
      }
    }
    // Acknowledge every second packet at once: the 64-packet bitfield must not fall behind a burst.
    if (this.ackPending >= 2 || (gap && this.ackPending > 0)) this.flush();
    else if (this.ackPending === 1 && !this.ackTimer) this.ackTimer = this.o.clock.after(this.c.ackDelayMs, () => ((this.ackTimer = null), this.scheduleFlush()));
    this.armRto();
    if (this.sender.hasSendable()) this.scheduleFlush();
    return 'ok';
  }

  close(reason: string, code: number | null = CloseReason.NORMAL): void {
    if (this.closed) return;
    this.closeCode = code ?? CloseReason.NORMAL;
    if (code !== null) this.sendPacket(true);
    this.closed = reason;
    // Queued or unacknowledged messages fail (their callbacks say so) and are counted: never lost silently.
    const unfinished = this.sender.failAll(reason);
    this.counters.failedMessages += unfinished;
    this.counters.unfinishedAtClose += unfinished;
    this.inbox.clear();
    this.ackTimer?.cancel();
    this.rtoTimer?.cancel();
    this.heartbeatTimer?.cancel();
    // Nothing is sealed or opened again (receive and every send path check closed).
    this.sendKeys.wipe();
    this.recvKeys.wipe();
    this.o.onClose(reason);
  }

  private closeCode: number = CloseReason.NORMAL;

  /**
   * The peer sends us data (an ack-eliciting packet within the RTO): our data then leaves room in
   * its replay window for the ACK-only packets we owe it (Sender.canSend, ACK_RESERVE). A one-way
   * sender gets the whole window.
   */
  private owesAcks(now: number): boolean {
    return now - this.lastAckElicitingAt < this.sender.rtt.timeoutMs();
  }

  private lastAckElicitingAt = -Infinity;

  private scheduleFlush(): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    this.o.clock.defer(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const before = this.pendingBytes;
    const held = this.o.mayTransmitData?.() === false;
    while (!this.closed) {
      const now = this.o.clock.now();
      const data = !held && this.sender.canSend(now, this.owesAcks(now)) && this.sender.hasSendable();
      if (!data && this.ackPending === 0) break;
      // An ACK-only packet past the peer's replay window waits (9.5, Flight): a later packet carries it.
      if (!data && !this.sender.canSendAckOnly(now)) {
        this.ackTimer ??= this.o.clock.after(this.sender.ackHoldMs(), () => ((this.ackTimer = null), this.scheduleFlush()));
        break;
      }
      const sentBefore = this.sentFragments;
      if (!this.sendPacket(false) || !data || this.sentFragments === sentBefore) break;
    }
    // Data held back waits for the ACK that proves the address: a PING asks for it (again after its timeout).
    if (held && !this.closed && this.sender.hasSendable() && this.sender.packetsInFlight === 0) this.sendPacket(false, true);
    this.armRto();
    this.checkDrain(before);
  }

  /** Builds, seals and transmits one packet: ACK if anything was received, then data or PING/CLOSE. */
  private sendPacket(closing: boolean, ping = false): boolean {
    // Its keys are zeroed: sealing now would encrypt under a known key.
    if (this.closed) return false;
    if (this.nextPn >= MAX_PACKET_NUMBER) {
      // Never wrap: a reused packet number would reuse a GCM nonce.
      if (!this.closed) this.o.clock.defer(() => this.close('packet_numbers_exhausted', null));
      return false;
    }
    if (this.sendKeys.exhausted(this.sender.acknowledgedUpTo)) {
      // A peer that acknowledges nothing stalls the key update: stop rather than pass the key's limit.
      if (!this.closed) this.o.clock.defer(() => this.close('key_update_stalled', null));
      return false;
    }
    const pn = this.nextPn;
    const limit = this.c.datagramBytes - HELLO_HEADER_BYTES - TAG_BYTES;
    let at = 0;
    if (this.acks.largest >= 0) {
      at = writeAck(this.plain, at, { largest: this.acks.largest, delayMs: this.o.clock.now() - this.largestReceivedAt, mask: this.acks.mask });
    }
    this.ackPending = 0;
    this.ackTimer?.cancel();
    this.ackTimer = null;
    let frags: ReturnType<Sender['fill']>['frags'] = [];
    if (closing) at = writeClose(this.plain, at, this.closeCode);
    // A PING and its WINDOW (4 bytes) always fit after the data.
    else if (this.sender.canSend(this.o.clock.now(), this.owesAcks(this.o.clock.now())) && this.o.mayTransmitData?.() !== false) ({ at, frags } = this.sender.fill(this.plain, at, ping ? limit - 4 : limit));
    const ackEliciting = frags.length > 0 || ping;
    // Every PING (HELLOs and heartbeats included) tells the peer our receive window.
    if (ping) at = writeWindow(this.plain, writePing(this.plain, at), this.c.orderedWindow);
    if (at === 0) return false;
    // Decided before this packet counts as in flight: on an idle link it leaves twice.
    const duplicate = !closing && this.c.idleDuplicates > 0 && this.sender.packetsInFlight < this.c.idleDuplicates && frags.some((f) => f.msg.channel !== Channel.UNRELIABLE);
    this.transmitPlain(pn, at, frags, ackEliciting);
    // The same frames under the next packet number (a nonce is never reused): whichever copy is
    // acknowledged first settles the messages, and a single loss costs no wait at all.
    // (Not past the peer's replay window of the oldest packet in flight, like any packet: 9.5, Flight.)
    if (duplicate && this.nextPn < MAX_PACKET_NUMBER && this.sender.canSend(this.o.clock.now(), this.owesAcks(this.o.clock.now()))) {
      this.transmitPlain(this.nextPn, at, frags, true);
      this.counters.idleDuplicates++;
    }
    this.sender.settleLeft();
    return true;
  }

  /** Seals this.plain[0..length) as packet `pn`, records it with the sender and hands it out. */
  private transmitPlain(pn: number, length: number, frags: ReturnType<Sender['fill']>['frags'], ackEliciting: boolean): void {
    if (this.sendKeys.beforeSend(pn, this.sender.acknowledgedUpTo)) this.counters.keyUpdates++;
    const header = new Uint8Array(HELLO_HEADER_BYTES);
    const hl = encodeHeader(header, { keyPhase: this.sendKeys.phase, sessionId: this.o.sessionId, packetNumber: pn, deviceNonce: this.hello });
    const datagram = seal(this.sendKeys.key, pn, header.subarray(0, hl), this.plain.subarray(0, length));
    this.nextPn = pn + 1;
    const now = this.o.clock.now();
    this.sender.onPacketSent(pn, now, frags, ackEliciting);
    this.sentFragments += frags.length;
    if (ackEliciting) this.lastSent = now;
    this.counters.packetsSent++;
    this.counters.bytesSent += datagram.length;
    this.o.transmit(datagram);
  }

  /** Sends a PING now (the transport proves a new address with it: its ACK comes back from there). */
  probe(): void {
    if (!this.closed) this.sendPing();
  }

  /**
   * Jumps the packet numbers ahead by a random amount (the broker, on an address move): the probe
   * that follows cannot be guessed, and an ACK naming a number jumped over ends the session.
   */
  skipPacketNumbers(): void {
    const to = Math.min(MAX_PACKET_NUMBER, this.nextPn + packetNumberJump());
    this.sender.skip(this.nextPn, to);
    this.nextPn = to;
  }

  /** Sends what mayTransmitData held back, now that it allows it. */
  resume(): void {
    this.scheduleFlush();
  }

  private sendPing(): void {
    this.sendPacket(false, true);
    this.armRto();
  }

  private armRto(): void {
    const at = this.sender.nextTimeout(this.o.clock.now());
    if (at === this.rtoAt) return;
    this.rtoTimer?.cancel();
    this.rtoTimer = null;
    this.rtoAt = at;
    if (at < 0 || this.closed) return;
    this.rtoTimer = this.o.clock.after(Math.max(1, at - this.o.clock.now()), () => {
      this.rtoTimer = null;
      this.rtoAt = -1;
      this.sender.onTimeout(this.o.clock.now());
      this.flush();
    });
  }

  /** Heartbeats on idle sessions, HELLO retries, reassembly expiry and the dead-peer check. */
  private armHeartbeat(): void {
    const every = this.hello ? Math.min(this.c.helloRetryMs, this.c.heartbeatMs) : this.c.heartbeatMs;
    const due = this.o.clock.now() + every;
    this.heartbeatTimer = this.o.clock.after(every, () => {
      const now = this.o.clock.now();
      // A late tick means the event loop was busy, and it runs due timers before it reads the
      // datagrams that queued meanwhile: silence and stalled reassembly are judged only on a tick
      // that came on time (partials stay within the reassembly caps meanwhile).
      const late = now - due > every / 2;
      if (!late && now - this.lastHeard >= this.c.heartbeatMs * this.c.deadAfterHeartbeats) return this.close('dead_peer', CloseReason.TIMEOUT);
      if (!late && !this.inbox.expire(now)) return;
      this.recvKeys.expire(now);
      if (this.hello || now - this.lastSent >= this.c.heartbeatMs) this.sendPing();
      this.armHeartbeat();
    });
  }
}
