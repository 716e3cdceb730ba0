import type { RowsCheck } from "./row_marks.ts";
import type { RowRange } from "./remote/sql.ts";
import { downsampleMinMax } from "../analysis/downsample.ts";
import { selectRows } from "../analysis/select_rows.ts";
import { asCliError, notFound } from "../errors.ts";
import { didYouMean } from "../util/closest.ts";
import type { RowFilter } from "./filters.ts";
import { BAD_ROWS_BY_RUN_SQL, badRowsReport } from "./bad_rows.ts";
import { readHeader, type RowCursor, withDatabase } from "./open.ts";
import { type DataDir, dataDirError, listProjectNames, projectDbPath, shownPath } from "./paths.ts";
import { readEnv } from "../util/env.ts";
import { type LogRow, type MetricPoint, ProjectStore, type RunRef } from "./project.ts";
import { runLocalQuery } from "./local_query.ts";
import { generationOf } from "./schema.ts";
import type {
  ProjectHealth,
  ProjectReader,
  QueryResult,
  Source,
  SourceHealth,
  ThinnedRows,
} from "./source.ts";

/** Points or rows per page handed up from the local reader: small enough to stream, large enough to be cheap. */
const PAGE = 4096;

function* pages<T>(items: Iterable<T>): Generator<T[]> {
  let page: T[] = [];
  for (const item of items) {
    page.push(item);
    if (page.length === PAGE) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
}

/** A project database in the local data directory, read through the synchronous SQLite reader. */
class LocalProject implements ProjectReader {
  constructor(private readonly store: ProjectStore, readonly identity: string) {}

  get notices(): string[] {
    return this.store.notices;
  }

  get project(): string {
    return this.store.project;
  }

  changed = () => this.store.db.changedSinceOpen();
  runs = () => Promise.resolve(this.store.runs());
  resolveRun = (run?: string | null, runId?: string | null) =>
    Promise.resolve(this.store.resolveRun(run, runId));
  metricNames = (run: RunRef, sampleRows?: number) =>
    Promise.resolve(this.store.metricNames(run, sampleRows));
  metricNamesIn = (run: RunRef, range: RowRange) =>
    Promise.resolve(this.store.metricNames(run, undefined, range));
  runStats = (run: RunRef, range?: RowRange) => Promise.resolve(this.store.runStats(run, range));
  lastStep = () => Promise.resolve(this.store.lastStep());
  config = (run: RunRef) => Promise.resolve(this.store.config(run));
  hasMetric = (run: RunRef, metric: string) => Promise.resolve(this.store.hasMetric(run, metric));
  countRows = (run: RunRef, filter?: RowFilter) => Promise.resolve(this.store.countRows(run, filter));
  rowMarks = (run: RunRef, steps: number[], upTo: RowCursor) =>
    Promise.resolve(this.store.rowMarks(run, steps, upTo));
  checkRows = (run: RunRef, check: RowsCheck) => Promise.resolve(this.store.checkRows(run, check));
  alerts = (run?: RunRef, level?: string, since?: string) =>
    Promise.resolve(this.store.alerts(run, level, since));
  systemMetrics = (run: RunRef) => Promise.resolve(this.store.systemMetrics(run));
  metricPointsIn = (run: RunRef, metric: string, range: RowRange) =>
    Promise.resolve(this.store.metricPointsIn(run, metric, range));
  timestampsOf = (ids: number[]) => Promise.resolve(this.store.timestampsOf(ids));
  metricValuesJson = (run: RunRef, metric: string, filter?: RowFilter) =>
    Promise.resolve(this.store.metricValuesJson(run, metric, filter));
  query = (sql: string, maxRows: number, maxBytes?: number): Promise<QueryResult> =>
    Promise.resolve(runLocalQuery(this.store.db, sql, maxRows, maxBytes));

  async *metricValues(run: RunRef, metric: string, filter?: RowFilter): AsyncIterable<MetricPoint[]> {
    yield* pages(this.store.metricValues(run, metric, filter));
  }

  async *rows(run: RunRef, filter?: RowFilter): AsyncIterable<LogRow[]> {
    yield* pages(this.store.rows(run, filter));
  }

  downsampledValues(run: RunRef, metric: string, filter: RowFilter, maxPoints: number) {
    const stats = this.store.runStats(run);
    const points = this.store.metricValues(run, metric, filter);
    return Promise.resolve(downsampleMinMax(points, maxPoints, stats.first_step ?? 0, stats.last_step ?? 0));
  }

  /** Two passes when thinning: one to choose the rows, one to fetch them, so memory stays bounded. */
  thinnedRows(run: RunRef, maxRows: number): Promise<ThinnedRows> {
    const total = this.store.countRows(run);
    const keep = total > maxRows
      ? selectRows(this.store.rows(run), total, maxRows, this.store.metricNames(run).length)
      : undefined;
    const rows: LogRow[] = [];
    let index = 0;
    for (const row of this.store.rows(run)) {
      if (!keep || keep.has(index)) rows.push(row);
      index++;
    }
    return Promise.resolve({ rows, total, thinned: keep !== undefined });
  }

  scanRows(
    run: RunRef,
    after: RowCursor | undefined,
    visit: (step: number, metrics: Record<string, unknown>) => void,
  ): Promise<RowCursor | undefined> {
    return Promise.resolve(this.store.scanRows(run, after, visit));
  }
}

/** A file by its device and inode: the same path holding another file is another identity. */
function fileIdentity(path: string): string {
  try {
    const info = Deno.statSync(path);
    return `file:${path}:${info.dev}:${info.ino}`;
  } catch {
    return `file:${path}:gone`;
  }
}

/** The local data directory: one Trackio SQLite file per project. */
export class LocalSource implements Source {
  readonly kind = "local";
  constructor(readonly dataDir: DataDir) {}

  get place(): string {
    return this.dataDir.path;
  }

  get origin(): string {
    return this.dataDir.source;
  }

  get location(): string {
    return `${this.place} (from ${this.origin})`;
  }

  /** Fails when the data directory cannot be what the user meant (see `dataDirError`). */
  private requireDir(): void {
    const error = dataDirError(this.dataDir);
    if (error) throw error;
  }

  projects(): Promise<string[]> {
    this.requireDir();
    return Promise.resolve(listProjectNames(this.dataDir.path));
  }

  /** Any `{name}.db` but a directory is the project, so a FIFO or device is reported, not "not found". */
  hasProject(project: string): Promise<boolean> {
    try {
      return Promise.resolve(!Deno.statSync(projectDbPath(this.dataDir.path, project)).isDirectory);
    } catch {
      return Promise.resolve(false);
    }
  }

  async withProject<T>(project: string, read: (reader: ProjectReader) => Promise<T>): Promise<T> {
    this.requireDir();
    if (!(await this.hasProject(project))) throw this.unknownProject(project);
    const path = projectDbPath(this.dataDir.path, project);
    return await withDatabase(
      path,
      `project '${project}'`,
      (db) => read(new LocalProject(new ProjectStore(db, project), fileIdentity(path))),
    );
  }

  private unknownProject(project: string): Error {
    const { path, source } = this.dataDir;
    const names = listProjectNames(path);
    if (names.length === 0) {
      return notFound(
        `project '${project}' not found: no Trackio projects in ${path} (from ${source})`,
        "point trackio-cli at your data with --dir or TRACKIO_DIR",
        { tool: "doctor", args: {}, shows: "where it looks" },
      );
    }
    return notFound(
      `project '${project}' not found in ${path}.${didYouMean(project, names)}`,
      undefined,
      { tool: "get_all_projects", args: {}, shows: "the projects" },
    );
  }

  async health(): Promise<SourceHealth> {
    const { path, source } = this.dataDir;
    let exists = false;
    try {
      exists = Deno.statSync(path).isDirectory;
    } catch {
      exists = false;
    }
    const env = Object.fromEntries(
      ["TRACKIO_DIR", "HF_HOME", "XDG_CACHE_HOME"].map((k) => [k, readEnv(k) ?? null]),
    );
    const projects: ProjectHealth[] = [];
    const problems: string[] = [];
    // doctor reports what is wrong with the directory instead of failing on it: that is its job.
    const dirError = dataDirError(this.dataDir);
    if (!exists && (!dirError || dirError.code === "not_found")) {
      problems.push(
        `${
          shownPath(path)
        } does not exist: Trackio has not logged here. Set TRACKIO_DIR or pass --dir to where your *.db files are.`,
      );
    } else if (dirError) problems.push(dirError.message);
    else {
      try {
        for (const name of listProjectNames(path)) projects.push(await inspect(path, name, problems));
        if (projects.length === 0) problems.push(`${shownPath(path)} holds no *.db project files`);
      } catch (error) {
        problems.push(asCliError(error).message);
      }
    }
    for (const p of projects) if (p.error) problems.push(p.error);
    return { data_dir: path, source, exists, env, server: null, projects, problems };
  }
}

function sizeOf(path: string): number | null {
  try {
    return Deno.statSync(path).size;
  } catch {
    return null;
  }
}

/** A project's facts for `doctor`; what is wrong with its rows goes to `problems`. */
async function inspect(dir: string, project: string, problems: string[]): Promise<ProjectHealth> {
  const file = projectDbPath(dir, project);
  const health: ProjectHealth = {
    project,
    file,
    size_bytes: sizeOf(file) ?? 0,
    generation: null,
    journal: null,
    wal_bytes: sizeOf(`${file}-wal`),
    runs: null,
    rows: null,
    bad_rows: null,
    error: null,
  };
  try {
    health.journal = readHeader(file, `project '${project}'`).walMode ? "wal" : "rollback";
    await withDatabase(file, `project '${project}'`, (db) => {
      const store = new ProjectStore(db, project);
      health.generation = generationOf(store.schema);
      health.runs = store.runs().length;
      health.rows = store.hasMetrics ? Number(db.get("SELECT COUNT(*) AS n FROM metrics")?.n ?? 0) : 0;
      const bad = badRowsReport(project, store.hasMetrics ? db.all(BAD_ROWS_BY_RUN_SQL) : []);
      health.bad_rows = bad.count;
      problems.push(...bad.problems);
    });
  } catch (error) {
    health.error = asCliError(error).message;
  }
  return health;
}
