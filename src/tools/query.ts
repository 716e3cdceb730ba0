import { arg } from "../errors.ts";
import { z } from "zod";
import { QUERY_BYTE_BUDGET } from "../store/query_budget.ts";
import { checkReadOnlySql } from "../store/sql_guard.ts";
import { table } from "../util/table.ts";
import { formatNumber } from "../util/format.ts";
import { withProject } from "./context.ts";
import * as p from "./params.ts";
import { defineTool, output } from "./registry.ts";

export const DEFAULT_QUERY_ROWS = 1000;

const queryResult = z.object({
  columns: z.array(z.string()),
  rows: z.array(z.record(z.string(), z.unknown())),
  truncated: z.boolean(),
});
type QueryResult = z.infer<typeof queryResult>;

const mib = (bytes: number) => `${Math.round(bytes / 1024 / 102.4) / 10} MiB`;

/** Said like the row cap: where it stopped and what to ask instead. */
function overBudgetNotice(kept: number, over: { nextRowBytes: number; budget: number }): string {
  return `stopped after ${kept} rows: the next row holds ${
    over.nextRowBytes > 1024 * 1024 ? mib(over.nextRowBytes) : `${over.nextRowBytes} bytes`
  } and a result holds at most ${mib(over.budget)}; select fewer or smaller columns ` +
    "(length(x), substr(x, 1, 200)) or add a LIMIT";
}

export const query = defineTool({
  name: "query",
  title: "Read-only SQL on a project",
  behaviour: { readOnly: true, readsSource: true },
  description: "One read-only SQL statement on a project's database. Tables: metrics (run_id, run_name, " +
    "step, timestamp, metrics JSON), configs, alerts, system_metrics; a value is " +
    "json_extract(CAST(metrics AS TEXT), '$.\"train/loss\"'). For what no other tool answers.",
  input: z.object({
    project: p.project,
    sql: z.string().min(1).describe("One read-only SQL statement."),
    max_rows: z.coerce.number().int().min(1).max(100_000).optional().describe(
      `Stop after this many rows or ${mib(QUERY_BYTE_BUDGET)} of values.`,
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
    defaults: { max_rows: String(DEFAULT_QUERY_ROWS) },
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
  handler: async (args, ctx) => {
    checkReadOnlySql(args.sql);
    const limit = args.max_rows ?? DEFAULT_QUERY_ROWS;
    const { columns, rows, truncated, overBudget } = await withProject(
      ctx,
      args.project,
      (store) => store.query(args.sql, limit),
    );
    const notices = overBudget
      ? [overBudgetNotice(rows.length, overBudget)]
      : truncated
      ? [`stopped after ${limit} rows; raise ${arg("max_rows")} for more`]
      : [];
    return output({ columns, rows, truncated }, notices);
  },
});
