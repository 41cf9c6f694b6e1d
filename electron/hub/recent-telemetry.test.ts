import { describe, expect, it } from 'vitest';
import { LIVE_TELEMETRY } from '../../shared/api/contract';
import { RECENT_POINTS, RecentTelemetry } from './recent-telemetry';

const T = Date.UTC(2026, 0, 1);

describe('recent telemetry', () => {
  it('keeps one reading a second at most: one less than 1000 ms after the kept one is skipped', () => {
    const r = new RecentTelemetry();
    r.record('s', 'temp', 1, T);
    r.record('s', 'temp', 2, T + 999);
    r.record('s', 'temp', 3, T + 1000);
    r.record('s', 'temp', 4, T + 1500);
    r.record('s', 'temp', 5, T + 2100);
    expect(r.read('s')).toEqual([{ channel: 'temp', points: [{ ts: T, v: 1 }, { ts: T + 1000, v: 3 }, { ts: T + 2100, v: 5 }] }]);
  });

  it('keeps the last 120 readings per channel, oldest first, and channels apart', () => {
    const r = new RecentTelemetry();
    for (let i = 0; i < 300; i++) {
      r.record('s', 'temp', i, T + i * 1000);
      if (i % 2 === 0) r.record('s', 'hum', -i, T + i * 1000);
    }
    const [temp, hum] = r.read('s');
    expect(temp!.points).toHaveLength(RECENT_POINTS);
    expect(temp!.points[0]).toEqual({ ts: T + 180_000, v: 180 });
    expect(temp!.points.at(-1)).toEqual({ ts: T + 299_000, v: 299 });
    expect(temp!.points.every((p, i) => i === 0 || p.ts - temp!.points[i - 1]!.ts === 1000)).toBe(true);
    expect(hum!.points).toHaveLength(RECENT_POINTS);
    expect(hum!.points[0]).toEqual({ ts: T + 60_000, v: -60 });
    expect(hum!.points.at(-1)).toEqual({ ts: T + 298_000, v: -298 });
  });

  it('reads the channels asked for in their order; an unknown device or channel has nothing', () => {
    const r = new RecentTelemetry();
    r.record('s', 'a', 1, T);
    r.record('s', 'b', 2, T);
    expect(r.read('s', ['b', 'missing', 'a']).map((s) => s.channel)).toEqual(['b', 'a']);
    expect(r.read('other')).toEqual([]);
  });

  it('skips non-finite values and channels past the ones a live chart draws', () => {
    const r = new RecentTelemetry();
    r.record('s', 'nan', NaN, T);
    for (let i = 0; i <= LIVE_TELEMETRY.channels; i++) r.record('s', `c${i}`, i, T);
    const read = r.read('s');
    expect(read).toHaveLength(LIVE_TELEMETRY.channels);
    expect(read.some((s) => s.channel === 'nan' || s.channel === `c${LIVE_TELEMETRY.channels}`)).toBe(false);
  });

  it('holds at most maxDevices: the least recently reporting device makes room', () => {
    const r = new RecentTelemetry(3);
    r.record('a', 't', 1, T);
    r.record('b', 't', 1, T);
    r.record('c', 't', 1, T);
    r.record('a', 't', 2, T + 1000); // a reports again: b is now the least recent
    r.record('d', 't', 1, T + 1000);
    expect(r.size).toBe(3);
    expect(r.read('b')).toEqual([]);
    expect(r.read('a')[0]!.points).toHaveLength(2);
    expect(r.read('c')).toHaveLength(1);
    expect(r.read('d')).toHaveLength(1);
  });

  it('forget drops the device\'s readings; it starts over if it reports again', () => {
    const r = new RecentTelemetry();
    r.record('s', 'temp', 1, T);
    r.record('s', 'temp', 2, T + 1000);
    r.forget('s');
    expect(r.read('s')).toEqual([]);
    expect(r.size).toBe(0);
    r.record('s', 'temp', 3, T + 1500);
    expect(r.read('s')).toEqual([{ channel: 'temp', points: [{ ts: T + 1500, v: 3 }] }]);
  });

  it('starts a channel over when the clock goes back, so its points stay oldest first', () => {
    const r = new RecentTelemetry();
    r.record('s', 'temp', 1, T + 10_000);
    r.record('s', 'temp', 2, T + 11_000);
    r.record('s', 'temp', 3, T);
    expect(r.read('s')[0]!.points).toEqual([{ ts: T, v: 3 }]);
  });
});
