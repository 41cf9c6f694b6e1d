import { request as httpRequest } from 'node:http';
import { connect as netConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiServer } from '../api/server';
import { fakeUi, pongApi } from './testing/http-fixture';
import { startHttpHost, type HttpHost } from './http-host';
import { CLOSE_BAD_TOKEN, CLOSE_TRY_LATER, MAX_CLIENTS, MAX_HELD_PER_ADDRESS, heartbeatTick } from './ws-binding';
import { MAX_HTTP_CONNECTIONS_PER_ADDRESS } from './http-host';

const TOKEN = 'T'.repeat(32);
let host: HttpHost | null = null;

afterEach(async () => {
  await host?.close();
  host = null;
});

/** An API whose every call answers with `resultBytes` of text, counting the calls it ran. */
function bigApi(resultBytes: number) {
  const calls = { n: 0 };
  const api: ApiServer = {
    dispatch: () => {
      calls.n++;
      return Promise.resolve({ ok: true, result: 'x'.repeat(resultBytes) });
    },
    subscribe: () => () => {},
    ack: () => {},
  };
  return { api, calls };
}

/** An API socket the host serves: open, and its first message (the host's ready) read. */
async function open(port: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, ['hypertcp.v1', `token.${TOKEN}`], { origin: `http://127.0.0.1:${port}`, maxPayload: 0 });
  await new Promise<void>((resolve, reject) => {
    ws.once('message', (d) => (d.toString() === '{"type":"ready"}' ? resolve() : reject(new Error(`first message ${d.toString()}`))));
    ws.once('close', (code) => reject(new Error(`closed ${code}`)));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return ws;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  /** The HTTP status the upgrade was refused with, or 101 when it was accepted. */
  status: number;
  protocol?: string;
  code?: number;
  reason?: string;
  /** What the host sent on the socket (nothing, for one closed at once). */
  messages: string[];
}

/** Opens an API socket as a browser would (a call sent as soon as it opens) and waits for its end. */
function attempt(port: number, opts: { token?: string | null; origin?: string } = {}): Promise<Outcome> {
  const protocols = ['hypertcp.v1', ...(opts.token === null ? [] : [`token.${opts.token ?? TOKEN}`])];
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, protocols, { origin: opts.origin ?? `http://127.0.0.1:${port}` });
  const messages: string[] = [];
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, messages }));
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'call', id: 1, method: 'hello', params: {} })));
    ws.on('message', (d) => messages.push(d.toString()));
    ws.once('close', (code, reason) => resolve({ status: 101, protocol: ws.protocol, code, reason: reason.toString(), messages }));
  });
}

describe('WebSocket binding: a client that does not read its results', () => {
  it('gets no more calls run than it has room for: results it has not read are bounded, and it is served once it reads', async () => {
    const { api, calls } = bigApi(1024 * 1024);
    host = await startHttpHost({ api, adminToken: TOKEN, staticDir: '/nonexistent', port: 0, bind: '127.0.0.1' });
    const ws = await open(host.port);
    const answered = new Set<number>();
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { type: string; id: number };
      if (msg.type === 'result') answered.add(msg.id);
    });
    ws.pause(); // reads nothing: every result stays in the host's send buffer (or the kernel's)
    const CALLS = 300;
    // a few at a time, as a UI polling would: never more than the host allows in flight at once
    for (let id = 1; id <= CALLS; id++) {
      ws.send(JSON.stringify({ type: 'call', id, method: 'hello', params: {} }));
      if (id % 4 === 0) await sleep(5);
    }
    await sleep(500);
    // 300 results of 1 MiB would be 300 MiB held for a client that reads none of them
    expect(calls.n).toBeLessThan(64);
    ws.resume();
    const deadline = Date.now() + 20_000;
    while (answered.size < CALLS && Date.now() < deadline) await sleep(50);
    expect(answered.size).toBe(CALLS);
    ws.close();
  }, 30_000);
});

describe('WebSocket binding: exports', () => {
  it('runs one export per connection at a time, until its result is written out; other calls go on meanwhile', async () => {
    const { api, calls } = bigApi(8 * 1024 * 1024);
    host = await startHttpHost({ api, adminToken: TOKEN, staticDir: '/nonexistent', port: 0, bind: '127.0.0.1' });
    const ws = await open(host.port);
    const results = new Map<number, { ok: boolean; error?: { code: string; message: string } }>();
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { type: string; id: number; ok: boolean; error?: { code: string; message: string } };
      if (msg.type === 'result') results.set(msg.id, msg);
    });
    ws.pause(); // the first export's 8 MiB stays unread
    const call = (id: number, method: string) => ws.send(JSON.stringify({ type: 'call', id, method, params: { format: 'csv' } }));
    for (let id = 1; id <= 8; id++) call(id, 'export.traffic'); // one chunk: all arrive before any result is sent
    call(9, 'export.metrics');
    call(10, 'hello');
    await sleep(500);
    expect(calls.n).toBe(2); // one export and the hello ran; 8 x 8 MiB would have been held
    ws.resume();
    const deadline = Date.now() + 10_000;
    while (results.size < 10 && Date.now() < deadline) await sleep(20);
    expect(results.get(1)!.ok).toBe(true);
    expect(results.get(10)!.ok).toBe(true);
    for (let id = 2; id <= 9; id++) expect(results.get(id)).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringContaining('export') } });
    // once written out, the next export runs
    call(11, 'export.traffic');
    while (!results.has(11) && Date.now() < deadline) await sleep(20);
    expect(results.get(11)!.ok).toBe(true);
    ws.close();
  }, 20_000);
});

describe('WebSocket binding: odd upgrade paths', () => {
  /** The status line the host answers a raw upgrade request for `path` with. */
  function upgrade(port: number, path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = netConnect(port, '127.0.0.1', () => {
        s.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: hypertcp.v1, token.${TOKEN}\r\n\r\n`,
        );
      });
      let got = '';
      s.on('data', (d: Buffer) => {
        got += d.toString();
        if (got.includes('\r\n')) {
          resolve(got.split('\r\n')[0]!);
          s.destroy();
        }
      });
      s.on('error', reject);
      s.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    });
  }

  it('a path new URL() cannot parse (any web page can ask for ws://127.0.0.1:8090//) is refused, and the host lives on', async () => {
    const echo: ApiServer = { dispatch: () => Promise.resolve({ ok: true, result: 'pong' }), subscribe: () => () => {}, ack: () => {} };
    host = await startHttpHost({ api: echo, adminToken: TOKEN, staticDir: '/nonexistent', port: 0, bind: '127.0.0.1' });
    for (const path of ['//', '///api', '//a b/', '/api/..', '/API']) expect(await upgrade(host.port, path), path).toMatch(/^HTTP\/1\.1 40\d /);
    expect(await upgrade(host.port, '/api?x=1')).toBe('HTTP/1.1 101 Switching Protocols');
    const ws = await open(host.port);
    ws.close();
  });
});

describe('WebSocket binding: the ready message', () => {
  it('is the first message on a served socket, before an event batch waiting for it and the result of a call sent at open', async () => {
    const api: ApiServer = {
      dispatch: () => Promise.resolve({ ok: true, result: 'pong' }),
      // news already waiting: the pump hands it to a new subscriber at once
      subscribe: (listener) => {
        listener({ seq: 1, ts: 1 });
        return () => {};
      },
      ack: () => {},
    };
    host = await startHttpHost({ api, adminToken: TOKEN, staticDir: '/nonexistent', port: 0, bind: '127.0.0.1' });
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api`, ['hypertcp.v1', `token.${TOKEN}`], { origin: `http://127.0.0.1:${host.port}` });
    const messages: unknown[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    ws.once('open', () => ws.send(JSON.stringify({ type: 'call', id: 1, method: 'hello', params: {} })));
    const deadline = Date.now() + 2000;
    while (messages.length < 3 && Date.now() < deadline) await sleep(10);
    expect(messages).toEqual([{ type: 'ready' }, { type: 'events', batch: { seq: 1, ts: 1 } }, { type: 'result', id: 1, ok: true, result: 'pong' }]);
    ws.close();
  });
});

describe('WebSocket binding: refusals a page can tell apart', () => {
  it('closes a socket with a wrong or missing token at once with 4401 (a browser sees no 401), serving no call on it, and records the refusal', async () => {
    const { api, calls } = bigApi(10);
    const refusals: string[] = [];
    host = await startHttpHost({ api, adminToken: TOKEN, staticDir: '/nonexistent', port: 0, bind: '127.0.0.1', onRefused: (reason) => refusals.push(reason) });
    for (const token of ['W'.repeat(32), null]) {
      expect(await attempt(host.port, { token })).toEqual({ status: 101, protocol: 'hypertcp.v1', code: CLOSE_BAD_TOKEN, reason: 'bad admin token', messages: [] });
    }
    expect(CLOSE_BAD_TOKEN).toBe(4401);
    expect(refusals).toEqual(['Unauthorized: bad token', 'Unauthorized: no token']);
    await sleep(50);
    expect(calls.n).toBe(0);
    // the right token is served
    const ok = await open(host.port);
    ok.close();
  });

  it(`closes the socket past ${MAX_CLIENTS} with 1013 and the limit in the reason; one opens again once a slot is free`, async () => {
    const { api, calls } = bigApi(10);
    host = await startHttpHost({ api, adminToken: TOKEN, staticDir: '/nonexistent', port: 0, bind: '127.0.0.1' });
    const held = await Promise.all(Array.from({ length: MAX_CLIENTS }, () => open(host!.port)));
    try {
      const past = await attempt(host.port);
      expect(past).toEqual({ status: 101, protocol: 'hypertcp.v1', code: CLOSE_TRY_LATER, reason: `try again later: at most ${MAX_CLIENTS} API connections at once`, messages: [] });
      expect(CLOSE_TRY_LATER).toBe(1013);
      expect(calls.n).toBe(0);
      // it took no slot: still exactly the limit, and one freed is taken by the next
      held.pop()!.close();
      await sleep(100);
      const again = await open(host.port);
      const reply = new Promise<string>((resolve) => again.once('message', (d) => resolve(d.toString())));
      again.send(JSON.stringify({ type: 'call', id: 1, method: 'hello', params: {} }));
      expect(JSON.parse(await reply)).toMatchObject({ id: 1, ok: true });
      again.close();
    } finally {
      for (const ws of held) ws.terminate();
    }
  });

  it('still refuses a foreign Origin or Host, or another path, with an HTTP status (not our page: no socket at all)', async () => {
    const { api } = bigApi(10);
    host = await startHttpHost({ api, adminToken: TOKEN, staticDir: '/nonexistent', port: 0, bind: '127.0.0.1' });
    expect(await attempt(host.port, { origin: 'http://evil.example' })).toEqual({ status: 403, messages: [] });
    expect(await attempt(host.port, { origin: 'http://evil.example', token: 'W'.repeat(32) })).toEqual({ status: 403, messages: [] });
  });
});

describe('WebSocket binding: admin-token guesses', () => {
  /** Ms from asking with `token` from `localAddress` to the host's verdict: its ready (served) or its close code. */
  function timedTry(port: number, token: string, localAddress = '127.0.0.1'): Promise<{ ms: number; verdict: 'ready' | number }> {
    const start = Date.now();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, ['hypertcp.v1', `token.${token}`], { origin: `http://127.0.0.1:${port}`, localAddress });
    return new Promise((resolve, reject) => {
      ws.once('error', reject);
      ws.once('message', () => {
        resolve({ ms: Date.now() - start, verdict: 'ready' });
        ws.close();
      });
      ws.once('close', (code) => resolve({ ms: Date.now() - start, verdict: code }));
    });
  }

  it('slows a dictionary attack from one address to a handful of verdicts a second, however many sockets it opens', async () => {
    host = await startHttpHost({ api: bigApi(1).api, adminToken: TOKEN, staticDir: '/nonexistent', port: 0, bind: '127.0.0.1' });
    const port = host.port;
    let verdicts = 0;
    const end = Date.now() + 2_000;
    // 16 guessers in parallel, as /tmp/sec/admin-guess.mts did (491 verdicts a second before)
    const guesser = async (w: number) => {
      for (let i = 0; Date.now() < end; i++) {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, ['hypertcp.v1', `token.guess-${w}-${i}-0123456789abcdef`], { origin: `http://127.0.0.1:${port}` });
        const code = await new Promise<number>((resolve) => {
          ws.once('error', () => resolve(-1));
          ws.once('close', (c) => resolve(c));
          setTimeout(() => (ws.terminate(), resolve(-2)), Math.max(0, end - Date.now()));
        });
        if (code === CLOSE_BAD_TOKEN) verdicts++;
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, w) => guesser(w)));
    expect(verdicts).toBeGreaterThan(0);
    // each parallel guess waits longer (0, 250, 500, 1000 ms...): at most about 5 answered in 2 s
    expect(verdicts).toBeLessThanOrEqual(8);
  });

  it('holds every try from an address with failures, right or wrong; another address\'s right token is never held', async (ctx) => {
    const tokenThrottle = { baseMs: 200, maxMs: 800, halfLifeMs: 60_000 };
    host = await startHttpHost({ api: bigApi(1).api, adminToken: TOKEN, staticDir: '/nonexistent', port: 0, bind: '127.0.0.1', tokenThrottle });
    const probe = await timedTry(host.port, TOKEN, '127.0.0.2').catch(() => null);
    if (!probe) {
      console.log('skipped: this machine cannot connect from 127.0.0.2 (the test needs a second loopback address)');
      return ctx.skip('this machine cannot connect from 127.0.0.2');
    }
    const tries = [];
    for (let i = 0; i < 4; i++) tries.push(await timedTry(host.port, `wrong-token-${i}-0123456789abcdef`, '127.0.0.2'));
    expect(tries.map((t) => t.verdict)).toEqual([CLOSE_BAD_TOKEN, CLOSE_BAD_TOKEN, CLOSE_BAD_TOKEN, CLOSE_BAD_TOKEN]);
    // 0, then 200, 400, 800 ms: the delay grows with the failures
    expect(tries[0]!.ms).toBeLessThan(150);
    expect(tries[1]!.ms).toBeGreaterThanOrEqual(190);
    expect(tries[3]!.ms).toBeGreaterThanOrEqual(750);
    // the admin's browser, elsewhere: served at once
    const admin = await timedTry(host.port, TOKEN, '127.0.0.1');
    expect(admin.verdict).toBe('ready');
    expect(admin.ms).toBeLessThan(150);
    // the right token from the guessing address waits as a wrong one would, so timing tells nothing
    const right = await timedTry(host.port, TOKEN, '127.0.0.2');
    expect(right.verdict).toBe('ready');
    expect(right.ms).toBeGreaterThanOrEqual(750);
  });
});

describe('WebSocket binding: behind a reverse proxy (every browser at the proxy\'s address)', () => {
  const site = 'https://panel.lan';
  /** An upgrade as the proxy passes it on: its verdict, or the HTTP status and Retry-After it was refused with. */
  function proxiedTry(port: number, token: string): Promise<{ verdict: 'ready' | number; retryAfter?: string }> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, ['hypertcp.v1', `token.${token}`], { headers: { host: 'panel.lan' }, origin: site });
    return new Promise((resolve) => {
      ws.once('unexpected-response', (req, res) => {
        resolve({ verdict: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] });
        req.destroy();
      });
      ws.once('error', () => resolve({ verdict: -1 }));
      ws.once('message', (d) => {
        resolve({ verdict: d.toString() === '{"type":"ready"}' ? 'ready' : -2 });
        ws.close();
      });
      ws.once('close', (code) => resolve({ verdict: code }));
    });
  }
  function getPage(port: number): Promise<number | string> {
    return new Promise((resolve) => {
      const rq = httpRequest({ host: '127.0.0.1', port, path: '/', headers: { host: 'panel.lan' } }, (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
      });
      rq.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      rq.end();
    });
  }

  it(`holds at most ${MAX_HELD_PER_ADDRESS} wrong-token tries and refuses more with 429, so they never fill the ${MAX_HTTP_CONNECTIONS_PER_ADDRESS} connections the proxy's address has`, async () => {
    const tokenThrottle = { baseMs: 100, maxMs: 1500, halfLifeMs: 60_000 };
    const ui = fakeUi(mkdtempSync(join(tmpdir(), 'hypertcp-ws-')));
    host = await startHttpHost({ api: pongApi, adminToken: TOKEN, staticDir: ui, port: 0, bind: '127.0.0.1', publicOrigins: [site], tokenThrottle });
    const port = host.port;
    // primed: the proxy's address has failures, so every try from it is held now
    for (let i = 0; i < 4; i++) expect((await proxiedTry(port, `wrong-${i}-0123456789abcdef`)).verdict).toBe(CLOSE_BAD_TOKEN);
    // 70 more, a few at a time as a script would send them (not all in one accept burst)
    const flood: Promise<{ verdict: 'ready' | number; retryAfter?: string }>[] = [];
    for (let i = 0; i < 70; i++) {
      flood.push(proxiedTry(port, `flood-${i}-0123456789abcdef`));
      if (i % 10 === 9) await sleep(50);
    }
    await sleep(100);
    // the page and the API still answer through the proxy while the tries are held
    expect(await getPage(port)).toBe(200);
    const deadline = Date.now() + 10_000;
    let admin = await proxiedTry(port, TOKEN);
    // the admin's own try waits its turn as any try from that address does (429 until one is free)
    while (admin.verdict === 429 && Date.now() < deadline) {
      await sleep(100);
      admin = await proxiedTry(port, TOKEN);
    }
    expect(admin.verdict).toBe('ready');
    const outcomes = await Promise.all(flood);
    const refused = outcomes.filter((o) => o.verdict === 429);
    expect(outcomes.filter((o) => o.verdict === CLOSE_BAD_TOKEN).length).toBeLessThanOrEqual(MAX_HELD_PER_ADDRESS);
    expect(refused.length).toBeGreaterThanOrEqual(70 - MAX_HELD_PER_ADDRESS);
    expect(refused.length + outcomes.filter((o) => o.verdict === CLOSE_BAD_TOKEN).length).toBe(70);
    for (const o of refused) expect(Number(o.retryAfter)).toBeGreaterThanOrEqual(1);
  }, 20_000);
});

describe('WebSocket binding: shutdown', () => {
  it('cuts an API client that does not answer the close frame (a laptop asleep) after a second, not ws\'s 30 s', async () => {
    host = await startHttpHost({ api: pongApi, adminToken: TOKEN, staticDir: '/nonexistent', port: 0, bind: '127.0.0.1' });
    const port = host.port;
    const silent = netConnect(port, '127.0.0.1');
    silent.on('error', () => {});
    silent.write(
      `GET /api HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: hypertcp.v1, token.${TOKEN}\r\n\r\n`,
    );
    const answer = await new Promise<string>((resolve) => silent.once('data', (d: Buffer) => resolve(d.toString())));
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 101 Switching Protocols');
    try {
      const start = Date.now();
      const closing = host.close();
      host = null;
      const ms = await Promise.race([closing.then(() => Date.now() - start), sleep(5_000).then(() => Infinity)]);
      expect(ms).toBeLessThan(3_000);
    } finally {
      silent.destroy();
    }
  }, 10_000);
});

describe('WebSocket binding: a result JSON cannot carry', () => {
  it('fails that call with internal, and the connection and host go on', async () => {
    const api: ApiServer = {
      dispatch: (method) => Promise.resolve({ ok: true, result: method === 'big' ? { n: 1n } : 'pong' }),
      subscribe: () => () => {},
      ack: () => {},
    };
    host = await startHttpHost({ api, adminToken: TOKEN, staticDir: '/nonexistent', port: 0, bind: '127.0.0.1' });
    const ws = await open(host.port);
    const replies: Record<string, unknown>[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(d.toString()) as Record<string, unknown>));
    ws.send(JSON.stringify({ type: 'call', id: 1, method: 'big', params: {} }));
    ws.send(JSON.stringify({ type: 'call', id: 2, method: 'hello', params: {} }));
    const deadline = Date.now() + 2000;
    while (replies.length < 2 && Date.now() < deadline) await sleep(10);
    expect(replies).toEqual([
      { type: 'result', id: 1, ok: false, error: { code: 'internal', message: expect.stringContaining('BigInt') } },
      { type: 'result', id: 2, ok: true, result: 'pong' },
    ]);
    ws.close();
  });
});

describe('WebSocket binding: heartbeat', () => {
  const heartbeat = { pingMs: 50, deadAfterMs: 250 };
  const echo: ApiServer = { dispatch: () => Promise.resolve({ ok: true, result: 'pong' }), subscribe: () => () => {}, ack: () => {} };

  it(`closes sockets that answer no ping (a tab on a laptop that slept), so they do not use up the ${MAX_CLIENTS} slots`, async () => {
    host = await startHttpHost({ api: echo, adminToken: TOKEN, staticDir: '/nonexistent', port: 0, bind: '127.0.0.1', heartbeat });
    const silent = await Promise.all(Array.from({ length: MAX_CLIENTS }, () => open(host!.port)));
    try {
      for (const ws of silent) ws.pause(); // reads nothing, so never sees a ping to answer
      expect(await attempt(host.port)).toMatchObject({ status: 101, code: CLOSE_TRY_LATER });
      await sleep(heartbeat.deadAfterMs + 4 * heartbeat.pingMs);
      const fresh = await open(host.port);
      fresh.close();
    } finally {
      for (const ws of silent) ws.terminate();
    }
  });

  it('keeps a socket that answers its pings, well past the dead-after time', async () => {
    host = await startHttpHost({ api: echo, adminToken: TOKEN, staticDir: '/nonexistent', port: 0, bind: '127.0.0.1', heartbeat });
    const ws = await open(host.port);
    let pings = 0;
    ws.on('ping', () => pings++);
    let closed = false;
    ws.on('close', () => (closed = true));
    await sleep(4 * heartbeat.deadAfterMs);
    expect(closed).toBe(false);
    expect(pings).toBeGreaterThan(3);
    const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
    ws.send(JSON.stringify({ type: 'call', id: 1, method: 'hello', params: {} }));
    expect(JSON.parse(await reply)).toMatchObject({ id: 1, ok: true });
    ws.close();
  });

  it('counts unsent data shrinking as life (a long export whose pong waits behind it), not a buffer that stays put', () => {
    const s = { at: 0, buffered: 0 };
    expect(heartbeatTick(s, 8_000_000, 30_000, 90_000)).toBe('ping');
    expect(heartbeatTick(s, 6_000_000, 60_000, 90_000)).toBe('ping');
    expect(heartbeatTick(s, 4_000_000, 120_000, 90_000)).toBe('ping'); // still draining: alive
    expect(heartbeatTick(s, 4_000_000, 180_000, 90_000)).toBe('ping'); // 60 s since it last drained
    expect(heartbeatTick(s, 4_000_000, 210_000, 90_000)).toBe('dead'); // 90 s stuck, no pong
  });
});
