import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ApiServer } from '../api/server';
import { tempDir } from '../hub/testing/temp-dir';
import { startHttpHost, type HttpHost } from './http-host';

const TOKEN = 'T'.repeat(32);
const api: ApiServer = { dispatch: () => Promise.resolve({ ok: true, result: 'pong' }), subscribe: () => () => {}, ack: () => {} };
const tmp = tempDir('hypertcp-http-');
const ui = join(tmp.dir, 'ui');
mkdirSync(ui);
writeFileSync(join(ui, 'index.html'), '<!doctype html><title>panel</title>');
let host: HttpHost | null = null;

afterEach(async () => {
  await host?.close();
  host = null;
});
afterAll(() => tmp.cleanup());

/** Whether this machine can listen on `address` (IPv6 loopback and 127.0.0.2 are not everywhere). */
function canListen(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(0, address, () => s.close(() => resolve(true)));
  });
}

function wsCall(url: string, origin: string): Promise<unknown> {
  const ws = new WebSocket(url, ['hypertcp.v1', `token.${TOKEN}`], { origin });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'call', id: 1, method: 'hello', params: {} })));
    ws.once('message', (data) => {
      ws.close();
      resolve(JSON.parse(data.toString()));
    });
  });
}

describe('headless host on a loopback address other than 127.0.0.1', () => {
  for (const bind of ['::1', '127.0.0.2']) {
    it(`--bind ${bind}: the URL it prints is where it serves, and the UI there gets its API`, async (ctx) => {
      if (!(await canListen(bind))) {
        const why = `skipped: this machine cannot listen on ${bind} (no such loopback address here)`;
        console.log(why);
        return ctx.skip(why);
      }
      host = await startHttpHost({ api, adminToken: TOKEN, staticDir: ui, port: 0, bind });
      const page = await fetch(`${host.origin}/`);
      expect(page.status).toBe(200);
      const apiUrl = `${host.origin.replace(/^http/, 'ws')}/api`;
      expect(await wsCall(apiUrl, host.origin)).toMatchObject({ type: 'result', id: 1, ok: true });
    });
  }
});

describe('plain HTTP only on loopback', () => {
  it('a name that merely starts with 127. is not loopback: no plain HTTP on it', async () => {
    for (const bind of ['127.0.0.1.example', '127.evil.test', '127.0.0.1:80']) {
      await expect(startHttpHost({ api, adminToken: TOKEN, staticDir: ui, port: 0, bind }), bind).rejects.toThrow(/without TLS/);
    }
  });
});
