import type { ReduceWork, Series, SplitWork } from "./series.ts";
import type { ScheduleWork } from "./lr_schedule.ts";

/**
 * What a series that only grows by appends (a `RunCollector`'s, followed through a live run) knows of
 * itself without a pass over its points, and the work analysis keeps between questions about it, so
 * that a million-point series with a thousand new points costs a thousand points' work, not a million.
 *
 * Kept work is valid while the series is in step order: its first points are then the same points in
 * the same order at every question, and work over them (a bucket's median, a partial sum) gives the
 * same bits it would from scratch. A series whose steps went back is sorted afresh each time, and
 * nothing is kept for it.
 */
/** Work kept over a series' first points, by the analysis step that does it (see each). */
export interface KeptWork {
  split?: SplitWork;
  reduce?: ReduceWork;
  schedule?: ScheduleWork;
}

export class SeriesFacts {
  /** How many points these facts describe: a series of another length is read as having none. */
  length = 0;
  /** No step is below the one before (`sortedByStep`'s test), so the series is its own step order. */
  sorted = true;
  lowStep = Infinity;
  highStep = -Infinity;
  nanStep = false;
  nonFinite = 0;
  /** Index of the first NaN or infinite value, -1 if none. */
  firstNonFinite = -1;
  /** The largest finite value (-Infinity if none): a learning rate's peak without a pass. */
  maxFinite = -Infinity;
  private lastStep = NaN;
  private work: KeptWork = {};

  /** Notes one appended point. */
  add(step: number, value: number): void {
    if (this.length > 0 && !(step >= this.lastStep) && this.sorted) {
      this.sorted = false;
      this.work = {};
    }
    this.lastStep = step;
    if (Number.isNaN(step)) this.nanStep = true;
    else {
      if (step < this.lowStep) this.lowStep = step;
      if (step > this.highStep) this.highStep = step;
    }
    if (!Number.isFinite(value)) {
      if (this.nonFinite === 0) this.firstNonFinite = this.length;
      this.nonFinite++;
    } else if (value > this.maxFinite) this.maxFinite = value;
    this.length++;
  }

  /** The work kept over the series' first points, while it is in step order. */
  get kept(): KeptWork | undefined {
    return this.sorted ? this.work : undefined;
  }
}

/** A series' facts, if they describe it as it is now. */
export function factsOf(series: Series): SeriesFacts | undefined {
  const facts = series.facts;
  return facts && facts.length === series.steps.length && facts.length === series.values.length
    ? facts
    : undefined;
}
