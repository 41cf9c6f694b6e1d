import type { Duplex } from 'node:stream';
import { Command } from '../../shared/protocol/constants';
import { FrameDecoder } from '../../shared/protocol/decoder';
import { encodeFrame, type Frame } from '../../shared/protocol/frame';
import type { TargetIdCache } from '../../shared/protocol/envelope';
import type { DeviceDescription } from '../../shared/protocol/login';
import type { BrokerCore } from './core';
import { TokenBucket } from './limits';
import { NativeSocket } from './native/native-socket';
import type { NativeCounters } from './native/wire';
import { OutboundQueue } from './outbound';
import { envelopePrefix } from './wire';
import type { BrokerTransport, DisconnectReason, SessionCounters, SessionInfo } from './types';

export type SessionState = 'login' | 'authenticating' | 'open' | 'closed';

const EMPTY_PREFIX = new Uint8Array(0);
const EMPTY_CHUNK = new Uint8Array(0);
/** Shared until a session's first refusal, so idle sessions do not each hold an empty object. */
const NO_ERRORS: Record<string, number> = Object.freeze({}) as Record<string, number>;

export function emptyCounters(): SessionCounters {
  return {
    msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0, errors: 0, drops: 0,
    acksIn: 0, acksOut: 0, rateLimited: 0, queueDepth: 0, queueBytes: 0, errorsByKind: {},
  };
}

/**
 * One connection, from accept to close: frame decoding, the login state, the outbound queue and
 * the liveness bookkeeping the broker's tick reads. Command handling lives in handlers/.
 */
export class Session {
  state: SessionState = 'login';
  /** Device id from the token registry, set at login (see authenticated()). */
  id: string | null = null;
  /** The envelope prefix once asked for (see prefix): a device on the fast path may never need it. */
  private envelope: Uint8Array | null = null;
  protocol: 'legacy' | 'v2' = 'legacy';
  device: DeviceDescription | null = null;
  /**
   * The largest delivered payload this device takes: the broker's limit, or the smaller receive
   * limit its v2 LOGIN announced (a bigger frame its firmware would skip, while the sender heard SUCCESS).
   */
  receiveLimit: number;
  /** The transport's id of the UDP session its login was granted (0: none; ids start at 1), so the end of an older one is not taken for it. */
  private udpSessionId = 0;
  /** The last targetId this device used (made at its first message, so idle sessions stay small). */
  targets: TargetIdCache | null = null;
  /** Wall-clock ms of the accept (shown to the app). */
  readonly connectedAt: number;
  /** The accept on the monotonic clock (core.clock()), for the login deadline. */
  readonly acceptedAt: number;
  readonly counters: SessionCounters = { ...emptyCounters(), errorsByKind: NO_ERRORS };
  readonly queue: OutboundQueue;
  /**
   * The message rate bucket, made at the first message JS takes a token for, or at login from the
   * level the device's previous session left (core.rateLevels): a full one is made only when used.
   */
  private bucket: TokenBucket | null = null;
  /**
   * Last time a whole frame arrived (monotonic ms, like every deadline field below). Partial frames
   * are not a sign of life (slowloris).
   */
  lastIn: number;
  pingSentAt = 0;
  pingSentPrecise = 0;
  pingMsgId = 0;
  /** When the next RTT probe PING is due even if the session is busy (0: none scheduled). */
  rttProbeAt = 0;
  rttMs: number | null = null;
  redirectAt = 0;
  loginTimer: NodeJS.Timeout | null = null;
  /** The connection when it is on the native wire (plain TCP with the addon loaded). */
  readonly native: NativeSocket | null;
  /** The wire routes this device's messages itself (fast path) and owns its rate bucket and msg ids. */
  routed = false;
  /** Bytes the wire wrote for the fast path (deliveries to it, acks to it). */
  private nativeBytesOut = 0;
  private routePending = false;
  private readonly decoder: FrameDecoder;
  private nextMsgId = 1;
  private closeReason: DisconnectReason | null = null;
  private released = false;

  constructor(
    readonly core: BrokerCore,
    readonly stream: Duplex,
    readonly address: string,
    readonly transport: BrokerTransport,
  ) {
    const now = core.clock();
    const { limits } = core.options;
    this.connectedAt = core.now();
    this.acceptedAt = now;
    this.lastIn = now;
    this.receiveLimit = limits.maxPayload;
    this.decoder = new FrameDecoder({ maxPayload: limits.maxLoginPayload });
    this.queue = new OutboundQueue(stream, limits.maxQueueBytes, limits.maxQueueMessages, core.schedule, core.clock, core.queueBudget);
    core.sockets.hold(address);
    this.native = stream instanceof NativeSocket ? stream : null;
    if (this.native) this.native.owner = this;
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    // One listener for the three ways a peer goes (fewer closures per idle connection).
    const gone = (arg?: unknown): void => this.peerGone(arg);
    stream.on('end', gone);
    stream.on('close', gone);
    stream.on('error', gone);
  }

  /** After a good LOGIN: frames that follow may use the full payload limit. */
  authenticated(id: string): void {
    this.id = id;
    this.envelope = null;
    this.decoder.setMaxPayload(this.core.options.limits.maxPayload);
  }

  /** `{"from":"<id>","payload":` for messages this device sends (made at first use, so idle sessions stay small). */
  get prefix(): Uint8Array {
    if (this.id === null) return EMPTY_PREFIX;
    return (this.envelope ??= envelopePrefix(this.id));
  }

  get open(): boolean {
    return this.state === 'open';
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Broker-originated msg ids: 1..65535, wrapping to 1, never 0 (one counter with the fast path). */
  nextId(ping = false): number {
    const native = this.native?.nextId(ping) ?? 0;
    if (native !== 0) return native;
    const id = this.nextMsgId;
    this.nextMsgId = id === 0xffff ? 1 : id + 1;
    return id;
  }

  /** A token for a message from this device: the wire's bucket when routed (the fast path shares it). */
  takeToken(now: number): boolean {
    if (this.routed) return this.native!.takeToken();
    return (this.bucket ?? this.startBucket(now)).take(now);
  }

  private startBucket(now: number, tokens?: number): TokenBucket {
    const { ratePerSecond, rateBurst } = this.core.options.limits;
    return (this.bucket = new TokenBucket(ratePerSecond, rateBurst, now, tokens));
  }

  /** At login: goes on from the level the device's last session left, so logging in again gives no fresh burst. */
  takeOverRate(tokens: number, now: number): void {
    if (tokens < this.core.options.limits.rateBurst) this.startBucket(now, tokens);
  }

  /** Its bucket's level at `now` (the wire's while routed; after unroute() JS's goes on from it). */
  rateLevel(now: number): number {
    if (this.routed) return Math.max(0, this.native!.level());
    return this.bucket?.level(now) ?? this.core.options.limits.rateBurst;
  }

  /**
   * Puts the device on the fast path when nothing JS decides per message applies to it: no routing
   * policy, no UDP session. A turn later, so its login reply (queued) is written before any delivery.
   */
  routeNative(): void {
    if (!this.native || this.routePending) return;
    this.routePending = true;
    setImmediate(() => {
      this.routePending = false;
      if (!this.open || this.udp || this.core.options.policy !== null || this.core.sessionById(this.id!) !== this) return this.unroute();
      const { maxPayload, ratePerSecond, rateBurst } = this.core.options.limits;
      // The wire's bucket goes on from the session's: messages JS took tokens for (its LOGIN's own
      // write may carry the first ones) count against the same burst.
      const tokens = this.bucket?.level(this.core.clock()) ?? rateBurst;
      const { receiveLimit } = this;
      this.routed = this.native!.route({ deviceId: this.id!, v2: this.protocol === 'v2', maxPayload, receiveLimit, ratePerSecond, rateBurst, tokens });
    });
  }

  /** Has the UDP session its login was granted (until the transport says it ended: udpEnded). */
  get udp(): boolean {
    return this.udpSessionId !== 0;
  }

  /** Its login opened a UDP session: deliveries to it may go over UDP, which the wire cannot do, so it stays off the wire. */
  grantUdp(sessionId: number): void {
    this.udpSessionId = sessionId;
    this.unroute();
  }

  /** Its UDP session ended (dead peer, the device closed it, shutdown): back on the wire when nothing else keeps it off. */
  udpEnded(sessionId: number): void {
    if (!this.udp || sessionId !== this.udpSessionId) return;
    this.udpSessionId = 0;
    if (this.open) this.routeNative();
  }

  /** Off the fast path: every frame from and to it goes through JS again. */
  unroute(): void {
    if (!this.routed) return;
    this.routed = false;
    this.native!.route(null);
    // The wire's bucket, now that it takes no more from it (kept past a close the wire saw first).
    const level = this.native!.level();
    if (level >= 0) this.startBucket(this.core.clock(), level);
  }

  /** A counter delta of the wire's fast path (README: rateLimited is counted by JS, not again here). */
  addNativeCounters(delta: NativeCounters): void {
    const into = this.closed ? this.core.retired : this.counters;
    into.msgsIn += delta.msgsIn;
    into.msgsOut += delta.msgsOut;
    into.bytesIn += delta.bytesIn;
    into.acksOut += delta.acksOut;
    into.acksIn += delta.acksIn;
    if (this.closed) into.bytesOut += delta.bytesOut;
    else this.nativeBytesOut += delta.bytesOut;
    // A device busy on the fast path is alive: the liveness tick must not ping it as idle.
    if (delta.msgsIn > 0 || delta.acksIn > 0) this.lastIn = this.core.clock();
  }

  send(frame: Uint8Array): number {
    if (this.state === 'closed') return 0;
    return this.countDrops(this.queue.push(frame));
  }

  /** Acks a device frame the way its firmware can read: legacy always empty, v2 with a status. */
  ack(msgId: number, status: number): void {
    if (this.state === 'closed') return;
    this.counters.acksOut++;
    this.countDrops(this.queue.pushAck(msgId, this.protocol === 'v2' ? status : -1));
  }

  private countDrops(dropped: number): number {
    if (dropped > 0) {
      this.counters.drops += dropped;
      this.core.countDrops(dropped);
    }
    return dropped;
  }

  sendPing(now: number): void {
    this.pingMsgId = this.nextId(true);
    this.pingSentAt = now;
    this.pingSentPrecise = performance.now();
    const probe = this.core.options.keepalive.rttProbeMs;
    if (probe > 0) this.rttProbeAt = now + probe;
    const ping = encodeFrame(Command.PING, this.pingMsgId);
    this.send(ping);
    // Only open (logged-in) sessions are pinged, so the id is set.
    if (this.core.wants('frame')) this.core.traceOut(this.id!, 'server', this.id!, ping, 1);
  }

  /** Counts a refused message by kind (the ack carries the status). */
  refuse(kind: string): void {
    this.counters.errors++;
    if (this.counters.errorsByKind === NO_ERRORS) this.counters.errorsByKind = {};
    this.counters.errorsByKind[kind] = (this.counters.errorsByKind[kind] ?? 0) + 1;
  }

  protocolError(detail: string): void {
    this.refuse(detail);
    this.close('protocol_error', detail);
  }

  pauseInput(): void {
    this.stream.pause();
  }

  resumeInput(): void {
    this.stream.resume();
    this.pump(this.core.clock());
  }

  /** A redirected device that leaves before the grace period ends still left because of the redirect. */
  private peerGone(arg: unknown): void {
    const how = arg instanceof Error ? ((arg as NodeJS.ErrnoException).code ?? 'error') : typeof arg === 'boolean' ? 'close' : 'end';
    this.close(this.redirectAt !== 0 ? 'redirected' : 'closed_by_peer', how, 'now');
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.counters.bytesIn += chunk.length;
    // A plain Uint8Array view: every payload slice taken from it is cheaper than a Buffer slice.
    this.decoder.feed(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const now = this.core.beginChunk();
    try {
      this.pump(now);
    } finally {
      this.core.endChunk();
    }
  }

  private pump(now: number): void {
    while (this.state === 'login' || this.state === 'open') {
      const result = this.decoder.next();
      if (result.kind === 'need-more') {
        // The chunk is fully consumed (partial frames are copied out): let it go while idle.
        this.decoder.feed(EMPTY_CHUNK);
        return;
      }
      if (result.kind === 'error') {
        const { code } = result.error;
        this.protocolError(code === 'too_large' && this.state === 'login' ? 'login_too_large' : code);
        return;
      }
      this.lastIn = now;
      this.handleFrame(result.frame);
    }
  }

  private handleFrame(frame: Frame): void {
    try {
      this.core.dispatch(this, frame);
    } catch (err) {
      // A bug or a throwing hook closes this session only.
      this.refuse('exception');
      this.close('server_error', err instanceof Error ? err.message.slice(0, 200) : 'exception');
    }
  }

  /**
   * Ends the connection with one recorded reason. 'graceful' flushes what is queued (a login
   * refusal, the last acks) and half-closes; 'now' destroys at once (peer gone, slow consumer).
   */
  close(reason: DisconnectReason, detail?: string, mode: 'graceful' | 'now' = 'graceful'): void {
    if (this.closeReason) return;
    this.closeReason = reason;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.unroute();
    if (this.loginTimer) clearTimeout(this.loginTimer);
    const graceful = mode === 'graceful' && !this.stream.destroyed;
    // What is queued leaves first, so the counters the broker retires next include it.
    if (graceful) this.queue.flush(true);
    try {
      this.core.closed(this, wasOpen, reason, detail);
    } finally {
      // whatever a close listener did: the socket never stays open, nor counted, for a closed session
      this.queue.clear();
      if (graceful) {
        this.stream.end();
        // The socket still counts toward the connection limits while it lingers: until the peer has gone or
        // the linger ends (a stream need not emit 'close', so the timer releases it too).
        this.stream.once('close', () => this.release());
        setTimeout(() => {
          this.stream.destroy();
          this.release();
        }, this.core.options.closeLingerMs).unref();
      } else {
        this.stream.destroy();
        this.release();
      }
    }
  }

  /** Once per session: its socket is gone and no longer counts toward the connection limits. */
  private release(): void {
    if (this.released) return;
    this.released = true;
    this.core.sockets.release(this.address);
  }

  info(): SessionInfo {
    this.counters.queueDepth = this.queue.depth;
    this.counters.queueBytes = this.queue.bytes;
    this.counters.bytesOut = this.queue.written + this.nativeBytesOut;
    return {
      id: this.id ?? '',
      address: this.address,
      transport: this.transport,
      protocol: this.protocol,
      device: this.device,
      udp: this.udp,
      connectedAt: this.connectedAt,
      rttMs: this.rttMs,
      counters: { ...this.counters, errorsByKind: { ...this.counters.errorsByKind } },
    };
  }
}

