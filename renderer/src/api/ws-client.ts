import type { ApiClient, EventBatch, MethodName, Params, Results, WsClientMessage, WsServerMessage } from '../../../shared/api/contract';
import { ApiCallError } from './errors';

/** The admin token lives in sessionStorage under this key once read from the URL. */
export const TOKEN_STORAGE_KEY = 'hypertcp.adminToken';
/** Every WebSocket message is capped at 64 KiB by the host; we refuse to send bigger ones. */
export const MAX_WS_MESSAGE = 64 * 1024;
const CALL_TIMEOUT_MS = 30_000;

type Status = 'connecting' | 'open' | 'closed';
type StatusListener = (status: Status, detail?: string) => void;

/**
 * Reads `#token=...` from the URL, keeps it in sessionStorage and strips it from the address bar,
 * so the token is neither bookmarked nor left in history. Falls back to the stored token.
 */
export function takeAdminToken(loc: Pick<Location, 'hash' | 'pathname' | 'search'>, storage: Storage, history: Pick<History, 'replaceState'>): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(loc.hash);
  if (match?.[1]) {
    const token = decodeURIComponent(match[1]);
    storage.setItem(TOKEN_STORAGE_KEY, token);
    history.replaceState(null, '', loc.pathname + loc.search);
    return token;
  }
  return storage.getItem(TOKEN_STORAGE_KEY);
}

/** host:port of a ws(s):// URL, for messages. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** ws(s)://<same host>/api */
export function apiUrlFor(loc: Pick<Location, 'protocol' | 'host'>): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/api`;
}

export interface VisibilitySource {
  readonly visibilityState: string;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

export interface WsClientOptions {
  url: string;
  token: string;
  WebSocketImpl?: typeof WebSocket;
  /** Reconnect backoff bounds in ms: maxBackoffMs while the page is hidden, visibleMaxBackoffMs while it is seen. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  visibleMaxBackoffMs?: number;
  /** The document whose visibility decides the cap (default: the page's; none outside a browser). */
  doc?: VisibilitySource;
  /**
   * Whether the host's web server answers at all (default in a browser: a HEAD of its page, see
   * probeHttp). Asked when a WebSocket closes without having opened: a browser does not show the
   * HTTP status of a refused upgrade (the host's 401 for a wrong token and a host that is down both
   * close with 1006), so a server that answers the page but refused the socket is a wrong token.
   */
  probe?: () => Promise<boolean>;
}

/** The command that prints the panel's link with the right #token=. */
export const SHOW_TOKEN_COMMAND = 'npm run serve -- --show-token';

/**
 * Whether the host's page for a ws(s)://host/api URL answers: the host itself answers HEAD / below 500
 * (200; 421 for a Host it does not serve). A 5xx is a reverse proxy in front of a host that is down
 * (502, 503, 504), so it counts as down: a wrong token is never concluded from a proxy's error page.
 */
export function probeHttp(wsUrl: string, timeoutMs = 3000): () => Promise<boolean> {
  const page = wsUrl.replace(/^ws(s?):/, 'http$1:').replace(/\/api$/, '/');
  return async () => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const res = await fetch(page, { method: 'HEAD', cache: 'no-store', signal: abort.signal });
      return res.status < 500;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * While someone looks at the page the wait between attempts is capped at 2 s: a host restarted
 * (an update, a Raspberry Pi reboot) is then found within about 2-3 s of being back instead of up to
 * 10 s later. 2 s keeps it bounded: one refused WebSocket every 2 s is nothing for the host or the
 * machine, and there is never a tight loop. A hidden tab backs off to maxBackoffMs (10 s) and
 * tries once at once when it is shown again.
 */
export const VISIBLE_MAX_BACKOFF_MS = 2_000;

interface PendingCall {
  resolve: (value: unknown) => void;
  reject: (err: ApiCallError) => void;
  timer: ReturnType<typeof setTimeout>;
}

export interface WsApiClient extends ApiClient {
  close(): void;
}

/** The headless binding: one WebSocket, calls matched by id, event batches pushed by the host. */
export function createWsClient(options: WsClientOptions): WsApiClient {
  const Impl = options.WebSocketImpl ?? WebSocket;
  const minBackoff = options.minBackoffMs ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 10_000;
  const visibleMaxBackoff = Math.min(maxBackoff, options.visibleMaxBackoffMs ?? VISIBLE_MAX_BACKOFF_MS);
  const doc = options.doc ?? (typeof document === 'undefined' ? undefined : document);
  const probe = options.probe ?? (typeof document === 'undefined' || typeof fetch !== 'function' ? undefined : probeHttp(options.url));
  const where = hostOf(options.url);
  const visible = () => doc?.visibilityState !== 'hidden';
  const eventListeners = new Set<(batch: EventBatch) => void>();
  const statusListeners = new Set<StatusListener>();
  const pending = new Map<number, PendingCall>();
  let socket: WebSocket | null = null;
  let status: Status = 'connecting';
  let statusDetail: string | undefined;
  let nextId = 1;
  let backoff = minBackoff;
  let closedByUser = false;
  /** A wrong token: no more attempts until "Retry now" (the right link opens a new page anyway). */
  let stopped = false;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;

  const setStatus = (next: Status, detail?: string) => {
    status = next;
    statusDetail = detail;
    for (const l of statusListeners) l(next, detail);
  };

  const failAll = (reason: string) => {
    for (const [id, call] of pending) {
      clearTimeout(call.timer);
      call.reject(new ApiCallError('disconnected', reason));
      pending.delete(id);
    }
  };

  const onMessage = (data: unknown) => {
    if (typeof data !== 'string') return;
    let msg: WsServerMessage;
    try {
      msg = JSON.parse(data) as WsServerMessage;
    } catch {
      return; // a host bug must not crash the UI; ignore the frame
    }
    if (msg.type === 'events') {
      for (const l of eventListeners) l(msg.batch);
      return;
    }
    if (msg.type !== 'result') return;
    const call = pending.get(msg.id);
    if (!call) return;
    pending.delete(msg.id);
    clearTimeout(call.timer);
    if (msg.ok) call.resolve(msg.result);
    else call.reject(new ApiCallError(msg.error.code, msg.error.message));
  };

  const connect = () => {
    reconnectTimer = null;
    stopped = false;
    setStatus('connecting');
    let ws: WebSocket;
    try {
      ws = new Impl(options.url, ['hypertcp.v1', `token.${options.token}`]);
    } catch (err) {
      scheduleReconnect(`cannot open ${options.url}: ${String(err)}`);
      return;
    }
    socket = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      backoff = minBackoff;
      setStatus('open');
    };
    ws.onmessage = (ev: MessageEvent) => onMessage(ev.data);
    ws.onclose = (ev: CloseEvent) => {
      if (socket !== ws) return;
      socket = null;
      if (opened || closedByUser) {
        const why = ev.reason || (ev.code === 1006 ? `lost the connection to the host at ${where}` : `the host at ${where} closed the connection (code ${ev.code})`);
        failAll(why);
        if (closedByUser) setStatus('closed', 'closed');
        else scheduleReconnect(why);
        return;
      }
      // never opened: down, or (when its web server answers) the upgrade was refused, i.e. the token
      failAll(`cannot connect to the host at ${where}`);
      if (ev.reason) return scheduleReconnect(ev.reason);
      if (!probe) return scheduleReconnect(`cannot reach the host at ${where}, or it refused this page's #token=`);
      void probe().then(
        (up) => {
          if (closedByUser || socket !== null || reconnectTimer !== null) return;
          if (!up) return scheduleReconnect(`cannot reach the host at ${where}`);
          stopped = true;
          setStatus('closed', `the host at ${where} refused this page's admin token (#token= in the URL): open the link \`${SHOW_TOKEN_COMMAND}\` prints. Not retrying.`);
        },
        () => scheduleReconnect(`cannot reach the host at ${where}`),
      );
    };
  };

  /** Waits, then tries again; the status says why and when ("…, retrying in 2 s"). */
  const scheduleReconnect = (why: string) => {
    const wait = visible() ? Math.min(backoff, visibleMaxBackoff) : backoff;
    setStatus('closed', `${why}, retrying in ${Math.max(1, Math.round(wait / 1000))} s`);
    reconnectTimer = setTimeout(connect, wait);
    backoff = Math.min(maxBackoff, backoff * 2);
  };

  /** Skips the rest of the wait: one attempt now (only while waiting, so never two sockets). */
  const retryNow = () => {
    if (closedByUser || (reconnectTimer === null && !stopped)) return;
    if (reconnectTimer !== null) clearTimeout(reconnectTimer);
    backoff = minBackoff;
    connect();
  };
  // a tab shown again tries at once instead of finishing a hidden tab's long wait
  const onVisibility = () => {
    if (visible() && !stopped) retryNow();
  };
  doc?.addEventListener('visibilitychange', onVisibility);

  const send = (msg: WsClientMessage): string | null => {
    const text = JSON.stringify(msg);
    if (text.length > MAX_WS_MESSAGE) return `message of ${text.length} bytes is over the 64 KiB limit`;
    if (!socket || socket.readyState !== 1) return 'not connected to the host';
    socket.send(text);
    return null;
  };

  connect();

  return {
    call<M extends MethodName>(method: M, params: Params<M>): Promise<Results[M]> {
      const id = nextId++;
      return new Promise<Results[M]>((resolve, reject) => {
        const problem = send({ type: 'call', id, method, params });
        if (problem) {
          reject(new ApiCallError(problem.startsWith('not connected') ? 'disconnected' : 'invalid_params', problem));
          return;
        }
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new ApiCallError('timeout', `${method}: no answer from the host within ${CALL_TIMEOUT_MS / 1000} s`));
        }, CALL_TIMEOUT_MS);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      });
    },
    onEvents(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    ackEvents(seq) {
      send({ type: 'ack', seq });
    },
    onStatus(listener) {
      statusListeners.add(listener);
      listener(status, statusDetail);
      return () => statusListeners.delete(listener);
    },
    reconnect: retryNow,
    close() {
      closedByUser = true;
      doc?.removeEventListener('visibilitychange', onVisibility);
      if (reconnectTimer) clearTimeout(reconnectTimer);
      socket?.close(1000, 'closed by the UI');
      failAll('closed by the UI');
    },
  };
}
