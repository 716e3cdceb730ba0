import { z } from "zod";
import { withProject } from "./context.ts";
import * as p from "./params.ts";
import { defineTool, output } from "./registry.ts";

export const getMetricsForRun = defineTool({
  name: "get_metrics_for_run",
  title: "List a run's metrics",
  description: "List the metric names a run has logged, sorted (train/loss, eval/loss, " +
    "train/grad_norm...). Call it before get_metric_values to learn the exact names.",
  input: z.object({ project: p.project, run: p.run.optional(), run_id: p.runId.optional() }),
  output: z.array(z.string()),
  cli: {
    command: "get-metrics-for-run",
    aliases: ["metrics"],
    examples: ["trackio-cli metrics -p sft-qwen -r baseline-v1"],
    render: (result: string[]) => result.join("\n"),
  },
  handler: (args, ctx) =>
    withProject(
      ctx,
      args.project,
      (store) => output(store.metricNames(store.resolveRun(args.run, args.run_id))),
    ),
});
