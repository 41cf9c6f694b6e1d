import type { TrafficCounters, TrafficRow } from '../../../shared/api/contract';
import { errorText } from '../api/errors';
import type { BatchReducer, SliceCreator } from './types';

/** Rows kept for display; older rows stay in the host's log (export, traffic.page). */
export const TRAFFIC_CAP = 5_000;
/** Rows held while paused; beyond this they are counted as dropped, never kept. */
export const PAUSE_CAP = 20_000;

export interface TrafficSlice {
  rows: TrafficRow[];
  paused: boolean;
  buffered: TrafficRow[];
  /** Rows lost in the UI: over the pause cap. */
  pauseDropped: number;
  /** Rows the host did not send to the UI because it was busy (trafficSkipped). */
  skipped: number;
  hostCounters: TrafficCounters;
  query: string;
  selected: TrafficRow | null;
  setPaused(paused: boolean): void;
  setQuery(query: string): void;
  select(row: TrafficRow | null): void;
  clearTraffic(): void;
  loadTrafficPage(): Promise<void>;
}

/** Appends newest rows and keeps the last `cap`. */
export function appendBounded<T>(list: T[], add: T[], cap: number): T[] {
  if (add.length === 0) return list;
  if (add.length >= cap) return add.slice(add.length - cap);
  const keep = Math.max(0, list.length + add.length - cap);
  const next = keep > 0 ? list.slice(keep) : list.slice();
  for (const r of add) next.push(r);
  return next;
}

export const createTrafficSlice: SliceCreator<TrafficSlice> = (set, get, client) => ({
  rows: [],
  paused: false,
  buffered: [],
  pauseDropped: 0,
  skipped: 0,
  hostCounters: { logged: 0, shown: 0, dropped: 0, writing: 0 },
  query: '',
  selected: null,
  setPaused(paused) {
    if (paused) return set({ paused: true });
    set((s) => ({ paused: false, rows: appendBounded(s.rows, s.buffered, TRAFFIC_CAP), buffered: [] }));
  },
  setQuery(query) {
    set({ query });
  },
  select(row) {
    set({ selected: row });
  },
  clearTraffic() {
    set({ rows: [], buffered: [], selected: null });
  },
  async loadTrafficPage() {
    try {
      const page = await client.call('traffic.page', { query: '', limit: 1000 });
      set((s) => {
        const newest = s.rows[0]?.seq ?? Infinity;
        const older = page.rows.filter((r) => r.seq < newest).sort((a, b) => a.seq - b.seq);
        return { rows: appendBounded(older, s.rows, TRAFFIC_CAP), hostCounters: page.counters };
      });
      get().clearNotices('traffic.load');
    } catch (err) {
      get().notify('warn', `Could not load the traffic log: ${errorText(err)}`, { key: 'traffic.load' });
    }
  },
});

export const trafficBatch: BatchReducer = (state, batch) => {
  const patch: Partial<TrafficSlice> = {};
  if (batch.counters) patch.hostCounters = batch.counters;
  if (batch.trafficSkipped) patch.skipped = state.skipped + batch.trafficSkipped;
  // Rows arrive in seq order; a batch can repeat rows the traffic page just brought (the page reads
  // the log after writing the queue, and the queue's newest rows also wait for the next batch).
  // Repeated seqs would be repeated keys in the list, which React leaves behind as stale rows.
  const newest = (state.paused ? (state.buffered.at(-1) ?? state.rows.at(-1)) : state.rows.at(-1))?.seq ?? -Infinity;
  const rows = batch.traffic?.filter((r) => r.seq > newest);
  if (rows?.length) {
    if (state.paused) {
      const room = PAUSE_CAP - state.buffered.length;
      if (room <= 0) patch.pauseDropped = state.pauseDropped + rows.length;
      else {
        patch.buffered = appendBounded(state.buffered, rows.slice(0, room), PAUSE_CAP);
        if (rows.length > room) patch.pauseDropped = state.pauseDropped + rows.length - room;
      }
    } else {
      patch.rows = appendBounded(state.rows, rows, TRAFFIC_CAP);
    }
  }
  return Object.keys(patch).length ? patch : null;
};
