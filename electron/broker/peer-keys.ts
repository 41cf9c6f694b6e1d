import { isIPv4 } from 'node:net';
import { limitedAddressKey } from './held-sockets';
import { addressKey, recordKeys } from './limits';
import { machinePrefixes, OnLinkPrefixes } from './on-link';
import type { InterfaceList } from './tls';

/** How the broker groups peers for its per-address limits (BrokerOptions.addressing). */
export interface AddressingOptions {
  /** The machine's interfaces, whose IPv6 prefixes are its links (default os.networkInterfaces, read every 10 s). */
  interfaces?: () => InterfaceList;
  /**
   * Loopback peers count like any other address for the per-address connection limits (default
   * false: exempt, as the device simulator runs many devices from one loopback address). Tests
   * turn it on: their real sockets can only come from loopback.
   */
  limitLoopback?: boolean;
}

/** The keys a peer address counts under, for the per-address limits and the login throttle. */
export class PeerKeys {
  private readonly links: OnLinkPrefixes;
  private readonly limitLoopback: boolean;

  constructor(options: AddressingOptions = {}) {
    this.links = options.interfaces ? new OnLinkPrefixes(options.interfaces) : machinePrefixes;
    this.limitLoopback = options.limitLoopback ?? false;
  }

  /** The key its held sockets count under (maxConnectionsPerAddress), null when exempt. */
  readonly limited = (address: string): string | null => {
    const key = limitedAddressKey(address, this.links.get());
    if (key !== null || !this.limitLoopback) return key;
    const loopback = addressKey(address, []);
    return loopback === '::1' || (isIPv4(loopback) && loopback.startsWith('127.')) ? loopback : null;
  };

  /** The records its connection rate counts in; none when exempt from the per-address limits. */
  readonly rateKeys = (address: string): string[] => (this.limited(address) === null ? [] : recordKeys(address, this.links.get()));

  /** The records its failed logins count in (loopback too: a local guesser is slowed like any). */
  readonly throttleKeys = (address: string): string[] => recordKeys(address, this.links.get());
}
