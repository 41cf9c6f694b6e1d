/**
 * The UDP shapes of issue 5: one device sending reliable (ordered) 64-byte messages to the broker
 * on a link that drops 0 %, 5 % or 20 % of packets both ways; closed loop (goodput) and at a fixed
 * 1 k msg/s (latency). Beside it, the same device over TCP to our broker ("server" target) on the
 * same link. The loss comes from nftables in a private network namespace (lossy-link.ts), or, where
 * that is not allowed, from a userspace UDP proxy (then TCP is measured without loss).
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { benchEntry, repoRoot } from '../lib/entry';
import { tokenHash } from '../../electron/udp';
import { startBroker } from '../brokers/control';
import type { FromUdpBroker, ToUdpBroker } from '../brokers/udp';
import { LoadWorker } from '../load/pool';
import { ProcessMeter } from '../lib/proc';
import { Histogram } from '../lib/stats';
import type { UdpRow } from '../lib/results';
import type { UdpWorkerConfig, UdpWorkerReport } from './udp-worker';

export const UDP_RATE = 1_000;
export const UDP_WINDOW = 64;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function nextMessage<T extends { type: string }>(on: (listener: (m: T) => void) => void, off: (listener: (m: T) => void) => void, type: T['type'], timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms`)), timeoutMs);
    const listener = (m: T): void => {
      if (m.type !== type) return;
      clearTimeout(timer);
      off(listener);
      resolve(m);
    };
    on(listener);
  });
}

/**
 * `loss`: the share of datagrams lost on the link (reported); `proxyLoss`: what the userspace proxy
 * drops, or null when the kernel drops packets (lossy-link.ts) and the client talks to the broker directly.
 */
export async function runUdp(loss: number, mode: 'saturate' | 'rate', warmupMs: number, measureMs: number, proxyLoss: number | null = loss): Promise<UdpRow> {
  const child = fork(benchEntry('broker-udp'), [], { cwd: repoRoot, execArgv: (process.env.BENCH_UDP_FLAGS ?? '').split(' ').filter(Boolean), stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  const fromChild = <T extends FromUdpBroker['type']>(type: T) =>
    nextMessage<FromUdpBroker>((l) => child.on('message', l), (l) => child.off('message', l), type) as Promise<Extract<FromUdpBroker, { type: T }>>;
  const toChild = (m: ToUdpBroker): void => void child.send(m);
  let worker: Worker | null = null;
  try {
    const { port } = await fromChild('ready');
    const token = randomBytes(24).toString('base64url');
    const granted = fromChild('grant');
    toChild({ type: 'open', deviceId: 'udp-dev', tokenHashHex: tokenHash(token).toString('hex') });
    const grant = await granted;
    const config: UdpWorkerConfig = {
      brokerPort: port, grant, token, loss: proxyLoss,
      mode: mode === 'saturate' ? { kind: 'saturate', window: UDP_WINDOW } : { kind: 'rate', perSecond: UDP_RATE },
    };
    worker = new Worker(benchEntry('udp-worker'), { workerData: config });
    const w = worker;
    const fromWorker = (type: string) => nextMessage<{ type: string }>((l) => w.on('message', l), (l) => w.off('message', l), type);
    await fromWorker('ready');
    w.postMessage({ type: 'start' });
    await sleep(warmupMs);
    const meter = new ProcessMeter(child.pid!);
    meter.start();
    toChild({ type: 'mark' });
    w.postMessage({ type: 'mark' });
    await sleep(measureMs);
    const reported = fromChild('report');
    toChild({ type: 'report' });
    const workerReport = fromWorker('report') as Promise<UdpWorkerReport>;
    w.postMessage({ type: 'report' });
    const [b, d] = await Promise.all([reported, workerReport]);
    const usage = meter.stop();
    const h = new Histogram(b.histogram);
    return {
      transport: 'UDP reliable', loss, mode,
      goodputPerS: b.received / (b.elapsedMs / 1000),
      p50Ms: h.percentile(50) / 1000,
      p99Ms: h.percentile(99) / 1000,
      brokerCpu: usage.cpuS / usage.wallS,
      datagramsPerCpuS: usage.cpuS > 0 ? d.datagramsForwarded / usage.cpuS : NaN,
      failed: d.failed,
    };
  } finally {
    if (worker) {
      worker.postMessage({ type: 'close' });
      await sleep(50);
      await worker.terminate();
    }
    child.kill('SIGTERM');
  }
}

/** The same device over TCP to our broker's "server" (what the hub receives), no loss. */
export async function runTcpReference(mode: 'saturate' | 'rate', warmupMs: number, measureMs: number, loss = 0): Promise<UdpRow> {
  const broker = await startBroker('hypertcp');
  let worker: LoadWorker | null = null;
  try {
    const tokens = await broker.tokens(['tcp-dev']);
    worker = new LoadWorker({
      clients: [{ protocol: 'hypertcp', port: broker.port, id: 'tcp-dev', token: tokens['tcp-dev'], sendTo: 'server', src: 0, ackIsDelivery: true }],
      delivered: new SharedArrayBuffer(4),
      connectConcurrency: 1,
      mode: mode === 'saturate' ? { kind: 'saturate', window: UDP_WINDOW, batch: 1 } : { kind: 'rate', perSecond: UDP_RATE },
    });
    await worker.ready();
    worker.send({ type: 'start' });
    await sleep(warmupMs);
    const meter = new ProcessMeter(broker.pid);
    meter.start();
    await broker.serverLatency(true);
    const t0 = performance.now();
    await sleep(measureMs);
    const latency = (await broker.serverLatency(false))!;
    const elapsedS = (performance.now() - t0) / 1000;
    const usage = meter.stop();
    const h = new Histogram(latency.histogram);
    return {
      transport: 'TCP', loss, mode,
      goodputPerS: latency.received / elapsedS,
      p50Ms: h.percentile(50) / 1000,
      p99Ms: h.percentile(99) / 1000,
      brokerCpu: usage.cpuS / usage.wallS,
      datagramsPerCpuS: NaN,
      failed: 0,
    };
  } finally {
    await worker?.close().catch(() => undefined);
    await broker.stop();
  }
}
