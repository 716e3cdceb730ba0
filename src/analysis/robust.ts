/** Robust statistics: what real training logs, with their outliers and NaN, need. Pure functions. */

/** Median of the finite values (NaN when there are none). Does not modify `values`. */
export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** The q-quantile (0..1) of the finite values by linear interpolation; NaN when there are none. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).filter(Number.isFinite).sort();
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Median absolute deviation from the median, scaled to estimate a normal standard deviation. */
export function mad(values: ArrayLike<number>): number {
  const m = median(values);
  return 1.4826 * median(Array.from(values, (v) => Math.abs(v - m)));
}

/**
 * Rolling median with an odd window centred on each point (shrunk at the ends): a trend line that
 * single spikes do not bend.
 */
export function rollingMedian(values: ArrayLike<number>, window: number): number[] {
  const half = Math.max(0, Math.floor(window / 2));
  if (half === 0) return Array.from(values);
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const from = Math.max(0, i - half);
    const to = Math.min(values.length, i + half + 1);
    out[i] = median(Array.prototype.slice.call(values, from, to) as number[]);
  }
  return out;
}

/**
 * Theil-Sen slope: the median of the slopes between all pairs of points, robust to up to ~29% of
 * outliers. Long inputs are subsampled evenly to `maxPoints` to bound the pairs.
 */
export function theilSen(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  maxPoints = 300,
): { slope: number; intercept: number } {
  const n = xs.length;
  const stride = Math.max(1, Math.ceil(n / maxPoints));
  const px: number[] = [];
  const py: number[] = [];
  for (let i = 0; i < n; i += stride) {
    if (Number.isFinite(ys[i])) {
      px.push(xs[i]);
      py.push(ys[i]);
    }
  }
  const slopes: number[] = [];
  for (let i = 0; i < px.length; i++) {
    for (let j = i + 1; j < px.length; j++) {
      if (px[j] !== px[i]) slopes.push((py[j] - py[i]) / (px[j] - px[i]));
    }
  }
  const slope = slopes.length ? median(slopes) : 0;
  const intercept = median(px.map((x, i) => py[i] - slope * x));
  return { slope, intercept: Number.isFinite(intercept) ? intercept : 0 };
}
