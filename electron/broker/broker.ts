import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Command, Status, statusName } from '../../shared/protocol/constants';
import { scanValue, skipWhitespace } from '../../shared/protocol/json-scan';
import { encodeFrame } from '../../shared/protocol/frame';
import { BrokerCore } from './core';
import { ConnectionRates } from './connection-rates';
import { TokenBucket } from './limits';
import { Listeners, type ListenSpec, type TlsListenSpec } from './listeners';
import { nativeHooks } from './native-hooks';
import { loadNativeWire, type NativeWireLoad } from './native/wire';
import { resolveOptions, type BrokerOptions, type ResolvedOptions } from './options';
import { Session } from './session';
import type { TokenStore } from './tokens';
import type { BrokerEvents, BrokerStats, BrokerTransport, SessionInfo } from './types';

/**
 * A socket reset before the broker looked at it has no remote address left: nobody to serve, and
 * no address to count it under. Refused without spending a rate token, or a peer resetting fast
 * enough would spend everyone's as 'unknown', which no per-address limit covers.
 */
const PEER_GONE = 'peer_gone';

export type SendResult = { ok: true; msgId: number } | { ok: false; status: number; reason: string };

/**
 * The HyperTCP broker (docs/PROTOCOL.md). Plain Node: the desktop app and the headless host run
 * the same code. Feed it any duplex stream with handle(), or let it listen on TCP and TLS.
 */
export class Broker extends EventEmitter<BrokerEvents> {
  private readonly core: BrokerCore;
  readonly options: ResolvedOptions;
  private readonly sockets: Listeners;
  private readonly connectionBucket: TokenBucket;
  private readonly addressRates: ConnectionRates;
  private readonly ticker: NodeJS.Timeout;
  private readonly startedAt = Date.now();
  private closing = false;
  private pausedNow = false;
  /** pause() and resume() run one after the other, in call order. */
  private pauseChain: Promise<void> = Promise.resolve();
  /**
   * Plain TCP's data path: 'native' (the addon owns the sockets, routed messages bypass JS) or
   * 'js'; `dataPathReason` says why not native.
   */
  readonly dataPath: 'native' | 'js';
  readonly dataPathReason: string | null;

  constructor(options: BrokerOptions) {
    super();
    this.options = resolveOptions(options);
    this.core = new BrokerCore(this.options, this as EventEmitter);
    const { limits, keepalive } = this.options;
    this.connectionBucket = new TokenBucket(limits.connectionsPerSecond, limits.connectionBurst, performance.now());
    this.addressRates = new ConnectionRates(limits.connectionsPerSecondPerAddress, limits.connectionBurstPerAddress, this.core.peerKeys.rateKeys);
    // One timer for every connection's deadlines: a quarter of the shortest one, 5 ms..1 s.
    const shortest = Math.min(keepalive.intervalMs, keepalive.deadlineMs, limits.loginTimeoutMs, limits.drainTimeoutMs, this.options.redirectGraceMs);
    this.ticker = setInterval(() => this.core.tick(), Math.max(5, Math.min(1000, shortest / 4)));
    this.ticker.unref();
    const { nativeWire } = this.options;
    const loaded: NativeWireLoad = nativeWire === false ? { addon: null, reason: 'turned off (nativeWire: false)' } : loadNativeWire(typeof nativeWire === 'string' ? nativeWire : undefined);
    this.dataPath = loaded.addon ? 'native' : 'js';
    this.dataPathReason = loaded.reason;
    this.sockets = new Listeners(
      // A TLS socket took its connection-rate token when its handshake began (holdHandshake).
      (socket, transport) => {
        const address = socket.remoteAddress;
        if (address === undefined) return this.refuse(socket, 'unknown', transport, PEER_GONE);
        this.handle(socket, { address, transport, rateTaken: transport === 'tls' });
      },
      limits.loginTimeoutMs,
      () => this.core.tally.acceptErrors++,
      (raw) => this.holdHandshake(raw),
      loaded.addon ? { addon: loaded.addon, hooks: nativeHooks(this.core) } : null,
    );
    this.core.tracingChanged = (on) => this.sockets.setTracing(on);
    this.sockets.setTracing(this.core.wants('frame'));
  }

  /** Also removes the hooks that tell the broker which events have listeners: put them back. */
  override removeAllListeners(eventName?: Parameters<EventEmitter<BrokerEvents>['removeAllListeners']>[0]): this {
    super.removeAllListeners(eventName);
    this.core.trackListeners();
    return this;
  }

  /** One line for logs: which data path plain TCP uses, and why not native. */
  dataPathNote(): string {
    return this.dataPath === 'native' ? 'plain TCP on the native data path' : `plain TCP on the JS data path (${this.dataPathReason})`;
  }

  /** True between pause() and resume(): no listeners, no connections. */
  get paused(): boolean {
    return this.pausedNow;
  }

  /**
   * Serves one connection over any duplex stream (socket, TLS socket, in-memory pair). `rateTaken`:
   * the connection already took its connection-rate token (a TLS handshake, at its start).
   */
  handle(stream: Duplex, info: { address: string; transport: BrokerTransport; rateTaken?: boolean }): void {
    const refusal = this.refusal(info.address, !info.rateTaken);
    if (refusal) return this.refuse(stream, info.address, info.transport, refusal);
    const session = new Session(this.core, stream, info.address, info.transport);
    this.core.connections.add(session);
  }

  /**
   * Why a new socket from `address` is refused, or null. Every socket held counts, and every one
   * takes a rate token (checked last: a socket refused for another reason does not spend one): its
   * address's first, so an address over its own rate spends nothing of everyone's.
   */
  private refusal(address: string, takeRateToken: boolean): string | null {
    if (this.closing) return 'shutdown';
    if (this.pausedNow) return 'paused';
    const { limits } = this.options;
    if (this.core.sockets.total >= limits.maxConnections) return 'max_connections';
    if (this.core.sockets.heldBy(address) >= limits.maxConnectionsPerAddress) return 'max_connections_per_address';
    if (!takeRateToken) return null;
    const now = performance.now();
    if (!this.addressRates.take(address, now)) return 'connection_rate_per_address';
    if (!this.connectionBucket.take(now)) return 'connection_rate';
    return null;
  }

  /**
   * A TLS handshake holds a socket before it is a session: it counts toward the connection limits
   * like one, or plain sessions plus handshakes could reach twice maxConnections (and one address
   * could hold any number of handshakes), and it takes its rate token
   * now, as handshakes are what cost the CPU. Returns its release (the listener calls it when the
   * socket is secured, just before handle(), or closes), or null when refused.
   */
  private holdHandshake(raw: Socket): (() => void) | null {
    // Read once: the same address must be released that was held.
    const address = raw.remoteAddress;
    const refusal = address === undefined ? PEER_GONE : this.refusal(address, true);
    if (address === undefined || refusal) {
      this.refuse(raw, address ?? 'unknown', 'tls', refusal!);
      return null;
    }
    this.core.sockets.hold(address);
    let held = true;
    return () => {
      if (held) this.core.sockets.release(address);
      held = false;
    };
  }

  private refuse(stream: Duplex, address: string, transport: BrokerTransport, detail: string): void {
    stream.on('error', () => {});
    stream.destroy();
    this.rejected(address, transport, detail);
  }

  /** A connection refused before it became a session (here or in its TLS handshake): counted and reported. */
  private rejected(address: string, transport: BrokerTransport, detail: string): void {
    this.core.tally.connectionsRejected++;
    this.core.disconnects.rejected = (this.core.disconnects.rejected ?? 0) + 1;
    if (this.core.wants('connection:close')) {
      this.core.emit('connection:close', { address, transport, device: null, reason: 'rejected', detail });
    }
  }

  /** Listens on plain TCP; resolves with the port (the one resume() listens on again). */
  listen(opts: ListenSpec): Promise<number> {
    if (this.pausedNow || this.closing) return Promise.reject(new Error('broker is paused or closed'));
    return this.sockets.add(opts, false);
  }

  listenTls(opts: TlsListenSpec): Promise<number> {
    if (this.pausedNow || this.closing) return Promise.reject(new Error('broker is paused or closed'));
    return this.sockets.add(opts, true);
  }

  /**
   * Stops serving devices while the app stays up: closes the listeners and every connection with
   * reason 'paused'; connections offered through handle() meanwhile are refused. Idempotent.
   */
  pause(): Promise<void> {
    return this.serialise(async () => {
      if (this.pausedNow || this.closing) return;
      this.pausedNow = true;
      const stopped = this.sockets.stop();
      for (const session of [...this.core.connections]) session.close('paused');
      await stopped;
    });
  }

  /** Listens again on the same hosts and ports as before pause(); stays paused if one cannot be bound. */
  resume(): Promise<void> {
    return this.serialise(async () => {
      if (!this.pausedNow || this.closing) return;
      await this.sockets.restart();
      this.pausedNow = false;
    });
  }

  private serialise(step: () => Promise<void>): Promise<void> {
    const run = this.pauseChain.then(step);
    this.pauseChain = run.catch(() => {});
    return run;
  }

  /** The app ("server") sends a JSON object to one device. */
  sendFromServer(to: string, payloadJson: string): SendResult {
    const inner = jsonObjectBytes(payloadJson);
    if (!inner) return { ok: false, status: Status.MALFORMED, reason: 'payload must be one JSON object' };
    const { status, msgId } = this.core.router.fromServer(to, inner);
    if (status === Status.SUCCESS || status === Status.QUEUE_FULL) return { ok: true, msgId };
    return { ok: false, status, reason: statusName(status).toLowerCase() };
  }

  /** The app broadcasts to every device; returns the number of recipients (-1: invalid or too large). */
  broadcastFromServer(payloadJson: string): number {
    const inner = jsonObjectBytes(payloadJson);
    if (!inner) return -1;
    return this.core.router.broadcastFromServer(inner);
  }

  /** Sends REDIRECT to one v2 device or all ('*'); returns how many were redirected (see redirectSessions). */
  redirect(device: string, host: string, port: number): number {
    return this.redirectSessions(device, host, port).redirected;
  }

  /**
   * Sends REDIRECT to one v2 device or all ('*'), then closes them after the grace period. A
   * device whose receive limit (its LOGIN's maxPayload) the REDIRECT exceeds would skip it and
   * come back here after the close: it is left connected and counted in skippedTooLarge.
   */
  redirectSessions(device: string, host: string, port: number): RedirectResult {
    const payload = Buffer.from(JSON.stringify({ server: host, port }));
    const at = this.core.clock() + this.options.redirectGraceMs;
    const result: RedirectResult = { redirected: 0, skippedTooLarge: 0 };
    for (const s of this.core.openSessions()) {
      if (s.protocol !== 'v2' || (device !== '*' && s.id !== device) || s.redirectAt !== 0) continue;
      if (payload.length > s.receiveLimit) {
        result.skippedTooLarge++;
        continue;
      }
      const frame = encodeFrame(Command.REDIRECT, s.nextId(), payload);
      s.send(frame);
      if (this.core.wants('frame')) this.core.traceOut(s.id!, 'server', s.id!, frame, 1);
      s.redirectAt = at;
      result.redirected++;
    }
    return result;
  }

  /** Revokes the device's token and closes its live session; true if a session was closed. */
  revoke(id: string): boolean {
    this.options.tokens.revoke(id);
    return this.disconnect(id, 'revoked');
  }

  /**
   * Issues a new token for the device (returned once) and closes its live session, which
   * authenticated with the old one (reason revoked, detail rotated).
   */
  rotate(id: string): string {
    const token = this.options.tokens.rotate(id);
    this.disconnect(id, 'revoked', 'rotated');
    return token;
  }

  /** The token registry this broker authenticates against (create, list, revoke, rotate). */
  get tokens(): TokenStore {
    return this.options.tokens;
  }

  /** Closes a device's live session (e.g. after its token was rotated). */
  disconnect(id: string, reason: 'revoked' | 'shutdown' | 'server_error' = 'revoked', detail?: string): boolean {
    const session = this.core.sessionById(id);
    if (!session) return false;
    session.close(reason, detail);
    return true;
  }

  sessions(): SessionInfo[] {
    return [...this.core.openSessions()].map((s) => s.info());
  }

  session(id: string): SessionInfo | null {
    return this.core.sessionById(id)?.info() ?? null;
  }

  stats(): BrokerStats {
    return this.core.stats(this.startedAt);
  }

  /** Stops listening and closes every connection with `reason` (default shutdown). */
  async close(reason: 'shutdown' | 'server_error' = 'shutdown'): Promise<void> {
    this.closing = true;
    clearInterval(this.ticker);
    const closed = this.sockets.stop();
    for (const session of [...this.core.connections]) session.close(reason);
    await closed;
    // A resume that was binding meanwhile finishes first; then nothing may stay listening.
    await this.pauseChain;
    await this.sockets.stop();
    this.sockets.forget();
  }
}

/** Sessions sent a REDIRECT, and v2 sessions left connected because it exceeds their receive limit. */
export interface RedirectResult {
  redirected: number;
  skippedTooLarge: number;
}

/** The bytes of a string that holds exactly one JSON object (validated by the same scanner). */
function jsonObjectBytes(json: string): Uint8Array | null {
  const bytes = Buffer.from(json, 'utf8');
  const start = skipWhitespace(bytes, 0);
  if (bytes[start] !== 0x7b) return null;
  const end = scanValue(bytes, start, 1);
  if (end < 0 || skipWhitespace(bytes, end) !== bytes.length) return null;
  return bytes.subarray(start, end);
}
