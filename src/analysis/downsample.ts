/**
 * Downsampling that keeps what a person looks for in a training curve.
 *
 * Algorithm: min-max bucketing by step (the M4 family). The step range is cut into buckets of equal
 * width from its first step; each bucket keeps its lowest and highest finite value, in their
 * original order, and a bucket holding NaN, Infinity or a non-numeric value keeps the first such
 * point in place of its lowest value. The first and last points are always kept.
 *
 * The width is a whole number of steps from a fixed ladder (each about 4% above the one before), the
 * least that fits the range into the buckets: as a run grows, its buckets stay where they are until
 * the range outgrows the width, so a long-lived process can keep the buckets of a curve and add new
 * points to them (`kept_buckets.ts`) instead of reading the whole curve again.
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

export interface DownsampleResult<P> {
  points: P[];
  /** How many points the input had. */
  total: number;
  downsampled: boolean;
}

/** Rungs of the width ladder per doubling. */
const WIDTHS_PER_DOUBLING = 16;

/**
 * The buckets for `maxPoints` points over the steps from `firstStep` to `lastStep`: how many there
 * are, and their width, the least ladder width (ceil(2^(k/16)) steps) that makes them cover the range.
 */
export function bucketGrid(
  maxPoints: number,
  firstStep: number,
  lastStep: number,
): { count: number; width: number } {
  const count = Math.floor((Math.max(4, maxPoints) - 2) / 2);
  const needed = Math.max(1, lastStep - firstStep + 1) / count;
  // Steps that are not numbers leave one bucket, as a width of no finite size would.
  if (!Number.isFinite(needed)) return { count, width: Number.MAX_SAFE_INTEGER };
  let k = Math.max(0, Math.floor(WIDTHS_PER_DOUBLING * Math.log2(needed)) - 2);
  while (Math.ceil(2 ** (k / WIDTHS_PER_DOUBLING)) < needed) k++;
  return { count, width: Math.ceil(2 ** (k / WIDTHS_PER_DOUBLING)) };
}

/** What a point became in its bucket when placed: its lowest, highest or first non-finite value. */
const LOW = 1, HIGH = 2, ODD = 4;

/**
 * The buckets' choices over points numbered in the order they come: each bucket's lowest and
 * highest finite value (the first of equals) and its first other value, by the point's number.
 */
export class MinMaxBuckets {
  readonly count: number;
  readonly width: number;
  /** The bucket the last point placed went to. */
  bucket = 0;
  private readonly low: Float64Array;
  private readonly high: Float64Array;
  private readonly lowAt: Float64Array;
  private readonly highAt: Float64Array;
  private readonly oddAt: Float64Array;
  /** Each part's point numbers by bucket (-1: none), in the order LOW, HIGH, ODD. */
  readonly held: Float64Array[];

  constructor(maxPoints: number, readonly firstStep: number, lastStep: number) {
    ({ count: this.count, width: this.width } = bucketGrid(maxPoints, firstStep, lastStep));
    this.low = new Float64Array(this.count);
    this.high = new Float64Array(this.count);
    this.lowAt = new Float64Array(this.count).fill(-1);
    this.highAt = new Float64Array(this.count).fill(-1);
    this.oddAt = new Float64Array(this.count).fill(-1);
    this.held = [this.lowAt, this.highAt, this.oddAt];
  }

  /** Whether these are the buckets `maxPoints` points over that step range are cut into. */
  fits(maxPoints: number, firstStep: number, lastStep: number): boolean {
    const { count, width } = bucketGrid(maxPoints, firstStep, lastStep);
    return count === this.count && width === this.width && firstStep === this.firstStep;
  }

  /** Places point number `at`; returns what it is now in its bucket (LOW | HIGH | ODD, or 0). */
  place(at: number, step: number, value: unknown): number {
    const b = this.bucket = Math.min(
      this.count - 1,
      Math.max(0, Math.floor((step - this.firstStep) / this.width)),
    );
    let took = 0;
    if (typeof value === "number" && Number.isFinite(value)) {
      if (this.lowAt[b] < 0 || value < this.low[b]) [this.low[b], this.lowAt[b], took] = [value, at, LOW];
      if (this.highAt[b] < 0 || value > this.high[b]) {
        [this.high[b], this.highAt[b], took] = [value, at, took | HIGH];
      }
    } else if (this.oddAt[b] < 0) [this.oddAt[b], took] = [at, ODD];
    return took;
  }

  /** The numbers of the points kept: the first and last, each bucket's highest and its odd or lowest. */
  kept(first: number, last: number): number[] {
    const kept = new Set([first, last]);
    for (let b = 0; b < this.count; b++) {
      if (this.highAt[b] >= 0) kept.add(this.highAt[b]);
      const low = this.oddAt[b] >= 0 ? this.oddAt[b] : this.lowAt[b];
      if (low >= 0) kept.add(low);
    }
    return [...kept].sort((a, b) => a - b);
  }
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
  // The buckets are made only once the points outnumber `maxPoints`: their arrays are as long as
  // `maxPoints` allows, which may be far more than the points there are.
  let buckets: MinMaxBuckets | undefined;
  // The point each bucket holds in each part, by part; the points while few; the last point.
  let held: (P | undefined)[][] = [];
  const head: P[] = [];
  let last: P | undefined;
  let seq = 0;
  const place = (grid: MinMaxBuckets, point: P, at: number) => {
    const took = grid.place(at, point.step, point.value);
    for (let part = 0; part < 3; part++) if (took & (1 << part)) held[part][grid.bucket] = point;
  };
  for (const point of points) {
    const at = seq++;
    last = point;
    if (at < maxPoints) {
      head.push(point);
      continue;
    }
    if (buckets === undefined) {
      const grid = buckets = new MinMaxBuckets(maxPoints, firstStep, lastStep);
      held = [LOW, HIGH, ODD].map(() => new Array<P | undefined>(grid.count));
      head.forEach((p, i) => place(grid, p, i));
    }
    place(buckets, point, at);
  }
  if (buckets === undefined) return { points: head, total: seq, downsampled: false };
  // Numbers back to points: each kept number is the first, the last or a part some bucket holds.
  const grid = buckets;
  const byNumber = new Map<number, P>([[0, head[0]], [seq - 1, last!]]);
  held.forEach((points, part) => {
    const numbers = grid.held[part];
    for (let b = 0; b < grid.count; b++) if (numbers[b] >= 0) byNumber.set(numbers[b], points[b]!);
  });
  const points_ = grid.kept(0, seq - 1).map((n) => byNumber.get(n)!);
  return { points: points_, total: seq, downsampled: true };
}

/** Buckets that have placed the first `placed` points of a curve that grows by appends. */
export interface PlacedBuckets {
  buckets: MinMaxBuckets;
  placed: number;
}

/**
 * `downsampleMinMax` of points held in arrays (a kept curve), without a point object each: the
 * indices of the points it keeps, in order. With `kept`, the buckets of the last call on the same
 * curve (fewer points then) place only the points after theirs, while the step range leaves them
 * where they are (the same first step and width); `kept.buckets` is then what this call placed.
 */
export function downsampleIndices(
  steps: ArrayLike<number>,
  values: ArrayLike<unknown>,
  maxPoints: number,
  firstStep: number,
  lastStep: number,
  kept?: { buckets?: PlacedBuckets },
): { indices: number[]; downsampled: boolean } {
  maxPoints = Math.max(4, maxPoints);
  const n = steps.length;
  if (n <= maxPoints) return { indices: Array.from({ length: n }, (_, i) => i), downsampled: false };
  let done = kept?.buckets;
  if (!done || done.placed > n || !done.buckets.fits(maxPoints, firstStep, lastStep)) {
    done = { buckets: new MinMaxBuckets(maxPoints, firstStep, lastStep), placed: 0 };
  }
  for (let i = done.placed; i < n; i++) done.buckets.place(i, steps[i], values[i]);
  done.placed = n;
  if (kept) kept.buckets = done;
  return { indices: done.buckets.kept(0, n - 1), downsampled: true };
}
