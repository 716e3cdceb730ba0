import { dataError, refused, usageError } from "../errors.ts";
import type { ReadOnlyDatabase } from "./open.ts";
import { QUERY_BYTE_BUDGET, QUERY_VALUE_LIMIT, rowsWithinBudget, VALUE_OVERHEAD } from "./query_budget.ts";
import { stripLeadingComments } from "./sql_guard.ts";
import type { QueryResult } from "./source.ts";

function cell(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    // Trackio stores its JSON columns as BLOBs; show them as the text they are.
    return new TextDecoder("utf-8", { fatal: false }).decode(value);
  }
  if (typeof value === "bigint") return Number(value);
  return value;
}

type Statement = ReturnType<ReadOnlyDatabase["db"]["prepare"]>;

/** Present in Deno's node:sqlite, missing from the bundled Node typings. */
function returnArrays(statement: Statement): Statement {
  (statement as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(true);
  return statement;
}

/** Present in Deno's node:sqlite (Node's `database.limits`), missing from the bundled Node typings. */
const limitsOf = (db: ReadOnlyDatabase) => (db.db as unknown as { limits: { length: number } }).limits;

function runStatement<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/readonly|read-only/i.test(message)) throw refused("query: writes are not allowed");
    if (/string or blob too big/i.test(message)) {
      throw usageError(
        `query: the statement builds a value over ${
          QUERY_VALUE_LIMIT / 1024 / 1024
        } MiB, more than a query may`,
        "select its size or a part of it instead: length(x), substr(x, 1, 200)",
      );
    }
    throw usageError(`query: ${message}`);
  }
}

const QUERY = "trackio_cli_query";
const SIZE = "trackio_cli_size";

/**
 * A row's size in SQL, as `octet_length` counts each value, so that a value is measured without
 * being handed to JavaScript. Sums of at most 100 terms nest, to stay under SQLite's expression
 * depth limit for results with up to 2000 columns.
 */
function rowSizeSql(names: string[]): string {
  const terms = names.map((c) => `ifnull(octet_length(${c}), 0)`);
  const groups: string[] = [];
  for (let i = 0; i < terms.length; i += 100) groups.push(`(${terms.slice(i, i + 100).join(" + ")})`);
  return `${groups.join(" + ") || "0"} + ${names.length * VALUE_OVERHEAD}`;
}

/**
 * Runs one read-only statement (checked by `checkReadOnlySql`) on a local project file, reading no
 * more than `limit` rows and `budget` bytes. A first pass asks SQLite for each row's size only; the
 * second fetches the rows that fit, a row at a time, so neither a huge value nor many rows are ever
 * held beyond the budget. (Deno's `iterate()` ends silently on an error; the first pass, read with
 * `all()`, is what surfaces errors, and the second pass is checked against it.)
 */
export function runLocalQuery(
  db: ReadOnlyDatabase,
  sql: string,
  limit: number,
  budget = QUERY_BYTE_BUDGET,
): QueryResult {
  const limits = limitsOf(db);
  const before = limits.length;
  limits.length = QUERY_VALUE_LIMIT;
  try {
    return runLimited(db, sql, limit, budget);
  } finally {
    limits.length = before;
  }
}

function runLimited(db: ReadOnlyDatabase, sql: string, limit: number, budget: number): QueryResult {
  let statement;
  try {
    statement = db.db.prepare(sql);
  } catch (error) {
    throw usageError(`query: ${error instanceof Error ? error.message : String(error)}`);
  }
  const rest = sql.slice(statement.sourceSQL.length);
  if (stripLeadingComments(rest).replace(/^[;\s]+/, "") !== "") {
    throw usageError("query: one statement at a time");
  }
  if (statement.columns().length === 0) {
    // A statement without result columns is a write or DDL wearing a WITH; never run it.
    throw refused("query: writes are not allowed; the statement returns no rows");
  }
  const body = statement.sourceSQL.trim().replace(/;+$/, "");
  if (/^(pragma|explain)\b/i.test(stripLeadingComments(body))) {
    return smallStatement(statement, limit, budget);
  }

  const columns = runStatement(() =>
    db.db.prepare(`SELECT * FROM (\n${body}\n)`).columns().map((c) => c.name)
  );
  const names = columns.map((_, i) => `c${i}`);
  // Columns by position: a result may repeat a name or use one no identifier can spell.
  const source = `WITH ${QUERY}(${names.join(", ")}) AS (\n${body}\n)`;
  return db.snapshot(() => {
    const sizes = runStatement(() =>
      returnArrays(db.db.prepare(`${source} SELECT ${rowSizeSql(names)} FROM ${QUERY} LIMIT ${limit + 1}`))
        .all() as unknown as [number][]
    );
    let fit = 0;
    let total = 0;
    while (fit < Math.min(sizes.length, limit) && total + Number(sizes[fit][0]) <= budget) {
      total += Number(sizes[fit][0]);
      fit++;
    }
    const overBudget = fit < Math.min(sizes.length, limit)
      ? { nextRowBytes: Number(sizes[fit][0]), budget }
      : undefined;
    const rows = fit === 0 ? [] : fetchRows(db, source, names, columns, fit, budget);
    return { columns, rows, truncated: sizes.length > rows.length, ...(overBudget ? { overBudget } : {}) };
  });
}

/**
 * The first `count` rows, each row's values withheld by SQLite when the row alone is over the budget
 * (a statement whose values change between reads, like `random()`, cannot slip a huge one through).
 */
function fetchRows(
  db: ReadOnlyDatabase,
  source: string,
  names: string[],
  columns: string[],
  count: number,
  budget: number,
): Record<string, unknown>[] {
  const guarded = names.map((c) => `CASE WHEN ${SIZE} <= ${budget} THEN ${c} END`);
  const select = runStatement(() =>
    returnArrays(db.db.prepare(
      `${source}, trackio_cli_sized AS (SELECT ${rowSizeSql(names)} AS ${SIZE}, ${names.join(", ")} ` +
        `FROM ${QUERY} LIMIT ${count}) SELECT ${SIZE}, ${guarded.join(", ")} FROM trackio_cli_sized`,
    ))
  );
  const rows: Record<string, unknown>[] = [];
  let total = 0;
  for (const raw of runStatement(() => select.iterate()) as Iterable<unknown[]>) {
    total += Number(raw[0]);
    if (total > budget) break;
    rows.push(Object.fromEntries(columns.map((c, i) => [c, cell(raw[i + 1])])));
  }
  if (rows.length < count && total <= budget) {
    throw dataError("query: the statement failed when its rows were read (a second read gave fewer rows)");
  }
  return rows;
}

/** EXPLAIN and schema pragmas: small answers, read whole and then held to the same budget. */
function smallStatement(statement: Statement, limit: number, budget: number): QueryResult {
  const reading = returnArrays(statement);
  const columns = reading.columns().map((c) => c.name);
  const arrays = runStatement(() => reading.all() as unknown as unknown[][]);
  const all = arrays.slice(0, limit).map((row) =>
    Object.fromEntries(columns.map((c, i) => [c, cell(row[i])]))
  );
  const { rows, nextRowBytes } = rowsWithinBudget(all, budget);
  const overBudget = nextRowBytes === undefined ? undefined : { nextRowBytes, budget };
  return { columns, rows, truncated: arrays.length > rows.length, ...(overBudget ? { overBudget } : {}) };
}
