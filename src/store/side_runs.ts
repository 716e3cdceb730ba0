import { TrackioCliError } from "../errors.ts";
import type { RunRef } from "./project.ts";
import { literal } from "./remote/sql.ts";
import { hasColumn, type Schema } from "./schema.ts";

/**
 * A run that crashed before its first log is known only to the tables Trackio writes beside
 * `metrics` (system metrics, alerts), and in a file an older Trackio wrote and a newer one kept
 * writing, only those tables hold run ids. Trackio answers for such runs (no logs, their system
 * metrics and alerts), so both sources look there when `metrics` does not know the run.
 */
export interface SideRunQuery {
  sql: string;
  /** Whether the run found is keyed by that table's `run_id` (else by name). */
  byId: boolean;
}

/** The queries to try in order, each answering at most one row of (id, name, created_at). */
export function sideRunQueries(schema: Schema, run: string | null, runId: string | null): SideRunQuery[] {
  const queries: SideRunQuery[] = [];
  for (const table of ["system_metrics", "alerts"]) {
    if (!schema.tables.has(table)) continue;
    const ids = hasColumn(schema, table, "run_id");
    const conditions: string[] = [];
    if (ids && runId !== null) conditions.push(`run_id = ${literal(runId)}`);
    if (runId === null && run !== null) {
      conditions.push(`run_name = ${literal(run)}`);
      if (ids) conditions.push(`run_id = ${literal(run)}`);
    }
    for (const where of conditions) {
      queries.push({
        sql: `SELECT ${
          ids ? "run_id" : "NULL"
        } AS id, run_name AS name, MIN(timestamp) AS created_at FROM ${table}
          WHERE ${where} GROUP BY ${ids ? "run_id" : "run_name"} ORDER BY created_at DESC LIMIT 1`,
        byId: ids,
      });
    }
  }
  return queries;
}

export const sideRunRef = (row: Record<string, unknown>): RunRef => ({
  id: String(row.id ?? row.name),
  name: String(row.name),
  created_at: String(row.created_at),
});

/** Whether a run found in a side table is the one asked for: a name given with an id must be its name. */
export const agrees = (found: RunRef, run: string | null, runId: string | null) =>
  runId === null || run === null || found.name === run;

/** Only a run that is not found is looked for in the side tables; other errors stand. */
export const isNotFound = (error: unknown) => error instanceof TrackioCliError && error.code === "not_found";
