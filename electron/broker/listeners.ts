import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { NativeListener, type NativeHooks } from './native/native-listener';
import type { NativeWireAddon } from './native/wire';
import type { BrokerTransport } from './types';

export interface ListenSpec {
  port: number;
  host?: string;
}

export interface TlsListenSpec extends ListenSpec {
  key: string | Buffer;
  cert: string | Buffer;
}

/** A net.Socket, TLS socket or NativeSocket (the parts of a socket the broker uses). */
type Accept = (socket: Duplex & { remoteAddress?: string | undefined }, transport: BrokerTransport) => void;

/** The native data path for plain TCP: the addon and what to do with its reports. */
export interface NativeDataPath {
  addon: NativeWireAddon;
  hooks: NativeHooks;
}

interface Listener {
  /** What it was asked to listen on, with the port it actually bound (so 0 becomes stable). */
  spec: ListenSpec | TlsListenSpec;
  tls: boolean;
  server: Server | null;
  /** A plain-TCP listener on the native data path (instead of `server`). */
  native: NativeListener | null;
}

/**
 * The broker's TCP and TLS listening sockets. They can be stopped (pause) and started again on
 * the same host and ports (resume); sessions are not their business.
 */
export class Listeners {
  private readonly list: Listener[] = [];
  private tracing = false;

  constructor(
    private readonly accept: Accept,
    private readonly handshakeTimeoutMs: number,
    private readonly onAcceptError: () => void,
    /**
     * A TLS connection is accepted and its handshake starts: counts its raw socket toward the
     * connection limits and returns its release, or refuses it (destroyed and recorded) with null.
     */
    private readonly holdHandshake: (raw: Socket) => (() => void) | null,
    /** Plain TCP goes through the native wire when given; TLS never does. */
    private readonly nativePath: NativeDataPath | null = null,
  ) {}

  /** Fast-path traces on or off (someone listens to 'frame'), for every native listener. */
  setTracing(on: boolean): void {
    this.tracing = on;
    for (const listener of this.list) listener.native?.setTracing(on);
  }

  /** Starts listening; resolves with the bound port, which a later restart() reuses. */
  async add(spec: ListenSpec | TlsListenSpec, tls: boolean): Promise<number> {
    const listener: Listener = { spec: { ...spec }, tls, server: null, native: null };
    const port = await this.start(listener);
    this.list.push(listener);
    return port;
  }

  /** Closes every listening socket; resolves when they (and the connections they accepted) are closed. */
  stop(): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const listener of this.list) {
      const server = listener.server;
      listener.server = null;
      if (server) closing.push(new Promise<void>((resolve) => server.close(() => resolve())));
      const native = listener.native;
      listener.native = null;
      if (native) closing.push(native.close());
    }
    return Promise.all(closing).then(() => undefined);
  }

  /** Listens again on every host/port that was listening; all or nothing. */
  async restart(): Promise<void> {
    try {
      for (const listener of this.list) if (!listener.server && !listener.native) await this.start(listener);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  forget(): void {
    this.list.length = 0;
  }

  private start(listener: Listener): Promise<number> {
    if (!listener.tls && this.nativePath) return this.startNative(listener, this.nativePath);
    const server = listener.tls ? this.tlsServer(listener.spec as TlsListenSpec) : this.tcpServer();
    const { spec } = listener;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(spec.port, spec.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        // After listening, an accept error (EMFILE, ...) must not crash the app; connections retry.
        server.on('error', this.onAcceptError);
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : spec.port;
        spec.port = port;
        listener.server = server;
        resolve(port);
      });
    });
  }

  private async startNative(listener: Listener, { addon, hooks }: NativeDataPath): Promise<number> {
    const native = new NativeListener(addon, (socket) => this.accept(socket, 'tcp'), hooks, this.tracing);
    const { spec } = listener;
    try {
      spec.port = native.listen(spec.host ?? '127.0.0.1', spec.port);
    } catch (err) {
      await native.close();
      throw err;
    }
    listener.native = native;
    return spec.port;
  }

  private tcpServer(): Server {
    return createServer({ noDelay: true }, (socket: Socket) => this.accept(socket, 'tcp'));
  }

  private tlsServer(spec: TlsListenSpec): Server {
    // Raw sockets in a handshake, by peer: each is held (counts toward the connection limits) until
    // it is secured, when its session takes the count over, or until it closes.
    const handshakes = new Map<string, () => void>();
    const server = createTlsServer({ key: spec.key, cert: spec.cert, handshakeTimeout: this.handshakeTimeoutMs }, (socket: TLSSocket) => {
      handshakes.get(peer(socket))?.();
      socket.setNoDelay(true);
      this.accept(socket, 'tls');
    });
    server.on('connection', (raw: Socket) => {
      const release = this.holdHandshake(raw);
      if (!release) return;
      const key = peer(raw);
      const done = (): void => {
        if (handshakes.get(key) === done) handshakes.delete(key);
        release();
      };
      handshakes.set(key, done);
      raw.once('close', done);
    });
    // A failed handshake never becomes a session; keep the server alive. Node leaves the socket of
    // a timed-out handshake open when 'tlsClientError' has a listener: close it, or a peer that
    // never finishes its handshake holds its place until it goes.
    server.on('tlsClientError', (_err: Error, socket: TLSSocket) => socket.destroy());
    return server;
  }
}

/** A connection's peer (a TLS socket reports its raw socket's): unique among the live ones. */
function peer(socket: Socket): string {
  return `${socket.remoteAddress} ${socket.remotePort}`;
}
