import { describe, expect, it } from 'vitest';
import { ControlTracker, MAX_STAT_DEVICES, RESPONSE_SAMPLES } from './controls';

describe('ControlTracker: pending -> confirmed | failed', () => {
  it('confirms on the matching state report with the control value', () => {
    const t = new ControlTracker(1000);
    const req = t.nextReq();
    t.add(req, 'lamp', 'relay1', 0);
    t.report('other', req, { relay1: true });
    t.report('lamp', 'unrelated', { relay1: true });
    expect(t.take()).toEqual([]);
    t.report('lamp', req, { relay1: true, relay2: false });
    expect(t.take()).toEqual([{ device: 'lamp', control: 'relay1', req, outcome: 'confirmed', value: true }]);
    expect(t.pendingCount).toBe(0);
  });

  it('fails with the device error or after the timeout', () => {
    const t = new ControlTracker(1000);
    t.add('a', 'lamp', 'relay9', 0);
    t.add('b', 'lamp', 'relay1', 0);
    t.report('lamp', 'a', { relay1: false }, 'unknown_control');
    t.expire(999);
    expect(t.take()).toEqual([{ device: 'lamp', control: 'relay9', req: 'a', outcome: 'failed', error: 'unknown_control' }]);
    t.expire(1000);
    expect(t.take()).toEqual([{ device: 'lamp', control: 'relay1', req: 'b', outcome: 'failed', error: 'timeout' }]);
    t.report('lamp', 'b', { relay1: true });
    expect(t.take()).toEqual([]);
  });

  it('stays bounded: the oldest pending command fails when too many wait', () => {
    const t = new ControlTracker(60_000);
    for (let i = 0; i < 1001; i++) t.add(`r${i}`, 'd', 'c', 0);
    expect(t.pendingCount).toBe(1000);
    expect(t.take()).toMatchObject([{ req: 'r0', outcome: 'failed' }]);
    expect(new Set(Array.from({ length: 100 }, () => t.nextReq())).size).toBe(100);
  });
});

describe('ControlTracker: response times per device', () => {
  it('times add() to the confirming report; percentiles by nearest rank over the ring of the newest 100', () => {
    const t = new ControlTracker(60_000);
    expect(t.stats('lamp')).toBeNull();
    // 1..20 ms, answered out of order
    for (const ms of [5, 1, 20, 3, 17, 2, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19]) {
      t.add(`r${ms}`, 'lamp', 'relay1', 1000);
    }
    for (const ms of [5, 1, 20, 3, 17, 2, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19]) t.report('lamp', `r${ms}`, { relay1: true }, undefined, 1000 + ms);
    expect(t.stats('lamp')).toEqual({ count: 20, failed: 0, timeouts: 0, refused: 0, samples: 20, p50Ms: 10, p95Ms: 19, maxMs: 20, lastMs: 19 });
    expect(t.takeChanged()).toEqual(['lamp']);
    expect(t.takeChanged()).toEqual([]);

    // 100 more at 500 ms push every earlier sample out of the ring; the count goes on
    for (let i = 0; i < RESPONSE_SAMPLES; i++) {
      t.add(`s${i}`, 'lamp', 'relay1', 0);
      t.report('lamp', `s${i}`, { relay1: true }, null, 500);
    }
    expect(t.stats('lamp')).toMatchObject({ count: 120, samples: 100, p50Ms: 500, p95Ms: 500, maxMs: 500, lastMs: 500 });
    // one fast answer: 1 of 100, so p50 and p95 stay, nothing else in the ring is under 500
    t.add('fast', 'lamp', 'relay1', 0);
    t.report('lamp', 'fast', { relay1: true }, undefined, 2);
    expect(t.stats('lamp')).toMatchObject({ count: 121, samples: 100, p50Ms: 500, maxMs: 500, lastMs: 2 });
  });

  it('counts failures by kind: timeout or refused by the device; no response time for either', () => {
    const t = new ControlTracker(1000);
    t.add('a', 'lamp', 'relay9', 0);
    t.add('b', 'lamp', 'relay1', 0);
    t.add('c', 'lamp', 'relay1', 0);
    t.report('lamp', 'a', null, 'unknown_control', 10);
    t.report('lamp', 'b', { relay1: true }, undefined, 40);
    t.expire(1000);
    expect(t.stats('lamp')).toEqual({ count: 1, failed: 2, timeouts: 1, refused: 1, samples: 1, p50Ms: 40, p95Ms: 40, maxMs: 40, lastMs: 40 });
    // only failures: counts, no times
    t.add('d', 'fan', 'relay1', 0);
    t.expire(1000);
    expect(t.stats('fan')).toEqual({ count: 0, failed: 1, timeouts: 1, refused: 0, samples: 0, p50Ms: null, p95Ms: null, maxMs: null, lastMs: null });
  });

  it('forget drops the statistics and the commands still waiting', () => {
    const t = new ControlTracker(1000);
    t.add('a', 'lamp', 'relay1', 0);
    t.report('lamp', 'a', { relay1: true }, undefined, 30);
    t.add('b', 'lamp', 'relay1', 0);
    t.forget('lamp');
    expect(t.stats('lamp')).toBeNull();
    expect(t.takeChanged()).toEqual([]);
    expect(t.pendingCount).toBe(0);
    t.expire(5000);
    expect(t.stats('lamp')).toBeNull();
  });

  it(`keeps at most ${MAX_STAT_DEVICES} devices, dropping the least recently answered`, () => {
    const t = new ControlTracker(1000);
    const answer = (device: string, ms: number) => {
      const req = t.nextReq();
      t.add(req, device, 'relay1', 0);
      t.report(device, req, { relay1: true }, undefined, ms);
    };
    for (let i = 0; i < MAX_STAT_DEVICES; i++) answer(`d${i}`, 1);
    answer('d0', 2); // d0 answered again: d1 is now the least recent
    answer('new', 3);
    expect(t.stats('d0')).toMatchObject({ count: 2, lastMs: 2 });
    expect(t.stats('d1')).toBeNull();
    expect(t.stats('d2')).toMatchObject({ count: 1 });
    expect(t.stats('new')).toMatchObject({ count: 1, lastMs: 3 });
    expect(t.takeChanged().length).toBe(MAX_STAT_DEVICES);
  });
});
