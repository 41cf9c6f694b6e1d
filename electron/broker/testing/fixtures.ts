import { startBroker, type StartBrokerOptions } from '../index';
import type { Broker } from '../broker';
import type { MemoryTokenStore } from '../tokens';
import type { BaseClient } from './base-client';
import { LegacyClient, type LegacyClientOptions } from './legacy-client';
import { V2Client, type V2ClientOptions } from './v2-client';

/** Tokens used by tests: 32 URL-safe characters like the ones the broker issues. */
export const testToken = (id: string): string => `tok-${id}-`.padEnd(32, 'x');

export interface TestBroker {
  broker: Broker;
  port: number;
  tokens: MemoryTokenStore;
  legacy(id: string, options?: LegacyClientOptions): Promise<LegacyClient>;
  v2(id: string, options?: V2ClientOptions, device?: object): Promise<V2Client>;
  /** Closes every client opened through this fixture and the broker. */
  close(): Promise<void>;
}

/** A broker on an ephemeral 127.0.0.1 port with devices registered, plus logged-in clients on demand. */
export async function startTestBroker(devices: string[], options: StartBrokerOptions = {}): Promise<TestBroker> {
  const { broker, port, tokens } = await startBroker({
    ...options,
    devices: Object.fromEntries(devices.map((id) => [id, testToken(id)])),
    closeLingerMs: options.closeLingerMs ?? 200,
  });
  const clients: BaseClient[] = [];
  return {
    broker,
    port,
    tokens: tokens!,
    async legacy(id, clientOptions) {
      const client = await LegacyClient.connect(port, clientOptions);
      clients.push(client);
      await client.login(testToken(id));
      return client;
    },
    async v2(id, clientOptions, device = {}) {
      const client = await V2Client.connect(port, clientOptions);
      clients.push(client);
      const status = await client.login(testToken(id), device);
      if (status !== 200) throw new Error(`v2 login of ${id} failed with status ${status}`);
      return client;
    },
    async close() {
      for (const c of clients) c.destroy();
      await broker.close();
    },
  };
}

/** Records [device, reason, detail?] of every connection the broker closes. */
export function collectCloses(broker: Broker): [string | null, string, string?][] {
  const closes: [string | null, string, string?][] = [];
  broker.on('connection:close', (ev) => closes.push(ev.detail === undefined ? [ev.device, ev.reason] : [ev.device, ev.reason, ev.detail]));
  return closes;
}

/** Polls fn every few ms until it returns a defined, non-false value. */
export async function eventually<T>(fn: () => T | undefined | false | null, timeoutMs = 2_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
