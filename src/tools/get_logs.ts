import { arg } from "../errors.ts";
import { z } from "zod";
import { table } from "../util/table.ts";
import { formatNumber } from "../util/format.ts";
import { withRun } from "./context.ts";
import * as p from "./params.ts";
import { defineTool, output } from "./registry.ts";

type LogEntry = Record<string, unknown>;

/** Trackio caps get_logs at this many rows; so do we by default, by a method that keeps spikes. */
export const DEFAULT_MAX_ROWS = 3000;

function render(rows: LogEntry[]): string {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) =>
    k !== "timestamp" && k !== "step"
  );
  return table(
    ["step", ...keys, "timestamp"],
    rows.map((r) => [String(r.step), ...keys.map((k) => formatNumber(r[k])), String(r.timestamp)]),
  );
}

/**
 * What Trackio's `scalar_only` keeps: finite numbers and histograms. Non-finite values are stored as
 * the strings "NaN" and "Infinity", which Trackio does not decode there, so they drop out too.
 */
function scalarsOnly(metrics: LogEntry): LogEntry {
  return Object.fromEntries(
    Object.entries(metrics).filter(([, v]) =>
      (typeof v === "number" && Number.isFinite(v)) ||
      (typeof v === "object" && v !== null && !Array.isArray(v) && "_type" in v &&
        v._type === "trackio.histogram")
    ),
  );
}

export const getLogs = defineTool({
  name: "get_logs",
  title: "A run's logged rows",
  behaviour: { readOnly: true, readsSource: true },
  description: "A run's logged rows, oldest first, thinned to max_rows keeping each metric's extremes and " +
    "NaN. For one metric prefer get_metric_values.",
  input: z.object({
    ...p.runSelector,
    max_rows: z.coerce.number().int().min(3).optional().describe(
      "Thin to at most this many rows.",
    ),
    scalar_only: z.boolean().optional().describe(
      "Leave text, booleans, tables and NaN out of each row, as Trackio's scalar_only.",
    ),
  }),
  output: z.array(z.record(z.string(), z.unknown())),
  mcp: {
    defaults: { max_rows: 40 },
    narrow: "pass a smaller max_rows, or use get_metric_values for the metrics you need",
  },
  cli: {
    command: "get-logs",
    aliases: ["logs"],
    defaults: { max_rows: `${DEFAULT_MAX_ROWS}, Trackio's cap` },
    examples: [
      "trackio-cli logs -p sft-qwen -r baseline-v1 --max-rows 50",
      "trackio-cli logs -p sft-qwen -r lr-high --max-rows 100 --json",
    ],
  },
  render,
  handler: (args, ctx) =>
    withRun(ctx, args, async (store, run) => {
      const { rows: kept, total, thinned } = await store.thinnedRows(run, args.max_rows ?? DEFAULT_MAX_ROWS);
      const rows: LogEntry[] = kept.map((row) => ({
        ...(args.scalar_only ? scalarsOnly(row.metrics) : row.metrics),
        timestamp: row.timestamp,
        step: row.step,
      }));
      const notices = thinned
        ? [
          `thinned ${total} rows to ${rows.length} (each metric's min and max per bucket, NaN rows, and evenly spaced rows between); raise ${
            arg("max_rows")
          } for more`,
        ]
        : [];
      return output(rows, notices);
    }),
});
