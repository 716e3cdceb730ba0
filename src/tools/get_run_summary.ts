import { z } from "zod";
import { toJson } from "../json.ts";
import { formatNumber } from "../util/format.ts";
import { metricNamesOf, type RunRef, statsWithMore } from "../store/project.ts";
import type { ProjectReader, RunStats } from "../store/source.ts";
import { withRun } from "./context.ts";
import type { Derivation } from "./run_cache.ts";
import * as p from "./params.ts";
import { defineTool, output } from "./registry.ts";

const summary = z.object({
  project: z.string(),
  run: z.string(),
  run_id: z.string().nullable(),
  num_logs: z.number(),
  metrics: z.array(z.string()),
  config: z.record(z.string(), z.unknown()).nullable(),
  last_step: z.number().nullable(),
});
type Summary = z.infer<typeof summary>;

function render(s: Summary): string {
  const lines = [
    `run ${s.run} (project ${s.project}${s.run_id ? `, id ${s.run_id}` : ""})`,
    `logs: ${s.num_logs}, last step: ${formatNumber(s.last_step)}`,
    `metrics: ${s.metrics.join(", ")}`,
    "config:",
    ...Object.entries(s.config ?? {}).map(([k, v]) =>
      `  ${k}: ${typeof v === "number" ? formatNumber(v) : toJson(v)}`
    ),
  ];
  return lines.join("\n");
}

interface RowsSummary {
  stats: RunStats;
  metrics: string[];
}

/** A run's row stats and metric names, for a cache to bring up to date with only the rows since. */
const rowsSummary = (store: ProjectReader, run: RunRef): Derivation<RowsSummary> => ({
  bounded: true,
  read: async (upTo) => ({
    stats: await store.runStats(run, { upTo }),
    metrics: await store.metricNamesIn(run, { upTo }),
  }),
  extend: async (was, range) => ({
    stats: statsWithMore(was.stats, await store.runStats(run, range)),
    metrics: metricNamesOf(new Set([...was.metrics, ...await store.metricNamesIn(run, range)])),
  }),
  steps: ({ stats }) => ({ first: stats.first_step, last: stats.last_step }),
});

export const getRunSummary = defineTool({
  name: "get_run_summary",
  title: "Summarize a run",
  behaviour: { readOnly: true, readsSource: true },
  description: "A run's config (hyperparameters, max_steps), metric names, row count and last step. Its " +
    "run_id is the argument's (null for a named run), as in Trackio.",
  input: z.object(p.runSelector),
  output: summary,
  cli: {
    command: "get-run-summary",
    aliases: ["run-summary"],
    examples: [
      "trackio-cli run-summary -p sft-qwen -r baseline-v1",
      "trackio-cli run-summary -p sft-qwen --run-id 1da5c24b02bc46aa8b318e3910814a6d",
    ],
  },
  render,
  handler: (args, ctx) =>
    withRun(ctx, args, async (store, run) => {
      // Asked for alongside the rows' summary: over a server, round trips at once, not one after another.
      const config = store.config(run);
      config.catch(() => {});
      const { stats, metrics } = ctx.cache
        ? await ctx.cache.derive(store, run, "summary", rowsSummary(store, run))
        : await Promise.all([store.runStats(run), store.metricNames(run)]).then(([stats, metrics]) => ({
          stats,
          metrics,
        }));
      return output({
        project: args.project,
        run: run.name,
        run_id: args.run_id ?? null,
        num_logs: stats.num_logs,
        metrics,
        // Trackio shows no config for a run without logs (one that crashed before its first).
        config: stats.num_logs === 0 ? null : await config,
        last_step: stats.last_step,
      });
    }),
});
