import { parseFilter, type FilterTerm, type ParsedFilter } from '../../shared/api/traffic-filter';

export { FilterError } from '../../shared/api/traffic-filter';

/** A parsed filter (shared/api/traffic-filter.ts) plus its SQL form over the traffic table. */
export interface CompiledFilter extends ParsedFilter {
  /** SQL condition (or '1' when empty) and its parameters. */
  sql: string;
  params: (string | number)[];
}

const asciiLower = (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

function termSql(t: FilterTerm, params: (string | number)[]): string {
  switch (t.kind) {
    case 'device': params.push(t.value); return 'device = ?';
    // IS, not =: src and dst may be NULL, and NOT of a NULL comparison would drop the row
    case 'from': params.push(t.value); return 'src IS ?';
    case 'to':
      params.push(t.value, t.value);
      return "(dst IS ? OR (dst IS NULL AND json_valid(payload) AND json_extract(payload, '$.targetId') IS ?))";
    case 'cmd': params.push(t.value); return 'cmd = ?';
    case 'dir': params.push(t.value); return 'dir = ?';
    case 'status': params.push(t.value); return 'status = ?';
    case 'text':
      // SQLite's lower() folds ASCII only: so must the needle, or 'Ölpumpe' never finds 'Ölpumpe'.
      params.push(asciiLower(t.value), t.value, t.value, t.value);
      return '(instr(lower(payload), ?) > 0 OR device = ? OR src = ? OR dst = ?)';
    case 'field': {
      const v = typeof t.value === 'boolean' ? (t.value ? 1 : 0) : t.value;
      const cmp = v === null ? 'IS NULL' : `${t.op} ?`;
      // Paths are [A-Za-z0-9_.] only (checked by the parser), so inlining them is safe.
      const outer = `'$.${t.path.join('.')}'`;
      const inner = `'$.payload.${t.path.join('.')}'`;
      if (v !== null) params.push(v, v);
      return `(json_valid(payload) AND (json_extract(payload, ${outer}) ${cmp} OR json_extract(payload, ${inner}) ${cmp}))`;
    }
  }
}

/** Parses the query and builds its SQL; throws FilterError on a bad expression. */
export function compileFilter(query: string): CompiledFilter {
  const parsed = parseFilter(query);
  const params: (string | number)[] = [];
  // NOT of a comparison with an empty column (a ping's status, a field the row lacks) is NULL, which
  // drops the row: a negated term keeps what it says nothing about, as the live view does. CASE, not
  // coalesce(): a function's argument is computed whole, where json_valid(...) AND json_extract(...)
  // must stop at an invalid payload.
  const conds = parsed.terms.map((t) => (t.not ? `NOT (CASE WHEN ${termSql(t, params)} THEN 1 ELSE 0 END)` : termSql(t, params)));
  return { ...parsed, sql: conds.length ? conds.join(' AND ') : '1', params };
}
