import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Status } from '../../shared/protocol/constants';
import { startCore, type Core } from '../core';
import { tempDir } from '../hub/testing/temp-dir';
import { collectCloses, startTestBroker, testToken, type TestBroker } from './testing/fixtures';
import { V2Client } from './testing/v2-client';

// A v2 device that announced maxPayload:64 skips a longer REDIRECT, is closed as `redirected`
// after the grace and reconnects to the same broker: the redirect would silently do nothing.
// Such a device is left alone and the caller is told (PROTOCOL.md 6).

const HOST = `${'h'.repeat(56)}.lab`; // 60 characters: {"server":"<60>","port":8081} is 84 bytes

let t: TestBroker | null = null;
let core: Core | null = null;
const tmp = tempDir();
const clients: V2Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await t?.close();
  await core?.close();
  t = null;
  core = null;
});
afterAll(() => tmp.cleanup());

async function tiny(port: number, token: string): Promise<V2Client> {
  const c = await V2Client.connect(port);
  clients.push(c);
  expect(await c.login(token, {}, { maxPayload: 64 })).toBe(Status.SUCCESS);
  return c;
}

describe('REDIRECT and a small receive limit', () => {
  it('does not redirect a device with maxPayload 64 to a 60-character host, and says so', async () => {
    t = await startTestBroker(['tiny', 'big'], { redirectGraceMs: 50 });
    const closes = collectCloses(t.broker);
    const small = await tiny(t.port, testToken('tiny'));
    const big = await t.v2('big');
    expect(t.broker.redirectSessions('*', HOST, 8081)).toEqual({ redirected: 1, skippedTooLarge: 1 });
    await big.waitFor(() => big.redirects[0], 1_000, 'redirect');
    await new Promise((r) => setTimeout(r, 200));
    expect(closes).toEqual([['big', 'redirected']]);
    expect(small.closed).toBe(false);
    expect(small.redirects).toEqual([]);
    expect(t.broker.redirect('tiny', HOST, 8081)).toBe(0);
    // A host that fits is sent as before.
    expect(t.broker.redirectSessions('tiny', '10.0.0.5', 8081)).toEqual({ redirected: 1, skippedTooLarge: 0 });
    await small.waitFor(() => small.redirects[0], 1_000, 'redirect that fits');
  });

  it("the API's broker.redirect result counts it as skippedTooLarge", async () => {
    core = await startCore({ dataDir: tmp.dir, tcpPort: 0, mode: 'headless', broker: { closeLingerMs: 50, redirectGraceMs: 50 } });
    await tiny(core.tcpPort, core.tokens.create('tiny'));
    expect(await core.api.dispatch('broker.redirect', { device: 'tiny', host: HOST, port: 8081 })).toEqual({ ok: true, result: { redirected: 0, skippedTooLarge: 1 } });
    expect(await core.api.dispatch('broker.redirect', { device: 'tiny', host: '10.0.0.5', port: 8081 })).toEqual({ ok: true, result: { redirected: 1 } });
  });
});
