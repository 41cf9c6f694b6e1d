import type { MetricsPoint, TrafficRow } from '../../shared/api/contract';
import { commandName } from '../../shared/protocol/constants';

/** One CSV cell: quoted when needed; a leading = + @ is neutralised so spreadsheets do not run it. */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: unknown[]): string => cells.map(csvCell).join(',') + '\n';

const TRAFFIC_COLUMNS = ['seq', 'time', 'dir', 'device', 'from', 'to', 'cmd', 'msgId', 'size', 'status', 'cut', 'payload'] as const;

export function trafficCsv(rows: Iterable<TrafficRow>): { content: string; rows: number } {
  const parts = [csvLine([...TRAFFIC_COLUMNS])];
  let n = 0;
  for (const r of rows) {
    parts.push(csvLine([r.seq, new Date(r.ts).toISOString(), r.dir, r.device, r.from, r.to, commandName(r.cmd), r.msgId, r.size, r.status, r.cut, r.payload]));
    n++;
  }
  return { content: parts.join(''), rows: n };
}

export function trafficJsonl(rows: Iterable<TrafficRow>): { content: string; rows: number } {
  const parts: string[] = [];
  for (const r of rows) parts.push(JSON.stringify({ ...r, time: new Date(r.ts).toISOString(), cmdName: commandName(r.cmd) }) + '\n');
  return { content: parts.join(''), rows: parts.length };
}

const METRIC_COLUMNS = ['msgsIn', 'msgsOut', 'bytesIn', 'bytesOut', 'errors', 'drops', 'rttMs', 'queueDepth', 'udpLoss', 'udpRetransmits'] as const;

export function metricsCsv(points: MetricsPoint[]): { content: string; rows: number } {
  const parts = [csvLine(['time', ...METRIC_COLUMNS])];
  for (const p of points) parts.push(csvLine([new Date(p.ts).toISOString(), ...METRIC_COLUMNS.map((c) => p[c])]));
  return { content: parts.join(''), rows: points.length };
}
