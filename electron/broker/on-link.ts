import { networkInterfaces } from 'node:os';
import type { InterfaceList } from './tls';

/** An IPv6 prefix: its eight 16-bit groups (only the first `bits` count) and its length. */
export interface Prefix {
  groups: number[];
  bits: number;
}

/**
 * Narrower than this, an interface's prefix is not taken as a LAN: a home or lab link is a /64
 * (SLAAC needs it), and a misconfigured wide one (::/0) must not turn the internet on-link.
 */
const WIDEST_LINK = 48;

/** The eight 16-bit groups of a valid IPv6 address: '::' and a dotted IPv4 tail expanded. */
export function ipv6Groups(ip: string): number[] {
  const groups = (part: string | undefined): number[] =>
    part ? part.split(':').flatMap((p) => (p.includes('.') ? dotted(p) : [parseInt(p, 16)])) : [];
  const [head, tail] = ip.split('::');
  const h = groups(head);
  const t = groups(tail);
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

function dotted(v4: string): number[] {
  const [a, b, c, d] = v4.split('.').map(Number);
  return [(a! << 8) | b!, (c! << 8) | d!];
}

/** The IPv6 prefixes the machine's own (non-loopback) interfaces are on, from their cidr. */
export function onLinkPrefixes(list: InterfaceList): Prefix[] {
  const out: Prefix[] = [];
  for (const entries of Object.values(list)) {
    for (const a of entries ?? []) {
      if (a.internal || a.family !== 'IPv6' || !a.cidr) continue;
      const [ip, length] = a.cidr.split('/');
      const bits = Number(length);
      if (!ip || !(bits >= WIDEST_LINK && bits <= 128)) continue;
      out.push({ groups: ipv6Groups(ip.split('%', 1)[0]!), bits });
    }
  }
  return out;
}

/** True if the address (as ipv6Groups) is inside the prefix. */
export function inPrefix(groups: number[], prefix: Prefix): boolean {
  for (let i = 0, left = prefix.bits; left > 0; i++, left -= 16) {
    const mask = left >= 16 ? 0xffff : (0xffff << (16 - left)) & 0xffff;
    if ((groups[i]! & mask) !== (prefix.groups[i]! & mask)) return false;
  }
  return true;
}

/**
 * The machine's on-link prefixes, read from the interfaces at most every `refreshMs` (a DHCP or
 * router advertisement that comes after start is seen; a flood of connections costs no syscalls).
 */
export class OnLinkPrefixes {
  private prefixes: Prefix[] = [];
  private readAt = -Infinity;

  constructor(
    private readonly read: () => InterfaceList = networkInterfaces,
    private readonly refreshMs = 10_000,
  ) {}

  get(now = performance.now()): readonly Prefix[] {
    if (now - this.readAt >= this.refreshMs || now < this.readAt) {
      this.readAt = now;
      try {
        this.prefixes = onLinkPrefixes(this.read());
      } catch {
        // The OS would not list its interfaces: keep what was read last.
      }
    }
    return this.prefixes;
  }
}

/** This machine's, for callers that do not inject their own (addressKey's default). */
export const machinePrefixes = new OnLinkPrefixes();
