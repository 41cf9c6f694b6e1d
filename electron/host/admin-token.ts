import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { KeyValue } from '../hub/db';
import { isLoopback } from './allowed-hosts';
import { defaultDbPath, type HostConfig } from './config';

/** The kv key the headless host keeps its generated admin token under. */
export const ADMIN_TOKEN_KEY = 'host.adminToken';

/** The admin token a host with `cfg` uses: the one given, else the one its database keeps (null before the first start). */
export function storedAdminToken(cfg: HostConfig): string | null {
  return cfg.adminToken ?? readHostKv(cfg, (kv) => kv.get(ADMIN_TOKEN_KEY));
}

/** Reads the kv store of the database a host with `cfg` uses (null before the host set it up), beside a running host. */
export function readHostKv<T>(cfg: HostConfig, read: (kv: KeyValue) => T | null): T | null {
  const dbPath = resolve(cfg.db ?? defaultDbPath(cfg.demo));
  if (!existsSync(dbPath)) return null;
  // read-only: a running host keeps the file open and writing (WAL allows a reader beside it)
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    // a file the host has not set up yet has no kv table
    const hasKv = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kv'").get();
    return hasKv ? read(new KeyValue(db)) : null;
  } finally {
    db.close();
  }
}

/** The URL a host with `cfg` prints, from its flags alone (the port as configured; null for an ephemeral one). */
export function configuredUrl(cfg: HostConfig, token: string): string | null {
  if (cfg.httpPort === 0) return null;
  const scheme = cfg.tlsCert || !isLoopback(cfg.bind) ? 'https' : 'http';
  const host = cfg.bind === '0.0.0.0' || cfg.bind === '::' ? hostname() : cfg.bind;
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${cfg.httpPort}/#token=${token}`;
}

/**
 * Whether a start prints the admin token: when it generated it (the first start, or --new-admin-token:
 * the user has no other way to learn it), when asked (--print-token), or for --demo, whose token opens
 * only its own database of simulated devices, so `npm run demo` keeps giving a URL that works.
 */
export function tokenShown(cfg: Pick<HostConfig, 'printToken' | 'demo'>, generated: boolean): boolean {
  return generated || cfg.printToken || cfg.demo;
}

/** What the start says of a token it generated (the first start, or --new-admin-token), else nothing. */
export function tokenGeneratedNotice(host: { firstStart: boolean; newToken: boolean }): string | null {
  const later = 'later starts do not print it (--show-token does)';
  if (host.newToken) return `a new admin token was generated on this start (--new-admin-token) and kept in the database in place of the old one, which opens nothing now; ${later}.`;
  if (host.firstStart) return `the admin token was generated on this first start and is kept in the database; ${later}.`;
  return null;
}

/** What the start says when it does not print the token (stdout of a service is often kept in a log). */
export function tokenHiddenNotice(given: boolean): string {
  return given
    ? 'the admin token is the one given (--admin-token or --config); it is not printed (add --print-token to see it here)'
    : 'the admin token is not printed, as this output may be kept in a log: `--show-token` (with the same --db or --config) prints it, or add --print-token to a start';
}

/** The --public-url origins with the token in the fragment (never sent to the server or the proxy). */
export function withToken(origins: readonly string[], token: string): string[] {
  return origins.map((origin) => `${origin}/#token=${token}`);
}

/** What the start says to open: the local URL, or behind a reverse proxy the public URL(s) and where the host itself listens. */
export function openLine(url: string, publicUrls: readonly string[], localOrigin: string): string {
  if (publicUrls.length === 0) return `Open ${url}`;
  return `Open ${publicUrls.join(' or ')} (through the reverse proxy, which forwards to this host at ${localOrigin})`;
}
