import { Command, Status } from '../../shared/protocol/constants';
import type { TrafficRow } from '../../shared/api/contract';

/**
 * The traffic filter language, shared by traffic.page, the live view and export:
 *   device:<id>  cmd:<name|code>  dir:in|out  status:<name|code>  field.path=value (also > <)
 *   free text (matches payload, device, from, to). Terms are ANDed; a leading '-' negates one;
 *   "double quotes" keep spaces. A field path is looked up in the payload and in its inner
 *   "payload" object, so `state.relay1=true` matches a device's state report.
 */
export class FilterError extends Error {}

type Term =
  | { kind: 'device'; value: string; not: boolean }
  | { kind: 'cmd'; value: number; not: boolean }
  | { kind: 'dir'; value: 'in' | 'out'; not: boolean }
  | { kind: 'status'; value: number; not: boolean }
  | { kind: 'field'; path: string[]; op: '=' | '>' | '<'; value: string | number | boolean | null; not: boolean }
  | { kind: 'text'; value: string; not: boolean };

export interface CompiledFilter {
  terms: Term[];
  /** SQL condition over the traffic table (or '1' when empty) and its parameters. */
  sql: string;
  params: (string | number)[];
  matches(row: TrafficRow): boolean;
}

const MAX_TERMS = 16;
const cmdAliases: Record<string, number> = { json: Command.JSON_MESSAGE, msg: Command.JSON_MESSAGE, message: Command.JSON_MESSAGE, ack: Command.RESPONSE };

function tokenize(query: string): string[] {
  const out: string[] = [];
  const re = /(-?[^\s"]*"[^"]*"[^\s]*|\S+)/g;
  for (const m of query.matchAll(re)) out.push(m[0].replace(/"/g, ''));
  return out;
}

function codeOf(table: Record<string, number>, raw: string, what: string): number {
  if (/^\d{1,3}$/.test(raw)) return Number(raw);
  const upper = raw.toUpperCase();
  const code = table[upper] ?? cmdAliases[raw.toLowerCase()];
  if (code === undefined || (what === 'status' && table[upper] === undefined)) {
    throw new FilterError(`${what}:${raw}: unknown ${what}; use a number or one of ${Object.keys(table).join(', ').toLowerCase()}`);
  }
  return code;
}

function literal(raw: string): string | number | boolean | null {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

function parseTerm(token: string): Term {
  const not = token.startsWith('-') && token.length > 1;
  const body = not ? token.slice(1) : token;
  const prefixed = /^(device|cmd|dir|status):(.*)$/i.exec(body);
  if (prefixed) {
    const key = prefixed[1]!.toLowerCase();
    const value = prefixed[2]!;
    if (!value) throw new FilterError(`${key}: needs a value`);
    if (key === 'device') return { kind: 'device', value, not };
    if (key === 'cmd') return { kind: 'cmd', value: codeOf(Command, value, 'cmd'), not };
    if (key === 'status') return { kind: 'status', value: codeOf(Status, value, 'status'), not };
    if (value !== 'in' && value !== 'out') throw new FilterError(`dir:${value}: must be "in" or "out"`);
    return { kind: 'dir', value, not };
  }
  const field = /^([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)([=<>])(.*)$/.exec(body);
  if (field) {
    const op = field[2] as '=' | '<' | '>';
    const value = literal(field[3]!);
    if (op !== '=' && typeof value !== 'number') throw new FilterError(`${body}: ${op} needs a number`);
    return { kind: 'field', path: field[1]!.split('.'), op, value, not };
  }
  return { kind: 'text', value: body, not };
}

export function compileFilter(query: string): CompiledFilter {
  const tokens = tokenize(query.trim());
  if (tokens.length > MAX_TERMS) throw new FilterError(`at most ${MAX_TERMS} filter terms`);
  const terms = tokens.map(parseTerm);
  const conds: string[] = [];
  const params: (string | number)[] = [];
  for (const t of terms) {
    let c: string;
    switch (t.kind) {
      case 'device': c = 'device = ?'; params.push(t.value); break;
      case 'cmd': c = 'cmd = ?'; params.push(t.value); break;
      case 'dir': c = 'dir = ?'; params.push(t.value); break;
      case 'status': c = 'status = ?'; params.push(t.value); break;
      case 'text': {
        c = "(instr(lower(payload), ?) > 0 OR device = ? OR src = ? OR dst = ?)";
        params.push(t.value.toLowerCase(), t.value, t.value, t.value);
        break;
      }
      case 'field': {
        const v = typeof t.value === 'boolean' ? (t.value ? 1 : 0) : t.value;
        const cmp = v === null ? 'IS NULL' : `${t.op} ?`;
        const outer = `'$.${t.path.join('.')}'`;
        const inner = `'$.payload.${t.path.join('.')}'`;
        // Paths are [A-Za-z0-9_.] only (checked by the regex above), so inlining them is safe.
        c = `(json_valid(payload) AND (json_extract(payload, ${outer}) ${cmp} OR json_extract(payload, ${inner}) ${cmp}))`;
        if (v !== null) params.push(v, v);
        break;
      }
    }
    conds.push(t.not ? `NOT ${c}` : c);
  }
  return { terms, sql: conds.length ? conds.join(' AND ') : '1', params, matches: (row) => terms.every((t) => matchTerm(t, row) !== t.not) };
}

function lookup(obj: unknown, path: string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function matchTerm(t: Term, row: TrafficRow): boolean {
  switch (t.kind) {
    case 'device': return row.device === t.value;
    case 'cmd': return row.cmd === t.value;
    case 'dir': return row.dir === t.value;
    case 'status': return row.status === t.value;
    case 'text': {
      const needle = t.value.toLowerCase();
      return row.payload.toLowerCase().includes(needle) || row.device === t.value || row.from === t.value || row.to === t.value;
    }
    case 'field': {
      let json: unknown;
      try {
        json = JSON.parse(row.payload);
      } catch {
        return false;
      }
      return [lookup(json, t.path), lookup(json, ['payload', ...t.path])].some((v) => compare(v, t.op, t.value));
    }
  }
}

function compare(v: unknown, op: '=' | '<' | '>', want: string | number | boolean | null): boolean {
  if (v === undefined) return false;
  if (op === '=') return v === want;
  return typeof v === 'number' && typeof want === 'number' && (op === '<' ? v < want : v > want);
}
