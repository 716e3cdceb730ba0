import { bucketGrid, type DownsampleResult } from "../../analysis/downsample.ts";
import type { RowFilter } from "../filters.ts";
import type { RowRange } from "./sql.ts";
import { decodeValueJson, type MetricPoint, type RunRef } from "../project.ts";
import type { RunStats } from "../source.ts";
import { QUERY_ROW_CAP } from "./client.ts";
import type { RemoteProject } from "./remote_project.ts";
import { keyPath, METRICS_TEXT, ORDER_KEY } from "./sql.ts";

/**
 * `downsampleMinMax` as one statement on the server, so that a million-point metric crosses the
 * network as a few hundred points (a metric with no more than `maxPoints` points is read whole).
 * Same buckets (by step, over the run's step range), same choices: first and last point, each
 * bucket's highest finite value, and its first non-finite value or else its lowest, ties going to
 * the earliest point.
 *
 * The plan matters on SQLite 3.40 (Trackio's): each row's JSON is parsed once into a narrow table;
 * one grouping finds each bucket's extremes; the rows holding them are found with `IN` (which SQLite
 * indexes), not a join (which it would run as a nested loop over a million rows); the order key is
 * built only for those rows. Finite means a JSON number (`GLOB '[0-9-]*'` on its text).
 */
export async function downsampleOnServer(
  project: RemoteProject,
  run: RunRef,
  metric: string,
  filter: RowFilter,
  maxPoints: number,
  stats: RunStats,
  range?: RowRange,
): Promise<DownsampleResult<MetricPoint>> {
  maxPoints = Math.max(4, maxPoints);
  const values = project.valuesQuery(run, metric, filter, range);
  const first = stats.first_step ?? 0;
  const { count: buckets, width } = bucketGrid(maxPoints, first, stats.last_step ?? 0);
  const sql = `
    WITH b AS MATERIALIZED (
      SELECT timestamp, id, v GLOB '[0-9-]*' AS fin, CAST(v AS REAL) AS num,
        MIN(${buckets - 1}, MAX(0, CAST((step - ${first}) / ${width} AS INTEGER))) AS bucket
      FROM (${values})
    ), a AS MATERIALIZED (
      SELECT bucket, MIN(CASE WHEN fin THEN num END) AS lo, MAX(CASE WHEN fin THEN num END) AS hi,
        MIN(CASE WHEN NOT fin THEN ${ORDER_KEY} END) AS odd
      FROM b GROUP BY bucket
    ), c AS MATERIALIZED (
      SELECT bucket, ${ORDER_KEY} AS k,
        (bucket, num) IN (SELECT bucket, lo FROM a) AS is_lo, (bucket, num) IN (SELECT bucket, hi FROM a) AS is_hi
      FROM b
      WHERE fin AND ((bucket, num) IN (SELECT bucket, lo FROM a) OR (bucket, num) IN (SELECT bucket, hi FROM a))
    ), chosen AS (
      SELECT bucket, MIN(CASE WHEN is_lo THEN k END) AS lo_k, MIN(CASE WHEN is_hi THEN k END) AS hi_k
      FROM c GROUP BY bucket
    ), keys AS (
      SELECT hi_k AS k FROM chosen
      UNION SELECT COALESCE(a.odd, chosen.lo_k) FROM a LEFT JOIN chosen ON chosen.bucket = a.bucket
    ), ids AS (
      SELECT CAST(substr(k, instr(k, char(31)) + 1) AS INTEGER) AS id FROM keys WHERE k IS NOT NULL
      UNION SELECT id FROM (SELECT id FROM b ORDER BY timestamp, id LIMIT 1)
      UNION SELECT id FROM (SELECT id FROM b ORDER BY timestamp DESC, id DESC LIMIT 1)
    )
    SELECT (SELECT COUNT(*) FROM b) AS total, (SELECT group_concat(id) FROM
      (SELECT id FROM metrics WHERE id IN (SELECT id FROM ids) ORDER BY timestamp, id)) AS ids`;
  // One answer row whatever maxPoints: the kept rows' ids in order, then their points by id.
  const answer = (await project.rowsOf(sql))[0];
  const total = Number(answer?.total ?? 0);
  if (total <= maxPoints) {
    const points: MetricPoint[] = [];
    if (range) {
      for (const r of await project.all(`SELECT timestamp, step, v FROM (${values})`)) {
        points.push(pointOf(r));
      }
    } else for await (const page of project.metricValues(run, metric, filter)) points.push(...page);
    return { points, total, downsampled: false };
  }
  const ids = String(answer!.ids).split(",").map(Number);
  const points: MetricPoint[] = [];
  for (let i = 0; i < ids.length; i += QUERY_ROW_CAP) {
    const rows = await project.rowsOf(
      `SELECT timestamp, step, ${METRICS_TEXT} -> ${keyPath(metric)} AS v FROM metrics
       WHERE id IN (${ids.slice(i, i + QUERY_ROW_CAP).join(",")}) ORDER BY timestamp, id`,
    );
    points.push(...rows.map(pointOf));
  }
  return { points, total, downsampled: true };
}

/** A point from a row of timestamp, step and the value's JSON text `v`. */
const pointOf = (r: Record<string, unknown>): MetricPoint => ({
  timestamp: String(r.timestamp),
  step: Number(r.step),
  value: decodeValueJson(String(r.v)),
});
