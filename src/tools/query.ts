import { z } from "zod";
import { refused, usageError } from "../errors.ts";
import { table } from "../util/table.ts";
import { formatNumber } from "../util/format.ts";
import { withProject } from "./context.ts";
import * as p from "./params.ts";
import { defineTool, output } from "./registry.ts";

export const DEFAULT_QUERY_ROWS = 1000;
/** The schema pragmas a reader needs; every other pragma could change state or is of no use. */
const READ_PRAGMAS =
  /^pragma\s+(main\.)?(table_info|table_xinfo|table_list|index_list|index_info|index_xinfo|foreign_key_list)\s*(\(\s*['"]?[\w/-]+['"]?\s*\))?\s*;?\s*$/i;

/** Drops leading SQL comments and blanks, so the first keyword can be judged. */
function stripLeadingComments(sql: string): string {
  let rest = sql.trimStart();
  while (true) {
    if (rest.startsWith("--")) {
      rest = rest.slice(rest.indexOf("\n") === -1 ? rest.length : rest.indexOf("\n")).trimStart();
    } else if (rest.startsWith("/*")) {
      rest = rest.slice(rest.indexOf("*/") === -1 ? rest.length : rest.indexOf("*/") + 2).trimStart();
    } else return rest;
  }
}

/**
 * Refuses anything but one reading statement: SELECT, WITH ... SELECT, VALUES, EXPLAIN, or a schema
 * pragma. The connection is read-only besides, so a write that slips past is refused by SQLite too.
 */
export function checkReadOnlySql(sql: string): void {
  const body = stripLeadingComments(sql);
  if (body === "") throw usageError("query: empty SQL");
  const keyword = body.match(/^\w+/)?.[0]?.toLowerCase() ?? "";
  if (keyword === "pragma") {
    if (!READ_PRAGMAS.test(body)) {
      throw refused("query: only schema pragmas (table_info, table_list, index_list, ...) are allowed");
    }
    return;
  }
  if (!["select", "with", "values", "explain"].includes(keyword)) {
    throw refused(
      `query: only read-only statements (SELECT, WITH, VALUES, EXPLAIN) are allowed, not ${
        keyword.toUpperCase() || "that"
      }`,
    );
  }
  if (/\b(attach|detach)\b/i.test(body.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g, ""))) {
    throw refused("query: ATTACH and DETACH are not allowed: a query reads one project database");
  }
}

function cell(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    // Trackio stores its JSON columns as BLOBs; show them as the text they are.
    return new TextDecoder("utf-8", { fatal: false }).decode(value);
  }
  if (typeof value === "bigint") return Number(value);
  return value;
}

const queryResult = z.object({
  columns: z.array(z.string()),
  rows: z.array(z.record(z.string(), z.unknown())),
  truncated: z.boolean(),
});
type QueryResult = z.infer<typeof queryResult>;

export const query = defineTool({
  name: "query",
  title: "Read-only SQL on a project",
  description: "Run one read-only SQL statement (SELECT, WITH, VALUES, EXPLAIN or a schema pragma) " +
    "against a project's SQLite database and get {columns, rows, truncated}. Tables: metrics " +
    "(run_id, run_name, step, timestamp, metrics JSON), configs, alerts, system_metrics. Use " +
    "json_extract(CAST(metrics AS TEXT), '$.\"train/loss\"') for a value. For questions the other " +
    "tools cannot answer; writes and ATTACH are refused.",
  input: z.object({
    project: p.project,
    sql: z.string().min(1).describe("One read-only SQL statement."),
    max_rows: z.coerce.number().int().min(1).max(100_000).optional().describe(
      "Stop after this many rows (default 1000); truncated says whether more existed.",
    ),
  }),
  output: queryResult,
  mcp: {
    defaults: { max_rows: 100 },
    narrow: "select fewer columns, aggregate, or pass a smaller max_rows",
  },
  cli: {
    command: "query",
    aliases: [],
    examples: [
      `trackio-cli query -p sft-qwen --sql "SELECT run_name, COUNT(*) AS rows, MAX(step) AS last FROM metrics GROUP BY run_name"`,
      `trackio-cli query -p sft-qwen --sql "PRAGMA table_info(metrics)" --json`,
    ],
  },
  rows: (r: QueryResult) => r.rows,
  render: (r: QueryResult) => {
    const body = table(r.columns, r.rows.map((row) => r.columns.map((c) => formatNumber(row[c]))));
    return r.truncated ? `${body}\n(truncated)` : body;
  },
  handler: (args, ctx) => {
    checkReadOnlySql(args.sql);
    const limit = args.max_rows ?? DEFAULT_QUERY_ROWS;
    return withProject(ctx, args.project, (store) => {
      let statement;
      try {
        statement = store.db.db.prepare(args.sql);
      } catch (error) {
        throw usageError(`query: ${error instanceof Error ? error.message : String(error)}`);
      }
      const rest = args.sql.slice(statement.sourceSQL.length);
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
        : store.db.db.prepare(`SELECT * FROM (\n${body}\n) LIMIT ${limit + 1}`);
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
      return output(
        { columns, rows, truncated },
        truncated ? [`stopped after ${limit} rows; raise max_rows for more`] : [],
      );
    });
  },
});
