import { type Series, sortedByStep, splitFinite } from "./series.ts";
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

/** Root-mean-square distance of points (x, y) from a model y = f(x). */
function rmse(xs: number[], ys: number[], f: (x: number) => number): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += (ys[i] - f(xs[i])) ** 2;
  return Math.sqrt(sum / Math.max(1, xs.length));
}

/**
 * The schedule of a logged learning rate: warm-up (a rise to the peak), then constant, linear, cosine or
 * step decay, judged on the points after the peak (relative to it) against each model, the decay's end
 * taken from `maxSteps` when known, else from where the last point puts it. Null with too few points.
 */
export function describeSchedule(metric: string, series: Series, maxSteps: number | null): LrSchedule | null {
  const { finite } = splitFinite(sortedByStep(series));
  const { steps, values } = finite;
  if (values.length < 3) return null;
  let p = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[p]) p = i;
  const peak = values[p];
  if (!(peak > 0)) return null;
  const warmup = p > 0 && values[0] < T("LR_PEAK_SHARE") * peak;
  const last = values.length - 1;
  const xs = steps.slice(p).map((s) => s - steps[p]);
  const ys = values.slice(p).map((v) => v / peak);
  let shape: ScheduleShape;
  if (p === last && warmup) shape = "warming_up";
  else if (ys.every((y) => Math.abs(1 - y) <= 1 - T("LR_PEAK_SHARE"))) shape = "constant";
  else if (new Set(ys.map((y) => y.toPrecision(4))).size <= T("LR_STEP_LEVELS") && ys.length >= 6) {
    shape = "step";
  } else {
    const xLast = xs[xs.length - 1], yLast = Math.min(0.999, Math.max(0, ys[ys.length - 1]));
    const span = maxSteps !== null && maxSteps > steps[p] ? maxSteps - steps[p] : null;
    const linearSpan = span ?? xLast / (1 - yLast);
    const cosineSpan = span ?? (Math.PI * xLast) / Math.acos(2 * yLast - 1);
    const linear = rmse(xs, ys, (x) => Math.max(0, 1 - x / linearSpan));
    const cosine = rmse(xs, ys, (x) => 0.5 * (1 + Math.cos(Math.PI * Math.min(1, x / cosineSpan))));
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
