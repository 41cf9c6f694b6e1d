import type { DeviceSummary, EventBatch, HostNotice, TrafficRow } from '../../shared/api/contract';
import { outlastsOthers } from '../../shared/api/notices';
import type { HubDelta } from '../hub/hub';

export interface PumpSource {
  takeDelta(): HubDelta;
  device(id: string): DeviceSummary | null;
  /** Rows that reached a UI (counted once per row). */
  markShown(rows: TrafficRow[]): void;
}

export interface PumpOptions {
  intervalMs?: number;
  maxTraffic?: number;
  /** Device summaries per batch; the rest follow in the next batches. */
  maxDevices?: number;
  /** A batch not acked within this time is treated as lost, so a silent UI cannot stall forever. */
  ackTimeoutMs?: number;
}

interface Pending {
  devices: Set<string>;
  removed: Set<string>;
  traffic: TrafficRow[];
  trafficSkipped: number;
  counters: HubDelta['counters'] | null;
  metrics: HubDelta['metrics'];
  deviceRates: HubDelta['deviceRates'];
  controlResults: HubDelta['controlResults'];
  notices: HubDelta['notices'];
}

interface Subscriber {
  listener: (batch: EventBatch) => void;
  /** False while the subscriber cannot take a batch (a WebSocket with a full send buffer): its changes wait, merged. */
  ready: () => boolean;
  pending: Pending;
  inFlight: number | null;
  sentAt: number;
}

/** How long soon() waits, so that several confirmations (a broadcast to many relays) share a batch. */
const SOON_MS = 5;
/** Notices held for a subscriber at most (they wait while it has not acked). */
const MAX_NOTICES = 20;

const emptyPending = (): Pending => ({ devices: new Set(), removed: new Set(), traffic: [], trafficSkipped: 0, counters: null, metrics: null, deviceRates: null, controlResults: [], notices: [] });

/**
 * Coalesces hub changes per tick (at most 1000/intervalMs batches a second per subscriber). While a
 * subscriber has not acked its last batch, changes accumulate in bounded form (device ids, the newest
 * traffic rows plus a skipped count, latest metrics) and go out together once it acks.
 */
export class EventPump {
  private readonly subs = new Set<Subscriber>();
  private timer: NodeJS.Timeout | null = null;
  private soonTimer: NodeJS.Timeout | null = null;
  private seq = 0;
  private readonly intervalMs: number;
  private readonly maxTraffic: number;
  private readonly maxDevices: number;
  private readonly ackTimeoutMs: number;

  constructor(private readonly source: PumpSource, o: PumpOptions = {}) {
    this.intervalMs = o.intervalMs ?? 100;
    this.maxTraffic = o.maxTraffic ?? 200;
    this.maxDevices = o.maxDevices ?? 200;
    this.ackTimeoutMs = o.ackTimeoutMs ?? 5000;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /**
   * A batch within SOON_MS instead of at the next interval, for news a user waits for (a relay
   * toggle's confirmation: up to intervalMs of the click-to-confirmed time otherwise). Calls within
   * SOON_MS share one batch; a subscriber still holding its last batch gets it on its ack.
   */
  soon(): void {
    if (this.soonTimer || !this.timer) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = null;
      this.tick();
    }, SOON_MS);
    this.soonTimer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.soonTimer) clearTimeout(this.soonTimer);
    this.soonTimer = null;
    this.timer = null;
    this.subs.clear();
  }

  subscribe(listener: (batch: EventBatch) => void, ready: () => boolean = () => true): () => void {
    const sub: Subscriber = { listener, ready, pending: emptyPending(), inFlight: null, sentAt: 0 };
    this.subs.add(sub);
    return () => this.subs.delete(sub);
  }

  ack(seq: number): void {
    for (const s of this.subs) {
      if (s.inFlight !== seq) continue;
      s.inFlight = null;
      if (s.pending.controlResults.length) this.soon(); // held back by this batch: goes now
    }
  }

  tick(now = Date.now()): void {
    const delta = this.source.takeDelta();
    for (const sub of this.subs) {
      this.merge(sub.pending, delta);
      if (sub.inFlight !== null && now - sub.sentAt < this.ackTimeoutMs) continue;
      if (!sub.ready()) continue;
      const batch = this.build(sub.pending, now);
      if (!batch) continue;
      const leftover = [...sub.pending.devices].slice(this.maxDevices);
      sub.pending = emptyPending();
      for (const id of leftover) sub.pending.devices.add(id);
      sub.inFlight = batch.seq;
      sub.sentAt = now;
      if (batch.traffic) this.source.markShown(batch.traffic);
      try {
        sub.listener(batch);
      } catch {
        // A failing listener must not stop the others; its binding reports its own errors.
      }
    }
  }

  private merge(p: Pending, d: HubDelta): void {
    for (const id of d.removedDevices) {
      p.devices.delete(id);
      p.removed.add(id);
    }
    for (const id of d.devices) {
      p.devices.add(id);
      p.removed.delete(id); // forgotten, then back (a new token): the summary says it all
    }
    if (d.traffic.length) {
      p.traffic.push(...d.traffic);
      if (p.traffic.length > this.maxTraffic) p.trafficSkipped += p.traffic.splice(0, p.traffic.length - this.maxTraffic).length;
    }
    p.trafficSkipped += d.trafficSkipped;
    p.counters = d.counters;
    if (d.metrics) p.metrics = d.metrics;
    if (d.deviceRates) p.deviceRates = d.deviceRates;
    p.controlResults = [...p.controlResults, ...d.controlResults].slice(-200);
    p.notices = boundedNotices([...p.notices, ...d.notices], MAX_NOTICES);
  }

  private build(p: Pending, now: number): EventBatch | null {
    const hasNews = p.devices.size || p.removed.size || p.traffic.length || p.trafficSkipped || p.metrics || p.controlResults.length || p.notices.length;
    if (!hasNews) return null;
    const batch: EventBatch = { seq: ++this.seq, ts: now };
    if (p.devices.size) {
      const summaries: DeviceSummary[] = [];
      for (const id of [...p.devices].slice(0, this.maxDevices)) {
        const d = this.source.device(id);
        // gone by the time the batch is built: the UI must drop it, whatever said it changed
        if (d) summaries.push(d);
        else p.removed.add(id);
      }
      if (summaries.length) batch.devices = summaries;
    }
    if (p.removed.size) batch.removedDevices = [...p.removed];
    if (p.traffic.length) batch.traffic = p.traffic;
    if (p.trafficSkipped) batch.trafficSkipped = p.trafficSkipped;
    if (p.counters) batch.counters = p.counters;
    if (p.metrics) batch.metrics = p.metrics;
    if (p.deviceRates) batch.deviceRates = p.deviceRates;
    if (p.controlResults.length) batch.controlResults = p.controlResults;
    if (p.notices.length) batch.notices = p.notices;
    return batch;
  }
}

/**
 * The newest `max` notices, but what gives way first is the plain chatter (a failed login each, a
 * retrying device can send dozens a second): offline alerts and errors are kept over older warnings.
 */
export function boundedNotices(list: HostNotice[], max: number): HostNotice[] {
  if (list.length <= max) return list;
  let plain = list.length - max; // how many plain ones to drop, oldest first
  const out = list.filter((n) => outlastsOthers(n) || plain-- <= 0);
  return out.slice(-max);
}
