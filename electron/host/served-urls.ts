import { z } from 'zod';
import type { KeyValue } from '../hub/db';
import { configuredUrl, readHostKv, withToken } from './admin-token';
import type { HostConfig } from './config';

/** The kv key a headless host keeps the URLs it serves under, written at each start. */
export const SERVED_URLS_KEY = 'host.servedUrls';

const ServedUrls = z.object({
  /** The origin the start printed (its real port, even an ephemeral one). */
  origin: z.string(),
  /** The --public-url origins. */
  publicUrls: z.array(z.string()),
  /** When that start was (ISO). */
  at: z.string(),
});
export type ServedUrls = z.infer<typeof ServedUrls>;

export function recordServedUrls(kv: Pick<KeyValue, 'set'>, origin: string, publicUrls: readonly string[], at = new Date()): void {
  kv.set(SERVED_URLS_KEY, JSON.stringify({ origin, publicUrls: [...publicUrls], at: at.toISOString() } satisfies ServedUrls));
}

/** What the last start of the host with `cfg`'s database recorded; null before one did (or for a value it cannot read). */
export function storedServedUrls(cfg: HostConfig): ServedUrls | null {
  const text = readHostKv(cfg, (kv) => kv.get(SERVED_URLS_KEY));
  if (text === null) return null;
  try {
    const parsed = ServedUrls.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * What --show-token prints after the token: the URLs the host recorded at its last start, as the
 * flags given to --show-token need not be the service's; only without a record, the URLs from those flags.
 * `source` says which, in words.
 */
export function tokenUrls(cfg: HostConfig, token: string): { urls: string[]; source: string } {
  const served = storedServedUrls(cfg);
  if (served) {
    return { urls: [`${served.origin}/#token=${token}`, ...withToken(served.publicUrls, token)], source: `the URLs the host recorded at its start on ${served.at}` };
  }
  const urls = [configuredUrl(cfg, token), ...withToken(cfg.publicUrls, token)].filter((u) => u !== null);
  return { urls, source: 'the host has not recorded its URLs in this database (not started since it learnt to): these are built from the flags given here' };
}
