import type { MetricsPoint, MetricsRange } from '../../shared/api/contract';
import { gatedWrite, type Db } from './db';
import { DatabaseLockedError } from './db-lock';
import { F, FIELDS, SecondSeries, columnOf, downPoint, isGauge, newBucket, pointOf, toPoint } from './metrics-series';

/** Series key of the whole broker. */
export const TOTAL = '*';
const MINUTE_RETENTION_MS = 30 * 24 * 3600 * 1000;
/**
 * Seconds without a tick that still count as the host running (a busy event loop): filled with
 * zero traffic. A longer jump is a machine that slept, left as a gap like a time the host was off.
 */
const MAX_STALL_S = 60;

interface MinuteAcc {
  acc: Float64Array;
  gaugeN: Float64Array;
}

/**
 * Metrics per device and in total: 1-second buckets for the last hour in memory (at most
 * `maxDevices` device series, least recently active evicted), 1-minute rollups in SQLite for 30 days.
 * The total gets a bucket (and a minute row) for every second the host runs, traffic or not, so a
 * time without one is a time the host was not running: queries answer it with a point of nulls
 * (drawn as a gap), never as zero traffic.
 */
export class Metrics {
  private current = new Map<string, Float64Array>();
  private curSec = 0;
  private readonly series = new Map<string, SecondSeries>();
  private readonly lastActive = new Map<string, number>();
  private minute = new Map<string, MinuteAcc>();
  private minuteStart = 0;
  private pending: unknown[][] = [];
  /** What the last flush() took: a Flusher runs each task once a round, then settle() says how it ended. */
  private roundRows: unknown[][] = [];
  private readonly insert;
  /** write() in one transaction, for a query between flusher rounds. */
  private readonly writeNow;
  private readonly deleteOfDevice;
  /** The last finished second: total point and per-device msgs/s (in + out). */
  lastTotal: MetricsPoint | null = null;
  lastDeviceRates: Record<string, number> = {};

  constructor(private readonly db: Db, private readonly maxDevices = 128) {
    this.writeNow = db.transaction((nowMs: number) => this.write(nowMs));
    this.insert = db.prepare(`INSERT OR REPLACE INTO metrics_minute (device, ts, ${FIELDS.map(columnOf).join(', ')}) VALUES (${Array(FIELDS.length + 2).fill('?').join(',')})`);
    this.deleteOfDevice = db.prepare('DELETE FROM metrics_minute WHERE device = ? AND ts IN (SELECT ts FROM metrics_minute WHERE device = ? AND ts <= ? ORDER BY ts LIMIT ?)');
    this.series.set(TOTAL, new SecondSeries());
  }

  /** Hot path: one frame. */
  count(device: string, dir: 'in' | 'out', bytes: number, isError: boolean, nowMs: number): void {
    this.advance(nowMs);
    const inc = (b: Float64Array) => {
      if (dir === 'in') {
        b[F.msgsIn]! += 1;
        b[F.bytesIn]! += bytes;
      } else {
        b[F.msgsOut]! += 1;
        b[F.bytesOut]! += bytes;
      }
      if (isError) b[F.errors]! += 1;
    };
    inc(this.bucket(TOTAL));
    // The broker reports a broadcast's deliveries as one event with device '*' (= TOTAL).
    if (device !== TOTAL) inc(this.bucket(device));
  }

  /** Adds to a count field (drops, UDP loss...) or sets a gauge (rttMs, queueDepth) for this second. */
  record(device: string, field: (typeof FIELDS)[number], value: number, nowMs: number): void {
    this.advance(nowMs);
    const b = this.bucket(device);
    if (field === 'rttMs' || field === 'queueDepth') b[F[field]] = value;
    else b[F[field]]! += value;
  }

  /** Closes finished seconds; call about once a second. */
  tick(nowMs: number): void {
    this.advance(nowMs);
  }

  /** Moves to the second of nowMs; a timestamp from an already closed second counts in the current one. */
  private advance(nowMs: number): void {
    const sec = Math.floor(nowMs / 1000);
    if (sec > this.curSec) this.roll(sec);
  }

  private bucket(key: string): Float64Array {
    let b = this.current.get(key);
    if (!b) this.current.set(key, (b = newBucket()));
    return b;
  }

  private roll(sec: number): void {
    const closed = this.curSec;
    this.curSec = sec;
    const buckets = this.current;
    this.current = new Map();
    if (closed === 0) return;
    if (!buckets.has(TOTAL)) buckets.set(TOTAL, newBucket());
    const skipped = sec - closed - 1;
    if (skipped > 0 && skipped <= MAX_STALL_S) {
      const total = this.series.get(TOTAL)!;
      for (let s = closed + 1; s < sec; s++) total.put(s, newBucket());
    }
    const minuteOf = Math.floor(closed / 60) * 60;
    if (minuteOf !== this.minuteStart) this.closeMinute(minuteOf);
    const rates: Record<string, number> = {};
    for (const [key, b] of buckets) {
      this.seriesFor(key, closed).put(closed, b);
      this.addToMinute(key, b);
      if (key !== TOTAL) rates[key] = b[F.msgsIn]! + b[F.msgsOut]!;
    }
    const total = buckets.get(TOTAL) ?? newBucket();
    const gaugeN = new Float64Array(FIELDS.length);
    if (!Number.isNaN(total[F.rttMs]!)) gaugeN[F.rttMs] = 1;
    gaugeN[F.queueDepth] = 1;
    this.lastTotal = toPoint(closed * 1000, total, 1, gaugeN);
    this.lastDeviceRates = rates;
  }

  private seriesFor(key: string, sec: number): SecondSeries {
    this.lastActive.set(key, sec);
    let s = this.series.get(key);
    if (s) return s;
    if (this.series.size > this.maxDevices) {
      let oldest: string | null = null;
      for (const [k, t] of this.lastActive) if (k !== TOTAL && this.series.has(k) && (oldest === null || t < this.lastActive.get(oldest)!)) oldest = k;
      if (oldest !== null) {
        this.series.delete(oldest);
        this.lastActive.delete(oldest);
      }
    }
    this.series.set(key, (s = new SecondSeries()));
    return s;
  }

  private addToMinute(key: string, b: Float64Array): void {
    let m = this.minute.get(key);
    if (!m) this.minute.set(key, (m = { acc: new Float64Array(FIELDS.length), gaugeN: new Float64Array(FIELDS.length) }));
    for (let i = 0; i < FIELDS.length; i++) {
      const v = b[i]!;
      if (i === F.rttMs || i === F.queueDepth) {
        if (!Number.isNaN(v)) {
          m.acc[i]! += v;
          m.gaugeN[i]! += 1;
        }
      } else m.acc[i]! += v;
    }
  }

  private closeMinute(nextMinute: number): void {
    if (this.minuteStart !== 0) {
      for (const [key, m] of this.minute) {
        const p = toPoint(this.minuteStart * 1000, m.acc, 1, m.gaugeN);
        this.pending.push([key, p.ts, ...FIELDS.map((f) => p[f])]);
      }
      if (this.pending.length > 100_000) this.pending.splice(0, this.pending.length - 100_000);
    }
    this.minute = new Map();
    this.minuteStart = nextMinute;
  }

  /** Write task: minute rollups, and rollups older than 30 days removed. */
  flush(nowMs = Date.now()): void {
    this.roundRows = this.write(nowMs);
  }

  /** Writes the queued rollups and the retention delete; returns the rollups taken from the queue. */
  private write(nowMs: number): unknown[][] {
    const rows = this.pending;
    if (rows.length === 0) return [];
    for (const row of rows) this.insert.run(...row);
    this.pending = [];
    this.db.prepare('DELETE FROM metrics_minute WHERE ts < ?').run(nowMs - MINUTE_RETENTION_MS);
    return rows;
  }

  /**
   * After a flusher round. Rolled back (another task threw, or the COMMIT failed): the round's
   * rollups are not in the file (nor is its retention delete, which simply runs again), so they go
   * back in front of the queue, in order, to be written next round. The round is synchronous,
   * nothing was queued meanwhile: the queue is back to its size before it, within its bound.
   */
  settle(committed: boolean): void {
    const rows = this.roundRows;
    this.roundRows = [];
    if (committed || rows.length === 0) return;
    this.pending = rows.concat(this.pending);
  }

  /**
   * Forgets a device's seconds in memory and its minute rollups not yet written (forget with
   * deleteHistory), so no later flush writes them back. Returns the minute rows dropped.
   */
  dropDevice(device: string): number {
    this.current.delete(device);
    this.series.delete(device);
    this.lastActive.delete(device);
    delete this.lastDeviceRates[device];
    const open = this.minute.delete(device) ? 1 : 0;
    const before = this.pending.length;
    this.pending = this.pending.filter((row) => row[0] !== device);
    return open + before - this.pending.length;
  }

  /** Deletes at most `maxRows` stored minute rows of `device` up to `upToTs`; `more`: call again. */
  deleteDevice(device: string, upToTs: number, maxRows: number): { deleted: number; more: boolean } {
    const deleted = gatedWrite(this.db, () => this.deleteOfDevice.run(device, device, upToTs, maxRows).changes);
    return { deleted, more: deleted === maxRows };
  }

  /** msgs/s in over the last 5 finished seconds. */
  rateIn(device: string, nowMs = Date.now()): number {
    return this.series.get(device)?.rate(F.msgsIn, Math.floor(nowMs / 1000), 5) ?? 0;
  }

  topTalkers(limit: number, nowMs = Date.now()): { device: string; msgsPerSecond: number; bytesPerSecond: number }[] {
    const sec = Math.floor(nowMs / 1000);
    const out = [];
    for (const [key, s] of this.series) {
      if (key === TOTAL) continue;
      const msgs = s.rate(F.msgsIn, sec, 10) + s.rate(F.msgsOut, sec, 10);
      const bytes = s.rate(F.bytesIn, sec, 10) + s.rate(F.bytesOut, sec, 10);
      if (msgs > 0) out.push({ device: key, msgsPerSecond: msgs, bytesPerSecond: bytes });
    }
    return out.sort((a, b) => b.msgsPerSecond - a.msgsPerSecond).slice(0, limit);
  }

  /** 5m: 1 s points; 1h: 10 s points (from memory); 24h: 1 min; 30d: 1 h (from SQLite). */
  query(device: string | undefined, range: MetricsRange, nowMs = Date.now()): MetricsPoint[] {
    const key = device ?? TOTAL;
    // The last finished second may not be rolled yet (the tick runs about once a second): roll it,
    // or it would read as an empty second.
    this.advance(nowMs);
    const sec = Math.floor(nowMs / 1000) - 1;
    if (range === '5m' || range === '1h') {
      const s = this.series.get(key) ?? new SecondSeries(1);
      const total = this.series.get(TOTAL)!;
      const [span, step] = range === '5m' ? [300, 1] : [3600, 10];
      const from = Math.floor((sec - span + 1) / step) * step;
      return s.points(from, sec, step).map((p) => {
        const start = p.ts / 1000;
        return total.has(start, Math.min(start + step - 1, sec)) ? p : downPoint(p.ts);
      });
    }
    // behind the writer thread's gate, in one transaction (write() clears the queue only once all went in);
    // locked by another program, the chart shows what the file has, the rest waits for a round
    try {
      gatedWrite(this.db, () => this.writeNow.immediate(nowMs));
    } catch (err) {
      if (!(err instanceof DatabaseLockedError)) throw err;
    }
    const stepMs = range === '24h' ? 60_000 : 3_600_000;
    const spanMs = range === '24h' ? 24 * 3_600_000 : 30 * 24 * 3_600_000;
    const fromMs = Math.floor((nowMs - spanMs) / stepMs) * stepMs;
    // counts add up over the step, gauges average
    const values = FIELDS.map((f) => `${isGauge(f) ? 'avg' : 'sum'}(${columnOf(f)}) AS ${f}`).join(', ');
    const rows = this.db
      .prepare(`SELECT (ts / ${stepMs}) * ${stepMs} AS t, ${values} FROM metrics_minute WHERE device = ? AND ts >= ? GROUP BY t ORDER BY t`)
      .all(key, fromMs) as Record<string, number | null>[];
    const byTs = new Map(rows.map((r) => [r.t as number, r]));
    // the steps the host ran in: those with a rollup of the total (the minute being filled counts too)
    const ran = key === TOTAL ? new Set(byTs.keys()) : new Set((this.db.prepare(`SELECT DISTINCT (ts / ${stepMs}) * ${stepMs} AS t FROM metrics_minute WHERE device = ? AND ts >= ?`).all(TOTAL, fromMs) as { t: number }[]).map((r) => r.t));
    if (this.minuteStart !== 0) ran.add(Math.floor((this.minuteStart * 1000) / stepMs) * stepMs);
    const out: MetricsPoint[] = [];
    const stepSec = stepMs / 1000;
    for (let t = fromMs; t <= nowMs; t += stepMs) {
      const r = byTs.get(t);
      if (!ran.has(t)) {
        out.push(downPoint(t));
        continue;
      }
      // Rollups hold per-minute totals; points are per-second averages over their step.
      out.push(pointOf(t, (f) => (isGauge(f) ? (r?.[f] ?? null) : (r?.[f] ?? 0) / stepSec)));
    }
    return out;
  }
}
