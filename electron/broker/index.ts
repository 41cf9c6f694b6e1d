/** The HyperTCP broker: plain Node, no 'electron'. See docs/PROTOCOL.md; this file is its public surface. */
import { Broker } from './broker';
import type { BrokerOptions } from './options';
import { MemoryTokenStore } from './tokens';

export { Broker, type SendResult } from './broker';
export { DEFAULT_KEEPALIVE, DEFAULT_LIMITS, type BrokerLimits, type BrokerOptions, type KeepaliveOptions } from './options';
export { tablePolicy, type PolicyTable, type RoutingPolicy } from './policy';
export { ensureCertificate, loadCertificate, type CertificatePair } from './tls';
export { MemoryTokenStore, generateToken, hashToken, type TokenInfo, type TokenStore } from './tokens';
export type * from './types';

export interface StartBrokerOptions extends Partial<BrokerOptions> {
  port?: number;
  host?: string;
  /** Devices to register in a fresh in-memory store when `tokens` is not given: id -> token. */
  devices?: Record<string, string>;
}

/**
 * A broker listening on TCP in one call, for scripts, benchmarks and tests:
 * `const { broker, port } = await startBroker({ devices: { a: 'a-token-of-22-chars-or-more' } })`.
 */
export async function startBroker(options: StartBrokerOptions = {}): Promise<{ broker: Broker; port: number; tokens: MemoryTokenStore | null }> {
  let memory: MemoryTokenStore | null = null;
  let tokens = options.tokens;
  if (!tokens) {
    memory = new MemoryTokenStore();
    for (const [id, token] of Object.entries(options.devices ?? {})) memory.add(id, token);
    tokens = memory;
  }
  const broker = new Broker({ ...options, tokens });
  const port = await broker.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  return { broker, port, tokens: memory };
}
