import { bucketGrid, type DownsampleResult, MinMaxBuckets } from "../analysis/downsample.ts";
import { type MetricPoint, type MetricValue, type RunRef, widerSteps } from "../store/project.ts";
import type { ProjectReader, StepRange } from "../store/source.ts";
import type { RowCursor } from "../store/open.ts";
import type { Derivation } from "./run_cache.ts";

/** A point a kept downsampling holds: from the server's answer (with its time) or from new rows (its id). */
interface HeldPoint {
  step: number;
  value: MetricValue;
  timestamp?: string;
  id?: number;
}

/**
 * A downsampled curve as a cache keeps it where a server downsamples (see `downsampleMinMax`): the
 * buckets' choices, rebuilt from the server's answer, and the points they hold. New rows' points are
 * placed into the same buckets as long as the run's step range leaves them where they are (the same
 * first step and width); otherwise the curve is asked of the server again. Points are numbered in row
 * order; only their order matters.
 */
export interface KeptBuckets {
  maxPoints: number;
  /** The run's step range (all its rows'), which the buckets span. */
  steps: StepRange;
  total: number;
  /** Every point, while there are no more than `maxPoints`. */
  all?: HeldPoint[];
  buckets?: MinMaxBuckets;
  /** The points the buckets (and the first and last) hold, by number; the last is `next - 1`. */
  held: Map<number, HeldPoint>;
  next: number;
}

/** A source that downsamples where the data is, and offers what keeping its buckets needs. */
export type BucketReader =
  & ProjectReader
  & Required<Pick<ProjectReader, "downsampledUpTo" | "downsamplesUpTo" | "metricPointsIn" | "timestampsOf">>;

/** Whether a cache can keep `metric`'s buckets on `store` (else it keeps the answer of an unchanged run). */
export const keepsBuckets = (store: ProjectReader, metric: string): store is BucketReader =>
  store.downsampledUpTo !== undefined && store.metricPointsIn !== undefined &&
  store.timestampsOf !== undefined && store.downsamplesUpTo !== undefined && store.downsamplesUpTo(metric);

const gridOf = (kept: { maxPoints: number; steps: StepRange }) =>
  new MinMaxBuckets(kept.maxPoints, kept.steps.first ?? 0, kept.steps.last ?? 0);

/** Places points numbered from `kept.next` on, switching from every point to buckets past `maxPoints`. */
function place(kept: KeptBuckets, points: HeldPoint[]): void {
  let buckets = kept.buckets;
  for (const point of points) {
    kept.total++;
    const at = kept.next++;
    kept.held.set(at, point);
    if (!buckets && kept.all && kept.all.length < kept.maxPoints) {
      kept.all.push(point);
      continue;
    }
    if (!buckets) {
      // One point more than an answer of every point: from here the curve is downsampled.
      buckets = kept.buckets = gridOf(kept);
      for (const [n, p] of kept.held) buckets.place(n, p.step, p.value);
      kept.all = undefined;
    } else buckets.place(at, point.step, point.value);
  }
  // Only what an answer can show stays held: a point no bucket holds any more never comes back.
  if (buckets && kept.held.size > 4 * kept.maxPoints) {
    const held = kept.held;
    kept.held = new Map(buckets.kept(0, kept.next - 1).map((n) => [n, held.get(n)!]));
  }
}

/** The buckets of a server's answer for the rows it covered, their step range `steps`. */
function fromAnswer(answer: DownsampleResult<MetricPoint>, maxPoints: number, steps: StepRange): KeptBuckets {
  const kept: KeptBuckets = { maxPoints, steps, total: 0, all: [], held: new Map(), next: 0 };
  if (!answer.downsampled) {
    place(kept, answer.points);
    return kept;
  }
  // The answer holds every bucket's highest point and its first odd one (or, without, its lowest):
  // placed in order, they take those parts again; a bucket's lowest hidden behind an odd point
  // never shows again, as the odd point stays.
  kept.all = undefined;
  const buckets = kept.buckets = gridOf(kept);
  answer.points.forEach((point, i) => {
    kept.held.set(i, point);
    buckets.place(i, point.step, point.value);
  });
  kept.next = answer.points.length;
  kept.total = answer.total;
  return kept;
}

/** The derivation of a `KeptBuckets` for `maxPoints` points of `metric`. */
export function keptBuckets(
  store: BucketReader,
  run: RunRef,
  metric: string,
  maxPoints: number,
): Derivation<KeptBuckets> {
  const read = async (upTo: RowCursor | undefined) => {
    if (!upTo) {
      const answer = await store.downsampledValues(run, metric, {}, maxPoints);
      return fromAnswer(answer, maxPoints, { first: null, last: null });
    }
    const { result, steps } = await store.downsampledUpTo(run, metric, maxPoints, upTo);
    return fromAnswer(result, maxPoints, steps);
  };
  return {
    bounded: true,
    read,
    extend: async (was, range) => {
      const { points, steps: span } = await store.metricPointsIn(run, metric, range);
      const steps = widerSteps(was.steps, span);
      if (was.buckets) {
        const grid = bucketGrid(maxPoints, steps.first ?? 0, steps.last ?? 0);
        // Buckets that would move (a new first step, a wider width) are asked for again.
        if ((steps.first ?? 0) !== was.buckets.firstStep || grid.width !== was.buckets.width) {
          return await read(range.upTo);
        }
      }
      was.steps = steps;
      const [ids, stepsOf] = [points.ids.view(), points.steps.view()];
      place(was, Array.from(ids, (id, i) => ({ id, step: stepsOf[i], value: points.valueAt(i) })));
      points.release();
      return was;
    },
    steps: ({ steps }) => steps,
    bytes: ({ held, maxPoints }) => 1024 + 200 * held.size + 48 * maxPoints,
  };
}

/**
 * The kept buckets' answer, as `downsampledValues` gives it from a fresh read: the points held, in
 * order, with the times of new rows' points read by id. If a row is gone meanwhile, `fresh`'s answer.
 */
export async function answerOf(
  store: BucketReader,
  kept: KeptBuckets,
  fresh: () => Promise<DownsampleResult<MetricPoint>>,
): Promise<DownsampleResult<MetricPoint>> {
  const numbers = kept.buckets ? kept.buckets.kept(0, kept.next - 1) : [...kept.held.keys()];
  const chosen = numbers.map((n) => kept.held.get(n)!);
  const ids = chosen.filter((p) => p.timestamp === undefined).map((p) => p.id!);
  const stamps = ids.length ? await store.timestampsOf(ids) : new Map<number, string>();
  const points: MetricPoint[] = [];
  for (const p of chosen) {
    const timestamp = p.timestamp ?? stamps.get(p.id!);
    if (timestamp === undefined) return await fresh();
    points.push({ timestamp, step: p.step, value: p.value });
  }
  return { points, total: kept.total, downsampled: kept.buckets !== undefined };
}
