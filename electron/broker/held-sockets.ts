import { isIPv4 } from 'node:net';
import { addressKey } from './limits';

/**
 * The sockets the broker holds: every session's stream from accept until it is destroyed (so also
 * closed ones still lingering to flush their last frames) and every TLS handshake in progress. Kept
 * in total, for maxConnections, and per source address, for maxConnectionsPerAddress. Each hold()
 * must be matched by exactly one release() with the same address.
 */
export class HeldSockets {
  total = 0;
  /** Only addresses that hold a socket right now: an entry goes with its last socket. */
  private readonly byAddress = new Map<string, number>();

  /** `keyOf`: the key an address counts under, null for one the limit exempts (the broker's: limitedAddressKey). */
  constructor(private readonly keyOf: (address: string) => string | null = limitedAddressKey) {}

  hold(address: string): void {
    this.total++;
    const key = this.keyOf(address);
    if (key !== null) this.byAddress.set(key, (this.byAddress.get(key) ?? 0) + 1);
  }

  release(address: string): void {
    this.total--;
    const key = this.keyOf(address);
    if (key === null) return;
    const left = (this.byAddress.get(key) ?? 0) - 1;
    if (left > 0) this.byAddress.set(key, left);
    else this.byAddress.delete(key);
  }

  /** Sockets held by the address (as addressKey() groups them); 0 for an address the limit exempts. */
  heldBy(address: string): number {
    const key = this.keyOf(address);
    return key === null ? 0 : (this.byAddress.get(key) ?? 0);
  }

  /** How many addresses hold sockets (tests: the map must not outlive its sockets). */
  get addresses(): number {
    return this.byAddress.size;
  }
}

/**
 * The key the per-address connection limit counts under, or null for an exempt address: loopback
 * (the device simulator and local tools run many devices from one loopback address) and anything
 * that is not an IP address (in-memory streams, 'unknown').
 */
export function limitedAddressKey(address: string): string | null {
  const key = addressKey(address);
  if (isIPv4(key)) return key.startsWith('127.') ? null : key;
  // addressKey() turns every other IPv6 address into its '/64' key; '::1' and non-IPs stay as given.
  return key.endsWith('/64') ? key : null;
}
