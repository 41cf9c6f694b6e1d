import type { ApiClient, EventBatch, MethodName, Params, Results, WsClientMessage, WsServerMessage } from '../../../shared/api/contract';
import { CLOSE_BAD_TOKEN, CLOSE_TRY_LATER, WS_MAX_MESSAGE, WS_PATH, WS_PROTOCOL } from '../../../shared/api/ws-wire';
import { ApiCallError } from './errors';

/** The admin token lives in sessionStorage under this key once read from the URL. */
export const TOKEN_STORAGE_KEY = 'hypertcp.adminToken';
/** Every WebSocket message is capped at 64 KiB by the host; we refuse to send bigger ones. */
export const MAX_WS_MESSAGE = WS_MAX_MESSAGE;
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
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}${WS_PATH}`;
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
   * probeHttp). Asked when a WebSocket closes with 1006 without having opened, only to say which of
   * two things it is: the host is down, or it answers but the socket did not open (a reverse proxy
   * that does not pass WebSocket upgrades). Both are retried: the host tells a wrong token by a close
   * code (CLOSE_BAD_TOKEN), never left to a guess.
   */
  probe?: () => Promise<boolean>;
}

export { CLOSE_BAD_TOKEN, CLOSE_TRY_LATER };

/** The command that prints the panel's link with the right #token=. */
export const SHOW_TOKEN_COMMAND = 'npm run serve -- --show-token';

/**
 * What the status line says of a refused token; isTokenRefused tells it from other reasons (the
 * waiting cards say how to get the right link instead of "keeps retrying").
 */
export function tokenRefusedText(where: string): string {
  return `the host at ${where} refused this page's admin token (#token= in the URL): open the link \`${SHOW_TOKEN_COMMAND}\` prints. Not retrying.`;
}

export function isTokenRefused(detail: string | null | undefined): boolean {
  return detail != null && detail.includes("refused this page's admin token") && detail.endsWith('Not retrying.');
}

/**
 * Whether the host's page for a ws(s)://host/api URL answers: the host itself answers HEAD / below 500
 * (200; 421 for a Host it does not serve). A 5xx is a reverse proxy in front of a host that is down
 * (502, 503, 504), so it counts as down.
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
  /** The host closed with CLOSE_BAD_TOKEN: no more attempts until "Retry now" (the right link opens a new page anyway). */
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
    if (msg.type === 'ready') return;
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
      ws = new Impl(options.url, [WS_PROTOCOL, `token.${options.token}`]);
    } catch (err) {
      scheduleReconnect(`cannot open ${options.url}: ${String(err)}`);
      return;
    }
    socket = ws;
    /**
     * Connected only once the host says so: its `ready` comes first on a socket it serves, while one it
     * refuses (CLOSE_BAD_TOKEN, CLOSE_TRY_LATER) opens too and gets only its close. A host older than
     * `ready` sends none; its first message (an event batch, every second) counts instead, as it sends
     * nothing at all on a socket it refuses.
     */
    let opened = false;
    let counted = false;
    ws.onopen = () => {
      opened = true;
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (!counted && socket === ws) {
        counted = true;
        backoff = minBackoff;
        setStatus('open');
      }
      onMessage(ev.data);
    };
    ws.onclose = (ev: CloseEvent) => {
      if (socket !== ws) return;
      socket = null;
      if (closedByUser) {
        failAll(ev.reason || 'closed by the UI');
        setStatus('closed', 'closed');
        return;
      }
      if (ev.code === CLOSE_BAD_TOKEN) {
        failAll(`the host at ${where} refused this page's admin token`);
        stopped = true;
        setStatus('closed', tokenRefusedText(where));
        return;
      }
      if (ev.code === CLOSE_TRY_LATER) {
        failAll(`the host at ${where} has too many panels open`);
        const limit = ev.reason.replace(/^try again later:?\s*/i, '') || 'close a tab or window of it';
        return scheduleReconnect(`the host at ${where} has too many panels open (${limit})`);
      }
      if (opened) {
        const why = ev.reason || (ev.code === 1006 ? `lost the connection to the host at ${where}` : `the host at ${where} closed the connection (code ${ev.code})`);
        failAll(why);
        return scheduleReconnect(why);
      }
      // never opened (1006: a browser shows no HTTP status): the host is down, or something between
      // answers for it but does not pass the upgrade; the probe only picks the words, both are retried
      failAll(`cannot connect to the host at ${where}`);
      if (ev.reason) return scheduleReconnect(ev.reason);
      if (!probe) return scheduleReconnect(`cannot reach the host at ${where}`);
      const down = `cannot reach the host at ${where}`;
      void probe().then(
        (up) => {
          if (closedByUser || socket !== null || reconnectTimer !== null) return;
          scheduleReconnect(up ? `the host at ${where} answers but the WebSocket did not open (a proxy that does not pass WebSocket upgrades?)` : down);
        },
        () => {
          if (closedByUser || socket !== null || reconnectTimer !== null) return;
          scheduleReconnect(down);
        },
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
