import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiCallError } from './errors';
import { apiUrlFor, CLOSE_BAD_TOKEN, CLOSE_TRY_LATER, createWsClient, isTokenRefused, MAX_WS_MESSAGE, probeHttp, SHOW_TOKEN_COMMAND, takeAdminToken, tokenRefusedText, TOKEN_STORAGE_KEY, VISIBLE_MAX_BACKOFF_MS } from './ws-client';

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.all.push(this);
  }
  send(text: string) {
    this.sent.push(text);
  }
  close() {
    this.readyState = 3;
    this.onclose?.({ code: 1000, reason: '' });
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  /** Opened and served: the host's first message on a socket it keeps. */
  ready() {
    this.open();
    this.receive({ type: 'ready' });
  }
  receive(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop(code = 1006, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

const make = () => createWsClient({ url: 'ws://h/api', token: 'T0K', WebSocketImpl: FakeSocket as unknown as typeof WebSocket, minBackoffMs: 10, maxBackoffMs: 40 });

afterEach(() => {
  FakeSocket.all = [];
  vi.useRealTimers();
});

class MemStorage {
  map = new Map<string, string>();
  getItem = (k: string) => this.map.get(k) ?? null;
  setItem = (k: string, v: string) => void this.map.set(k, v);
}

describe('admin token from the URL', () => {
  it('is read from #token=, kept in sessionStorage and stripped from the address', () => {
    const storage = new MemStorage();
    const replaceState = vi.fn();
    const token = takeAdminToken({ hash: '#token=abc%2Bdef', pathname: '/', search: '?x=1' }, storage as unknown as Storage, { replaceState });
    expect(token).toBe('abc+def');
    expect(storage.getItem(TOKEN_STORAGE_KEY)).toBe('abc+def');
    expect(replaceState).toHaveBeenCalledWith(null, '', '/?x=1');
    expect(takeAdminToken({ hash: '', pathname: '/', search: '' }, storage as unknown as Storage, { replaceState })).toBe('abc+def');
  });
  it('builds the same-host API url', () => {
    expect(apiUrlFor({ protocol: 'http:', host: '127.0.0.1:8090' })).toBe('ws://127.0.0.1:8090/api');
    expect(apiUrlFor({ protocol: 'https:', host: 'pi.lan' })).toBe('wss://pi.lan/api');
  });
});

describe('WebSocket API client', () => {
  it('authenticates with the two subprotocols, matches results by id, surfaces host errors', async () => {
    const client = make();
    const ws = FakeSocket.all[0]!;
    expect(ws.protocols).toEqual(['hypertcp.v1', 'token.T0K']);
    ws.open();
    const a = client.call('hello', {});
    const b = client.call('devices.get', { id: 'nope' });
    const [callA, callB] = ws.sent.map((s) => JSON.parse(s) as { id: number; method: string });
    expect(callA!.method).toBe('hello');
    ws.receive({ type: 'result', id: callB!.id, ok: false, error: { code: 'not_found', message: 'no device nope' } });
    ws.receive({ type: 'result', id: callA!.id, ok: true, result: { version: '1' } });
    await expect(a).resolves.toEqual({ version: '1' });
    await expect(b).rejects.toMatchObject({ code: 'not_found', message: 'no device nope' });
  });

  it('delivers event batches, sends acks, ignores garbage', () => {
    const client = make();
    const ws = FakeSocket.all[0]!;
    ws.open();
    const got: number[] = [];
    client.onEvents((b) => got.push(b.seq));
    ws.onmessage?.({ data: 'not json' });
    ws.receive({ type: 'events', batch: { seq: 4, ts: 1 } });
    client.ackEvents(4);
    expect(got).toEqual([4]);
    expect(JSON.parse(ws.sent.at(-1)!)).toEqual({ type: 'ack', seq: 4 });
  });

  it('refuses calls while disconnected and over 64 KiB, with a clear error', async () => {
    const client = make();
    await expect(client.call('hello', {})).rejects.toMatchObject({ code: 'disconnected' });
    FakeSocket.all[0]!.open();
    const err = await client.call('messages.send', { to: 'x', payload: { big: 'x'.repeat(MAX_WS_MESSAGE) } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiCallError);
    expect((err as ApiCallError).message).toMatch(/64 KiB/);
  });

  it('fails pending calls on a drop, reports the status, and reconnects with backoff', async () => {
    vi.useFakeTimers();
    const client = make();
    const statuses: string[] = [];
    client.onStatus((s) => statuses.push(s));
    FakeSocket.all[0]!.ready();
    const pending = client.call('hello', {});
    FakeSocket.all[0]!.drop();
    await expect(pending).rejects.toMatchObject({ code: 'disconnected' });
    expect(statuses).toEqual(['connecting', 'open', 'closed']);
    vi.advanceTimersByTime(10);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.ready();
    expect(statuses.at(-1)).toBe('open');
    client.close();
    expect(statuses.at(-1)).toBe('closed');
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('caps the reconnect wait at 2 s while the page is visible, lets a hidden page back off to 10 s, and tries at once when shown', () => {
    vi.useFakeTimers();
    const doc = new FakeDoc();
    createWsClient({ url: 'ws://h/api', token: 'T', WebSocketImpl: FakeSocket as unknown as typeof WebSocket, doc });
    FakeSocket.all[0]!.open();
    // the host went away and refuses every attempt: measure the wait before each new attempt
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      FakeSocket.all.at(-1)!.drop();
      const before = FakeSocket.all.length;
      let waited = 0;
      while (FakeSocket.all.length === before) {
        vi.advanceTimersByTime(100);
        waited += 100;
        expect(waited).toBeLessThanOrEqual(10_000);
      }
      waits.push(waited);
    }
    expect(VISIBLE_MAX_BACKOFF_MS).toBe(2000);
    expect(waits).toEqual([500, 1000, 2000, 2000, 2000, 2000, 2000, 2000]);
    // the host is back: found on the next attempt, within the cap
    FakeSocket.all.at(-1)!.drop();
    const n = FakeSocket.all.length;
    vi.advanceTimersByTime(VISIBLE_MAX_BACKOFF_MS);
    expect(FakeSocket.all).toHaveLength(n + 1);

    // hidden: the wait grows past the cap up to 10 s
    doc.visibilityState = 'hidden';
    FakeSocket.all.at(-1)!.drop();
    const m = FakeSocket.all.length;
    vi.advanceTimersByTime(9_999);
    expect(FakeSocket.all).toHaveLength(m);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(m + 1);
    FakeSocket.all.at(-1)!.drop();
    vi.advanceTimersByTime(3_000);
    expect(FakeSocket.all).toHaveLength(m + 1);
    // shown again: one attempt right away, not after the rest of the 10 s
    doc.show();
    expect(FakeSocket.all).toHaveLength(m + 2);
  });

  /** A client of 127.0.0.1:8090 (waits 1, 2, 4 s) with the default grace, recording its statuses. */
  function watched(probe?: () => Promise<boolean>) {
    const client = createWsClient({ url: 'ws://127.0.0.1:8090/api', token: 'WRONG', WebSocketImpl: FakeSocket as unknown as typeof WebSocket, minBackoffMs: 1000, maxBackoffMs: 4000, ...(probe ? { probe } : {}) });
    const seen: { status: string; detail?: string }[] = [];
    client.onStatus((status, detail) => seen.push({ status, detail }));
    return { client, seen };
  }

  it('a wrong token (the host closes with 4401 right after the upgrade) stops retrying and says how to get the right link; Retry now still tries once', async () => {
    vi.useFakeTimers();
    const probe = vi.fn(async () => true);
    const { client, seen } = watched(probe);
    // the host accepts the upgrade and closes at once: the page never counts it as connected
    FakeSocket.all[0]!.open();
    FakeSocket.all[0]!.drop(4401, 'bad admin token');
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.map((s) => s.status)).toEqual(['connecting', 'closed']);
    expect(seen.at(-1)!.detail).toBe(`the host at 127.0.0.1:8090 refused this page's admin token (#token= in the URL): open the link \`${SHOW_TOKEN_COMMAND}\` prints. Not retrying.`);
    expect(SHOW_TOKEN_COMMAND).toBe('npm run serve -- --show-token');
    expect(isTokenRefused(seen.at(-1)!.detail)).toBe(true);
    expect(isTokenRefused(tokenRefusedText('h'))).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    // "Retry now" still tries once, and stops again on the same answer
    client.reconnect!();
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.open();
    FakeSocket.all[1]!.drop(4401, 'bad admin token');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(2);
    expect(probe).not.toHaveBeenCalled();
    expect(CLOSE_BAD_TOKEN).toBe(4401);
    client.close();
  });

  it('a host with too many panels open (1013) is retried with a growing wait, saying so with its limit', async () => {
    vi.useFakeTimers();
    const { client, seen } = watched(async () => true);
    const reason = 'try again later: at most 16 API connections at once';
    FakeSocket.all[0]!.open();
    FakeSocket.all[0]!.drop(1013, reason);
    expect(seen.at(-1)).toEqual({ status: 'closed', detail: 'the host at 127.0.0.1:8090 has too many panels open (at most 16 API connections at once), retrying in 1 s' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSocket.all).toHaveLength(2);
    // the socket opened and closed at once: no reset of the wait, no 'open' in between
    FakeSocket.all[1]!.open();
    FakeSocket.all[1]!.drop(1013, reason);
    expect(seen.at(-1)!.detail).toMatch(/too many panels open .*, retrying in 2 s$/);
    expect(seen.some((s) => s.status === 'open')).toBe(false);
    await vi.advanceTimersByTimeAsync(2000);
    expect(FakeSocket.all).toHaveLength(3);
    // a slot is free: connected once the host says it serves the socket
    FakeSocket.all[2]!.ready();
    expect(seen.at(-1)).toEqual({ status: 'open', detail: undefined });
    expect(CLOSE_TRY_LATER).toBe(1013);
    client.close();
  });

  it('a socket that never opened (1006) is retried whatever the probe says; the probe only tells "cannot reach" from a host that answers but passes no upgrade', async () => {
    vi.useFakeTimers();
    let up = false;
    const probe = vi.fn(async () => up);
    const { client, seen } = watched(probe);
    FakeSocket.all[0]!.drop(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.at(-1)).toEqual({ status: 'closed', detail: 'cannot reach the host at 127.0.0.1:8090, retrying in 1 s' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSocket.all).toHaveLength(2);
    // its page answers, the socket still does not open: a proxy that does not pass WebSocket upgrades
    up = true;
    FakeSocket.all[1]!.drop(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.at(-1)).toEqual({ status: 'closed', detail: 'the host at 127.0.0.1:8090 answers but the WebSocket did not open (a proxy that does not pass WebSocket upgrades?), retrying in 2 s' });
    await vi.advanceTimersByTimeAsync(2000);
    expect(FakeSocket.all).toHaveLength(3);
    FakeSocket.all[2]!.drop(1006);
    await vi.advanceTimersByTimeAsync(4000);
    expect(FakeSocket.all).toHaveLength(4);
    expect(probe).toHaveBeenCalledTimes(3);
    client.close();
  });

  it("counts an opened socket as connected only on the host's ready, however long it stays open without it; a drop after that is a lost connection", async () => {
    vi.useFakeTimers();
    const { client, seen } = watched(async () => true);
    const batches: number[] = [];
    client.onEvents((b) => batches.push(b.seq));
    FakeSocket.all[0]!.open();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(seen.map((s) => s.status)).toEqual(['connecting']);
    FakeSocket.all[0]!.receive({ type: 'ready' });
    expect(seen.at(-1)).toEqual({ status: 'open', detail: undefined });
    // an open connection that drops says the host was lost, not "code 1006", and when it retries
    FakeSocket.all[0]!.drop(1006);
    expect(seen.at(-1)).toEqual({ status: 'closed', detail: 'lost the connection to the host at 127.0.0.1:8090, retrying in 1 s' });
    await vi.advanceTimersByTimeAsync(1000);
    // a host older than ready: its first event batch counts (it sends nothing on a socket it refuses)
    FakeSocket.all[1]!.open();
    expect(seen.at(-1)!.status).toBe('connecting');
    FakeSocket.all[1]!.receive({ type: 'events', batch: { seq: 1, ts: 1 } });
    expect(seen.at(-1)!.status).toBe('open');
    expect(batches).toEqual([1]);
    client.close();
  });

  it("probes the host's page: an answer below 500 is the host up, a proxy's 5xx or no answer is down", async () => {
    const answers: (number | Error)[] = [200, 421, 502, new TypeError('Failed to fetch')];
    const fetchStub = vi.fn(async (url: string, init: RequestInit) => {
      expect([url, init.method]).toEqual(['https://lab.example:8443/', 'HEAD']);
      const a = answers.shift()!;
      if (a instanceof Error) throw a;
      return { status: a } as Response;
    });
    vi.stubGlobal('fetch', fetchStub);
    try {
      const probe = probeHttp('wss://lab.example:8443/api');
      expect([await probe(), await probe(), await probe(), await probe()]).toEqual([true, true, false, false]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('"retry now" skips the wait with one attempt, and does nothing while connected or connecting', () => {
    vi.useFakeTimers();
    const client = make();
    const statuses: string[] = [];
    client.onStatus((s) => statuses.push(s));
    client.reconnect!(); // connecting: no second socket
    expect(FakeSocket.all).toHaveLength(1);
    FakeSocket.all[0]!.open();
    client.reconnect!(); // open: nothing to do
    expect(FakeSocket.all).toHaveLength(1);
    FakeSocket.all[0]!.drop();
    expect(statuses.at(-1)).toBe('closed');
    client.reconnect!();
    expect(FakeSocket.all).toHaveLength(2);
    expect(statuses.at(-1)).toBe('connecting');
    client.reconnect!(); // already trying
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.ready();
    expect(statuses.at(-1)).toBe('open');
    // the skipped timer does not fire a second attempt later
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(2);
    client.close();
  });
});

class FakeDoc {
  visibilityState: DocumentVisibilityState = 'visible';
  private listeners = new Set<() => void>();
  addEventListener(_type: string, l: () => void) {
    this.listeners.add(l);
  }
  removeEventListener(_type: string, l: () => void) {
    this.listeners.delete(l);
  }
  show() {
    this.visibilityState = 'visible';
    for (const l of this.listeners) l();
  }
}
