import type { TrafficCounters, TrafficRow } from '../../../shared/api/contract';
import { errorText } from '../api/errors';
import type { BatchReducer, SliceCreator } from './types';

/** Rows kept for display; older rows stay in the host's log (export, traffic.page). */
export const TRAFFIC_CAP = 5_000;
/** Rows held while paused; beyond this they are counted as dropped, never kept. */
export const PAUSE_CAP = 20_000;
/** Rows one traffic.page call brings (the most the host gives). */
export const PAGE_ROWS = 1000;

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

/**
 * Two lists of rows, each oldest first, as one list oldest first with one row per seq (the row of
 * `list` where both have it, so a selected row stays the same object). `list` itself when `add`
 * brings nothing new.
 */
export function mergeBySeq(list: TrafficRow[], add: TrafficRow[]): TrafficRow[] {
  const out: TrafficRow[] = [];
  let i = 0;
  let j = 0;
  while (i < list.length || j < add.length) {
    const a = list[i];
    const b = add[j];
    if (a !== undefined && (b === undefined || a.seq <= b.seq)) {
      out.push(a);
      i++;
      if (b !== undefined && b.seq === a.seq) j++;
    } else {
      out.push(b!);
      j++;
    }
  }
  return out.length === list.length ? list : out;
}

/**
 * Whether rows down to `seq` (fetched newest first, with no gap) close up with what the list and
 * its pause buffer hold: they hold that row, or nothing older (so there is no hole below it).
 */
function joinsHeld(s: TrafficSlice, seq: number): boolean {
  const lists = [s.rows, s.buffered];
  return !lists.some((l) => l.length > 0 && l[0]!.seq < seq) || lists.some((l) => l.some((r) => r.seq === seq));
}

/** Whether the host's newest row is older than the newest row held: the host numbers a new log. */
function startsAgain(s: TrafficSlice, hostNewest: number | undefined): boolean {
  const heldNewest = Math.max(s.rows.at(-1)?.seq ?? -Infinity, s.buffered.at(-1)?.seq ?? -Infinity);
  return hostNewest !== undefined && hostNewest < heldNewest;
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
      const first = await client.call('traffic.page', { query: '', limit: PAGE_ROWS });
      // Newest first. After a reconnect the rows logged while the tab was away lie between what it
      // held and what batches brought since: page back until the rows join the held ones (or the
      // list's cap is fetched, or the log's start), so the list has no hole.
      const fetched = [...first.rows];
      let last = first.rows;
      while (last.length === PAGE_ROWS && fetched.length < TRAFFIC_CAP && !joinsHeld(get(), fetched.at(-1)!.seq)) {
        last = (await client.call('traffic.page', { query: '', beforeSeq: fetched.at(-1)!.seq, limit: PAGE_ROWS })).rows;
        fetched.push(...last);
      }
      const page = fetched.sort((a, b) => a.seq - b.seq);
      set((s) => {
        if (startsAgain(s, first.rows[0]?.seq)) {
          // a new log (retention emptied it, another --db, a restored backup): its seqs start again
          // below the rows held, which would never be newer than them nor sort after them
          return { rows: page.slice(-TRAFFIC_CAP), buffered: [], selected: null, hostCounters: first.counters };
        }
        // while paused the list stays where it is: the rows newer than it shows join the buffer
        const shownUpTo = !s.paused ? Infinity : (s.rows.at(-1)?.seq ?? (s.buffered[0] ? s.buffered[0].seq - 1 : Infinity));
        const split = page.findIndex((r) => r.seq > shownUpTo);
        const toRows = split === -1 ? page : page.slice(0, split);
        const toBuffer = split === -1 ? [] : page.slice(split);
        const rows = mergeBySeq(s.rows, toRows);
        const patch: Partial<TrafficSlice> = { rows: rows.length > TRAFFIC_CAP ? rows.slice(rows.length - TRAFFIC_CAP) : rows, hostCounters: first.counters };
        if (toBuffer.length) {
          const buffered = mergeBySeq(s.buffered, toBuffer);
          const over = buffered.length - PAUSE_CAP;
          patch.buffered = over > 0 ? buffered.slice(0, PAUSE_CAP) : buffered;
          if (over > 0) patch.pauseDropped = s.pauseDropped + over;
        }
        return patch;
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
