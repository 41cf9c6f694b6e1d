import type { TrafficRow } from '../../../../shared/api/contract';
import { Command, Status } from '../../../../shared/protocol/constants';
import { getPath, rowJson } from './payload';

/**
 * The traffic filter language, the same as the host's traffic.page and export (electron/hub/
 * traffic-filter.ts; to move to shared/): terms are ANDed, a leading '-' negates one,
 *   device:<id>  cmd:<name|code|json|ack>  dir:in|out  status:<name|code>
 *   a.b.c=value  a.b>3  a.b<3   (a JSON field of the payload or of its inner "payload")
 *   free text (in the payload, or equal to the device, from or to); "double quotes" keep spaces.
 */
export interface CompiledFilter {
  match(row: TrafficRow): boolean;
  error: string | null;
  empty: boolean;
}

type Pred = (row: TrafficRow) => boolean;

const MAX_TERMS = 16;
const cmdAliases: Record<string, number> = { json: Command.JSON_MESSAGE, msg: Command.JSON_MESSAGE, message: Command.JSON_MESSAGE, ack: Command.RESPONSE };

function tokenize(query: string): string[] {
  return Array.from(query.matchAll(/(-?[^\s"]*"[^"]*"[^\s]*|\S+)/g), (m) => m[0].replace(/"/g, ''));
}

function codeOf(table: Record<string, number>, raw: string, what: 'cmd' | 'status'): number | string {
  if (/^\d{1,3}$/.test(raw)) return Number(raw);
  const code = table[raw.toUpperCase()] ?? (what === 'cmd' ? cmdAliases[raw.toLowerCase()] : undefined);
  return code ?? `${what}:${raw}: unknown ${what}; use a number or one of ${Object.keys(table).join(', ').toLowerCase()}`;
}

function literal(raw: string): string | number | boolean | null {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

function fieldPred(path: string, op: '=' | '<' | '>', want: string | number | boolean | null): Pred {
  const cmp = (v: unknown) => v !== undefined && (op === '=' ? v === want : typeof v === 'number' && typeof want === 'number' && (op === '<' ? v < want : v > want));
  return (row) => {
    const { envelope, inner } = rowJson(row);
    return cmp(getPath(envelope, path)) || (inner !== envelope && cmp(getPath(inner, path)));
  };
}

function termPred(body: string): Pred | string {
  const prefixed = /^(device|cmd|dir|status):(.*)$/i.exec(body);
  if (prefixed) {
    const key = prefixed[1]!.toLowerCase();
    const value = prefixed[2]!;
    if (!value) return `${key}: needs a value`;
    if (key === 'device') return (r) => r.device === value;
    if (key === 'dir') return value === 'in' || value === 'out' ? (r) => r.dir === value : `dir:${value}: must be "in" or "out"`;
    const code = codeOf(key === 'cmd' ? Command : Status, value, key as 'cmd' | 'status');
    if (typeof code === 'string') return code;
    return key === 'cmd' ? (r) => r.cmd === code : (r) => r.status === code;
  }
  const field = /^([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)([=<>])(.*)$/.exec(body);
  if (field) {
    const op = field[2] as '=' | '<' | '>';
    const want = literal(field[3]!);
    if (op !== '=' && typeof want !== 'number') return `${body}: ${op} needs a number`;
    return fieldPred(field[1]!, op, want);
  }
  const needle = body.toLowerCase();
  return (r) => r.payload.toLowerCase().includes(needle) || r.device === body || r.from === body || r.to === body;
}

export function compileFilter(query: string): CompiledFilter {
  const tokens = tokenize(query.trim());
  if (tokens.length > MAX_TERMS) return { match: () => true, error: `at most ${MAX_TERMS} filter terms`, empty: true };
  const preds: Pred[] = [];
  const errors: string[] = [];
  for (const token of tokens) {
    const negate = token.startsWith('-') && token.length > 1;
    const p = termPred(negate ? token.slice(1) : token);
    if (typeof p === 'string') errors.push(p);
    else preds.push(negate ? (r) => !p(r) : p);
  }
  return {
    match: (row) => preds.every((p) => p(row)),
    error: errors.length ? errors.join('; ') : null,
    empty: preds.length === 0,
  };
}

/** The rows that match, reusing the input when the filter is empty. */
export function filterRows(rows: TrafficRow[], filter: CompiledFilter): TrafficRow[] {
  return filter.empty ? rows : rows.filter(filter.match);
}
