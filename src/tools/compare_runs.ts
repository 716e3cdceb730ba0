import { didYouMean } from "../util/closest.ts";
import { z } from "zod";
import { type CompareInput, compareRuns } from "../analysis/compare.ts";
import { analyzeStoredRun, type StoredAnalysis } from "./analyze_run.ts";
import { chooseMetric, lossesOf, TRAIN_SMOOTH_DEFAULT } from "../analysis/compare_policy.ts";
import { arg, notFound, usageError } from "../errors.ts";
import type { RunRef } from "../store/project.ts";
import { fmt, signedPercent } from "../util/format.ts";
import { table } from "../util/table.ts";
import { withProject } from "./context.ts";
import type { ToolContext } from "./registry.ts";
import { defineTool, output } from "./registry.ts";

const rankedRun = z.object({
  rank: z.number().nullable(),
  best_run: z.boolean(),
  project: z.string(),
  run: z.string(),
  run_id: z.string(),
  value: z.number().nullable(),
  step: z.number().nullable(),
  final: z.number().nullable(),
  final_step: z.number().nullable(),
  best: z.number().nullable(),
  best_step: z.number().nullable(),
  last_step: z.number().nullable(),
  points: z.number(),
  change_pct: z.number().nullable(),
  noise_pct: z.number().nullable(),
  verdict: z.enum(["ok", "info", "warning", "critical"]),
  findings: z.array(z.string()),
  config: z.record(z.string(), z.unknown()),
  note: z.string().nullable(),
  /** The guide's sweep table: train and eval loss as last logged, their gap, the run's last step. */
  train_loss: z.number().nullable(),
  eval_loss: z.number().nullable(),
  train_eval_gap: z.number().nullable(),
  run_last_step: z.number().nullable(),
});
const comparison = z.object({
  metric: z.string(),
  mode: z.enum(["min", "max"]),
  compared_at: z.object({
    policy: z.enum(["final", "at_step", "align_min"]),
    step: z.number().nullable(),
    same_step: z.boolean(),
  }),
  smooth: z.number(),
  runs: z.array(rankedRun),
  differing_config: z.array(z.string()),
  best: z.object({ project: z.string(), run: z.string(), value: z.number(), step: z.number() }).nullable(),
  recommendation: z.string(),
  warnings: z.array(z.string()),
});

export type CompareResult = z.infer<typeof comparison>;

/** `a,b` or ["a", "b"]; an entry `project/run` names a run of another project. */
function entries(runs: string | string[] | undefined): string[] | undefined {
  if (runs === undefined) return undefined;
  const list = (Array.isArray(runs) ? runs : runs.split(",")).map((r) => r.trim()).filter(Boolean);
  if (list.length === 0) throw usageError("runs: give at least one run");
  return list;
}

/** Which project and run an entry means: a run of `project` by that name first, else `project/run`. */
async function locate(
  ctx: ToolContext,
  project: string | undefined,
  entry: string,
): Promise<[string, string]> {
  const slash = entry.indexOf("/");
  if (project !== undefined) {
    const own = await withProject(
      ctx,
      project,
      async (store) => (await store.runs()).some((r) => r.name === entry || r.id === entry),
    );
    if (own || slash === -1 || !(await ctx.source.hasProject(entry.slice(0, slash)))) return [project, entry];
  }
  if (slash === -1) {
    throw usageError(
      `${arg("runs")}: '${entry}' needs its project (project/run) when ${arg("project")} is not given`,
    );
  }
  return [entry.slice(0, slash), entry.slice(slash + 1)];
}

function describe(args: { project?: string; filter?: string }): string {
  return args.filter
    ? `matching /${args.filter}/ in project '${args.project}'`
    : `in project '${args.project}'`;
}

function render(c: z.infer<typeof comparison>): string {
  const configKeys = c.differing_config;
  const rows = c.runs.map((r) => [
    r.rank === null ? "-" : `${r.rank}${r.best_run ? " *" : ""}`,
    r.project,
    r.run,
    r.value === null ? "-" : fmt(r.value),
    r.step === null ? "-" : String(r.step),
    r.best === null ? "-" : `${fmt(r.best)} @${r.best_step}`,
    String(r.run_last_step ?? r.last_step ?? "-"),
    r.train_loss === null ? "-" : fmt(r.train_loss),
    r.eval_loss === null ? "-" : fmt(r.eval_loss),
    r.train_eval_gap === null ? "-" : fmt(r.train_eval_gap),
    signedPercent(r.change_pct),
    r.verdict + (r.findings.length ? ` (${r.findings.join(", ")})` : ""),
    ...configKeys.map((
      k,
    ) => (typeof r.config[k] === "number" ? fmt(r.config[k] as number) : JSON.stringify(r.config[k]))),
  ]);
  const projects = new Set(c.runs.map((r) => r.project)).size > 1;
  const headers = [
    "rank",
    "project",
    "run",
    c.metric,
    "@step",
    "best",
    "last step",
    "train",
    "eval",
    "gap",
    "change",
    "health",
    ...configKeys,
  ];
  const keep = (row: string[]) => row.filter((_, i) => projects || i !== 1);
  const lines = [
    `${c.runs.length} runs on ${c.metric} (${c.mode === "min" ? "lower" : "higher"} is better), ` +
    (c.compared_at.policy === "final" ? "each at its last point" : `at step ${c.compared_at.step}`) +
    (c.smooth > 1 ? `, median of the last ${c.smooth} points` : ""),
    "",
    table(keep(headers), rows.map(keep)),
    "",
    ...c.warnings.map((w) => `warning: ${w}`),
    c.recommendation,
  ];
  return lines.join("\n");
}

export const compareRunsTool = defineTool({
  name: "compare_runs",
  title: "Compare and rank runs",
  behaviour: { readOnly: true, readsSource: true },
  description:
    "Rank a sweep's runs on one metric (eval/loss if every run logs it, else train/loss): per run " +
    "the value, final train and eval loss, gap, best, last step, verdict, findings; the differing " +
    "hyperparameters; the best run, with a warning when unsure.",
  input: z.object({
    project: z.string().min(1).optional().describe(
      "Project of the runs (optional when every run is project/run).",
    ),
    runs: z.union([z.string(), z.array(z.string())]).optional().describe(
      "Run names (a list or comma-separated); project/run for another project.",
    ),
    filter: z.string().min(1).optional().describe("Only runs whose name matches this regex."),
    metric: z.string().min(1).optional().describe(
      "Metric to rank on.",
    ),
    mode: z.enum(["min", "max"]).optional().describe(
      "min (default): lower is better; max: higher is better.",
    ),
    at_step: z.coerce.number().int().optional().describe(
      "Compare at this step (each run's last point at or before it).",
    ),
    align: z.enum(["min"]).optional().describe("min: compare at the last step all runs reached."),
    smooth: z.coerce.number().int().min(1).optional().describe(
      `Rolling median over this many points (default ${TRAIN_SMOOTH_DEFAULT} for train metrics, else 1).`,
    ),
  }),
  output: comparison,
  mcp: { narrow: "compare fewer runs: pick them with runs, or with a narrower filter" },
  cli: {
    command: "compare",
    aliases: [],
    examples: [
      "trackio-cli compare -p hyperparam-sweep",
      "trackio-cli compare -p sft-qwen --runs baseline-v1,overfit-v2,plateau --align min",
      "trackio-cli compare -p sft-qwen --filter '^lr-' --metric train/loss",
    ],
  },
  render,
  handler: async (args, ctx) => {
    if (args.at_step !== undefined && args.align) {
      throw usageError(`give ${arg("at_step")} or ${arg("align")}, not both`);
    }
    if (args.runs !== undefined && args.filter !== undefined) {
      throw usageError(`give ${arg("runs")} or ${arg("filter")}, not both`);
    }
    let pattern: RegExp | undefined;
    try {
      pattern = args.filter === undefined ? undefined : new RegExp(args.filter);
    } catch (error) {
      throw usageError(`${arg("filter")}: ${(error as Error).message}`);
    }
    const list = entries(args.runs);
    if (!args.project && !list) {
      throw usageError(`give a ${arg("project")}, or ${arg("runs")} as project/run`);
    }
    const wanted: [string, string][] = [];
    if (list) { for (const entry of list) wanted.push(await locate(ctx, args.project, entry)); }
    else {
      const runs = await withProject(ctx, args.project!, (store) => store.runs());
      for (const r of runs) if (!pattern || pattern.test(r.name)) wanted.push([args.project!, r.id]);
    }
    if (wanted.length === 0) {
      throw notFound(`no runs ${describe(args)}`, undefined, {
        tool: "get_runs_for_project",
        args: { project: args.project },
        shows: "the runs",
      });
    }
    const byProject = new Map<string, string[]>();
    for (const [project, run] of wanted) byProject.set(project, [...(byProject.get(project) ?? []), run]);
    const collected: {
      project: string;
      run: RunRef;
      stored: StoredAnalysis;
      config: Record<string, unknown> | null;
    }[] = [];
    for (const [project, runs] of byProject) {
      await withProject(ctx, project, async (store) => {
        for (const name of runs) {
          const run = await store.resolveRun(name);
          const stored = await analyzeStoredRun(store, run, {}, {
            missing: [],
            also: args.metric ? [args.metric] : [],
            cache: ctx.cache,
            keepSeries: true,
          });
          collected.push({ project, run, stored, config: await store.config(run) });
        }
      });
    }
    const { metric, notices, isTrain } = chooseMetric(
      args.metric,
      collected.map((c) => c.stored.series.keys()),
    );
    if (!collected.some((c) => c.stored.series.has(metric))) {
      const names = new Set<string>();
      for (const c of collected) {
        for (const n of await withProject(ctx, c.project, (store) => store.metricNames(c.run))) names.add(n);
      }
      throw notFound(
        `no compared run logs '${metric}'.${didYouMean(metric, [...names])}`,
        `choose the metric with ${arg("metric")}`,
      );
    }
    const inputs: CompareInput[] = collected.map((c) => ({
      project: c.project,
      run: c.run.name,
      run_id: c.run.id,
      series: c.stored.series.get(metric),
      config: c.config,
      analysis: c.stored.report,
    }));
    const smooth = args.smooth ?? (isTrain ? TRAIN_SMOOTH_DEFAULT : 1);
    const compared = compareRuns(inputs, {
      metric,
      mode: args.mode ?? "min",
      atStep: args.at_step,
      alignMin: args.align === "min",
      smooth,
    });
    const sides = new Map(
      collected.map((c) => [`${c.project}\x1f${c.run.id}`, lossesOf(c.stored.series)]),
    );
    const runs = compared.runs.map((r) => ({ ...r, ...sides.get(`${r.project}\x1f${r.run_id}`)! }));
    return output({ ...compared, runs }, notices);
  },
});
