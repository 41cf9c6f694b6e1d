/**
 * Reverse-proxy mode (--public-url): the URLs users open when a proxy (Caddy, nginx, Traefik) in
 * front of the host terminates TLS. Each one given is trusted as a Host value and as an Origin, on
 * any bind; nothing the proxy adds (X-Forwarded-*) is: any client on the machine could send those.
 */
import { defaultPort, isLoopback } from './allowed-hosts';

const SHAPE = /^(https?):\/\/([^/?#@\s\\]+)\/?$/i;

/**
 * The origin of a public URL (`https://panel.lan`, lowercase, default port left out, as browsers send
 * it in Origin), or an Error saying what is wrong. Only scheme://host[:port]: a path would mean the
 * proxy serves the UI under a prefix, which the UI (absolute /assets, /api) does not support.
 */
export function publicOrigin(text: string): string | Error {
  const shape = SHAPE.exec(text);
  if (!shape) {
    if (!/^https?:\/\//i.test(text)) return new Error(`"${text}" is not an http:// or https:// URL`);
    if (/^https?:\/\/[^/?#]*@/i.test(text)) return new Error(`"${text}" has credentials (user@); a public URL is scheme://host[:port] only`);
    return new Error(`"${text}" has a path, query or fragment; a public URL is scheme://host[:port] only (the proxy forwards the whole site, /api included)`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return new Error(`"${text}" is not a valid URL`);
  }
  if (url.port === '0') return new Error(`"${text}": the port must be 1-65535`);
  return url.origin;
}

/** The Host values and Origins of the --public-url URLs, built once and checked by the web and the API alike. */
export interface PublicSite {
  hasHost(host: string): boolean;
  hasOrigin(origin: string | undefined): boolean;
}

export function publicSite(origins: readonly string[]): PublicSite {
  const hosts = new Set<string>();
  for (const origin of origins) {
    const url = new URL(origin);
    hosts.add(url.host);
    // the default port is left out by browsers; a proxy or client may still name it
    if (url.port === '') hosts.add(`${url.hostname}:${defaultPort(url.protocol === 'https:' ? 'https' : 'http')}`);
  }
  const allowed = new Set(origins);
  return { hasHost: (host) => hosts.has(host.toLowerCase()), hasOrigin: (origin) => origin !== undefined && allowed.has(origin) };
}

/** The start's line for a public URL served in clear text over the network (the token would be readable on the way). */
export function cleartextPublicUrls(origins: readonly string[]): string[] {
  return origins.filter((o) => {
    const url = new URL(o);
    return url.protocol === 'http:' && !isLoopback(url.hostname.replace(/^\[(.*)\]$/, '$1'));
  });
}
