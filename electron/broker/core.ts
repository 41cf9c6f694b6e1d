import type { EventEmitter } from 'node:events';
import type { Frame } from '../../shared/protocol/frame';
import { OutFrameEvent } from './frame-event';
import { dispatch } from './handlers/index';
import { handleUdpEnvelope } from './handlers/udp-message';
import { HeldSockets } from './held-sockets';
import { LoginThrottle } from './limits';
import { FIRST_RTT_PROBE_MS, type ResolvedOptions } from './options';
import { PeerKeys } from './peer-keys';
import type { OutboundQueue, QueueBudget } from './outbound';
import { RateLevels } from './rate-levels';
import { Router } from './router';
import { emptyCounters, type Session } from './session';
import type { BrokerEvents, BrokerStats, DisconnectReason, FrameEvent, SessionCounters } from './types';

type EventName = keyof BrokerEvents;

/**
 * The broker's internal state shared by sessions, handlers and the router: the session registry,
 * the flush scheduler (one setImmediate per tick for all sessions), the liveness tick and the
 * counters of closed sessions. Events go out through the public Broker (an EventEmitter), and
 * only when somebody listens.
 */
export class BrokerCore {
  readonly router: Router;
  readonly throttle: LoginThrottle;
  readonly connections = new Set<Session>();
  /**
   * Sockets the broker holds, in total and per address: every session's stream until it is
   * destroyed, so also the closed ones still lingering (not in `connections` any more), and every
   * TLS handshake in progress (Broker.holdHandshake). maxConnections and maxConnectionsPerAddress
   * are checked against these: connections closed on purpose must not make room.
   */
  readonly sockets: HeldSockets;
  /** How peer addresses are grouped for the per-address limits and the login throttle. */
  readonly peerKeys: PeerKeys;
  readonly queueBudget: QueueBudget;
  /** Rate bucket levels of devices whose session closed lately, for their next session. */
  readonly rateLevels: RateLevels;
  private readonly byId = new Map<string, Session>();
  private dirty: (OutboundQueue | null)[] = [];
  private dirtyCount = 0;
  private flushing: (OutboundQueue | null)[] = [];
  private flushPending = false;
  /** Counters of sessions that have closed, so broker-wide totals survive them. */
  readonly retired: SessionCounters = emptyCounters();
  readonly tally = { loginsOk: 0, loginsFailed: 0, connectionsRejected: 0, drops: 0, listenerErrors: 0, acceptErrors: 0, udpOrphans: 0 };
  readonly disconnects: Partial<Record<DisconnectReason, number>> = {};
  /** Per event: does anybody listen? Kept by the emitter's own add/remove notifications. */
  private readonly listening = new Map<string | symbol, boolean>();
  private frameListeners: ((ev: FrameEvent) => void)[] | null = null;

  constructor(
    readonly options: ResolvedOptions,
    private readonly emitter: EventEmitter,
  ) {
    const { limits } = options;
    this.queueBudget = { bytes: 0, max: limits.maxTotalQueueBytes };
    this.rateLevels = new RateLevels(limits.ratePerSecond, limits.rateBurst);
    this.router = new Router(this);
    this.peerKeys = new PeerKeys(options.addressing);
    this.sockets = new HeldSockets(this.peerKeys.limited);
    this.throttle = new LoginThrottle(limits.loginDelayBaseMs, limits.loginDelayMaxMs, limits.loginFailureHalfLifeMs, undefined, this.peerKeys.throttleKeys);
    options.udp?.attachRouter((e) => handleUdpEnvelope(this, e));
    options.udp?.attachSessionEnd((deviceId, sessionId) => this.byId.get(deviceId)?.udpEnded(sessionId));
    this.trackListeners();
  }

  /** Told when 'frame' gains its first listener or loses its last (the native wire's traces follow it). */
  tracingChanged: ((on: boolean) => void) | null = null;

  private readonly onNewListener = (event: string | symbol): void => {
    this.setListening(event, true);
  };

  private readonly onRemoveListener = (event: string | symbol): void => {
    this.setListening(event, this.emitter.listenerCount(event) > 0);
  };

  private setListening(event: string | symbol, on: boolean): void {
    const was = this.listening.get(event) === true;
    this.listening.set(event, on);
    if (event !== 'frame') return;
    this.frameListeners = null; // read again at the next frame, once the change is in
    if (was !== on) this.tracingChanged?.(on);
  }

  /**
   * Keeps `listening` in step with the emitter through its own add/remove notifications. Called
   * again after removeAllListeners(), which also removes these two hooks.
   */
  trackListeners(): void {
    const emitter = this.emitter;
    if (!emitter.listeners('newListener').includes(this.onNewListener)) emitter.on('newListener', this.onNewListener);
    if (!emitter.listeners('removeListener').includes(this.onRemoveListener)) emitter.on('removeListener', this.onRemoveListener);
    const tracing = this.wants('frame');
    this.frameListeners = null;
    this.listening.clear();
    for (const event of emitter.eventNames()) this.listening.set(event, emitter.listenerCount(event) > 0);
    if (tracing !== this.wants('frame')) this.tracingChanged?.(!tracing);
  }

  /**
   * Monotonic ms (performance.now()) for every deadline, bucket and throttle: a wall clock that
   * steps back (NTP, the user) must not hold up login, keepalive, drain or redirect deadlines for
   * as long as the step. While a chunk of input is being handled it is read once for the whole
   * chunk: every frame and ack of the chunk shares it (a clock read per frame was measurable).
   */
  readonly clock = (): number => (this.inChunk ? this.chunkAt : performance.now());
  /** Wall-clock ms, only for what the app sees (event timestamps); read at most once per chunk. */
  readonly now = (): number => (this.inChunk ? (this.chunkWall ||= Date.now()) : Date.now());
  private inChunk = false;
  private chunkAt = 0;
  private chunkWall = 0;

  /** A chunk of input starts: reads the clock for all of it (see clock()); pair with endChunk(). */
  beginChunk(): number {
    this.inChunk = true;
    this.chunkWall = 0;
    return (this.chunkAt = performance.now());
  }

  endChunk(): void {
    this.inChunk = false;
  }

  /** Queues get flushed together once per event-loop turn: one write per socket per tick. */
  readonly schedule = (queue: OutboundQueue): void => {
    this.dirty[this.dirtyCount++] = queue;
    if (!this.flushPending) {
      this.flushPending = true;
      setImmediate(this.flushAll);
    }
  };

  /** Writes every queue scheduled so far now (the native wire's batch end: before its fast path goes on). */
  flushNow(): void {
    if (this.dirtyCount > 0) this.flushAll();
  }

  private readonly flushAll = (): void => {
    this.flushPending = false;
    // Two lists swapped each tick and emptied by index: no array allocated per tick.
    const dirty = this.dirty;
    const count = this.dirtyCount;
    this.dirty = this.flushing;
    this.dirtyCount = 0;
    this.flushing = dirty;
    for (let i = 0; i < count; i++) {
      const queue = dirty[i]!;
      dirty[i] = null;
      queue.flush();
    }
  };

  dispatch(session: Session, frame: Frame): void {
    try {
      dispatch(this, session, frame);
    } finally {
      // Held delivery events of a frame whose handling threw are dropped with it.
      this.dropHeldTraces();
    }
  }

  sessionById(id: string): Session | undefined {
    return this.byId.get(id);
  }

  openSessions(): IterableIterator<Session> {
    return this.byId.values();
  }

  get sessionCount(): number {
    return this.byId.size;
  }

  knowsDevice(id: string): boolean {
    const tokens = this.options.tokens;
    return tokens.has ? tokens.has(id) : tokens.list().some((t) => t.id === id && t.revokedAt === null);
  }


  wants(event: EventName): boolean {
    return this.listening.get(event) === true;
  }

  /**
   * Emits to the app's listeners. A throwing listener is the app's bug: it is counted, the
   * listeners after it still hear the event, and it must not take a device session (or the
   * broker's timer) down with it.
   */
  emit<E extends EventName>(event: E, ...args: BrokerEvents[E]): void {
    const listeners = this.emitter.rawListeners(event) as ((...a: BrokerEvents[E]) => void)[];
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!.apply(this.emitter, args);
      } catch {
        this.tally.listenerErrors++;
      }
    }
  }

  /**
   * emit('frame', ev) without the emitter's argument arrays: two events per routed message, and
   * at thousands a second the arrays were a fifth of what the broker allocated. The listener array
   * is the emitter's copy (rawListeners: once() wrappers remove themselves), replaced, never
   * changed, when a listener comes or goes, so one added during a frame waits for the next, as
   * with emit(), and a throwing listener is counted as there.
   */
  emitFrame(ev: FrameEvent): void {
    const listeners = (this.frameListeners ??= this.emitter.rawListeners('frame') as ((ev: FrameEvent) => void)[]);
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!.call(this.emitter, ev);
      } catch {
        this.tally.listenerErrors++;
      }
    }
  }

  countDrops(n: number): void {
    this.tally.drops += n;
  }

  /** After a successful login: a live session with the same id is replaced. */
  opened(session: Session): void {
    const previous = this.byId.get(session.id!);
    // Register first: the replaced session's close must not tear down what the new one opened (UDP).
    this.byId.set(session.id!, session);
    const probe = this.options.keepalive.rttProbeMs;
    if (probe > 0) session.rttProbeAt = this.clock() + Math.min(probe, FIRST_RTT_PROBE_MS);
    if (previous && previous !== session) {
      previous.close('replaced');
      // Its UDP session ends with it. A new login that asked for UDP has already replaced that
      // session with its own; one that did not must not inherit it (closed() skips it: not registered).
      if (previous.udp && !session.udp) this.options.udp?.closeSession(session.id!, 'replaced');
    }
    // The device's rate bucket goes on from where its last session (replaced just now, or closed lately) left it.
    const now = this.clock();
    session.takeOverRate(this.rateLevels.take(session.id!, now), now);
    this.tally.loginsOk++;
    session.routeNative();
    // A 'session:close' listener of the replaced session may have closed this one already: its
    // 'session:close' has gone out, so a late 'session:open' would show a closed session online.
    if (session.open && this.wants('session:open')) this.emit('session:open', session.info());
  }

  loginFailed(session: Session, reason: string): void {
    this.tally.loginsFailed++;
    if (this.wants('login:failed')) this.emit('login:failed', { address: session.address, reason });
  }

  closed(session: Session, wasOpen: boolean, reason: DisconnectReason, detail: string | undefined): void {
    this.connections.delete(session);
    if (wasOpen && session.id !== null) {
      const now = this.clock();
      this.rateLevels.keep(session.id, session.rateLevel(now), now);
    }
    if (session.id !== null && this.byId.get(session.id) === session) {
      this.byId.delete(session.id);
      if (session.udp) this.options.udp?.closeSession(session.id, reason);
    }
    this.disconnects[reason] = (this.disconnects[reason] ?? 0) + 1;
    const info = session.info();
    addCounters(this.retired, info.counters);
    if (!wasOpen && reason === 'login_timeout') this.loginFailed(session, reason);
    if (wasOpen && this.wants('session:close')) this.emit('session:close', info, reason, detail);
    if (this.wants('connection:close')) {
      this.emit('connection:close', { address: session.address, transport: session.transport, device: session.id, reason, detail });
    }
  }

  serverMessage(from: string, payload: Uint8Array): void {
    if (this.wants('server:message')) this.emit('server:message', { from, payload });
  }

  /** 'out' events of the frame being handled, emitted right after its 'in' event (one reused array). */
  private holding = false;
  /** held[0..heldCount): reused per frame (emptying it with length = 0 would reallocate it each time). */
  private readonly held: (FrameEvent | null)[] = [];
  private heldCount = 0;

  holdTraces(): void {
    this.holding = true;
  }

  /** Drops the held delivery events of a message whose handling threw (no-op when none are held). */
  dropHeldTraces(): void {
    if (!this.holding) return;
    this.holding = false;
    this.dropHeld();
  }

  private dropHeld(): void {
    for (let i = 0; i < this.heldCount; i++) this.held[i] = null;
    this.heldCount = 0;
  }

  /** `target`: a message's targetId when its envelope was read (a TCP message refused by the rate limit is not read). */
  traceIn(session: Session, frame: Frame, status: number | null, target: string | null = null): void {
    this.holding = false;
    const to = frame.type === 50 ? 'broadcast' : target;
    this.emitFrame({
      ts: this.now(), dir: 'in', device: session.id!, from: session.id, to, cmd: frame.type,
      msgId: frame.msgId, size: frame.payload.length, status, payload: frame.payload,
    });
    // A listener that makes the broker send emits directly (not holding), so the array is stable.
    const held = this.held;
    for (let i = 0; i < this.heldCount; i++) this.emitFrame(held[i]!);
    this.dropHeld();
  }

  traceOut(device: string, from: string, to: string, frame: Uint8Array, recipients: number): void {
    const ev = new OutFrameEvent(this.now(), device, from, to, frame);
    if (device === '*') ev.recipients = recipients;
    if (this.holding) this.held[this.heldCount++] = ev;
    else this.emitFrame(ev);
  }

  /** Liveness and deadlines for every connection; runs on one broker-wide timer. */
  tick(): void {
    const now = this.clock();
    const { limits, keepalive } = this.options;
    for (const s of this.connections) {
      if (s.state === 'login') {
        if (now - s.acceptedAt >= limits.loginTimeoutMs) s.close('login_timeout');
        continue;
      }
      if (s.state !== 'open') continue;
      if (s.redirectAt !== 0 && now >= s.redirectAt) {
        s.close('redirected');
        continue;
      }
      if (s.queue.blockedSince !== 0 && now - s.queue.blockedSince >= limits.drainTimeoutMs) {
        s.close('slow_consumer', `${s.queue.depth} frames queued`, 'now');
        continue;
      }
      if (s.pingSentAt !== 0 && s.lastIn < s.pingSentAt) {
        if (now - s.pingSentAt >= keepalive.deadlineMs) s.close('keepalive_timeout', undefined, 'now');
      } else if (now - s.lastIn >= keepalive.intervalMs || (s.rttProbeAt !== 0 && now >= s.rttProbeAt)) {
        s.sendPing(now);
      }
    }
  }

  stats(startedAt: number): BrokerStats {
    const total = emptyCounters();
    addCounters(total, this.retired);
    let queueDepth = 0;
    for (const s of this.connections) {
      const info = s.info();
      addCounters(total, info.counters);
      queueDepth += info.counters.queueDepth;
    }
    return {
      startedAt,
      connections: this.connections.size,
      sessions: this.byId.size,
      socketsHeld: this.sockets.total,
      ...this.tally,
      msgsIn: total.msgsIn, msgsOut: total.msgsOut, bytesIn: total.bytesIn, bytesOut: total.bytesOut,
      acksIn: total.acksIn, acksOut: total.acksOut, errors: total.errors, rateLimited: total.rateLimited,
      queueDepth,
      errorsByKind: total.errorsByKind,
      disconnects: { ...this.disconnects },
    };
  }
}

function addCounters(into: SessionCounters, add: SessionCounters): void {
  into.msgsIn += add.msgsIn;
  into.msgsOut += add.msgsOut;
  into.bytesIn += add.bytesIn;
  into.bytesOut += add.bytesOut;
  into.errors += add.errors;
  into.drops += add.drops;
  into.acksIn += add.acksIn;
  into.acksOut += add.acksOut;
  into.rateLimited += add.rateLimited;
  for (const [kind, n] of Object.entries(add.errorsByKind)) into.errorsByKind[kind] = (into.errorsByKind[kind] ?? 0) + n;
}
