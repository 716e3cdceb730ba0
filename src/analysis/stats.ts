import { maxOf, median, medianOf, rollingMedian, theilSen } from "./robust.ts";
import { reduce, type Reduced, type Series, sortedByStep, splitFinite } from "./series.ts";
import { factsOf, type KeptWork } from "./series_facts.ts";
import { T } from "./thresholds.ts";

export type Trend = "decreasing" | "increasing" | "flat" | "unknown" | "non_finite";

/** The numbers a report shows for one metric. Values are the smoothed level unless named raw. */
export interface SeriesStats {
  metric: string;
  points: number;
  non_finite: number;
  first_step: number | null;
  last_step: number | null;
  /** Level at the start (rolling median). */
  start: number | null;
  /** Level now (rolling median of the last points). */
  current: number | null;
  /** The last finite value as logged. */
  last: number | null;
  /** Lowest level (highest for a metric where higher is better) and where. */
  best: number | null;
  best_step: number | null;
  change_pct: number | null;
  /** Direction of the last half of the run. */
  trend: Trend;
  slope_per_1k_steps: number | null;
  /** Typical deviation from the local trend (the noise), as a percentage of the level. */
  noise_pct: number | null;
  /** When the series ends NaN or infinite: the step since which it has been that (NaN, or Infinity). */
  non_finite_since: number | null;
  /** What its last point is when not a number ("NaN", "Infinity", "-Infinity"), else null. */
  non_finite_now: string | null;
}

/** A metric prepared for the rules: sorted, split, reduced and smoothed once. */
export interface Profile {
  metric: string;
  finite: Series;
  nonFinite: Series;
  reduced: Reduced;
  /** Rolling median of the bucket medians, aligned with `reduced.step`. */
  smooth: number[];
  stats: SeriesStats;
  /** The largest finite value (-Infinity if none). */
  peak: number;
  /** Work kept with the series as it grows, for the steps after the profile (`SeriesFacts`). */
  kept?: KeptWork;
}

/** A start below this share of the series' largest level is "near zero": no percentage change of it. */
const NEAR_ZERO = 0.01;

/** Relative change of the last half's trend below which it counts as flat. */
const FLAT_CHANGE = 0.02;

/** At most this many points of the last half are looked at: plenty for a median. */
const NOISE_SAMPLE = 2_000;
/** Points each side of the local median a point's residual is measured from. */
const NOISE_HALF_WINDOW = 2;

/**
 * Typical deviation from the local trend over the last half (median absolute residual from a
 * 5-point rolling median), relative to the level: the noise, without the trend that a step-to-step
 * difference would count too.
 */
function relativeNoise(finite: Series): number | null {
  const n = finite.values.length;
  if (n < 2 * NOISE_HALF_WINDOW + 1) return null;
  const from = Math.max(NOISE_HALF_WINDOW, Math.floor(n / 2));
  const stride = Math.max(1, Math.floor((n - from) / NOISE_SAMPLE));
  const residuals: number[] = [];
  const levels: number[] = [];
  // One scratch buffer for every window: a typed array per window costs more than its median.
  const buffer = new Float64Array(2 * NOISE_HALF_WINDOW + 1);
  for (let i = from; i < n - NOISE_HALF_WINDOW; i += stride) {
    const local = medianOf(finite.values, i - NOISE_HALF_WINDOW, i + NOISE_HALF_WINDOW + 1, buffer);
    residuals.push(Math.abs(finite.values[i] - local));
    levels.push(finite.values[i]);
  }
  if (residuals.length === 0) return null;
  const level = Math.abs(median(levels));
  return level > 0 ? (median(residuals) / level) * 100 : null;
}

export function profile(metric: string, series: Series, higherIsBetter = false): Profile {
  const ordered = sortedByStep(series);
  const { finite, nonFinite } = splitFinite(ordered);
  const facts = factsOf(series);
  const reduced = reduce(finite, T("ANALYSIS_POINTS"), facts?.kept);
  const window = Math.max(1, Math.round(reduced.mid.length * T("SMOOTH_FRACTION"))) | 1;
  const smooth = rollingMedian(reduced.mid, window);
  const n = smooth.length;
  const ends = facts
    ? (facts.nanStep ? { lo: NaN, hi: NaN } : { lo: facts.lowStep, hi: facts.highStep })
    : stepEnds(series.steps);
  const stats: SeriesStats = {
    metric,
    points: series.steps.length,
    non_finite: nonFinite.steps.length,
    first_step: series.steps.length ? ends.lo : null,
    last_step: series.steps.length ? ends.hi : null,
    start: n ? smooth[0] : null,
    current: n ? smooth[n - 1] : null,
    last: finite.values.length ? finite.values[finite.values.length - 1] : null,
    best: null,
    best_step: null,
    change_pct: null,
    trend: "unknown",
    slope_per_1k_steps: null,
    noise_pct: relativeNoise(finite),
    non_finite_since: null,
    non_finite_now: null,
  };
  if (n) {
    let best = 0;
    for (let i = 1; i < n; i++) {
      if (higherIsBetter ? smooth[i] > smooth[best] : smooth[i] < smooth[best]) best = i;
    }
    stats.best = smooth[best];
    stats.best_step = reduced.step[best];
    // A percentage of a start near zero is a huge number that means nothing (GRPO's loss, a KL at 0).
    if (Math.abs(stats.start!) > NEAR_ZERO * Math.max(...smooth.map(Math.abs))) {
      stats.change_pct = ((stats.current! - stats.start!) / Math.abs(stats.start!)) * 100;
    }
  }
  if (n >= 4) {
    const half = Math.floor(n / 2);
    const steps = reduced.step.slice(half);
    const { slope } = theilSen(steps, smooth.slice(half));
    stats.slope_per_1k_steps = slope * 1000;
    const span = steps[steps.length - 1] - steps[0];
    const level = Math.abs(stats.current!) || Math.abs(stats.start!) || 1;
    const change = (slope * span) / level;
    stats.trend = change < -FLAT_CHANGE ? "decreasing" : change > FLAT_CHANGE ? "increasing" : "flat";
  }
  // A series that ended non-finite: say so, rather than a finite "now" and a trend from before.
  const lastValue = ordered.values[ordered.values.length - 1];
  if (lastValue !== undefined && !Number.isFinite(lastValue)) {
    const kind = (
      v: number,
    ) => (Number.isNaN(v) ? "NaN" : Number.isFinite(v) ? null : v > 0 ? "Infinity" : "-Infinity");
    const now = kind(lastValue)!;
    let i = ordered.values.length - 1;
    while (i > 0 && kind(ordered.values[i - 1]) === now) i--;
    stats.non_finite_since = ordered.steps[i];
    stats.non_finite_now = now;
    stats.trend = "non_finite";
    stats.change_pct = null;
  }
  // A growing series knows its peak: a pass over a million points is what a repeat must not cost.
  const peak = facts ? facts.maxFinite : maxOf(finite.values);
  return { metric, finite, nonFinite, reduced, smooth, stats, peak, kept: facts?.kept };
}

/** The lowest and highest step (a series' steps are in step order only once sorted); NaN if any is. */
function stepEnds(steps: ArrayLike<number>): { lo: number; hi: number } {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    if (Number.isNaN(s)) return { lo: NaN, hi: NaN };
    if (s < lo) lo = s;
    if (s > hi) hi = s;
  }
  return { lo, hi };
}

/** Median of the last RECENT_FRACTION of a profile's smoothed points (at least 3). */
export function recentLevel(p: Profile): number {
  const k = Math.max(3, Math.ceil(p.smooth.length * T("RECENT_FRACTION")));
  return median(p.smooth.slice(-k));
}

export interface Projection {
  metric: string;
  at_step: number;
  value: number;
  /** The range: the same fit with the steeper and the flatter of the middle half of its slopes. */
  low: number;
  high: number;
  method: string;
}

/**
 * Where a decreasing loss is headed at `targetStep`: a robust fit of value against ln(step) over the
 * last half of the run (losses flatten roughly logarithmically; a straight line would overshoot).
 */
export function project(p: Profile, targetStep: number): Projection | null {
  const n = p.smooth.length;
  const last = p.stats.last_step;
  if (n < 8 || last === null || targetStep <= last || p.stats.trend !== "decreasing") return null;
  const half = Math.floor(n / 2);
  const xs = p.reduced.step.slice(half).map((s) => Math.log(Math.max(1, s)));
  const ys = p.smooth.slice(half);
  const { slope, intercept, slopeLow, slopeHigh } = theilSen(xs, ys);
  if (!(slope < 0)) return null;
  // Each slope's line through the last level, so the range opens from where the run is now.
  const here = Math.log(Math.max(1, last)), now = intercept + slope * here;
  const at = (s: number) => Math.max(0, now + s * (Math.log(targetStep) - here));
  const value = Math.max(0, intercept + slope * Math.log(targetStep));
  return {
    metric: p.metric,
    at_step: targetStep,
    value,
    low: Math.min(value, at(slopeLow)),
    high: Math.max(value, Math.min(at(Math.min(0, slopeHigh)), recentLevel(p))),
    method: "robust (Theil-Sen) fit of the last half against ln(step); range from the middle half of its " +
      "pairwise slopes, never above the level now",
  };
}
