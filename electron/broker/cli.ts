/**
 * The broker alone, for benchmarks, firmware bring-up and scripts:
 *   tsx electron/broker/cli.ts --port 0 --device lamp:TOKEN --device sensor [--tls-port 0 --tls-dir DIR]
 * A device given without a token gets a fresh one. Prints one line when ready:
 *   HYPERTCP_BROKER_READY {"port":P,"tlsPort":T|null,"tokens":{"lamp":"..."}}
 * SIGINT/SIGTERM close every session with reason shutdown.
 */
import { parseArgs } from 'node:util';
import { startBroker } from './index';
import { ensureCertificate } from './tls';

const USAGE = `Usage: tsx electron/broker/cli.ts [flags]
  --port N           TCP port (default 8080, 0 = ephemeral)
  --host ADDR        address to listen on (default 127.0.0.1)
  --device ID[:TOKEN] a device allowed to log in (repeatable); without a token one is made and printed
  --tls-port N       also a TLS listener (0 = ephemeral), with a self-signed certificate kept in --tls-dir
  --tls-dir DIR      where that certificate is kept (default .hypertcp-tls)
  --max-payload N    largest frame body in bytes (default 16384)
  --rate N           messages per second per device (default 1000; burst twice that)
  --broadcast-rate N broadcasts per second per device (default 10; burst twice that)
  --keepalive S      seconds of quiet before the broker pings a session (default 10)
Prints HYPERTCP_BROKER_READY {"port","tlsPort","tokens"} when it listens; SIGINT/SIGTERM close it.`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      device: { type: 'string', multiple: true, default: [] },
      'tls-port': { type: 'string' },
      'tls-dir': { type: 'string' },
      'max-payload': { type: 'string' },
      rate: { type: 'string', default: '1000' },
      'broadcast-rate': { type: 'string', default: '10' },
      keepalive: { type: 'string', default: '10' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
  for (const flag of ['port', 'tls-port', 'max-payload', 'rate', 'broadcast-rate', 'keepalive'] as const) {
    const text = values[flag];
    if (text !== undefined && !/^\d+$/.test(text)) throw new Error(`--${flag} must be a whole number, got "${text}"`);
  }
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const rate = Number(values.rate);
const broadcastRate = Number(values['broadcast-rate']);
const { broker, port, tokens } = await startBroker({
  port: Number(values.port),
  host: values.host,
  limits: {
    ratePerSecond: rate,
    rateBurst: rate * 2,
    broadcastPerSecond: broadcastRate,
    broadcastBurst: broadcastRate * 2,
    ...(values['max-payload'] ? { maxPayload: Number(values['max-payload']) } : {}),
  },
  keepalive: { intervalMs: Number(values.keepalive) * 1000 },
});
const issued: Record<string, string> = {};
for (const spec of values.device) {
  const [id, token] = spec.split(':', 2) as [string, string | undefined];
  if (token) tokens!.add(id, token);
  issued[id] = token ?? tokens!.create(id);
}
let tlsPort: number | null = null;
if (values['tls-port'] !== undefined) {
  const { key, cert } = await ensureCertificate(values['tls-dir'] ?? '.hypertcp-tls');
  tlsPort = await broker.listenTls({ port: Number(values['tls-port']), host: values.host, key, cert });
}
process.stdout.write(`HYPERTCP_BROKER_READY ${JSON.stringify({ port, tlsPort, tokens: issued })}\n`);
const stop = (): void => {
  void broker.close('shutdown').then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
