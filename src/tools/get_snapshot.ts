import { z } from "zod";
import type { MetricPoint, MetricValue } from "../store/project.ts";
import { table } from "../util/table.ts";
import { formatNumber } from "../util/format.ts";
import { withRun } from "./context.ts";
import { checkFilter } from "./get_metric_values.ts";
import * as p from "./params.ts";
import { defineTool, output } from "./registry.ts";

const snapshot = z.record(z.string(), z.array(p.point));
type Snapshot = Record<string, MetricPoint[]>;

function render(s: Snapshot): string {
  const rows: string[][] = [];
  for (const [metric, points] of Object.entries(s)) {
    for (const pt of points) rows.push([metric, String(pt.step), formatNumber(pt.value), pt.timestamp]);
  }
  return table(["metric", "step", "value", "timestamp"], rows);
}

export const getSnapshot = defineTool({
  name: "get_snapshot",
  title: "Metrics at a step",
  behaviour: { readOnly: true, readsSource: true },
  description: "Every metric of a run at a step, around a step or around a time (the latest step without a " +
    "filter): what else happened at a spike.",
  input: z.object({ ...p.runSelector, ...p.rowFilter }),
  output: snapshot,
  mcp: { narrow: "pass a smaller window, or an exact step" },
  cli: {
    command: "get-snapshot",
    aliases: ["snapshot"],
    examples: [
      "trackio-cli snapshot -p sft-qwen -r lr-high --step 420",
      "trackio-cli snapshot -p sft-qwen -r nan-blowup --around 660 --window 10",
    ],
  },
  rows: (snapshot: Record<string, { timestamp: string; step: number; value: unknown }[]>) =>
    Object.entries(snapshot).flatMap(([metric, points]) => points.map((p) => ({ metric, ...p }))),
  render,
  handler: (given, ctx) => {
    const args = checkFilter(given);
    return withRun(ctx, args, async (store, run) => {
      const filtered = args.step !== undefined || args.around_step !== undefined ||
        args.at_time !== undefined;
      const filter = filtered ? args : { step: (await store.runStats(run)).last_step ?? 0 };
      const result: Snapshot = {};
      for await (const page of store.rows(run, filter)) {
        for (const row of page) {
          for (const [metric, value] of Object.entries(row.metrics)) {
            (result[metric] ??= []).push({
              timestamp: row.timestamp,
              step: row.step,
              value: value as MetricValue,
            });
          }
        }
      }
      return output(result);
    });
  },
});
