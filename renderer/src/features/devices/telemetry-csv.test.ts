import { describe, expect, it } from 'vitest';
import { telemetryCsv, telemetryCsvFilename } from './telemetry-csv';

const T = Date.UTC(2026, 0, 1, 3, 0, 0);

describe('stored telemetry as CSV', () => {
  it('writes time (ISO), channel, avg, min, max, count; one line per channel and step', () => {
    const csv = telemetryCsv([
      { channel: 'temp', points: [{ ts: T, avg: -1.25, min: -3, max: 0.5, count: 4 }, { ts: T + 60_000, avg: 2, min: 2, max: 2, count: 1 }] },
      { channel: 'humidity', points: [{ ts: T, avg: 55, min: 50, max: 60, count: 3 }] },
    ]);
    expect(csv.rows).toBe(3);
    expect(csv.content).toBe(
      'time,channel,avg,min,max,count\n' +
        '2026-01-01T03:00:00.000Z,temp,-1.25,-3,0.5,4\n' +
        '2026-01-01T03:01:00.000Z,temp,2,2,2,1\n' +
        '2026-01-01T03:00:00.000Z,humidity,55,50,60,3\n',
    );
  });

  it('quotes channel names a device chose with commas, quotes or newlines, neutralises formulas, leaves count empty when unknown', () => {
    const point = { ts: T, avg: 1, min: 1, max: 1 };
    const csv = telemetryCsv([
      { channel: 'a,b', points: [point] },
      { channel: 'say "hi"', points: [point] },
      { channel: 'two\nlines', points: [point] },
      { channel: '=HYPERLINK("x")', points: [point] },
    ]);
    expect(csv.content.split('\n').slice(1, -1).join('\n')).toBe(
      [
        '2026-01-01T03:00:00.000Z,"a,b",1,1,1,',
        '2026-01-01T03:00:00.000Z,"say ""hi""",1,1,1,',
        '2026-01-01T03:00:00.000Z,"two',
        'lines",1,1,1,',
        `2026-01-01T03:00:00.000Z,"'=HYPERLINK(""x"")",1,1,1,`,
      ].join('\n'),
    );
  });

  it('has just the header for an empty range, and a file name without characters file systems refuse', () => {
    expect(telemetryCsv([])).toEqual({ content: 'time,channel,avg,min,max,count\n', rows: 0 });
    expect(telemetryCsvFilename('lab:gh-1', '24h', new Date(T))).toBe('telemetry-lab-gh-1-24h-2026-01-01T03-00-00-000Z.csv');
  });
});
