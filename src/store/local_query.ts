import { refused, usageError } from "../errors.ts";
import type { ReadOnlyDatabase } from "./open.ts";
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

/** Runs one read-only statement (checked by `checkReadOnlySql`) on a local project file. */
export function runLocalQuery(db: ReadOnlyDatabase, sql: string, limit: number): QueryResult {
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
  // The row cap is a LIMIT, so SQLite stops early; all(), not iterate(), so errors surface.
  const body = statement.sourceSQL.trim().replace(/;+$/, "");
  const capped = /^(pragma|explain)\b/i.test(stripLeadingComments(body))
    ? statement
    : db.db.prepare(`SELECT * FROM (\n${body}\n) LIMIT ${limit + 1}`);
  (capped as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(true);
  const columns = capped.columns().map((c) => c.name);
  let arrays: unknown[][];
  try {
    arrays = capped.all() as unknown as unknown[][];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/readonly|read-only/i.test(message)) throw refused("query: writes are not allowed");
    throw usageError(`query: ${message}`);
  }
  const truncated = arrays.length > limit;
  const rows = arrays.slice(0, limit).map((row) =>
    Object.fromEntries(columns.map((c, i) => [c, cell(row[i])]))
  );
  return { columns, rows, truncated };
}
