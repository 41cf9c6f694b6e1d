/**
 * The load generator's own ceiling, so a broker result near it is read as "generator-bound":
 * 100 publishers writing to a peer that discards (send side), and one receiver fed by a peer that
 * writes delivered messages as fast as the socket takes them (receive side).
 */
import { startCeilingPeer } from './brokers/control';
import type { Protocol } from './load/clients';
import { NativeLoad } from './load/native';
import { LoadWorker } from './load/pool';
import { planShape, shapeIds } from './load/shapes';
import type { CeilingRow } from './lib/results';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function measureCeiling(protocol: Protocol, side: 'send' | 'receive', batch: number, ms: number, generator: 'node' | 'native'): Promise<CeilingRow> {
  const peer = await startCeilingPeer(side === 'send' ? 'discard' : 'blast', protocol);
  let worker: LoadWorker | NativeLoad | null = null;
  try {
    const ids = shapeIds('fan-in');
    const plan = planShape('fan-in', protocol, peer.port, await peer.tokens([...ids.publishers, ...ids.receivers]));
    const clients = side === 'send' ? plan.publishers : plan.receivers;
    // Nothing is ever delivered back: a window this large never closes.
    const mode = side === 'send' ? { kind: 'saturate' as const, window: 2 ** 30, batch } : null;
    worker = generator === 'native' ? new NativeLoad(clients, mode) : new LoadWorker({ clients, delivered: new SharedArrayBuffer(4 * plan.publishers.length), connectConcurrency: 25, mode });
    await worker.ready();
    worker.send({ type: 'start' });
    await sleep(300);
    worker.send({ type: 'mark' });
    await sleep(ms);
    const r = await worker.report();
    return { protocol, side: side === 'send' ? (batch === 1 ? 'send, 1 msg/write' : `send, ${batch} msgs/write`) : 'receive', msgsPerS: (side === 'send' ? r.sent : r.received) / (r.elapsedMs / 1000) };
  } finally {
    await worker?.close().catch(() => undefined);
    await peer.stop();
  }
}
