/** Robust statistics: what real training logs, with their outliers and NaN, need. Pure functions. */

/** The largest value, for arrays of any length (spreading a million values into Math.max overflows). */
export function maxOf(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  return max;
}

/** Median of the finite values (NaN when there are none). Does not modify `values`. */
export function median(values: ArrayLike<number>): number {
  const finite = finiteCopy(values);
  const n = finite.length;
  if (n === 0) return NaN;
  const upper = select(finite, n >> 1);
  return n % 2 ? upper : (upper + maxBelow(finite, n >> 1)) / 2;
}

/** Median of values already in ascending order (NaN when there are none). */
function sortedMedian(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 ? sorted[n >> 1] : (sorted[n >> 1] + sorted[(n >> 1) - 1]) / 2;
}

/** Median of `values[from..to)` (all finite), using `buffer` as scratch space: no allocation. */
export function medianOf(values: ArrayLike<number>, from: number, to: number, buffer: Float64Array): number {
  const n = to - from;
  for (let i = 0; i < n; i++) buffer[i] = values[from + i];
  const view = buffer.subarray(0, n);
  const upper = select(view, n >> 1);
  return n % 2 ? upper : (upper + maxBelow(view, n >> 1)) / 2;
}

function finiteCopy(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out[n++] = values[i];
  return out.subarray(0, n);
}

/**
 * The k-th smallest value (0-based), rearranging `a` so that everything before index k is <= it:
 * Hoare's quickselect, linear on average where sorting a million values would not be.
 */
export function select(a: Float64Array, k: number): number {
  let lo = 0, hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // Median of three as pivot keeps sorted and reversed input linear.
    const [x, y, z] = [a[lo], a[mid], a[hi]];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** The largest of the first `k` values, which `select(a, k)` left below index k. */
function maxBelow(a: Float64Array, k: number): number {
  let max = -Infinity;
  for (let i = 0; i < k; i++) if (a[i] > max) max = a[i];
  return max;
}

/**
 * Rolling median with an odd window centred on each point (shrunk at the ends): a trend line that
 * single spikes do not bend. The window is kept sorted as it slides, so each step is a binary search
 * and a short move instead of a fresh sort. Non-finite values are left out.
 */
export function rollingMedian(values: ArrayLike<number>, window: number): number[] {
  const half = Math.max(0, Math.floor(window / 2));
  const n = values.length;
  if (half === 0) return Array.from(values);
  const sorted = new Float64Array(2 * half + 1);
  let size = 0;
  const position = (v: number) => {
    let lo = 0, hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const insert = (v: number) => {
    if (!Number.isFinite(v)) return;
    const at = position(v);
    sorted.copyWithin(at + 1, at, size);
    sorted[at] = v;
    size++;
  };
  const remove = (v: number) => {
    if (!Number.isFinite(v)) return;
    const at = position(v);
    sorted.copyWithin(at, at + 1, size);
    size--;
  };
  const out = new Array<number>(n);
  for (let i = 0; i < Math.min(half, n); i++) insert(values[i]);
  for (let i = 0; i < n; i++) {
    // Out before in: the buffer holds exactly one full window.
    if (i - half - 1 >= 0) remove(values[i - half - 1]);
    if (i + half < n) insert(values[i + half]);
    out[i] = size === 0
      ? NaN
      : size % 2
      ? sorted[(size - 1) / 2]
      : (sorted[size / 2 - 1] + sorted[size / 2]) / 2;
  }
  return out;
}

/**
 * Theil-Sen slope: the median of the slopes between all pairs of points, robust to up to ~29% of
 * outliers. Long inputs are subsampled evenly to `maxPoints` (4,950 pairs) to bound the work.
 */
export function theilSen(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  maxPoints = 100,
): { slope: number; intercept: number; slopeLow: number; slopeHigh: number } {
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
  const all = new Float64Array((px.length * (px.length - 1)) / 2);
  let count = 0;
  for (let i = 0; i < px.length; i++) {
    for (let j = i + 1; j < px.length; j++) {
      if (px[j] !== px[i]) all[count++] = (py[j] - py[i]) / (px[j] - px[i]);
    }
  }
  // Sorted once, in native numeric order: the median and the quartiles are read off it (a comparator
  // sort of 4,950 numbers cost more than the rest of a profile).
  const slopes = all.subarray(0, count).sort();
  // The median is of the finite slopes: a pair whose difference overflows gives an infinite one.
  let lo = 0, hi = count;
  while (lo < hi && slopes[lo] === -Infinity) lo++;
  while (hi > lo && !Number.isFinite(slopes[hi - 1])) hi--;
  const slope = count === 0 ? 0 : sortedMedian(slopes.subarray(lo, hi));
  const intercept = median(px.map((x, i) => py[i] - slope * x));
  const at = (q: number) => (count ? slopes[Math.min(count - 1, Math.floor(q * count))] : 0);
  return {
    slope,
    intercept: Number.isFinite(intercept) ? intercept : 0,
    slopeLow: at(0.25),
    slopeHigh: at(0.75),
  };
}
