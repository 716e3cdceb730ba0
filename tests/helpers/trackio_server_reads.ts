/**
 * Trackio 0.36's read tools (`trackio/server.py` over `SQLiteStorage`), re-implemented on the
 * three schema generations: v0.5 (metrics + configs by run_name), pre-runid (adds alerts and
 * system_metrics, still by run_name) and current (run_id columns). Arguments arrive as Trackio's
 * handler would receive them, so wrong types fail as they fail in Python.
 */
import { join } from "node:path";
import {
  apiError,
  codePointCompare,
  isDict,
  pyArith,
  pyException,
  PyFloat,
  pyInt,
  pyStrip,
  pyTypeName,
  type PyValue,
} from "./trackio_py.ts";
import {
  asDict,
  deserializeValues,
  isNoSuchTable,
  loadJson,
  pathExists,
  projectDbPath,
  type Row,
  TrackioConn,
} from "./trackio_sqlite.ts";

type Dict = { [key: string]: PyValue };

/** Runs `read` on the project's file, or returns `missing` when there is no file (Trackio never errors). */
function withProject<T>(dir: string, project: PyValue, missing: T, read: (conn: TrackioConn) => T): T {
  const path = projectDbPath(dir, project);
  if (!pathExists(path)) return missing;
  const conn = new TrackioConn(path);
  try {
    return read(conn);
  } finally {
    conn.close();
  }
}

function catchNoSuchTable<T>(table: string, fallback: T, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (isNoSuchTable(e, table)) return fallback;
    throw e;
  }
}

/** `_subsample_metric_rows`: evenly spaced rows, always keeping the last one. */
function subsample<T>(rows: T[], maxPoints: number): T[] {
  if (rows.length <= maxPoints) return rows;
  const stride = rows.length / maxPoints;
  const indices = new Set<number>();
  for (let i = 0; i < maxPoints; i++) indices.add(Math.trunc(i * stride));
  indices.add(rows.length - 1);
  return [...indices].sort((a, b) => a - b).map((i) => rows[i]);
}

export function getAllProjects(dir: string): string[] {
  if (!pathExists(dir)) return [];
  const stems = new Set<string>();
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.name.endsWith(".db")) stems.add(entry.name === ".db" ? entry.name : entry.name.slice(0, -3));
  }
  return [...stems].sort(codePointCompare);
}

function runRecords(conn: TrackioConn): Dict[] {
  return catchNoSuchTable("metrics", [], () => {
    if (conn.supportsRunIds()) {
      return conn.all(
        `SELECT run_id, run_name, MIN(timestamp) AS created_at FROM metrics
         GROUP BY run_id, run_name ORDER BY created_at ASC`,
      ).map((r) => ({
        id: r.run_id as PyValue,
        name: r.run_name as PyValue,
        created_at: r.created_at as PyValue,
      }));
    }
    return conn.all(
      "SELECT run_name, MIN(timestamp) AS created_at FROM metrics GROUP BY run_name ORDER BY created_at ASC",
    ).map((r) => ({
      id: r.run_name as PyValue,
      name: r.run_name as PyValue,
      created_at: r.created_at as PyValue,
    }));
  });
}

export function getRunsForProject(dir: string, project: PyValue): Dict[] {
  return withProject(dir, project, [], runRecords);
}

export function getRunConfigs(dir: string, project: PyValue): Dict {
  return withProject(dir, project, {}, (conn) =>
    catchNoSuchTable("configs", {}, () => {
      const col = conn.supportsRunIds("configs") ? "run_id" : "run_name";
      const out: Dict = {};
      for (const row of conn.all(`SELECT ${col}, config FROM configs`)) {
        out[String(row[col])] = deserializeValues(loadJson(row.config));
      }
      return out;
    }));
}

function metricNames(
  conn: TrackioConn,
  run: PyValue,
  runId: PyValue,
  table: string,
  exclude: string[],
): string[] {
  return catchNoSuchTable(table, [], () => {
    const identity = conn.resolveRun(run, runId, table);
    if (identity === null) return [];
    const names = new Set<string>();
    for (
      const row of conn.all(`SELECT metrics FROM ${table} WHERE ${identity[0]} = ? ORDER BY timestamp`, [
        identity[1],
      ])
    ) {
      for (const key of Object.keys(asDict(deserializeValues(loadJson(row.metrics))))) {
        if (!exclude.includes(key)) names.add(key);
      }
    }
    return [...names].sort(codePointCompare);
  });
}

export function getMetricsForRun(dir: string, project: PyValue, run: PyValue, runId: PyValue): string[] {
  return withProject(
    dir,
    project,
    [],
    (conn) => metricNames(conn, run, runId, "metrics", ["timestamp", "step"]),
  );
}

export function getSystemMetricsForRun(
  dir: string,
  project: PyValue,
  run: PyValue,
  runId: PyValue,
): string[] {
  return withProject(
    dir,
    project,
    [],
    (conn) => metricNames(conn, run, runId, "system_metrics", ["timestamp"]),
  );
}

export interface Window {
  step: PyValue;
  aroundStep: PyValue;
  atTime: PyValue;
  window: PyValue;
}

/**
 * The step / around_step / at_time filter shared by get_metric_values and get_snapshot. The
 * at_time form is Trackio's own SQL, which compares ISO text with `datetime()` text on purpose:
 * the double answers as Trackio answers, wrong windows included.
 */
function windowFilter(w: Window): [string, PyValue[]] {
  if (w.step !== null) return [" AND step = ?", [w.step]];
  if (w.aroundStep !== null && w.window !== null) {
    const low = pyArith("-", w.aroundStep, pyInt(w.window));
    const high = pyArith("+", w.aroundStep, pyInt(w.window));
    return [" AND step >= ? AND step <= ?", [low, high]];
  }
  if (w.atTime !== null && w.window !== null) {
    return [
      " AND timestamp >= datetime(?, '-' || ? || ' seconds') AND timestamp <= datetime(?, '+' || ? || ' seconds')",
      [w.atTime, pyInt(w.window), w.atTime, pyInt(w.window)],
    ];
  }
  return ["", []];
}

function windowRows(conn: TrackioConn, identity: [string, PyValue], w: Window): Row[] {
  const [filter, params] = windowFilter(w);
  return conn.all(
    `SELECT timestamp, step, metrics FROM metrics WHERE ${identity[0]} = ?${filter} ORDER BY timestamp`,
    [identity[1], ...params],
  );
}

export function getMetricValues(
  dir: string,
  project: PyValue,
  run: PyValue,
  metricName: PyValue,
  w: Window,
  runId: PyValue,
): Dict[] {
  return withProject(dir, project, [], (conn) => {
    const identity = conn.resolveRun(run, runId);
    if (identity === null) return [];
    const out: Dict[] = [];
    for (const row of windowRows(conn, identity, w)) {
      const metrics = asDict(deserializeValues(loadJson(row.metrics)));
      // `metric_name in metrics`: only a str can be a key; a list or dict is not even hashable.
      if (Array.isArray(metricName) || isDict(metricName)) {
        throw pyException(`unhashable type: '${pyTypeName(metricName)}'`);
      }
      if (typeof metricName === "string" && Object.hasOwn(metrics, metricName)) {
        out.push({
          timestamp: row.timestamp as PyValue,
          step: row.step as PyValue,
          value: metrics[metricName],
        });
      }
    }
    return out;
  });
}

export function getSnapshot(dir: string, project: PyValue, run: PyValue, runId: PyValue, w: Window): Dict {
  return withProject(dir, project, {}, (conn) => {
    const identity = conn.resolveRun(run, runId);
    if (identity === null) return {};
    const out = new Map<string, Dict[]>();
    for (const row of windowRows(conn, identity, w)) {
      for (const [key, value] of Object.entries(asDict(deserializeValues(loadJson(row.metrics))))) {
        if (!out.has(key)) out.set(key, []);
        out.get(key)!.push({ timestamp: row.timestamp as PyValue, step: row.step as PyValue, value });
      }
    }
    return Object.fromEntries(out);
  });
}

export function getProjectSummary(dir: string, project: PyValue): Dict {
  const runs = getRunsForProject(dir, project);
  if (runs.length === 0) return { project, num_runs: 0, runs: [], last_activity: null };
  const lastSteps = withProject(
    dir,
    project,
    [] as PyValue[],
    (conn) =>
      catchNoSuchTable("metrics", [] as PyValue[], () => {
        const key = conn.supportsRunIds() ? "run_id, run_name" : "run_name";
        return conn.all(`SELECT MAX(step) AS max_step FROM metrics GROUP BY ${key}`).map((r) =>
          r.max_step as PyValue
        );
      }),
  );
  const numeric = lastSteps.map((s) => (s instanceof PyFloat ? s.value : Number(s)));
  const last = lastSteps.length ? lastSteps[numeric.indexOf(Math.max(...numeric))] : null;
  return { project, num_runs: runs.length, runs, last_activity: last };
}

export function getRunSummary(dir: string, project: PyValue, run: PyValue, runId: PyValue): Dict {
  if (runId !== null) {
    const record = getRunsForProject(dir, project).find((r) => typeof runId === "string" && r.id === runId);
    if (record) run = record.name;
  }
  const unknown = { project, run, run_id: runId, num_logs: 0, metrics: [], config: null, last_step: null };
  return withProject(dir, project, unknown, (conn) => {
    const numLogs = catchNoSuchTable("metrics", 0 as PyValue, () => {
      const identity = conn.resolveRun(run, runId);
      if (identity === null) return 0;
      return conn.all(`SELECT COUNT(*) AS n FROM metrics WHERE ${identity[0]} = ?`, [identity[1]])[0]
        .n as PyValue;
    });
    if (numLogs === 0) return unknown;
    const metrics = metricNames(conn, run, runId, "metrics", ["timestamp", "step"]);
    const config = catchNoSuchTable("configs", null as PyValue, () => {
      const identity = conn.resolveRun(run, runId);
      if (identity === null) return null;
      const col = conn.tableColumns("configs").has("run_id") ? "run_id" : "run_name";
      const rows = conn.all(`SELECT config FROM configs WHERE ${col} = ?`, [identity[1]]);
      return rows.length ? deserializeValues(loadJson(rows[0].config)) : null;
    });
    const lastStep = catchNoSuchTable("metrics", null as PyValue, () => {
      const identity = conn.resolveRun(run, runId);
      if (identity === null) return null;
      return conn.all(`SELECT MAX(step) AS s FROM metrics WHERE ${identity[0]} = ?`, [identity[1]])[0]
        .s as PyValue;
    });
    return { project, run, run_id: runId, num_logs: numLogs, metrics, config, last_step: lastStep };
  });
}

export function getAlerts(
  dir: string,
  project: PyValue,
  run: PyValue,
  runId: PyValue,
  level: PyValue,
  since: PyValue,
): Dict[] {
  return withProject(dir, project, [], (conn) =>
    catchNoSuchTable("alerts", [], () => {
      const conditions: string[] = [];
      const params: PyValue[] = [];
      const identity = conn.resolveRun(run, runId, "alerts");
      if (identity !== null) {
        conditions.push(`${identity[0]} = ?`);
        params.push(identity[1]);
      } else if (run !== null || runId !== null) return [];
      if (level !== null) {
        conditions.push("level = ?");
        params.push(level);
      }
      if (since !== null) {
        conditions.push("timestamp > ?");
        params.push(since);
      }
      const where = conditions.length ? ` WHERE ${conditions.join(" AND ")}` : "";
      return conn.all(
        `SELECT timestamp, run_name, title, text, level, step FROM alerts${where} ORDER BY timestamp DESC`,
        params,
      ).map((r) => ({
        timestamp: r.timestamp as PyValue,
        run: r.run_name as PyValue,
        title: r.title as PyValue,
        text: r.text as PyValue,
        level: r.level as PyValue,
        step: r.step as PyValue,
      }));
    }));
}

export function getSystemLogs(dir: string, project: PyValue, run: PyValue, runId: PyValue): Dict[] {
  return withProject(dir, project, [], (conn) =>
    catchNoSuchTable("system_metrics", [], () => {
      const identity = conn.resolveRun(run, runId, "system_metrics");
      if (identity === null) return [];
      const rows = conn.all(
        `SELECT timestamp, metrics FROM system_metrics WHERE ${identity[0]} = ? ORDER BY timestamp`,
        [identity[1]],
      );
      return subsample(rows, 3000).map((row) => ({
        ...asDict(deserializeValues(loadJson(row.metrics))),
        timestamp: row.timestamp as PyValue,
      }));
    }));
}

/** server.py's `_normalize_bool_param`. */
function normalizeBool(value: PyValue, name: string): boolean {
  if (value === null) return false;
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const s = pyStrip(value).toLowerCase();
    if (["true", "1", "yes", "on"].includes(s)) return true;
    if (["false", "0", "no", "off", ""].includes(s)) return false;
  }
  throw apiError(`${name} must be a boolean`);
}

/**
 * `scalar_only` keeps numbers (not booleans) and histograms as stored, without decoding the
 * "NaN"/"Infinity" strings, so non-finite values drop out instead of becoming null.
 */
function scalarOnly(metrics: Dict): Dict {
  return Object.fromEntries(
    Object.entries(metrics).filter(([, v]) =>
      typeof v === "number" || typeof v === "bigint" || v instanceof PyFloat ||
      (isDict(v) && v._type === "trackio.histogram")
    ),
  );
}

export function getLogs(
  dir: string,
  project: PyValue,
  run: PyValue,
  runId: PyValue,
  scalar: PyValue,
): Dict[] {
  const scalarFlag = normalizeBool(scalar, "scalar_only");
  return withProject(dir, project, [], (conn) =>
    catchNoSuchTable("metrics", [], () => {
      const identity = conn.resolveRun(run, runId);
      if (identity === null) return [];
      const rows = conn.all(
        `SELECT timestamp, step, metrics FROM metrics WHERE ${identity[0]} = ? ORDER BY timestamp`,
        [identity[1]],
      );
      return subsample(rows, 3000).map((row) => {
        const loaded = asDict(loadJson(row.metrics));
        const metrics = scalarFlag ? scalarOnly(loaded) : asDict(deserializeValues(loaded));
        return { ...metrics, timestamp: row.timestamp as PyValue, step: row.step as PyValue };
      });
    }));
}

/** Paths under the server's install are machine-specific; the recordings replaced them too. */
export function getSettings(dir: string): Dict {
  const logo = (theme: string) =>
    `/file?path=<site-packages>/trackio/assets/trackio_logo_type_${theme}_transparent.png`;
  return {
    logo_urls: { light: logo("light"), dark: logo("dark") },
    color_palette: [
      "#A8769B",
      "#E89957",
      "#3B82F6",
      "#10B981",
      "#EF4444",
      "#8B5CF6",
      "#14B8A6",
      "#F59E0B",
      "#EC4899",
      "#06B6D4",
    ],
    plot_order: [],
    table_truncate_length: 250,
    media_dir: join(dir, "media"),
    space_id: null,
  };
}
