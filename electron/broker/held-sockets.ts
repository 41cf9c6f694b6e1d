import { isIPv4, isIPv6 } from 'node:net';
import { addressKey } from './limits';
import type { Prefix } from './on-link';

/**
 * The sockets the broker holds: every session's stream from accept until it is destroyed (so also
 * closed ones still lingering to flush their last frames) and every TLS handshake in progress. Kept
 * in total, for maxConnections, and per source address, for maxConnectionsPerAddress. Each hold()
 * must be matched by exactly one release() with the same address.
 */
export class HeldSockets {
  total = 0;
  /** Only keys that hold a socket right now: an entry goes with its last socket. */
  private readonly byKey = new Map<string, number>();
  /**
   * The key each address holding sockets counts under, fixed at its first hold: a key can change
   * meanwhile (the machine's links are read again), and a release must take back what was counted.
   */
  private readonly keyOfHeld = new Map<string, { key: string | null; sockets: number }>();

  /** `keyOf`: the key an address counts under, null for one the limit exempts (the broker's: limitedAddressKey). */
  constructor(private readonly keyOf: (address: string) => string | null = limitedAddressKey) {}

  hold(address: string): void {
    this.total++;
    let held = this.keyOfHeld.get(address);
    if (!held) this.keyOfHeld.set(address, (held = { key: this.keyOf(address), sockets: 0 }));
    held.sockets++;
    if (held.key !== null) this.byKey.set(held.key, (this.byKey.get(held.key) ?? 0) + 1);
  }

  release(address: string): void {
    this.total--;
    const held = this.keyOfHeld.get(address);
    if (held && --held.sockets <= 0) this.keyOfHeld.delete(address);
    // Another spelling of a held address (::ffff:a.b.c.d for a.b.c.d) has no entry: its key now.
    const key = held ? held.key : this.keyOf(address);
    if (key === null) return;
    const left = (this.byKey.get(key) ?? 0) - 1;
    if (left > 0) this.byKey.set(key, left);
    else this.byKey.delete(key);
  }

  /** Sockets held by the address (as addressKey() groups them); 0 for an address the limit exempts. */
  heldBy(address: string): number {
    const held = this.keyOfHeld.get(address);
    const key = held ? held.key : this.keyOf(address);
    return key === null ? 0 : (this.byKey.get(key) ?? 0);
  }

  /** How many keys hold sockets (tests: the map must not outlive its sockets). */
  get addresses(): number {
    return this.byKey.size;
  }

  /** How many addresses, as given, have their key remembered (tests: neither may this map). */
  get remembered(): number {
    return this.keyOfHeld.size;
  }
}

/**
 * The key the per-address limits count under, or null for an exempt address: loopback (the device
 * simulator and local tools run many devices from one loopback address) and anything that is not
 * an IP address (in-memory streams, 'unknown'). `prefixes`: the machine's links (addressKey).
 */
export function limitedAddressKey(address: string, prefixes?: readonly Prefix[]): string | null {
  const key = addressKey(address, prefixes);
  if (isIPv4(key)) return key.startsWith('127.') ? null : key;
  // addressKey() writes an off-link IPv6 address as its '/64' key, an on-link one in full; '::1' and non-IPs stay as given.
  if (key.endsWith('::/64')) return key;
  return key !== '::1' && isIPv6(key) ? key : null;
}
