import { ROW_MARKS, type RowMark, type RowsCheck, type RowsNow } from "../row_marks.ts";
import { downsampleMinMax, type DownsampleResult } from "../../analysis/downsample.ts";
import { selectRows } from "../../analysis/select_rows.ts";
import { dataError, refused, TrackioCliError, usageError } from "../../errors.ts";
import { decodeNonFinite } from "../../json.ts";
import { badRowSql, isMalformedJsonError, skippedRowsNotice, skipRowsClause } from "../bad_rows.ts";
import type { RowFilter } from "../filters.ts";
import type { RowCursor } from "../open.ts";
import { QUERY_BYTE_BUDGET, rowBytes, rowsWithinBudget } from "../query_budget.ts";
import {
  type AlertRow,
  alertRow,
  decodeMetricsObject,
  decodeTopLevel,
  decodeValueJson,
  type LogRow,
  metricNamesOf,
  type MetricPoint,
  type RunRef,
  runStatsOf,
  runStatsSql,
} from "../project.ts";
import { resolveRunIn } from "../resolve_run.ts";
import { agrees, isNotFound, sideRunQueries, sideRunRef } from "../side_runs.ts";
import { hasColumn, runsHaveIds, type Schema } from "../schema.ts";
import { firstStatement, stripLeadingComments } from "../sql_guard.ts";
import { CurvePoints } from "../curve_points.ts";
import type { ProjectReader, QueryResult, RunStats, SystemRow, ThinnedRows } from "../source.ts";
import { QUERY_ROW_CAP, QueryRefused, type TrackioClient } from "./client.ts";
import {
  epochSql,
  extractChunks,
  filterClause,
  flattenChunks,
  keyPath,
  literal,
  METRICS_TEXT,
  ORDER_KEY,
  parseOrderKey,
  pathCanName,
  rangeClause,
  removeKeys,
  type RowRange,
} from "./sql.ts";
import { jsonArrayItems } from "./json_items.ts";
import { thinOnServer } from "./thin.ts";
import { RAW_PAGE_BYTES, type ScanPlan, scanPlan } from "./scan_plan.ts";
import { downsampleOnServer } from "./downsample_sql.ts";

/** Rows packed into one answer (one result row per request, so Trackio's 10,000-row cap never bites). */
export interface PageSizes {
  /** Points of one metric, or rows of the few metrics an analysis reads. */
  values: number;
  /** Whole rows. */
  rows: number;
}

export const PAGE_SIZES: PageSizes = { values: 100_000, rows: 20_000 };

/** A project's tables and columns, and which columns can never be NULL. */
export interface RemoteSchema extends Schema {
  notNull: Map<string, Set<string>>;
}
/** Pages asked for at once after the first: the server prepares one while another travels. */
const PAGES_IN_FLIGHT = 3;
/** Page ends found by one request: 32 pages, 3.2 million rows of one metric. */
const ENDS_PER_REQUEST = 32;

/**
 * A project on a Trackio server, read through `query_project` with the same queries, in SQLite's
 * dialect that Trackio's authorizer allows, as the local reader runs: the work happens where the data
 * is and only the answer crosses the network.
 */
/** Runs a project's list is sought for in one statement (one index seek each). */
const SEEK_RUNS = 48;

/**
 * The first `count` distinct values of `key`, each the least above the one before: a loose index scan
 * of a chain of plain CTEs, where the local reader uses a recursive CTE (which Trackio refuses), so a
 * list of runs costs a few dozen index seeks instead of reading every row's index entry. Each link
 * carries the values found so far as columns and is referred to once, by the next (materialized, so
 * SQLite does not fold the chain into one nested expression): a chain whose links were each referred
 * to again took SQLite four times as long to prepare as to run, 15 ms for 48 links.
 */
function seekKeysSql(key: string, count: number): string {
  const links = Array.from({ length: count }, (_, i) => {
    const seek = i === 0
      ? `(SELECT MIN(${key}) FROM metrics)`
      : `(SELECT MIN(${key}) FROM metrics WHERE ${key} > c${i - 1})`;
    const found = Array.from({ length: i }, (_, j) => `c${j}, `).join("");
    return `k${i} AS MATERIALIZED (SELECT ${found}${seek} AS c${i}${i ? ` FROM k${i - 1}` : ""})`;
  });
  const pick = Array.from({ length: count }, (_, i) => `WHEN ${i} THEN c${i}`).join(" ");
  const rows = Array.from({ length: count }, (_, i) => `(${i})`).join(", ");
  return `WITH ${links.join(", ")} SELECT CASE v.column1 ${pick} END AS k FROM k${
    count - 1
  }, (VALUES ${rows}) AS v`;
}

/** `id IN (...)`: the first and the last `count` rows of those where `where` holds, in row order. */
const edgeRows = (where: string, count: number) =>
  `id IN (SELECT id FROM (SELECT id FROM metrics WHERE ${where} ORDER BY timestamp, id LIMIT ${count})
   UNION SELECT id FROM (SELECT id FROM metrics WHERE ${where} ORDER BY timestamp DESC, id DESC LIMIT ${count}))`;

/** `count` JSON values joined by commas, parsed; undefined when the text is not that. */
function parseItems(text: string, count: number): unknown[] | undefined {
  let items: unknown[];
  try {
    items = JSON.parse(`[${text}]`);
  } catch {
    return undefined;
  }
  return items.length === count ? items : undefined;
}

const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);

export class RemoteProject implements ProjectReader {
  readonly notices: string[] = [];
  private readonly runKey: "run_id" | "run_name";
  /** Rows left out of every query of a run, by the run's key: those that are not JSON objects. */
  private readonly skipped = new Map<string, number[]>();
  /** The search for a run's bad rows, once per run even when several pages fail together. */
  private readonly discovering = new Map<string, Promise<boolean>>();
  private runList?: Promise<RunRef[]>;

  constructor(
    private readonly client: TrackioClient,
    readonly project: string,
    private readonly schema: RemoteSchema,
    private readonly pageSizes: PageSizes = PAGE_SIZES,
    /** How many runs each project had when last listed, kept by the source across questions. */
    private readonly runCounts = new Map<string, number>(),
  ) {
    this.runKey = runsHaveIds(schema) ? "run_id" : "run_name";
  }

  /** A server answers each request from its own consistent read; nothing is read twice. */
  changed = () => false;

  /** A server holds the project; whether it still holds the same rows, the row marks tell. */
  get identity(): string {
    return `server:${this.client.url.href}:${this.project}`;
  }

  async rowMarks(run: RunRef, steps: number[], upTo: RowCursor): Promise<RowMark[]> {
    return ROW_MARKS.marksOf(await this.all(ROW_MARKS.marksSql(this.runWhere(run), steps, upTo)));
  }

  async checkRows(run: RunRef, check: RowsCheck): Promise<RowsNow> {
    return ROW_MARKS.checkOf(await this.all(ROW_MARKS.checkSql(this.runWhere(run), check)));
  }

  private get hasMetrics(): boolean {
    return this.schema.tables.has("metrics");
  }

  /** Every row of `sql`, in pages under the server's row cap. */
  async all(sql: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (let offset = 0;; offset += QUERY_ROW_CAP) {
      const page = await this.client.query(
        this.project,
        `SELECT * FROM (${sql}) LIMIT ${QUERY_ROW_CAP} OFFSET ${offset}`,
      );
      out.push(...page.rows);
      if (page.rows.length < QUERY_ROW_CAP) return out;
    }
  }

  /** The rows of one statement as it is (at most the server's row cap). */
  async rowsOf(sql: string): Promise<Record<string, unknown>[]> {
    return (await this.client.query(this.project, sql)).rows;
  }

  async one(sql: string): Promise<Record<string, unknown> | undefined> {
    return (await this.client.query(this.project, sql)).rows[0];
  }

  private runKeyOf(run: RunRef): string {
    return this.runKey === "run_id" ? run.id : run.name;
  }

  /** The rows of `run`, less those found not to be JSON objects (see `skipBadRows`). */
  private runWhere(run: RunRef): string {
    const skipped = this.skipped.get(this.runKeyOf(run));
    return `${this.runKey} = ${literal(this.runKeyOf(run))}${
      skipped ? skipRowsClause(skipped, METRICS_TEXT) : ""
    }`;
  }

  /**
   * After a query of `run` failed on a row that is not JSON: finds all such rows of the run, leaves
   * them out from now on and says so, as the local reader does. True when the query should be asked
   * again; false when this was not that, or they were already left out.
   */
  private async skipBadRows(run: RunRef, error: unknown, force = false): Promise<boolean> {
    if (!force && !isMalformedJsonError(error)) return false;
    const key = this.runKeyOf(run);
    // Pages are read several at once: the first to fail finds the bad rows, the others wait for it.
    let found = this.discovering.get(key);
    if (!found) {
      found = this.findBadRows(run, key);
      this.discovering.set(key, found);
    }
    return await found;
  }

  private async findBadRows(run: RunRef, key: string): Promise<boolean> {
    const rows = await this.all(
      `SELECT id FROM metrics WHERE ${this.runKey} = ${literal(key)} AND ${
        badRowSql(METRICS_TEXT)
      } ORDER BY id`,
    );
    const ids = rows.map((r) => Number(r.id));
    if (ids.length === 0) return false;
    this.skipped.set(key, ids);
    this.notices.push(skippedRowsNotice(run.name, ids));
    return true;
  }

  /**
   * Runs `read` (which builds its SQL with `runWhere` when it runs); if the server's SQLite meets rows
   * of `run` that are not JSON, runs it again without them. What remains becomes the local reader's
   * error, naming the bad row.
   */
  private async guard<T>(run: RunRef, read: () => Promise<T>): Promise<T> {
    // One retry per read: its first SQL may predate the skip list (built by this read or another page's).
    let retried = false;
    while (true) {
      try {
        return await read();
      } catch (error) {
        if (!retried && (await this.skipBadRows(run, error))) {
          retried = true;
          continue;
        }
        if (!(error instanceof TrackioCliError) || !isMalformedJsonError(error)) throw error;
        const bad = await this.one(
          `SELECT id FROM metrics WHERE ${
            this.runWhere(run)
          } AND json_valid(${METRICS_TEXT}) = 0 ORDER BY id LIMIT 1`,
        );
        if (!bad) throw error;
        throw dataError(
          `project '${this.project}': metrics row ${bad.id} of run '${run.name}' holds malformed JSON`,
          "The row was not written by Trackio or was damaged; the other rows are intact.",
        );
      }
    }
  }

  runs(): Promise<RunRef[]> {
    if (!this.hasMetrics) return Promise.resolve([]);
    const key = this.runKey;
    // A key that is never NULL can be listed from its index and each run's first row sought, as the
    // local reader does, instead of grouping a million rows (without a recursive CTE, which Trackio
    // refuses). Otherwise NULL keys must form a run of their own, as GROUP BY makes them.
    const seek = this.schema.notNull.get("metrics")?.has(key);
    const listed = (keys: string) =>
      `SELECT k AS id,
           (SELECT run_name FROM metrics WHERE ${key} = k ORDER BY timestamp, id LIMIT 1) AS name,
           (SELECT MIN(timestamp) FROM metrics WHERE ${key} = k) AS created_at
         FROM (${keys}) WHERE k IS NOT NULL ORDER BY created_at, id`;
    const all = seek
      ? listed(`SELECT DISTINCT ${key} AS k FROM metrics`)
      : `SELECT ${key} AS id, run_name AS name, MIN(timestamp) AS created_at
         FROM metrics GROUP BY ${key} ORDER BY created_at, id`;
    this.runList ??= (async () => {
      // The first runs by seeking, which a project of a few runs does not outgrow; more, by reading
      // the whole index once (a seeks' answer as long as asked for may not be complete, and is not
      // used). A project listed before is first sought for one run more than it had: a statement a
      // fraction of the size of the longest chain, which a repeat question of an agent mostly costs.
      const seen = this.runCounts.get(this.project);
      const counts = seen !== undefined && seen + 1 < SEEK_RUNS ? [seen + 1, SEEK_RUNS] : [SEEK_RUNS];
      let rows: Record<string, unknown>[] | undefined;
      for (const count of seek ? counts : []) {
        const few = await this.all(listed(seekKeysSql(key, count)));
        if (few.length < count) {
          rows = few;
          break;
        }
      }
      rows ??= await this.all(all);
      this.runCounts.set(this.project, rows.length);
      return rows.map((r) => ({ id: String(r.id), name: String(r.name), created_at: String(r.created_at) }));
    })();
    return this.runList;
  }

  /** As the local reader: a run known only to the system metrics or alerts tables is found there. */
  async resolveRun(run?: string | null, runId?: string | null): Promise<RunRef> {
    try {
      return resolveRunIn(await this.runs(), this.project, run, runId);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const side = await this.sideTableRun(run ?? null, runId ?? null);
      if (side && agrees(side, run ?? null, runId ?? null)) return side;
      throw error;
    }
  }

  /** Runs found in a side table, and whether their id is that table's `run_id` (see `sideTableWhere`). */
  private readonly sideRuns = new WeakMap<RunRef, boolean>();

  private async sideTableRun(run: string | null, runId: string | null): Promise<RunRef | undefined> {
    for (const query of sideRunQueries(this.schema, run, runId)) {
      const row = await this.one(query.sql);
      if (!row) continue;
      const found = sideRunRef(row);
      this.sideRuns.set(found, query.byId && row.id != null);
      return found;
    }
    return undefined;
  }

  /**
   * Every top-level key of a run's rows in `range` (or only of its first and last `sampleRows`),
   * without `json_each` (refused by Trackio): ask for a row that still has a key once the known ones
   * are removed, learn its keys, and repeat; a run logs only a few shapes of row, so a handful of
   * queries find every key. `complete` is false when a key no JSON path can name stops the search.
   */
  private async keysOf(
    run: RunRef,
    range: RowRange = {},
    sampleRows?: number,
  ): Promise<{ keys: Set<string>; complete: boolean }> {
    const where = () => `${this.runWhere(run)}${rangeClause(range)}`;
    const sample = () => sampleRows === undefined ? "" : ` AND ${edgeRows(where(), sampleRows)}`;
    const keys = new Set<string>();
    let skippedOnce = false;
    while (true) {
      const rest = removeKeys(METRICS_TEXT, [...keys]);
      const row = await this.guard(
        run,
        () =>
          this.one(
            `SELECT ${METRICS_TEXT} AS m FROM metrics WHERE ${where()}${sample()} AND ${rest} != '{}' LIMIT 1`,
          ),
      );
      if (!row) return { keys, complete: true };
      let metrics: Record<string, unknown>;
      try {
        metrics = decodeMetricsObject(String(row.m));
      } catch {
        // Valid JSON but not an object: leave the run's bad rows out, as the local reader does, and look again.
        if (!skippedOnce && (await this.skipBadRows(run, undefined, true))) {
          skippedOnce = true;
          continue;
        }
        throw dataError(`project '${this.project}': a metrics row of run '${run.name}' is not a JSON object`);
      }
      const found = Object.keys(metrics).filter((k) => !keys.has(k));
      found.forEach((k) => keys.add(k));
      if (found.length === 0 || found.some((k) => !pathCanName(k))) return { keys, complete: false };
    }
  }

  async metricNames(run: RunRef, sampleRows?: number): Promise<string[]> {
    const { keys, complete } = await this.keysOf(run, {}, sampleRows);
    if (!complete) return await this.namesFromEndpoint(run);
    return metricNamesOf(keys);
  }

  /**
   * When a key no JSON path can spell stops the search, Trackio's list of every name of the run: more
   * than the range's, but what a cache adds them to is the run's names all the same.
   */
  async metricNamesIn(run: RunRef, range: RowRange): Promise<string[]> {
    const { keys, complete } = await this.keysOf(run, range);
    if (!complete) return await this.namesFromEndpoint(run);
    return metricNamesOf(keys);
  }

  /** Trackio's own list, for the rare key no JSON path can spell. */
  private namesFromEndpoint(run: RunRef): Promise<string[]> {
    const args: Record<string, unknown> = { project: this.project, run: run.name };
    if (this.runKey === "run_id") args.run_id = run.id;
    return this.client.call<string[]>("get_metrics_for_run", args);
  }

  async runStats(run: RunRef, range: RowRange = {}): Promise<RunStats> {
    return runStatsOf(await this.one(runStatsSql(this.runWhere(run), range)));
  }

  async lastStep(): Promise<number | null> {
    if (!this.hasMetrics) return null;
    const row = await this.one("SELECT MAX(step) AS last FROM metrics");
    return row?.last == null ? null : Number(row.last);
  }

  async config(run: RunRef): Promise<Record<string, unknown> | null> {
    if (!this.schema.tables.has("configs")) return null;
    const byId = hasColumn(this.schema, "configs", "run_id") && this.runKey === "run_id";
    const row = await this.one(
      `SELECT CAST(config AS TEXT) AS config FROM configs WHERE ${byId ? "run_id" : "run_name"} = ${
        literal(byId ? run.id : run.name)
      } ORDER BY id DESC LIMIT 1`,
    );
    if (!row) return null;
    try {
      return decodeMetricsObject(String(row.config));
    } catch {
      throw dataError(`project '${this.project}': the config of run '${run.name}' is not valid JSON`);
    }
  }

  async hasMetric(run: RunRef, metric: string): Promise<boolean> {
    if (!pathCanName(metric)) return (await this.metricNames(run)).includes(metric);
    const row = await this.guard(run, () =>
      this.one(
        `SELECT 1 AS hit FROM metrics WHERE ${this.runWhere(run)} AND ${METRICS_TEXT} -> ${
          keyPath(metric)
        } IS NOT NULL LIMIT 1`,
      ));
    return row !== undefined;
  }

  /**
   * `SELECT timestamp, id, step, v` of one metric (v its JSON text) after `after`, in order. The inner
   * query's `LIMIT -1` keeps SQLite from flattening it, so each row's JSON is parsed once, not once
   * for every mention of `v` (SQLite 3.40 has no parse cache).
   */
  valuesQuery(run: RunRef, metric: string, filter: RowFilter, range?: RowRange): string {
    return `SELECT timestamp, id, step, v FROM (
      SELECT timestamp, id, step, ${METRICS_TEXT} -> ${keyPath(metric)} AS v FROM metrics
      WHERE ${this.runWhere(run)}${filterClause(filter)}${rangeClause(range)} ORDER BY timestamp, id LIMIT -1)
      WHERE v IS NOT NULL`;
  }

  /**
   * One page: the rows of `select`, at most `limit`, as one answer row holding their count `n`, the
   * key where they end (unless `endKnown`: a page that ends at a row the caller names), and `columns`
   * computed over them (aggregates, e.g. one JSON array of rows). With `named`, the rows are first
   * kept as a table `p` that `columns` may read more than once.
   */
  private async page(
    run: RunRef,
    select: () => string,
    columns: string,
    options: { limit?: number; named?: boolean; endKnown?: boolean } = {},
  ) {
    const { limit, named, endKnown } = options;
    // The key of every row of a page, built to find the last: a third of a plain page's SQL.
    const last = endKnown ? "" : `, MAX(${ORDER_KEY}) AS last`;
    const sql = () => {
      const rows = `SELECT * FROM (${select()}) ORDER BY timestamp, id${
        limit === undefined ? "" : ` LIMIT ${limit}`
      }`;
      return named
        ? `WITH p AS MATERIALIZED (${rows}) SELECT COUNT(*) AS n${last}, ${columns} FROM p`
        : `SELECT COUNT(*) AS n${last}, ${columns} FROM (${rows})`;
    };
    const row = await this.guard(run, () => this.one(sql()));
    const n = Number(row?.n ?? 0);
    return {
      n,
      row: row ?? {},
      last: n === 0 || endKnown ? undefined : parseOrderKey(String(row!.last)),
    };
  }

  /**
   * Where the next pages end, from the index alone: the key of every `perPage`-th row of the run
   * after `after` (from its first row without it, up to `end`), at most `ENDS_PER_REQUEST` of them,
   * found in one statement by a chain of seeks, so that every page can be asked for at once.
   */
  private async pageEnds(
    run: RunRef,
    after: RowCursor | undefined,
    perPage: number,
    end?: RowCursor,
  ): Promise<RowCursor[]> {
    const seek = (from?: string) =>
      `SELECT timestamp AS t, id AS i FROM metrics WHERE ${this.runWhere(run)}${rangeClause({ upTo: end })}${
        from ? ` AND (timestamp, id) > ${from}` : ""
      } ORDER BY timestamp, id LIMIT 1 OFFSET ${perPage - 1}`;
    const first = after && `(${literal(after.timestamp)}, ${literal(after.id)})`;
    const ctes = Array.from(
      { length: ENDS_PER_REQUEST },
      (_, k) => `e${k} AS (${seek(k === 0 ? first : `(SELECT t, i FROM e${k - 1})`)})`,
    );
    const rows = await this.rowsOf(
      `WITH ${ctes.join(", ")} ${
        ctes.map((_, k) => `SELECT ${k} AS k, t, i FROM e${k}`).join(" UNION ALL ")
      }`,
    );
    return rows.sort((x, y) => Number(x.k) - Number(y.k)).map((r) => ({
      timestamp: String(r.t),
      id: Number(r.i),
    }));
  }

  /**
   * The rows of `selectIn(range)` (rows with timestamp and id columns) after `start`, a page at a
   * time, each one answer row of `columns` (see `page`) with the key where it ends. A read of
   * `whole` rows (no filter but the range) from the run's first row first learns where its pages end;
   * any other (a live run polled for what is new, a window, `since_step`) first asks for one page of
   * what it selects, and is one request when that is all there is. Then `PAGES_IN_FLIGHT` pages are
   * kept asked for while the caller works on the one before. With `end`, nothing after it is read.
   */
  private async *pages(
    run: RunRef,
    selectIn: (range: RowRange) => string,
    columns: string,
    perPage: number,
    options: { start?: RowCursor; end?: RowCursor; named?: boolean; whole?: boolean } = {},
  ): AsyncGenerator<{ row: Record<string, unknown>; after: RowCursor }> {
    const { start, end, named, whole } = options;
    // What is still asked for when the caller stops early or a page fails must not fail unhandled.
    const quiet = <T>(p: Promise<T>) => (p.catch(() => {}), p);
    let after = start;
    let ends: Promise<RowCursor[]>;
    let head: { row: Record<string, unknown>; after: RowCursor } | undefined;
    if (start === undefined && whole) ends = quiet(this.pageEnds(run, undefined, perPage, end));
    else {
      const first = await this.page(run, () => selectIn({ after: start, upTo: end }), columns, {
        limit: perPage,
        named,
      });
      if (first.n === 0) return;
      head = { row: first.row, after: first.last! };
      if (first.n < perPage) {
        yield head;
        return;
      }
      after = first.last!;
      ends = quiet(this.pageEnds(run, after, perPage, end));
    }
    const pending: { range: RowRange; page: ReturnType<RemoteProject["page"]> }[] = [];
    let known: (RowCursor | undefined)[] = [];
    let more = true;
    const fill = async () => {
      while (more && pending.length < PAGES_IN_FLIGHT) {
        if (known.length === 0) {
          const found = await ends;
          known = [...found];
          // Fewer ends than asked for: the page after the last one runs to the end and is the last.
          if (found.length < ENDS_PER_REQUEST) known.push(undefined);
          else ends = quiet(this.pageEnds(run, found[found.length - 1], perPage, end));
        }
        const pageEnd = known.shift();
        const range: RowRange = { after, upTo: pageEnd ?? end };
        pending.push({
          range,
          page: quiet(
            this.page(run, () => selectIn(range), columns, { named, endKnown: range.upTo !== undefined }),
          ),
        });
        after = pageEnd;
        more = pageEnd !== undefined;
      }
    };
    await fill();
    if (head) yield head;
    while (pending.length > 0) {
      const { range, page } = pending.shift()!;
      const got = await page;
      await fill();
      if (got.n > 0) yield { row: got.row, after: range.upTo ?? got.last! };
    }
  }

  /** Pages of rows each packed into one JSON array of `element` (SQL over a row), as its text. */
  private async *packedPages(
    run: RunRef,
    selectIn: (range: RowRange) => string,
    element: string,
    perPage: number,
    options: { start?: RowCursor; end?: RowCursor; whole?: boolean } = {},
  ) {
    const columns = `json_group_array(${element}) AS page`;
    for await (const { row, after } of this.pages(run, selectIn, columns, perPage, options)) {
      yield { text: String(row.page), after };
    }
  }

  /**
   * Pages of one metric's points as columns: steps and values as JSON arrays, and each timestamp once
   * with the number of points that share it (Trackio's writer flushes several steps with one
   * timestamp), a third of what one object per point would send.
   */
  private async *valueColumns(run: RunRef, metric: string, filter: RowFilter) {
    const select = (range: RowRange) => this.valuesQuery(run, metric, filter, range);
    const columns = `json_group_array(step) AS steps, json_group_array(json(v)) AS vals,
      (SELECT json_group_array(timestamp) || char(31) || json_group_array(c)
       FROM (SELECT timestamp, COUNT(*) AS c FROM p GROUP BY timestamp ORDER BY timestamp)) AS stamps`;
    const whole = filterClause(filter) === "";
    for await (
      const { row } of this.pages(run, select, columns, this.pageSizes.values, { named: true, whole })
    ) {
      const [stamps, counts] = String(row.stamps).split("\x1f");
      yield {
        steps: String(row.steps),
        vals: String(row.vals),
        stamps,
        counts: JSON.parse(counts) as number[],
      };
    }
  }

  async *metricValues(run: RunRef, metric: string, filter: RowFilter = {}): AsyncIterable<MetricPoint[]> {
    if (!pathCanName(metric)) {
      yield await this.valuesFromEndpoint(run, metric, filter);
      return;
    }
    for await (const page of this.valueColumns(run, metric, filter)) {
      const steps = JSON.parse(page.steps) as number[];
      const vals = JSON.parse(page.vals) as unknown[];
      const stamps = JSON.parse(page.stamps) as string[];
      const points: MetricPoint[] = [];
      let i = 0;
      page.counts.forEach((count, s) => {
        for (const end = i + count; i < end; i++) {
          points.push({
            timestamp: stamps[s],
            step: steps[i],
            value: decodeNonFinite(vals[i]) as MetricPoint["value"],
          });
        }
      });
      yield points;
    }
  }

  /** Trackio's get_metric_values, for a name no JSON path can spell; it loses NaN and infinities. */
  private async valuesFromEndpoint(run: RunRef, metric: string, filter: RowFilter): Promise<MetricPoint[]> {
    this.notices.push(
      `metric '${metric}' has a quote or backslash in its name, which Trackio's SQL endpoint cannot select: ` +
        "read through get_metric_values instead, where NaN and infinities come back as null",
    );
    const args: Record<string, unknown> = { project: this.project, run: run.name, metric_name: metric };
    if (this.runKey === "run_id") args.run_id = run.id;
    for (const key of ["step", "around_step", "at_time", "window"] as const) {
      if (filter[key] !== undefined) args[key] = filter[key];
    }
    const points = await this.client.call<MetricPoint[]>("get_metric_values", args);
    return points.filter((p) => filter.since_step === undefined || p.step > filter.since_step);
  }

  /**
   * The whole history as the JSON text trackio-cli prints, the same text the local reader's SQLite
   * builds: each item is put together from the server's own spelling of its timestamp, step and value.
   */
  async metricValuesJson(run: RunRef, metric: string, filter: RowFilter = {}): Promise<string | undefined> {
    if (!pathCanName(metric)) return undefined;
    const pages: string[] = [];
    for await (const page of this.valueColumns(run, metric, filter)) {
      const steps = jsonArrayItems(page.steps);
      const vals = jsonArrayItems(page.vals);
      const stamps = jsonArrayItems(page.stamps);
      const parts: string[] = [];
      let i = 0;
      page.counts.forEach((count, s) => {
        const stamp = `{"timestamp":${stamps[s]},"step":`;
        for (const end = i + count; i < end; i++) parts.push(`${stamp}${steps[i]},"value":${vals[i]}}`);
      });
      pages.push(parts.join(","));
    }
    return `[${pages.join(",")}]`;
  }

  async downsampledValues(
    run: RunRef,
    metric: string,
    filter: RowFilter,
    maxPoints: number,
  ): Promise<DownsampleResult<MetricPoint>> {
    const stats = await this.runStats(run);
    if (!pathCanName(metric)) {
      const points = await this.valuesFromEndpoint(run, metric, filter);
      return downsampleMinMax(points, maxPoints, stats.first_step ?? 0, stats.last_step ?? 0);
    }
    return await this.guard(run, () => downsampleOnServer(this, run, metric, filter, maxPoints, stats));
  }

  /** A metric no JSON path can name is read through Trackio's endpoint, which reads every row. */
  downsamplesUpTo(metric: string): boolean {
    return pathCanName(metric);
  }

  async downsampledUpTo(run: RunRef, metric: string, maxPoints: number, upTo: RowCursor) {
    const range = { upTo };
    const stats = await this.runStats(run, range);
    const result = await this.guard(
      run,
      () => downsampleOnServer(this, run, metric, {}, maxPoints, stats, range),
    );
    return { result, steps: { first: stats.first_step, last: stats.last_step } };
  }

  /**
   * For the rows since a read: their points by id, and the steps of all of them. Paged by key, not
   * by offset, so that a run grown by a million rows since costs a read of them, not one per page.
   */
  async metricPointsIn(run: RunRef, metric: string, range: RowRange) {
    // A read again from the start when `guard` retries it (bad rows found meanwhile).
    const read = async () => {
      const points = new CurvePoints();
      for (let after = range.after;;) {
        const rows = await this.rowsOf(
          `${this.valuesQuery(run, metric, {}, { after, upTo: range.upTo })} LIMIT ${QUERY_ROW_CAP}`,
        );
        for (const r of rows) points.push(Number(r.id), Number(r.step), decodeValueJson(String(r.v)));
        if (rows.length < QUERY_ROW_CAP) return points;
        const last = rows[rows.length - 1];
        after = { timestamp: String(last.timestamp), id: Number(last.id) };
      }
    };
    const [points, stats] = await Promise.all([this.guard(run, read), this.runStats(run, range)]);
    return { points, steps: { first: stats.first_step, last: stats.last_step } };
  }

  async timestampsOf(ids: number[]): Promise<Map<number, string>> {
    const stamps = new Map<number, string>();
    for (let i = 0; i < ids.length; i += QUERY_ROW_CAP) {
      const rows = await this.rowsOf(
        `SELECT id, timestamp FROM metrics WHERE id IN (${ids.slice(i, i + QUERY_ROW_CAP).join(", ")})`,
      );
      for (const r of rows) stamps.set(Number(r.id), String(r.timestamp));
    }
    return stamps;
  }

  async *rows(run: RunRef, filter: RowFilter = {}): AsyncIterable<LogRow[]> {
    const select = (range: RowRange) =>
      `SELECT timestamp, id, step, ${METRICS_TEXT} AS m FROM metrics WHERE ${this.runWhere(run)}${
        filterClause(filter)
      }${rangeClause(range)}`;
    const element = "json_array(timestamp, step, json(m))";
    const whole = filterClause(filter) === "";
    for await (const page of this.packedPages(run, select, element, this.pageSizes.rows, { whole })) {
      const rows = JSON.parse(page.text) as unknown[][];
      const good = await this.objectsOnly(run, rows, 2);
      yield good.map((r) => ({
        timestamp: String(r[0]),
        step: Number(r[1]),
        metrics: decodeTopLevel(r[2] as Record<string, unknown>),
      }));
    }
  }

  /**
   * The rows whose column `at` holds a JSON object; if some do not (valid JSON, but an array or a
   * number), the run's bad rows are found and left out from now on, with the notice, as locally.
   */
  private async objectsOnly(run: RunRef, rows: unknown[][], at: number): Promise<unknown[][]> {
    const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
    if (rows.every((r) => isObject(r[at]))) return rows;
    await this.skipBadRows(run, undefined, true);
    return rows.filter((r) => isObject(r[at]));
  }

  async thinnedRows(run: RunRef, maxRows: number): Promise<ThinnedRows> {
    const total = await this.countRows(run);
    if (total <= maxRows) {
      const rows: LogRow[] = [];
      for await (const page of this.rows(run)) rows.push(...page);
      return { rows, total, thinned: false };
    }
    // Every key counts, `step` or `timestamp` logged as a metric too, as for the local reader; the
    // buckets are sized by the metric names.
    const { keys, complete } = await this.keysOf(run);
    if (complete) {
      const metricCount = metricNamesOf(keys).length;
      return await this.guard(
        run,
        () => thinOnServer(this, this.runWhere(run), [...keys], metricCount, total, maxRows),
      );
    }
    // A key no JSON path can name: choose the rows here, from every row, as the local reader does.
    const all: LogRow[] = [];
    for await (const page of this.rows(run)) all.push(...page);
    const keep = selectRows(all, total, maxRows, (await this.metricNames(run)).length);
    return { rows: all.filter((_, i) => keep.has(i)), total, thinned: true };
  }

  /** The key of the run's last row, where a read that must not chase a live writer stops. */
  private async lastKey(run: RunRef, upTo?: RowCursor): Promise<RowCursor | undefined> {
    const row = await this.one(
      `SELECT timestamp, id FROM metrics WHERE ${this.runWhere(run)}${
        rangeClause({ upTo })
      } ORDER BY timestamp DESC, id DESC LIMIT 1`,
    );
    return row ? { timestamp: String(row.timestamp), id: Number(row.id) } : undefined;
  }

  /**
   * The run's end is fixed first (with a sample of the rows up to it, in the same request), so a poll
   * that finds nothing new is one request and a row written meanwhile is read next time. A few rows
   * at both ends of the range choose how the rows travel (see
   * `scanPlan`): as stored, or only the wanted metrics' values, whose names are then learnt from the
   * new rows (a key no JSON path can spell needs the stored text all the same). Each page is visited
   * as it comes, while the server prepares the next ones; a read cut off part way leaves its caller
   * with part of the rows (the run cache then forgets what it held, and reads the run afresh).
   */
  async scanRows(
    run: RunRef,
    after: RowCursor | undefined,
    visit: (step: number, metrics: Record<string, unknown>) => void,
    wanted?: (metric: string) => boolean,
  ): Promise<RowCursor | undefined> {
    // The end and the sample in one statement: one state of the data, one request.
    const answer = await this.rowsOf(
      `SELECT e.timestamp AS end_timestamp, e.id AS end_id, s.m FROM (SELECT timestamp, id FROM metrics
         WHERE ${this.runWhere(run)} ORDER BY timestamp DESC, id DESC LIMIT 1) AS e
       LEFT JOIN (SELECT ${METRICS_TEXT} AS m FROM metrics WHERE ${
        edgeRows(`${this.runWhere(run)}${rangeClause({ after })}`, 16)
      }) AS s ON 1`,
    );
    const end = answer[0] && { timestamp: String(answer[0].end_timestamp), id: Number(answer[0].end_id) };
    if (!end || (after && end.timestamp === after.timestamp && end.id === after.id)) return after;
    const range: RowRange = { after, upTo: end };
    const sample = answer.filter((r) => r.m !== null && r.m !== undefined).map((r) => String(r.m));
    const pageBytes = this.client.asksPlain ? RAW_PAGE_BYTES.plain : RAW_PAGE_BYTES.gzip;
    const plan = scanPlan(sample, wanted, this.pageSizes.values, pageBytes);
    if (plan.raw || !(await this.scanExtracted(run, range, visit, wanted))) {
      await this.scanStored(run, range, plan, visit);
    }
    // A run that ends in a damaged row (a crash mid-write) is read up to its last good row, as
    // locally: the row the next read goes on from, and a cache checks its rows by, must be one it read.
    if (!this.skipped.get(this.runKeyOf(run))?.includes(end.id)) return end;
    return (await this.lastKey(run, end)) ?? after;
  }

  /** `SELECT timestamp, id, step, metrics` of the run's rows in a range: what a scan pages through. */
  private rowsIn(run: RunRef): (range: RowRange) => string {
    return (range) =>
      `SELECT timestamp, id, step, metrics FROM metrics WHERE ${this.runWhere(run)}${rangeClause(range)}`;
  }

  /**
   * The rows of `range` as stored, joined by SQLite into one text a page, and visited as parsed, as
   * the local reader reads them. At a page with a row that is not a JSON object, the run's bad rows
   * are found and left out, with the notice, and the read goes on from the page before, as locally.
   */
  private async scanStored(
    run: RunRef,
    range: RowRange,
    plan: ScanPlan,
    visit: (step: number, metrics: Record<string, unknown>) => void,
  ): Promise<void> {
    const select = this.rowsIn(run);
    // A row much longer than the sampled ones (a histogram, a table) is left out of its page, a `0`
    // in its place, and read by id after it: a page stays within a few times its planned size.
    const big = `length(metrics) > ${plan.bigRowBytes}`;
    const columns = `group_concat(CASE WHEN ${big} THEN '0' ELSE ${METRICS_TEXT} END, ',') AS page,
      group_concat(step, ',') AS steps, group_concat(CASE WHEN ${big} THEN id || ':' || length(metrics) END) AS big`;
    let start = range.after;
    let skipped = false;
    read: while (true) {
      const options = { start, end: range.upTo, whole: true };
      for await (const { row, after } of this.pages(run, select, columns, plan.rawPageRows, options)) {
        const parsed = await this.withBigRows(parseItems(String(row.page), Number(row.n)), row.big);
        if (!parsed) {
          if (skipped || !(await this.skipBadRows(run, undefined, true))) {
            throw dataError(`project '${this.project}': unreadable rows in run '${run.name}'`);
          }
          skipped = true;
          continue read;
        }
        const steps = String(row.steps).split(",");
        for (let i = 0; i < parsed.length; i++) visit(Number(steps[i]), parsed[i]);
        start = after;
      }
      return;
    }
  }

  /**
   * A page's rows with its long rows (`big`: "id:length" of each, in row order) read by id into the
   * places marked `0`, a few megabytes a request; undefined when a row is not a JSON object (or the
   * marks do not match the long rows: a row that is the number 0 itself).
   */
  private async withBigRows(
    items: unknown[] | undefined,
    big: unknown,
  ): Promise<Record<string, unknown>[] | undefined> {
    if (!items) return undefined;
    const long = big == null ? [] : String(big).split(",").map((part) => part.split(":").map(Number));
    const places = items.flatMap((item, i) => (item === 0 ? [i] : []));
    if (places.length !== long.length) return undefined;
    for (let k = 0; k < long.length;) {
      const batch: number[] = [];
      for (
        let bytes = 0;
        k < long.length && batch.length < 1000 &&
        (batch.length === 0 || bytes + long[k][1] <= RAW_PAGE_BYTES.gzip);
        k++
      ) {
        batch.push(long[k][0]);
        bytes += long[k][1];
      }
      const rows = await this.rowsOf(
        `SELECT id, ${METRICS_TEXT} AS m FROM metrics WHERE id IN (${batch.join(", ")})`,
      );
      const texts = new Map(rows.map((r) => [Number(r.id), String(r.m)]));
      for (let j = k - batch.length; j < k; j++) {
        const text = texts.get(long[j][0]);
        if (text === undefined) return undefined;
        try {
          items[places[j]] = JSON.parse(text);
        } catch {
          return undefined;
        }
      }
    }
    return items.every(isObject) ? items as Record<string, unknown>[] : undefined;
  }

  /**
   * The wanted metrics' values of the rows of `range`, extracted on the server after a search for the
   * range's metric names, visited a page at a time. False, before any row is visited, when a name no
   * JSON path can spell needs the stored text.
   */
  private async scanExtracted(
    run: RunRef,
    range: RowRange,
    visit: (step: number, metrics: Record<string, unknown>) => void,
    wanted?: (metric: string) => boolean,
  ): Promise<boolean> {
    const { keys, complete } = await this.keysOf(run, range);
    const names = metricNamesOf(keys).filter((m) => !wanted || wanted(m));
    if (!complete || names.some((m) => !pathCanName(m))) return false;
    const element = names.length === 0
      ? "json_array(step)"
      : `json_array(step, ${extractChunks(METRICS_TEXT, names)})`;
    const select = this.rowsIn(run);
    const pages = this.packedPages(run, select, element, this.pageSizes.values, {
      start: range.after,
      end: range.upTo,
      whole: true,
    });
    for await (const page of pages) {
      for (const r of JSON.parse(page.text) as unknown[][]) {
        const values = flattenChunks(r.slice(1));
        const metrics: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) if (values[i] !== null) metrics[names[i]] = values[i];
        visit(Number(r[0]), metrics);
      }
    }
    return true;
  }

  async countRows(run: RunRef, filter: RowFilter = {}): Promise<number> {
    const row = await this.one(
      `SELECT COUNT(*) AS n FROM metrics WHERE ${this.runWhere(run)}${filterClause(filter)}`,
    );
    return Number(row?.n ?? 0);
  }

  private sideTableWhere(table: string, run: RunRef): string {
    const byId = hasColumn(this.schema, table, "run_id") &&
      (this.runKey === "run_id" || this.sideRuns.get(run) === true);
    return byId ? `run_id = ${literal(run.id)}` : `run_name = ${literal(run.name)}`;
  }

  async alerts(run?: RunRef, level?: string, since?: string): Promise<AlertRow[]> {
    if (!this.schema.tables.has("alerts")) return [];
    const clauses: string[] = [];
    if (run) clauses.push(this.sideTableWhere("alerts", run));
    if (level) clauses.push(`level = ${literal(level)}`);
    if (since) clauses.push(`${epochSql("timestamp")} > ${epochSql(literal(since))}`);
    const where = clauses.length ? `WHERE ${clauses.join(" AND ")}` : "";
    const rows = await this.all(
      `SELECT timestamp, run_name, title, text, level, step FROM alerts ${where} ORDER BY timestamp DESC, id DESC`,
    );
    return rows.map(alertRow);
  }

  async systemMetrics(run: RunRef): Promise<SystemRow[]> {
    if (!this.schema.tables.has("system_metrics")) return [];
    const rows = await this.all(
      `SELECT id, timestamp, CAST(metrics AS TEXT) AS m FROM system_metrics WHERE ${
        this.sideTableWhere("system_metrics", run)
      } ORDER BY timestamp, id`,
    );
    return rows.map((r) => {
      try {
        return { timestamp: String(r.timestamp), metrics: decodeMetricsObject(String(r.m)) };
      } catch {
        throw dataError(
          `project '${this.project}': system_metrics row ${r.id} of run '${run.name}' holds malformed JSON`,
        );
      }
    });
  }

  async query(sql: string, limit: number, budget = QUERY_BYTE_BUDGET): Promise<QueryResult> {
    const { statement, more } = firstStatement(stripLeadingComments(sql));
    if (more) throw usageError("query: one statement at a time");
    const body = statement.trim();
    if (/^explain\b/i.test(body)) {
      throw refused("query: EXPLAIN runs on local data only; a Trackio server refuses it");
    }
    const pragma = /^pragma\b/i.test(body);
    let answer;
    try {
      const rows: Record<string, unknown>[] = [];
      let columns: string[] = [];
      let bytes = 0;
      // BLOBs come as hex, twice their size: pages stop at twice the budget, the rows at the budget.
      for (let offset = 0; rows.length <= limit && bytes <= 2 * budget; offset += QUERY_ROW_CAP) {
        const want = Math.min(QUERY_ROW_CAP, limit + 1 - rows.length);
        const page = await this.client.query(
          this.project,
          pragma ? body : `SELECT * FROM (\n${body}\n) LIMIT ${want} OFFSET ${offset}`,
        );
        columns = page.columns;
        rows.push(...page.rows);
        for (const row of page.rows) bytes += rowBytes(row);
        if (pragma || page.rows.length < want) break;
      }
      answer = { columns, rows };
    } catch (error) {
      if (!(error instanceof QueryRefused)) throw error;
      if (/not authorized|Only read-only/i.test(error.serverMessage)) {
        throw refused(`query: the server refused it: ${error.serverMessage}`);
      }
      throw usageError(`query: ${error.serverMessage}`);
    }
    const capped = answer.rows.slice(0, limit);
    if (!pragma) await this.decodeBlobs(body, answer.columns, capped);
    const { rows, nextRowBytes } = rowsWithinBudget(capped, budget);
    const overBudget = nextRowBytes === undefined ? undefined : { nextRowBytes, budget };
    const truncated = answer.rows.length > rows.length;
    return { columns: answer.columns, rows, truncated, ...(overBudget ? { overBudget } : {}) };
  }

  /**
   * Trackio sends BLOBs as hex; the local reader shows them as the text they hold (Trackio's JSON
   * columns are BLOBs). A column whose values all look like hex is asked whether it holds BLOBs.
   */
  private async decodeBlobs(body: string, columns: string[], rows: Record<string, unknown>[]): Promise<void> {
    const hex = (v: unknown) => typeof v === "string" && v.length % 2 === 0 && /^[0-9a-f]*$/.test(v);
    for (const column of new Set(columns)) {
      const values = rows.map((r) => r[column]).filter((v) => v !== null && v !== undefined);
      if (values.length === 0 || !values.every(hex)) continue;
      const quoted = `"${column.replaceAll('"', '""')}"`;
      let blob;
      try {
        blob = await this.one(`SELECT 1 AS b FROM (\n${body}\n) WHERE typeof(${quoted}) = 'blob' LIMIT 1`);
      } catch {
        continue;
      }
      if (!blob) continue;
      for (const row of rows) {
        const v = row[column];
        if (typeof v !== "string") continue;
        const bytes = new Uint8Array(v.length / 2);
        for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(v.slice(2 * i, 2 * i + 2), 16);
        row[column] = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
      }
    }
  }
}
