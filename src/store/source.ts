import type { DownsampleResult } from "../analysis/downsample.ts";
import type { RowFilter } from "./filters.ts";
import type { RowCursor } from "./open.ts";
import type { RowRange } from "./remote/sql.ts";
import type { CurvePoints } from "./curve_points.ts";
import type { AlertRow, LogRow, MetricPoint, RunRef } from "./project.ts";
import type { RowMark, RowsCheck, RowsNow } from "./row_marks.ts";

export interface RunStats {
  num_logs: number;
  last_step: number | null;
  first_step: number | null;
  /** When the run logged its first and its last row, as stored. */
  first_timestamp: string | null;
  last_timestamp: string | null;
}

export interface SystemRow {
  timestamp: string;
  metrics: Record<string, unknown>;
}

/** One read-only statement's answer: rows keyed by column name, BLOBs as their text. */
export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
  truncated: boolean;
  /**
   * Set when reading stopped at the byte budget (`QUERY_BYTE_BUDGET`) before the row cap: the
   * size of the first row left out.
   */
  overBudget?: { nextRowBytes: number; budget: number };
}

/** The least and the largest step of some rows (null when there are none). */
export interface StepRange {
  first: number | null;
  last: number | null;
}

/** A thinned log: the rows kept, in order, out of `total`. */
export interface ThinnedRows {
  rows: LogRow[];
  total: number;
  thinned: boolean;
}

/**
 * What the tools read of one project, whatever holds it: a local SQLite file or a Trackio server.
 * Every method reads; none can write. Results are the same for the same data on either source.
 */
export interface ProjectReader {
  readonly project: string;
  /** What a reader must know about how this source answered (a fallback that lost something). */
  readonly notices: string[];
  /**
   * Whether what was read so far may be torn because the data changed under the reader (a local
   * snapshot a writer started on meanwhile): `withProject` then reads again, so a caller that writes
   * out as it reads must check this before each write and resume where it stopped.
   */
  changed(): boolean;
  /** Runs ordered by their first timestamp, as Trackio lists them. */
  runs(): Promise<RunRef[]>;
  /** The run a user means (see `resolveRunIn`). */
  resolveRun(run?: string | null, runId?: string | null): Promise<RunRef>;
  /** Sorted metric names of a run; with `sampleRows`, only from rows at each end (completion). */
  metricNames(run: RunRef, sampleRows?: number): Promise<string[]>;
  /** Sorted metric names of the run's rows in `range` (what a cache adds for the rows new since a read). */
  metricNamesIn(run: RunRef, range: RowRange): Promise<string[]>;
  /** Row count, step range and time range of the run, or of its rows in `range`. */
  runStats(run: RunRef, range?: RowRange): Promise<RunStats>;
  /** The largest step of any run, Trackio's `last_activity`. */
  lastStep(): Promise<number | null>;
  config(run: RunRef): Promise<Record<string, unknown> | null>;
  hasMetric(run: RunRef, metric: string): Promise<boolean>;
  /** One metric's points, oldest first, a page at a time. */
  metricValues(run: RunRef, metric: string, filter?: RowFilter): AsyncIterable<MetricPoint[]>;
  /** The same points as JSON text built where the data is, when the source can (else undefined). */
  metricValuesJson(run: RunRef, metric: string, filter?: RowFilter): Promise<string | undefined>;
  /** One metric's points min-max downsampled to `maxPoints` (see `downsampleMinMax`). */
  downsampledValues(
    run: RunRef,
    metric: string,
    filter: RowFilter,
    maxPoints: number,
  ): Promise<DownsampleResult<MetricPoint>>;
  /**
   * `metricValues`' points in `range` (no filter) with their rows' ids, oldest first. Where rows are
   * read where they are (local files), a cache keeps a whole curve this way and adds only the new
   * points to it; a server offers it for the rows since a read (see `downsampledUpTo`). With the
   * points, the step range of all the run's rows in `range`, which downsampling's buckets span.
   */
  metricPointsIn?(
    run: RunRef,
    metric: string,
    range: RowRange,
  ): Promise<{ points: CurvePoints; steps: StepRange }>;
  /** The timestamps of rows by id, where `metricPointsIn` is offered. */
  timestampsOf?(ids: number[]): Promise<Map<number, string>>;
  /**
   * `downsampledValues` (no filter) of the rows up to `upTo`, offered by a source that downsamples
   * where the data is (a server): a cache then keeps the buckets of a curve, not all its points, and
   * adds the points of new rows (`metricPointsIn` with a range after its end) to them.
   */
  downsampledUpTo?(
    run: RunRef,
    metric: string,
    maxPoints: number,
    upTo: RowCursor,
  ): Promise<{ result: DownsampleResult<MetricPoint>; steps: StepRange }>;
  /** Whether `downsampledUpTo` and `metricPointsIn` can read `metric` (a server's SQL may not name it). */
  downsamplesUpTo?(metric: string): boolean;
  /** Whole rows in a filter, oldest first, a page at a time. */
  rows(run: RunRef, filter?: RowFilter): AsyncIterable<LogRow[]>;
  /** Every row, or at most `maxRows` of them chosen by `selectRows`. */
  thinnedRows(run: RunRef, maxRows: number): Promise<ThinnedRows>;
  /**
   * Every row after `after` handed to `visit` (values as stored: non-finite ones still Trackio's
   * strings), in (timestamp, id) order; returns where it stopped. `wanted` says which metrics the
   * caller keeps, so a remote source need not send the others.
   */
  scanRows(
    run: RunRef,
    after: RowCursor | undefined,
    visit: (step: number, metrics: Record<string, unknown>) => void,
    wanted?: (metric: string) => boolean,
  ): Promise<RowCursor | undefined>;
  countRows(run: RunRef, filter?: RowFilter): Promise<number>;
  /**
   * What holds the project now: a file (by device and inode) or a server. Another identity is other
   * data, whatever its rows look like.
   */
  readonly identity: string;
  /** Marks of rows read up to `upTo`, in row order: the run's first row, and its first at each of `steps`. */
  rowMarks(run: RunRef, steps: number[], upTo: RowCursor): Promise<RowMark[]>;
  /** Marked rows as they are now, rows added before earlier read ends, a span's rows (`RowsCheck`). */
  checkRows(run: RunRef, check: RowsCheck): Promise<RowsNow>;
  /** Alerts, newest first; `run` restricts to one run, `level` and `since` (an instant) filter. */
  alerts(run?: RunRef, level?: string, since?: string): Promise<AlertRow[]>;
  systemMetrics(run: RunRef): Promise<SystemRow[]>;
  /**
   * One read-only statement (already checked by the caller), capped at `maxRows` and at `maxBytes`
   * of values (default `QUERY_BYTE_BUDGET`), read no further than either.
   */
  query(sql: string, maxRows: number, maxBytes?: number): Promise<QueryResult>;
}

/** Facts about a project for `doctor`. */
export interface ProjectHealth {
  project: string;
  file: string;
  size_bytes: number | null;
  generation: string | null;
  journal: string | null;
  /** A `-wal` file beside the database: a writer is attached, or one exited without cleaning up. */
  wal_bytes: number | null;
  runs: number | null;
  rows: number | null;
  /** Rows whose metrics are not a JSON object (reads skip them), with a problem per run. */
  bad_rows: number | null;
  error: string | null;
}

/** What `doctor` reports of a source. */
export interface SourceHealth {
  data_dir: string;
  source: string;
  exists: boolean;
  env: Record<string, string | null>;
  server: ServerHealth | null;
  projects: ProjectHealth[];
  problems: string[];
}

export interface ServerHealth {
  url: string;
  trackio_version: string | null;
  api_version: number | null;
  reachable: boolean;
  auth: "token" | "none";
  latency_ms: number | null;
}

/** Where Trackio data lives: a local data directory or a Trackio server (a Space). */
export interface Source {
  readonly kind: "local" | "remote";
  /** Where: a directory, or a server's URL. */
  readonly place: string;
  /** Which setting chose it: `--dir`, `TRACKIO_DIR`, `default`, `demo`, `--space`, `TRACKIO_SPACE_ID`... */
  readonly origin: string;
  /** Both, in words, for messages. */
  readonly location: string;
  projects(): Promise<string[]>;
  hasProject(project: string): Promise<boolean>;
  /** Opens a project, runs `read` on it, closes it. Unknown projects are not-found errors. */
  withProject<T>(project: string, read: (reader: ProjectReader) => Promise<T>): Promise<T>;
  health(): Promise<SourceHealth>;
}
