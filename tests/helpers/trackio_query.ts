/**
 * Trackio 0.36's `query_project`: a prefix check, one statement only, an authorizer that allows
 * reads and five introspection PRAGMAs, at most 10,000 rows, BLOBs as hex. The recorded server
 * ran SQLite 3.40.1 through Python's sqlite3; where SQLite here (newer) would answer differently,
 * the double answers as 3.40.1 did (trackio_sqlite340.ts).
 */
import type { SQLOutputValue, StatementSync } from "node:sqlite";
import { pyException, pyRstrip, pyStr, pyStrip, pyTypeName, type PyValue } from "./trackio_py.ts";
import { fromSql, openReadOnly, pathExists, projectDbPath } from "./trackio_sqlite.ts";
import {
  install340,
  prepareError340,
  refusal340,
  setAuthorizer,
  SQLITE_DENY,
  SQLITE_FUNCTION,
  SQLITE_OK,
  SQLITE_PRAGMA,
  SQLITE_READ,
  SQLITE_SELECT,
} from "./trackio_sqlite340.ts";

const QUERY_MAX_ROWS = 10_000;
const READ_ONLY_PREFIXES = ["select", "with", "pragma"];
const READ_ONLY_PRAGMAS = new Set(["table_info", "table_xinfo", "index_list", "index_info", "index_xinfo"]);

function validateReadOnlyQuery(query: PyValue): string {
  if (typeof query !== "string") throw pyException(`'${pyTypeName(query)}' object has no attribute 'strip'`);
  const normalized = pyStrip(pyRstrip(pyStrip(query), ";"));
  if (!normalized) throw pyException("Query cannot be empty.");
  const lower = normalized.toLowerCase();
  if (!READ_ONLY_PREFIXES.some((p) => lower.startsWith(p))) {
    throw pyException("Only read-only SELECT, WITH, and safe PRAGMA queries are supported.");
  }
  return normalized;
}

/** Index just past the first statement's `;` (SQLite's tokenizer rules for quotes and comments), or -1. */
function firstStatementEnd(sql: string): number {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === "`") {
      const close = c;
      i++;
      while (i < sql.length) {
        if (sql[i] === close) {
          if (sql[i + 1] === close) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (c === "[") {
      const end = sql.indexOf("]", i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === ";") return i + 1;
    else i++;
  }
  return -1;
}

/** CPython's check after preparing: anything but spaces and comments after the statement is refused. */
function tailIsEmpty(tail: string): boolean {
  let i = 0;
  while (i < tail.length) {
    const c = tail[i];
    if (" \t\f\n\r".includes(c)) i++;
    else if (c === "-" && tail[i + 1] === "-") {
      const end = tail.indexOf("\n", i);
      if (end < 0) return true;
      i = end + 1;
    } else if (c === "/" && tail[i + 1] === "*") {
      const end = tail.indexOf("*/", i + 2);
      if (end < 0) return true;
      i = end + 2;
    } else return false;
  }
  return true;
}

function normalizeValue(v: SQLOutputValue): PyValue {
  if (v instanceof Uint8Array) return [...v].map((b) => b.toString(16).padStart(2, "0")).join("");
  return fromSql(v) as PyValue;
}

export interface QueryResult {
  project: PyValue;
  query: string;
  columns: string[];
  rows: Map<string, PyValue>[];
  row_count: number;
}

export function queryProject(dir: string, project: PyValue, query: PyValue): QueryResult {
  const path = projectDbPath(dir, project);
  if (!pathExists(path)) throw pyException(`Project '${pyStr(project)}' not found.`);
  const normalized = validateReadOnlyQuery(query);
  const db = openReadOnly(path, { doubleQuotedStrings: true });
  try {
    install340(db);
    const realTables = new Set(
      db.prepare("SELECT lower(name) AS n FROM sqlite_schema").all().map((r) => String(r.n)),
    );
    let emulated: string | null = null;
    setAuthorizer(db, (action, arg1, arg2) => {
      const denied = refusal340(normalized, action, arg1, arg2, realTables);
      if (denied !== null) {
        emulated ??= denied;
        return SQLITE_DENY;
      }
      if (action === SQLITE_SELECT || action === SQLITE_READ) return SQLITE_OK;
      if (action === SQLITE_FUNCTION) return SQLITE_OK;
      if (action === SQLITE_PRAGMA && READ_ONLY_PRAGMAS.has((arg1 ?? "").toLowerCase())) {
        return SQLITE_OK;
      }
      return SQLITE_DENY;
    });
    const end = firstStatementEnd(normalized);
    let stmt: StatementSync & { setReturnArrays(enabled: boolean): void };
    try {
      stmt = db.prepare(end < 0 ? normalized : normalized.slice(0, end)) as typeof stmt;
    } catch (e) {
      throw pyException(emulated ?? prepareError340(e instanceof Error ? e.message : String(e)));
    }
    if (end >= 0 && !tailIsEmpty(normalized.slice(end))) {
      throw pyException("You can only execute one statement at a time.");
    }
    stmt.setReadBigInts(true);
    stmt.setReturnArrays(true);
    const columns = stmt.columns().map((c) => c.name);
    // Python fetches at most 10,001 rows, so a runaway query costs nothing. all() throws a runtime
    // error (iterate() would end quietly), and a query run inside a LIMIT stops as early as Python;
    // so it runs once (a benchmark's server time is the query's, not twice the query's).
    let fetched: SQLOutputValue[][] = [];
    try {
      const sql = end < 0 ? normalized : normalized.slice(0, end);
      const capped = /^pragma\b/i.test(sql)
        ? stmt
        : db.prepare(`SELECT * FROM (${sql}) LIMIT ${QUERY_MAX_ROWS + 1}`) as typeof stmt;
      capped.setReadBigInts(true);
      capped.setReturnArrays(true);
      fetched = capped.all() as unknown as SQLOutputValue[][];
    } catch (e) {
      throw pyException(e instanceof Error ? e.message : String(e));
    }
    if (fetched.length > QUERY_MAX_ROWS) {
      throw pyException(
        `Query returned more than ${QUERY_MAX_ROWS} rows. Refine the query or add a LIMIT clause.`,
      );
    }
    // sqlite3.Row looks a name up case-insensitively (ASCII) and finds the first such column.
    const firstIndex = columns.map((name) => columns.findIndex((c) => asciiLower(c) === asciiLower(name)));
    const rows = fetched.map((values) => {
      const row = new Map<string, PyValue>();
      columns.forEach((name, i) => {
        if (!row.has(name)) row.set(name, normalizeValue(values[firstIndex[i]]));
      });
      return row;
    });
    return { project, query: normalized, columns, rows, row_count: rows.length };
  } finally {
    db.close();
  }
}

const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
