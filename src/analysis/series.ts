import { medianOf } from "./robust.ts";

/**
 * A metric's history as analysis sees it: steps and values in step order. Values may be NaN or
 * infinite; the functions that need finite values split them off first.
 */
export interface Series {
  steps: number[];
  values: number[];
}

export const emptySeries = (): Series => ({ steps: [], values: [] });

/** Points sorted by step (stable: a later row at the same step stays later). */
export function sortedByStep(series: Series): Series {
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

export function splitFinite(series: Series): Split {
  // The common case, all finite, shares the arrays: no copy of a million points.
  const values = series.values;
  let i = 0;
  while (i < values.length && Number.isFinite(values[i])) i++;
  if (i === values.length) return { finite: series, nonFinite: emptySeries() };
  const finite = emptySeries();
  const nonFinite = emptySeries();
  for (let i = 0; i < series.steps.length; i++) {
    const target = Number.isFinite(series.values[i]) ? finite : nonFinite;
    target.steps.push(series.steps[i]);
    target.values.push(series.values[i]);
  }
  return { finite, nonFinite };
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

export function reduce(finite: Series, maxBuckets: number): Reduced {
  const n = finite.steps.length;
  const buckets = Math.min(n, maxBuckets);
  const out: Reduced = { step: [], mid: [], hi: [], hiStep: [], lo: [], loStep: [] };
  const buffer = new Float64Array(Math.ceil(n / Math.max(1, buckets)) + 1);
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets);
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
  return out;
}

/** Index of the first step >= `step` in an ascending array (binary search). */
export function indexAtStep(steps: number[], step: number): number {
  let lo = 0, hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid] < step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
