import { Command, Status } from '../protocol/constants';
import type { TrafficRow } from './contract';

/**
 * The traffic filter language, shared by traffic.page, export (electron/hub adds the SQL form)
 * and the renderer's live view:
 *   device:<id>  from:<id>  to:<id>  cmd:<name|code>  dir:in|out  status:<name|code>
 *   field.path=value (also > <)  free text (matches payload, device, from, to).
 *   from: is the sender; to: the target, also of a device's message whose row has no `to` (logged
 *   before the broker named it, or refused unread by the rate limit): its envelope's targetId.
 *   Terms are ANDed; a leading '-' negates one;
 *   "double quotes" keep spaces. A field path is looked up in the payload and in its inner
 *   "payload" object, so `state.relay1=true` matches a device's state report.
 */
export class FilterError extends Error {}

export type FilterTerm =
  | { kind: 'device'; value: string; not: boolean }
  | { kind: 'from'; value: string; not: boolean }
  | { kind: 'to'; value: string; not: boolean }
  | { kind: 'cmd'; value: number; not: boolean }
  | { kind: 'dir'; value: 'in' | 'out'; not: boolean }
  | { kind: 'status'; value: number; not: boolean }
  | { kind: 'field'; path: string[]; op: '=' | '>' | '<'; value: string | number | boolean | null; not: boolean }
  | { kind: 'text'; value: string; not: boolean };

export interface ParsedFilter {
  terms: FilterTerm[];
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

function parseTerm(token: string): FilterTerm {
  const not = token.startsWith('-') && token.length > 1;
  const body = not ? token.slice(1) : token;
  const prefixed = /^(device|from|to|cmd|dir|status):(.*)$/i.exec(body);
  if (prefixed) {
    const key = prefixed[1]!.toLowerCase();
    const value = prefixed[2]!;
    if (!value) throw new FilterError(`${key}: needs a value`);
    if (key === 'device' || key === 'from' || key === 'to') return { kind: key, value, not };
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

/** Parses a filter expression; throws FilterError with a message meant for the user. */
export function parseFilter(query: string): ParsedFilter {
  const tokens = tokenize(query.trim());
  if (tokens.length > MAX_TERMS) throw new FilterError(`at most ${MAX_TERMS} filter terms`);
  const terms = tokens.map(parseTerm);
  return { terms, matches: (row) => terms.every((t) => matchTerm(t, row) !== t.not) };
}

function lookup(obj: unknown, path: string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function matchTerm(t: FilterTerm, row: TrafficRow): boolean {
  switch (t.kind) {
    case 'device': return row.device === t.value;
    case 'from': return row.from === t.value;
    case 'to': return row.to === t.value || (row.to === null && envelopeTarget(row.payload) === t.value);
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

/** A device envelope's targetId ({"targetId": ..., "payload": ...}), else undefined. */
function envelopeTarget(payload: string): unknown {
  if (!payload.startsWith('{')) return undefined;
  try {
    return (JSON.parse(payload) as { targetId?: unknown }).targetId;
  } catch {
    return undefined;
  }
}

function compare(v: unknown, op: '=' | '<' | '>', want: string | number | boolean | null): boolean {
  if (v === undefined) return false;
  if (op === '=') return v === want;
  return typeof v === 'number' && typeof want === 'number' && (op === '<' ? v < want : v > want);
}
