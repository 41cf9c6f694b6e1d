/**
 * Child process: OUR broker (electron/broker) with every feature on: token auth, acks, counters,
 * keepalive, the per-session rate limit (set above the bench's load so it measures, not throttles),
 * and hub events with listeners attached that count, as a cheap stand-in for the hub.
 */
import { Broker, MemoryTokenStore } from '../../electron/broker';
import { announceReady, serveCoordinator } from './child-ipc';

const tokens = new MemoryTokenStore();
const broker = new Broker({
  tokens,
  limits: {
    ratePerSecond: 1_000_000,
    rateBurst: 1_000_000,
    maxConnections: 20_000,
    connectionsPerSecond: 100_000,
    connectionBurst: 100_000,
  },
});

const events = { frames: 0, serverMessages: 0, opened: 0, closed: 0, loginFailed: 0, frameBytes: 0 };
broker.on('frame', (ev: { size: number }) => {
  events.frames++;
  events.frameBytes += ev.size;
});
broker.on('server:message', () => events.serverMessages++);
broker.on('session:open', () => events.opened++);
broker.on('session:close', () => events.closed++);
broker.on('login:failed', () => events.loginFailed++);

serveCoordinator(
  (m) => {
    if (m.type === 'tokens') return { type: 'tokens', tokens: Object.fromEntries(m.ids.map((id) => [id, tokens.create(id)])) };
    if (m.type === 'stats') return { type: 'stats', stats: { events, broker: broker.stats() } };
    return null;
  },
  () => broker.close('shutdown'),
);

const port = await broker.listen({ port: 0, host: '127.0.0.1' });
announceReady(port);
