import type { MetricsPoint } from '../../shared/api/contract';

/** Field order of one bucket. Counts are per bucket; rtt and queueDepth are gauges. */
export const FIELDS = ['msgsIn', 'msgsOut', 'bytesIn', 'bytesOut', 'errors', 'drops', 'rttMs', 'queueDepth', 'udpLoss', 'udpRetransmits', 'udpSpurious'] as const;
export type Field = (typeof FIELDS)[number];
export const F = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<Field, number>;
const NF = FIELDS.length;
const GAUGES = new Set<number>([F.rttMs, F.queueDepth]);
export const isGauge = (field: Field): boolean => GAUGES.has(F[field]);
/** The field's column in metrics_minute (msgsIn -> msgs_in). */
export const columnOf = (field: Field): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A point from each field's value: rttMs stays null when unknown, queueDepth reads 0. */
export function pointOf(ts: number, value: (field: Field) => number | null): MetricsPoint {
  const point: Record<string, number | null> = { ts };
  for (const field of FIELDS) point[field] = value(field);
  point.queueDepth ??= 0;
  return point as unknown as MetricsPoint;
}

/**
 * One series of 1-second buckets over the last `seconds` (default an hour), in one typed array:
 * bounded memory (about 140 KiB for an hour) whatever the traffic.
 */
export class SecondSeries {
  private readonly data: Float32Array;
  private readonly stamp: Float64Array;

  constructor(readonly seconds = 3600) {
    this.data = new Float32Array(seconds * NF);
    this.stamp = new Float64Array(seconds).fill(-1);
  }

  /** Stores the finished bucket of second `sec` (epoch seconds). */
  put(sec: number, values: Float64Array): void {
    const slot = sec % this.seconds;
    this.stamp[slot] = sec;
    this.data.set(values, slot * NF);
  }

  get(sec: number): Float32Array | null {
    const slot = sec % this.seconds;
    return this.stamp[slot] === sec ? this.data.subarray(slot * NF, slot * NF + NF) : null;
  }

  /**
   * Points from `fromSec` to `toSec` (inclusive) in buckets of `step` seconds; counts become
   * per-second averages, gauges averages of the seconds that had a value.
   */
  points(fromSec: number, toSec: number, step: number): MetricsPoint[] {
    const out: MetricsPoint[] = [];
    for (let start = fromSec; start <= toSec; start += step) {
      const acc = new Float64Array(NF);
      const gaugeN = new Float64Array(NF);
      for (let s = start; s < start + step && s <= toSec; s++) {
        const b = this.get(s);
        if (!b) continue;
        for (let i = 0; i < NF; i++) {
          const v = b[i]!;
          if (GAUGES.has(i)) {
            if (!Number.isNaN(v)) {
              acc[i]! += v;
              gaugeN[i]! += 1;
            }
          } else acc[i]! += v;
        }
      }
      out.push(toPoint(start * 1000, acc, step, gaugeN));
    }
    return out;
  }

  /** Whether any second from `fromSec` to `toSec` (inclusive) has a bucket. */
  has(fromSec: number, toSec: number): boolean {
    for (let s = fromSec; s <= toSec; s++) if (this.get(s)) return true;
    return false;
  }

  /** Sum of one count field over the last `n` seconds before `nowSec`, as a per-second rate. */
  rate(field: number, nowSec: number, n: number): number {
    let sum = 0;
    for (let s = nowSec - n; s < nowSec; s++) sum += this.get(s)?.[field] ?? 0;
    return sum / n;
  }
}

/** A point from a time the host was not running: no values at all (a gap, not zero traffic). */
export function downPoint(ts: number): MetricsPoint {
  const point: Record<string, number | null> = { ts };
  for (const field of FIELDS) point[field] = null;
  return point as unknown as MetricsPoint;
}

export function toPoint(ts: number, acc: Float64Array, seconds: number, gaugeN: Float64Array): MetricsPoint {
  return pointOf(ts, (field) => {
    const i = F[field];
    if (!GAUGES.has(i)) return acc[i]! / seconds;
    return gaugeN[i]! > 0 ? acc[i]! / gaugeN[i]! : null;
  });
}

export const newBucket = (): Float64Array => {
  const b = new Float64Array(NF);
  b[F.rttMs] = NaN;
  return b;
};
