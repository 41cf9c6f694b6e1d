import type { MetricsPoint, TrafficRow } from '../../shared/api/contract';
import { csvLine } from '../../shared/csv';
import { commandName } from '../../shared/protocol/constants';
import { FIELDS } from './metrics-series';

const TRAFFIC_COLUMNS = ['seq', 'time', 'dir', 'device', 'from', 'to', 'cmd', 'msgId', 'size', 'status', 'cut', 'payload'] as const;

/** Exports stop at this many characters so one export cannot exhaust memory; `truncated` says so. */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;

export interface ExportOutput {
  content: string;
  rows: number;
  truncated: boolean;
}

function collect(header: string, rows: Iterable<TrafficRow>, line: (r: TrafficRow) => string, maxChars: number): ExportOutput {
  const parts = header ? [header] : [];
  let chars = header.length;
  let n = 0;
  for (const r of rows) {
    const l = line(r);
    if (chars + l.length > maxChars) return { content: parts.join(''), rows: n, truncated: true };
    parts.push(l);
    chars += l.length;
    n++;
  }
  return { content: parts.join(''), rows: n, truncated: false };
}

export function trafficCsv(rows: Iterable<TrafficRow>, maxChars = MAX_EXPORT_CHARS): ExportOutput {
  const line = (r: TrafficRow) => csvLine([r.seq, new Date(r.ts).toISOString(), r.dir, r.device, r.from, r.to, commandName(r.cmd), r.msgId, r.size, r.status, r.cut, r.payload]);
  return collect(csvLine([...TRAFFIC_COLUMNS]), rows, line, maxChars);
}

export function trafficJsonl(rows: Iterable<TrafficRow>, maxChars = MAX_EXPORT_CHARS): ExportOutput {
  return collect('', rows, (r) => JSON.stringify({ ...r, time: new Date(r.ts).toISOString(), cmdName: commandName(r.cmd) }) + '\n', maxChars);
}

export function metricsCsv(points: MetricsPoint[]): { content: string; rows: number } {
  const parts = [csvLine(['time', ...FIELDS])];
  for (const p of points) parts.push(csvLine([new Date(p.ts).toISOString(), ...FIELDS.map((c) => p[c])]));
  return { content: parts.join(''), rows: points.length };
}
