/**
 * Downsampling that keeps what a person looks for in a training curve.
 *
 * Algorithm: min-max bucketing by step (the M4 family). The step range is cut into equal buckets;
 * each bucket keeps its lowest and highest finite value, in their original order, and a bucket
 * holding NaN, Infinity or a non-numeric value keeps the first such point in place of its lowest
 * value. The first and last points are always kept.
 *
 * Why not LTTB: LTTB picks the point of largest triangle area, which usually but not always keeps a
 * spike, and it never guarantees a minimum or a NaN survives. Min-max guarantees every bucket's
 * extremes survive, so spikes, the best value and divergence to NaN stay visible at any size; it
 * runs in one pass over a stream with memory proportional to the number of buckets.
 */

export interface SeriesPoint {
  step: number;
  value: unknown;
}

interface Kept<P> {
  seq: number;
  point: P;
}

interface Bucket<P> {
  min?: Kept<P> & { v: number };
  max?: Kept<P> & { v: number };
  odd?: Kept<P>;
}

export interface DownsampleResult<P> {
  points: P[];
  /** How many points the input had. */
  total: number;
  downsampled: boolean;
}

/**
 * Streams points (ordered as they should come out) and returns at most `maxPoints` of them.
 * `firstStep`/`lastStep` bound the steps, so the buckets can be fixed before the stream is read.
 * Input with no more than `maxPoints` points comes back whole. `maxPoints` below 4 counts as 4
 * (first, last and one bucket's two extremes).
 */
export function downsampleMinMax<P extends SeriesPoint>(
  points: Iterable<P>,
  maxPoints: number,
  firstStep: number,
  lastStep: number,
): DownsampleResult<P> {
  maxPoints = Math.max(4, maxPoints);
  const bucketCount = Math.floor((maxPoints - 2) / 2);
  const span = Math.max(1, lastStep - firstStep + 1);
  const buckets = new Map<number, Bucket<P>>();
  const head: P[] = [];
  let first: Kept<P> | undefined;
  let last: Kept<P> | undefined;
  let seq = 0;

  const place = (point: P, at: number) => {
    const index = Math.min(
      bucketCount - 1,
      Math.max(0, Math.floor(((point.step - firstStep) * bucketCount) / span)),
    );
    let bucket = buckets.get(index);
    if (!bucket) buckets.set(index, bucket = {});
    const v = point.value;
    if (typeof v === "number" && Number.isFinite(v)) {
      if (!bucket.min || v < bucket.min.v) bucket.min = { seq: at, point, v };
      if (!bucket.max || v > bucket.max.v) bucket.max = { seq: at, point, v };
    } else if (!bucket.odd) {
      bucket.odd = { seq: at, point };
    }
  };

  for (const point of points) {
    const at = seq++;
    if (!first) first = { seq: at, point };
    last = { seq: at, point };
    if (at < maxPoints) {
      head.push(point);
      continue;
    }
    if (at === maxPoints) head.forEach((p, i) => place(p, i));
    place(point, at);
  }
  if (seq <= maxPoints) return { points: head, total: seq, downsampled: false };

  const kept = new Map<number, P>();
  const keep = (k?: Kept<P>) => k && kept.set(k.seq, k.point);
  keep(first);
  keep(last);
  for (const bucket of buckets.values()) {
    keep(bucket.max);
    keep(bucket.odd ?? bucket.min);
  }
  const points_ = [...kept.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
  return { points: points_, total: seq, downsampled: true };
}
