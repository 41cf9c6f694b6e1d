import type { MetricsPoint, TrafficRow } from '../../shared/api/contract';
import { csvLine } from '../../shared/csv';
import { commandName } from '../../shared/protocol/constants';
import type { Db } from './db';
import { FIELDS } from './metrics-series';
import type { CompiledFilter } from './traffic-filter';

const TRAFFIC_COLUMNS = ['seq', 'time', 'dir', 'device', 'from', 'to', 'cmd', 'msgId', 'size', 'status', 'cut', 'payload'] as const;

/** Exports keep at most this many characters so one export cannot exhaust memory; `truncated` says so. */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;

export interface ExportOutput {
  content: string;
  rows: number;
  /** Older rows were left out (row or size cap): the file holds only the newest ones. */
  truncated: boolean;
}

/**
 * `filter` narrowed to its newest `maxRows` matches, and whether older matches were left out: the
 * row one past the cap is looked up, so a cut export is known to be cut (and cut at the old end,
 * keeping the recent traffic a user most likely wants). Read oldest first with the same cap
 * (TrafficLog.iterate), rows committed after the look-up come last and are the ones the cap drops.
 */
export function newestMatches(db: Db, filter: CompiledFilter, maxRows: number): { filter: CompiledFilter; olderLeftOut: boolean } {
  const firstLeftOut = db.prepare(`SELECT seq FROM traffic WHERE ${filter.sql} ORDER BY seq DESC LIMIT 1 OFFSET ?`).get(...filter.params, maxRows) as { seq: number } | undefined;
  if (!firstLeftOut) return { filter, olderLeftOut: false };
  return { filter: { ...filter, sql: `(${filter.sql}) AND seq > ?`, params: [...filter.params, firstLeftOut.seq] }, olderLeftOut: true };
}

export interface TrafficExportOptions {
  maxChars?: number;
  /** The rows given are already the newest part of a longer match (newestMatches). */
  olderLeftOut?: boolean;
}

/**
 * Lines of `rows` (oldest first) after the header, keeping the newest that fit in `maxChars`: once
 * full, the oldest kept line makes room for the next, so memory stays near the cap.
 */
function collect(header: string, rows: Iterable<TrafficRow>, line: (r: TrafficRow) => string, { maxChars = MAX_EXPORT_CHARS, olderLeftOut = false }: TrafficExportOptions): ExportOutput {
  const lines: string[] = [];
  let first = 0;
  let chars = header.length;
  let truncated = olderLeftOut;
  for (const r of rows) {
    const l = line(r);
    lines.push(l);
    chars += l.length;
    while (chars > maxChars && first < lines.length) {
      chars -= lines[first]!.length;
      lines[first++] = ''; // let the dropped text go
      truncated = true;
    }
  }
  const kept = lines.slice(first);
  return { content: header + kept.join(''), rows: kept.length, truncated };
}

export function trafficCsv(rows: Iterable<TrafficRow>, options: TrafficExportOptions = {}): ExportOutput {
  const line = (r: TrafficRow) => csvLine([r.seq, new Date(r.ts).toISOString(), r.dir, r.device, r.from, r.to, commandName(r.cmd), r.msgId, r.size, r.status, r.cut, r.payload]);
  return collect(csvLine([...TRAFFIC_COLUMNS]), rows, line, options);
}

export function trafficJsonl(rows: Iterable<TrafficRow>, options: TrafficExportOptions = {}): ExportOutput {
  return collect('', rows, (r) => JSON.stringify({ ...r, time: new Date(r.ts).toISOString(), cmdName: commandName(r.cmd) }) + '\n', options);
}

export function metricsCsv(points: MetricsPoint[]): { content: string; rows: number } {
  const parts = [csvLine(['time', ...FIELDS])];
  for (const p of points) parts.push(csvLine([new Date(p.ts).toISOString(), ...FIELDS.map((c) => p[c])]));
  return { content: parts.join(''), rows: points.length };
}
