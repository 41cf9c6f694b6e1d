/**
 * Child process: OUR broker (electron/broker) with every feature on: token auth, acks, counters,
 * keepalive, the per-session rate limit (set above the bench's load so it measures, not throttles),
 * and hub events with listeners attached that count, as a cheap stand-in for the hub.
 */
import { Broker, MemoryTokenStore } from '../../electron/broker';
import { findPayload, nowMicros, readTs } from '../lib/payload';
import { Histogram } from '../lib/stats';
import { announceReady, serveCoordinator } from './child-ipc';
import { BENCH_LIMITS } from './limits';

const tokens = new MemoryTokenStore();
const broker = new Broker({ tokens, limits: BENCH_LIMITS });
process.stderr.write(`hypertcp broker: ${broker.dataPathNote()}\n`);

const events = { frames: 0, serverMessages: 0, opened: 0, closed: 0, loginFailed: 0, frameBytes: 0 };
broker.on('frame', (ev: { size: number }) => {
  events.frames++;
  events.frameBytes += ev.size;
});
// Messages to "server" are what the hub receives: timed here for the TCP side of the UDP shapes.
const serverLatency = new Histogram();
broker.on('server:message', (ev: { payload: Uint8Array }) => {
  events.serverMessages++;
  const bytes = Buffer.from(ev.payload.buffer, ev.payload.byteOffset, ev.payload.byteLength);
  const at = findPayload(bytes, 0, bytes.length);
  if (at >= 0) serverLatency.record(nowMicros() - readTs(bytes, at));
});
broker.on('session:open', () => events.opened++);
broker.on('session:close', () => events.closed++);
broker.on('login:failed', () => events.loginFailed++);

serveCoordinator(
  (m) => {
    if (m.type === 'tokens') return { type: 'tokens', tokens: Object.fromEntries(m.ids.map((id) => [id, tokens.create(id)])) };
    if (m.type === 'stats') return { type: 'stats', stats: { events, broker: broker.stats() } };
    if (m.type === 'server-latency') {
      const reply = { type: 'server-latency' as const, received: serverLatency.total, histogram: serverLatency.counts.slice() };
      if (m.reset) serverLatency.reset();
      return reply;
    }
    return null;
  },
  () => broker.close('shutdown'),
);

const port = await broker.listen({ port: 0, host: '127.0.0.1' });
announceReady(port);
