/** Child process: Aedes (MQTT, QoS 0 traffic) on a plain TCP listener, default options. */
import net from 'node:net';
import { Aedes } from 'aedes';
import { listenAndAnnounce, serveCoordinator } from './child-ipc';

const aedes = await Aedes.createBroker();
const server = net.createServer(aedes.handle);
let published = 0;
aedes.on('publish', () => published++);

serveCoordinator(
  (m) => (m.type === 'stats' ? { type: 'stats', stats: { published } } : null),
  () =>
    new Promise<void>((resolve) => {
      server.close();
      aedes.close(() => resolve());
    }),
);

listenAndAnnounce(server);
