import { downsampleIndices, type DownsampleResult, type PlacedBuckets } from "../analysis/downsample.ts";
import type { CurvePoints } from "../store/curve_points.ts";
import { type MetricPoint, type RunRef, widerSteps } from "../store/project.ts";
import type { ProjectReader, StepRange } from "../store/source.ts";
import type { Derivation } from "./run_cache.ts";

/**
 * A metric's whole curve as a cache keeps it where rows are read where they are (a local file):
 * every point with its row's id, the run's stats, and the curve downsampled to each size asked for.
 * New rows add their points; a downsampled answer is made again from the kept points, without a read.
 */
export interface KeptCurve {
  /** The run's step range (all its rows'), which the buckets span. */
  steps: StepRange;
  points: CurvePoints;
  /**
   * The last answer, by its size, when it is small: kept answers are not counted in the cache's
   * budget, so a client asking for many sizes (or for every point) must not pile up copies.
   */
  answer?: { maxPoints: number; result: DownsampleResult<MetricPoint> };
  /**
   * The buckets of the last downsampled answer, when it is small: new points are placed into them,
   * so a grown curve costs its new points rather than a pass over a million (see `downsampleIndices`).
   */
  buckets?: PlacedBuckets;
}

/** An answer of at most this many points is kept with the curve (a few hundred KB at most). */
const KEPT_ANSWER_POINTS = 5_000;

/** A source that offers the reads a kept curve needs (see `ProjectReader.metricPointsIn`). */
export type CurveReader = ProjectReader & Required<Pick<ProjectReader, "metricPointsIn" | "timestampsOf">>;

export const keepsCurves = (store: ProjectReader): store is CurveReader =>
  store.metricPointsIn !== undefined && store.timestampsOf !== undefined &&
  store.downsampledUpTo === undefined;

/** The derivation of a `KeptCurve`. */
export function keptCurve(
  store: CurveReader,
  run: RunRef,
  metric: string,
): Derivation<KeptCurve> {
  return {
    bounded: true,
    read: (upTo) => store.metricPointsIn(run, metric, { upTo }),
    // The kept columns grow in place: a cache entry is brought up to date one question at a time.
    extend: async (was, range) => {
      const { points: more, steps: span } = await store.metricPointsIn(run, metric, range);
      was.points.append(more);
      return { steps: widerSteps(was.steps, span), points: was.points, buckets: was.buckets };
    },
    steps: ({ steps }) => steps,
    bytes: ({ points, buckets }) => 1024 + points.bytes + (buckets ? 40 * buckets.buckets.count : 0),
    release: ({ points }) => points.release(),
  };
}

/**
 * The kept curve downsampled as `downsampledValues` does it from a fresh read (the same points in the
 * same order, the run's step range), the timestamps of the points kept read by their rows' ids. If a
 * row is gone meanwhile (a run deleted as it was asked about), the answer is `fresh`'s.
 */
export async function downsampledFrom(
  store: CurveReader,
  curve: KeptCurve,
  maxPoints: number,
  fresh: () => Promise<DownsampleResult<MetricPoint>>,
): Promise<DownsampleResult<MetricPoint>> {
  if (curve.answer?.maxPoints === maxPoints) return curve.answer.result;
  const kept = curve.points;
  const [ids, steps, values] = [kept.ids.view(), kept.steps.view(), kept.values.view()];
  const placed = { buckets: curve.buckets };
  const { indices, downsampled } = downsampleIndices(
    steps,
    values,
    maxPoints,
    curve.steps.first ?? 0,
    curve.steps.last ?? 0,
    placed,
  );
  // Buckets for a large answer are as large: only a small one's are kept (its points are placed anyway).
  curve.buckets = maxPoints <= KEPT_ANSWER_POINTS ? placed.buckets : undefined;
  const stamps = await store.timestampsOf(indices.map((i) => ids[i]));
  if (indices.some((i) => !stamps.has(ids[i]))) return await fresh();
  const answer = {
    points: indices.map((i) => ({
      timestamp: stamps.get(ids[i])!,
      step: steps[i],
      value: kept.valueAt(i, values),
    })),
    total: ids.length,
    downsampled,
  };
  if (answer.points.length <= KEPT_ANSWER_POINTS) curve.answer = { maxPoints, result: answer };
  return answer;
}
