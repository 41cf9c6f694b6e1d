/**
 * Interop under failure: keepalive loss seen by both sides, reconnect after a broker restart, and
 * REDIRECT to a second broker with fallback to the first when the second goes away.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildSim, FreezableProxy, SimProcess, TestBroker } from './harness';

const LAMP = 'lamp-1';
const TOKEN = 'lamp-token-0123456789AB';
const DEVICE = `relay:${LAMP}:${TOKEN}`;

const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(() => buildSim(), 120_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function broker(options: Parameters<typeof TestBroker.start>[0] = {}): Promise<TestBroker> {
  const b = await TestBroker.start({ devices: { [LAMP]: TOKEN }, ...options });
  cleanups.push(() => b.close());
  return b;
}

function sim(port: number, extra: string[] = []): SimProcess {
  const s = new SimProcess(port, [DEVICE], extra);
  cleanups.push(() => s.stop());
  return s;
}

describe('firmware simulator <-> broker under failure', () => {
  it('detects a silent link on both sides (keepalive)', async () => {
    // Broker: ping after 500 ms of silence, give up 500 ms later. The device adopts the announced
    // keepalive (1 s) and gives up after its own deadline.
    const b = await broker({ keepalive: { intervalMs: 500, deadlineMs: 500 } });
    const proxy = await FreezableProxy.start(b.port);
    cleanups.push(() => proxy.close());
    const s = sim(proxy.port);
    await s.waitFor(/^lamp-1 connected/);
    await b.online(LAMP);
    const frozenAt = Date.now();
    proxy.freeze();
    const closed = await b.closeOf(LAMP, 4000);
    expect(closed.reason).toBe('keepalive_timeout');
    await s.waitFor(/^lamp-1 disconnected keepalive_timeout$/, 5000);
    expect(Date.now() - frozenAt).toBeLessThan(4500);
  });

  it('reconnects by itself after the broker restarts on the same port', async () => {
    const first = await TestBroker.start({ devices: { [LAMP]: TOKEN } });
    const s = sim(first.port);
    await first.online(LAMP);
    const port = first.port;
    await first.close();
    await s.waitFor(/^lamp-1 disconnected closed_by_peer$/);
    const second = await broker({ port });
    await s.waitFor(/^lamp-1 connected/, 8000, s.lines.findIndex((l) => l.includes('disconnected')));
    await second.online(LAMP);
    expect(s.count(/^lamp-1 connected/)).toBe(2);
    // The new session works end to end.
    second.broker.sendFromServer(LAMP, '{"cmd":"toggle","control":"relay1","req":"after-restart"}');
    expect((await second.serverMessage(LAMP, (p) => p.req === 'after-restart')).state).toMatchObject({ relay1: true });
  });

  it('follows a REDIRECT to a second broker, then falls back when that one is gone', async () => {
    const a = await broker({ redirectGraceMs: 2000 });
    const bTokens = await TestBroker.start({ devices: { [LAMP]: TOKEN } });
    const s = sim(a.port);
    await a.online(LAMP);
    const redirectedAt = Date.now();
    expect(a.broker.redirect(LAMP, '127.0.0.1', bTokens.port)).toBe(1);
    await s.waitFor(new RegExp(`^lamp-1 redirect 127\\.0\\.0\\.1:${bTokens.port}$`));
    await s.waitFor(new RegExp(`^lamp-1 connected as lamp-1 to 127\\.0\\.0\\.1:${bTokens.port} \\(v2\\)$`));
    const onB = await bTokens.online(LAMP);
    expect(onB.protocol).toBe('v2');
    // The device left A by itself, well before A's 2 s grace period would have closed it.
    const leftA = await a.closeOf(LAMP, 1500);
    expect(leftA.reason).toBe('redirected');
    expect(Date.now() - redirectedAt).toBeLessThan(1500);

    // B goes away for good: after repeated failures there the device returns to A.
    await bTokens.close();
    await s.waitFor(/^lamp-1 error redirect_failed$/, 12_000);
    const fellBackAt = s.lines.findIndex((l) => l === 'lamp-1 error redirect_failed');
    await s.waitFor(new RegExp(`^lamp-1 connected as lamp-1 to 127\\.0\\.0\\.1:${a.port} \\(v2\\)$`), 3000, fellBackAt);
    const back = await a.online(LAMP).catch((e: Error) => {
      throw new Error(`${e.message}\nA closed: ${JSON.stringify(a.closed)}\nsim:\n${s.lines.join('\n')}`);
    });
    expect(back.protocol).toBe('v2');
  }, 30_000);
});
