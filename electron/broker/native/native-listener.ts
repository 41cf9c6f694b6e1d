import { NativeSocket } from './native-socket';
import { NativeWire, type NativeCounters, type NativeTrace, type NativeWireAddon } from './wire';

/** What the broker does with the wire's fast-path reports. */
export interface NativeHooks {
  counters(socket: NativeSocket, delta: NativeCounters): void;
  /** `sender`, `receiver`: the two connections' sockets. `record` is reused after the call. */
  trace(record: NativeTrace, sender: NativeSocket | undefined, receiver: NativeSocket | undefined): void;
  /** After each batch, before the wire hears it was processed: JS's queued frames go out first. */
  batchEnd(): void;
}

/**
 * A plain-TCP listener on the native wire: every accepted connection becomes a NativeSocket for
 * `accept`, fed from the wire's events. One per listen; stopping closes it with its connections.
 */
export class NativeListener {
  private readonly wire: NativeWire;
  private readonly sockets = new Map<number, NativeSocket>();
  /** close() waits for the last connection to go. */
  private lastClosed: (() => void) | null = null;

  constructor(addon: NativeWireAddon, accept: (socket: NativeSocket) => void, hooks: NativeHooks, tracing: boolean) {
    this.wire = new NativeWire(addon, {
      accepted: (connId, address, port) => {
        const socket = new NativeSocket(this.wire, connId, address, port);
        this.sockets.set(connId, socket);
        accept(socket);
      },
      data: (connId, bytes) => this.sockets.get(connId)?.received(bytes),
      closed: (connId, reason) => {
        const socket = this.sockets.get(connId);
        this.sockets.delete(connId);
        socket?.wireClosed(reason);
        if (this.lastClosed && this.wire.connections === 0) this.lastClosed();
      },
      drained: (connId) => this.sockets.get(connId)?.drained(),
      counters: (connId, delta) => {
        const socket = this.sockets.get(connId);
        if (socket) hooks.counters(socket, delta);
      },
      trace: (record) => hooks.trace(record, this.sockets.get(record.connId), this.sockets.get(record.receiverId)),
      batchEnd: () => hooks.batchEnd(),
    });
    this.wire.setTracing(tracing);
  }

  /** Binds host:port (0: any free port); returns the port. Throws when it cannot listen. */
  listen(host: string, port: number): number {
    return this.wire.listen(host, port);
  }

  setTracing(on: boolean): void {
    this.wire.setTracing(on);
  }

  /**
   * Stops listening at once, then, like net.Server.close(), waits for its connections to close
   * before it ends the wire: the broker closes their sessions gracefully (last frames written,
   * EOF, at most closeLingerMs), and a connection JS has not heard of yet is refused.
   */
  async close(): Promise<void> {
    this.wire.unlisten();
    if (this.wire.connections > 0) await new Promise<void>((resolve) => (this.lastClosed = resolve));
    await this.wire.close();
  }
}
