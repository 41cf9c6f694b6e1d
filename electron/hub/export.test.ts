import { afterAll, describe, expect, it } from 'vitest';
import type { TrafficRow } from '../../shared/api/contract';
import { openDatabase } from './db';
import { newestMatches, trafficCsv, trafficJsonl } from './export';
import { compileFilter } from './traffic-filter';
import { TrafficLog } from './traffic-log';
import { tempDir } from './testing/temp-dir';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const row = (seq: number, device = 'd'): TrafficRow => ({ seq, ts: seq * 1000, dir: 'in', device, from: device, to: 'server', cmd: 30, msgId: seq, size: 7, status: 200, payload: '{"a":1}', cut: false });
const seqsOfJsonl = (content: string) => content.trim().split('\n').map((l) => (JSON.parse(l) as TrafficRow).seq);

function logWith(name: string, rows: TrafficRow[]) {
  const db = openDatabase(`${tmp.dir}/${name}.db`);
  const log = new TrafficLog(db);
  for (const r of rows) log.append(r);
  while (log.flush());
  return { db, log };
}

/** What the export.traffic handler does: the newest matches, then written oldest first. */
function exportOf(name: string, rows: TrafficRow[], query: string, maxRows: number) {
  const { db, log } = logWith(name, rows);
  const newest = newestMatches(db, compileFilter(query), maxRows);
  const out = trafficJsonl(log.iterate(newest.filter, maxRows), { olderLeftOut: newest.olderLeftOut });
  db.close();
  return out;
}

describe('traffic export caps', () => {
  it('a row-capped export says it was cut and keeps the newest rows, oldest of them first', () => {
    const out = exportOf('rows', [row(1), row(2), row(3)], '', 2);
    expect(out).toMatchObject({ rows: 2, truncated: true });
    expect(seqsOfJsonl(out.content)).toEqual([2, 3]);
  });

  it('counts only matching rows against the cap', () => {
    const rows = [row(1, 'a'), row(2, 'b'), row(3, 'a'), row(4, 'b'), row(5, 'a')];
    const cut = exportOf('filtered', rows, 'device:a', 2);
    expect(cut).toMatchObject({ rows: 2, truncated: true });
    expect(seqsOfJsonl(cut.content)).toEqual([3, 5]);
    const whole = exportOf('filtered-fits', rows, 'device:b', 2);
    expect(whole).toMatchObject({ rows: 2, truncated: false });
    expect(seqsOfJsonl(whole.content)).toEqual([2, 4]);
  });

  it('exports what was stored at the look-up when more rows arrive before they are read', () => {
    const { db, log } = logWith('later', [row(1), row(2), row(3)]);
    const newest = newestMatches(db, compileFilter(''), 2);
    log.append(row(4));
    while (log.flush());
    const out = trafficJsonl(log.iterate(newest.filter, 2), { olderLeftOut: newest.olderLeftOut });
    expect(seqsOfJsonl(out.content)).toEqual([2, 3]);
    db.close();
  });

  it('an export at exactly the cap is not called cut', () => {
    expect(exportOf('exact', [row(1), row(2)], '', 2)).toMatchObject({ rows: 2, truncated: false });
  });

  it('the size cap keeps the newest rows that fit, oldest first, and says so', () => {
    const header = trafficCsv([]).content;
    const lineChars = trafficCsv([row(1)]).content.length - header.length;
    const out = trafficCsv([row(1), row(2), row(3)], { maxChars: header.length + 2 * lineChars });
    expect(out).toMatchObject({ rows: 2, truncated: true });
    expect(out.content.length).toBeLessThanOrEqual(header.length + 2 * lineChars);
    expect(out.content.startsWith(header)).toBe(true);
    expect(out.content.split('\n').slice(1, -1).map((l) => Number(l.split(',')[0]))).toEqual([2, 3]);
    expect(trafficCsv([row(1), row(2)], { maxChars: header.length + 2 * lineChars })).toMatchObject({ rows: 2, truncated: false });
  });
});
