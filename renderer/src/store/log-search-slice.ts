import type { TrafficRow } from '../../../shared/api/contract';
import { errorText } from '../api/errors';
import type { SliceCreator } from './types';

/** Matches one call asks the host for. */
export const LOG_PAGE = 200;
/** Matches kept in the view; beyond this the user narrows the filter or exports. */
export const LOG_SEARCH_CAP = 5_000;

/**
 * Why the search stopped where it is:
 * - page-full: the last call filled its page, older matches may exist;
 * - scan-limited: the host searched its bounded window without filling the page;
 * - end: the search reached the oldest message in the log;
 * - cap: the view holds LOG_SEARCH_CAP matches and takes no more.
 */
export type LogSearchStop = 'page-full' | 'scan-limited' | 'end' | 'cap';

export interface LogSearch {
  query: string;
  /** Matches, oldest first (the list shows the newest at the bottom). */
  rows: TrafficRow[];
  searching: boolean;
  error: string | null;
  stop: LogSearchStop | null;
  /** The search covers seqs below `from` and at or above `reached` (null until the first answer). */
  from: number | null;
  reached: number | null;
  /** beforeSeq of the next call; null when there is nothing further back. */
  next: number | null;
}

export interface LogSearchSlice {
  logSearch: LogSearch | null;
  /** Searches the host's log for `query`, newest first, replacing any earlier search. */
  startLogSearch(query: string): Promise<void>;
  /** Continues the current search below where it stopped; appends the older matches. */
  searchFurther(): Promise<void>;
  closeLogSearch(): void;
}

const fresh = (query: string): LogSearch => ({ query, rows: [], searching: true, error: null, stop: null, from: null, reached: null, next: null });

export const createLogSearchSlice: SliceCreator<LogSearchSlice> = (set, get, client) => {
  // A newer search (or close) makes answers to older calls stale: they are dropped.
  let generation = 0;

  async function run(search: LogSearch, beforeSeq: number | undefined): Promise<void> {
    const mine = ++generation;
    set({ logSearch: { ...search, searching: true, error: null } });
    try {
      const page = await client.call('traffic.page', { query: search.query, limit: LOG_PAGE, ...(beforeSeq === undefined ? {} : { beforeSeq }) });
      if (mine !== generation) return;
      const current = get().logSearch;
      if (!current) return;
      const older = page.rows.filter((r) => current.reached === null || r.seq < current.reached).sort((a, b) => a.seq - b.seq);
      const room = LOG_SEARCH_CAP - current.rows.length;
      const taken = older.length > room ? older.slice(older.length - room) : older;
      const rows = taken.length === 0 ? current.rows : [...taken, ...current.rows];
      const oldestMatch = page.rows.reduce((min, r) => Math.min(min, r.seq), Infinity);
      let stop: LogSearchStop;
      let next: number | null;
      let reached: number;
      if (rows.length >= LOG_SEARCH_CAP) [stop, next, reached] = ['cap', null, rows[0]!.seq];
      else if (page.scanLimitedAt !== undefined) [stop, next, reached] = ['scan-limited', page.scanLimitedAt, page.scanLimitedAt];
      else if (page.rows.length >= LOG_PAGE) [stop, next, reached] = ['page-full', oldestMatch, oldestMatch];
      else [stop, next, reached] = ['end', null, 0];
      const from = current.from ?? page.scanFrom ?? (page.rows[0] ? page.rows[0].seq + 1 : null);
      set({ logSearch: { ...current, rows, searching: false, stop, next, reached, from } });
    } catch (err) {
      if (mine !== generation) return;
      const current = get().logSearch;
      if (current) set({ logSearch: { ...current, searching: false, error: errorText(err) } });
    }
  }

  return {
    logSearch: null,
    startLogSearch(query) {
      return run(fresh(query), undefined);
    },
    searchFurther() {
      const current = get().logSearch;
      if (!current || current.searching || current.next === null) return Promise.resolve();
      return run(current, current.next);
    },
    closeLogSearch() {
      generation++;
      set({ logSearch: null });
    },
  };
};
