/**
 * UDP load worker thread: a userspace lossy proxy (drops a share of datagrams in both directions,
 * seeded) in front of the broker, and one UdpClient sending reliable ordered messages through it,
 * either closed loop (a window of unacknowledged messages) or at a fixed rate.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { UdpClient, bindUdp, tokenHash } from '../../electron/udp';
import { PAYLOAD_TEMPLATE, stampPayload, nowMicros } from '../lib/payload';

export interface UdpWorkerConfig {
  brokerPort: number;
  grant: { sessionId: number; nonce: string };
  token: string;
  /** Share of datagrams the userspace proxy drops; null = no proxy (the kernel drops, or nothing). */
  loss: number | null;
  mode: { kind: 'saturate'; window: number } | { kind: 'rate'; perSecond: number };
}
export type UdpWorkerReport = { type: 'report'; sent: number; acked: number; failed: number; elapsedMs: number; datagramsForwarded: number };

const config = workerData as UdpWorkerConfig;
const post = (m: unknown): void => parentPort!.postMessage(m);

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = seeded(42);
const loss = config.loss;
const proxy = loss === null ? null : await bindUdp(0);
let device: { address: string; port: number } | null = null;
let forwarded = 0;
proxy?.onMessage((data, from) => {
  const fromBroker = from.port === config.brokerPort;
  if (!fromBroker) device = from;
  if (random() < loss!) return;
  forwarded++;
  if (fromBroker) {
    if (device) proxy.send(data, device.port, device.address);
  } else proxy.send(data, config.brokerPort, '127.0.0.1');
});

const socket = await bindUdp(0);
// Without the proxy, count datagrams on the client's socket: everything it sends and receives.
const counted = {
  ...socket,
  send: (data: Uint8Array, port: number, address: string) => (forwarded++, socket.send(data, port, address)),
  onMessage: (handler: Parameters<typeof socket.onMessage>[0]) => socket.onMessage((d, f) => (forwarded++, handler(d, f))),
};
const client = new UdpClient({
  socket: proxy ? socket : counted,
  host: '127.0.0.1',
  port: proxy ? proxy.local().port : config.brokerPort,
  sessionId: config.grant.sessionId,
  serverNonce: config.grant.nonce,
  tokenHash: tokenHash(config.token),
});

const payload = Buffer.from(PAYLOAD_TEMPLATE);
let sent = 0;
let acked = 0;
let failed = 0;
let running = false;
let mark = { at: performance.now(), sent: 0, acked: 0, failed: 0, forwarded: 0 };
const done = (error: Error | null): void => {
  if (error) failed++;
  else acked++;
};
const sendOne = (): boolean => {
  stampPayload(payload, 0, 0, sent, nowMicros());
  if (!client.send('server', payload.toString('latin1'), 'ordered', done)) return false;
  sent++;
  return true;
};

function saturate(window: number): void {
  const pump = (): void => {
    if (!running) return;
    let n = 0;
    while (sent - acked - failed < window && n < 64 && sendOne()) n++;
    if (n > 0) setImmediate(pump);
    else setTimeout(pump, 1);
  };
  pump();
}

function atRate(perSecond: number): void {
  const t0 = performance.now();
  const timer = setInterval(() => {
    if (!running) return clearInterval(timer);
    const due = Math.floor(((performance.now() - t0) / 1000) * perSecond) - sent;
    for (let i = 0; i < Math.min(due, 1000); i++) if (!sendOne()) break;
  }, 1);
}

parentPort!.on('message', (m: { type: string }) => {
  if (m.type === 'start') {
    running = true;
    if (config.mode.kind === 'saturate') saturate(config.mode.window);
    else atRate(config.mode.perSecond);
  } else if (m.type === 'mark') {
    mark = { at: performance.now(), sent, acked, failed, forwarded };
  } else if (m.type === 'report') {
    post({
      type: 'report', sent: sent - mark.sent, acked: acked - mark.acked, failed: failed - mark.failed,
      elapsedMs: performance.now() - mark.at, datagramsForwarded: forwarded - mark.forwarded,
    } satisfies UdpWorkerReport);
  } else if (m.type === 'close') {
    running = false;
    client.close();
    proxy?.close();
    post({ type: 'closed' });
  }
});
post({ type: 'ready' });
