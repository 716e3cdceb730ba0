import type { RowCursor } from "./open.ts";
import { literal } from "./remote/sql.ts";

/**
 * A row as it was read: enough to tell later that it is still there, unchanged. A cache of what was
 * derived from a run keeps a few (its first and last rows, some between) and checks them before it
 * answers again; Trackio's ids are AUTOINCREMENT, so a deleted and re-logged run never reuses one.
 */
export interface RowMark {
  id: number;
  timestamp: string;
  step: number;
  /** The row's metrics as stored (JSON text). */
  text: string;
}

/** What a later look finds of the marked rows, and how many rows now sort before the end of a read. */
export interface MarksNow {
  marks: RowMark[];
  /** Rows of the run with an id above the read's last row that sort at or before it. */
  before: number;
}

const COLUMNS = "id, timestamp, step, CAST(metrics AS TEXT) AS text";

const atOrBefore = (upTo: RowCursor) =>
  `(timestamp, id) <= (${literal(upTo.timestamp)}, ${literal(upTo.id)})`;

/**
 * The rows to mark in a run read up to `upTo`, first in row order: the run's first row, then at each
 * step given the first of its rows (by step, one index seek each). `runWhere` selects the run's rows.
 */
export function markRowsSql(runWhere: string, steps: number[], upTo: RowCursor): string {
  const first =
    `SELECT * FROM (SELECT ${COLUMNS} FROM metrics WHERE ${runWhere} ORDER BY timestamp, id LIMIT 1)`;
  const seeks = steps.filter(Number.isFinite).map((step) =>
    `SELECT * FROM (SELECT ${COLUMNS} FROM metrics WHERE ${runWhere} AND step >= ${literal(step)} AND ${
      atOrBefore(upTo)
    } ORDER BY step, id LIMIT 1)`
  );
  return `SELECT * FROM (${[first, ...seeks].join(" UNION ")}) ORDER BY timestamp, id`;
}

/** The marked rows as they are now, by id (on the primary key: the run's index would read every row): any missing or different one means the run was rewritten. */
export const recheckSql = (runWhere: string, ids: number[]) =>
  `SELECT ${COLUMNS} FROM metrics NOT INDEXED WHERE id IN (${ids.map(literal).join(", ")}) AND ${runWhere}`;

/**
 * Rows added since a read that sort before its end (a late writer, a merged file): they would be
 * missed by reading on from the end. Only ids above the end's are looked at, a short range of the
 * primary key when rows are appended in order.
 */
export const beforeEndSql = (runWhere: string, upTo: RowCursor) =>
  // NOT INDEXED keeps SQLite on the primary key: through the run's index it would read every row.
  `SELECT COUNT(*) AS n FROM metrics NOT INDEXED WHERE id > ${literal(upTo.id)} AND ${runWhere} AND ${
    atOrBefore(upTo)
  }`;

export function markOf(row: Record<string, unknown>): RowMark {
  return {
    id: Number(row.id),
    timestamp: String(row.timestamp),
    step: Number(row.step),
    text: String(row.text),
  };
}

/** Whether every mark is found now exactly as it was. */
export function marksHold(was: RowMark[], now: RowMark[]): boolean {
  const byId = new Map(now.map((m) => [m.id, m]));
  return was.every((m) => {
    const seen = byId.get(m.id);
    return seen !== undefined && seen.timestamp === m.timestamp && seen.step === m.step &&
      seen.text === m.text;
  });
}
