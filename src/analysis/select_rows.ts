/**
 * Chooses which rows of a long multi-metric log to keep: the same min-max bucketing as
 * `downsample.ts`, applied to every numeric metric at once and over row positions, so each
 * metric's spikes and dips and every non-finite value's first row per bucket survive.
 * Returns row positions (0-based, in stream order), never more than `maxRows`: buckets are sized
 * so each of the `metricCount` metrics keeps at most two rows per bucket, and when even one bucket
 * is too many, non-finite rows, then spikes, then dips are kept first.
 */
export function selectRows(
  rows: Iterable<{ metrics: Record<string, unknown> }>,
  total: number,
  maxRows: number,
  metricCount: number,
): Set<number> {
  const bucketCount = Math.max(1, Math.floor((maxRows - 2) / (2 * Math.max(1, metricCount))));
  const extremes = new Map<
    string,
    { min: number; minAt: number; max: number; maxAt: number; oddAt?: number }
  >();
  let index = 0;
  for (const row of rows) {
    const bucket = Math.min(bucketCount - 1, Math.floor((index * bucketCount) / total));
    for (const [metric, value] of Object.entries(row.metrics)) {
      if (typeof value !== "number") continue;
      const key = `${bucket}\u0000${metric}`;
      let e = extremes.get(key);
      if (!e) extremes.set(key, e = { min: Infinity, minAt: -1, max: -Infinity, maxAt: -1 });
      if (!Number.isFinite(value)) {
        e.oddAt ??= index;
      } else {
        if (value < e.min) [e.min, e.minAt] = [value, index];
        if (value > e.max) [e.max, e.maxAt] = [value, index];
      }
    }
    index++;
  }
  return keepExtremes(
    [...extremes].map(([key, e]) => {
      const [bucket, metric] = key.split("\u0000");
      return { bucket: Number(bucket), metric, minAt: e.minAt, maxAt: e.maxAt, oddAt: e.oddAt };
    }),
    total,
    maxRows,
  );
}

/** Where one metric's extremes fell within one bucket (-1 or undefined: nowhere). */
export interface BucketExtremes {
  bucket: number;
  metric: string;
  minAt: number;
  maxAt: number;
  oddAt?: number;
}

/**
 * The rows to keep: first, last, then non-finite rows, spikes and dips, each list by bucket and
 * metric name, so that what a reader must not miss comes first when even one bucket per metric is
 * more than `maxRows` allows (and so that the same data gives the same rows wherever it is thinned);
 * then evenly spaced rows up to `maxRows`.
 */
export function keepExtremes(extremes: BucketExtremes[], total: number, maxRows: number): Set<number> {
  const sorted = [...extremes].sort((a, b) =>
    a.bucket - b.bucket || (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0)
  );
  const keep = new Set<number>([0, total - 1]);
  const odd = sorted.map((e) => e.oddAt);
  const highs = sorted.map((e) => e.maxAt);
  const lows = sorted.map((e) => (e.oddAt === undefined ? e.minAt : -1));
  for (const at of [...odd, ...highs, ...lows]) {
    if (keep.size >= maxRows) break;
    if (at !== undefined && at >= 0) keep.add(at);
  }
  // Up to maxRows in all: evenly spaced rows fill what the extremes left, so that asking for N rows
  // gives N, with the curve's shape between its extremes.
  for (let j = 0; j < maxRows && keep.size < Math.min(maxRows, total); j++) {
    keep.add(Math.floor((j * total) / maxRows));
  }
  return keep;
}
