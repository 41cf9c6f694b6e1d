/**
 * The one API contract between the main side (hub + broker) and every UI binding
 * (Electron IPC, WebSocket for headless mode). Params are validated at the boundary with these
 * schemas; results and events are typed here too. Environment-free.
 */
import { z } from 'zod';
import { DEVICE_ID_PATTERN, DEVICE_ID_RULE, RESERVED_DEVICE_ID_RULE, RESERVED_DEVICE_IDS, SETTINGS_NUMBER_LIMITS, type SettingsNumberKey } from './limits';
import { ControlDescription, TelemetryDescription } from '../protocol/login';

export const DeviceId = z.string().regex(DEVICE_ID_PATTERN, DEVICE_ID_RULE);
/** What a user-given payload or value may take once serialized (characters of its JSON). */
const MAX_JSON_CHARS = 16384;
/** A JSON object given by the user as a message payload; size-capped at the boundary. */
export const JsonObject = z.record(z.string(), z.unknown()).refine((o) => JSON.stringify(o).length <= MAX_JSON_CHARS, 'payload over 16 KiB');
/**
 * A JSON value given by the user (a control's value), capped like a payload. Only what JSON can carry:
 * IPC's structured clone delivers a BigInt or NaN as is, which the handler's JSON.stringify threw on
 * (or turned into null). The input type stays unknown: a UI passes what its control holds.
 */
const JsonShape = z.json();
export const JsonValue = z
  .unknown()
  .refine((v) => JsonShape.safeParse(v).success, { error: 'not a JSON value (a string, finite number, boolean, null, array or plain object)', abort: true })
  .refine((v) => JSON.stringify(v).length <= MAX_JSON_CHARS, 'value over 16 KiB');

export type Transport = 'tcp' | 'tls' | 'udp';
export type SessionProtocol = 'legacy' | 'v2';
export type TokenStatus = 'active' | 'revoked' | 'none';

export interface Counters {
  msgsIn: number;
  msgsOut: number;
  bytesIn: number;
  bytesOut: number;
  errors: number;
  drops: number;
}

export interface DeviceSummary {
  id: string;
  /** What the device calls itself (its v2 login description), else its id. */
  name: string;
  /** The user's own name for it (devices.label), shown instead of the name; null when none. */
  label: string | null;
  online: boolean;
  /** ms since epoch of the last online/offline transition. */
  since: number;
  lastDisconnectReason: string | null;
  flapCount: number;
  address: string | null;
  transport: Transport | null;
  protocol: SessionProtocol | null;
  fw: string | null;
  board: string | null;
  tokenStatus: TokenStatus;
  controls: ControlDescription[];
  telemetryChannels: TelemetryDescription[];
  /** Last state the device reported per control id. */
  controlState: Record<string, unknown>;
  /** Last telemetry value per channel (rssi, heap, uptime included when reported). */
  telemetry: Record<string, number | string | boolean | null>;
  lastSeen: number | null;
  rttMs: number | null;
  /**
   * How fast the device confirms control commands (controls.set): null (or absent, from an older
   * host) when the panel sent it none since it started.
   */
  controlResponse?: ControlResponseStats | null;
  /** Messages per second in, over the last few seconds. */
  rateIn: number;
  counters: Counters;
}

/**
 * A device's control response times: from the panel sending a command to the device's state report
 * echoing its req (PROTOCOL.md section 8). Kept in memory since the host started; the percentiles
 * are over the last 100 confirmed commands (nearest rank) and null before the first confirmation.
 */
export interface ControlResponseStats {
  /** Commands confirmed. */
  count: number;
  /** Commands that failed: timeouts + refused. */
  failed: number;
  /** No state report echoing the req within the timeout. */
  timeouts: number;
  /** The device answered with an error (e.g. unknown_control). */
  refused: number;
  /** Response times the percentiles are over (at most 100, the newest). */
  samples: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
  lastMs: number | null;
}

export type Direction = 'in' | 'out';

export interface TrafficRow {
  seq: number;
  ts: number;
  dir: Direction;
  /** The session's device id (the device the frame was read from or written to). */
  device: string;
  from: string | null;
  to: string | null;
  cmd: number;
  msgId: number;
  size: number;
  status: number | null;
  /** Payload as text (JSON) or hex for binary; never silently cut: see `cut`. */
  payload: string;
  /** Set when the stored payload was shortened; the original size is `size`. */
  cut: boolean;
}

/** One (from, to) pair of routed messages (traffic.conversations), counted once per message. */
export interface ConversationStats {
  from: string;
  /** A device id, "server" or "broadcast", as the traffic rows show the target. */
  to: string;
  messages: number;
  /** Payload bytes of those messages. */
  bytes: number;
  /** Messages the broker refused (acked with a status other than SUCCESS). */
  errors: number;
  firstTs: number;
  lastTs: number;
  /** Messages per second over about the last 10 s. */
  msgsPerSecond: number;
}

/**
 * Since the host started: rows written to the log, rows that reached a panel, rows lost; and rows
 * the log has taken and not yet written (queued, or with the writer thread; they reach a panel first).
 */
export interface TrafficCounters {
  logged: number;
  shown: number;
  dropped: number;
  writing: number;
}

/**
 * One step of a metrics series: counts are per-second averages over the step, rttMs and queueDepth
 * averages of the values seen. Every value is null in a step the host was not running (a gap, not
 * zero traffic); rttMs is also null in a step without a ping.
 */
export interface MetricsPoint {
  ts: number;
  msgsIn: number | null;
  msgsOut: number | null;
  bytesIn: number | null;
  bytesOut: number | null;
  errors: number | null;
  drops: number | null;
  rttMs: number | null;
  queueDepth: number | null;
  udpLoss: number | null;
  udpRetransmits: number | null;
  /** UDP resends whose ACK only came late: the packet had arrived (not loss). */
  udpSpurious: number | null;
}

/** One step of a stored telemetry channel: the mean of its readings and their extremes. */
export interface TelemetryPoint {
  ts: number;
  avg: number;
  min: number;
  max: number;
  /** Readings in this step (left out by hosts from before it was added). */
  count?: number;
}

/** What devices.forget with deleteHistory removed: traffic rows and telemetry minute rows. */
export interface DeletedHistory {
  trafficRows: number;
  telemetryRows: number;
  /** Per-device metrics (messages, bytes, RTT... per minute) */
  metricsRows: number;
}

export interface TelemetrySeries {
  channel: string;
  /** Oldest first; only steps that had readings (a gap is a missing point, never a zero). */
  points: TelemetryPoint[];
}

export { LIVE_TELEMETRY } from './limits';

/** A channel's recent raw readings (telemetry.recent), oldest first. */
export interface RecentTelemetrySeries {
  channel: string;
  points: { ts: number; v: number }[];
}

export interface TokenInfo {
  id: string;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface SavedCommand {
  id: string;
  name: string;
  /** A device id, or `kind:<board or control kind>`, or null for any device. */
  scope: string | null;
  /** Payload template; may hold {{ts}}, {{uuid}}, {{device}} variables. */
  template: string;
}

export interface CommandHistoryEntry {
  ts: number;
  target: string;
  payload: string;
  status: 'sent' | 'failed';
  error: string | null;
}

/** An admin action (token created/revoked/rotated, redirect, broadcast, settings, export...). */
export interface AuditEntry {
  ts: number;
  action: string;
  target: string | null;
  /** JSON text with the action's details, or null. */
  detail: string | null;
}

/** A whole-number setting in its range (limits.ts, which the UI's fields check against). */
const wholeSetting = (key: SettingsNumberKey) => z.number().int().min(SETTINGS_NUMBER_LIMITS[key].min).max(SETTINGS_NUMBER_LIMITS[key].max);

export const Settings = z.strictObject({
  tcpPort: wholeSetting('tcpPort'),
  udpPort: wholeSetting('udpPort'),
  tlsEnabled: z.boolean(),
  tlsPort: wholeSetting('tlsPort'),
  maxPayload: wholeSetting('maxPayload'),
  keepaliveSeconds: wholeSetting('keepaliveSeconds'),
  rateLimitPerSecond: wholeSetting('rateLimitPerSecond'),
  broadcastLimitPerSecond: wholeSetting('broadcastLimitPerSecond'),
  connectionsPerAddress: wholeSetting('connectionsPerAddress'),
  retentionDays: wholeSetting('retentionDays'),
  retentionMegabytes: wholeSetting('retentionMegabytes'),
  offlineGraceSeconds: wholeSetting('offlineGraceSeconds'),
  /** Offline alerts (a warning notice to every UI, a native notification on the desktop) for devices offline past the grace. */
  offlineAlerts: z.boolean(),
  theme: z.enum(['system', 'light', 'dark']),
});
export type Settings = z.infer<typeof Settings>;

/** What a new install starts with; stored values that fail the schema fall back to these. */
export const defaultSettings: Settings = {
  tcpPort: 8080,
  udpPort: 8080,
  tlsEnabled: false,
  tlsPort: 8443,
  maxPayload: 16384,
  keepaliveSeconds: 10,
  rateLimitPerSecond: 1000,
  broadcastLimitPerSecond: 10,
  connectionsPerAddress: 64,
  retentionDays: 7,
  retentionMegabytes: 512,
  // a device back within this time (a WiFi blip, a reboot) raises no offline alert
  offlineGraceSeconds: 30,
  offlineAlerts: true,
  theme: 'system',
};

export const TrafficFilter = z.strictObject({
  /** Filter expression: device:<id> from:<id> to:<id> cmd:<name|code> dir:in|out status:<code> field.path=value, free text. */
  query: z.string().max(500).default(''),
});
export type TrafficFilter = z.infer<typeof TrafficFilter>;

export const MetricsRange = z.enum(['5m', '1h', '24h', '30d']);
export type MetricsRange = z.infer<typeof MetricsRange>;

/** Every method: its params schema and its result type. */
export const methods = {
  'hello': z.strictObject({}),
  'devices.list': z.strictObject({}),
  'devices.get': z.strictObject({ id: DeviceId }),
  /** deleteHistory: also delete its stored traffic and telemetry (else they stay until retention). */
  'devices.forget': z.strictObject({ id: DeviceId, deleteHistory: z.boolean().optional() }),
  /** An empty label removes it. Control characters are refused; 64 characters at most. */
  'devices.label': z.strictObject({ id: DeviceId, label: z.string().max(64).regex(/^[^\p{Cc}]*$/u, 'no control characters') }),
  'traffic.page': z.strictObject({ query: z.string().max(500).default(''), beforeSeq: z.number().int().optional(), limit: z.number().int().min(1).max(1000).default(200) }),
  'traffic.conversations': z.strictObject({ limit: z.number().int().min(1).max(500).default(100) }),
  'metrics.series': z.strictObject({ device: DeviceId.optional(), range: MetricsRange }),
  /** Stored numeric telemetry; without channel, every channel of the device that has some. */
  'telemetry.series': z.strictObject({ device: DeviceId, channel: z.string().min(1).max(32).optional(), range: MetricsRange }),
  /** The host's last 2 minutes of raw numeric readings of a device (what a live chart starts from). */
  'telemetry.recent': z.strictObject({ device: DeviceId }),
  'metrics.topTalkers': z.strictObject({ limit: z.number().int().min(1).max(100).default(10) }),
  'messages.send': z.strictObject({ to: DeviceId, payload: JsonObject }),
  'messages.broadcast': z.strictObject({ payload: JsonObject }),
  'controls.set': z.strictObject({ device: DeviceId, control: z.string().min(1).max(32), value: JsonValue.optional(), toggle: z.boolean().optional() }),
  'tokens.list': z.strictObject({}),
  'tokens.create': z.strictObject({ id: DeviceId.refine((id) => !RESERVED_DEVICE_IDS.includes(id), RESERVED_DEVICE_ID_RULE) }),
  'tokens.revoke': z.strictObject({ id: DeviceId }),
  'tokens.rotate': z.strictObject({ id: DeviceId }),
  'tokens.delete': z.strictObject({ id: DeviceId }),
  // host goes to devices as is: a DNS name, an IPv4 or an IPv6 literal, nothing else
  'broker.redirect': z.strictObject({ device: z.union([DeviceId, z.literal('*')]), host: z.string().min(1).max(253).regex(/^[A-Za-z0-9.:-]+$/, 'a host name or IP address'), port: z.number().int().min(1).max(65535) }),
  'settings.get': z.strictObject({}),
  'settings.save': z.strictObject({ settings: Settings.partial() }),
  'saved.list': z.strictObject({ device: DeviceId.optional() }),
  'saved.save': z.strictObject({ id: z.string().min(1).max(64).optional(), name: z.string().min(1).max(64), scope: z.string().max(80).nullable(), template: z.string().min(2).max(16384) }),
  'saved.delete': z.strictObject({ id: z.string().min(1).max(64) }),
  'saved.run': z.strictObject({ id: z.string().min(1).max(64), to: DeviceId }),
  'history.list': z.strictObject({ limit: z.number().int().min(1).max(500).default(100) }),
  'audit.list': z.strictObject({ limit: z.number().int().min(1).max(500).default(100) }),
  'export.traffic': z.strictObject({ query: z.string().max(500).default(''), format: z.enum(['csv', 'jsonl']) }),
  'export.metrics': z.strictObject({ device: DeviceId.optional(), range: MetricsRange }),
  'storage.stats': z.strictObject({}),
  'storage.backup': z.strictObject({}),
  /** The UDP endpoint's dropped datagrams by reason, the `limit` addresses that sent the most lately, and the drops per second of the last 15 minutes. */
  'udp.drops': z.strictObject({ limit: z.number().int().min(1).max(64).default(10) }),
} as const;

export type MethodName = keyof typeof methods;
export type Params<M extends MethodName> = z.input<(typeof methods)[M]>;
export type ParsedParams<M extends MethodName> = z.output<(typeof methods)[M]>;

/** The database as the Settings view shows it. */
export interface StorageStats {
  /** The SQLite file (':memory:' in tests) and its size and its write-ahead log's, in bytes. */
  path: string;
  fileBytes: number;
  walBytes: number;
  traffic: {
    rows: number;
    /** Bytes of stored traffic as retention counts them, against capBytes. */
    bytes: number;
    oldestTs: number | null;
    capBytes: number;
    maxAgeDays: number;
    /** Rows waiting to be written, and rows lost before the log since this start (queue full). */
    queued: number;
    dropped: number;
  };
  /**
   * Stored telemetry (telemetry.series): minute rows, the oldest, the limits, and readings not kept
   * since this start (a minute's device or channel cap, or a full write queue).
   */
  telemetry: { rows: number; oldestTs: number | null; maxAgeDays: number; maxRows: number; skipped: number };
  /** Write rounds since this start, the slowest, and how many took longer than slowMs. */
  writes: { rounds: number; slowestMs: number; slowRounds: number; slowMs: number };
  /**
   * How traffic rows are written: by a background thread (the app's choice) or on the main thread
   * (tests and tools, or after the thread failed: `failure` says why). `written`: rows the thread
   * wrote since this start (kept after a failure); `inFlight`: rows handed to it and not yet written.
   */
  writer: { mode: 'thread' | 'main'; failure: string | null; written: number; inFlight: number };
}

/**
 * What the UDP endpoint dropped since the host started, before or outside a session (docs/PROTOCOL.md
 * 9.7): datagrams nobody can be answered for, so this is the only trace of them.
 */
export interface UdpEndpointDrops {
  /** Not a datagram of this protocol (too short or long, wrong version, reserved bits). */
  header: number;
  /** Names no session (expired, from an earlier run, or made up). */
  unknownSession: number;
  /** A HELLO the session cannot take (its device nonce or key phase is wrong), or data before a HELLO. */
  helloRejected: number;
  /** HELLOs over the per-session rate (each costs a key derivation). */
  helloThrottled: number;
  /** Failed authentication: wrong token, or corrupted on the way. */
  authFailed: number;
  replayed: number;
  /** Authenticated, but its frames do not parse. */
  malformed: number;
  /** A message that is no valid envelope (or arrived before the broker's router was attached). */
  badEnvelope: number;
  /** Not drops: a session's address moved (roaming). */
  migrations: number;
  /** Datagrams the broker did not send to an address not yet proven (at most 3x what it received from it). */
  amplificationLimited: number;
  /** Messages still queued or unacknowledged when their session closed. */
  unfinishedAtClose: number;
}

/** All UDP endpoint drop counters at zero (a new endpoint; a host without UDP). */
export function noUdpDrops(): UdpEndpointDrops {
  return { header: 0, unknownSession: 0, helloRejected: 0, helloThrottled: 0, authFailed: 0, replayed: 0, malformed: 0, badEnvelope: 0, migrations: 0, amplificationLimited: 0, unfinishedAtClose: 0 };
}

/** The drops a source address is blamed for (the others are the broker's own). */
export type UdpSourceDropReason = 'header' | 'unknownSession' | 'helloRejected' | 'helloThrottled' | 'authFailed' | 'replayed' | 'malformed' | 'badEnvelope';

export interface UdpDropSource {
  /** IP address (without port: one sender may use many). */
  address: string;
  /** Its dropped datagrams since the host started tracking it. */
  count: number;
  lastReason: UdpSourceDropReason;
  /** ms since epoch of its last dropped datagram. */
  lastTs: number;
}

/** Every drop counter of the endpoint; migrations are moves, not drops. */
export type UdpDropReason = Exclude<keyof UdpEndpointDrops, 'migrations'>;

/** How the host samples the drop counters for udp.drops' rate: every 5 s, the last 15 minutes kept (180 steps). */
export const UDP_DROP_RATE = { stepMs: 5_000, windowMs: 15 * 60_000 } as const;

/** Datagrams dropped per second by reason over the step that ended at `ts` (ms since epoch); reasons at 0 are left out. */
export interface UdpDropRatePoint {
  ts: number;
  perSecond: Partial<Record<UdpDropReason, number>>;
}

/** Whether drops happen now: one point per step since the host started, at most windowMs back, oldest first (in memory only). */
export interface UdpDropRate {
  stepMs: number;
  windowMs: number;
  points: UdpDropRatePoint[];
}

/** udp.drops: all zeros and no sources when the host runs no UDP endpoint (enabled false). */
export interface UdpDropStats {
  enabled: boolean;
  port: number | null;
  drops: UdpEndpointDrops;
  /** Most dropped datagrams first; only addresses with a drop within forgetMs. */
  sources: UdpDropSource[];
  /** The host tracks at most `capacity` addresses; `evicted` made room for others (counts then are partial). */
  tracked: number;
  capacity: number;
  evicted: number;
  forgetMs: number;
  /** Drops per second lately (no points without UDP). */
  rate: UdpDropRate;
}

export interface HelloResult {
  version: string;
  mode: 'desktop' | 'headless';
  tcpPort: number;
  udpPort: number | null;
  tlsPort: number | null;
  /** How plain TCP routes device-to-device messages: 'native' (Linux, the epoll thread) or 'js'; the note says why not native. */
  dataPath: 'native' | 'js';
  dataPathNote: string;
}

export interface Results {
  'hello': HelloResult;
  'devices.list': DeviceSummary[];
  'devices.get': DeviceSummary & { recentTraffic: TrafficRow[] };
  /** The device leaves the list; its token is revoked first (closing a live session) so it cannot come back unnoticed. */
  'devices.forget': { tokenRevoked: boolean; closedSession: boolean; deleted?: DeletedHistory };
  'devices.label': DeviceSummary;
  /**
   * Newest first. A filtered search looks back a bounded number of rows; when it stopped before the
   * oldest row, scanLimitedAt is where: call again with beforeSeq = scanLimitedAt to search further.
   * scanFrom: the search covered seqs below this (beforeSeq, or the newest + 1), so a client can say
   * how many messages it has searched.
   */
  'traffic.page': { rows: TrafficRow[]; counters: TrafficCounters; scanLimitedAt?: number; scanFrom?: number };
  /**
   * Who talks to whom since the host started, most messages first. The host keeps at most maxPairs
   * pairs (the least recently seen make room); evicted counts those, so totals may be partial.
   */
  'traffic.conversations': { rows: ConversationStats[]; pairs: number; maxPairs: number; evicted: number };
  'metrics.series': MetricsPoint[];
  /**
   * Per channel: 5m and 1h in 1-minute steps, 24h in 5-minute steps, 30d in 1-hour steps; the
   * current, unfinished minute is included. An unknown device is not_found (like devices.get).
   */
  'telemetry.series': TelemetrySeries[];
  /**
   * Per channel that has numeric readings since the host started (the device's first
   * LIVE_TELEMETRY.channels): the last 120 at most, one a second at most, oldest first (in memory only). An unknown device is not_found.
   */
  'telemetry.recent': RecentTelemetrySeries[];
  'metrics.topTalkers': { device: string; msgsPerSecond: number; bytesPerSecond: number }[];
  'messages.send': { msgId: number };
  'messages.broadcast': { recipients: number };
  'controls.set': { req: string };
  'tokens.list': TokenInfo[];
  'tokens.create': { id: string; token: string };
  'tokens.revoke': { closedSession: boolean };
  'tokens.rotate': { id: string; token: string };
  /** Only a revoked token can be deleted (conflict otherwise): its row leaves the list. */
  'tokens.delete': { deleted: boolean };
  /** skippedTooLarge: v2 devices left connected because the REDIRECT exceeds their receive limit (absent when none). */
  'broker.redirect': { redirected: number; skippedTooLarge?: number };
  'settings.get': Settings;
  'settings.save': Settings;
  'saved.list': SavedCommand[];
  'saved.save': SavedCommand;
  'saved.delete': { deleted: boolean };
  'saved.run': { msgId: number; payload: string };
  'history.list': CommandHistoryEntry[];
  'audit.list': AuditEntry[];
  /** truncated: older matching rows were left out by the row cap (200,000) or the size cap (64 MiB of text): the newest are kept; narrow the query for the rest. */
  'export.traffic': { filename: string; mime: string; content: string; rows: number; truncated?: boolean };
  'export.metrics': { filename: string; mime: string; content: string; rows: number };
  'storage.stats': StorageStats;
  /** A consistent copy of the database in backups/ beside it; the newest 5 are kept (removed = older ones deleted). */
  'storage.backup': { path: string; bytes: number; removed: number };
  'udp.drops': UdpDropStats;
}

export const methodNames = Object.keys(methods) as MethodName[];

export type ApiErrorCode = 'invalid_params' | 'unknown_method' | 'not_found' | 'conflict' | 'unavailable' | 'internal';
export interface ApiError {
  code: ApiErrorCode;
  message: string;
}

/** One batch of coalesced events, at most 10 per second. */
export interface EventBatch {
  seq: number;
  ts: number;
  /** Devices that changed since the last batch (full summaries). */
  devices?: DeviceSummary[];
  /** Devices that were forgotten (devices.forget) since the last batch. */
  removedDevices?: string[];
  /** Newest traffic rows since the last batch, capped; `trafficSkipped` counts what was left out. */
  traffic?: TrafficRow[];
  trafficSkipped?: number;
  counters?: TrafficCounters;
  /** The broker-wide metrics of the last second. */
  metrics?: MetricsPoint;
  /** Per-device messages/s of the last second, for top talkers. */
  deviceRates?: Record<string, number>;
  /**
   * Result of a control command: confirmed when the device reported the state (value = the control's
   * new value); failed with error 'timeout' (no report in time) or the device's own {"error": ...}.
   */
  controlResults?: { device: string; control: string; req: string; outcome: 'confirmed' | 'failed'; value?: unknown; error?: string }[];
  notices?: HostNotice[];
}

/** A message from the host for every UI (a toast). */
export interface HostNotice {
  level: 'info' | 'warn' | 'error';
  text: string;
  /** The device it is about: the UI links to its page. */
  device?: string;
  /** An offline alert (the hub's, past offlineGraceSeconds): a browser may also show it as a system notification. */
  alert?: 'offline';
}

/** Client side of any binding: what the renderer's store talks to. */
export interface ApiClient {
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Results[M]>;
  /** Subscribe to event batches; returns an unsubscribe function. */
  onEvents(listener: (batch: EventBatch) => void): () => void;
  /** Tells the pump the UI has drawn batch `seq` and can take the next one. */
  ackEvents(seq: number): void;
  /** Connection state of the UI to its host. */
  onStatus(listener: (status: 'connecting' | 'open' | 'closed', detail?: string) => void): () => void;
  /** Try to reach the host now instead of waiting out the reconnect backoff (clients that reconnect). */
  reconnect?(): void;
}

/** WebSocket wire messages (headless binding). */
export type WsClientMessage = { type: 'call'; id: number; method: MethodName; params: unknown } | { type: 'ack'; seq: number };
/**
 * `ready` is the host's first message on every socket it serves (sent once it has checked the token
 * and has a slot for it): a page counts itself connected on it, never on the socket's open, because
 * a socket the host refuses (4401, 1013) opens too before its close. Hosts before it sent none.
 */
export type WsServerMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: ApiError }
  | { type: 'events'; batch: EventBatch };
