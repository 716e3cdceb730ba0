import type { RowFilter } from "../filters.ts";
import { DEFAULT_STEP_WINDOW, DEFAULT_TIME_WINDOW_SECONDS } from "../filters.ts";

/**
 * SQL for Trackio's `query_project`, which takes no parameters and runs on the server's SQLite
 * (3.40 on Trackio's Spaces): values are written as literals, there is no `unixepoch(..., 'subsec')`
 * (3.42), no `json_each` and no recursive CTE (its authorizer refuses both).
 */

/** A string or number as an SQL literal. */
export function literal(value: string | number): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
    return String(value);
  }
  return `'${value.replaceAll("'", "''")}'`;
}

/** Whether a JSON path can name this key: SQLite's quoted labels cannot hold `"` or `\`. */
export const pathCanName = (key: string) => !/["\\]/.test(key);

/** The JSON path literal of one top-level key. */
export const keyPath = (key: string) => literal(`$."${key}"`);

/** The metrics column as JSON text: Trackio writes it as a BLOB. */
export const METRICS_TEXT = "CAST(metrics AS TEXT)";

/** Seconds since the epoch of a timestamp, naive ones read as UTC, on any SQLite since 3.0. */
const epoch = (sql: string) => `((julianday(${sql}) - 2440587.5) * 86400.0)`;

/** The conditions of a row filter on `metrics`, as `AND ...` clauses (see `filterSql`). */
export function filterClause(filter: RowFilter): string {
  const clauses: string[] = [];
  if (filter.step !== undefined) clauses.push(`step = ${literal(filter.step)}`);
  else if (filter.around_step !== undefined) {
    const window = filter.window ?? DEFAULT_STEP_WINDOW;
    clauses.push(
      `step BETWEEN ${literal(filter.around_step - window)} AND ${literal(filter.around_step + window)}`,
    );
  } else if (filter.at_time !== undefined) {
    const window = filter.window ?? DEFAULT_TIME_WINDOW_SECONDS;
    const at = epoch(literal(filter.at_time));
    clauses.push(`${epoch("timestamp")} BETWEEN ${at} - ${literal(window)} AND ${at} + ${literal(window)}`);
  }
  if (filter.since_step !== undefined) clauses.push(`step > ${literal(filter.since_step)}`);
  return clauses.map((c) => ` AND ${c}`).join("");
}

/** A position in a run's rows, in (timestamp, id) order. */
export interface RowKey {
  timestamp: string;
  id: number;
}

/** The rows after `after` (all without it) up to and including `upTo` (to the end without it). */
export interface RowRange {
  after?: RowKey;
  upTo?: RowKey;
}

const key = (k: RowKey) => `(${literal(k.timestamp)}, ${literal(k.id)})`;

/** `AND (timestamp, id) > (...)`: keyset paging that stays fast at any depth, unlike OFFSET. */
export const afterClause = (after?: RowKey) => after ? ` AND (timestamp, id) > ${key(after)}` : "";

/** The conditions of a range, as `AND ...` clauses. */
export const rangeClause = (range: RowRange = {}) =>
  `${afterClause(range.after)}${range.upTo ? ` AND (timestamp, id) <= ${key(range.upTo)}` : ""}`;

export { epoch as epochSql };
