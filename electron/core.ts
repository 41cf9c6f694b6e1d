import { join } from 'node:path';
import type { HelloResult, Settings } from '../shared/api/contract';
import { Broker, ensureCertificate, type BrokerOptions } from './broker';
import { UdpTransport, bindUdp, receiveBufferNotice } from './udp';
import { createHandlers } from './api/handlers';
import { createApiServer, type ApiServer } from './api/server';
import { KeyValue, openDatabase, type Db } from './hub/db';
import { Hub, type HubOptions } from './hub/hub';
import { SettingsStore } from './hub/settings';
import { SqliteTokenStore } from './hub/token-store';

export interface CoreOptions {
  /** Where the database (and generated certificates) live; the database is dataDir/hypertcp.db. */
  dataDir?: string;
  /** An explicit database file (headless --db); its folder also holds generated certificates. */
  dbPath?: string;
  /** TCP port of the broker (0 = ephemeral); defaults to the saved setting. */
  tcpPort?: number;
  /**
   * UDP port (0 = ephemeral; 'tcp': the TCP port's number, as the demo asks). Desktop mode defaults
   * to the saved setting (a saved 0 is off); headless mode opens UDP only when given. A port that
   * cannot be bound leaves UDP off with a notice, never stops the app.
   */
  udpPort?: number | 'tcp';
  /**
   * Address the broker listens on (TCP, TLS and UDP); default 127.0.0.1. The desktop app passes
   * 0.0.0.0 unless told otherwise (electron/shell/desktop-core.ts), the headless host its --broker-bind.
   */
  host?: string;
  mode: 'desktop' | 'headless';
  /** Settings that win over the saved ones for this run (not persisted). */
  settingsOverrides?: Partial<Settings>;
  broker?: Partial<Omit<BrokerOptions, 'tokens'>>;
  hub?: Partial<Omit<HubOptions, 'db' | 'broker' | 'tokens' | 'settings'>>;
  pumpIntervalMs?: number;
  version?: string;
}

export interface Core {
  api: ApiServer;
  broker: Broker;
  hub: Hub;
  settings: SettingsStore;
  tokens: SqliteTokenStore;
  kv: KeyValue;
  db: Db;
  dbPath: string;
  tcpPort: number;
  tlsPort: number | null;
  udpPort: number | null;
  /** The warnings start-up raised as notices (a port that would not open): the headless host also prints them. */
  startupWarnings: readonly string[];
  /** True while the broker is paused (no listeners, no device sessions; API and DB stay up). */
  readonly paused: boolean;
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(reason?: 'shutdown' | 'server_error'): Promise<void>;
  /**
   * close() for when the event loop will not run again (Windows ending the session: the process is
   * killed soon after, with no quit sequence): everything that can be done at once, before it returns.
   */
  closeNow(): void;
}


/** Broker + hub + API in one call: used by the headless host and the Electron main process. */
export async function startCore(options: CoreOptions): Promise<Core> {
  const dbPath = options.dbPath ?? join(options.dataDir ?? '.', 'hypertcp.db');
  const db = openDatabase(dbPath);
  try {
    return await assemble(options, db, dbPath);
  } catch (err) {
    db.close();
    throw err;
  }
}

async function assemble(options: CoreOptions, db: Db, dbPath: string): Promise<Core> {
  const kv = new KeyValue(db);
  const settings = new SettingsStore(kv, options.settingsOverrides);
  const tokens = new SqliteTokenStore(db);
  const s = settings.get();
  const host = options.host ?? '127.0.0.1';
  const tcpWanted = options.tcpPort ?? s.tcpPort;
  const savedUdp = options.mode === 'desktop' && s.udpPort !== 0 ? s.udpPort : undefined; // Settings: "0 turns UDP off"
  const udpWanted = options.udpPort === 'tcp' ? tcpWanted : (options.udpPort ?? savedUdp);
  let udp: UdpTransport | null = null;
  let udpWarning: string | null = null;
  let bufferNote: string | null = null; // said, not alarming: the session layer resends what a short buffer drops
  if (udpWanted !== undefined) {
    try {
      const socket = await bindUdp(udpWanted, host);
      bufferNote = receiveBufferNotice(socket.receiveBuffer?.() ?? 0);
      udp = new UdpTransport({ socket });
    } catch (err) {
      udpWarning = `UDP port ${udpWanted} unavailable (${(err as Error).message}); devices use TCP only`;
    }
  }
  const broker = new Broker({
    ...options.broker,
    ...(udp ? { udp } : {}),
    tokens,
    limits: { maxPayload: s.maxPayload, ratePerSecond: s.rateLimitPerSecond, rateBurst: s.rateLimitPerSecond * 2, broadcastPerSecond: s.broadcastLimitPerSecond, broadcastBurst: s.broadcastLimitPerSecond * 2, maxConnectionsPerAddress: s.connectionsPerAddress, ...options.broker?.limits },
    keepalive: { intervalMs: s.keepaliveSeconds * 1000, ...options.broker?.keepalive },
  });
  // traffic rows are written off the event loop the broker shares (docs/BENCHMARKS.md, the host row)
  const hub = new Hub({ writeTrafficInWorker: true, ...options.hub, db, broker, tokens, settings, udp });
  hub.start();
  const startupWarnings: string[] = [];
  const warn = (text: string) => {
    startupWarnings.push(text);
    hub.notice('warn', text);
  };
  if (udpWarning) warn(udpWarning);
  if (bufferNote) hub.notice('info', bufferNote);
  let tcpPort: number;
  try {
    tcpPort = await broker.listen({ port: tcpWanted, host });
  } catch (err) {
    await broker.close('shutdown');
    udp?.close();
    await hub.close();
    db.close();
    throw err;
  }
  // As with UDP, TLS that cannot start is said, not fatal: the app must start for its port to be
  // changed in Settings, and devices still have plain TCP.
  let tlsPort: number | null = null;
  if (s.tlsEnabled) {
    let certReady = false;
    try {
      const cert = await ensureCertificate(join(dbPath, '..', 'tls'));
      certReady = true;
      tlsPort = await broker.listenTls({ port: s.tlsPort, host, key: cert.key, cert: cert.cert });
    } catch (err) {
      const what = certReady ? `TLS port ${s.tlsPort}` : 'TLS certificate';
      const fix = certReady ? '; choose another TLS port in Settings (it takes effect after a restart)' : '';
      warn(`${what} unavailable (${(err as Error).message}); devices use plain TCP only${fix}`);
    }
  }
  const udpPort: number | null = udp ? udp.port : null;
  const hello = (): HelloResult => ({ version: options.version ?? '0.1.0', mode: options.mode, tcpPort, udpPort, tlsPort, dataPath: broker.dataPath, dataPathNote: broker.dataPathNote() });
  const handlers = createHandlers({ hub, broker, tokens, settings, hello });
  const api = createApiServer(
    handlers,
    { takeDelta: () => hub.takeDelta(), device: (id) => hub.registry.get(id), markShown: (rows) => hub.markShown(rows) },
    { intervalMs: options.pumpIntervalMs ?? 100, onInternalError: (method, err) => hub.notice('error', `${method}: ${(err as Error)?.message}`) },
  );
  hub.onUrgent = () => api.pump.soon();
  settings.onChange((_, changed) => {
    if (changed.some((k) => ['tcpPort', 'udpPort', 'tlsEnabled', 'tlsPort', 'maxPayload', 'keepaliveSeconds', 'rateLimitPerSecond', 'broadcastLimitPerSecond', 'connectionsPerAddress'].includes(k))) {
      // A headless host's UDP port is its --udp-port flag's: the saved one is for the desktop app.
      const udpNote = options.mode === 'headless' && changed.includes('udpPort') ? '; a headless host opens UDP only on its --udp-port' : '';
      hub.notice('info', `saved; ${changed.join(', ')} take effect after a restart${udpNote}`);
    }
  });
  let closed: Promise<void> | null = null;
  let closedNow = false;
  return {
    api, broker, hub, settings, tokens, kv, db, dbPath, tcpPort, tlsPort, udpPort, startupWarnings,
    get paused() {
      return broker.paused;
    },
    async pause() {
      await broker.pause();
      hub.brokerStopped();
      hub.commands.audit('broker.pause', null);
      hub.notice('info', 'broker paused: devices are disconnected until it resumes');
    },
    async resume() {
      await broker.resume();
      hub.commands.audit('broker.resume', null);
      hub.notice('info', 'broker resumed');
    },
    closeNow() {
      if (closedNow) return;
      closedNow = true;
      const step = (what: string, fn: () => unknown): unknown => {
        try {
          return fn();
        } catch (err) {
          console.error(`[core] ${what}:`, err);
          return undefined;
        }
      };
      step('pump', () => api.pump.stop());
      step('alerts', () => hub.brokerStopped());
      // The broker's and the hub's close() do their first part at once, before any wait: sessions
      // close (the registry marks the devices offline, 'shutdown'), then the hub's last write rounds
      // run with the traffic writer thread drained. What they would wait for next (sockets
      // draining, worker threads exiting) ends with the process.
      const brokerClosing = step('broker', () => broker.close('shutdown')) as Promise<void> | undefined;
      step('udp', () => udp?.close());
      const hubClosing = step('hub', () => hub.close()) as Promise<void> | undefined;
      step('database', () => db.close());
      closed ??= Promise.allSettled([brokerClosing, hubClosing]).then(() => undefined);
    },
    close(reason = 'shutdown') {
      closed ??= (async () => {
        api.pump.stop();
        hub.brokerStopped();
        await broker.close(reason);
        udp?.close();
        await hub.close(); // the checkpoint worker's connection first, so nothing touches the files after db.close()
        db.close();
      })();
      return closed;
    },
  };
}
