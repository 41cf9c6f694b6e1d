import { describe, expect, it } from 'vitest';
import { chartSpan, downsample, LIVE_WINDOW_MS, liveWindow, MAX_CHART_POINTS, mergeDeviceSeries, newestSample, topDevices } from './series';

const pt = (ts: number) => ({ ts, msgsIn: ts, msgsOut: 0, bytesIn: 0, bytesOut: 0, errors: 0, drops: 0, rttMs: null, queueDepth: 0, udpLoss: 0, udpRetransmits: 0, udpSpurious: 0 });

describe('chart windows', () => {
  it('live window keeps the last 5 minutes', () => {
    const points = Array.from({ length: 600 }, (_, i) => pt(i * 1000));
    const win = liveWindow(points, 599_000);
    expect(win[0]!.ts).toBe(599_000 - LIVE_WINDOW_MS);
    expect(win).toHaveLength(301);
  });
  it('spans the whole live window up to the newest point or per-device sample, and a stored range from first to last step', () => {
    expect(chartSpan('5m', [pt(400_000), pt(401_000)])).toEqual({ from: 401_000 - LIVE_WINDOW_MS, to: 401_000 });
    expect(chartSpan('5m', [pt(400_000)], 400_900)).toEqual({ from: 400_900 - LIVE_WINDOW_MS, to: 400_900 });
    expect(chartSpan('1h', [pt(0), pt(10_000), pt(3_590_000)])).toEqual({ from: 0, to: 3_590_000 });
    expect(chartSpan('5m', [])).toBeNull();
    expect(chartSpan('24h', [])).toBeNull();
  });
  it('down-samples long series to bounded bucket averages, skipping nulls', () => {
    const rows = Array.from({ length: 43_200 }, (_, i) => ({ ts: i, v: i % 2 ? null : 2 }));
    const out = downsample(rows);
    expect(out.length).toBeLessThanOrEqual(MAX_CHART_POINTS);
    expect(out[0]).toEqual({ ts: 0, v: 2 });
    const short = [{ ts: 1, v: 1 }];
    expect(downsample(short)).toBe(short);
  });
  it('merges per-device series by timestamp for one multi-series chart', () => {
    expect(mergeDeviceSeries({ a: [{ ts: 1, v: 5 }, { ts: 2, v: 6 }], b: [{ ts: 2, v: 7 }] }, ['a', 'b'])).toEqual([
      { ts: 1, a: 5 },
      { ts: 2, a: 6, b: 7 },
    ]);
    // bounded to the chart window: samples before `from` are left out
    expect(mergeDeviceSeries({ a: [{ ts: 1, v: 5 }, { ts: 2, v: 6 }], b: [{ ts: 1, v: 7 }] }, ['a', 'b'], 2)).toEqual([{ ts: 2, a: 6 }]);
  });
  it('ranks devices by messages in the window, lists them by id, leaves silent ones out', () => {
    const h = { z: [{ ts: 10, v: 9 }, { ts: 20, v: 9 }], a: [{ ts: 20, v: 5 }], m: [{ ts: 10, v: 100 }, { ts: 20, v: 1 }], q: [{ ts: 20, v: 0 }] };
    expect(newestSample(h)).toBe(20);
    expect(topDevices(h, 2, 15)).toEqual(['a', 'z']);
    expect(topDevices(h, 2, 0)).toEqual(['m', 'z']);
    expect(topDevices(h, 10, 0)).toEqual(['a', 'm', 'z']);
  });
});
