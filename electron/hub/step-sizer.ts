/**
 * Sizes SQL steps that cannot stop halfway (a DELETE of n rows) to a time budget, from what the
 * steps before took per row: the broker shares this event loop, so no step may hold it long, and
 * the cost per row varies with the machine, the disk and the rows' size.
 */
export class StepSizer {
  /** Smoothed ms per row; starts at flush-probe.ts's measure (about 2 us a row deleted), doubled. */
  private msPerRow = 0.004;

  constructor(
    private readonly budgetMs: number,
    private readonly minRows: number,
    private readonly maxRows: number,
  ) {}

  /** Rows for the next step: what fits the budget at the recent cost, within [minRows, maxRows]. */
  rows(): number {
    return Math.max(this.minRows, Math.min(this.maxRows, Math.floor(this.budgetMs / this.msPerRow)));
  }

  /** A step deleted `rows` rows in `ms`; steps of a handful of rows say little and are left out. */
  record(rows: number, ms: number): void {
    if (rows < this.minRows || !(ms >= 0)) return;
    this.msPerRow = 0.5 * this.msPerRow + 0.5 * (ms / rows);
  }
}
