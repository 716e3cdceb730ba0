import { z } from "zod";
import { withRun } from "./context.ts";
import * as p from "./params.ts";
import { defineTool, output } from "./registry.ts";

export const getMetricsForRun = defineTool({
  name: "get_metrics_for_run",
  title: "List a run's metrics",
  behaviour: { readOnly: true, readsSource: true },
  description: "List the metric names a run logged, sorted: the exact names the other tools take.",
  input: z.object(p.runSelector),
  output: z.array(z.string()),
  cli: {
    command: "get-metrics-for-run",
    aliases: ["metrics"],
    examples: ["trackio-cli metrics -p sft-qwen -r baseline-v1"],
  },
  rows: (result: string[]) => result.map((metric) => ({ metric })),
  render: (result: string[]) => result.join("\n"),
  handler: async (args, ctx) => output(await withRun(ctx, args, (store, run) => store.metricNames(run))),
});
