import { type BucketExtremes, keepExtremes } from "../../analysis/select_rows.ts";
import { decodeNonFinite } from "../../json.ts";
import type { LogRow } from "../project.ts";
import type { ThinnedRows } from "../source.ts";
import { QUERY_ROW_CAP } from "./client.ts";
import type { RemoteProject } from "./remote_project.ts";
import { keyPath, METRICS_TEXT, pathCanName } from "./sql.ts";

const NON_FINITE = "('NaN', 'Infinity', '-Infinity')";

/**
 * `selectRows` on the server: each metric's lowest and highest finite value and first non-finite
 * value per bucket of row positions, found by SQL, so that only the kept rows cross the network.
 */
export async function thinOnServer(
  project: RemoteProject,
  runWhere: string,
  names: string[],
  total: number,
  maxRows: number,
): Promise<ThinnedRows> {
  const buckets = Math.max(1, Math.floor((maxRows - 2) / (2 * Math.max(1, names.length))));
  const metrics = names.filter(pathCanName);
  const numbered = `SELECT ROW_NUMBER() OVER (ORDER BY timestamp, id) - 1 AS idx, ${METRICS_TEXT} AS m
    FROM metrics WHERE ${runWhere}`;
  const extremes: BucketExtremes[] = [];
  if (metrics.length > 0) {
    const typed = metrics.map((k, i) => `json_type(m, ${keyPath(k)}) AS t${i}, m ->> ${keyPath(k)} AS x${i}`)
      .join(", ");
    const fin = (i: number) => `t${i} IN ('integer', 'real')`;
    const odd = (i: number) => `t${i} = 'text' AND x${i} IN ${NON_FINITE}`;
    const aggregates = metrics.map((_, i) =>
      `MIN(CASE WHEN ${fin(i)} THEN x${i} END) AS lo${i}, MAX(CASE WHEN ${
        fin(i)
      } THEN x${i} END) AS hi${i}, ` +
      `MIN(CASE WHEN ${odd(i)} THEN idx END) AS od${i}`
    ).join(", ");
    const positions = metrics.map((_, i) =>
      `MIN(CASE WHEN ${fin(i)} AND x${i} = a.lo${i} THEN idx END) AS min${i}, ` +
      `MIN(CASE WHEN ${fin(i)} AND x${i} = a.hi${i} THEN idx END) AS max${i}, a.od${i} AS odd${i}, ` +
      `MAX(${fin(i)} OR ${odd(i)}) AS seen${i}`
    ).join(", ");
    const rows = await project.all(`
      WITH v AS (
        SELECT idx, MIN(${buckets - 1}, (idx * ${buckets}) / ${total}) AS bucket, ${typed} FROM (${numbered})
      ), a AS (SELECT bucket, ${aggregates} FROM v GROUP BY bucket)
      SELECT v.bucket AS bucket, ${positions} FROM v JOIN a ON a.bucket = v.bucket GROUP BY v.bucket
      ORDER BY v.bucket`);
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
      const metrics = JSON.parse(String(r.m)) as Record<string, unknown>;
      for (const key of Object.keys(metrics)) metrics[key] = decodeNonFinite(metrics[key]);
      rows.push({ timestamp: String(r.timestamp), step: Number(r.step), metrics });
    }
  }
  return { rows, total, thinned: true };
}
