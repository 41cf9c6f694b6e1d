import { describe, expect, it } from 'vitest';
import { fakeDevice } from '../api/fake-client';
import { forgetTelemetry, HISTORY_CHANNELS, HISTORY_DEVICES, HISTORY_POINTS, HISTORY_SPACING_MS, mergeRecentTelemetry, recordTelemetry, type TelemetryHistory } from './telemetry-history';

const T = Date.UTC(2026, 0, 1, 12, 0, 0);
/** n points a second apart from `from`, v = their index + `v0`. */
const seconds = (from: number, n: number, v0 = 0) => Array.from({ length: n }, (_, i) => ({ ts: from + i * 1000, v: v0 + i }));

describe('mergeRecentTelemetry', () => {
  it('a device the window has not seen gets the host\'s points as they are', () => {
    const host = [{ channel: 'temp', points: seconds(T, 5) }, { channel: 'hum', points: seconds(T, 2, 50) }];
    expect(mergeRecentTelemetry({}, 's', host)).toEqual({ s: { temp: seconds(T, 5), hum: seconds(T, 2, 50) } });
  });

  it('puts only host points older than the window\'s first in front, a second apart from it; the window\'s points win', () => {
    const history: TelemetryHistory = { s: { temp: [{ ts: T + 10_000, v: 100 }, { ts: T + 11_000, v: 101 }] }, other: { x: [{ ts: T, v: 1 }] } };
    // host: T .. T+11 s; T+9.5 s is less than a second before the window's first point, T+10 s on are the window's
    const host = [{ channel: 'temp', points: [...seconds(T, 9), { ts: T + 9_500, v: -1 }, { ts: T + 10_000, v: -2 }, { ts: T + 11_000, v: -3 }] }];
    const merged = mergeRecentTelemetry(history, 's', host);
    expect(merged.s!.temp).toEqual([...seconds(T, 9), { ts: T + 10_000, v: 100 }, { ts: T + 11_000, v: 101 }]);
    expect(merged.other).toBe(history.other);
    expect(history.s!.temp).toHaveLength(2); // not changed in place
  });

  it('keeps host points at least a second apart', () => {
    const host = [{ channel: 'temp', points: [{ ts: T, v: 1 }, { ts: T + 300, v: 2 }, { ts: T + 1000, v: 3 }, { ts: T + 1999, v: 4 }, { ts: T + 2000, v: 5 }] }];
    expect(mergeRecentTelemetry({}, 's', host).s!.temp).toEqual([{ ts: T, v: 1 }, { ts: T + 1000, v: 3 }, { ts: T + 2000, v: 5 }]);
  });

  it(`keeps at most ${HISTORY_POINTS} points a channel: the newest host points fill the room the window leaves`, () => {
    const have = seconds(T + 200_000, 100, 1000);
    const merged = mergeRecentTelemetry({ s: { temp: have } }, 's', [{ channel: 'temp', points: seconds(T, 150) }]);
    const temp = merged.s!.temp!;
    expect(temp).toHaveLength(HISTORY_POINTS);
    expect(temp.slice(0, 20)).toEqual(seconds(T + 130_000, 20, 130));
    expect(temp.slice(20)).toEqual(have);
    // a full channel takes nothing
    const full = { s: { temp: seconds(T + 500_000, HISTORY_POINTS) } };
    expect(mergeRecentTelemetry(full, 's', [{ channel: 'temp', points: seconds(T, 10) }])).toBe(full);
  });

  it('holds the channel and device bounds, and returns the same history when nothing changes', () => {
    const many = Array.from({ length: HISTORY_CHANNELS + 3 }, (_, i) => ({ channel: `c${i}`, points: seconds(T, 2) }));
    expect(Object.keys(mergeRecentTelemetry({}, 's', many).s!)).toHaveLength(HISTORY_CHANNELS);
    const crowded: TelemetryHistory = Object.fromEntries(Array.from({ length: HISTORY_DEVICES }, (_, i) => [`d${i}`, {}]));
    expect(mergeRecentTelemetry(crowded, 'new', [{ channel: 'temp', points: seconds(T, 2) }])).toBe(crowded);
    const h: TelemetryHistory = { s: { temp: seconds(T, 2) } };
    expect(mergeRecentTelemetry(h, 's', [])).toBe(h);
    expect(mergeRecentTelemetry(h, 's', [{ channel: 'temp', points: seconds(T, 2) }])).toBe(h);
  });
});

describe('live telemetry of many devices over a long-running tab', () => {
  const reading = (id: string, v: number) => fakeDevice(id, { telemetry: { temp: v } });

  it(`past ${HISTORY_DEVICES} devices one silent for a whole chart window makes room; while all are live a newcomer waits`, () => {
    const windowMs = HISTORY_POINTS * HISTORY_SPACING_MS;
    let history: TelemetryHistory = {};
    for (let i = 0; i < HISTORY_DEVICES; i++) history = recordTelemetry(history, [reading(`d${i}`, i)], 1_000 + i * 10);
    expect(recordTelemetry(history, [reading('early', 7)], 5_000)).toBe(history); // everyone live: no charts taking turns
    // then all but d1 keep reporting; d1 has gone quiet for longer than a chart shows
    const later = 1_000 + windowMs + 5_000;
    history = recordTelemetry(history, Array.from({ length: HISTORY_DEVICES }, (_, i) => i).filter((i) => i !== 1).map((i) => reading(`d${i}`, i)), later);
    history = recordTelemetry(history, [reading('newcomer', 7)], later + 1_000);
    expect(Object.keys(history)).toHaveLength(HISTORY_DEVICES);
    expect(history.newcomer?.temp?.map((s) => s.v)).toEqual([7]);
    expect('d1' in history).toBe(false);
  });

  it(`a device whose channel names keep changing holds at most ${HISTORY_CHANNELS} channels, the newest ones`, () => {
    let history: TelemetryHistory = {};
    for (let round = 0; round < 10; round++) {
      const telemetry = Object.fromEntries(Array.from({ length: 12 }, (_, k) => [`r${round}_${k}`, k]));
      history = recordTelemetry(history, [fakeDevice('churn', { telemetry })], 2_000 * (round + 1));
    }
    expect(Object.keys(history.churn!).sort()).toEqual(Array.from({ length: 12 }, (_, k) => `r9_${k}`).sort());
    // a few new names at a time push out the ones updated longest ago, not the live ones
    history = recordTelemetry(history, [fakeDevice('churn', { telemetry: { r9_0: 1, fresh: 2 } })], 30_000);
    expect(Object.keys(history.churn!)).toHaveLength(HISTORY_CHANNELS);
    expect(history.churn).toHaveProperty('fresh');
    expect(history.churn).toHaveProperty('r9_0');
  });

  it('a forgotten device leaves no samples behind, and a history without it stays the same object', () => {
    const history = recordTelemetry({}, [reading('lamp', 1), reading('fan', 2)], 1_000);
    expect(Object.keys(forgetTelemetry(history, ['lamp']))).toEqual(['fan']);
    expect(forgetTelemetry(history, ['never'])).toBe(history);
  });
});
