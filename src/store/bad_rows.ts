/**
 * Rows Trackio could not have written (metrics that are not a JSON object: truncated by a crash, or
 * put there by other code) must not sink a run, let alone a project: once a read meets one, both
 * sources find every such row of that run, leave them out of every later query of it, and say so.
 */

/** SQL true for a `metrics` row whose JSON text `text` is not a JSON object. Only run on damaged runs. */
export const badRowSql = (text: string) =>
  `NOT (CASE WHEN json_valid(${text}) THEN json_type(${text}) = 'object' ELSE 0 END)`;

/** Up to this many rows are left out by id; beyond it, by testing each row (slower, still right). */
const MAX_IDS = 500;

/** `AND ...` leaving out the bad rows of a run (`ids`, found with `badRowSql`). */
export const skipRowsClause = (ids: number[], text: string) =>
  ids.length <= MAX_IDS ? ` AND id NOT IN (${ids.join(", ")})` : ` AND NOT (${badRowSql(text)})`;

/** The notice every answer from a damaged run carries. */
export function skippedRowsNotice(run: string, ids: number[]): string {
  const listed = ids.slice(0, 10).join(", ") + (ids.length > 10 ? ", ..." : "");
  return `run '${run}': skipped ${ids.length} row${ids.length === 1 ? "" : "s"} whose metrics are not a ` +
    `JSON object (metrics row${ids.length === 1 ? "" : "s"} ${listed}); the rest of the run is read as usual`;
}

/** SQLite's words for a JSON function that met text it cannot parse. */
export const isMalformedJsonError = (error: unknown) =>
  error instanceof Error && /malformed JSON/i.test(error.message);

/** For `doctor`: the bad rows of every run of a project (one full read of the table). */
export const BAD_ROWS_BY_RUN_SQL =
  `SELECT run_name AS run, COUNT(*) AS n, group_concat(id, ', ') AS ids FROM metrics
   WHERE ${badRowSql("CAST(metrics AS TEXT)")} GROUP BY run_name ORDER BY run_name`;

/** What `doctor` says of them, and how many there are. */
export function badRowsReport(
  project: string,
  rows: Record<string, unknown>[],
): { count: number; problems: string[] } {
  const problems = rows.map((r) => {
    const ids = String(r.ids).split(", ");
    const listed = ids.slice(0, 10).join(", ") + (ids.length > 10 ? ", ..." : "");
    return `project '${project}', run '${r.run}': ${r.n} metrics row${Number(r.n) === 1 ? "" : "s"} not a ` +
      `JSON object (${listed}): reads skip ${Number(r.n) === 1 ? "it" : "them"}`;
  });
  return { count: rows.reduce((sum, r) => sum + Number(r.n), 0), problems };
}
