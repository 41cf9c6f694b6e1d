import type { EventBatch, HostNotice, MetricsPoint, StorageStats, TrafficCounters, TrafficRow, UdpDropStats } from '../../shared/api/contract';
import { Status } from '../../shared/protocol/constants';
import type { BrokerFrameEvent, BrokerPort, BrokerSession } from './broker-port';
import { Checkpointer } from './checkpointer';
import { ControlTracker, type ControlResult } from './controls';
import { Conversations, MAX_CONVERSATIONS } from './conversations';
import { gatedWrite, type Db } from './db';
import { DatabaseLockedError, lockedElsewhereSince } from './db-lock';
import { deleteDeviceHistory, type DeletedHistory } from './device-history';
import { Flusher, ROUND_BUDGET_MS } from './flusher';
import { freePagesStep } from './free-pages';
import { Metrics, TOTAL } from './metrics';
import { alertText, OfflineNotifier, type OfflineAlert } from './offline-alerts';
import { isPlainObject, parseObject, payloadText } from './payload-text';
import { RecentTelemetry } from './recent-telemetry';
import { MAX_TELEMETRY_KEYS, Registry } from './registry';
import { StepSizer } from './step-sizer';
import { CommandStore } from './saved-commands';
import type { SettingsStore } from './settings';
import { storageStats } from './storage';
import { TelemetryHistory } from './telemetry-history';
import type { SqliteTokenStore } from './token-store';
import { TrafficLog, cutRow } from './traffic-log';
import { UdpDropRateSampler } from './udp-drop-rate';
import { type UdpDropPort, udpDropStats } from './udp-drops';

export interface HubOptions {
  db: Db;
  broker: BrokerPort;
  tokens: SqliteTokenStore;
  settings: SettingsStore;
  flushMs?: number;
  /** A write round's time budget (ms, Flusher's ROUND_BUDGET_MS unless given). */
  flushBudgetMs?: number;
  /** Traffic rows written by a worker thread (TrafficLogOptions.writeInWorker): the host's choice. */
  writeTrafficInWorker?: boolean;
  /** How long that thread may hold rows without finishing a batch before it counts as hung (TrafficLogOptions.writerAnswerMs). */
  trafficWriterAnswerMs?: number;
  controlTimeoutMs?: number;
  /** How often retention runs (ms). */
  retentionEveryMs?: number;
  /** Rows one timed retention step deletes at most (fewer when that takes longer than a write round's budget); the rest continues on the next turns. */
  retentionChunkRows?: number;
  /** Traffic rows one flush round writes at most (and the queue length that asks for a round). */
  flushChunkRows?: number;
  /** Traffic rows a pump batch may carry; older new rows are counted as skipped. */
  batchTraffic?: number;
  maxQueue?: number;
  /** Rows a filtered traffic.page looks back at most per call (default 500,000). */
  trafficScanRows?: number;
  /** How often WAL checkpoints run in their worker thread (ms); 0 leaves them in SQLite's commits. */
  checkpointEveryMs?: number;
  /** The UDP transport, for per-device loss and retransmit metrics and the endpoint's drops (udp.drops). */
  udp?: ({ sessions(): { deviceId: string; counters: UdpSessionCounters | null }[] } & Partial<UdpDropPort>) | null;
  /** (from, to) pairs traffic.conversations keeps at most. */
  maxConversations?: number;
}

/** What changed since the pump last asked. */
export interface HubDelta {
  devices: string[];
  removedDevices: string[];
  traffic: TrafficRow[];
  trafficSkipped: number;
  counters: TrafficCounters;
  metrics: MetricsPoint | null;
  deviceRates: Record<string, number> | null;
  controlResults: ControlResult[];
  notices: NonNullable<EventBatch['notices']>;
}

/** What the hub reads of a UDP session's cumulative counters (electron/udp/counters.ts). */
interface UdpSessionCounters {
  lostPackets: number;
  retransmits: number;
  spuriousRetransmits: number;
}
/** Each counter's per-second delta goes to this metrics field. */
const UDP_FIELDS = [
  ['lostPackets', 'udpLoss'],
  ['retransmits', 'udpRetransmits'],
  ['spuriousRetransmits', 'udpSpurious'],
] as const;

const BATCH_PAYLOAD_CHARS = 1024;
/**
 * Sessions closed for these reasons raise no offline alert: the broker's pause or shutdown, a replaced
 * session (its device is online), and what the user just did to the device (revoked its token, sent
 * it to another broker).
 */
const QUIET_REASONS = new Set(['shutdown', 'paused', 'replaced', 'revoked', 'redirected']);
const MAX_NOTICES = 20;
/**
 * Chunk sizes that keep each SQLite step short on a busy 2-core machine (flush-probe.ts: about
 * 2 us per row inserted or deleted, more under disk contention), so the broker sharing the loop
 * never waits long for one; a flush round also stops at its time budget (Flusher's ROUND_BUDGET_MS).
 */
export const FLUSH_CHUNK_ROWS = 2_000;
export const RETENTION_CHUNK_ROWS = 2_000;
/** How long another program must hold the database's write lock before the UIs are told (a short write of its own is not news). */
const LOCK_NOTICE_MS = 1_000;

/** The main side's state: registry, traffic, metrics, commands, fed by broker events. */
export class Hub {
  readonly registry: Registry;
  readonly log: TrafficLog;
  readonly metrics: Metrics;
  readonly conversations: Conversations;
  readonly telemetry: TelemetryHistory;
  /** The last 2 minutes of raw readings per device and channel, in memory (telemetry.recent). */
  readonly recent = new RecentTelemetry();
  readonly controls: ControlTracker;
  /**
   * Called when something a user is waiting for is ready (a relay toggle confirmed or failed), so
   * the API sends it now instead of at its next batch (core.ts: EventPump.soon).
   */
  onUrgent: (() => void) | null = null;
  readonly commands: CommandStore;
  /** Devices offline past the grace period (offline-alerts.ts): a warning notice each, and onOfflineAlert's listeners. */
  readonly offlineAlerts: OfflineNotifier;
  private readonly alertListeners = new Set<(alert: OfflineAlert) => void>();
  readonly flusher: Flusher;
  readonly checkpointer: Checkpointer;
  private seq: number;
  private fresh: TrafficRow[] = [];
  private freshSkipped = 0;
  private notices: HubDelta['notices'] = [];
  private removed: string[] = [];
  private lastMetricsTs = 0;
  private lastShownSeq = 0;
  private readonly lastDrops = new Map<string, number>();
  private retentionSoon: NodeJS.Immediate | null = null;
  /** The last retention round's error, said once until a round works again. */
  private retentionFailure: string | null = null;
  /** Timed retention steps, sized to a write round's budget per table (a DELETE cannot stop halfway). */
  private readonly retentionSteps: { traffic: StepSizer; telemetry: StepSizer };
  private readonly lastUdp = new Map<string, UdpSessionCounters>();
  /** The endpoint's drops per second over the last 15 minutes (udp.drops' rate). */
  private readonly udpDropRate = new UdpDropRateSampler();
  private timer: NodeJS.Timeout | null = null;
  private lastRetention = 0;
  private readonly detach: (() => void)[] = [];
  private readonly batchTraffic: number;
  private closed = false;
  private writerFailureSaid = false;
  /** Writes failing (a full disk, an I/O error), once said: the error, since when, and what had been dropped then. */
  private writeFailureSaid: { text: string; since: number; dropped: number } | null = null;
  /** The lock another program holds on the database, once said: since when, and what had been dropped then. */
  private lockSaid: { since: number; dropped: number; lostEntries: number } | null = null;

  constructor(private readonly o: HubOptions) {
    this.flusher = new Flusher(o.db, o.flushMs ?? 250, o.flushBudgetMs, (round) => gatedWrite(o.db, round), () => this.log.holdWriter());
    const stepRows = o.retentionChunkRows ?? RETENTION_CHUNK_ROWS;
    const stepSizer = () => new StepSizer(o.flushBudgetMs ?? ROUND_BUDGET_MS, Math.min(64, stepRows), stepRows);
    this.retentionSteps = { traffic: stepSizer(), telemetry: stepSizer() };
    this.checkpointer = new Checkpointer(o.db, { everyMs: o.checkpointEveryMs });
    this.metrics = new Metrics(o.db);
    this.conversations = new Conversations(o.maxConversations ?? MAX_CONVERSATIONS);
    this.telemetry = new TelemetryHistory(o.db, { chunkRows: o.flushChunkRows ?? FLUSH_CHUNK_ROWS });
    this.registry = new Registry(o.db, { tokenStatus: (id) => o.tokens.status(id), rateIn: (id) => this.metrics.rateIn(id), controlResponse: (id) => this.controls.stats(id), telemetryRefused: (id, channel) => this.sayTelemetryFull(id, channel) });
    this.log = new TrafficLog(o.db, { maxQueue: o.maxQueue ?? 100_000, batchRows: o.flushChunkRows ?? FLUSH_CHUNK_ROWS, scanRows: o.trafficScanRows, writeInWorker: o.writeTrafficInWorker, writerAnswerMs: o.trafficWriterAnswerMs, onBatchFull: () => this.flusher.requestSoon() });
    this.controls = new ControlTracker(o.controlTimeoutMs ?? 5000, () => this.onUrgent?.());
    this.commands = new CommandStore(o.db);
    this.offlineAlerts = new OfflineNotifier({
      graceMs: () => o.settings.get().offlineGraceSeconds * 1000,
      enabled: () => o.settings.get().offlineAlerts,
      label: (id) => this.registry.get(id)?.label ?? null,
      stillOffline: (id) => this.registry.get(id)?.online === false,
      alert: (alert) => this.raiseOfflineAlert(alert),
    });
    this.seq = this.log.lastSeq();
    // rows of earlier runs that a page loads were not shown in this run: the counters are this run's
    this.lastShownSeq = this.seq;
    this.batchTraffic = o.batchTraffic ?? 200;
    this.flusher.add('traffic', (deadline) => this.log.flush(undefined, deadline), (committed) => this.log.settle(committed), () => this.log.drain());
    // Each task is told how its round ended: what a rolled-back round took goes back to be written next round.
    this.flusher.add('registry', (deadline) => this.registry.flush(deadline), (committed) => this.registry.settle(committed));
    this.flusher.add('metrics', () => this.metrics.flush(), (committed) => this.metrics.settle(committed));
    this.flusher.add('telemetry', () => this.telemetry.flush(), (committed) => this.telemetry.settle(committed));
    this.flusher.add('tokens', () => o.tokens.flushUsage(), (committed) => o.tokens.settleUsage(committed));
    // command history and audit entries kept while another program held the database's lock
    this.flusher.add('commands', () => this.commands.flushWaiting(), (committed) => this.commands.settleWaiting(committed));
  }

  start(): void {
    const b = this.o.broker;
    const on = <A extends unknown[]>(event: string, fn: (...args: A) => void) => {
      const h = fn as (...args: unknown[]) => void;
      b.on(event, h);
      this.detach.push(() => b.off(event, h));
    };
    on('frame', (ev: BrokerFrameEvent) => this.onFrame(ev));
    on('session:open', (s: BrokerSession) => {
      this.registry.sessionOpened(s);
      this.offlineAlerts.online(s.id);
    });
    on('session:close', (s: BrokerSession, reason: string, detail?: string) => {
      this.registry.sessionClosed(s, reason, detail);
      // a pause or a shutdown closes every session on purpose: those are not devices going offline;
      // a device with another live session (a 'replaced' one) is not offline either
      if (!QUIET_REASONS.has(reason) && this.registry.get(s.id)?.online === false) this.offlineAlerts.offline(s.id, reason);
      if (reason === 'paused' || reason === 'shutdown') this.brokerStopped();
    });
    on('server:message', (ev: { from: string; payload: Uint8Array }) => this.onServerMessage(ev.from, ev.payload));
    on('login:failed', (ev: { address: string; reason: string }) => this.notice('warn', `login failed from ${ev.address}: ${ev.reason}`));
    for (const s of b.sessions()) this.registry.sessionOpened(s);
    this.flusher.start();
    if (this.o.checkpointEveryMs !== 0) this.checkpointer.start();
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  /** Hot path: one frame in or out of a session. */
  onFrame(ev: BrokerFrameEvent): void {
    const text = payloadText(ev.payload);
    // 'in' frames carry the status the broker acked with: anything but SUCCESS is a refusal.
    const isError = ev.status !== null && ev.status !== Status.SUCCESS;
    const row: TrafficRow = {
      seq: ++this.seq, ts: ev.ts, dir: ev.dir, device: ev.device, from: ev.from, to: ev.to, cmd: ev.cmd,
      msgId: ev.msgId, size: ev.size, status: ev.status, payload: text, cut: false,
    };
    this.log.append(row);
    // Nothing here keeps a row past the next UI batch: rows held longer (a 5,000-row ring for the
    // device page did) survive scavenges, are copied and promoted, and the pauses that costs held
    // every device message (docs/BENCHMARKS.md). A device page reads its recent rows from the log.
    this.fresh.push(cutRow(row, 4096));
    if (this.fresh.length > this.batchTraffic * 2) {
      this.freshSkipped += this.fresh.length - this.batchTraffic;
      this.fresh = this.fresh.slice(-this.batchTraffic);
    }
    this.metrics.count(ev.device, ev.dir, ev.size, isError, ev.ts);
    this.registry.frame(ev.device, ev.dir, ev.size, isError, ev.ts);
    this.conversations.frame(ev, isError);
  }

  /** A payload a device sent to "server": state reports and telemetry (PROTOCOL.md section 8). */
  onServerMessage(device: string, bytes: Uint8Array): void {
    const msg = parseObject(bytes);
    if (!msg) return;
    const state = isPlainObject(msg.state) ? msg.state : null;
    if (state) this.registry.reportState(device, state);
    if (msg.req !== undefined) this.controls.report(device, msg.req, state, msg.error);
    if (isPlainObject(msg.telemetry)) {
      // History only for the channels the registry kept, so its channel bound holds here too.
      const now = Date.now();
      for (const channel of this.registry.reportTelemetry(device, msg.telemetry)) {
        const v = msg.telemetry[channel];
        if (typeof v === 'number') {
          this.telemetry.record(device, channel, v, now);
          this.recent.record(device, channel, v, now);
        }
      }
    }
  }

  notice(level: 'info' | 'warn' | 'error', text: string, about?: Pick<HostNotice, 'device' | 'alert'>): void {
    this.notices.push({ level, text: text.slice(0, 300), ...about });
    if (this.notices.length > MAX_NOTICES) this.notices.shift();
  }

  /**
   * The broker was paused or is shutting down (core.ts says so even with no session open): alerts
   * still pending for devices that dropped before are cancelled, the user stopped everything.
   */
  brokerStopped(): void {
    this.offlineAlerts.cancelAll();
  }

  /** Listens to offline alerts (the desktop shell's native notifications); returns the unsubscribe. */
  onOfflineAlert(listener: (alert: OfflineAlert) => void): () => void {
    this.alertListeners.add(listener);
    return () => this.alertListeners.delete(listener);
  }

  private raiseOfflineAlert(alert: OfflineAlert): void {
    this.notice('warn', alertText(alert).line, alert.kind === 'device' ? { device: alert.id, alert: 'offline' } : { alert: 'offline' });
    for (const l of this.alertListeners) {
      try {
        l(alert);
      } catch (err) {
        console.error('[hub] offline alert listener failed:', err);
      }
    }
  }

  /** Counts rows that reached a UI, once each even with several subscribers. */
  markShown(rows: TrafficRow[]): void {
    for (const r of rows) {
      if (r.seq > this.lastShownSeq) {
        this.log.counters.shown++;
        this.lastShownSeq = r.seq;
      }
    }
  }

  nextSeq(): number {
    return this.seq;
  }

  /** Once a second: close metrics seconds, sample session gauges, expire controls, retention. */
  tick(now = Date.now()): void {
    if (this.log.writerFailure !== null && !this.writerFailureSaid) {
      this.writerFailureSaid = true;
      const lost = this.log.writerLost > 0 ? `; the ${this.log.writerLost} rows it held and had not written are lost (counted as dropped)` : '';
      this.notice('warn', `traffic log: ${this.log.writerFailure}; rows are written on the main thread instead, which slows devices under heavy traffic${lost}`);
    }
    this.sayDatabaseLock();
    this.sayWriteFailure();
    let queued = 0;
    let rttSum = 0;
    let rttN = 0;
    const live = new Set<string>();
    for (const s of this.o.broker.sessions()) {
      live.add(s.id);
      this.registry.sessionStats(s.id, s.rttMs ?? null, s.counters?.drops ?? null);
      if (typeof s.rttMs === 'number') {
        this.metrics.record(s.id, 'rttMs', s.rttMs, now);
        rttSum += s.rttMs;
        rttN++;
      }
      const drops = s.counters?.drops ?? 0;
      const dropDelta = drops - (this.lastDrops.get(s.id) ?? drops);
      this.lastDrops.set(s.id, drops);
      if (dropDelta > 0) {
        this.metrics.record(s.id, 'drops', dropDelta, now);
        this.metrics.record(TOTAL, 'drops', dropDelta, now);
      }
      const depth = s.counters?.queueDepth ?? 0;
      queued += depth;
      this.metrics.record(s.id, 'queueDepth', depth, now);
    }
    this.metrics.record(TOTAL, 'queueDepth', queued, now);
    this.sampleUdp(now);
    // Forget the drop baselines of sessions that ended (only theirs: a live one keeps its baseline,
    // or its drops of that second would go uncounted)
    for (const id of this.lastDrops.keys()) if (!live.has(id)) this.lastDrops.delete(id);
    if (rttN > 0) this.metrics.record(TOTAL, 'rttMs', rttSum / rttN, now);
    this.metrics.tick(now);
    this.telemetry.tick(now);
    this.controls.expire(now);
    if (now - this.lastRetention >= (this.o.retentionEveryMs ?? 10_000)) {
      this.lastRetention = now;
      this.retentionRound(now);
    }
  }

  /**
   * A timed retention round. A database error (a full disk: a DELETE needs room in the WAL too, an
   * I/O error) is said once and the round tried again at the next: thrown from a timer it would end
   * the process, devices and all.
   */
  private retentionRound(now: number): void {
    if (this.lockedSince() !== null) return; // it could not delete: the lock's notice says why
    try {
      this.applyRetention(now, true);
      this.retentionFailure = null;
    } catch (err) {
      const text = `retention: ${err instanceof Error ? err.message : String(err)}`;
      if (text !== this.retentionFailure) this.notice('error', `${text} (old rows stay until it works; tried again every round)`);
      this.retentionFailure = text;
    }
  }

  /**
   * Since when (performance.now() ms) another program has held the database's write lock, as this
   * connection's writes (db-lock.ts) or the traffic writer thread found it; null when not.
   */
  lockedSince(): number | null {
    const main = lockedElsewhereSince(this.o.db);
    const thread = this.log.writerLockedSince();
    return main === null ? thread : thread === null ? main : Math.min(main, thread);
  }

  /** Tells the UIs once when another program has held the write lock for a while, and once when it let go. */
  private sayDatabaseLock(now = performance.now()): void {
    const since = this.lockedSince();
    if (since !== null && this.lockSaid === null && now - since >= LOCK_NOTICE_MS) {
      this.lockSaid = { since, dropped: this.log.counters.dropped, lostEntries: this.commands.lostToLock };
      const rows = (this.o.maxQueue ?? 100_000).toLocaleString('en-US');
      this.notice('warn', `database: locked by another program (a sqlite3 shell with an open transaction, a backup tool, another copy of the app on this data folder?): nothing is saved until it lets go; traffic waits in memory, up to ${rows} rows (newer ones are then dropped, counted)`);
    } else if (since === null && this.lockSaid !== null) {
      const seconds = Math.round((now - this.lockSaid.since) / 1000);
      const dropped = this.log.counters.dropped - this.lockSaid.dropped;
      const lostEntries = this.commands.lostToLock - this.lockSaid.lostEntries;
      this.lockSaid = null;
      const lost = [dropped > 0 ? `${dropped} traffic rows (counted as dropped)` : '', lostEntries > 0 ? `${lostEntries} command history and audit entries` : ''].filter(Boolean);
      this.notice(lost.length > 0 ? 'warn' : 'info', `database: the other program let go of its lock after ${seconds} s; what waited is being written${lost.length > 0 ? `, but for ${lost.join(' and ')}, dropped meanwhile at the memory bound` : ''}`);
    }
  }

  /**
   * The error that makes writes fail now, other than another program's lock (its own notice): the
   * write rounds' (device state, metrics, telemetry, audit, traffic without the writer thread) or
   * the traffic writer thread's; null when they go in.
   */
  private writeFailure(): { text: string; lost: string } | null {
    const round = this.flusher.failingSince !== null ? this.flusher.lastError : null;
    if (round && !(round instanceof DatabaseLockedError)) {
      return { text: round.message, lost: 'traffic is dropped (counted); device state, metrics, telemetry and audit entries wait in memory and are lost if the app stops first' };
    }
    const thread = this.log.writerWriteError();
    return thread === null ? null : { text: thread, lost: 'traffic is dropped (counted)' };
  }

  /**
   * Tells the UIs once when writes start failing (a full or read-only disk loses data: without this
   * only the dropped count rises), again if the error changes, and once when they work again.
   */
  private sayWriteFailure(): void {
    const failure = this.writeFailure();
    const said = this.writeFailureSaid;
    if (failure !== null && failure.text !== said?.text) {
      this.writeFailureSaid = { text: failure.text, since: said?.since ?? Date.now(), dropped: said?.dropped ?? this.log.counters.dropped };
      this.notice('error', `database: saving fails (${failure.text}): ${failure.lost}. Free disk space or lower retention, and check the disk is writable`);
    } else if (failure === null && said !== null) {
      this.writeFailureSaid = null;
      const seconds = Math.round((Date.now() - said.since) / 1000);
      const dropped = this.log.counters.dropped - said.dropped;
      this.notice('info', `database: saving works again after ${seconds} s (it failed with: ${said.text})${dropped > 0 ? `; ${dropped} traffic rows were dropped meanwhile` : ''}`);
    }
  }

  /** A device's telemetry channels are full (its firmware sends ever new names?): its new channels go unrecorded. */
  private sayTelemetryFull(device: string, channel: string): void {
    this.notice('warn', `telemetry: ${device} has sent ${MAX_TELEMETRY_KEYS} channel names; new ones (such as "${channel.slice(0, 32)}") are not recorded. If its firmware sends changing names, fix it, then forget the device to clear its channels`, { device });
  }

  /** UDP loss, retransmits and late acks per second, from the transport's cumulative per-session counters; the endpoint's drop rate. */
  private sampleUdp(now: number): void {
    const live = new Set<string>();
    for (const u of this.o.udp?.sessions() ?? []) {
      if (!u.counters) continue;
      live.add(u.deviceId);
      const prev = this.lastUdp.get(u.deviceId) ?? u.counters;
      for (const [counter, field] of UDP_FIELDS) {
        const delta = Math.max(0, u.counters[counter] - prev[counter]);
        if (delta) for (const key of [u.deviceId, TOTAL]) this.metrics.record(key, field, delta, now);
      }
      const { lostPackets, retransmits, spuriousRetransmits } = u.counters;
      this.lastUdp.set(u.deviceId, { lostPackets, retransmits, spuriousRetransmits });
    }
    for (const id of this.lastUdp.keys()) if (!live.has(id)) this.lastUdp.delete(id);
    const drops = this.o.udp?.drops;
    if (drops) this.udpDropRate.sample(drops, now);
  }

  /**
   * Removes a device from the registry, its conversations, control response times and recent
   * readings (its stored traffic and telemetry stay, see deleteHistory) and tells the UIs.
   */
  forgetDevice(id: string): boolean {
    if (!this.registry.forget(id)) return false;
    this.offlineAlerts.online(id); // a forgotten device raises no alert
    this.recent.forget(id);
    this.conversations.forget(id);
    this.controls.forget(id);
    this.removed.push(id);
    return true;
  }

  /** Deletes a device's traffic, telemetry and metrics in retention-sized steps (device-history.ts). */
  deleteHistory(id: string): Promise<DeletedHistory> {
    return deleteDeviceHistory(id, {
      log: this.log,
      telemetry: this.telemetry,
      metrics: this.metrics,
      upToSeq: this.seq,
      upToTs: Date.now(),
      chunkRows: this.o.retentionChunkRows ?? RETENTION_CHUNK_ROWS,
      isOpen: () => !this.closed && this.o.db.open,
    });
  }

  /** The SQLite connection the hub writes through (backups read from it). */
  get db(): Db {
    return this.o.db;
  }

  /** The UDP endpoint's dropped datagrams by reason and its top `limit` source addresses (enabled false without UDP). */
  udpDrops(limit: number, now = Date.now()): UdpDropStats {
    const u = this.o.udp;
    return udpDropStats(u?.dropReport && u.port !== undefined && u.drops ? (u as UdpDropPort) : null, limit, (at) => this.udpDropRate.rate(at), now);
  }

  /** The database's files, the traffic log against its caps, and how the writes keep up. */
  storage(): StorageStats {
    const s = this.o.settings.get();
    return storageStats(this.o.db, this.log, this.flusher, { days: s.retentionDays, megabytes: s.retentionMegabytes }, this.telemetry);
  }

  /**
   * Retention by age and size. From the timer it deletes in steps of about ROUND_BUDGET_MS each (at
   * most RETENTION_CHUNK_ROWS rows), continuing on the next turns of the event loop; called directly
   * (tests, tools) it finishes the job at once.
   */
  applyRetention(now = Date.now(), chunked = false): number {
    const s = this.o.settings.get();
    if (!chunked) this.flusher.flushAll();
    const policy = { maxAgeMs: s.retentionDays * 86_400_000, maxBytes: s.retentionMegabytes * 1024 * 1024 };
    const timed = <T extends { deleted: number }>(sizer: StepSizer, step: (rows: number | undefined) => T): T => {
      if (!chunked) return step(undefined);
      const t0 = performance.now();
      const r = step(sizer.rows());
      sizer.record(r.deleted, performance.now() - t0);
      return r;
    };
    const traffic = timed(this.retentionSteps.traffic, (rows) => this.log.applyRetention(policy, now, rows));
    const telemetry = timed(this.retentionSteps.telemetry, (rows) => this.telemetry.applyRetention(now, rows));
    const deleted = traffic.deleted + telemetry.deleted;
    // deleted rows leave free pages in the file: give them back a step at a time, in the same rounds
    const more = traffic.more || telemetry.more || (chunked && freePagesStep(this.o.db).more);
    if (more && chunked && !this.retentionSoon) {
      this.retentionSoon = setImmediate(() => {
        this.retentionSoon = null;
        this.retentionRound(now);
      });
    }
    return deleted;
  }

  takeDelta(): HubDelta {
    const metricsFresh = this.metrics.lastTotal !== null && this.metrics.lastTotal.ts !== this.lastMetricsTs;
    if (metricsFresh) this.lastMetricsTs = this.metrics.lastTotal!.ts;
    // a control result changed its device's response times: the summary goes out with this batch
    const controlResults = this.controls.take();
    for (const id of this.controls.takeChanged()) this.registry.markUi(id);
    const delta: HubDelta = {
      devices: this.registry.takeDirtyForUi(),
      removedDevices: this.removed,
      traffic: this.fresh.slice(-this.batchTraffic).map((r) => cutRow(r, BATCH_PAYLOAD_CHARS)),
      trafficSkipped: this.freshSkipped + Math.max(0, this.fresh.length - this.batchTraffic),
      counters: this.log.countersNow(),
      metrics: metricsFresh ? this.metrics.lastTotal : null,
      deviceRates: metricsFresh ? this.metrics.lastDeviceRates : null,
      controlResults,
      notices: this.notices,
    };
    this.fresh = [];
    this.freshSkipped = 0;
    this.notices = [];
    this.removed = [];
    return delta;
  }

  /** Stops the hub; resolves once the traffic writer and the checkpoint worker have let go of the database. */
  async close(): Promise<void> {
    this.closed = true;
    for (const d of this.detach.splice(0)) d();
    this.offlineAlerts.dispose();
    if (this.timer) clearInterval(this.timer);
    if (this.retentionSoon) clearImmediate(this.retentionSoon);
    this.timer = null;
    this.retentionSoon = null;
    this.telemetry.closeCurrent();
    this.flusher.stop();
    await this.log.close();
    await this.checkpointer.close();
  }
}
