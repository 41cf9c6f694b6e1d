import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { hostname } from 'node:os';
import type { ApiServer } from '../api/server';
import { HeldSockets } from '../broker/held-sockets';
import { addressKey } from '../broker/limits';
import type { InterfaceList } from '../broker/tls';
import { hostCheck, isLoopback } from './allowed-hosts';
import { publicSite } from './public-urls';
import { staticHandler } from './static-files';
import { createWsBinding, type TokenThrottleTiming } from './ws-binding';

export { allowedHosts, isLoopback } from './allowed-hosts';

export interface HttpHostOptions {
  api: ApiServer;
  adminToken: string;
  staticDir: string;
  port: number;
  bind: string;
  /** Required when bind is not a loopback address. */
  tls?: { key: string; cert: string } | undefined;
  /** More names browsers may reach a non-loopback UI by (see allowedHosts). */
  hostNames?: string[];
  /** Origins users open through a reverse proxy (--public-url): their hosts and origins are allowed on any bind. */
  publicOrigins?: readonly string[];
  onRefused?: (reason: string, address: string | undefined) => void;
  /** The machine's interfaces now (os.networkInterfaces; tests give their own). */
  interfaces?: () => InterfaceList;
  /** WebSocket heartbeat timing (tests shorten it). */
  heartbeat?: { pingMs: number; deadAfterMs: number };
  /** Connection limits (tests lower them); defaults MAX_HTTP_CONNECTIONS and MAX_HTTP_CONNECTIONS_PER_ADDRESS. */
  limits?: { connections: number; perAddress: number };
  /** Idle bounds of a connection (tests shorten them); defaults IDLE_MS and KEEP_ALIVE_MS. */
  idle?: { firstRequestMs: number; keepAliveMs: number };
  /** Admin-token guess throttle (tests shorten it); default TOKEN_THROTTLE (ws-binding.ts). */
  tokenThrottle?: TokenThrottleTiming;
}

/**
 * Sockets the web server holds at once, and from one address. Idle or half-open connections (a TLS
 * handshake waits 2 minutes) cost a file descriptor each: a flood of them fills these limits and
 * locks out the web UI for a while, not the process's descriptors the broker and database need.
 * A browser uses about 6 per server, plus one API socket per tab.
 */
export const MAX_HTTP_CONNECTIONS = 512;
export const MAX_HTTP_CONNECTIONS_PER_ADDRESS = 64;

/**
 * A connection that shows no activity for this long is closed, from the start (after the TLS
 * handshake) to its first request and within a request. Node's own bounds leave a silent one open
 * forever (server.timeout is 0; handshakeTimeout ends with the hello; headersTimeout starts at the
 * first byte), so silent sockets could fill the limits above and lock the admin out. An API
 * WebSocket leaves it at the upgrade (ws clears the socket's timeout): its heartbeat watches it.
 */
export const IDLE_MS = 15_000;
/** Between requests on a kept-alive connection (Node's default, set here so it stays bounded). */
export const KEEP_ALIVE_MS = 5_000;

export interface HttpHost {
  server: Server;
  port: number;
  scheme: 'http' | 'https';
  /** The URL to open, without the token. */
  origin: string;
  close(): Promise<void>;
}

function limitConnections(server: Server, limits: { connections: number; perAddress: number }): void {
  server.maxConnections = limits.connections;
  // every address counts, loopback too; an IPv6 machine as its /64, as the broker counts (it has 2^64 to spend)
  const held = new HeldSockets((address) => address);
  server.on('connection', (socket: Socket) => {
    const address = addressKey(socket.remoteAddress ?? '?');
    if (held.heldBy(address) >= limits.perAddress) return void socket.destroy();
    held.hold(address);
    socket.once('close', () => held.release(address));
  });
}

/** Static UI + WebSocket API on one port; plain HTTP only on loopback, HTTPS otherwise. */
export async function startHttpHost(o: HttpHostOptions): Promise<HttpHost> {
  if (!isLoopback(o.bind) && !o.tls) throw new Error(`refusing to serve on ${o.bind} without TLS: give a certificate or bind to 127.0.0.1`);
  const scheme = o.tls ? 'https' : 'http';
  let hostAllowed: (host: string) => boolean = () => false; // known once listening (the port may be ephemeral)
  const files = staticHandler(o.staticDir, (host) => hostAllowed(host));
  // a TLS socket that never says hello is let go after 10 s (Node waits 120), not held against the limits
  const server: Server = o.tls ? createHttpsServer({ key: o.tls.key, cert: o.tls.cert, handshakeTimeout: 10_000 }, files) : createServer(files);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const idle = o.idle ?? { firstRequestMs: IDLE_MS, keepAliveMs: KEEP_ALIVE_MS };
  server.timeout = idle.firstRequestMs;
  server.keepAliveTimeout = idle.keepAliveMs;
  limitConnections(server, o.limits ?? { connections: MAX_HTTP_CONNECTIONS, perAddress: MAX_HTTP_CONNECTIONS_PER_ADDRESS });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.bind, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const bound = typeof address === 'object' && address ? address.address : o.bind;
  const ownHost = hostCheck({ bind: o.bind, port, scheme, hostNames: o.hostNames, interfaces: o.interfaces });
  const site = publicSite(o.publicOrigins ?? []);
  hostAllowed = (host) => ownHost(host) || site.hasHost(host);
  const ws = createWsBinding({ api: o.api, adminToken: o.adminToken, hostAllowed: ownHost, scheme, publicSite: site, onRefused: o.onRefused, heartbeat: o.heartbeat, tokenThrottle: o.tokenThrottle });
  server.on('upgrade', (req, socket, head) => ws.handleUpgrade(req, socket, head));
  // On loopback, the address actually listened on (--bind ::1 or 127.0.0.2 is not reachable at 127.0.0.1).
  const shownHost = isLoopback(o.bind) ? bound : o.bind === '0.0.0.0' || o.bind === '::' ? hostname() : o.bind;
  return {
    server,
    port,
    scheme,
    origin: `${scheme}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        ws.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
