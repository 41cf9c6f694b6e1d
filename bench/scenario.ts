/** Runs one load shape against one broker: start broker, connect, warm up, measure, tear down. */
import { startBroker, type BrokerKind } from './brokers/control';
import { NativeLoad } from './load/native';
import { LoadWorker } from './load/pool';
import type { SendMode, WorkerClient, WorkerReport } from './load/messages';
import { perPublisherRate, planShape, shapeIds, type ShapeName, type ShapePlan } from './load/shapes';
import { ProcessMeter, cpuSeconds } from './lib/proc';
import type { Measured, ModeName } from './lib/results';
import { Histogram } from './lib/stats';

export interface Timing {
  warmupMs: number;
  /** Fixed-rate runs warm up this long instead (see BenchArgs.rateWarmupMs). */
  rateWarmupMs: number;
  measureMs: number;
  /** Saturation: messages in flight per publisher. */
  window: number;
  /** The Node worker threads (bench/load) or the native epoll generator (bench/native). */
  generator: 'node' | 'native';
}

/** Frames per write when saturating: bursty publishers, or one frame per write like a device. */
export const BURST = 16;

export const FIXED_RATE = 5_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function sendMode(mode: ModeName, rate: number, t: Timing): SendMode {
  return mode === 'rate' ? { kind: 'rate', perSecond: rate } : { kind: 'saturate', window: t.window, batch: mode === 'saturate' ? BURST : 1 };
}

export interface ScenarioOutcome {
  measured: Measured;
  /** Set when the broker died during or right after the measurement. */
  note?: string;
}

/** The load of one run, from either generator: started, marked, reported, closed. */
interface Load {
  start(): void;
  mark(): void;
  /** The receivers' and the publishers' counts since the mark. */
  report(): Promise<{ rx: WorkerReport; tx: WorkerReport }>;
  /** CPU seconds the generator has used so far. */
  cpuSeconds(): number;
  close(): Promise<void>;
}

/** Node worker threads: receivers in one, publishers in the other, receivers connected first. */
async function nodeLoad(plan: ShapePlan, mode: SendMode): Promise<Load> {
  const workers: LoadWorker[] = [];
  const delivered = new SharedArrayBuffer(4 * plan.publishers.length);
  const spawn = async (clients: WorkerClient[], withMode: boolean): Promise<LoadWorker> => {
    const w = new LoadWorker({ clients, delivered, connectConcurrency: 25, mode: withMode ? mode : null });
    workers.push(w);
    await w.ready();
    return w;
  };
  const close = () => Promise.all(workers.splice(0).map((w) => w.close().catch(() => undefined))).then(() => undefined);
  try {
    const receivers = await spawn(plan.receivers, false);
    const publishers = await spawn(plan.publishers, true);
    return {
      start: () => publishers.send({ type: 'start' }),
      mark: () => workers.forEach((w) => w.send({ type: 'mark' })),
      report: async () => {
        const [rx, tx] = await Promise.all([receivers.report(), publishers.report()]);
        return { rx, tx };
      },
      cpuSeconds: () => {
        const used = process.cpuUsage();
        return (used.user + used.system) / 1e6;
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The native generator: one child process, receivers first in its list. */
async function nativeLoad(plan: ShapePlan, mode: SendMode): Promise<Load> {
  const load = new NativeLoad([...plan.receivers, ...plan.publishers], mode);
  try {
    await load.ready();
  } catch (e) {
    await load.close();
    throw e;
  }
  return {
    start: () => load.send({ type: 'start' }),
    mark: () => load.send({ type: 'mark' }),
    report: async () => {
      const report = await load.report();
      return { rx: report, tx: { ...report, errors: 0 } }; // one process: its errors counted once
    },
    cpuSeconds: () => cpuSeconds(load.pid),
    close: () => load.close(),
  };
}

export async function runScenario(kind: BrokerKind, shape: ShapeName, mode: ModeName, timing: Timing): Promise<ScenarioOutcome> {
  const broker = await startBroker(kind);
  let load: Load | null = null;
  try {
    const ids = shapeIds(shape);
    const tokens = await broker.tokens([...ids.publishers, ...ids.receivers]);
    const plan = planShape(shape, broker.protocol, broker.port, tokens, broker.qos);
    const send = sendMode(mode, perPublisherRate(plan, FIXED_RATE), timing);
    load = await (timing.generator === 'native' ? nativeLoad : nodeLoad)(plan, send);

    const meter = new ProcessMeter(broker.pid);
    load.start();
    await sleep(mode === 'rate' ? timing.rateWarmupMs : timing.warmupMs);
    const genStart = load.cpuSeconds();
    meter.start();
    load.mark();
    await sleep(timing.measureMs);
    const { rx, tx } = await load.report();
    const usage = meter.stop();
    const measured = summarize(rx, tx, usage, load.cpuSeconds() - genStart);
    const during = broker.crashed();
    await load.close();
    load = null;
    await sleep(300);
    const after = broker.crashed();
    return during ? { measured, note: `${during} during the run` } : after ? { measured, note: `${after} at teardown` } : { measured };
  } finally {
    await load?.close();
    await broker.stop();
  }
}

function summarize(rx: WorkerReport, tx: WorkerReport, usage: { cpuS: number; wallS: number; peakRss: number }, genCpuS: number): Measured {
  const seconds = rx.elapsedMs / 1000;
  const h = new Histogram(rx.histogram);
  const atSocket = rx.socketHistogram ? new Histogram(rx.socketHistogram) : null;
  return {
    deliveredPerS: rx.received / seconds,
    sentPerS: tx.sent / (tx.elapsedMs / 1000),
    p50Ms: h.percentile(50) / 1000,
    p99Ms: h.percentile(99) / 1000,
    p999Ms: h.percentile(99.9) / 1000,
    p99SocketMs: atSocket && atSocket.total > 0 ? atSocket.percentile(99) / 1000 : NaN,
    brokerCpu: usage.cpuS / usage.wallS,
    msgsPerCpuS: usage.cpuS > 0 ? rx.received / usage.cpuS : NaN,
    peakRssMiB: usage.peakRss / 2 ** 20,
    generatorCpu: genCpuS / usage.wallS,
    lost: tx.forgiven,
    refused: tx.acksRefused,
    errors: rx.errors + tx.errors,
  };
}
