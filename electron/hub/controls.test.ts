import { describe, expect, it } from 'vitest';
import { ControlTracker } from './controls';

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
