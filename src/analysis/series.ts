import { Column } from "./column.ts";
import { medianOf } from "./robust.ts";
import { factsOf, type SeriesFacts } from "./series_facts.ts";

/**
 * A metric's history as analysis sees it: steps and values in step order. Values may be NaN or
 * infinite; the functions that need finite values split them off first. Typed arrays, so that the
 * series a cache keeps stay off the garbage-collected heap (see `Column`).
 */
export interface Series {
  steps: Float64Array;
  values: Float64Array;
  /** Kept by whoever grows the series by appends only (a `RunCollector`): see `SeriesFacts`. */
  facts?: SeriesFacts;
}

export const emptySeries = (): Series => ({ steps: new Float64Array(0), values: new Float64Array(0) });

/** A series from plain arrays of steps and values. */
export const seriesOf = (steps: ArrayLike<number>, values: ArrayLike<number>): Series => ({
  steps: Float64Array.from(steps),
  values: Float64Array.from(values),
});

/** A series being built by appends: its columns, and the series they hold so far. */
export class GrowingSeries {
  readonly steps = new Column();
  readonly values = new Column();

  push(step: number, value: number): void {
    this.steps.push(step);
    this.values.push(value);
  }

  get length(): number {
    return this.steps.length;
  }

  /** Bytes held, room to grow included. */
  get bytes(): number {
    return this.steps.bytes + this.values.bytes;
  }

  release(): void {
    this.steps.release();
    this.values.release();
  }

  view(facts?: SeriesFacts): Series {
    return { steps: this.steps.view(), values: this.values.view(), ...(facts ? { facts } : {}) };
  }
}

/** Points sorted by step (stable: a later row at the same step stays later). */
export function sortedByStep(series: Series): Series {
  if (factsOf(series)?.sorted) return series;
  const steps = series.steps;
  let i = 1;
  while (i < steps.length && steps[i] >= steps[i - 1]) i++;
  if (i >= steps.length) return series;
  const order = series.steps.map((_, i) => i).sort((a, b) => series.steps[a] - series.steps[b] || a - b);
  return { steps: order.map((i) => series.steps[i]), values: order.map((i) => series.values[i]) };
}

export interface Split {
  finite: Series;
  /** Steps and values of the NaN and infinite points. */
  nonFinite: Series;
}

/** `splitFinite` of a growing series' first `upTo` points, extended as it grows. */
export interface SplitWork {
  upTo: number;
  finite: GrowingSeries;
  nonFinite: GrowingSeries;
}

export function splitFinite(series: Series): Split {
  // The common case, all finite, shares the arrays: no copy of a million points.
  const facts = factsOf(series);
  if (facts?.nonFinite === 0) return { finite: series, nonFinite: emptySeries() };
  const kept = facts?.kept;
  if (kept) {
    const work = kept.split ??= { upTo: 0, finite: new GrowingSeries(), nonFinite: new GrowingSeries() };
    splitInto(series, work.upTo, work);
    work.upTo = series.steps.length;
    return { finite: work.finite.view(), nonFinite: work.nonFinite.view() };
  }
  const values = series.values;
  let i = 0;
  while (i < values.length && Number.isFinite(values[i])) i++;
  if (i === values.length) return { finite: series, nonFinite: emptySeries() };
  const split = { finite: new GrowingSeries(), nonFinite: new GrowingSeries() };
  splitInto(series, 0, split);
  return { finite: split.finite.view(), nonFinite: split.nonFinite.view() };
}

function splitInto(
  series: Series,
  from: number,
  { finite, nonFinite }: { finite: GrowingSeries; nonFinite: GrowingSeries },
): void {
  for (let i = from; i < series.steps.length; i++) {
    (Number.isFinite(series.values[i]) ? finite : nonFinite).push(series.steps[i], series.values[i]);
  }
}

/**
 * A long series reduced to at most `maxBuckets` consecutive buckets of (nearly) equal point count:
 * each bucket's median (the level), its highest and lowest value and where they are. Short series
 * keep one point per bucket, so nothing is lost where nothing needs to be.
 */
export interface Reduced {
  step: number[];
  mid: number[];
  hi: number[];
  hiStep: number[];
  lo: number[];
  loStep: number[];
}

/** `reduce`'s buckets of a growing series: the first `done` stay as they are while `width` does. */
export interface ReduceWork {
  width: number;
  done: number;
  out: Reduced;
}

/** Widths step up by this factor: a series grows by 4% before its buckets are cut afresh. */
const WIDTH_STEPS_PER_DOUBLING = 16;

/**
 * How `n` points are cut: bucket b holds the points from floor(b * width) on, and a last bucket with
 * fewer than half a width joins the one before. The width is 1 up to `maxBuckets` points, else the
 * least power of 2^(1/16) that makes at most `maxBuckets` buckets: it depends on `n` only through
 * that, so as a series grows, its buckets stay where they were until the width steps up.
 */
export function bucketLayout(
  n: number,
  maxBuckets: number,
): { width: number; full: number; merged: boolean } {
  const layout = (width: number) => {
    let full = Math.floor(n / width);
    while (Math.floor((full + 1) * width) <= n) full++;
    while (full > 0 && Math.floor(full * width) > n) full--;
    const tail = n - Math.floor(full * width);
    return { width, full, merged: full > 0 && tail > 0 && 2 * tail < width, tail };
  };
  if (n <= maxBuckets) return layout(1);
  let k = Math.max(1, Math.floor(WIDTH_STEPS_PER_DOUBLING * Math.log2(n / maxBuckets)));
  for (;; k++) {
    const at = layout(2 ** (k / WIDTH_STEPS_PER_DOUBLING));
    const buckets = at.full + (at.tail > 0 && !at.merged ? 1 : 0);
    if (buckets <= maxBuckets) return { width: at.width, full: at.full, merged: at.merged };
  }
}

/**
 * `finite` cut into buckets by `bucketLayout`. With `kept` (the work of a series that grows by
 * appends), the buckets finished at the last call are taken as they were and only the rest is read.
 */
export function reduce(finite: Series, maxBuckets: number, kept?: { reduce?: ReduceWork }): Reduced {
  const n = finite.steps.length;
  const { width, full, merged } = bucketLayout(n, maxBuckets);
  let work = kept?.reduce;
  if (!work || work.width !== width) {
    work = { width, done: 0, out: { step: [], mid: [], hi: [], hiStep: [], lo: [], loStep: [] } };
  }
  const { out } = work;
  for (const column of Object.values(out)) column.length = work.done;
  const buffer = new Float64Array(Math.ceil(1.5 * width) + 2);
  const buckets = merged || Math.floor(full * width) === n ? full : full + 1;
  for (let b = work.done; b < buckets; b++) {
    const from = Math.floor(b * width);
    const to = b === buckets - 1 ? n : Math.floor((b + 1) * width);
    let hi = -Infinity, lo = Infinity, hiStep = 0, loStep = 0;
    for (let i = from; i < to; i++) {
      const v = finite.values[i];
      if (v > hi) [hi, hiStep] = [v, finite.steps[i]];
      if (v < lo) [lo, loStep] = [v, finite.steps[i]];
    }
    out.step.push(finite.steps[to - 1]);
    out.mid.push(to - from === 1 ? finite.values[from] : medianOf(finite.values, from, to, buffer));
    out.hi.push(hi);
    out.hiStep.push(hiStep);
    out.lo.push(lo);
    out.loStep.push(loStep);
  }
  // Every bucket but the last full one is final: new points go after it or join the bucket after it.
  work.done = Math.max(0, Math.min(buckets, full - 1));
  if (kept) kept.reduce = work;
  return kept ? copyReduced(out) : out;
}

/** The answer's own arrays: the kept ones are cut back and refilled at the next question. */
const copyReduced = (r: Reduced): Reduced => ({
  step: r.step.slice(),
  mid: r.mid.slice(),
  hi: r.hi.slice(),
  hiStep: r.hiStep.slice(),
  lo: r.lo.slice(),
  loStep: r.loStep.slice(),
});

/** Index of the first step >= `step` in an ascending array (binary search). */
export function indexAtStep(steps: ArrayLike<number>, step: number): number {
  let lo = 0, hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid] < step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
