import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { noUdpDrops, type UdpEndpointDrops, type UdpSourceDropReason } from '../../shared/api/contract';
import { CloseReason } from '../../shared/protocol/udp/frames';
import { type DatagramHeader, decodeHeader } from '../../shared/protocol/udp/wire';
import { type DeviceEnvelope, encodeDeliveredEnvelope, parseDeviceEnvelope, type TargetKind } from '../../shared/protocol/envelope';
import { type Clock, realClock, type Timer } from './clock';
import { fragmentBytes, resolveConfig, type UdpConfig } from './config';
import type { UdpCounters } from './counters';
import { deriveDirectionKey, open, randomNonce, wipeKey } from './crypto';
import { type DropSource, DropSources } from './drop-sources';
import type { DatagramSocket } from './net';
import { type ChannelName, Peer, packetNumberJump } from './peer';
import { ReassemblyBudget } from './reassembly';
import type { SendDone } from './sender';

/**
 * The broker's UDP endpoint: one socket, many sessions. A session exists only because an
 * authenticated TCP (v2) session asked for it (openSession); until its device's HELLO datagram
 * authenticates it is pending (for at most the dead-peer timeout) and nothing is ever sent. Datagrams that do not parse, name no session,
 * fail authentication or replay are dropped and counted: no reply, no state.
 */

/** An unfragmented MSG carries 8 bytes more data than a fragment (its header is 8 bytes shorter). */
const MSG_HEADER_DIFF = 8;

export interface UdpEnvelope {
  /** The sending device (the id its token was created with). */
  from: string;
  targetId: string;
  target: TargetKind;
  /** The payload object's exact bytes. */
  payload: Uint8Array;
  channel: ChannelName;
  /** The whole envelope and its parse, as the TCP router takes them (router.fromDevice). */
  envelope: Uint8Array;
  parsed: DeviceEnvelope;
}

/** What the v2 login reply carries as "udp" (docs/PROTOCOL.md 9.1). */
export interface UdpGrant {
  sessionId: number;
  /** 16 random bytes, hex. */
  nonce: string;
  port: number;
}

export interface UdpSessionInfo {
  deviceId: string;
  sessionId: number;
  state: 'pending' | 'open';
  address: string | null;
  rttMs: number;
  counters: UdpCounters | null;
  /** Bytes of messages toward the device not yet acknowledged (queued or in flight). */
  pendingBytes: number;
}

export interface UdpTransportOptions {
  socket: DatagramSocket;
  /** The router: called for every valid envelope a UDP device sends (or attach one later). */
  onEnvelope?: (e: UdpEnvelope) => void;
  config?: Partial<UdpConfig>;
  clock?: Clock;
  maxSessions?: number;
  /** Transport-wide reassembly caps (every session's partial messages together; bytes as reserved, each partial its declared total). */
  globalPartials?: number;
  globalPartialBytes?: number;
  /** Reliable messages in flight toward a device beyond its oldest unacknowledged one (firmware holds 8). */
  deviceWindow?: number;
  /** Largest envelope deliver() sends over UDP; default one unfragmented datagram (1128 bytes at 1200). */
  maxDeliveryBytes?: number;
  /** HELLO key derivations allowed per pending session per second (forged HELLOs cost HKDF). */
  helloAttemptsPerSecond?: number;
  /** Source addresses of dropped datagrams tracked at most (dropReport), and how long one is remembered without a new drop. */
  dropSources?: number;
  dropSourcesForgetMs?: number;
}

/** The endpoint's drop counters and the reasons a source address is blamed for: the API's own types (udp.drops). */
export type UdpDrops = UdpEndpointDrops;
export type { UdpSourceDropReason };

/** The endpoint's drops and the addresses that sent the most of them lately (Settings, Network). */
export interface UdpDropReport {
  drops: UdpDrops;
  /** Most dropped datagrams first, only addresses with a drop in the last `forgetMs`. */
  sources: DropSource<UdpSourceDropReason>[];
  /** Addresses in the table now, its capacity, and addresses evicted to make room since start. */
  tracked: number;
  capacity: number;
  evicted: number;
  forgetMs: number;
}

export const DROP_SOURCES = 64;
export const DROP_SOURCES_FORGET_MS = 10 * 60_000;

interface Session {
  deviceId: string;
  sessionId: number;
  /** Until the HELLO opens the session (then zeroed and dropped: the session keys are derived). */
  tokenHash: Uint8Array | null;
  serverNonce: Uint8Array;
  deviceNonce: Uint8Array | null;
  peer: Peer | null;
  address: { address: string; port: number } | null;
  /** After a move: bytes received from and sent to the new address, until it proves itself. */
  unproven: { received: number; sent: number; firstPn: number } | null;
  helloWindowStart: number;
  helloAttempts: number;
  /** While pending: ends the session if no HELLO authenticates in time. */
  helloDeadline: Timer | null;
}

export class UdpTransport extends EventEmitter {
  readonly drops: UdpDrops = noUdpDrops();
  readonly budget: ReassemblyBudget;
  /** Who sent the dropped datagrams: bounded, cheap per datagram (drop-sources.ts). */
  readonly dropSources: DropSources<UdpSourceDropReason>;
  private readonly config: UdpConfig;
  private readonly clock: Clock;
  private readonly bySid = new Map<number, Session>();
  private readonly byDevice = new Map<string, Session>();
  private closed = false;
  private readonly maxDelivery: number;
  private router: ((e: UdpEnvelope) => void) | null;
  private sessionEnded: ((deviceId: string, sessionId: number) => void) | null = null;

  constructor(private readonly o: UdpTransportOptions) {
    super();
    this.config = resolveConfig({ sendWindow: o.deviceWindow ?? 8, ...o.config });
    this.clock = o.clock ?? realClock;
    this.router = o.onEnvelope ?? null;
    this.maxDelivery = o.maxDeliveryBytes ?? fragmentBytes(this.config) + MSG_HEADER_DIFF;
    this.dropSources = new DropSources(o.dropSources ?? DROP_SOURCES, o.dropSourcesForgetMs ?? DROP_SOURCES_FORGET_MS);
    this.budget = new ReassemblyBudget(o.globalPartials ?? 1024, o.globalPartialBytes ?? 16 * 1024 * 1024);
    if (this.budget.maxBytes < this.config.maxMessageBytes) throw new RangeError('globalPartialBytes must be at least maxMessageBytes');
    o.socket.onMessage((data, from) => this.onDatagram(data, from));
  }

  /** The broker plugs its router in here; envelopes arriving with no router are counted and dropped. */
  attachRouter(router: (e: UdpEnvelope) => void): void {
    this.router = router;
  }

  /**
   * The broker hears here when a device's UDP session ends, pending or open, whoever ended it
   * (dead peer, the device closed it, replaced, shutdown): its TCP session may take the fast path again.
   */
  attachSessionEnd(listener: (deviceId: string, sessionId: number) => void): void {
    this.sessionEnded = listener;
  }

  get port(): number {
    return this.o.socket.local().port;
  }

  /**
   * Called by the broker after a v2 login with "udp":true. Returns what the login reply carries.
   * A second call for the same device replaces its session.
   */
  openSession(deviceId: string, tokenHash: Uint8Array): UdpGrant | null {
    if (this.closed) return null;
    this.closeSession(deviceId, 'replaced');
    if (this.bySid.size >= (this.o.maxSessions ?? 10_000)) return null;
    let sessionId = randomInt(1, 0xffffffff);
    while (this.bySid.has(sessionId)) sessionId = randomInt(1, 0xffffffff);
    const s: Session = { deviceId, sessionId, tokenHash: Uint8Array.from(tokenHash), serverNonce: randomNonce(), deviceNonce: null, peer: null, address: null, unproven: null, helloWindowStart: 0, helloAttempts: 0, helloDeadline: null };
    this.bySid.set(sessionId, s);
    this.byDevice.set(deviceId, s);
    // A device that never says HELLO is as gone as a silent peer (and gives up on the broker after
    // the same time): the session's memory and its device's place off the native wire are freed.
    const { heartbeatMs, deadAfterHeartbeats } = this.config;
    this.armHelloDeadline(s, heartbeatMs * deadAfterHeartbeats);
    return { sessionId, nonce: Buffer.from(s.serverNonce).toString('hex'), port: this.port };
  }

  /**
   * Ends the pending session `ms` from now unless a HELLO opens it first. Judged, like the dead-peer
   * check, only on a deadline that fired on time: after a busy event loop Node runs due timers
   * before it reads the datagrams that queued meanwhile, and the HELLO may be among them; a late
   * deadline looks again one heartbeat later, once the socket has been read.
   */
  private armHelloDeadline(s: Session, ms: number): void {
    const due = this.clock.now() + ms;
    s.helloDeadline = this.clock.after(ms, () => {
      if (this.byDevice.get(s.deviceId) !== s) return;
      const late = this.clock.now() - due > this.config.heartbeatMs / 2;
      if (late) this.armHelloDeadline(s, this.config.heartbeatMs);
      else this.closeSession(s.deviceId, 'hello_timeout');
    });
  }

  /** When the device's TCP session ends (or it is revoked) its UDP session ends too. */
  closeSession(deviceId: string, reason: string): boolean {
    const s = this.byDevice.get(deviceId);
    if (!s) return false;
    this.byDevice.delete(deviceId);
    this.bySid.delete(s.sessionId);
    if (s.peer && !s.peer.closed) s.peer.close(reason, reason === 'replaced' ? CloseReason.REPLACED : reason === 'shutdown' ? CloseReason.SHUTDOWN : CloseReason.NORMAL);
    // An open session says so from its peer's onClose; a pending one has no peer.
    else if (!s.peer) this.pendingEnded(s, reason);
    return true;
  }

  /** A pending session's end is told like an open one's (its peer's onClose): to the broker and as 'session:close'. */
  private pendingEnded(s: Session, reason: string): void {
    s.helloDeadline?.cancel();
    dropTokenHash(s);
    this.sessionEnded?.(s.deviceId, s.sessionId);
    this.emit('session:close', { deviceId: s.deviceId, sessionId: s.sessionId, reason, unfinished: 0 });
  }

  /** True when the device has an authenticated UDP session that can take deliveries. */
  isOpen(deviceId: string): boolean {
    const p = this.byDevice.get(deviceId)?.peer;
    return !!p && !p.closed;
  }

  /**
   * Delivers {"from","payload"} to a UDP device. False (the caller uses TCP) when it has no open
   * session, the queue is full, or the envelope is over `maxDeliveryBytes` (firmware devices
   * reassemble at most 4 KiB; by default anything over one datagram goes by TCP).
   */
  deliver(deviceId: string, from: string, payload: Uint8Array, channel: ChannelName = 'ordered', done?: SendDone): boolean {
    const p = this.byDevice.get(deviceId)?.peer;
    if (!p || p.closed) return false;
    const envelope = encodeDeliveredEnvelope(from, payload);
    if (envelope.length > this.maxDelivery) return false;
    return p.send(envelope, channel, done);
  }

  sessions(): UdpSessionInfo[] {
    return [...this.bySid.values()].map((s) => ({
      deviceId: s.deviceId,
      sessionId: s.sessionId,
      state: s.peer ? 'open' : 'pending',
      address: s.address ? `${s.address.address}:${s.address.port}` : null,
      rttMs: s.peer?.rttMs ?? 0,
      counters: s.peer ? { ...s.peer.counters } : null,
      pendingBytes: s.peer?.pendingBytes ?? 0,
    }));
  }

  /** A copy of the drop counters and the top `limit` source addresses. */
  dropReport(limit: number): UdpDropReport {
    const t = this.dropSources;
    return { drops: { ...this.drops }, sources: t.top(limit, this.clock.now()), tracked: t.size, capacity: t.capacity, evicted: t.evicted, forgetMs: t.forgetMs };
  }

  close(): void {
    if (this.closed) return;
    for (const id of [...this.byDevice.keys()]) this.closeSession(id, 'shutdown');
    this.closed = true;
    this.o.socket.close();
  }

  private onDatagram(data: Uint8Array, from: { address: string; port: number }): void {
    if (this.closed) return;
    const h = decodeHeader(data);
    if (!h.ok) return this.drop('header', from);
    const header = h.value;
    const s = this.bySid.get(header.sessionId);
    if (!s) return this.drop('unknownSession', from);
    if (!s.peer) return this.onHello(s, data, header, from);
    if (header.deviceNonce && !sameBytes(header.deviceNonce, s.deviceNonce!)) return this.drop('helloRejected', from);
    const outcome = s.peer.receive(data, header);
    if (outcome === 'auth_failed') this.drop('authFailed', from);
    else if (outcome === 'replay') this.drop('replayed', from);
    else if (outcome === 'malformed') this.drop('malformed', from);
    // Roaming: the address moves only for an authenticated datagram that is the newest seen.
    else if (outcome === 'ok') this.track(s, from, header.packetNumber, data.length);
  }

  /** Counts a dropped datagram by reason and by source address: a Map hit and increments, nothing allocated. */
  private drop(reason: UdpSourceDropReason, from: { address: string }): void {
    this.drops[reason]++;
    this.dropSources.record(from.address, reason, this.clock.now());
  }

  private onHello(s: Session, data: Uint8Array, header: DatagramHeader, from: { address: string; port: number }): void {
    if (!header.deviceNonce || header.keyPhase !== 0) return this.drop('helloRejected', from);
    const now = this.clock.now();
    if (now - s.helloWindowStart >= 1000) {
      s.helloWindowStart = now;
      s.helloAttempts = 0;
    }
    if (++s.helloAttempts > (this.o.helloAttemptsPerSecond ?? 20)) return this.drop('helloThrottled', from);
    const d2s = deriveDirectionKey(s.tokenHash!, s.serverNonce, header.deviceNonce, s.sessionId, 'd2s');
    if (!open(d2s, header.packetNumber, data, header.length)) {
      wipeKey(d2s);
      return this.drop('authFailed', from);
    }
    s.helloDeadline?.cancel();
    s.helloDeadline = null;
    s.deviceNonce = Uint8Array.from(header.deviceNonce);
    s.address = { ...from };
    // The first address is no more proven than a roamed one: a captured HELLO replayed first from a
    // spoofed source would aim the session at a victim. The 3x limit holds until the device
    // acknowledges a packet sent there, and a PING right after the HELLO asks for that at once. Its
    // packet number is random (numbers below it are never sent), so the proof cannot be made blind.
    const firstPn = packetNumberJump();
    s.unproven = { received: data.length, sent: 0, firstPn };
    const sid = s.sessionId;
    const sendKey = deriveDirectionKey(s.tokenHash!, s.serverNonce, s.deviceNonce, sid, 's2d');
    dropTokenHash(s);
    s.peer = new Peer({
      sessionId: sid,
      firstPacketNumber: firstPn,
      sendKey,
      recvKey: d2s,
      config: this.config,
      clock: this.clock,
      budget: this.budget,
      transmit: (d) => this.transmit(s, d),
      // Data waits until the address is proven: sent into the 3x limit it would only be dropped and resent.
      mayTransmitData: () => s.unproven === null,
      onMessage: (bytes, channel) => this.onMessage(s, bytes, channel),
      onClose: (reason) => {
        if (this.bySid.get(sid) === s) {
          this.bySid.delete(sid);
          this.byDevice.delete(s.deviceId);
        }
        this.sessionEnded?.(s.deviceId, sid);
        const unfinished = s.peer?.counters.unfinishedAtClose ?? 0;
        this.drops.unfinishedAtClose += unfinished;
        this.emit('session:close', { deviceId: s.deviceId, sessionId: sid, reason, unfinished });
      },
    });
    this.emit('session:open', { deviceId: s.deviceId, sessionId: sid, address: `${from.address}:${from.port}` });
    s.peer.receive(data, header);
    s.peer.probe();
  }

  /**
   * Roaming: the address moves only for an authenticated datagram that is the newest seen. Until
   * the device acknowledges a packet sent to the new address, at most 3x the bytes received from
   * it go there, so a replayed-first datagram from a spoofed source cannot aim a flood (QUIC's rule).
   */
  private track(s: Session, from: { address: string; port: number }, pn: number, length: number): void {
    const moved = !!s.address && (s.address.address !== from.address || s.address.port !== from.port);
    if (moved && s.peer!.newestReceived === pn) {
      s.address = { ...from };
      // A random jump first: a peer that cannot read what reaches the new address cannot name the probe.
      s.peer!.skipPacketNumbers();
      s.unproven = { received: length, sent: 0, firstPn: s.peer!.nextPacketNumber };
      this.drops.migrations++;
      // A small PING goes first: its ACK from the new address proves it (and lifts the limit).
      s.peer!.probe();
      return;
    }
    if (moved || !s.unproven) return;
    s.unproven.received += length;
    if (s.peer!.sender.acknowledgedUpTo < s.unproven.firstPn) return;
    s.unproven = null;
    s.peer!.resume();
  }

  private transmit(s: Session, d: Uint8Array): void {
    if (!s.address) return;
    if (s.unproven) {
      if (s.unproven.sent + d.length > 3 * s.unproven.received) return void this.drops.amplificationLimited++;
      s.unproven.sent += d.length;
    }
    this.o.socket.send(d, s.address.port, s.address.address);
  }

  private onMessage(s: Session, bytes: Uint8Array, channel: ChannelName): void {
    const env = parseDeviceEnvelope(bytes);
    // an authenticated session's message: its device sent it, from the session's address
    if (!env.ok || !this.router) return s.address ? this.drop('badEnvelope', s.address) : void this.drops.badEnvelope++;
    const v = env.value;
    this.router({ from: s.deviceId, targetId: v.targetId, target: v.target, payload: bytes.subarray(v.payloadStart, v.payloadEnd), channel, envelope: bytes, parsed: v });
  }
}

/** The token's hash is needed only to derive a session's keys: zeroed once they are, or once the session ends pending. */
function dropTokenHash(s: Session): void {
  s.tokenHash?.fill(0);
  s.tokenHash = null;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
