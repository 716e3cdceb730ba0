import type { SQLInputValue } from "node:sqlite";

/**
 * Which rows of a run a read wants, in Trackio's terms. At most one of `step`, `around_step`,
 * `at_time` is honoured, in that order, as Trackio does; `since_step` narrows any of them.
 */
export interface RowFilter {
  step?: number;
  around_step?: number;
  /** Seconds for `at_time`, steps for `around_step`. */
  window?: number;
  at_time?: string;
  since_step?: number;
}

export const DEFAULT_STEP_WINDOW = 10;
export const DEFAULT_TIME_WINDOW_SECONDS = 60;

/**
 * SQL conditions for a filter on the `metrics` table. `at_time` compares instants: SQLite's
 * `unixepoch()` reads both `...+00:00` and naive timestamps (naive ones as stored, i.e. as if UTC),
 * where Trackio compared ISO text with `datetime()` text and missed same-day windows.
 */
export function filterSql(filter: RowFilter): { sql: string; params: SQLInputValue[] } {
  const clauses: string[] = [];
  const params: SQLInputValue[] = [];
  if (filter.step !== undefined) {
    clauses.push("step = ?");
    params.push(filter.step);
  } else if (filter.around_step !== undefined) {
    const window = filter.window ?? DEFAULT_STEP_WINDOW;
    clauses.push("step BETWEEN ? AND ?");
    params.push(filter.around_step - window, filter.around_step + window);
  } else if (filter.at_time !== undefined) {
    const window = filter.window ?? DEFAULT_TIME_WINDOW_SECONDS;
    clauses.push(
      "unixepoch(timestamp, 'subsec') BETWEEN unixepoch(?, 'subsec') - ? AND unixepoch(?, 'subsec') + ?",
    );
    params.push(filter.at_time, window, filter.at_time, window);
  }
  if (filter.since_step !== undefined) {
    clauses.push("step > ?");
    params.push(filter.since_step);
  }
  return { sql: clauses.map((c) => ` AND ${c}`).join(""), params };
}
