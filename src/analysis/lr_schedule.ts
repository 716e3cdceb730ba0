import type { Series } from "./series.ts";
import { T } from "./thresholds.ts";
import { fmt } from "../util/format.ts";

export type ScheduleShape = "warming_up" | "constant" | "linear" | "cosine" | "step" | "decaying";

/** A learning-rate schedule read from the logged series, in the terms a person uses. */
export interface LrSchedule {
  metric: string;
  /** Whether it rose to its peak first. */
  warmup: boolean;
  peak: number;
  peak_step: number;
  /** After the peak (or while still rising: warming_up). */
  shape: ScheduleShape;
  now: number;
  now_step: number;
  now_pct_of_peak: number;
  /** The same in words: "warm-up to 2e-4 (step 100), then cosine decay; now 35% of the peak". */
  text: string;
}

const SHAPE_WORDS: Record<ScheduleShape, string> = {
  warming_up: "still warming up",
  constant: "constant",
  linear: "linear decay",
  cosine: "cosine decay",
  step: "step decay",
  decaying: "decaying",
};

/**
 * Root-mean-square distance of the points from `from` on, relative to `scale` and to the first's
 * step, from a linear decay to zero over `span` steps, or a half cosine over it: one loop per model
 * over the points in place, no copy and no call per point.
 */
function rmse(
  xs: number[],
  ys: number[],
  from: number,
  scale: number,
  model: "linear" | "cosine",
  span: number,
) {
  let sum = 0;
  const x0 = xs[from];
  if (model === "linear") {
    for (let i = from; i < xs.length; i++) sum += (ys[i] / scale - Math.max(0, 1 - (xs[i] - x0) / span)) ** 2;
  } else {
    for (let i = from; i < xs.length; i++) {
      sum += (ys[i] / scale - 0.5 * (1 + Math.cos(Math.PI * Math.min(1, (xs[i] - x0) / span)))) ** 2;
    }
  }
  return Math.sqrt(sum / Math.max(1, xs.length - from));
}

/**
 * Whether the values from `from` on, relative to `scale`, take at most `limit` values to 4
 * significant digits: a step schedule's few levels. It stops at the first value past the limit, and a
 * value like the one before is not spelt again, so a million-point decay costs a few thousand spellings.
 */
function fewLevels(values: number[], from: number, scale: number, limit: number): boolean {
  const levels = new Set<string>();
  for (let i = from; i < values.length; i++) {
    if (i > from && values[i] === values[i - 1]) continue;
    levels.add((values[i] / scale).toPrecision(4));
    if (levels.size > limit) return false;
  }
  return true;
}

/**
 * The schedule of a logged learning rate (its finite points in step order): warm-up (a rise to the
 * peak), then constant, linear, cosine or step decay, judged on the points after the peak (relative
 * to it) against each model, the decay's end taken from `maxSteps` when known, else from where the
 * last point puts it. Null with too few points. The points after the peak are read in place: a
 * million-point run is not copied.
 */
export function describeSchedule(metric: string, finite: Series, maxSteps: number | null): LrSchedule | null {
  const { steps, values } = finite;
  if (values.length < 3) return null;
  let p = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[p]) p = i;
  const peak = values[p];
  if (!(peak > 0)) return null;
  const warmup = p > 0 && values[0] < T("LR_PEAK_SHARE") * peak;
  const last = values.length - 1;
  const afterPeak = values.length - p;
  const nearPeak = (i: number) => Math.abs(1 - values[i] / peak) <= 1 - T("LR_PEAK_SHARE");
  let constant = true;
  for (let i = p; i < values.length && constant; i++) constant = nearPeak(i);
  let shape: ScheduleShape;
  if (p === last && warmup) shape = "warming_up";
  else if (constant) shape = "constant";
  else if (afterPeak >= 6 && fewLevels(values, p, peak, T("LR_STEP_LEVELS"))) {
    shape = "step";
  } else {
    const xLast = steps[last] - steps[p], yLast = Math.min(0.999, Math.max(0, values[last] / peak));
    const span = maxSteps !== null && maxSteps > steps[p] ? maxSteps - steps[p] : null;
    const linearSpan = span ?? xLast / (1 - yLast);
    const cosineSpan = span ?? (Math.PI * xLast) / Math.acos(2 * yLast - 1);
    const linear = rmse(steps, values, p, peak, "linear", linearSpan);
    const cosine = rmse(steps, values, p, peak, "cosine", cosineSpan);
    shape = Math.min(linear, cosine) > T("LR_SHAPE_FIT")
      ? "decaying"
      : linear <= cosine
      ? "linear"
      : "cosine";
  }
  const now = values[last];
  const share = now / peak;
  const start = warmup ? `warm-up to ${fmt(peak)} (step ${steps[p]})` : `starts at ${fmt(values[0])}`;
  const text = shape === "warming_up"
    ? `in warm-up: ${fmt(now)} at step ${steps[last]} so far`
    : shape === "constant"
    ? `${start}, then constant`
    : `${start}, then ${SHAPE_WORDS[shape]}; now ${fmt(now)}, ${Math.round(share * 100)}% of the peak`;
  return {
    metric,
    warmup,
    peak,
    peak_step: steps[p],
    shape,
    now,
    now_step: steps[last],
    now_pct_of_peak: Math.round(share * 1000) / 10,
    text,
  };
}
