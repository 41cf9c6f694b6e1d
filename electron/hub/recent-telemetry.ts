/**
 * The last couple of minutes of raw numeric telemetry, in memory only, so a UI that opens (or
 * reloads) draws a device's live chart at once instead of from its own first batch
 * (telemetry.recent). Nothing is persisted: a restarted host starts empty.
 *
 * Per device and channel: the last RECENT_POINTS readings, at most one per RECENT_SPACING_MS (a
 * reading less than that after the kept one is skipped, the renderer's rule too), in a ring of two
 * preallocated Float64Arrays, so recording a reading allocates nothing. Channels: the device's
 * first LIVE_TELEMETRY.channels that the registry kept (the ones a live chart draws), and at most
 * maxDevices devices are held: when a new one reports past that, the least recently reporting one
 * is dropped. Worst case 1000 devices x 12 channels x 120 x 16 bytes is about 23 MB; a few
 * channels a device (the usual) is a few hundred kB.
 */
import { LIVE_TELEMETRY, type RecentTelemetrySeries } from '../../shared/api/contract';

export const RECENT_POINTS = LIVE_TELEMETRY.points;
export const RECENT_SPACING_MS = LIVE_TELEMETRY.spacingMs;
/** Devices held at most; the least recently reporting is dropped for a new one. */
export const RECENT_DEVICES = 1000;

class Ring {
  readonly ts = new Float64Array(RECENT_POINTS);
  readonly v = new Float64Array(RECENT_POINTS);
  /** Index of the oldest point, and how many are held. */
  start = 0;
  count = 0;

  push(ts: number, v: number): void {
    if (this.count > 0) {
      const last = this.ts[(this.start + this.count - 1) % RECENT_POINTS]!;
      // the clock went back (set by hand, NTP): start over, so the points stay oldest first
      if (ts < last) this.count = 0;
      else if (ts - last < RECENT_SPACING_MS) return;
    }
    if (this.count === 0) this.start = 0;
    const at = (this.start + this.count) % RECENT_POINTS;
    this.ts[at] = ts;
    this.v[at] = v;
    if (this.count < RECENT_POINTS) this.count++;
    else this.start = (this.start + 1) % RECENT_POINTS;
  }

  points(): { ts: number; v: number }[] {
    const out: { ts: number; v: number }[] = [];
    for (let i = 0; i < this.count; i++) {
      const at = (this.start + i) % RECENT_POINTS;
      out.push({ ts: this.ts[at]!, v: this.v[at]! });
    }
    return out;
  }
}

interface DeviceRecent {
  channels: Map<string, Ring>;
  /** When this device last moved to the Map's end (its order is least recently reporting first). */
  touched: number;
}

export class RecentTelemetry {
  private readonly devices = new Map<string, DeviceRecent>();

  constructor(readonly maxDevices = RECENT_DEVICES) {}

  get size(): number {
    return this.devices.size;
  }

  record(device: string, channel: string, v: number, now: number): void {
    if (!Number.isFinite(v)) return;
    let d = this.devices.get(device);
    if (!d) {
      if (this.devices.size >= this.maxDevices) {
        const oldest = this.devices.keys().next();
        if (!oldest.done) this.devices.delete(oldest.value);
      }
      d = { channels: new Map(), touched: now };
      this.devices.set(device, d);
    } else if (now - d.touched >= RECENT_SPACING_MS || now < d.touched) {
      // to the end of the least-recently-reporting order, at most once a second per device
      this.devices.delete(device);
      this.devices.set(device, d);
      d.touched = now;
    }
    let ring = d.channels.get(channel);
    if (!ring) {
      if (d.channels.size >= LIVE_TELEMETRY.channels) return;
      ring = new Ring();
      d.channels.set(channel, ring);
    }
    ring.push(now, v);
  }

  /** The device's series, oldest point first; only `channels` (in that order) when given. */
  read(device: string, channels?: readonly string[]): RecentTelemetrySeries[] {
    const d = this.devices.get(device);
    if (!d) return [];
    const out: RecentTelemetrySeries[] = [];
    for (const channel of channels ?? d.channels.keys()) {
      const ring = d.channels.get(channel);
      if (ring && ring.count > 0) out.push({ channel, points: ring.points() });
    }
    return out;
  }

  /** Drops a device's readings (devices.forget). */
  forget(device: string): void {
    this.devices.delete(device);
  }
}
