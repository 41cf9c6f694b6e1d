/** The IPC protocol between the bench coordinator and a broker child process. */
import type net from 'node:net';

export type ToBroker = { type: 'tokens'; ids: string[] } | { type: 'gc' } | { type: 'stats' } | { type: 'server-latency'; reset: boolean };
export type FromBroker =
  | { type: 'ready'; port: number }
  | { type: 'tokens'; tokens: Record<string, string> }
  | { type: 'gc-done' }
  | { type: 'stats'; stats: Record<string, unknown> }
  /** Messages devices sent to "server" and their latency histogram (our broker only). */
  | { type: 'server-latency'; received: number; histogram: Uint32Array };

/** Serves the coordinator's requests in a child; `extra` answers what the broker kind supports. */
export function serveCoordinator(handle: (m: ToBroker) => FromBroker | null, close: () => Promise<void>): void {
  const send = (m: FromBroker): void => {
    process.send?.(m);
  };
  process.on('message', (m: ToBroker) => {
    if (m.type === 'gc') {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      send({ type: 'gc-done' });
      return;
    }
    const reply = handle(m);
    if (reply) send(reply);
  });
  const stop = (): void => {
    close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
}

export function announceReady(port: number): void {
  process.send?.({ type: 'ready', port } satisfies FromBroker);
}

/** Listens on an ephemeral loopback port and tells the coordinator which. */
export function listenAndAnnounce(server: net.Server): void {
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    announceReady(typeof address === 'object' && address ? address.port : 0);
  });
}

/** For reference peers without auth: a device's "token" is its id. */
const tokenless = (m: ToBroker): FromBroker | null =>
  m.type === 'tokens' ? { type: 'tokens', tokens: Object.fromEntries(m.ids.map((id) => [id, id])) } : null;

export function serveTokenless(server: net.Server): void {
  serveCoordinator(tokenless, () => new Promise<void>((resolve) => server.close(() => resolve())));
  listenAndAnnounce(server);
}

/** A tokenless peer that already listens outside Node's net module (the C++ forwarder). */
export function serveTokenlessOn(port: number): void {
  serveCoordinator(tokenless, async () => {});
  announceReady(port);
}
