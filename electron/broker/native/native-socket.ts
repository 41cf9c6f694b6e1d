import { Duplex } from 'node:stream';
import type { NativeRoute, NativeWire } from './wire';

/**
 * One connection of a NativeWire as the Duplex a Session reads and writes (what it uses of a
 * net.Socket). Bytes in come from the wire's slow path; writes go to the epoll thread at once and
 * return false past its threshold, 'drain' following when it has sent everything. end() half-closes
 * once sent; destroy() closes at once. The wire's closed reasons become 'end' (the peer closed),
 * 'error' with the errno code, or a plain 'close' (shutdown).
 */
export class NativeSocket extends Duplex {
  /** Set by the Session that serves it (for counter deltas and traces of its fast-path frames). */
  owner: unknown = null;
  /** write() said false and no drained has come since (writableNeedDrain). */
  drainWanted = false;
  /** end() was called (writableEnded). */
  endCalled = false;
  /** The wire reported this connection closed: nothing more to tell it. */
  private gone = false;

  constructor(
    private readonly wire: NativeWire,
    readonly connId: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {
    super({ allowHalfOpen: true });
  }

  override _read(): void {
    // The wire pushes what arrives; pause() stops it reading instead.
  }

  override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    const done = typeof encoding === 'function' ? encoding : callback;
    if (this.destroyed || this.endCalled || this.gone) {
      if (typeof done === 'function') process.nextTick(done, new Error('write after end'));
      return false;
    }
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : (chunk as Uint8Array);
    const flowing = this.wire.write(this.connId, bytes);
    if (!flowing) this.drainWanted = true;
    if (typeof done === 'function') process.nextTick(done, null);
    return flowing;
  }

  override end(...args: unknown[]): this {
    const done = args.find((a) => typeof a === 'function') as (() => void) | undefined;
    if (args.length > 0 && typeof args[0] !== 'function' && args[0] != null) this.write(args[0], args[1]);
    if (!this.endCalled && !this.destroyed && !this.gone) this.wire.end(this.connId);
    this.endCalled = true;
    if (done) process.nextTick(done);
    return this;
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.gone) {
      this.gone = true;
      this.wire.destroy(this.connId);
    }
    callback(err);
  }

  override pause(): this {
    if (!this.gone) this.wire.pause(this.connId, true);
    return super.pause();
  }

  override resume(): this {
    if (!this.gone) this.wire.pause(this.connId, false);
    return super.resume();
  }

  /** Fast path on for this connection's device (null: off); false when the connection is gone. */
  route(route: NativeRoute | null): boolean {
    return !this.gone && this.wire.route(this.connId, route);
  }

  /** A token from the routed connection's rate bucket, the one the fast path draws from. */
  takeToken(): boolean {
    return this.wire.take(this.connId);
  }

  /** Its rate bucket's level now (kept past route(null) and past the close); -1 when it was never routed. */
  level(): number {
    return this.wire.level(this.connId);
  }

  /** The connection's next broker msg id (shared with the fast path); 0 when it is gone. */
  nextId(ping = false): number {
    return this.gone ? 0 : this.wire.nextId(this.connId, ping);
  }

  setNoDelay(): this {
    return this; // the wire sets TCP_NODELAY itself
  }

  setKeepAlive(): this {
    return this;
  }

  /** Slow-path bytes from the wire (a view of the batch: that buffer is this chunk's alone). */
  received(bytes: Uint8Array): void {
    if (!this.destroyed) this.push(bytes);
  }

  drained(): void {
    this.drainWanted = false;
    if (!this.destroyed) this.emit('drain');
  }

  /** The wire's last word on this connection. */
  wireClosed(reason: string): void {
    if (this.gone) return;
    this.gone = true;
    if (reason === 'end') {
      // Like a net.Socket without half-open: 'end' once the bytes before it are read, then 'close'.
      this.once('end', () => this.destroy());
      this.push(null);
    } else if (reason === 'shutdown' || reason === 'destroyed') {
      this.destroy();
    } else {
      this.destroy(Object.assign(new Error(`native connection closed: ${reason}`), { code: reason }));
    }
  }
}

// Accessors Duplex declares as properties (TypeScript will not let a subclass redeclare them).
Object.defineProperties(NativeSocket.prototype, {
  writableNeedDrain: {
    get(this: NativeSocket) {
      return this.drainWanted;
    },
  },
  writableEnded: {
    get(this: NativeSocket) {
      return this.endCalled;
    },
  },
});
