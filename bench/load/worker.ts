/**
 * A load worker thread: connects its share of simulated devices, then sends (saturating with a
 * bounded in-flight window, or at a fixed rate) and records delivery latencies. The coordinator
 * drives it with start / mark (begin measuring) / report / close.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Histogram } from '../lib/stats';
import { connectClient, type LoadClient } from './clients';
import type { FromWorker, ToWorker, WorkerConfig } from './messages';

const config = workerData as WorkerConfig;
const delivered = new Int32Array(config.delivered);
const histogram = new Histogram();
const post = (m: FromWorker): void => parentPort!.postMessage(m);

/** A stalled window (messages lost by the broker) is written off after this long. */
const STALL_MS = 500;
/** Above this many bytes queued in the socket, a saturating publisher waits. */
const HIGH_WATER = 64 * 1024;

interface Publisher {
  client: LoadClient;
  src: number;
  fanout: number;
  ackIsDelivery: boolean;
  sent: number;
  forgiven: number;
  lastDelivered: number;
  lastProgress: number;
}

const clients: LoadClient[] = [];
const publishers: Publisher[] = [];
let running = false;
let forgiven = 0;
let markAt = performance.now();
let sentAtMark = 0;
let receivedAtMark = 0;
let acksAtMark = { ok: 0, refused: 0 };

const onDeliver = (ts: number, src: number, now: number): void => {
  histogram.record(now - ts);
  if (src >= 0 && src < delivered.length) Atomics.add(delivered, src, 1);
};

async function connectAll(): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < config.clients.length) {
      const spec = config.clients[next++]!;
      const client = await connectClient(spec, onDeliver);
      clients.push(client);
      if (spec.sendTo !== undefined) {
        publishers.push({ client, src: spec.src ?? 0, fanout: spec.fanout ?? 1, ackIsDelivery: spec.ackIsDelivery ?? false, sent: 0, forgiven: 0, lastDelivered: 0, lastProgress: Date.now() });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, config.connectConcurrency) }, lane));
}

function saturate(window: number, batch: number): void {
  const pump = (): void => {
    if (!running) return;
    let progressed = false;
    const now = Date.now();
    for (const p of publishers) {
      const done = p.ackIsDelivery ? p.client.counters.acksOk : Math.floor(Atomics.load(delivered, p.src) / p.fanout);
      if (done !== p.lastDelivered) {
        p.lastDelivered = done;
        p.lastProgress = now;
      }
      let inflight = p.sent - done - p.forgiven;
      if (inflight >= window) {
        if (now - p.lastProgress < STALL_MS) continue;
        p.forgiven += inflight;
        forgiven += inflight;
        p.lastProgress = now;
        inflight = 0;
      }
      if (p.client.socket.writableLength > HIGH_WATER) continue;
      const n = Math.min(batch, window - inflight);
      p.client.send(n, p.src, p.sent);
      p.sent += n;
      progressed = true;
    }
    if (progressed) setImmediate(pump);
    else setTimeout(pump, 1);
  };
  pump();
}

function atRate(perSecond: number): void {
  const t0 = performance.now();
  const phase = publishers.map((_, i) => i / Math.max(1, publishers.length));
  const timer = setInterval(() => {
    if (!running) return clearInterval(timer);
    const elapsedS = (performance.now() - t0) / 1000;
    publishers.forEach((p, i) => {
      const due = Math.floor(elapsedS * perSecond + phase[i]!) - p.sent;
      for (let k = 0; k < Math.min(due, 1000); k++) p.client.send(1, p.src, p.sent++);
    });
  }, 1);
}

const totals = () => {
  let sent = 0;
  let received = 0;
  let ok = 0;
  let refused = 0;
  let errors = 0;
  for (const p of publishers) sent += p.sent;
  for (const c of clients) {
    received += c.counters.received;
    ok += c.counters.acksOk;
    refused += c.counters.acksRefused;
    errors += c.counters.errors;
  }
  return { sent, received, ok, refused, errors };
};

parentPort!.on('message', (m: ToWorker) => {
  if (m.type === 'start' && config.mode && !running) {
    running = true;
    if (config.mode.kind === 'saturate') saturate(config.mode.window, config.mode.batch);
    else atRate(config.mode.perSecond);
  } else if (m.type === 'mark') {
    const t = totals();
    histogram.reset();
    forgiven = 0;
    markAt = performance.now();
    sentAtMark = t.sent;
    receivedAtMark = t.received;
    acksAtMark = { ok: t.ok, refused: t.refused };
  } else if (m.type === 'report') {
    const t = totals();
    post({
      type: 'report',
      elapsedMs: performance.now() - markAt,
      sent: t.sent - sentAtMark,
      received: t.received - receivedAtMark,
      acksOk: t.ok - acksAtMark.ok,
      acksRefused: t.refused - acksAtMark.refused,
      forgiven,
      errors: t.errors,
      histogram: histogram.counts.slice(),
    });
  } else if (m.type === 'close') {
    running = false;
    for (const c of clients) c.socket.destroy();
    post({ type: 'closed' });
    setTimeout(() => process.exit(0), 20);
  }
});

connectAll().then(
  () => post({ type: 'ready', connected: clients.length }),
  (e: unknown) => post({ type: 'failed', message: e instanceof Error ? e.message : String(e) }),
);
