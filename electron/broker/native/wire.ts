/**
 * The typed JS side of the native data path (wire.cpp; README.md beside it). The Broker's plain-TCP
 * listener uses it through native-listener.ts and NativeSocket (native-socket.ts).
 *
 * Batch layout. The addon calls onBatch(seq, bytes: ArrayBuffer, strings: string[]) once per
 * ready batch (never once per frame), seq counting from 1; onBatch(0) once after close() when no
 * batch will follow. `bytes` holds records back to back, little-endian, unaligned; every record
 * starts with kind (u8) and connId (u32); `str` fields index `strings`:
 *
 * | kind | record    | then                                                                     |
 * |-----:|-----------|--------------------------------------------------------------------------|
 * | 1    | accepted  | port u16, address str u32                                                |
 * | 2    | data      | length u32, that many bytes (slow path: the peer's bytes, unchanged)     |
 * | 3    | closed    | reason str u32: end, destroyed, shutdown, or an errno code (ECONNRESET)  |
 * | 4    | drained   | -                                                                        |
 * | 5    | trace     | one per fast message, connId the sender's: receiver connId u32, in msgId u16, out msgId u16, status u8, payloadStart u16, payloadEnd u16, length u32, envelope bytes (the sender's; the payload's span in it) |
 * | 6    | counters  | msgsIn, msgsOut, bytesIn, bytesOut, acksOut, rateLimited, acksIn: u32 deltas |
 *
 * Counters and traces cover the frames the wire handled (fast-path messages, and the acks of a
 * routed device, RESPONSEs other than the answer to a PING, which are only counted); JS counts what it handles itself;
 * rateLimited counts frames the fast path handed to JS for lack of a token (JS then refuses and
 * counts them too, so do not add it twice).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeRoute {
  deviceId: string;
  v2: boolean;
  maxPayload: number;
  /** The largest delivered payload the device takes (its v2 LOGIN's maxPayload); left out: no limit of its own. Bigger deliveries go to JS. */
  receiveLimit?: number;
  ratePerSecond: number;
  rateBurst: number;
  /**
   * The tokens the bucket starts with when the connection was not routed (what the session's JS
   * bucket holds now: messages JS handled before count); full when left out.
   */
  tokens?: number;
}

/** Counters and traces alone reach JS at most this often (kLazyMs in loop.cpp): they lag the frames by that much. */
export const NATIVE_LAZY_MS = 5;

/**
 * The wire stops reading its connections while the batch JS has not taken holds more than this
 * (kMaxPendingBytes in loop.cpp), until JS takes it: TCP then pushes back on the devices.
 */
export const NATIVE_MAX_PENDING_BYTES = 128 * 1024;

type Handle = object;

/** The addon's exports (wire.cpp). */
export interface NativeWireAddon {
  create(onBatch: (seq: number, bytes?: ArrayBuffer, strings?: string[]) => void): Handle;
  listen(h: Handle, host: string, port: number): number;
  unlisten(h: Handle): void;
  close(h: Handle): void;
  write(h: Handle, connId: number, bytes: Uint8Array): boolean;
  end(h: Handle, connId: number): boolean;
  destroy(h: Handle, connId: number): boolean;
  route(h: Handle, connId: number, route: NativeRoute | null): boolean;
  take(h: Handle, connId: number): boolean;
  level(h: Handle, connId: number): number;
  nextId(h: Handle, connId: number, ping?: boolean): number;
  pause(h: Handle, connId: number, paused: boolean): boolean;
  setTracing(h: Handle, on: boolean): void;
  processed(h: Handle, seq: number): void;
  connections(h: Handle): number;
  /** Test-only: the largest batch (bytes) that waited for JS so far. */
  pendingPeak(h: Handle): number;
  /** Test-only: what the connections' output and hold buffers keep allocated (bytes). */
  bufferedBytes(h: Handle): number;
  /** Test-only: [idStart, idEnd, payloadStart, payloadEnd] when the fast path takes the envelope, else null. */
  classify(bytes: Uint8Array): [number, number, number, number] | null;
}

export interface NativeCounters {
  msgsIn: number;
  msgsOut: number;
  bytesIn: number;
  bytesOut: number;
  acksOut: number;
  rateLimited: number;
  acksIn: number;
}

/**
 * One fast-path message: the JSON_MESSAGE the sender sent (`inMsgId`, acked with `status`) and its
 * delivery to the receiver (`outMsgId`), whose payload is `{"from":"<sender's id>","payload":` +
 * batch[payloadStart, payloadEnd) + `}` (deliveredFrame() in ../wire.ts).
 *
 * One object serves every trace of a batch (at thousands of messages a second, an object and a
 * view per message would be most of what JS allocates): read it during the call, keep nothing.
 */
export interface NativeTrace {
  /** The sender's connection. */
  connId: number;
  receiverId: number;
  inMsgId: number;
  outMsgId: number;
  status: number;
  /** The batch's bytes: the sender's envelope (the 'in' frame's payload) is batch[envelopeStart, envelopeEnd). */
  batch: Uint8Array;
  envelopeStart: number;
  envelopeEnd: number;
  /** Where the payload is in `batch`. */
  payloadStart: number;
  payloadEnd: number;
}

export interface NativeWireEvents {
  accepted(connId: number, address: string, port: number): void;
  /** Slow-path bytes: everything the peer sent that the fast path did not take, in order. */
  data(connId: number, bytes: Uint8Array): void;
  closed(connId: number, reason: string): void;
  drained(connId: number): void;
  trace?(record: NativeTrace): void;
  counters?(connId: number, delta: NativeCounters): void;
  /** After every callback of batch `seq`. */
  batchEnd?(seq: number): void;
}

export interface NativeWireOptions {
  /**
   * Report each batch processed as soon as its callbacks return (default). Turn it off when slow
   * bytes may wait in JS (a paused session) and call processed(seq) once they are handled: until
   * then a connection with slow bytes in a later batch takes no fast path, keeping its order.
   */
  autoProcessed?: boolean;
}

const root = fileURLToPath(new URL('../../../', import.meta.url));
const BUILT = path.join('dist', 'native', 'wire.node');

/** Where build-native.ts puts the addon (from the sources' place in the repository). */
export const nativeWirePath = (): string => path.join(root, BUILT);

/**
 * The addon to load: $HYPERTCP_NATIVE_WIRE ('off': none, the JS path everywhere), else
 * dist/native/wire.node in the repository that holds the working directory or this module (from
 * a bundle such as dist/bench/*.mjs or dist/host/cli.mjs, import.meta.url is not the sources'
 * place), else where the build would put it in the repository holding this module (the path a
 * "missing" note names).
 */
export function findNativeWire(): string {
  const fromEnv = process.env.HYPERTCP_NATIVE_WIRE;
  if (fromEnv && fromEnv !== 'off') return path.resolve(fromEnv);
  return locateNativeWire(process.cwd(), path.dirname(fileURLToPath(import.meta.url)), existsSync) ?? nativeWirePath();
}

/** findNativeWire's search, from the working directory and then this module's folder. */
export function locateNativeWire(cwd: string, moduleDir: string, exists: (file: string) => boolean): string | null {
  let ownRepository: string | null = null;
  for (const [i, start] of [cwd, moduleDir].entries()) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      const isRepository = exists(path.join(dir, 'package.json'));
      if (isRepository && exists(path.join(dir, BUILT))) return path.join(dir, BUILT);
      if (isRepository && i === 1) ownRepository ??= dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  return ownRepository === null ? null : path.join(ownRepository, BUILT);
}

export type NativeWireLoad = { addon: NativeWireAddon; reason: null } | { addon: null; reason: string };

/** The addon (`given`, else found), or why there is none (the broker then keeps its JS data path). Never throws. */
export function loadNativeWire(given?: string): NativeWireLoad {
  if (given === undefined && process.env.HYPERTCP_NATIVE_WIRE === 'off') return { addon: null, reason: 'HYPERTCP_NATIVE_WIRE=off' };
  const file = given ?? findNativeWire();
  if (process.platform !== 'linux') return { addon: null, reason: `the native data path is Linux-only (this is ${process.platform})` };
  if (!existsSync(file)) return { addon: null, reason: `${file} is missing (from the sources: npm run build:native)` };
  try {
    return { addon: createRequire(import.meta.url)(file) as NativeWireAddon, reason: null };
  } catch (err) {
    return { addon: null, reason: `cannot load ${file}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

const ACCEPTED = 1;
const DATA = 2;
const CLOSED = 3;
const DRAINED = 4;
const TRACE = 5;
const COUNTERS = 6;

/** One native listener and its connections. */
export class NativeWire {
  private readonly handle: Handle;
  private readonly autoProcessed: boolean;
  private closing: Promise<void> | null = null;
  private finished: (() => void) | null = null;
  /** The one record every trace of a batch is read through (NativeTrace). */
  private readonly trace: NativeTrace = {
    connId: 0, receiverId: 0, inMsgId: 0, outMsgId: 0, status: 0, batch: new Uint8Array(0), envelopeStart: 0, envelopeEnd: 0, payloadStart: 0, payloadEnd: 0,
  };

  constructor(
    private readonly addon: NativeWireAddon,
    private readonly events: NativeWireEvents,
    options: NativeWireOptions = {},
  ) {
    this.autoProcessed = options.autoProcessed ?? true;
    this.handle = addon.create((seq, bytes, strings) => this.onBatch(seq, bytes, strings));
  }

  /** Binds host:port (0: any free port); returns the port. Throws when it cannot listen. */
  listen(host: string, port: number): number {
    return this.addon.listen(this.handle, host, port);
  }

  /** Stops accepting (the port is free again); the connections stay until they close or close(). */
  unlisten(): void {
    this.addon.unlisten(this.handle);
  }

  /** Stops listening and closes every connection (closed: 'shutdown'); resolves after their events. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = new Promise((resolve) => (this.finished = resolve));
    this.addon.close(this.handle);
    return this.closing;
  }

  /** Queues bytes (always taken); false when the connection is backed up: wait for drained. */
  write(connId: number, bytes: Uint8Array): boolean {
    return this.addon.write(this.handle, connId, bytes);
  }

  /** Half-closes after what is queued has gone; closed follows when the peer closes. */
  end(connId: number): boolean {
    return this.addon.end(this.handle, connId);
  }

  /** Closes at once; closed(connId, 'destroyed') follows. */
  destroy(connId: number): boolean {
    return this.addon.destroy(this.handle, connId);
  }

  /** Turns the fast path on for a logged-in session (null: off). */
  route(connId: number, route: NativeRoute | null): boolean {
    return this.addon.route(this.handle, connId, route);
  }

  /** One token from the session's rate bucket (true for a connection that is not routed). */
  take(connId: number): boolean {
    return this.addon.take(this.handle, connId);
  }

  /**
   * The connection's rate bucket refilled to now, also after route(null) or once it closed while
   * routed (a closed connection's is given once); -1 when it was never routed.
   */
  level(connId: number): number {
    return this.addon.level(this.handle, connId);
  }

  /**
   * The connection's next broker msg id, 1..65535 (shared with the fast path); 0 if it is gone.
   * `ping`: the id is for a PING, whose answer the wire then hands to JS instead of counting it.
   */
  nextId(connId: number, ping = false): number {
    return this.addon.nextId(this.handle, connId, ping);
  }

  /** Stops (or resumes) reading a connection; a peer that goes is still reported. */
  pause(connId: number, paused: boolean): boolean {
    return this.addon.pause(this.handle, connId, paused);
  }

  setTracing(on: boolean): void {
    this.addon.setTracing(this.handle, on);
  }

  /** Slow bytes of batches up to `seq` are handled (see NativeWireOptions.autoProcessed). */
  processed(seq: number): void {
    this.addon.processed(this.handle, seq);
  }

  get connections(): number {
    return this.addon.connections(this.handle);
  }

  /** Test-only: the largest batch (bytes) that waited for JS so far (the wire stops reading past NATIVE_MAX_PENDING_BYTES). */
  get pendingPeak(): number {
    return this.addon.pendingPeak(this.handle);
  }

  /** Test-only: what the connections' output and hold buffers keep allocated (bytes). */
  get bufferedBytes(): number {
    return this.addon.bufferedBytes(this.handle);
  }

  private onBatch(seq: number, bytes?: ArrayBuffer, strings?: string[]): void {
    if (seq === 0 || !bytes || !strings) {
      this.finished?.();
      return;
    }
    try {
      this.dispatch(bytes, strings);
      this.events.batchEnd?.(seq);
    } finally {
      if (this.autoProcessed) this.addon.processed(this.handle, seq);
    }
  }

  private dispatch(buffer: ArrayBuffer, strings: string[]): void {
    const view = new DataView(buffer);
    const bytes = new Uint8Array(buffer);
    const events = this.events;
    const trace = this.trace;
    trace.batch = bytes;
    let at = 0;
    while (at < bytes.length) {
      const kind = view.getUint8(at);
      const connId = view.getUint32(at + 1, true);
      at += 5;
      if (kind === DATA) {
        const length = view.getUint32(at, true);
        events.data(connId, bytes.subarray(at + 4, at + 4 + length));
        at += 4 + length;
      } else if (kind === ACCEPTED) {
        events.accepted(connId, strings[view.getUint32(at + 2, true)]!, view.getUint16(at, true));
        at += 6;
      } else if (kind === CLOSED) {
        events.closed(connId, strings[view.getUint32(at, true)]!);
        at += 4;
      } else if (kind === DRAINED) {
        events.drained(connId);
      } else if (kind === TRACE) {
        const envelopeStart = at + 17;
        trace.connId = connId;
        trace.receiverId = view.getUint32(at, true);
        trace.inMsgId = view.getUint16(at + 4, true);
        trace.outMsgId = view.getUint16(at + 6, true);
        trace.status = view.getUint8(at + 8);
        trace.payloadStart = envelopeStart + view.getUint16(at + 9, true);
        trace.payloadEnd = envelopeStart + view.getUint16(at + 11, true);
        trace.envelopeStart = envelopeStart;
        trace.envelopeEnd = envelopeStart + view.getUint32(at + 13, true);
        events.trace?.(trace);
        at = trace.envelopeEnd;
      } else if (kind === COUNTERS) {
        const u = (k: number): number => view.getUint32(at + 4 * k, true);
        events.counters?.(connId, { msgsIn: u(0), msgsOut: u(1), bytesIn: u(2), bytesOut: u(3), acksOut: u(4), rateLimited: u(5), acksIn: u(6) });
        at += 28;
      } else {
        throw new Error(`native wire: unknown record kind ${kind} at byte ${at - 5}`);
      }
    }
  }
}
