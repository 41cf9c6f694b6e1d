import type { ControlResponseStats, Counters, DeviceSummary, TokenStatus } from '../../shared/api/contract';
import { gatedWrite, type Db } from './db';
import type { BrokerSession } from './broker-port';

/** A reconnect within this window after a disconnect counts as a flap. */
export const FLAP_WINDOW_MS = 60_000;
/** Bounds on what a device can make us remember. */
export const MAX_TELEMETRY_KEYS = 64;
const MAX_STATE_KEYS = 64;
const MAX_VALUE_CHARS = 256;
/**
 * Counters, rate, lastSeen, RTT and telemetry values change with nearly every message; a device's
 * summary goes to the UI for those at most once per this interval (coalesced), so a busy device
 * does not put a full summary in every 100 ms batch. Presence, reason, address, transport,
 * firmware, controls, control state, flaps, token status and new telemetry channels go at once.
 */
export const UI_THROTTLE_MS = 1_000;
/**
 * Those throttled changes are also persisted at most this often (a crash loses at most this much):
 * writing every busy device's row in every flush round, 4 times a second, was most of a round's
 * time with 100 devices at 5 k msg/s, and the event loop the broker shares waits for a round.
 * Everything else is written in the next round.
 */
export const LAZY_DB_MS = 5_000;

/** What is persisted: rate, token status and control response times come from elsewhere when read. */
type Stored = Omit<DeviceSummary, 'rateIn' | 'tokenStatus' | 'controlResponse'>;

const zeroCounters = (): Counters => ({ msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0, errors: 0, drops: 0 });

export interface RegistryHooks {
  tokenStatus(id: string): TokenStatus;
  rateIn(id: string): number;
  /** The device's control response times (ControlTracker.stats); null when none. */
  controlResponse?(id: string): ControlResponseStats | null;
  /**
   * A device sent a new telemetry channel past MAX_TELEMETRY_KEYS: it is not recorded. Called once
   * per device (again only after it is forgotten), so the user can be told.
   */
  telemetryRefused?(id: string, channel: string): void;
}

/**
 * Every device ever seen (or given a token), persisted in SQLite. Presence follows broker
 * sessions: a device is online while it has at least one live session, so a `replaced` close
 * that arrives after the new session opened does not mark it offline.
 */
export class Registry {
  private readonly devices = new Map<string, Stored>();
  private readonly live = new Map<string, number>();
  /** Devices with a change the UI must see in the next batch. */
  private readonly dirtyUi = new Set<string>();
  /** Devices with only counter/rate/lastSeen/RTT/telemetry-value changes (throttled). */
  private readonly dirtyUiLazy = new Set<string>();
  /** When each device's summary last went to the UI. */
  private readonly sentUiAt = new Map<string, number>();
  /** Devices whose row the next round writes, and those with only throttled changes (LAZY_DB_MS). */
  private readonly dirtyDb = new Set<string>();
  private readonly dirtyDbLazy = new Set<string>();
  /** When throttled rows are next written. */
  private lazyDbDueAt = 0;
  /** What the last flush() took: a Flusher runs each task once a round, then settle() says how it ended. */
  private readonly roundIds = new Set<string>();
  /** Devices whose refused telemetry channel was reported (telemetryRefused): at most one each. */
  private readonly telemetryRefusedSaid = new Set<string>();
  private readonly upsert;
  private readonly remove;

  constructor(private readonly db: Db, private readonly hooks: RegistryHooks, now = Date.now()) {
    this.upsert = db.prepare('INSERT INTO devices (id, data, updated_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at');
    this.remove = db.prepare('DELETE FROM devices WHERE id = ?');
    for (const row of db.prepare<[], { id: string; data: string }>('SELECT id, data FROM devices').all()) {
      const d = JSON.parse(row.data) as Stored;
      d.label ??= null; // rows written before labels existed
      if (d.online) {
        // The host stopped without closing this session (crash or kill): it is offline now.
        Object.assign(d, { online: false, since: now, lastDisconnectReason: 'shutdown' });
        this.dirtyDb.add(d.id);
      }
      this.devices.set(d.id, d);
    }
  }

  has(id: string): boolean {
    return this.devices.has(id);
  }

  ids(): string[] {
    return [...this.devices.keys()];
  }

  get(id: string): DeviceSummary | null {
    const d = this.devices.get(id);
    return d ? { ...d, tokenStatus: this.hooks.tokenStatus(id), rateIn: this.hooks.rateIn(id), controlResponse: this.hooks.controlResponse?.(id) ?? null } : null;
  }

  list(): DeviceSummary[] {
    return [...this.devices.keys()].sort().map((id) => this.get(id)!);
  }

  /** Makes sure a device exists (e.g. when its token is created) without changing its state. */
  ensure(id: string, now = Date.now()): void {
    if (!this.devices.has(id)) {
      this.devices.set(id, {
        id, name: id, label: null, online: false, since: now, lastDisconnectReason: null, flapCount: 0, address: null,
        transport: null, protocol: null, fw: null, board: null, controls: [], telemetryChannels: [],
        controlState: {}, telemetry: {}, lastSeen: null, rttMs: null, counters: zeroCounters(),
      });
    }
    this.mark(id);
  }

  /** Sets (or, with an empty text, removes) the user's label; it survives logins, which set `name`. */
  setLabel(id: string, label: string): DeviceSummary | null {
    const d = this.devices.get(id);
    if (!d) return null;
    d.label = label.trim() || null;
    this.mark(id);
    return this.get(id);
  }

  forget(id: string): boolean {
    if (!this.devices.has(id)) return false;
    // the file first: a write that fails (a locked database) leaves the device as it was
    gatedWrite(this.db, () => this.remove.run(id));
    this.devices.delete(id);
    this.live.delete(id);
    this.dirtyDb.delete(id);
    this.dirtyDbLazy.delete(id);
    this.dirtyUi.delete(id);
    this.dirtyUiLazy.delete(id);
    this.sentUiAt.delete(id);
    this.telemetryRefusedSaid.delete(id);
    return true;
  }

  /** Something the summary is read with changed (control response times): the next UI batch carries it; nothing to persist. */
  markUi(id: string): void {
    if (this.devices.has(id)) this.dirtyUi.add(id);
  }

  sessionOpened(s: BrokerSession, now = Date.now()): void {
    this.ensure(s.id, now);
    const d = this.devices.get(s.id)!;
    const count = (this.live.get(s.id) ?? 0) + 1;
    this.live.set(s.id, count);
    if (!d.online) {
      if (d.lastSeen !== null && d.lastDisconnectReason !== null && now - d.since <= FLAP_WINDOW_MS) d.flapCount++;
      d.online = true;
      d.since = now;
    }
    Object.assign(d, { address: s.address, transport: s.udp ? 'udp' : s.transport, protocol: s.protocol, lastSeen: now, rttMs: s.rttMs ?? null });
    const desc = s.device;
    if (desc) {
      d.name = desc.name ?? d.name;
      d.fw = desc.fw ?? null;
      d.board = desc.board ?? null;
      d.controls = desc.controls;
      d.telemetryChannels = desc.telemetry;
    } else if (s.protocol === 'legacy') {
      Object.assign(d, { fw: null, board: null, controls: [], telemetryChannels: [] });
    }
    this.mark(s.id);
  }

  sessionClosed(s: { id: string }, reason: string, detail?: string, now = Date.now()): void {
    const d = this.devices.get(s.id);
    if (!d) return;
    const count = Math.max(0, (this.live.get(s.id) ?? 1) - 1);
    this.live.set(s.id, count);
    d.lastDisconnectReason = detail ? `${reason}: ${detail}` : reason;
    if (count === 0 && d.online) {
      d.online = false;
      d.since = now;
      d.lastSeen = now;
    }
    this.mark(s.id);
  }

  /** Hot path: counters and last-seen of one frame. Only marks the device for the UI/DB. */
  frame(id: string, dir: 'in' | 'out', bytes: number, isError: boolean, ts: number): void {
    const d = this.devices.get(id);
    if (!d) return;
    const c = d.counters;
    if (dir === 'in') {
      c.msgsIn++;
      c.bytesIn += bytes;
      d.lastSeen = ts;
    } else {
      c.msgsOut++;
      c.bytesOut += bytes;
    }
    if (isError) c.errors++;
    this.markLazy(id);
  }

  sessionStats(id: string, rttMs: number | null, drops: number | null): void {
    const d = this.devices.get(id);
    if (!d) return;
    let changed = false;
    if (rttMs !== null && rttMs !== d.rttMs) {
      d.rttMs = rttMs;
      changed = true;
    }
    if (drops !== null && drops !== d.counters.drops) {
      d.counters.drops = drops;
      changed = true;
    }
    if (changed) this.markLazy(id);
  }

  /** A {"state":{...}} report: merges the control values (bounded). Returns the merged keys. */
  reportState(id: string, state: Record<string, unknown>): string[] {
    const d = this.devices.get(id);
    if (!d) return [];
    const before = JSON.stringify(d.controlState);
    const keys = mergeBounded(d.controlState, state, MAX_STATE_KEYS, (v) => JSON.stringify(v)?.length <= MAX_VALUE_CHARS);
    if (JSON.stringify(d.controlState) !== before) this.mark(id);
    else this.markLazy(id);
    return keys;
  }

  /** A {"telemetry":{...}} report: keeps the last scalar value per channel (bounded). Returns the channels kept. */
  reportTelemetry(id: string, values: Record<string, unknown>): string[] {
    const d = this.devices.get(id);
    if (!d) return [];
    const scalar = (v: unknown) => v === null || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= MAX_VALUE_CHARS);
    const channels = Object.keys(d.telemetry).length;
    const kept = mergeBounded(d.telemetry, values, MAX_TELEMETRY_KEYS, scalar, (channel) => {
      if (this.telemetryRefusedSaid.has(id)) return;
      this.telemetryRefusedSaid.add(id);
      this.hooks.telemetryRefused?.(id, channel);
    });
    if (Object.keys(d.telemetry).length !== channels) this.mark(id);
    else this.markLazy(id);
    return kept;
  }

  /**
   * Devices whose summary the next UI batch carries: every urgent change, and throttled changes of
   * devices not sent for UI_THROTTLE_MS (the others wait, still marked, for a later batch).
   */
  takeDirtyForUi(now = Date.now()): string[] {
    const ids = [...this.dirtyUi];
    this.dirtyUi.clear();
    for (const id of this.dirtyUiLazy) {
      if (now - (this.sentUiAt.get(id) ?? -Infinity) >= UI_THROTTLE_MS) {
        ids.push(id);
        this.dirtyUiLazy.delete(id);
      }
    }
    for (const id of ids) {
      this.dirtyUiLazy.delete(id);
      this.sentUiAt.set(id, now);
    }
    return ids;
  }

  /**
   * Write task; runs inside the flusher's transaction. Rows with a change that matters are written
   * now; throttled ones once every LAZY_DB_MS, until `deadline` (performance.now() ms), true if some
   * are left for the next round. An unbounded round (flushAll: shutdown, backup) writes them all.
   */
  flush(deadline = Infinity, now = Date.now()): boolean {
    for (const id of this.dirtyDb) {
      this.write(id, now);
      this.dirtyDbLazy.delete(id);
    }
    this.dirtyDb.clear();
    if (deadline !== Infinity && now < this.lazyDbDueAt) return false;
    for (const id of this.dirtyDbLazy) {
      if (performance.now() >= deadline) return true;
      this.write(id, now);
      this.dirtyDbLazy.delete(id);
    }
    this.lazyDbDueAt = now + LAZY_DB_MS;
    return false;
  }

  private write(id: string, now: number): void {
    const d = this.devices.get(id);
    if (d) this.upsert.run(id, JSON.stringify(d), now);
    this.roundIds.add(id);
  }

  /**
   * After a flusher round. Rolled back (another task threw, or the COMMIT failed): the devices it
   * wrote are not in the file, so they are marked again (a set: one already marked again stays
   * once) and the next round writes their state as it is then. A device forgotten meanwhile is
   * skipped by flush().
   */
  settle(committed: boolean): void {
    if (!committed) for (const id of this.roundIds) this.dirtyDb.add(id);
    this.roundIds.clear();
  }

  private mark(id: string): void {
    this.dirtyUi.add(id);
    this.dirtyDb.add(id);
  }

  private markLazy(id: string): void {
    if (!this.dirtyUi.has(id)) this.dirtyUiLazy.add(id);
    if (!this.dirtyDb.has(id)) this.dirtyDbLazy.add(id);
  }
}

/** Merges `source` into `target`, up to `maxKeys` keys; a new key past that goes to `refused`. */
function mergeBounded(target: Record<string, unknown>, source: Record<string, unknown>, maxKeys: number, accept: (v: unknown) => boolean, refused?: (key: string) => void): string[] {
  const merged: string[] = [];
  for (const [k, v] of Object.entries(source)) {
    if (k === '__proto__' || k.length > 32 || !accept(v)) continue;
    if (!Object.prototype.hasOwnProperty.call(target, k) && Object.keys(target).length >= maxKeys) {
      refused?.(k);
      continue;
    }
    Object.defineProperty(target, k, { value: v, enumerable: true, writable: true, configurable: true });
    merged.push(k);
  }
  return merged;
}
