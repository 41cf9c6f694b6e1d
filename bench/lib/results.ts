/** Result records and how runs combine into one row (median per metric) and into ratios. */
import { median } from './stats';

export type ModeName = 'saturate' | 'saturate-1' | 'rate';
export const MODE_LABELS: Record<ModeName, string> = {
  saturate: 'saturation, 16 msgs/write',
  'saturate-1': 'saturation, 1 msg/write',
  rate: 'fixed 5 k msg/s',
};

export interface Measured {
  deliveredPerS: number;
  sentPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** The tail past p99: one message in a thousand is slower. */
  p999Ms: number;
  /**
   * p99 to the moment the broker's write reached the receiving socket (the kernel's receive
   * timestamp; native generator on Linux, else NaN): the broker's share of p99Ms, without the
   * receiving device's own wake-up and read.
   */
  p99SocketMs: number;
  /** Broker CPU in cores (CPU seconds per wall second) and delivered messages per broker CPU second. */
  brokerCpu: number;
  msgsPerCpuS: number;
  peakRssMiB: number;
  /** CPU of the whole load generator process, in cores. */
  generatorCpu: number;
  /** Messages written off by the in-flight window (not delivered within 0.5 s), refusals, socket errors. */
  lost: number;
  refused: number;
  errors: number;
}

export interface ScenarioRow {
  broker: string;
  shape: string;
  mode: ModeName;
  runs: Measured[];
  /** Why there is no measurement ("skipped: not installed", or the error). */
  note?: string;
}

const METRICS: (keyof Measured)[] = ['deliveredPerS', 'sentPerS', 'p50Ms', 'p99Ms', 'p999Ms', 'p99SocketMs', 'brokerCpu', 'msgsPerCpuS', 'peakRssMiB', 'generatorCpu', 'lost', 'refused', 'errors'];

/** Median of each metric over the runs (--runs=N; 3 with --full). */
export function combineRuns(runs: readonly Measured[]): Measured | null {
  if (runs.length === 0) return null;
  const out = {} as Measured;
  for (const key of METRICS) out[key] = median(runs.map((r) => r[key]));
  return out;
}

/** ours / theirs for throughput-like numbers (higher is better); NaN when not comparable. */
export function ratio(ours: number, theirs: number): number {
  return Number.isFinite(ours) && Number.isFinite(theirs) && theirs > 0 ? ours / theirs : NaN;
}

export interface MemoryRow {
  broker: string;
  connections: number;
  baselineMiB: number;
  loadedMiB: number;
  /** (RSS with N idle logged-in connections - RSS before) / N. */
  bytesPerConnection: number;
  note?: string;
}

export interface CeilingRow {
  protocol: string;
  /** 'send' (16 msgs/write), 'send, 1 msg/write' or 'receive'. */
  side: string;
  msgsPerS: number;
}

export interface UdpRow {
  transport: 'UDP reliable' | 'TCP';
  loss: number;
  mode: 'saturate' | 'rate';
  goodputPerS: number;
  p50Ms: number;
  p99Ms: number;
  brokerCpu: number;
  /** Datagrams through the broker (both directions) per broker CPU second; UDP only. */
  datagramsPerCpuS: number;
  failed: number;
  note?: string;
}

/** Median per numeric field over runs of the same UDP row (3 runs in --full mode). */
export function combineUdpRuns(runs: readonly UdpRow[]): UdpRow {
  const first = runs[0]!;
  const m = (f: (r: UdpRow) => number): number => median(runs.map(f));
  return {
    ...first,
    goodputPerS: m((r) => r.goodputPerS),
    p50Ms: m((r) => r.p50Ms),
    p99Ms: m((r) => r.p99Ms),
    brokerCpu: m((r) => r.brokerCpu),
    datagramsPerCpuS: m((r) => r.datagramsPerCpuS),
    failed: m((r) => r.failed),
  };
}
