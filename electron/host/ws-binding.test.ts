import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ApiServer } from '../api/server';
import { startHttpHost, type HttpHost } from './http-host';

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

async function open(port: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, ['hypertcp.v1', `token.${TOKEN}`], { origin: `http://127.0.0.1:${port}`, maxPayload: 0 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
