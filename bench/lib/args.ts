/** Command line of `npm run bench [-- options]`. Pure, tested in args.test.ts. */
import type { ModeName } from './results';

export const BROKER_KINDS = ['hypertcp', 'host', 'mosquitto', 'mosquitto-qos1', 'aedes', 'bare', 'native'] as const;
export type BrokerName = (typeof BROKER_KINDS)[number];
/** Every broker but the C++ forwarder, an experiment's yardstick asked for by name. */
export const DEFAULT_BROKERS: readonly BrokerName[] = BROKER_KINDS.filter((k) => k !== 'native');
export const SHAPE_NAMES = ['fan-in', 'pairs', 'broadcast'] as const;
export type ShapeArg = (typeof SHAPE_NAMES)[number];

export interface BenchArgs {
  full: boolean;
  runs: number;
  warmupMs: number;
  /**
   * Warm-up of fixed-rate runs: at a few thousand messages per second V8 takes seconds to
   * optimize the hot paths (measured: UDP p99 1.3 ms after 1 s, 0.2 ms after 6 s), and a lab
   * broker runs for days, so these runs warm up longer than saturation runs. Same for every broker.
   */
  rateWarmupMs: number;
  measureMs: number;
  window: number;
  brokers: BrokerName[];
  shapes: ShapeArg[];
  modes: ModeName[];
  connections: number;
  memory: boolean;
  ceiling: boolean;
  udp: boolean;
  writeDoc: boolean;
  /** Scheduling priority for the bench and everything it starts (negative = favoured; root only). */
  nice: number;
  /** Who generates the load: the native epoll generator or Node worker threads. */
  generator: 'node' | 'native';
}

export const USAGE = `npm run bench [-- options]
  --full               3 runs per shape, longer windows, medians (default: quick, 1 run)
  --runs=N             runs per row, brokers interleaved, median of each metric (default: 1, 3
                       with --full); the fixed-rate fan-in verdict counts the runs ours won
  --brokers=a,b        of hypertcp,host,mosquitto,mosquitto-qos1,aedes,bare,native (default: all
                       but native; host, bare, native and mosquitto-qos1 run fan-in only; host:
                       the whole host, hub and SQLite included; native: the bare forwarder in
                       C++ on a thread in a Node process, built with g++)
  --shapes=a,b         of fan-in,pairs,broadcast (default: all)
  --modes=a,b          of saturate,saturate-1,rate (default: all; saturate-1 runs fan-in only)
  --connections=N      idle connections for the memory shape (default 5000)
  --measure-ms=N       measured window per run
  --rate-warmup-ms=N   warm-up of fixed-rate runs (default 15000)
  --window=N           saturation: messages in flight per publisher (default 64)
  --nice=N             run the bench, brokers and generator at this nice value (e.g. -5, root
                       only): less noise from other work on a shared machine, same for every broker
  --generator=G        the load generator: native (one epoll thread, bench/native/loadgen.cpp,
                       built with g++; the Node one when there is no compiler) or node (worker
                       threads, bench/load) (default: native)
  --no-memory --no-ceiling --no-udp --no-doc
  --help`;

function list<T extends string>(value: string, allowed: readonly T[], name: string): T[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`unknown ${name} "${item}" (expected ${allowed.join(', ')})`);
  return items as T[];
}

function positive(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
}

function niceValue(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < -20 || n > 19) throw new Error(`--nice must be an integer from -20 to 19, got "${value}"`);
  return n;
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  const full = argv.includes('--full');
  const args: BenchArgs = {
    full,
    runs: full ? 3 : 1,
    warmupMs: full ? 2_000 : 1_000,
    rateWarmupMs: 15_000,
    measureMs: full ? 5_000 : 3_000,
    window: 64,
    brokers: [...DEFAULT_BROKERS],
    shapes: [...SHAPE_NAMES],
    modes: ['saturate', 'saturate-1', 'rate'],
    connections: 5_000,
    memory: true,
    ceiling: true,
    udp: true,
    writeDoc: true,
    nice: 0,
    generator: 'native',
  };
  for (const arg of argv) {
    const [key, value = ''] = arg.split('=', 2) as [string, string?];
    if (key === '--full') continue;
    else if (key === '--brokers') args.brokers = list(value, BROKER_KINDS, 'broker');
    else if (key === '--shapes') args.shapes = list(value, SHAPE_NAMES, 'shape');
    else if (key === '--modes') args.modes = list(value, ['saturate', 'saturate-1', 'rate'] as const, 'mode');
    else if (key === '--connections') args.connections = positive(value, key);
    else if (key === '--measure-ms') args.measureMs = positive(value, key);
    else if (key === '--runs') args.runs = positive(value, key);
    else if (key === '--window') args.window = positive(value, key);
    else if (key === '--rate-warmup-ms') args.rateWarmupMs = positive(value, key);
    else if (key === '--no-memory') args.memory = false;
    else if (key === '--no-ceiling') args.ceiling = false;
    else if (key === '--no-udp') args.udp = false;
    else if (key === '--nice') args.nice = niceValue(value);
    else if (key === '--no-doc') args.writeDoc = false;
    else if (key === '--generator') args.generator = list(value, ['node', 'native'] as const, 'generator')[0] ?? args.generator;
    else throw new Error(`unknown option "${arg}"\n${USAGE}`);
  }
  return args;
}
