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

/**
 * Seconds since the epoch of a timestamp, naive ones read as UTC, to the millisecond as
 * `unixepoch(..., 'subsec')` (3.42) gives it: `julianday()` in days loses a few microseconds, enough to
 * move a row that sits exactly on a window's edge out of it.
 */
export const epochSql = (sql: string) =>
  `((CAST(ROUND(julianday(${sql}) * 86400000.0) AS INTEGER) - 210866760000000) / 1000.0)`;

/** SQLite 3.40 takes at most 127 arguments per function call. */
export const MAX_PATHS_PER_CALL = 126;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `text` without the top-level `keys`: nested calls, each under SQLite's argument limit. */
export function removeKeys(text: string, keys: string[]): string {
  return chunks(keys.map(keyPath), MAX_PATHS_PER_CALL).reduce(
    (sql, paths) => `json_remove(${sql}, ${paths.join(", ")})`,
    text,
  );
}

/**
 * SQL for the values of `keys` in `text` as JSON arrays, one argument of `json_array(...)` per chunk
 * of keys (`json_extract` with one path gives the value itself, with several an array): each row's
 * JSON is parsed once per chunk. `flattenChunks` puts the arrays back together.
 */
export function extractChunks(text: string, keys: string[]): string {
  return chunks(keys.map(keyPath), MAX_PATHS_PER_CALL)
    .map((paths) =>
      paths.length === 1 ? `json_array(${text} -> ${paths[0]})` : `json_extract(${text}, ${paths.join(", ")})`
    )
    .join(", ");
}

export const flattenChunks = (arrays: unknown[]): unknown[] => (arrays as unknown[][]).flat();

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
    const at = epochSql(literal(filter.at_time));
    clauses.push(
      `${epochSql("timestamp")} BETWEEN ${at} - ${literal(window)} AND ${at} + ${literal(window)}`,
    );
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
const afterClause = (after?: RowKey) => after ? ` AND (timestamp, id) > ${key(after)}` : "";

/** `(timestamp, id)` as one text that sorts as the pair does: which of two rows came first. */
export const ORDER_KEY = "timestamp || char(31) || printf('%015d', id)";

/** The row an `ORDER_KEY` text names. */
export function parseOrderKey(text: string): RowKey {
  const [timestamp, id] = text.split("\x1f");
  return { timestamp, id: Number(id) };
}

/** The conditions of a range, as `AND ...` clauses. */
export const rangeClause = (range: RowRange = {}) =>
  `${afterClause(range.after)}${range.upTo ? ` AND (timestamp, id) <= ${key(range.upTo)}` : ""}`;
