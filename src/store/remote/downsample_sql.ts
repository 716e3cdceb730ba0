import type { DownsampleResult } from "../../analysis/downsample.ts";
import type { RowFilter } from "../filters.ts";
import { decodeValueJson, type MetricPoint, type RunRef } from "../project.ts";
import type { RunStats } from "../source.ts";
import type { RemoteProject } from "./remote_project.ts";

/**
 * `downsampleMinMax` as one query on the server, so that a million-point metric crosses the network
 * as a few hundred points. Same buckets (by step, over the run's step range), same choices: first and
 * last point, each bucket's highest finite value, and its first non-finite value or else its lowest,
 * ties going to the earliest point, in the order logged.
 */
export async function downsampleOnServer(
  project: RemoteProject,
  run: RunRef,
  metric: string,
  filter: RowFilter,
  maxPoints: number,
  stats: RunStats,
): Promise<DownsampleResult<MetricPoint>> {
  maxPoints = Math.max(4, maxPoints);
  const values = project.valuesQuery(run, metric, filter);
  const total = Number((await project.one(`SELECT COUNT(*) AS n FROM (${values})`))?.n ?? 0);
  if (total <= maxPoints) {
    const points: MetricPoint[] = [];
    for await (const page of project.metricValues(run, metric, filter)) points.push(...page);
    return { points, total, downsampled: false };
  }
  const buckets = Math.floor((maxPoints - 2) / 2);
  const first = stats.first_step ?? 0;
  const span = Math.max(1, (stats.last_step ?? 0) - first + 1);
  const rows = await project.all(`
    WITH pts AS (
      SELECT ROW_NUMBER() OVER (ORDER BY timestamp, id) AS seq, timestamp, step, v,
        json_type(v) IN ('integer', 'real') AS fin
      FROM (${values})
    ), b AS (
      SELECT seq, timestamp, step, v, fin, CASE WHEN fin THEN v ->> '$' END AS num,
        MIN(${buckets - 1}, MAX(0, CAST(((step - ${first}) * ${buckets}) / ${span}.0 AS INTEGER))) AS bucket
      FROM pts
    ), r AS (
      SELECT b.*,
        ROW_NUMBER() OVER (PARTITION BY bucket ORDER BY fin DESC, num ASC, seq) AS lo,
        ROW_NUMBER() OVER (PARTITION BY bucket ORDER BY fin DESC, num DESC, seq) AS hi,
        ROW_NUMBER() OVER (PARTITION BY bucket ORDER BY fin ASC, seq) AS od,
        MIN(fin) OVER (PARTITION BY bucket) AS allfin
      FROM b
    )
    SELECT timestamp, step, v FROM r
    WHERE seq = 1 OR seq = ${total} OR (hi = 1 AND fin) OR (allfin = 0 AND od = 1) OR (allfin = 1 AND lo = 1)
    ORDER BY seq`);
  const points = rows.map((r) => ({
    timestamp: String(r.timestamp),
    step: Number(r.step),
    value: decodeValueJson(String(r.v)),
  }));
  return { points, total, downsampled: true };
}
