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

/** A model's sum of squared distances over a growing series' points `from` up to `upTo`, by `key`. */
interface FitWork {
  key: string;
  upTo: number;
  sum: number;
}

/**
 * What `describeSchedule` keeps of a growing series (see `SeriesFacts`): its peak over the first
 * `upTo` points, how far the points after it stay near it, the levels after it, and each model's sum.
 */
export interface ScheduleWork {
  upTo: number;
  peak: number;
  /** The points from the peak up to `nearUpTo` are near it; `far` once one is not. */
  nearUpTo: number;
  far: boolean;
  /** The levels (4 digits) of the points from the peak up to `levelsUpTo`, until they are too many. */
  levels: Set<string>;
  levelsUpTo: number;
  fits: Partial<Record<"linear" | "cosine", FitWork>>;
}

/** How many points a fit reads between looks at whether its answer is already decided. */
const FIT_CHUNK = 4096;

/**
 * Root-mean-square distance of the points from `from` on, relative to `scale` and to the first's
 * step, from a linear decay to zero over `span` steps, or a half cosine over it: one loop per model
 * over the points in place, no copy and no call per point. It stops early, with the distance so far,
 * once `decided` says that is enough (a sum of squares only grows). A growing series' sum is carried
 * on from `work`: the same additions in the same order, so the same bits.
 */
function rmse(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  from: number,
  scale: number,
  model: "linear" | "cosine",
  span: number,
  work: ScheduleWork | undefined,
  decided: (partial: number) => boolean = () => false,
) {
  const key = `${from} ${scale} ${span} ${xs[from]}`;
  const kept = work?.fits[model]?.key === key ? work.fits[model]! : { key, upTo: from, sum: 0 };
  const denominator = Math.max(1, xs.length - from);
  let sum = kept.sum, i = kept.upTo;
  const x0 = xs[from];
  while (i < xs.length && !decided(Math.sqrt(sum / denominator))) {
    const end = Math.min(xs.length, i + FIT_CHUNK);
    if (model === "linear") {
      for (; i < end; i++) sum += (ys[i] / scale - Math.max(0, 1 - (xs[i] - x0) / span)) ** 2;
    } else {
      for (; i < end; i++) {
        sum += (ys[i] / scale - 0.5 * (1 + Math.cos(Math.PI * Math.min(1, (xs[i] - x0) / span)))) ** 2;
      }
    }
  }
  if (work) work.fits[model] = { key, upTo: i, sum };
  return Math.sqrt(sum / denominator);
}

/**
 * Whether the values from `from` on, relative to `scale`, take at most `limit` values to 4
 * significant digits: a step schedule's few levels. It stops at the first value past the limit, and a
 * value like the one before is not spelt again, so a million-point decay costs a few thousand spellings.
 */
function fewLevels(
  values: ArrayLike<number>,
  from: number,
  scale: number,
  limit: number,
  work: ScheduleWork,
): boolean {
  const levels = work.levels;
  let i = Math.max(from, work.levelsUpTo);
  for (; i < values.length && levels.size <= limit; i++) {
    if (i > from && values[i] === values[i - 1]) continue;
    levels.add((values[i] / scale).toPrecision(4));
  }
  work.levelsUpTo = i;
  return levels.size <= limit;
}

/** `work` if it was kept for the same peak, else fresh work from the series' start. */
function workFor(work: ScheduleWork | undefined): ScheduleWork {
  return work ?? { upTo: 1, peak: 0, nearUpTo: 0, far: false, levels: new Set(), levelsUpTo: 0, fits: {} };
}

/**
 * The schedule of a logged learning rate (its finite points in step order): warm-up (a rise to the
 * peak), then constant, linear, cosine or step decay, judged on the points after the peak (relative
 * to it) against each model, the decay's end taken from `maxSteps` when known, else from where the
 * last point puts it. Null with too few points. The points after the peak are read in place: a
 * million-point run is not copied. `kept` is the work kept with a growing series (`SeriesFacts`).
 */
export function describeSchedule(
  metric: string,
  finite: Series,
  maxSteps: number | null,
  kept?: { schedule?: ScheduleWork },
): LrSchedule | null {
  const { steps, values } = finite;
  if (values.length < 3) return null;
  const work = workFor(kept?.schedule);
  let p = work.peak;
  for (let i = work.upTo; i < values.length; i++) if (values[i] > values[p]) p = i;
  if (p !== work.peak) Object.assign(work, workFor(undefined), { peak: p });
  work.upTo = values.length;
  const peak = values[p];
  if (!(peak > 0)) return null;
  if (kept) kept.schedule = work;
  const warmup = p > 0 && values[0] < T("LR_PEAK_SHARE") * peak;
  const last = values.length - 1;
  const afterPeak = values.length - p;
  const nearShare = 1 - T("LR_PEAK_SHARE");
  let i = Math.max(p, work.nearUpTo);
  while (!work.far && i < values.length) work.far = !(Math.abs(1 - values[i++] / peak) <= nearShare);
  work.nearUpTo = i;
  const constant = !work.far;
  let shape: ScheduleShape;
  if (p === last && warmup) shape = "warming_up";
  else if (constant) shape = "constant";
  else if (afterPeak >= 6 && fewLevels(values, p, peak, T("LR_STEP_LEVELS"), work)) {
    shape = "step";
  } else {
    const xLast = steps[last] - steps[p], yLast = Math.min(0.999, Math.max(0, values[last] / peak));
    const span = maxSteps !== null && maxSteps > steps[p] ? maxSteps - steps[p] : null;
    const linearSpan = span ?? xLast / (1 - yLast);
    const cosineSpan = span ?? (Math.PI * xLast) / Math.acos(2 * yLast - 1);
    const fit = T("LR_SHAPE_FIT");
    const linear = rmse(steps, values, p, peak, "linear", linearSpan, work);
    // The cosine only matters while it may be nearer than the line and within the fit: once its
    // distance so far passes either, the shape is the line's (or no model's) whatever the rest adds.
    const cosine = rmse(steps, values, p, peak, "cosine", cosineSpan, work, (d) => d >= linear || d > fit);
    shape = Math.min(linear, cosine) > fit ? "decaying" : linear <= cosine ? "linear" : "cosine";
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
