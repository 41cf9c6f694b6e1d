import { gatedWrite, type Db } from './db';
import { ROUND_BUDGET_MS } from './flusher';
import { StepSizer } from './step-sizer';

/**
 * Pages one step gives back at most (256 KiB at SQLite's default 4 KiB pages). Each is a page moved
 * from the file's end into a hole, some 0.03 ms here; steps are sized to a write round's budget
 * from what the last ones took, within [MIN_PAGES_PER_STEP, MAX_PAGES_PER_STEP].
 */
export const MAX_PAGES_PER_STEP = 64;
const MIN_PAGES_PER_STEP = 8;

/**
 * Free pages left in the file for new rows to reuse (4 MiB at 4 KiB pages): a traffic log at its
 * cap deletes a little every round and writes as much again, which should not shrink and regrow
 * the file each time.
 */
export const KEEP_FREE_PAGES = 1024;

const INCREMENTAL = 2;
const sizers = new WeakMap<Db, StepSizer>();
const sizerOf = (db: Db): StepSizer => {
  let sizer = sizers.get(db);
  if (!sizer) sizers.set(db, (sizer = new StepSizer(ROUND_BUDGET_MS, MIN_PAGES_PER_STEP, MAX_PAGES_PER_STEP)));
  return sizer;
};

/**
 * Gives free pages back to the file system, one short step per call: the database file never
 * shrinks by itself after deletes (db.ts turns on incremental auto-vacuum, this runs it). Call it
 * again while `more` says pages are left, a turn of the event loop apart, like the retention
 * steps. In WAL mode the file itself is cut at the next checkpoint. A file made before
 * auto-vacuum was on cannot be shrunk this way: nothing is done and `more` is false.
 */
export function freePagesStep(db: Db, maxPages?: number, keepPages = KEEP_FREE_PAGES): { freed: number; more: boolean } {
  if (db.pragma('auto_vacuum', { simple: true }) !== INCREMENTAL) return { freed: 0, more: false };
  const freeNow = (): number => db.pragma('freelist_count', { simple: true }) as number;
  const before = freeNow();
  const sizer = sizerOf(db);
  const pages = Math.min(maxPages ?? sizer.rows(), before - keepPages);
  if (pages <= 0) return { freed: 0, more: false };
  const t0 = performance.now();
  // exec, not a statement's run(): SQLite frees one page per step of this pragma, exec steps to the
  // end. A write like any other, so through the writer gate (db.ts).
  gatedWrite(db, () => db.exec(`PRAGMA incremental_vacuum(${Math.floor(pages)})`));
  const after = freeNow();
  sizer.record(before - after, performance.now() - t0);
  return { freed: before - after, more: after > keepPages && after < before };
}
