/**
 * Read-only access to Trackio project files for the Trackio test double, with the error behaviour
 * of Python's sqlite3 module: SQL errors surface at prepare time, and a parameter of a type
 * sqlite3 cannot bind fails with CPython's message after that.
 */
import { DatabaseSync, type SQLInputValue, type SQLOutputValue } from "node:sqlite";
import { join } from "node:path";
import {
  canonicalProjectName,
  isDict,
  parsePyJson,
  PyError,
  pyException,
  PyFloat,
  pyTypeName,
  type PyValue,
} from "./trackio_py.ts";

export function projectDbPath(dir: string, project: PyValue): string {
  return join(dir, `${canonicalProjectName(project)}.db`);
}

/** `Path.exists()`: a directory named `x.db` counts too, as it does for Trackio. */
export function pathExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Opens a project file without ever writing to it. `immutable=1` keeps SQLite from creating
 * -wal/-shm files; only while a writer owns both sidecars (a run in progress) is the file opened
 * in plain read-only mode instead, so that rows still in the WAL are seen as Trackio sees them.
 */
export function openReadOnly(path: string, options: { doubleQuotedStrings?: boolean } = {}): DatabaseSync {
  const url = new URL("file:///");
  url.pathname = path;
  const live = pathExists(`${path}-wal`) && pathExists(`${path}-shm`);
  url.search = live ? "mode=ro" : "immutable=1";
  return new DatabaseSync(url, {
    readOnly: true,
    enableDoubleQuotedStringLiterals: options.doubleQuotedStrings ?? false,
  });
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Binds as sqlite3 does: bool and int as INTEGER, float as REAL; lists and dicts are refused. */
export function toSqlParam(v: PyValue, index: number): SQLInputValue {
  if (v === null || typeof v === "string") return v;
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === "bigint") {
    if (v < INT64_MIN || v > INT64_MAX) {
      throw pyException("Python int too large to convert to SQLite INTEGER");
    }
    return v;
  }
  if (v instanceof PyFloat) return v.value;
  throw pyException(`Error binding parameter ${index}: type '${pyTypeName(v)}' is not supported`);
}

/** An INTEGER as a Python int, a REAL as a Python float (so `1.0` keeps its `.0`). */
export function fromSql(v: SQLOutputValue): PyValue | Uint8Array {
  if (typeof v === "bigint") {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  if (typeof v === "number") return Number.isInteger(v) ? new PyFloat(v) : v;
  return v;
}

export type Row = Record<string, PyValue | Uint8Array>;

/** One request's connection, as Trackio's `_get_connection` gives one per call. */
export class TrackioConn {
  readonly #db: DatabaseSync;
  readonly #columns = new Map<string, Set<string>>();

  constructor(path: string) {
    this.#db = openReadOnly(path);
  }

  close(): void {
    this.#db.close();
  }

  all(sql: string, params: PyValue[] = []): Row[] {
    const stmt = this.#db.prepare(sql);
    const bound = params.map((p, i) => toSqlParam(p, i + 1));
    stmt.setReadBigInts(true);
    return stmt.all(...bound).map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, fromSql(v as SQLOutputValue)]))
    );
  }

  /** Trackio's `_table_columns`: an absent table has no columns. */
  tableColumns(table: string): Set<string> {
    let cols = this.#columns.get(table);
    if (!cols) {
      try {
        cols = new Set(this.all(`PRAGMA table_info(${table})`).map((r) => String(r.name)));
      } catch {
        cols = new Set();
      }
      this.#columns.set(table, cols);
    }
    return cols;
  }

  supportsRunIds(table = "metrics"): boolean {
    return this.tableColumns(table).has("run_id");
  }

  /**
   * Trackio's `_resolve_run_identity`: with run ids, an explicit run_id wins and a name means the
   * run of that name whose first row is the most recent; without them the name is the identity.
   */
  resolveRun(runName: PyValue, runId: PyValue, table = "metrics"): [string, PyValue] | null {
    if (this.supportsRunIds(table)) {
      if (runId !== null) return ["run_id", runId];
      if (runName === null) return null;
      const source = this.tableColumns(table).has("timestamp") ? table : "metrics";
      const rows = this.all(
        `SELECT run_id FROM ${source} WHERE run_name = ? GROUP BY run_id ORDER BY MIN(timestamp) DESC LIMIT 1`,
        [runName],
      );
      return rows.length ? ["run_id", rows[0].run_id as PyValue] : null;
    }
    const resolved = runName !== null ? runName : runId;
    return resolved === null ? null : ["run_name", resolved];
  }
}

/** `orjson.loads` of a metrics/config column (stored as a BLOB by current Trackio, TEXT by some). */
export function loadJson(value: PyValue | Uint8Array): PyValue {
  const text = value instanceof Uint8Array ? new TextDecoder().decode(value) : String(value);
  try {
    return parsePyJson(text);
  } catch (e) {
    throw pyException(e instanceof Error ? e.message : String(e));
  }
}

/** Trackio's `deserialize_values`: top-level "NaN"/"Infinity"/"-Infinity" strings become floats. */
export function deserializeValues(v: PyValue): PyValue {
  if (!isDict(v)) return v;
  const out: { [key: string]: PyValue } = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = x === "Infinity" ? Infinity : x === "-Infinity" ? -Infinity : x === "NaN" ? NaN : x;
  }
  return out;
}

export function asDict(v: PyValue): { [key: string]: PyValue } {
  if (isDict(v)) return v;
  throw pyException(`'${pyTypeName(v)}' object is not a mapping`);
}

/** Trackio's `except sqlite3.OperationalError as e: if "no such table: X" in str(e)`. */
export function isNoSuchTable(e: unknown, table: string): boolean {
  return e instanceof Error && !(e instanceof PyError) && e.message.includes(`no such table: ${table}`);
}
