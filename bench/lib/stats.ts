/**
 * Latency statistics the bench reports. Pure code: tested in stats.test.ts.
 *
 * Histogram: log-linear buckets over integer microseconds. Values below 128 µs get exact buckets;
 * above, every power of two is split into 64 sub-buckets, so a recorded value is known within
 * 1/64 (1.6 %) of itself. Fixed size, so a worker can record millions of samples in bounded memory
 * and ship the counts to the coordinator with one postMessage.
 */

const EXACT = 128;
const SUB_BITS = 6;
const SUB = 1 << SUB_BITS; // 64
const MAX_EXP = 31;
export const HISTOGRAM_BUCKETS = EXACT + (MAX_EXP - 7) * SUB;

export function bucketOf(micros: number): number {
  const v = micros <= 0 ? 0 : Math.min(Math.floor(micros), 0x7fffffff);
  if (v < EXACT) return v;
  const exp = 31 - Math.clz32(v); // 7..30
  const shift = exp - SUB_BITS;
  return EXACT + (exp - 7) * SUB + ((v >>> shift) - SUB);
}

/** Lowest value that falls in the bucket. */
export function bucketLow(bucket: number): number {
  if (bucket < EXACT) return bucket;
  const exp = 7 + Math.floor((bucket - EXACT) / SUB);
  const sub = SUB + ((bucket - EXACT) % SUB);
  return sub * 2 ** (exp - SUB_BITS);
}

/** Middle of the bucket: the value a percentile reports. */
export function bucketMid(bucket: number): number {
  if (bucket < EXACT) return bucket;
  return (bucketLow(bucket) + bucketLow(bucket + 1)) / 2;
}

export class Histogram {
  readonly counts: Uint32Array;
  total = 0;

  constructor(counts?: Uint32Array) {
    this.counts = counts ?? new Uint32Array(HISTOGRAM_BUCKETS);
    if (counts) for (const c of counts) this.total += c;
  }

  record(micros: number): void {
    this.counts[bucketOf(micros)]!++;
    this.total++;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
  }

  /** Nearest-rank percentile (p in 0..100), in microseconds; NaN when empty. */
  percentile(p: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return bucketMid(i);
    }
    return bucketMid(HISTOGRAM_BUCKETS - 1);
  }
}

/** Exact nearest-rank percentile of raw samples (p in 0..100); NaN when empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Median of the finite values (mean of the middle two when even); NaN when none. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}
