import type { RowCursor } from "./open.ts";
import { literal, rangeClause } from "./remote/sql.ts";

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

/** What to look at in one read of a run: marked rows, rows added late, a span's rows. */
export interface RowsCheck {
  /** Ids of marked rows to find as they are now. */
  ids: number[];
  /**
   * An earlier read's end and the table's largest id when it was known complete: count the rows
   * written since (ids above `sinceId`) that sort at or before the end, which reading on from the
   * end would miss (see `lateSql`).
   */
  late?: { upTo: RowCursor; sinceId: number };
  /** Count the run's rows after `after` (from the first when absent) up to `upTo`. */
  span?: { after?: RowCursor; upTo: RowCursor };
  /** Find the run's last row now: whether anything was written since a read's end. */
  last?: boolean;
}

/** The answer to a `RowsCheck`, from one statement and so from one state of the data. */
export interface RowsNow {
  marks: RowMark[];
  /** Rows written late, when asked for. */
  late: number | null;
  /** The table's largest id (of any run) in this state: every row written later has a larger one. */
  maxId: number;
  /** Rows in the span, when one was asked for. */
  span: number | null;
  /** The run's last row, when asked for and the run has one. */
  last: RowCursor | null;
}

const COLUMNS = "id, timestamp, step, CAST(metrics AS TEXT) AS text";

/**
 * The rows to mark in a run read up to `upTo`, first in row order: the run's first row, then at each
 * step given the first of its rows (by step, one index seek each). `runWhere` selects the run's rows.
 */
function markRowsSql(runWhere: string, steps: number[], upTo: RowCursor): string {
  const first =
    `SELECT * FROM (SELECT ${COLUMNS} FROM metrics WHERE ${runWhere} ORDER BY timestamp, id LIMIT 1)`;
  const seeks = steps.filter(Number.isFinite).map((step) =>
    `SELECT * FROM (SELECT ${COLUMNS} FROM metrics WHERE ${runWhere} AND step >= ${literal(step)}${
      rangeClause({ upTo })
    } ORDER BY step, id LIMIT 1)`
  );
  return `SELECT * FROM (${[first, ...seeks].join(" UNION ")}) ORDER BY timestamp, id`;
}

/** The marked rows as they are now, by id (on the primary key: the run's index would read every row). */
const recheckSql = (runWhere: string, ids: number[]) =>
  `SELECT ${COLUMNS} FROM metrics NOT INDEXED WHERE id IN (${ids.map(literal).join(", ")}) AND ${runWhere}`;

/**
 * Rows written since a read that sort at or before its end (a late writer, a merged file): they
 * would be missed by reading on from the end. Only ids above the table's largest when the read was
 * known complete are looked at: the rows written since, of any run, a short end of the primary key.
 */
const lateSql = (runWhere: string, late: { upTo: RowCursor; sinceId: number }) =>
  // NOT INDEXED keeps SQLite on the primary key: through the run's index it would read every row.
  `SELECT COUNT(*) FROM metrics NOT INDEXED WHERE id > ${literal(late.sinceId)} AND ${runWhere}${
    rangeClause({ upTo: late.upTo })
  }`;

const spanSql = (runWhere: string, span: { after?: RowCursor; upTo: RowCursor }) =>
  `SELECT COUNT(*) FROM metrics WHERE ${runWhere}${rangeClause(span)}`;

/** The run's last row in (timestamp, id) order, as two columns: one seek on the run's index each. */
const lastRowSql = (runWhere: string) =>
  ["timestamp", "id"].map((column) =>
    `(SELECT ${column} FROM metrics WHERE ${runWhere} ORDER BY timestamp DESC, id DESC LIMIT 1) AS last_${column}`
  );

/**
 * A `RowsCheck` as one statement: one row of counts joined with the marked rows found, so a source
 * answers it from one state of the data (a server from one request).
 */
function checkRowsSql(runWhere: string, check: RowsCheck): string {
  const counts = [
    `${check.late ? `(${lateSql(runWhere, check.late)})` : "NULL"} AS late_rows`,
    "(SELECT MAX(id) FROM metrics) AS max_id",
    `${check.span ? `(${spanSql(runWhere, check.span)})` : "NULL"} AS span_rows`,
    ...(check.last ? lastRowSql(runWhere) : ["NULL AS last_timestamp", "NULL AS last_id"]),
  ];
  const ids = check.ids.length ? check.ids : [-1];
  return `SELECT * FROM (SELECT ${counts.join(", ")}) LEFT JOIN (${recheckSql(runWhere, ids)}) ON 1`;
}

/** The answer to `checkRowsSql`, from its rows. */
function rowsNowOf(rows: Record<string, unknown>[]): RowsNow {
  const first = rows[0] ?? {};
  return {
    marks: rows.filter((r) => r.id !== null && r.id !== undefined).map(markOf),
    late: first.late_rows === null || first.late_rows === undefined ? null : Number(first.late_rows),
    maxId: Number(first.max_id ?? 0),
    span: first.span_rows === null || first.span_rows === undefined ? null : Number(first.span_rows),
    last: first.last_id === null || first.last_id === undefined
      ? null
      : { timestamp: String(first.last_timestamp), id: Number(first.last_id) },
  };
}

function markOf(row: Record<string, unknown>): RowMark {
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

/** The row-mark statements and how to read their answers: what each source runs its own way. */
export const ROW_MARKS = {
  marksSql: markRowsSql,
  checkSql: checkRowsSql,
  marksOf: (rows: Record<string, unknown>[]) => rows.map(markOf),
  checkOf: rowsNowOf,
};
