import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { interfaceAddresses, shortIp, type InterfaceList } from '../broker/tls';

/** Loopback literals only: a DNS name such as 127.0.0.1.example may resolve anywhere. */
export const isLoopback = (addr: string) => addr === 'localhost' || addr === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(addr);

/** How long the machine's interface addresses are trusted before a Host check reads them again. */
export const ADDRESS_CACHE_MS = 5_000;

/** A --bind address as a browser writes it in Host (2001:DB8:0::1 is [2001:db8::1]); a name as it is. */
const bindAsHost = (bind: string) => (isIP(bind) ? shortIp(bind).toLowerCase() : bind);
const isWildcard = (bind: string) => bind === '0.0.0.0' || bind === '::';

/** The port a browser leaves out of Host and Origin. */
export const defaultPort = (scheme: 'http' | 'https') => (scheme === 'https' ? 443 : 80);

/**
 * Host header values a browser may legitimately send to this server (defends DNS rebinding). Beyond
 * loopback: the machine's host name, its mDNS name (NAME.local, as a Raspberry Pi announces itself),
 * the addresses listened on, and `extra` names the user gives (--host-name). On the scheme's default
 * port (https on 443) browsers send the name alone, so it is allowed without the port too.
 */
export function allowedHosts(given: string, port: number, extra: string[] = [], scheme: 'http' | 'https' = 'http', list: InterfaceList = networkInterfaces()): Set<string> {
  const bind = bindAsHost(given);
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  // another loopback address (127.0.0.2): the URL shown names it, so the UI comes from there
  if (isLoopback(bind) && bind !== 'localhost') names.add(bind.includes(':') ? `[${bind}]` : bind);
  if (!isLoopback(bind)) {
    const own = hostname().toLowerCase();
    names.add(own);
    if (!own.endsWith('.local')) names.add(`${own}.local`);
    for (const name of extra) names.add(name.toLowerCase());
    if (isWildcard(bind)) {
      for (const a of interfaceAddresses(list)) names.add(a.includes(':') ? `[${a}]` : a);
    } else names.add(bind.includes(':') ? `[${bind}]` : bind);
  }
  const bare = port === defaultPort(scheme);
  return new Set([...names].flatMap((n) => (bare ? [`${n}:${port}`, n] : [`${n}:${port}`])));
}

/** The address of a Host header naming an IP literal on `port` (none on the scheme's default port), short form; else null. */
export function ipLiteralHost(host: string, port: number, scheme: 'http' | 'https'): string | null {
  const m = /^\[([0-9a-f:.]+)\](?::(\d+))?$/i.exec(host) ?? /^([0-9.]+)(?::(\d+))?$/.exec(host);
  if (!m || !isIP(m[1]!)) return null; // isIP refuses 3232235777 and 0xC0.168.1.1, which URL would rewrite
  if (m[2] === undefined ? port !== defaultPort(scheme) : Number(m[2]) !== port) return null;
  return shortIp(m[1]!);
}

export interface HostCheckOptions {
  bind: string;
  port: number;
  scheme: 'http' | 'https';
  hostNames?: string[];
  /** The machine's interfaces now (tests give their own). */
  interfaces?: () => InterfaceList;
  now?: () => number;
}

/**
 * Whether a Host header is one this server answers to: the names and addresses allowedHosts knew at
 * start, or, on a wildcard bind, an IP literal that is one of the machine's addresses now (DHCP may
 * have given a new one since). An IP literal cannot be a rebinding attack (no page's own name
 * resolves to it); names stay the configured ones. Loopback binds stay strict. The addresses are
 * read again at most every ADDRESS_CACHE_MS, so a flood of odd Host values costs no system calls.
 */
export function hostCheck(o: HostCheckOptions): (host: string) => boolean {
  const interfaces = o.interfaces ?? networkInterfaces;
  const now = o.now ?? Date.now;
  const fixed = allowedHosts(o.bind, o.port, o.hostNames, o.scheme, interfaces());
  if (!isWildcard(bindAsHost(o.bind))) return (host) => fixed.has(host.toLowerCase());
  let current = new Set<string>();
  let readAt = -Infinity;
  return (header) => {
    const host = header.toLowerCase();
    if (fixed.has(host)) return true;
    const ip = ipLiteralHost(host, o.port, o.scheme);
    if (ip === null) return false;
    if (now() - readAt >= ADDRESS_CACHE_MS) {
      readAt = now();
      current = new Set(interfaceAddresses(interfaces()));
    }
    return current.has(ip);
  };
}
