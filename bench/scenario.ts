/** Runs one load shape against one broker: start broker, connect, warm up, measure, tear down. */
import { startBroker, type BrokerKind } from './brokers/control';
import { NativeLoad } from './load/native';
import { LoadWorker } from './load/pool';
import type { SendMode, WorkerClient, WorkerReport } from './load/messages';
import { perPublisherRate, planShape, shapeIds, type ShapeName } from './load/shapes';
import { ProcessMeter } from './lib/proc';
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

export async function runScenario(kind: BrokerKind, shape: ShapeName, mode: ModeName, timing: Timing): Promise<ScenarioOutcome> {
  if (timing.generator === 'native') return runNative(kind, shape, mode, timing);
  const broker = await startBroker(kind);
  const workers: LoadWorker[] = [];
  try {
    const ids = shapeIds(shape);
    const tokens = await broker.tokens([...ids.publishers, ...ids.receivers]);
    const plan = planShape(shape, broker.protocol, broker.port, tokens, broker.qos);
    const delivered = new SharedArrayBuffer(4 * plan.publishers.length);
    const spawnWorker = (clients: WorkerClient[], withMode: boolean): LoadWorker => {
      const w = new LoadWorker({ clients, delivered, connectConcurrency: 25, mode: withMode ? sendMode(mode, perPublisherRate(plan, FIXED_RATE), timing) : null });
      workers.push(w);
      return w;
    };
    // Receivers first, so every target is connected (subscribed) before anything is sent.
    const receivers = spawnWorker(plan.receivers, false);
    await receivers.ready();
    const publishers = spawnWorker(plan.publishers, true);
    await publishers.ready();

    const meter = new ProcessMeter(broker.pid);
    publishers.send({ type: 'start' });
    await sleep(mode === 'rate' ? timing.rateWarmupMs : timing.warmupMs);
    const genStart = process.cpuUsage();
    meter.start();
    for (const w of workers) w.send({ type: 'mark' });
    await sleep(timing.measureMs);
    const [rx, tx] = await Promise.all([receivers.report(), publishers.report()]);
    const usage = meter.stop();
    const gen = process.cpuUsage(genStart);
    const measured = summarize(rx, tx, usage, (gen.user + gen.system) / 1e6);
    const during = broker.crashed();
    await closeAll(workers);
    await sleep(300);
    const after = broker.crashed();
    return during ? { measured, note: `${during} during the run` } : after ? { measured, note: `${after} at teardown` } : { measured };
  } finally {
    await closeAll(workers);
    await broker.stop();
  }
}

/** A run driven by the native generator: one child process, every client in it. */
async function runNative(kind: BrokerKind, shape: ShapeName, mode: ModeName, timing: Timing): Promise<ScenarioOutcome> {
  const broker = await startBroker(kind);
  let load: NativeLoad | null = null;
  try {
    const ids = shapeIds(shape);
    const tokens = await broker.tokens([...ids.publishers, ...ids.receivers]);
    const plan = planShape(shape, broker.protocol, broker.port, tokens, broker.qos);
    load = new NativeLoad([...plan.receivers, ...plan.publishers], sendMode(mode, perPublisherRate(plan, FIXED_RATE), timing));
    await load.ready();
    const meter = new ProcessMeter(broker.pid);
    const genMeter = new ProcessMeter(load.pid);
    load.send({ type: 'start' });
    await sleep(mode === 'rate' ? timing.rateWarmupMs : timing.warmupMs);
    meter.start();
    genMeter.start();
    load.send({ type: 'mark' });
    await sleep(timing.measureMs);
    const report = await load.report();
    const usage = meter.stop();
    const gen = genMeter.stop();
    const measured = summarize(report, { ...report, errors: 0 }, usage, gen.cpuS);
    const during = broker.crashed();
    return during ? { measured, note: `${during} during the run` } : { measured };
  } finally {
    await load?.close();
    await broker.stop();
  }
}

async function closeAll(workers: LoadWorker[]): Promise<void> {
  await Promise.all(workers.splice(0).map((w) => w.close().catch(() => undefined)));
}

function summarize(rx: WorkerReport, tx: WorkerReport, usage: { cpuS: number; wallS: number; peakRss: number }, genCpuS: number): Measured {
  const seconds = rx.elapsedMs / 1000;
  const h = new Histogram(rx.histogram);
  return {
    deliveredPerS: rx.received / seconds,
    sentPerS: tx.sent / (tx.elapsedMs / 1000),
    p50Ms: h.percentile(50) / 1000,
    p99Ms: h.percentile(99) / 1000,
    brokerCpu: usage.cpuS / usage.wallS,
    msgsPerCpuS: usage.cpuS > 0 ? rx.received / usage.cpuS : NaN,
    peakRssMiB: usage.peakRss / 2 ** 20,
    generatorCpu: genCpuS / usage.wallS,
    lost: tx.forgiven,
    refused: tx.acksRefused,
    errors: rx.errors + tx.errors,
  };
}
