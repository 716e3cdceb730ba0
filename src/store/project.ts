import type { SQLInputValue } from "node:sqlite";
import { dataError } from "../errors.ts";
import { decodeNonFinite } from "../json.ts";
import { badRowSql, isMalformedJsonError, skippedRowsNotice, skipRowsClause } from "./bad_rows.ts";
import { filterSql, type RowFilter } from "./filters.ts";
import type { ReadOnlyDatabase, RowCursor } from "./open.ts";
import { resolveRunIn } from "./resolve_run.ts";
import { CurvePoints } from "./curve_points.ts";
import type { RunStats, StepRange } from "./source.ts";
import { agrees, isNotFound, sideRunQueries, sideRunRef } from "./side_runs.ts";
import { hasColumn, readSchema, runsHaveIds, type Schema } from "./schema.ts";
import { ROW_MARKS, type RowMark, type RowsCheck, type RowsNow } from "./row_marks.ts";
import { literal, rangeClause, type RowRange } from "./remote/sql.ts";

/** A run as Trackio lists it. `id` is the run id, or the name in files without run ids. */
export interface RunRef {
  id: string;
  name: string;
  created_at: string;
}

export type MetricValue = number | string | boolean | null | Record<string, unknown> | unknown[];

export interface MetricPoint {
  timestamp: string;
  step: number;
  value: MetricValue;
}

export interface LogRow {
  timestamp: string;
  step: number;
  metrics: Record<string, unknown>;
}

export interface AlertRow {
  timestamp: string;
  run: string;
  title: string;
  text: string | null;
  level: string;
  step: number | null;
}

/** An alert as the tools return it, from a row of `SELECT timestamp, run_name, title, text, level, step`. */
export function alertRow(r: Record<string, unknown>): AlertRow {
  return {
    timestamp: String(r.timestamp),
    run: String(r.run_name),
    title: String(r.title),
    text: r.text == null ? null : String(r.text),
    level: String(r.level),
    step: r.step == null ? null : Number(r.step),
  };
}

/** The stored metrics JSON as text: Trackio writes it as a BLOB, which SQLite would read as JSONB. */
const METRICS_TEXT = "CAST(metrics AS TEXT)";
/** Rows per page of `scanRows`: a few megabytes of JSON text at a time. */
const SCAN_PAGE_ROWS = 20_000;

/**
 * SQL for the JSON text of one top-level key of the metrics column, NULL where the row lacks it.
 * `->` keeps numbers exactly as written; keys with quotes or backslashes, which a JSON path cannot
 * spell, go through `json_each` (slower, rare).
 */
function valueJsonSql(key: string): { sql: string; params: SQLInputValue[] } {
  if (!/["\\]/.test(key)) return { sql: `${METRICS_TEXT} -> ?`, params: [`$."${key}"`] };
  return {
    sql: `(SELECT CASE type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'null' THEN 'null'
      WHEN 'object' THEN value WHEN 'array' THEN value ELSE json_quote(value) END
      FROM json_each(${METRICS_TEXT}) WHERE key = ?)`,
    params: [key],
  };
}

/** A value's JSON text as Trackio returns it: Trackio's non-finite strings become numbers. */
export function decodeValueJson(text: string): MetricValue {
  const c = text.charCodeAt(0);
  if (c === 45 || (c >= 48 && c <= 57)) return Number(text);
  if (c === 116) return true;
  if (c === 102) return false;
  if (c === 110) return null;
  return decodeNonFinite(JSON.parse(text)) as MetricValue;
}

/** Top-level values of a stored metrics object, with Trackio's non-finite strings made numbers. */
export function decodeMetricsObject(text: string): Record<string, unknown> {
  const parsed = JSON.parse(text);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new SyntaxError("metrics is not a JSON object");
  }
  return decodeTopLevel(parsed);
}

/** A parsed metrics object with Trackio's top-level non-finite strings made numbers, in place. */
export function decodeTopLevel(metrics: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(metrics)) metrics[key] = decodeNonFinite(metrics[key]);
  return metrics;
}

/** Whether a key of a logged row is a metric: Trackio's `timestamp` and `step` are not. */
export const isMetricKey = (key: string) => key !== "timestamp" && key !== "step";

/** Metric names among a row's keys, sorted as Trackio sorts them (code point order). */
export const metricNamesOf = (keys: Iterable<string>): string[] =>
  [...keys].filter(isMetricKey).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * A run's row count, step range and time range (`runStatsOf` reads it) for its rows (where `run`, a
 * condition with its values written in, holds) in `range`. Up to a point (or to the end), one
 * subquery each, answered from the index that suits it: the count and the time range from the time
 * index, the step range by two seeks on the step index (`+timestamp` keeping SQLite off the time
 * index, the end checked on the rows found), a fifth of the time of reading every row on a
 * million-row run. After a point, the time index over the few rows since.
 */
export function runStatsSql(run: string, range: RowRange = {}): string {
  if (range.after) {
    return `SELECT COUNT(*) AS n, MAX(step) AS last, MIN(step) AS first, MIN(timestamp) AS t0,
      MAX(timestamp) AS t1 FROM metrics WHERE ${run}${rangeClause(range)}`;
  }
  const rows = rowsUpTo(run, range.upTo);
  return `SELECT (SELECT COUNT(*) ${rows}) AS n, ${stepSeek(rows, "DESC")} AS last, ${
    stepSeek(rows, "ASC")
  } AS first,
    (SELECT MIN(timestamp) ${rows}) AS t0, (SELECT MAX(timestamp) ${rows}) AS t1`;
}

/** `FROM metrics WHERE ...` of a run's rows up to `upTo`, the end tested on rows, not sought by time. */
const rowsUpTo = (run: string, upTo?: RowCursor) =>
  `FROM metrics WHERE ${run}${
    upTo ? ` AND (+timestamp, id) <= (${literal(upTo.timestamp)}, ${literal(upTo.id)})` : ""
  }`;

/** The least (`ASC`) or largest step of `rows`: one seek on the run's step index. */
const stepSeek = (rows: string, order: "ASC" | "DESC") =>
  `(SELECT step ${rows} ORDER BY step ${order}, id ${order} LIMIT 1)`;

/** A run's row count, step range and time range from `runStatsSql`. */
export function runStatsOf(row: Record<string, unknown> | undefined): RunStats {
  return {
    num_logs: Number(row?.n ?? 0),
    last_step: row?.last == null ? null : Number(row.last),
    first_step: row?.first == null ? null : Number(row.first),
    first_timestamp: row?.t0 == null ? null : String(row.t0),
    last_timestamp: row?.t1 == null ? null : String(row.t1),
  };
}

/** The step range of two sets of rows together. */
export function widerSteps(a: StepRange, b: StepRange): StepRange {
  const pick = (x: number | null, y: number | null, f: (x: number, y: number) => number) =>
    x === null ? y : y === null ? x : f(x, y);
  return { first: pick(a.first, b.first, Math.min), last: pick(a.last, b.last, Math.max) };
}

/** The stats of a run's rows and of the rows logged after them, together. */
export function statsWithMore(was: RunStats, more: RunStats): RunStats {
  const steps = widerSteps(
    { first: was.first_step, last: was.last_step },
    { first: more.first_step, last: more.last_step },
  );
  return {
    num_logs: was.num_logs + more.num_logs,
    first_step: steps.first,
    last_step: steps.last,
    first_timestamp: was.first_timestamp ?? more.first_timestamp,
    last_timestamp: more.last_timestamp ?? was.last_timestamp,
  };
}

/**
 * Queries over one project database, whatever its schema generation. Every method reads; nothing
 * here can write (the connection is read-only besides).
 */
export class ProjectStore {
  readonly schema: Schema;
  /** The column that identifies a run in `metrics`. */
  private readonly runKey: "run_id" | "run_name";
  /** What a reader must know about the answers (rows skipped). */
  readonly notices: string[] = [];
  /** Rows left out of every query of a run, by the run's key: those that are not a JSON object. */
  private readonly skipped = new Map<string, number[]>();

  constructor(readonly db: ReadOnlyDatabase, readonly project: string) {
    this.schema = readSchema(db);
    this.runKey = runsHaveIds(this.schema) ? "run_id" : "run_name";
  }

  get hasMetrics(): boolean {
    return this.schema.tables.has("metrics");
  }

  /** Runs ordered by their first timestamp, as Trackio lists them. */
  runs(): RunRef[] {
    if (!this.hasMetrics) return [];
    const key = this.runKey;
    const rows = this.canSeekRuns()
      // A loose index scan: one index seek per run instead of reading a million index entries.
      ? this.db.all(
        `WITH RECURSIVE keys(k) AS (
           SELECT (SELECT MIN(${key}) FROM metrics)
           UNION ALL
           SELECT (SELECT MIN(${key}) FROM metrics WHERE ${key} > k) FROM keys WHERE k IS NOT NULL)
         SELECT k AS id,
           (SELECT run_name FROM metrics WHERE ${key} = k ORDER BY timestamp, id LIMIT 1) AS name,
           (SELECT MIN(timestamp) FROM metrics WHERE ${key} = k) AS created_at
         FROM keys WHERE k IS NOT NULL ORDER BY created_at, id`,
      )
      // With MIN(), SQLite takes the bare run_name from the same (first) row.
      : this.db.all(
        `SELECT ${key} AS id, run_name AS name, MIN(timestamp) AS created_at
         FROM metrics GROUP BY ${key} ORDER BY created_at, id`,
      );
    return rows.map((r) => ({ id: String(r.id), name: String(r.name), created_at: String(r.created_at) }));
  }

  /**
   * Whether runs can be found by seeking: an index leads with the run key (Trackio creates one on
   * (run key, timestamp) in every generation) and the key is never NULL, which a seek would skip.
   */
  private canSeekRuns(): boolean {
    const notNull = this.db.get(
      `SELECT "notnull" AS nn FROM pragma_table_info('metrics') WHERE name = ?`,
      this.runKey,
    )?.nn === 1;
    const leading = this.db.get(
      `SELECT 1 AS hit FROM pragma_index_list('metrics') AS l, pragma_index_info(l.name) AS i
       WHERE l.partial = 0 AND i.seqno = 0 AND i.name = ?`,
      this.runKey,
    );
    return notNull && leading !== undefined;
  }

  /**
   * The run a user means (see `resolveRunIn`); failing that, a run known only to the tables Trackio
   * writes beside `metrics` (system metrics, alerts): one that crashed before its first log, as
   * Trackio answers for it (no logs, its system metrics and alerts).
   */
  resolveRun(run?: string | null, runId?: string | null): RunRef {
    try {
      return resolveRunIn(this.runs(), this.project, run, runId);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const side = this.sideTableRun(run ?? null, runId ?? null);
      if (side && agrees(side, run ?? null, runId ?? null)) return side;
      throw error;
    }
  }

  /** Runs found in a side table, and whether their id is that table's `run_id` (see `sideTableWhere`). */
  private readonly sideRuns = new WeakMap<RunRef, boolean>();

  private sideTableRun(run: string | null, runId: string | null): RunRef | undefined {
    for (const query of sideRunQueries(this.schema, run, runId)) {
      const row = this.db.get(query.sql);
      if (!row) continue;
      const found = sideRunRef(row);
      this.sideRuns.set(found, query.byId && row.id != null);
      return found;
    }
    return undefined;
  }

  private runKeyOf(run: RunRef): string {
    return this.runKey === "run_id" ? run.id : run.name;
  }

  /** The rows of `run` (in `range`), less those found not to be JSON objects (see `skipBadRows`). */
  private runWhere(run: RunRef, range?: RowRange): { sql: string; params: SQLInputValue[] } {
    const skipped = this.skipped.get(this.runKeyOf(run));
    const skip = skipped ? skipRowsClause(skipped, METRICS_TEXT) : "";
    return { sql: `${this.runKey} = ?${skip}${rangeClause(range)}`, params: [this.runKeyOf(run)] };
  }

  /** `runWhere` with its value written in: the row-mark statements are built once for both sources. */
  private runWhereText(run: RunRef): string {
    const skipped = this.skipped.get(this.runKeyOf(run));
    return `${this.runKey} = ${literal(this.runKeyOf(run))}${
      skipped ? skipRowsClause(skipped, METRICS_TEXT) : ""
    }`;
  }

  /** See `ProjectReader.rowMarks`. */
  rowMarks(run: RunRef, steps: number[], upTo: RowCursor): RowMark[] {
    return ROW_MARKS.marksOf(this.db.all(ROW_MARKS.marksSql(this.runWhereText(run), steps, upTo)));
  }

  /** See `ProjectReader.checkRows`. */
  checkRows(run: RunRef, check: RowsCheck): RowsNow {
    return ROW_MARKS.checkOf(this.db.all(ROW_MARKS.checkSql(this.runWhereText(run), check)));
  }

  /**
   * After a read of `run` failed on a row that is not a JSON object (`error`; `id` when the row is
   * known): finds all such rows of the run, leaves them out from now on and says so. True when the
   * read should be repeated; false when this was not that, or they were already left out.
   */
  private skipBadRows(run: RunRef, error: unknown, id?: number): boolean {
    if (id === undefined && !isMalformedJsonError(error)) return false;
    const key = this.runKeyOf(run);
    if (this.skipped.has(key)) return false;
    const found = this.db.all(
      `SELECT id FROM metrics WHERE ${this.runKey} = ? AND ${badRowSql(METRICS_TEXT)} ORDER BY id`,
      key,
    ).map((r) => Number(r.id));
    const ids = id === undefined || found.includes(id) ? found : [...found, id].sort((a, b) => a - b);
    if (ids.length === 0) return false;
    this.skipped.set(key, ids);
    this.notices.push(skippedRowsNotice(run.name, ids));
    return true;
  }

  /**
   * Sorted metric names of a run: every key of its rows but `timestamp` and `step`. SQLite collects
   * the distinct key lists (a run logs few shapes of row), which is far cheaper than a DISTINCT over
   * every key of every row. Keys are joined with the unit separator, which metric names never hold.
   */
  metricNames(run: RunRef, sampleRows?: number, range?: RowRange): string[] {
    const signatures = this.guardJson(run, () => {
      const where = this.runWhere(run, range);
      // With a sample, only the first and last rows are read: enough for tab completion, instant on any run.
      const sample = sampleRows === undefined ? "" : ` AND id IN (
        SELECT id FROM (SELECT id FROM metrics WHERE ${where.sql} ORDER BY timestamp, id LIMIT ${sampleRows})
        UNION SELECT id FROM (SELECT id FROM metrics WHERE ${where.sql} ORDER BY timestamp DESC, id DESC LIMIT ${sampleRows}))`;
      const params = sampleRows === undefined
        ? where.params
        : [...where.params, ...where.params, ...where.params];
      const rows = this.db.all(
        // An array's or a scalar's json_each has integer or no keys (marked char(30)): a row that is not
        // an object, to be skipped like a malformed one.
        `SELECT DISTINCT (SELECT group_concat(CASE WHEN typeof(key) = 'text' THEN key ELSE char(30) END, char(31))
           FROM json_each(${METRICS_TEXT})) AS keys
         FROM metrics WHERE ${where.sql}${sample}`,
        ...params,
      );
      if (rows.some((r) => String(r.keys ?? "").includes("\x1e"))) {
        throw new SyntaxError("malformed JSON: a metrics row is not an object");
      }
      return rows;
    });
    const keys = new Set<string>();
    for (const row of signatures) {
      if (row.keys == null) continue;
      for (const key of String(row.keys).split("\x1f")) keys.add(key);
    }
    return metricNamesOf(keys);
  }

  /** Row count, step range and time range of a run, or of its rows in `range`. */
  runStats(run: RunRef, range?: RowRange): RunStats {
    return runStatsOf(this.db.get(runStatsSql(this.runWhereText(run), range)));
  }

  /** The largest step of any run, Trackio's `last_activity`. */
  lastStep(): number | null {
    if (!this.hasMetrics) return null;
    const row = this.db.get("SELECT MAX(step) AS last FROM metrics");
    return row?.last == null ? null : Number(row.last);
  }

  /** A run's config as logged (Trackio's internal `_Username`, `_Created`, `_Group` included), or null. */
  config(run: RunRef): Record<string, unknown> | null {
    if (!this.schema.tables.has("configs")) return null;
    const byId = hasColumn(this.schema, "configs", "run_id") && this.runKey === "run_id";
    const row = this.db.get(
      `SELECT CAST(config AS TEXT) AS config FROM configs WHERE ${byId ? "run_id" : "run_name"} = ?
       ORDER BY id DESC LIMIT 1`,
      byId ? run.id : run.name,
    );
    if (!row) return null;
    try {
      return decodeMetricsObject(String(row.config));
    } catch {
      throw dataError(`project '${this.project}': the config of run '${run.name}' is not valid JSON`);
    }
  }

  /** `SELECT timestamp, id, step, v` for one metric, ending inside its WHERE clause. */
  private valuesQuery(run: RunRef, metric: string, filter: RowFilter, range?: RowRange) {
    const where = this.runWhere(run, range);
    const extra = filterSql(filter);
    const value = valueJsonSql(metric);
    return {
      sql: `SELECT timestamp, id, step, ${value.sql} AS v FROM metrics
        WHERE ${where.sql}${extra.sql} AND v IS NOT NULL`,
      params: [...value.params, ...where.params, ...extra.params],
    };
  }

  /**
   * The values of one metric, oldest first (by timestamp, then insertion), only from rows that hold
   * it. Extraction happens in SQLite; rows stream a page at a time.
   */
  *metricValues(run: RunRef, metric: string, filter: RowFilter = {}): Generator<MetricPoint> {
    for (const r of this.guardJsonPages(run, () => this.valuesQuery(run, metric, filter))) {
      yield { timestamp: String(r[0]), step: Number(r[2]), value: decodeValueJson(String(r[3])) };
    }
  }

  /** See `ProjectReader.metricPointsIn`: `metricValues`' points in `range`, with row ids for timestamps. */
  metricPointsIn(run: RunRef, metric: string, range: RowRange): { points: CurvePoints; steps: StepRange } {
    // The step range first, as `downsampledValues` takes it before its points: rows found unreadable
    // while the points are read (and then left out) still count in it, as they do there.
    const steps = this.stepRange(run, range);
    const points = new CurvePoints();
    for (const r of this.guardJsonPages(run, () => this.valuesQuery(run, metric, {}, range))) {
      points.push(Number(r[1]), Number(r[2]), decodeValueJson(String(r[3])));
    }
    return { points, steps };
  }

  /**
   * The least and largest step of the run's rows in `range`. From the run's start, two seeks on the
   * run's step index (the time range checked on the rows found, `+timestamp` keeping SQLite off the
   * time index); after a point, the time index over the few rows since.
   */
  private stepRange(run: RunRef, range: RowRange): StepRange {
    if (range.after) {
      const { first_step, last_step } = this.runStats(run, range);
      return { first: first_step, last: last_step };
    }
    const rows = rowsUpTo(this.runWhereText(run), range.upTo);
    const row = this.db.get(`SELECT ${stepSeek(rows, "ASC")} AS first, ${stepSeek(rows, "DESC")} AS last`);
    return {
      first: row?.first == null ? null : Number(row.first),
      last: row?.last == null ? null : Number(row.last),
    };
  }

  /** The timestamps of rows by id (those that exist). */
  timestampsOf(ids: number[]): Map<number, string> {
    const rows = ids.length === 0 ? [] : this.db.all(
      `SELECT id, timestamp FROM metrics WHERE id IN (${ids.map(literal).join(", ")})`,
    );
    return new Map(rows.map((r) => [Number(r.id), String(r.timestamp)]));
  }

  /**
   * The same points as `metricValues`, as the JSON text trackio-cli prints (non-finite values as
   * Trackio's strings), built by SQLite in one pass: for full histories of long runs.
   */
  metricValuesJson(run: RunRef, metric: string, filter: RowFilter = {}): string {
    return this.guardJson(run, () => {
      const { sql, params } = this.valuesQuery(run, metric, filter);
      return String(
        this.db.get(
          `SELECT json_group_array(json_object('timestamp', timestamp, 'step', step, 'value', json(v))) AS j
           FROM (${sql} ORDER BY timestamp, id)`,
          ...params,
        )?.j ?? "[]",
      );
    });
  }

  /** Whether any row of the run holds `metric`; stops at the first that does. */
  hasMetric(run: RunRef, metric: string): boolean {
    const value = valueJsonSql(metric);
    return this.guardJson(run, () => {
      const where = this.runWhere(run);
      return this.db.get(
        `SELECT 1 AS hit FROM metrics WHERE ${where.sql} AND ${value.sql} IS NOT NULL LIMIT 1`,
        ...where.params,
        ...value.params,
      ) !== undefined;
    });
  }

  /** Whole rows of a run in a filter, oldest first: for snapshots and logs. */
  *rows(run: RunRef, filter: RowFilter = {}, after?: RowCursor): Generator<LogRow & { id: number }> {
    let cursor = after;
    while (true) {
      const where = this.runWhere(run);
      const extra = filterSql(filter);
      const sql =
        `SELECT timestamp, id, step, ${METRICS_TEXT} AS m FROM metrics WHERE ${where.sql}${extra.sql}`;
      let bad: number | undefined;
      for (const r of this.db.pagesByTime(sql, [...where.params, ...extra.params], undefined, cursor)) {
        let metrics: Record<string, unknown>;
        try {
          metrics = decodeMetricsObject(String(r[3]));
        } catch {
          bad = Number(r[1]);
          break;
        }
        cursor = { timestamp: String(r[0]), id: Number(r[1]) };
        yield { id: cursor.id, timestamp: cursor.timestamp, step: Number(r[2]), metrics };
      }
      if (bad === undefined) return;
      // Go on after the last good row, without the bad ones.
      if (!this.skipBadRows(run, undefined, bad)) throw this.malformedRow(run, bad);
    }
  }

  /**
   * Every row of a run after `after` (all of them without it) handed to `visit` with its step and
   * parsed metrics (values as stored: non-finite ones still Trackio's strings), page by page in
   * (timestamp, id) order, though not in order within a page. Returns where it stopped, to continue
   * from there when the run has grown. SQLite joins each page's metrics into one JSON text, which
   * spares the driver's per-row cost and the decoding of values nobody asked for: on the bench's
   * million-row run, 1.1 s against 1.3 s for `rows` doing nothing per row. `analyze` and `compare` read
   * this way (see `deno task bench`).
   */
  scanRows(
    run: RunRef,
    after: RowCursor | undefined,
    visit: (step: number, metrics: Record<string, unknown>) => void,
  ): RowCursor | undefined {
    let cursor = after;
    while (true) {
      const where = this.runWhere(run);
      const range = `${where.sql}${cursor ? " AND (timestamp, id) > (?, ?)" : ""}`;
      const params = [...where.params, ...(cursor ? [cursor.timestamp, cursor.id] : [])];
      // One snapshot for both statements, so the page and its last row agree while a writer appends.
      const [page, last] = this.db.snapshot(() => {
        const page = this.db.get(
          `SELECT group_concat(m, ',') AS metrics, group_concat(step, ',') AS steps, COUNT(*) AS n FROM
            (SELECT step, ${METRICS_TEXT} AS m FROM metrics WHERE ${range} ORDER BY timestamp, id LIMIT ${SCAN_PAGE_ROWS})`,
          ...params,
        );
        const n = Number(page?.n ?? 0);
        const last = n === 0 ? undefined : this.db.get(
          `SELECT timestamp, id FROM metrics WHERE ${range} ORDER BY timestamp, id LIMIT 1 OFFSET ${n - 1}`,
          ...params,
        );
        return [page, last] as const;
      });
      const count = Number(page?.n ?? 0);
      if (count === 0) return cursor;
      let metrics: unknown[] | undefined;
      try {
        metrics = JSON.parse(`[${page!.metrics}]`);
        if (metrics!.length !== count) throw new SyntaxError("row count");
      } catch {
        metrics = undefined;
      }
      if (!metrics || metrics.some((m) => m === null || typeof m !== "object" || Array.isArray(m))) {
        // A row that is not a JSON object: read this page again without the run's bad rows.
        if (this.skipBadRows(run, new SyntaxError("malformed JSON"))) continue;
        for (const _ of this.rows(run, {}, cursor)); // Throws, naming the row.
        throw dataError(`project '${this.project}': unreadable rows in run '${run.name}'`);
      }
      const steps = String(page!.steps).split(",");
      for (let i = 0; i < count; i++) visit(Number(steps[i]), metrics[i] as Record<string, unknown>);
      cursor = { timestamp: String(last!.timestamp), id: Number(last!.id) };
      if (count < SCAN_PAGE_ROWS) return cursor;
    }
  }

  /** Number of rows of a run in a filter. */
  countRows(run: RunRef, filter: RowFilter = {}): number {
    const where = this.runWhere(run);
    const extra = filterSql(filter);
    const row = this.db.get(
      `SELECT COUNT(*) AS n FROM metrics WHERE ${where.sql}${extra.sql}`,
      ...where.params,
      ...extra.params,
    );
    return Number(row?.n ?? 0);
  }

  /**
   * Where a table other than `metrics` identifies the run: by id when both it and `metrics` have
   * ids, else by name (v0.5, pre-run-id, and files a newer Trackio upgraded in place).
   */
  private sideTableWhere(table: string, run: RunRef): { sql: string; params: SQLInputValue[] } {
    const byId = hasColumn(this.schema, table, "run_id") &&
      (this.runKey === "run_id" || this.sideRuns.get(run) === true);
    return byId ? { sql: "run_id = ?", params: [run.id] } : { sql: "run_name = ?", params: [run.name] };
  }

  /** Alerts, newest first. `run` restricts to one run; `level` and `since` (an instant) filter. */
  alerts(run?: RunRef, level?: string, since?: string): AlertRow[] {
    if (!this.schema.tables.has("alerts")) return [];
    const clauses: string[] = [];
    const params: SQLInputValue[] = [];
    if (run) {
      const where = this.sideTableWhere("alerts", run);
      clauses.push(where.sql);
      params.push(...where.params);
    }
    if (level) {
      clauses.push("level = ?");
      params.push(level);
    }
    if (since) {
      clauses.push("unixepoch(timestamp, 'subsec') > unixepoch(?, 'subsec')");
      params.push(since);
    }
    const where = clauses.length ? `WHERE ${clauses.join(" AND ")}` : "";
    return this.db.all(
      `SELECT timestamp, run_name, title, text, level, step FROM alerts ${where} ORDER BY timestamp DESC, id DESC`,
      ...params,
    ).map(alertRow);
  }

  /** System metrics rows (GPU, CPU) of a run, oldest first. */
  systemMetrics(run: RunRef): { timestamp: string; metrics: Record<string, unknown> }[] {
    if (!this.schema.tables.has("system_metrics")) return [];
    const where = this.sideTableWhere("system_metrics", run);
    return this.db.all(
      `SELECT id, timestamp, CAST(metrics AS TEXT) AS m FROM system_metrics WHERE ${where.sql} ORDER BY timestamp, id`,
      ...where.params,
    ).map((r) => {
      try {
        return { timestamp: String(r.timestamp), metrics: decodeMetricsObject(String(r.m)) };
      } catch {
        throw dataError(
          `project '${this.project}': system_metrics row ${r.id} of run '${run.name}' holds malformed JSON`,
        );
      }
    });
  }

  private malformedRow(run: RunRef, id: number): Error {
    return dataError(
      `project '${this.project}': metrics row ${id} of run '${run.name}' holds malformed JSON`,
      "The row was not written by Trackio or was damaged; the other rows are intact.",
    );
  }

  /**
   * Runs `read` (which builds its SQL with `runWhere`); if it meets rows of `run` that are not JSON
   * objects, runs it again without them. Re-raises what remains as an error that names the bad row.
   */
  private guardJson<T>(run: RunRef, read: () => T): T {
    while (true) {
      try {
        return read();
      } catch (error) {
        if (!this.skipBadRows(run, error)) throw this.explainJsonError(run, error);
      }
    }
  }

  /** `pagesByTime` of the statement `query` builds, going on after the last row when bad rows are left out. */
  private *guardJsonPages(
    run: RunRef,
    query: () => { sql: string; params: SQLInputValue[] },
  ): Generator<unknown[]> {
    let after: RowCursor | undefined;
    while (true) {
      const { sql, params } = query();
      try {
        for (const r of this.db.pagesByTime(sql, params, undefined, after)) {
          after = { timestamp: String(r[0]), id: Number(r[1]) };
          yield r;
        }
        return;
      } catch (error) {
        if (!this.skipBadRows(run, error)) throw this.explainJsonError(run, error);
      }
    }
  }

  private explainJsonError(run: RunRef, error: unknown): unknown {
    if (!(error instanceof Error) || !/malformed JSON/i.test(error.message)) return error;
    const where = this.runWhere(run);
    const bad = this.db.get(
      `SELECT id FROM metrics WHERE ${where.sql} AND json_valid(${METRICS_TEXT}) = 0 ORDER BY id LIMIT 1`,
      ...where.params,
    );
    return bad ? this.malformedRow(run, Number(bad.id)) : error;
  }
}
