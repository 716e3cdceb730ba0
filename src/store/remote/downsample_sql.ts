import type { DownsampleResult } from "../../analysis/downsample.ts";
import type { RowFilter } from "../filters.ts";
import { decodeValueJson, type MetricPoint, type RunRef } from "../project.ts";
import type { RunStats } from "../source.ts";
import { QUERY_ROW_CAP } from "./client.ts";
import type { RemoteProject } from "./remote_project.ts";

/**
 * `downsampleMinMax` as one query on the server, so that a million-point metric crosses the network
 * as a few hundred points (a metric with no more than `maxPoints` points is read whole). Same buckets (by step, over the run's step range), same choices: first and
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
  const buckets = Math.floor((maxPoints - 2) / 2);
  const first = stats.first_step ?? 0;
  const span = Math.max(1, (stats.last_step ?? 0) - first + 1);
  // One pass extracts the values (SQLite keeps the CTE used several times); grouping finds each
  // bucket's extremes, a join their first rows. Rows are ordered by `k`, (timestamp, id) as one text
  // that sorts as the pair does.
  const sql = `
    WITH b AS MATERIALIZED (
      SELECT timestamp, step, v, timestamp || char(31) || printf('%015d', id) AS k,
        json_type(v) IN ('integer', 'real') AS fin, v ->> '$' AS num,
        MIN(${buckets - 1}, MAX(0, CAST(((step - ${first}) * ${buckets}) / ${span}.0 AS INTEGER))) AS bucket
      FROM (${values})
    ), a AS MATERIALIZED (
      SELECT bucket, MIN(CASE WHEN fin THEN num END) AS lo, MAX(CASE WHEN fin THEN num END) AS hi,
        MIN(CASE WHEN NOT fin THEN k END) AS odd
      FROM b GROUP BY bucket
    ), chosen AS (
      SELECT MIN(CASE WHEN b.fin AND b.num = a.hi THEN b.k END) AS hi_k,
        COALESCE(a.odd, MIN(CASE WHEN b.fin AND b.num = a.lo THEN b.k END)) AS lo_k
      FROM b JOIN a ON a.bucket = b.bucket GROUP BY b.bucket
    ), keys AS (
      SELECT hi_k AS k FROM chosen UNION SELECT lo_k FROM chosen
      UNION SELECT MIN(k) FROM b UNION SELECT MAX(k) FROM b
    )
    SELECT timestamp, step, v, (SELECT COUNT(*) FROM b) AS total FROM b
    WHERE k IN (SELECT k FROM keys WHERE k IS NOT NULL) ORDER BY k`;
  // Under the row cap the statement goes as it is: wrapped for paging, SQLite would plan it anew.
  const rows = maxPoints < QUERY_ROW_CAP ? await project.rowsOf(sql) : await project.all(sql);
  const total = Number(rows[0]?.total ?? 0);
  if (total <= maxPoints) {
    const points: MetricPoint[] = [];
    for await (const page of project.metricValues(run, metric, filter)) points.push(...page);
    return { points, total, downsampled: false };
  }
  const points = rows.map((r) => ({
    timestamp: String(r.timestamp),
    step: Number(r.step),
    value: decodeValueJson(String(r.v)),
  }));
  return { points, total, downsampled: true };
}
