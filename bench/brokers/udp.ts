/**
 * Child process: our UDP transport (electron/udp) on a real socket, standing in for the broker's
 * UDP side. It opens sessions the way the broker does after a v2 login with "udp":true and records,
 * per delivered envelope, the latency from the stamp in the bench payload.
 */
import { UdpTransport, bindUdp } from '../../electron/udp';
import { Histogram } from '../lib/stats';
import { findPayload, nowMicros, readTs } from '../lib/payload';

export type ToUdpBroker = { type: 'open'; deviceId: string; tokenHashHex: string } | { type: 'mark' } | { type: 'report' };
export type FromUdpBroker =
  | { type: 'ready'; port: number }
  | { type: 'grant'; sessionId: number; nonce: string; port: number }
  | { type: 'report'; received: number; histogram: Uint32Array; elapsedMs: number; packetsReceived: number; packetsSent: number; retransmits: number };

const send = (m: FromUdpBroker): void => void process.send?.(m);
const histogram = new Histogram();
let received = 0;
let markAt = performance.now();

const transport = new UdpTransport({
  socket: await bindUdp(0),
  onEnvelope: (e) => {
    const payload = Buffer.from(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength);
    const at = findPayload(payload, 0, payload.length);
    if (at < 0) return;
    received++;
    histogram.record(nowMicros() - readTs(payload, at));
  },
});

process.on('message', (m: ToUdpBroker) => {
  if (m.type === 'open') {
    const grant = transport.openSession(m.deviceId, Buffer.from(m.tokenHashHex, 'hex'));
    if (grant) send({ type: 'grant', ...grant });
  } else if (m.type === 'mark') {
    histogram.reset();
    received = 0;
    markAt = performance.now();
  } else {
    const c = transport.sessions()[0]?.counters;
    send({
      type: 'report', received, histogram: histogram.counts.slice(), elapsedMs: performance.now() - markAt,
      packetsReceived: c?.packetsReceived ?? 0, packetsSent: c?.packetsSent ?? 0, retransmits: c?.retransmits ?? 0,
    });
  }
});
const stop = (): void => {
  transport.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
send({ type: 'ready', port: transport.port });
