import type { MetricsRange, StorageStats, TelemetryPoint, TelemetrySeries } from '../../shared/api/contract';
import { KeyValue, columnBounds, gatedWrite, type Db } from './db';
import { DatabaseLockedError } from './db-lock';
import { MAX_TELEMETRY_KEYS } from './registry';

const MINUTE_MS = 60_000;
/** How long minute rows are kept: the longest range the API serves. */
export const TELEMETRY_RETENTION_MS = 30 * 24 * 3_600_000;
/** Devices one minute accumulates; readings of further devices in that minute are counted as skipped. */
export const TELEMETRY_MAX_DEVICES = 256;
/**
 * Rows kept at most, oldest deleted first. The worst case of one minute is TELEMETRY_MAX_DEVICES x
 * MAX_TELEMETRY_KEYS = 16,384 rows, 708 million over 30 days, so the age limit alone would not
 * bound the table; this cap does (about 80 bytes a row with its index, measured: 400 MB). A home lab of
 * 10 sensors x 5 channels writes 50 rows a minute: 2.2 M rows for 30 days, under the cap.
 */
export const TELEMETRY_MAX_ROWS = 5_000_000;
/** Finished minute rows waiting for the writer: four minutes of the worst case. */
const MAX_PENDING_ROWS = 4 * TELEMETRY_MAX_DEVICES * MAX_TELEMETRY_KEYS;
/** kv key: ids inside the id range whose rows were deleted by a forget (the range no longer counts rows alone). */
const HOLES_KEY = 'telemetry.holes';

/** Per range: how far back, and the step points are averaged over (bounded points per channel). */
export const TELEMETRY_STEPS: Record<MetricsRange, { spanMs: number; stepMs: number }> = {
  '5m': { spanMs: 5 * MINUTE_MS, stepMs: MINUTE_MS },
  '1h': { spanMs: 3_600_000, stepMs: MINUTE_MS },
  '24h': { spanMs: 24 * 3_600_000, stepMs: 5 * MINUTE_MS },
  '30d': { spanMs: TELEMETRY_RETENTION_MS, stepMs: 3_600_000 },
};

interface MinuteStats {
  readings: number;
  sum: number;
  min: number;
  max: number;
  last: number;
}

type PendingRow = [device: string, channel: string, ts: number, stats: MinuteStats];

export interface TelemetryHistoryOptions {
  maxDevices?: number;
  maxChannels?: number;
  maxRows?: number;
  retentionMs?: number;
  /** Rows one flush round writes at most. */
  chunkRows?: number;
}

/**
 * Numeric telemetry per device, channel and minute: readings accumulate in memory (no SQL per
 * message), finished minutes are queued for the flusher's transaction, and the minute rows are kept
 * for 30 days within TELEMETRY_MAX_ROWS. Queries add the current, unfinished minute from memory, so
 * a chart shows the latest readings without waiting for the minute to end.
 */
export class TelemetryHistory {
  private minuteStart = 0;
  private current = new Map<string, Map<string, MinuteStats>>();
  private pending: PendingRow[] = [];
  /** What the last flush() took: a Flusher runs each task once a round, then settle() says how it ended. */
  private roundRows: PendingRow[] = [];
  /** Readings not kept since this start: a minute's device or channel cap reached, or the queue full. */
  skipped = 0;
  private readonly o: Required<TelemetryHistoryOptions>;
  private readonly upsert;
  private readonly idBounds;
  private readonly oldestRow;
  private readonly firstYoung;
  private readonly deleteBelow;
  private readonly idAfter;
  private readonly deleteOfDevice;
  private readonly stepsOf;
  private readonly writeAll;
  private readonly inTransaction;
  private readonly kv: KeyValue;
  /** Rows deleted from inside the id range (deleteDevice), until retention passes them. */
  private holes: number;

  constructor(private readonly db: Db, options: TelemetryHistoryOptions = {}) {
    this.o = { maxDevices: TELEMETRY_MAX_DEVICES, maxChannels: MAX_TELEMETRY_KEYS, maxRows: TELEMETRY_MAX_ROWS, retentionMs: TELEMETRY_RETENTION_MS, chunkRows: 2_000, ...options };
    // A minute written twice (the part before a restart, then the rest) merges into one row.
    this.upsert = db.prepare(`INSERT INTO telemetry_minute (device, channel, ts, readings, sum_value, min_value, max_value, last_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(device, channel, ts) DO UPDATE SET readings = readings + excluded.readings, sum_value = sum_value + excluded.sum_value,
        min_value = min(min_value, excluded.min_value), max_value = max(max_value, excluded.max_value), last_value = excluded.last_value`);
    this.idBounds = columnBounds(db, 'telemetry_minute', 'id');
    this.oldestRow = db.prepare<[], { ts: number }>('SELECT ts FROM telemetry_minute ORDER BY id LIMIT 1');
    this.firstYoung = db.prepare<[number, number], { id: number }>('SELECT id FROM telemetry_minute WHERE id < ? AND ts >= ? ORDER BY id LIMIT 1');
    this.deleteBelow = db.prepare('DELETE FROM telemetry_minute WHERE id < ?');
    this.idAfter = db.prepare<[number, number], { id: number }>('SELECT id FROM telemetry_minute WHERE id >= ? ORDER BY id LIMIT 1 OFFSET ?');
    // through the (device, channel, ts) index, whose entries carry the id
    this.deleteOfDevice = db.prepare('DELETE FROM telemetry_minute WHERE id IN (SELECT id FROM telemetry_minute WHERE device = ? AND id <= ? LIMIT ?)');
    this.kv = new KeyValue(db);
    this.holes = Number(this.kv.get(HOLES_KEY) ?? 0) || 0;
    this.stepsOf = db.prepare<[number, string, string, number], { t: number; readings: number; sum: number; min: number; max: number }>(
      `SELECT ts - ts % ? AS t, sum(readings) AS readings, sum(sum_value) AS sum, min(min_value) AS min, max(max_value) AS max
       FROM telemetry_minute WHERE device = ? AND channel = ? AND ts >= ? GROUP BY t ORDER BY t`,
    );
    this.writeAll = db.transaction(() => {
      while (this.flush());
    });
    this.inTransaction = db.transaction((run: () => number) => run());
  }

  /** Hot path: one numeric reading. `nowMs` earlier than the open minute counts in the open minute. */
  record(device: string, channel: string, value: number, nowMs: number): void {
    if (!Number.isFinite(value)) return;
    const minute = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
    if (minute > this.minuteStart) this.roll(minute);
    let channels = this.current.get(device);
    if (!channels) {
      if (this.current.size >= this.o.maxDevices) {
        this.skipped++;
        return;
      }
      this.current.set(device, (channels = new Map()));
    }
    const s = channels.get(channel);
    if (s) {
      s.readings++;
      s.sum += value;
      if (value < s.min) s.min = value;
      if (value > s.max) s.max = value;
      s.last = value;
    } else if (channels.size < this.o.maxChannels) {
      channels.set(channel, { readings: 1, sum: value, min: value, max: value, last: value });
    } else this.skipped++;
  }

  /** Closes the minute once it has ended; the hub calls this every second. */
  tick(nowMs: number): void {
    const minute = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
    if (minute > this.minuteStart) this.roll(minute);
  }

  /** Queues the open minute as it is (at shutdown): a restart within the minute merges into its row. */
  closeCurrent(): void {
    this.roll(this.minuteStart);
  }

  private roll(nextMinute: number): void {
    for (const [device, channels] of this.current) {
      for (const [channel, stats] of channels) this.pending.push([device, channel, this.minuteStart, stats]);
    }
    if (this.pending.length > MAX_PENDING_ROWS) {
      const over = this.pending.length - MAX_PENDING_ROWS;
      for (const row of this.pending.splice(0, over)) this.skipped += row[3].readings;
    }
    this.current = new Map();
    this.minuteStart = nextMinute;
  }

  get queued(): number {
    return this.pending.length;
  }

  /** For Settings > Storage: two index lookups (retention only deletes the lowest ids). */
  stats(): StorageStats['telemetry'] {
    const { lo, hi } = this.idBounds.get()!;
    return {
      rows: lo === null || hi === null ? 0 : Math.max(0, hi - lo + 1 - this.holes),
      oldestTs: this.oldestRow.get()?.ts ?? null,
      maxAgeDays: Math.round(this.o.retentionMs / 86_400_000),
      maxRows: this.o.maxRows,
      skipped: this.skipped,
    };
  }

  /** Write task (inside the flusher's transaction): at most chunkRows rows; true if more wait. */
  flush(): boolean {
    const batch = this.pending.splice(0, this.o.chunkRows);
    this.roundRows = batch;
    for (const [device, channel, ts, s] of batch) this.upsert.run(device, channel, ts, s.readings, s.sum, s.min, s.max, s.last);
    return this.pending.length > 0;
  }

  /**
   * After a flusher round. Rolled back (another task threw, or the COMMIT failed): the round's rows
   * did not merge into the file, so they go back in front of the queue, in order, to be written
   * next round (flush touches no other bookkeeping: holes and skipped change elsewhere). The round
   * is synchronous, nothing was queued meanwhile: the queue is back to its size before it, within
   * MAX_PENDING_ROWS.
   */
  settle(committed: boolean): void {
    const rows = this.roundRows;
    this.roundRows = [];
    if (committed || rows.length === 0) return;
    this.pending = rows.concat(this.pending);
  }

  /**
   * Deletes rows older than the retention and rows over the row cap, oldest first, at most
   * `maxRows` per call (ids only grow, so the oldest rows are an id range). `more`: call again.
   */
  applyRetention(nowMs: number, maxRows = Number.MAX_SAFE_INTEGER): { deleted: number; more: boolean } {
    const { lo, hi } = this.idBounds.get()!;
    if (lo === null || hi === null) return { deleted: 0, more: false };
    const stepEnd = lo + Math.min(maxRows, Number.MAX_SAFE_INTEGER - lo);
    const overCapEnd = this.overCapEnd(lo, hi, stepEnd);
    // Look for the first young row only inside this step's range, like the traffic log (ts has no index).
    const young = this.firstYoung.get(stepEnd, nowMs - this.o.retentionMs);
    const end = Math.min(stepEnd, Math.max(young ? young.id : stepEnd, overCapEnd));
    const deleted = end > lo ? this.deleteTracked(() => this.deleteBelow.run(end).changes) : 0;
    return { deleted, more: end === stepEnd && stepEnd <= hi };
  }

  /**
   * The id below which rows are over the cap. With no holes that is hi - maxRows + 1; after a
   * device's delete left holes, ids overcount rows, so the cut is found by walking `excess` rows
   * of the id index (at most one step's worth: a larger cut is past stepEnd anyway).
   */
  private overCapEnd(lo: number, hi: number, stepEnd: number): number {
    const excess = hi - lo + 1 - this.holes - this.o.maxRows;
    if (excess <= 0) return lo;
    if (this.holes === 0) return lo + excess;
    return this.idAfter.get(lo, Math.min(excess, stepEnd - lo))?.id ?? hi + 1;
  }

  /**
   * Forgets a device's readings not yet written (the open minute and queued minutes), so no later
   * flush or shutdown writes them back. Returns the minute rows dropped.
   */
  dropUnwritten(device: string): number {
    const open = this.current.get(device)?.size ?? 0;
    this.current.delete(device);
    const before = this.pending.length;
    this.pending = this.pending.filter((row) => row[0] !== device);
    return open + before - this.pending.length;
  }

  /** The highest stored id: rows written after this one are not touched by a deleteDevice bounded by it. */
  lastId(): number {
    return this.idBounds.get()!.hi ?? 0;
  }

  /** Deletes at most `maxRows` stored rows of `device` with id <= upToId; `more`: call again. */
  deleteDevice(device: string, upToId: number, maxRows: number): { deleted: number; more: boolean } {
    const deleted = this.deleteTracked(() => this.deleteOfDevice.run(device, upToId, maxRows).changes);
    return { deleted, more: deleted === maxRows };
  }

  /**
   * Runs a delete and keeps `holes` = id span - rows true (new rows take max(id) + 1, so only
   * deletes change it), the delete and the count in one transaction, past the traffic writer (gatedWrite).
   */
  private deleteTracked(run: () => number): number {
    return gatedWrite(this.db, () => this.inTransaction.immediate(() => {
      const spanBefore = this.idSpan();
      const deleted = run();
      if (deleted === 0) return 0;
      const rowsAfter = spanBefore - this.holes - deleted;
      const holes = Math.max(0, this.idSpan() - rowsAfter);
      if (holes !== this.holes) {
        this.holes = holes;
        this.kv.set(HOLES_KEY, String(holes));
      }
      return deleted;
    }));
  }

  private idSpan(): number {
    const { lo, hi } = this.idBounds.get()!;
    return lo === null || hi === null ? 0 : hi - lo + 1;
  }

  /**
   * Points per channel over the range, oldest first, with the open minute from memory. Channels
   * without readings in the range are left out. Writes the queued minutes first.
   */
  query(device: string, channels: readonly string[], range: MetricsRange, nowMs: number): TelemetrySeries[] {
    this.tick(nowMs);
    if (this.pending.length > 0) {
      // as a flusher round writes: behind the writer thread's gate, and a failed write (rolled back
      // whole) keeps every queued minute for the next try
      const queued = this.pending.slice();
      try {
        gatedWrite(this.db, () => this.writeAll.immediate());
      } catch (err) {
        this.pending = queued;
        // locked by another program: the chart shows what the file has, the rest waits for a round
        if (!(err instanceof DatabaseLockedError)) throw err;
      } finally {
        this.roundRows = [];
      }
    }
    const { spanMs, stepMs } = TELEMETRY_STEPS[range];
    const fromMs = Math.floor(nowMs / stepMs) * stepMs - spanMs + stepMs;
    const out: TelemetrySeries[] = [];
    for (const channel of channels.slice(0, this.o.maxChannels)) {
      const rows = this.stepsOf.all(stepMs, device, channel, fromMs);
      const open = this.current.get(device)?.get(channel);
      if (open && this.minuteStart >= fromMs) {
        const t = Math.floor(this.minuteStart / stepMs) * stepMs;
        const last = rows.at(-1);
        if (last && last.t === t) {
          Object.assign(last, { readings: last.readings + open.readings, sum: last.sum + open.sum, min: Math.min(last.min, open.min), max: Math.max(last.max, open.max) });
        } else rows.push({ t, readings: open.readings, sum: open.sum, min: open.min, max: open.max });
      }
      const points: TelemetryPoint[] = rows.map((r) => ({ ts: r.t, avg: r.sum / r.readings, min: r.min, max: r.max, count: r.readings }));
      if (points.length > 0) out.push({ channel, points });
    }
    return out;
  }
}
