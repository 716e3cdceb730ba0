import { type BucketExtremes, keepExtremes } from "../../analysis/select_rows.ts";
import { decodeMetricsObject, type LogRow } from "../project.ts";
import type { ThinnedRows } from "../source.ts";
import { QUERY_ROW_CAP } from "./client.ts";
import type { RemoteProject } from "./remote_project.ts";
import { extractChunks, MAX_PATHS_PER_CALL, METRICS_TEXT, pathCanName } from "./sql.ts";

/** Trackio's non-finite values as the JSON text `->` gives: strings, with their quotes. */
const NON_FINITE = `('"NaN"', '"Infinity"', '"-Infinity"')`;

/**
 * `selectRows` on the server: each metric's lowest and highest finite value and first non-finite
 * value per bucket of row positions, found by SQL, so that only the kept rows cross the network.
 */
export async function thinOnServer(
  project: RemoteProject,
  runWhere: string,
  keys: string[],
  metricCount: number,
  total: number,
  maxRows: number,
): Promise<ThinnedRows> {
  const buckets = Math.max(1, Math.floor((maxRows - 2) / (2 * Math.max(1, metricCount))));
  const metrics = keys.filter(pathCanName);
  const extremes: BucketExtremes[] = [];
  if (metrics.length > 0) {
    // Each row's JSON is parsed once (one json_extract for every path) into a narrow table of
    // finite flags, numbers and non-finite flags; extremes come from one grouping, and the rows
    // holding them are found with `IN` (indexed by SQLite) rather than a join (a nested loop).
    const array = `json_array(${extractChunks(METRICS_TEXT, metrics)})`;
    const picked = metrics.map((_, i) =>
      `arr -> '$[${Math.floor(i / MAX_PATHS_PER_CALL)}][${i % MAX_PATHS_PER_CALL}]' AS x${i}`
    ).join(", ");
    const typed = metrics.map((_, i) =>
      `x${i} GLOB '[0-9-]*' AS f${i}, CAST(x${i} AS REAL) AS n${i}, x${i} IN ${NON_FINITE} AS o${i}`
    ).join(", ");
    const aggregates = metrics.map((_, i) =>
      `MIN(CASE WHEN f${i} THEN n${i} END) AS lo${i}, MAX(CASE WHEN f${i} THEN n${i} END) AS hi${i}, ` +
      `MIN(CASE WHEN o${i} THEN idx END) AS od${i}, MAX(f${i} OR o${i}) AS seen${i}`
    ).join(", ");
    const found = metrics.map((_, i) =>
      `MIN(CASE WHEN f${i} AND (bucket, n${i}) IN (SELECT bucket, lo${i} FROM a) THEN idx END) AS min${i}, ` +
      `MIN(CASE WHEN f${i} AND (bucket, n${i}) IN (SELECT bucket, hi${i} FROM a) THEN idx END) AS max${i}`
    ).join(", ");
    const columns = metrics.map((_, i) => `p.min${i}, p.max${i}, a.od${i} AS odd${i}, a.seen${i}`).join(", ");
    const rows = await project.all(`
      WITH v AS MATERIALIZED (
        SELECT idx, MIN(${buckets - 1}, (idx * ${buckets}) / ${total}) AS bucket, ${typed} FROM (
          SELECT idx, ${picked} FROM (
            SELECT ROW_NUMBER() OVER (ORDER BY timestamp, id) - 1 AS idx, ${array} AS arr
            FROM metrics WHERE ${runWhere} LIMIT -1) LIMIT -1)
      ), a AS MATERIALIZED (SELECT bucket, ${aggregates} FROM v GROUP BY bucket),
      p AS MATERIALIZED (SELECT bucket, ${found} FROM v GROUP BY bucket)
      SELECT a.bucket AS bucket, ${columns} FROM a JOIN p ON p.bucket = a.bucket ORDER BY a.bucket`);
    for (const r of rows) {
      metrics.forEach((metric, i) => {
        if (!r[`seen${i}`]) return;
        extremes.push({
          bucket: Number(r.bucket),
          metric,
          minAt: r[`min${i}`] == null ? -1 : Number(r[`min${i}`]),
          maxAt: r[`max${i}`] == null ? -1 : Number(r[`max${i}`]),
          oddAt: r[`odd${i}`] == null ? undefined : Number(r[`odd${i}`]),
        });
      });
    }
  }
  const keep = [...keepExtremes(extremes, total, maxRows)].sort((a, b) => a - b);
  const rows: LogRow[] = [];
  for (let i = 0; i < keep.length; i += QUERY_ROW_CAP) {
    const chunk = keep.slice(i, i + QUERY_ROW_CAP);
    const page = await project.all(
      `SELECT timestamp, step, json(m) AS m FROM (SELECT ROW_NUMBER() OVER (ORDER BY timestamp, id) - 1 AS idx,
        timestamp, step, ${METRICS_TEXT} AS m FROM metrics WHERE ${runWhere}) WHERE idx IN (${
        chunk.join(",")
      })
        ORDER BY idx`,
    );
    for (const r of page) {
      const metrics = decodeMetricsObject(String(r.m));
      rows.push({ timestamp: String(r.timestamp), step: Number(r.step), metrics });
    }
  }
  return { rows, total, thinned: true };
}
