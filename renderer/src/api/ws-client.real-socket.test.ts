import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { createWsClient, isTokenRefused, type WsApiClient } from './ws-client';

/**
 * The client against a real WebSocket server on 127.0.0.1 standing in for the host, with the
 * browser-style WebSocket Node ships: what each kind of host does with a socket it accepted decides
 * what the page says. A host's late close (a proxy between that passes it some time after the
 * upgrade) is where "connected once it stayed open a moment" said connected to a refused socket.
 */
const LATE_MS = 300;

let server: WebSocketServer | null = null;
let client: WsApiClient | null = null;

afterEach(async () => {
  client?.close();
  client = null;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** A host on 127.0.0.1 that does `serve` with each socket it accepts (hypertcp.v1 selected, as the host does). */
async function fakeHost(serve: (ws: ServerSocket) => void): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('hypertcp.v1') ? 'hypertcp.v1' : false) });
  server = wss;
  wss.on('connection', serve);
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const { port } = wss.address() as { port: number };
  return `ws://127.0.0.1:${port}/api`;
}

/** A client of `url` recording its statuses; no reconnect within a test. */
function watch(url: string) {
  const seen: { status: string; detail?: string }[] = [];
  const batches: number[] = [];
  client = createWsClient({ url, token: 'T0K', WebSocketImpl: WebSocket, minBackoffMs: 60_000, maxBackoffMs: 60_000, visibleMaxBackoffMs: 60_000, probe: async () => true });
  client.onStatus((status, detail) => seen.push({ status, detail }));
  client.onEvents((b) => batches.push(b.seq));
  return { seen, batches };
}

async function until(what: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('WebSocket client against a real socket', () => {
  it("is connected on the host's ready (sent however late), not on the socket's open, and its calls are answered", async () => {
    let statusWhenReadySent = '';
    const { seen } = watch(
      await fakeHost((ws) => {
        ws.on('message', (d) => {
          const call = JSON.parse(String(d)) as { id: number };
          ws.send(JSON.stringify({ type: 'result', id: call.id, ok: true, result: 'pong' }));
        });
        setTimeout(() => {
          statusWhenReadySent = seen.at(-1)!.status;
          ws.send(JSON.stringify({ type: 'ready' }));
        }, LATE_MS);
      }),
    );
    await until(() => seen.at(-1)?.status === 'open');
    expect(statusWhenReadySent).toBe('connecting');
    expect(seen.map((s) => s.status)).toEqual(['connecting', 'open']);
    await expect(client!.call('hello', {})).resolves.toBe('pong');
  });

  it('a wrong token closed late (4401) never shows connected and says how to get the right link, not retrying', async () => {
    const { seen } = watch(await fakeHost((ws) => setTimeout(() => ws.close(4401, 'bad admin token'), LATE_MS)));
    await until(() => seen.at(-1)?.status === 'closed');
    expect(seen.map((s) => s.status)).toEqual(['connecting', 'closed']);
    expect(isTokenRefused(seen.at(-1)!.detail)).toBe(true);
  });

  it('a full host closing late (1013) never shows connected and is retried, saying so', async () => {
    const { seen } = watch(await fakeHost((ws) => setTimeout(() => ws.close(1013, 'try again later: at most 16 API connections at once'), LATE_MS)));
    await until(() => seen.at(-1)?.status === 'closed');
    expect(seen.map((s) => s.status)).toEqual(['connecting', 'closed']);
    expect(seen.at(-1)!.detail).toMatch(/^the host at 127\.0\.0\.1:\d+ has too many panels open \(at most 16 API connections at once\), retrying in 60 s$/);
  });

  it('a host older than ready is connected on its first event batch, which is delivered', async () => {
    const { seen, batches } = watch(await fakeHost((ws) => setTimeout(() => ws.send(JSON.stringify({ type: 'events', batch: { seq: 7, ts: 1 } })), LATE_MS)));
    await until(() => batches.length === 1);
    expect(seen.map((s) => s.status)).toEqual(['connecting', 'open']);
    expect(batches).toEqual([7]);
  });
});
