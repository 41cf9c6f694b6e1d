import { afterAll, describe, expect, it } from 'vitest';
import { columnBounds, openDatabase } from './db';
import { tempDir } from './testing/temp-dir';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('columnBounds', () => {
  it('reads both ends of the traffic log and the telemetry history through their keys, never scanning the table', () => {
    const db = openDatabase(`${tmp.dir}/bounds.db`);
    for (const [table, column] of [['traffic', 'seq'], ['telemetry_minute', 'id']] as const) {
      const bounds = columnBounds(db, table, column);
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${bounds.source}`).all() as { detail: string }[]).map((r) => r.detail);
      expect(plan.filter((d) => d.startsWith('SCAN') && d.includes(table))).toEqual([]);
      expect(plan.filter((d) => d.startsWith('SEARCH') && d.includes(table))).toHaveLength(2);
      expect(bounds.get()).toEqual({ lo: null, hi: null });
    }
    const insert = db.prepare("INSERT INTO traffic (seq, ts, dir, device, cmd, msg_id, size, payload, cut, bytes) VALUES (?, 0, 'in', 'd', 30, 0, 0, '', 0, 80)");
    for (const seq of [7, 3, 42]) insert.run(seq);
    expect(columnBounds(db, 'traffic', 'seq').get()).toEqual({ lo: 3, hi: 42 });
    db.close();
  });
});
