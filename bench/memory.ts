/**
 * Memory per idle authenticated connection: broker RSS with N logged-in idle connections minus
 * RSS before any, divided by N. Node brokers collect garbage before each sample (they run with
 * --expose-gc), so the number is what the connections hold, not garbage not yet collected.
 */
import { startBroker, type BrokerKind } from './brokers/control';
import { LoadWorker } from './load/pool';
import type { WorkerClient } from './load/messages';
import { rssBytes } from './lib/proc';
import type { MemoryRow } from './lib/results';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const WORKERS = 2;

export async function measureIdleMemory(kind: BrokerKind, label: string, connections: number): Promise<MemoryRow> {
  const broker = await startBroker(kind);
  const workers: LoadWorker[] = [];
  try {
    const ids = Array.from({ length: connections }, (_, i) => `idle-${String(i).padStart(5, '0')}`);
    const tokens = await broker.tokens(ids);
    await sleep(300);
    await broker.gc();
    const before = rssBytes(broker.pid);
    const clients: WorkerClient[] = ids.map((id) => ({ protocol: broker.protocol, port: broker.port, id, token: tokens[id] }));
    const delivered = new SharedArrayBuffer(4);
    for (let w = 0; w < WORKERS; w++) {
      workers.push(new LoadWorker({ clients: clients.filter((_, i) => i % WORKERS === w), delivered, connectConcurrency: 50, mode: null }));
    }
    const ready = await Promise.all(workers.map((w) => w.ready(120_000)));
    const connected = ready.reduce((sum, r) => sum + r.connected, 0);
    await sleep(2_000);
    await broker.gc();
    const after = rssBytes(broker.pid);
    const crash = broker.crashed();
    return {
      broker: label,
      connections: connected,
      baselineMiB: before / 2 ** 20,
      loadedMiB: after / 2 ** 20,
      bytesPerConnection: (after - before) / connected,
      ...(crash ? { note: crash } : {}),
    };
  } finally {
    await Promise.all(workers.map((w) => w.close().catch(() => undefined)));
    await broker.stop();
  }
}
