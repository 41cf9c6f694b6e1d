import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { WsServerMessage } from '../../shared/api/contract';
import { CLOSE_BAD_TOKEN, CLOSE_TRY_LATER, WS_MAX_MESSAGE, WS_PATH, WS_PROTOCOL } from '../../shared/api/ws-wire';
import type { ApiServer } from '../api/server';
import { LoginThrottle, addressKey } from '../broker/limits';
import type { PublicSite } from './public-urls';

// the socket's wire constants live in the shared contract; these names are kept for the host's callers
export { CLOSE_BAD_TOKEN, CLOSE_TRY_LATER, WS_MAX_MESSAGE, WS_PATH, WS_PROTOCOL };

const MAX_IN_FLIGHT = 16;
/** Open API sockets at once (each UI tab holds one); more are closed at once with CLOSE_TRY_LATER. */
export const MAX_CLIENTS = 16;
/** Past this much unsent data a connection gets no event batches until it drains. */
const MAX_BUFFERED = 4 * 1024 * 1024;
/**
 * Calls whose result can be tens of MiB (an export is capped at 64 MiB of text). A connection runs
 * one at a time, until its result is written out: calls in one network chunk all run before any
 * result is sent, so MAX_IN_FLIGHT alone would let 16 exports be held at once.
 */
const HEAVY_METHODS = new Set(['export.traffic', 'export.metrics']);
/** The host pings every API socket this often; browsers answer pings by themselves. */
export const PING_MS = 30_000;
/**
 * A socket showing no sign of life for this long is closed. A laptop that slept or left the network
 * sends no FIN, and a client that stopped reading is kept alive by TCP's window probes: either would
 * hold its slot (MAX_CLIENTS) and its unsent results forever.
 */
export const DEAD_AFTER_MS = 90_000;

export interface TokenThrottleTiming {
  baseMs: number;
  maxMs: number;
  halfLifeMs: number;
}
/**
 * Admin-token tries from an address with recent wrong ones wait before their verdict, right or wrong
 * (a delay only on wrong ones would tell them apart by it): baseMs doubling with each failure, up
 * to maxMs, the count halving every halfLifeMs (the broker's LoginThrottle, keyed by addressKey). With
 * at most MAX_HELD_PER_ADDRESS tries held at once an address makes a few guesses a second at most;
 * an address with no failures (the admin's browser) is never held.
 */
export const TOKEN_THROTTLE: TokenThrottleTiming = { baseMs: 250, maxMs: 10_000, halfLifeMs: 60_000 };
/**
 * Upgrades the throttle holds at once per address (an IPv6 machine as its /64); more are answered 429
 * at once. Behind a reverse proxy every browser shares the proxy's address: held sockets must never
 * fill its MAX_HTTP_CONNECTIONS_PER_ADDRESS, or wrong-token upgrades alone would lock everyone out.
 */
export const MAX_HELD_PER_ADDRESS = 8;
/** At shutdown, how long an API client has to answer the close frame before its socket is cut. */
export const CLOSE_GRACE_MS = 1000;

/** What the heartbeat knows of one socket: when it last showed life, and its unsent bytes then. */
export interface Liveness {
  at: number;
  buffered: number;
}

/**
 * One heartbeat tick: a pong (recorded elsewhere in `at`) or unsent data shrinking counts as life, so
 * a long export over a slow link, whose pong waits behind it, is not taken for a dead reader.
 */
export function heartbeatTick(s: Liveness, buffered: number, now: number, deadAfterMs: number): 'ping' | 'dead' {
  if (buffered < s.buffered) s.at = now;
  s.buffered = buffered;
  return now - s.at >= deadAfterMs ? 'dead' : 'ping';
}

export interface WsBindingOptions {
  api: ApiServer;
  adminToken: string;
  /** Whether this server answers to a Host header value (e.g. 127.0.0.1:8090, localhost:8090; see allowed-hosts.ts). */
  hostAllowed: (host: string) => boolean;
  scheme: 'http' | 'https';
  /**
   * The URLs users open through a reverse proxy (--public-url): their origins are allowed as Origin,
   * their host[:port] as Host. A Host known only this way is not paired with this server's own
   * scheme (the proxy serves https://panel.lan; http://panel.lan is someone else).
   */
  publicSite?: PublicSite | undefined;
  onRefused?: (reason: string, address: string | undefined) => void;
  /** Heartbeat timing (tests shorten it); defaults PING_MS and DEAD_AFTER_MS. */
  heartbeat?: { pingMs: number; deadAfterMs: number } | undefined;
  /** Wrong-token throttle timing (tests shorten it); default TOKEN_THROTTLE. */
  tokenThrottle?: TokenThrottleTiming | undefined;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** An upgrade from a page that is not ours gets an HTTP status; our page's has its token (if any) judged. */
type Checked = { status: number; text: string } | { token: string | undefined };

function refuse(socket: Duplex, status: number, text: string, extraHeaders = ''): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${extraHeaders}Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
  setTimeout(() => socket.destroy(), 1000).unref();
}

/**
 * The WebSocket binding of the API (shared/api/contract.ts): path /api, subprotocols
 * ['hypertcp.v1', 'token.<admin token>'], Origin must be this server's own origin (or a --public-url's), messages capped
 * at 64 KiB (larger ones close the socket with 1009). A wrong path, Host or Origin is refused with an
 * HTTP status; past those, a wrong or missing token is accepted and closed at once with
 * CLOSE_BAD_TOKEN (a token from an address with recent wrong ones first waits, see TOKEN_THROTTLE;
 * past MAX_HELD_PER_ADDRESS waiting, one is refused with 429 and Retry-After instead),
 * and a socket past MAX_CLIENTS with CLOSE_TRY_LATER: no call is read on either.
 * A socket it serves gets {type:'ready'} first, before any result or event batch.
 */
export function createWsBinding(o: WsBindingOptions) {
  const wanted = digest(o.adminToken);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: WS_MAX_MESSAGE,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  // the sockets that are accepted only to be closed with a code: never counted as clients, a close
  // frame's worth of payload at most
  const gate = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: 125,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  const refused = (reason: string, req: IncomingMessage) => o.onRefused?.(reason, req.socket.remoteAddress);
  const { pingMs, deadAfterMs } = o.heartbeat ?? { pingMs: PING_MS, deadAfterMs: DEAD_AFTER_MS };
  const life = new Map<WebSocket, Liveness>();
  const heartbeat = setInterval(() => {
    const now = Date.now();
    for (const [ws, s] of life) {
      if (heartbeatTick(s, ws.bufferedAmount, now, deadAfterMs) === 'dead') ws.terminate();
      else ws.ping();
    }
  }, pingMs).unref();

  const timing = o.tokenThrottle ?? TOKEN_THROTTLE;
  const throttle = new LoginThrottle(timing.baseMs, timing.maxMs, timing.halfLifeMs);
  /** Upgrades held by the throttle, let go on close. */
  const held = new Map<Duplex, NodeJS.Timeout>();
  /** How many of them each address key holds (only keys holding one). */
  const heldPerKey = new Map<string, number>();
  const release = (key: string) => {
    const left = (heldPerKey.get(key) ?? 0) - 1;
    if (left > 0) heldPerKey.set(key, left);
    else heldPerKey.delete(key);
  };

  function check(req: IncomingMessage): Checked {
    // Not new URL(): it throws on a path such as '//' (any page can open ws://127.0.0.1:8090//),
    // and a throw in the upgrade listener would take the whole host down.
    if ((req.url ?? '').split('?')[0] !== WS_PATH) return { status: 404, text: 'Not Found' };
    const host = req.headers.host ?? '';
    const own = o.hostAllowed(host);
    if (!own && !o.publicSite?.hasHost(host)) return { status: 403, text: 'Forbidden: unknown Host' };
    // A browser sets Origin and a page cannot forge it; a proxy passes it through (X-Forwarded-* is never consulted).
    const origin = req.headers.origin;
    const originOk = o.publicSite?.hasOrigin(origin) === true || (own && origin === `${o.scheme}://${host}`);
    if (!originOk) return { status: 403, text: 'Forbidden: bad Origin' };
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    // without hypertcp.v1 no browser could take the upgrade (the host must select a protocol it offered)
    if (!offered.includes(WS_PROTOCOL)) return { status: 401, text: 'Unauthorized: subprotocols hypertcp.v1 and token.<admin token> required' };
    return { token: offered.find((p) => p.startsWith('token.'))?.slice('token.'.length) };
  }

  /** Completes the upgrade (selecting hypertcp.v1, never the token) only to close it at once. */
  function acceptAndClose(req: IncomingMessage, socket: Duplex, head: Buffer, code: number, reason: string): void {
    // the 101 and the close frame in one write: the page sees the close right with the open
    socket.cork();
    process.nextTick(() => socket.uncork());
    gate.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      ws.close(code, reason);
      // the page answers the close at once; one that does not is not waited for
      setTimeout(() => ws.terminate(), 1000).unref();
    });
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {});
    const checked = check(req);
    if ('status' in checked) {
      refused(checked.text, req);
      return refuse(socket, checked.status, checked.text);
    }
    // our own page (or the proxy's): told by a close code, as a browser would not show it a 401
    if (checked.token === undefined) {
      refused('Unauthorized: no token', req);
      return acceptAndClose(req, socket, head, CLOSE_BAD_TOKEN, 'bad admin token');
    }
    const address = req.socket.remoteAddress ?? '?';
    const key = addressKey(address);
    if ((heldPerKey.get(key) ?? 0) >= MAX_HELD_PER_ADDRESS) {
      // not judged, so not counted as a try: told when the throttle would take one
      const retryAfterS = Math.max(1, Math.ceil(throttle.delayFor(address, Date.now()) / 1000));
      refused('Too Many Requests: token tries held', req);
      return refuse(socket, 429, 'Too Many Requests', `Retry-After: ${retryAfterS}\r\n`);
    }
    // counted as a failure now (a right token takes it back), so parallel guesses each wait longer
    const delay = throttle.attempt(address, Date.now());
    const token = checked.token;
    if (delay <= 0) return judge(req, socket, head, token, address);
    heldPerKey.set(key, (heldPerKey.get(key) ?? 0) + 1);
    const letGo = () => {
      if (!held.has(socket)) return;
      clearTimeout(held.get(socket));
      held.delete(socket);
      release(key);
    };
    held.set(socket, setTimeout(() => {
      letGo();
      judge(req, socket, head, token, address);
    }, delay));
    socket.once('close', letGo);
  }

  function judge(req: IncomingMessage, socket: Duplex, head: Buffer, token: string, address: string): void {
    if (socket.destroyed) return;
    if (!timingSafeEqual(digest(token), wanted)) {
      refused('Unauthorized: bad token', req);
      return acceptAndClose(req, socket, head, CLOSE_BAD_TOKEN, 'bad admin token');
    }
    throttle.succeeded(address);
    if (wss.clients.size >= MAX_CLIENTS) return acceptAndClose(req, socket, head, CLOSE_TRY_LATER, `try again later: at most ${MAX_CLIENTS} API connections at once`);
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  }

  function serve(ws: WebSocket): void {
    life.set(ws, { at: Date.now(), buffered: 0 });
    ws.on('pong', () => {
      const s = life.get(ws);
      if (s) s.at = Date.now();
    });
    ws.on('close', () => life.delete(ws));
    /** Calls running or whose result is not yet written out to the socket. */
    let inFlight = 0;
    let heavyInFlight = false;
    const send = (msg: WsServerMessage, written?: () => void) => {
      if (ws.readyState !== ws.OPEN) return written?.();
      let text: string;
      try {
        text = JSON.stringify(msg);
      } catch (err) {
        // A result JSON cannot carry (a BigInt, a cycle) fails its call; thrown here it would be an
        // unhandled rejection, which ends the host.
        if (msg.type !== 'result') return written?.();
        const error = { code: 'internal' as const, message: `the result could not be sent: ${(err as Error).message}` };
        text = JSON.stringify({ type: 'result', id: msg.id, ok: false, error } satisfies WsServerMessage);
      }
      ws.send(text, written);
    };
    // the first message: the page counts itself connected on it (a refused socket gets none)
    send({ type: 'ready' });
    // A client that does not read its results must not make the host hold more of them: at
    // MAX_IN_FLIGHT unwritten results the socket stops reading calls until one has gone out.
    const settled = () => {
      inFlight--;
      if (ws.isPaused && inFlight < MAX_IN_FLIGHT) ws.resume();
    };
    // A client that cannot keep up (a phone on Wi-Fi fetching an export) gets no batch while its send
    // buffer is full: the pump keeps its changes merged and sends them in one batch once it drains.
    const unsubscribe = o.api.subscribe(
      (batch) => send({ type: 'events', batch }),
      () => ws.bufferedAmount <= MAX_BUFFERED,
    );
    ws.on('close', unsubscribe);
    ws.on('error', () => ws.terminate());
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return ws.close(1003, 'text frames only');
      let msg: unknown;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        return ws.close(1007, 'invalid JSON');
      }
      if (typeof msg !== 'object' || msg === null) return ws.close(1008, 'bad message');
      const m = msg as Record<string, unknown>;
      if (m.type === 'ack' && typeof m.seq === 'number') return o.api.ack(m.seq);
      if (m.type !== 'call' || typeof m.id !== 'number' || !Number.isSafeInteger(m.id) || typeof m.method !== 'string') {
        return ws.close(1008, 'expected {type:"call",id,method,params} or {type:"ack",seq}');
      }
      const id = m.id;
      if (inFlight >= MAX_IN_FLIGHT) {
        return send({ type: 'result', id, ok: false, error: { code: 'unavailable', message: `more than ${MAX_IN_FLIGHT} calls in flight` } });
      }
      const heavy = HEAVY_METHODS.has(m.method);
      if (heavy && heavyInFlight) {
        return send({ type: 'result', id, ok: false, error: { code: 'unavailable', message: 'an export is still being sent; try again when it is done' } });
      }
      if (heavy) heavyInFlight = true;
      if (++inFlight >= MAX_IN_FLIGHT) ws.pause();
      void o.api.dispatch(m.method, m.params).then((r) => {
        send(r.ok ? { type: 'result', id, ok: true, result: r.result } : { type: 'result', id, ok: false, error: r.error }, () => {
          if (heavy) heavyInFlight = false;
          settled();
        });
      });
    });
  }

  return {
    handleUpgrade,
    clients: () => wss.clients.size,
    close(): void {
      clearInterval(heartbeat);
      for (const [socket, timer] of held) {
        clearTimeout(timer);
        socket.destroy();
      }
      held.clear();
      heldPerKey.clear();
      for (const c of wss.clients) {
        c.close(1001, 'server shutting down');
        // a client that went silent (a laptop asleep) never answers: ws would wait 30 s for it, and
        // the core (database) closes only after this host
        setTimeout(() => c.terminate(), CLOSE_GRACE_MS).unref();
      }
      wss.close();
      gate.close();
    },
  };
}
