import { z } from "zod";
import { table } from "../util/table.ts";
import { formatNumber } from "../util/format.ts";
import { withRun } from "./context.ts";
import * as p from "./params.ts";
import { defineTool, output } from "./registry.ts";

const runArgs = z.object(p.runSelector);

export const getSystemMetricsForRun = defineTool({
  name: "get_system_metrics_for_run",
  title: "List system metrics",
  behaviour: { readOnly: true, readsSource: true },
  description: "List the system metrics (GPU, memory, CPU...) recorded for a run; empty when none were.",
  input: runArgs,
  output: z.array(z.string()),
  cli: {
    command: "get-system-metrics-for-run",
    aliases: ["system-metrics"],
    examples: ["trackio-cli system-metrics -p sft-qwen -r baseline-v1"],
  },
  rows: (names: string[]) => names.map((metric) => ({ metric })),
  // Nothing at all on a terminal reads as a hang or a failure: say it.
  render: (names: string[]) => names.length ? names.join("\n") : "(no system metrics recorded for this run)",
  handler: (args, ctx) =>
    withRun(ctx, args, async (store, run) => {
      const rows = await store.systemMetrics(run);
      const names = new Set(rows.flatMap((r) => Object.keys(r.metrics)));
      names.delete("timestamp");
      return output([...names].sort());
    }),
});

type SystemLog = Record<string, unknown>;

export const getSystemLogs = defineTool({
  name: "get_system_logs",
  title: "System metrics over time",
  behaviour: { readOnly: true, readsSource: true },
  description: "A run's system-metric rows, oldest first: is the job idle or memory-bound?",
  input: runArgs,
  output: z.array(z.record(z.string(), z.unknown())),
  mcp: {
    narrow: "use query with a WHERE on timestamp and a LIMIT on the system_metrics table",
  },
  cli: {
    command: "get-system-logs",
    aliases: ["system-logs"],
    examples: ["trackio-cli system-logs -p sft-qwen -r baseline-v1 --json"],
  },
  render: (rows: SystemLog[]) => {
    const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => k !== "timestamp");
    return table(
      ["timestamp", ...keys],
      rows.map((r) => [String(r.timestamp), ...keys.map((k) => formatNumber(r[k]))]),
    );
  },
  handler: (args, ctx) =>
    withRun(ctx, args, async (store, run) =>
      output(
        (await store.systemMetrics(run)).map((r) => ({
          ...r.metrics,
          timestamp: r.timestamp,
        })),
      )),
});
