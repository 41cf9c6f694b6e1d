import type { MetricsPoint, MetricsRange } from '../../../shared/api/contract';
import { errorText } from '../api/errors';
import type { BatchReducer, SliceCreator } from './types';

/** Live window: one point a second for 10 minutes (the chart shows 5). */
export const LIVE_POINTS = 600;
/** Per-device rate history is kept for at most this many devices, newest rates first. */
export const RATE_DEVICES = 200;
export const RATE_POINTS = 300;
/** On load, the busiest devices (by the host's last 10 s) get their last 5 minutes too. */
export const BACKFILL_DEVICES = 10;

export interface MetricsSlice {
  live: MetricsPoint[];
  deviceRates: Record<string, number>;
  /** device -> msgs/s samples (one per batch carrying rates), bounded. */
  rateHistory: Record<string, { ts: number; v: number }[]>;
  range: MetricsRange;
  /** The device the metrics view charts ('' = all devices), kept with the range it was asked for. */
  metricsDevice: string;
  historical: MetricsPoint[] | null;
  historicalLoading: boolean;
  setRange(range: MetricsRange, device?: string): Promise<void>;
  setMetricsDevice(device: string): Promise<void>;
  /** Asks the host again for the stored range shown (no loading state; a failure keeps what is shown). */
  refreshRange(): Promise<void>;
  /** Fills the live window with the host's last 5 minutes, so a fresh page starts with history. */
  loadLiveHistory(): Promise<void>;
}

/** Host points older than the first live point go in front of it; the live ones win on overlap. */
function prependOlder<P extends { ts: number }>(history: P[], live: P[], max: number): P[] {
  const firstLive = live[0]?.ts ?? Infinity;
  return [...history.filter((p) => p.ts < firstLive), ...live].slice(-max);
}

/** How often an open metrics view asks again for a stored range, so its right edge advances. */
export const STORED_RANGE_REFRESH_MS = 60_000;

export const mergeLiveHistory = (history: MetricsPoint[], live: MetricsPoint[]) => prependOlder(history, live, LIVE_POINTS);

export const createMetricsSlice: SliceCreator<MetricsSlice> = (set, get, client) => {
  // the newest setRange call: an older answer (another device, the same range) or its failure
  // arriving later changes nothing
  let asked = 0;
  const load = async (range: MetricsRange, device: string, refresh: boolean) => {
    const mine = ++asked;
    try {
      const points = await client.call('metrics.series', device ? { range, device } : { range });
      if (mine !== asked) return;
      set({ historical: points, historicalLoading: false });
      get().clearNotices('metrics.range');
    } catch (err) {
      if (mine !== asked) return;
      set(refresh ? {} : { historicalLoading: false, historical: [] });
      get().notify('error', `Could not load metrics for ${range}: ${errorText(err)}`, { key: 'metrics.range' });
    }
  };
  return {
    live: [],
    deviceRates: {},
    rateHistory: {},
    range: '5m',
    metricsDevice: '',
    historical: null,
    historicalLoading: false,
    async setRange(range, device = '') {
      set({ range, metricsDevice: device, historicalLoading: range !== '5m' });
      if (range === '5m') {
        asked++;
        return set({ historical: null });
      }
      await load(range, device, false);
    },
    setMetricsDevice(device) {
      return get().setRange(get().range, device);
    },
    async refreshRange() {
      const { range, metricsDevice } = get();
      if (range !== '5m') await load(range, metricsDevice, true);
    },
    async loadLiveHistory() {
      try {
        const [history, talkers] = await Promise.all([client.call('metrics.series', { range: '5m' }), client.call('metrics.topTalkers', { limit: BACKFILL_DEVICES })]);
        const perDevice = await Promise.all(talkers.map((t) => client.call('metrics.series', { device: t.device, range: '5m' })));
        set((s) => {
          const rateHistory = { ...s.rateHistory };
          talkers.forEach((t, i) => {
            // a step the host was not running has no rate (null), not a rate of 0
            const rates = perDevice[i]!.flatMap((p) => (p.msgsIn === null ? [] : [{ ts: p.ts, v: p.msgsIn + (p.msgsOut ?? 0) }]));
            rateHistory[t.device] = prependOlder(rates, rateHistory[t.device] ?? [], RATE_POINTS);
          });
          return { live: mergeLiveHistory(history, s.live), rateHistory };
        });
        get().clearNotices('metrics.live');
      } catch (err) {
        get().notify('warn', `Could not load the last 5 minutes of metrics: ${errorText(err)}`, { key: 'metrics.live' });
      }
    },
  };
};

function recordRates(history: MetricsSlice['rateHistory'], rates: Record<string, number>, ts: number) {
  const next: MetricsSlice['rateHistory'] = {};
  const busiest = Object.entries(rates)
    .sort((a, b) => b[1] - a[1])
    .slice(0, RATE_DEVICES);
  for (const [id, v] of busiest) {
    const series = history[id] ?? [];
    const appended = series.length >= RATE_POINTS ? series.slice(series.length - RATE_POINTS + 1) : series.slice();
    appended.push({ ts, v });
    next[id] = appended;
  }
  // devices that went quiet keep their history (with a zero) while there is room
  for (const id of Object.keys(history)) {
    if (id in next || Object.keys(next).length >= RATE_DEVICES) continue;
    const series = history[id]!;
    next[id] = [...series.slice(-(RATE_POINTS - 1)), { ts, v: 0 }];
  }
  return next;
}

/**
 * The live buffer with a pushed point at its end. The history load can hold the second the host
 * pushes next (its query rolls that second first): the pushed copy replaces it, never a second
 * point at one time (a chart's keys would step onto the same place).
 */
function appendLive(live: MetricsPoint[], point: MetricsPoint): MetricsPoint[] {
  let keep = live.length >= LIVE_POINTS ? live.slice(live.length - LIVE_POINTS + 1) : live.slice();
  const at = keep.findIndex((p) => p.ts >= point.ts);
  if (at >= 0) keep = keep.slice(0, at);
  keep.push(point);
  return keep;
}

export const metricsBatch: BatchReducer = (state, batch) => {
  const patch: Partial<MetricsSlice> = {};
  if (batch.metrics) patch.live = appendLive(state.live, batch.metrics);
  if (batch.deviceRates) {
    patch.deviceRates = batch.deviceRates;
    // the rates are of the second the metrics point closes (the host sends them together): at its
    // time, so the per-device chart's samples line up with the totals, and with the loaded history
    patch.rateHistory = recordRates(state.rateHistory, batch.deviceRates, batch.metrics?.ts ?? batch.ts);
  }
  return Object.keys(patch).length ? patch : null;
};
