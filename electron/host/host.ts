import { X509Certificate } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ensureCertificate, generateToken, loadCertificate } from '../broker';
import { certificateNames, machineNames } from '../broker/tls';
import { startCore, type Core } from '../core';
import { ADMIN_TOKEN_KEY, withToken } from './admin-token';
import type { HostConfig } from './config';
import { defaultDbPath } from './config';
import { WEB_TLS_DIR, adoptDeviceCertificate, generatedCertificate } from './generated-certificate';
import { startHttpHost, isLoopback, type HttpHost } from './http-host';
import { cleartextPublicUrls } from './public-urls';
import { recordServedUrls } from './served-urls';

export interface Host {
  core: Core;
  http: HttpHost;
  adminToken: string;
  /** True when the admin token was generated on this start (show it prominently). */
  firstStart: boolean;
  /** True when --new-admin-token replaced the kept admin token on this start (the old one opens nothing now). */
  newToken: boolean;
  /** URL with the admin token in the fragment (never sent to the server by the browser). */
  url: string;
  /** The --public-url URLs (through a reverse proxy), each with the admin token in the fragment. */
  publicUrls: string[];
  close(): Promise<void>;
}

/** Refused API connections make at most one notice per this many ms; the rest are counted in the next. */
export const REFUSAL_NOTICE_MS = 10_000;

/**
 * Any web page the user visits can knock on ws://127.0.0.1 (refused for its Origin): one notice,
 * then a count at the end of the window, so the UI is told without being flooded.
 */
export function refusalNotices(notice: (text: string) => void, windowMs = REFUSAL_NOTICE_MS) {
  let quietUntil = 0;
  let suppressed = 0;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    if (suppressed > 0) notice(`${suppressed} more API connection${suppressed === 1 ? '' : 's'} refused in the last ${Math.round(windowMs / 1000)} s`);
    suppressed = 0;
  };
  return {
    refused(reason: string, address: string | undefined): void {
      const now = Date.now();
      if (now >= quietUntil) {
        quietUntil = now + windowMs;
        notice(`API connection from ${address ?? '?'} refused: ${reason}`);
        return;
      }
      suppressed++;
      timer ??= setTimeout(flush, quietUntil - now).unref();
    },
    close(): void {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/**
 * A browser warns about a self-signed certificate, and so it would about one a machine in the middle
 * made up to catch the admin token: the fingerprint printed here lets a user tell the two apart.
 */
export function selfSignedNotice(dir: string, certPem: string): string {
  return `serving HTTPS with a self-signed certificate from ${dir}; its SHA-256 fingerprint is ${new X509Certificate(certPem).fingerprint256} (check that the browser's certificate viewer shows the same before accepting it)`;
}

/**
 * The names a certificate covers: a browser reaching the UI by any other (an address DHCP gave later,
 * an IPv6 one) warns of a name mismatch too. A generated one gains new names and IPv4 addresses by
 * being made again at a start (generatedCertificate); a user's own is theirs to change.
 */
export function certificateNamesNotice(certPem: string, generatedIn?: string): string {
  const { dns, ips } = certificateNames(certPem);
  const names = [...dns, ...ips].join(', ') || 'no names';
  return `the HTTPS certificate covers ${names}; reaching the UI by another name or address adds a name-mismatch warning` +
    (generatedIn ? ` (generated in ${generatedIn}: a start that finds a new host name, --host-name or IPv4 address makes a new one with it, keeping the old pair as .bak)` : '');
}

/** Broker + hub + static UI + WebSocket API: the headless host (`npm run serve`). */
export async function startHost(cfg: HostConfig, log: (line: string) => void = () => {}): Promise<Host> {
  const dbPath = resolve(cfg.db ?? defaultDbPath(cfg.demo));
  let tls: { key: string; cert: string } | undefined;
  if (cfg.tlsCert && cfg.tlsKey) tls = await loadCertificate(cfg.tlsKey, cfg.tlsCert);
  else if (!isLoopback(cfg.bind)) {
    // Made here, the data folder is owner-only as the database would have made it.
    await mkdir(dirname(dbPath), { recursive: true, mode: 0o700 });
    const names = machineNames(cfg.hostNames);
    // Devices pin the broker's certificate, so it is made once and never again (PROTOCOL.md); made
    // before the core so it names the --host-names too, which the core's listener would not.
    const deviceDir = join(dirname(dbPath), 'tls');
    const devices = await ensureCertificate(deviceDir, { names });
    // Browsers accept the panel's, which follows the machine's names: a pair of its own.
    const dir = join(dirname(dbPath), WEB_TLS_DIR);
    if (!devices.generated) await adoptDeviceCertificate(deviceDir, dir);
    tls = await generatedCertificate(dir, names, log);
    log(selfSignedNotice(dir, tls.cert));
    log(certificateNamesNotice(tls.cert, dir));
  }
  if (tls && !isLoopback(cfg.bind) && cfg.tlsCert) log(certificateNamesNotice(tls.cert));
  // The demo shows UDP too: on the TCP port number unless --udp-port says otherwise.
  const udpPort = cfg.udpPort ?? (cfg.demo ? ('tcp' as const) : undefined);
  const core = await startCore({ dbPath, tcpPort: cfg.tcpPort, udpPort, host: cfg.brokerBind ?? cfg.bind, mode: 'headless', hub: { trafficScanRows: cfg.trafficScanRows } });
  // the web UI shows these as notices, but an admin of a service reads its terminal or journal
  for (const warning of core.startupWarnings) log(`warning: ${warning}`);
  try {
    const kept = cfg.adminToken ?? core.kv.get(ADMIN_TOKEN_KEY);
    const firstStart = !cfg.adminToken && kept === null;
    const newToken = cfg.newAdminToken && !firstStart;
    const adminToken = kept !== null && !cfg.newAdminToken ? kept : generateToken();
    const refusals = refusalNotices((text) => core.hub.notice('warn', text));
    const http = await startHttpHost({
      api: core.api, adminToken, staticDir: resolve(cfg.static), port: cfg.httpPort, bind: cfg.bind, tls, hostNames: cfg.hostNames, publicOrigins: cfg.publicUrls,
      onRefused: (reason, address) => refusals.refused(reason, address),
    });
    // Kept in the database (owner-only folder) so the printed URL stays valid across restarts; only once
    // the host serves, so a start that fails (the service still holding the port) changes no token.
    if (adminToken !== kept) core.kv.set(ADMIN_TOKEN_KEY, adminToken);
    const url = `${http.origin}/#token=${adminToken}`;
    // --show-token reads these: its own flags may not be the service's (another --http-port, --bind)
    recordServedUrls(core.kv, http.origin, cfg.publicUrls);
    for (const origin of cleartextPublicUrls(cfg.publicUrls)) {
      log(`--public-url ${origin} is plain http: the admin token crosses the network readable on the way to the proxy; have the proxy serve https`);
    }
    let closing: Promise<void> | null = null;
    return {
      core, http, adminToken, firstStart, newToken, url, publicUrls: withToken(cfg.publicUrls, adminToken),
      close: () => (closing ??= http.close().then(() => {
        refusals.close();
        return core.close('shutdown');
      })),
    };
  } catch (err) {
    await core.close('shutdown');
    throw err;
  }
}
