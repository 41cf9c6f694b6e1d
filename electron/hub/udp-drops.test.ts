import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { Results } from '../../shared/api/contract';
import { startCore, type Core } from '../core';
import { tempDir } from './testing/temp-dir';

/** udp.drops through the API of a real core: junk datagrams at its UDP port arrive as counts. */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(udpPort?: number): Promise<Core> {
  const tmp = tempDir('hypertcp-udp-drops-');
  cleanups.push(tmp.cleanup);
  const core = await startCore({ dataDir: tmp.dir, tcpPort: 0, mode: 'headless', ...(udpPort === undefined ? {} : { udpPort }) });
  cleanups.push(() => core.close());
  return core;
}

async function drops(core: Core, params: object = {}): Promise<Results['udp.drops']> {
  const r = await core.api.dispatch('udp.drops', params);
  if (!r.ok) throw new Error(`${r.error.code} ${r.error.message}`);
  return r.result as Results['udp.drops'];
}

describe('api udp.drops: the UDP endpoint drops reach the API', () => {
  it('counts junk by reason and names its source address, with a wall-clock time', async () => {
    const core = await start(0);
    const before = Date.now();
    const junk = createSocket('udp4');
    cleanups.push(() => void junk.close());
    await new Promise<void>((r) => junk.bind(0, '127.0.0.1', () => r()));
    for (let i = 0; i < 7; i++) junk.send(new Uint8Array([0xff, i]), core.udpPort!, '127.0.0.1');
    const deadline = Date.now() + 5_000;
    let got = await drops(core);
    while (got.drops.header < 7 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      got = await drops(core);
    }
    expect(got).toMatchObject({ enabled: true, port: core.udpPort, tracked: 1, capacity: 64, evicted: 0, forgetMs: 600_000 });
    expect(got.drops).toMatchObject({ header: 7, unknownSession: 0, authFailed: 0 });
    expect(got.rate).toMatchObject({ stepMs: 5_000, windowMs: 900_000 }); // its points: udp-drop-rate.test.ts
    expect(got.sources).toEqual([{ address: '127.0.0.1', count: 7, lastReason: 'header', lastTs: expect.any(Number) }]);
    expect(got.sources[0]!.lastTs).toBeGreaterThanOrEqual(before - 5);
    expect(got.sources[0]!.lastTs).toBeLessThanOrEqual(Date.now());
    const bad = await core.api.dispatch('udp.drops', { limit: 65 });
    expect(bad.ok ? null : bad.error.code).toBe('invalid_params');
  });

  it('says UDP is off when the host runs no UDP endpoint', async () => {
    const core = await start();
    expect(core.udpPort).toBeNull();
    const got = await drops(core, { limit: 5 });
    expect(got).toMatchObject({ enabled: false, port: null, sources: [], tracked: 0, rate: { points: [] } });
    expect(Object.values(got.drops).every((n) => n === 0)).toBe(true);
  });
});
