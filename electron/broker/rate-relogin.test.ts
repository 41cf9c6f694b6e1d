import { afterEach, describe, expect, it } from 'vitest';
import { Status } from '../../shared/protocol/constants';
import { RateLevels } from './rate-levels';
import { eventually, startTestBroker, type TestBroker } from './testing/fixtures';
import type { V2Client } from './testing/v2-client';

// Runs on the native data path in the 'default' project and on the JS one in 'js-data-path'.
let t: TestBroker | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const RATE = 5;
const BURST = 20;

/** Posts n messages to the sink at once; the statuses in order. */
async function flood(client: V2Client, n: number): Promise<number[]> {
  const ids = Array.from({ length: n }, (_, i) => client.post('sink', `{"n":${i}}`));
  return Promise.all(ids.map((id) => client.status(id)));
}

/** Drains the device's burst: every message past it is RATE_LIMITED. */
async function drain(client: V2Client): Promise<number> {
  const statuses = await flood(client, BURST + 10);
  expect(statuses.filter((s) => s === Status.SUCCESS).length).toBeGreaterThanOrEqual(BURST);
  expect(statuses.at(-1)).toBe(Status.RATE_LIMITED);
  return performance.now();
}

/** What a bucket emptied at `drainedAt` can have refilled by now (and one for timer slack). */
const refilledSince = (drainedAt: number): number => Math.floor(((performance.now() - drainedAt) * RATE) / 1000) + 1;

function expectOnlyRefill(statuses: number[], allowed: number): void {
  const ok = statuses.filter((s) => s === Status.SUCCESS).length;
  expect(ok).toBeLessThanOrEqual(allowed);
  // The accepted ones are the first: the first message over the level is refused, and all after it.
  expect(statuses.slice(ok).every((s) => s === Status.RATE_LIMITED)).toBe(true);
}

describe('the message rate bucket belongs to the device, not to its session', () => {
  it('logging in again after a clean close gives no fresh burst', async () => {
    t = await startTestBroker(['a', 'sink'], { limits: { ratePerSecond: RATE, rateBurst: BURST } });
    await t.v2('sink');
    const first = await t.v2('a');
    const drainedAt = await drain(first);
    first.close();
    await eventually(() => t!.broker.session('a') === null, 2_000, 'the first session to close');
    const second = await t.v2('a');
    const statuses = await flood(second, 10);
    expectOnlyRefill(statuses, refilledSince(drainedAt));
    expect(statuses.at(-1)).toBe(Status.RATE_LIMITED);
  });

  it('logging in again while the session is live (replacing it) gives no fresh burst', async () => {
    t = await startTestBroker(['a', 'sink'], { limits: { ratePerSecond: RATE, rateBurst: BURST } });
    await t.v2('sink');
    const first = await t.v2('a');
    const drainedAt = await drain(first);
    const second = await t.v2('a');
    await first.waitClosed(2_000);
    const statuses = await flood(second, 10);
    expectOnlyRefill(statuses, refilledSince(drainedAt));
    expect(statuses.at(-1)).toBe(Status.RATE_LIMITED);
  });

  it('three logins in a row get one burst between them, not three', async () => {
    t = await startTestBroker(['a', 'sink'], { limits: { ratePerSecond: RATE, rateBurst: BURST } });
    await t.v2('sink');
    const startedAt = performance.now();
    let accepted = 0;
    for (let login = 0; login < 3; login++) {
      const client = await t.v2('a');
      accepted += (await flood(client, BURST + 10)).filter((s) => s === Status.SUCCESS).length;
      client.close();
      await eventually(() => t!.broker.session('a') === null, 2_000, 'the session to close');
    }
    expect(accepted).toBeLessThanOrEqual(BURST + refilledSince(startedAt));
  });

  it('a device that waited long enough gets its full burst back', async () => {
    const rate = 200;
    t = await startTestBroker(['a', 'sink'], { limits: { ratePerSecond: rate, rateBurst: BURST } });
    await t.v2('sink');
    const first = await t.v2('a');
    const statuses = await flood(first, BURST + 40);
    expect(statuses.at(-1)).toBe(Status.RATE_LIMITED);
    first.close();
    await eventually(() => t!.broker.session('a') === null, 2_000, 'the first session to close');
    // Full again after BURST / rate s (100 ms): wait a little longer.
    await new Promise((r) => setTimeout(r, (BURST * 1000) / rate + 50));
    const second = await t.v2('a');
    const again = await flood(second, BURST);
    expect(again.every((s) => s === Status.SUCCESS)).toBe(true);
  });
});

describe('RateLevels', () => {
  it('gives back the level refilled since, once; a full one or an unknown device gets the burst', () => {
    const levels = new RateLevels(10, 100);
    levels.keep('a', 0, 1_000);
    expect(levels.take('a', 2_000)).toBe(10);
    expect(levels.take('a', 2_000)).toBe(100);
    levels.keep('b', 100, 1_000);
    expect(levels.size).toBe(0);
    levels.keep('c', 95, 1_000);
    expect(levels.take('c', 10_000)).toBe(100);
  });

  it('drops entries once they would be full again, and keeps at most maxDevices', () => {
    const levels = new RateLevels(10, 100, 3);
    levels.keep('a', 90, 0); // full at 1 s
    levels.keep('b', 0, 500); // full at 10.5 s
    levels.keep('c', 0, 2_000);
    expect(levels.size).toBe(2);
    levels.keep('d', 0, 2_000);
    levels.keep('e', 0, 2_000);
    expect(levels.size).toBe(3);
    expect(levels.take('b', 2_000)).toBe(100); // the oldest went first
    expect(levels.take('e', 2_000)).toBe(0);
  });
});
