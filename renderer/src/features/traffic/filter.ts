import type { TrafficRow } from '../../../../shared/api/contract';
import { FilterError, parseFilter } from '../../../../shared/api/traffic-filter';

/**
 * The live view filters with the very language the host uses for traffic.page and export
 * (shared/api/traffic-filter.ts), so what you see is what you export. A bad expression keeps
 * every row and reports why.
 */
export interface CompiledFilter {
  match(row: TrafficRow): boolean;
  error: string | null;
  empty: boolean;
}

export function compileFilter(query: string): CompiledFilter {
  try {
    const parsed = parseFilter(query);
    return { match: parsed.matches, error: null, empty: parsed.terms.length === 0 };
  } catch (err) {
    return { match: () => true, error: err instanceof FilterError ? err.message : String(err), empty: true };
  }
}

/** The rows that match, reusing the input when the filter is empty. */
export function filterRows(rows: TrafficRow[], filter: CompiledFilter): TrafficRow[] {
  return filter.empty ? rows : rows.filter(filter.match);
}
