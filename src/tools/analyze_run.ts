import { z } from "zod";
import { RunCollector } from "../analysis/collect.ts";
import { analyzeRun, type MetricChoices, type RunAnalysis } from "../analysis/diagnose.ts";
import { worst } from "../analysis/findings.ts";
import { runStatus } from "../analysis/run_status.ts";
import type { Series } from "../analysis/series.ts";
import { arg, TrackioCliError, usageError } from "../errors.ts";
import type { RunRef } from "../store/project.ts";
import type { ProjectReader } from "../store/source.ts";
import { renderAnalysis } from "./analysis_report.ts";
import { metricNotFound, requireLogged, withProject } from "./context.ts";
import * as p from "./params.ts";
import { defineTool, output, type ToolContext, type ToolOutput } from "./registry.ts";
import { type GatheredRun, gatherFresh, type RunCache } from "./run_cache.ts";

const severity = z.enum(["ok", "info", "warning", "critical"]);
const stats = z.object({
  metric: z.string(),
  points: z.number(),
  non_finite: z.number(),
  first_step: z.number().nullable(),
  last_step: z.number().nullable(),
  start: z.number().nullable(),
  current: z.number().nullable(),
  last: z.number().nullable(),
  best: z.number().nullable(),
  best_step: z.number().nullable(),
  change_pct: z.number().nullable(),
  trend: z.enum(["decreasing", "increasing", "flat", "unknown", "non_finite"]),
  slope_per_1k_steps: z.number().nullable(),
  noise_pct: z.number().nullable(),
  non_finite_since: z.number().nullable(),
  non_finite_now: z.string().nullable(),
});
/** Values that may be NaN or infinite travel as Trackio's strings. */
const value = z.union([z.number(), z.string()]);
const projection = z.object({
  metric: z.string(),
  at_step: z.number(),
  value: z.number(),
  low: z.number(),
  high: z.number(),
  method: z.string(),
});
const finding = z.object({
  rule: z.string(),
  severity,
  message: z.string(),
  evidence: z.array(z.object({ metric: z.string(), step: z.number(), value, note: z.string() })),
  actions: z.array(z.string()),
});
const runReport = z.object({
  run: z.string(),
  run_id: z.string(),
  verdict: severity,
  kind: z.enum(["sft", "dpo", "grpo"]),
  metrics: z.record(z.string(), z.string()),
  progress: z.object({
    step: z.number().nullable(),
    max_steps: z.number().nullable(),
    fraction: z.number().nullable(),
    basis: z.enum(["max_steps", "epochs"]).nullable(),
  }),
  stats: z.array(stats),
  findings: z.array(finding),
  lr_schedule: z.object({
    metric: z.string(),
    warmup: z.boolean(),
    peak: z.number(),
    peak_step: z.number(),
    shape: z.enum(["warming_up", "constant", "linear", "cosine", "step", "decaying"]),
    now: z.number(),
    now_step: z.number(),
    now_pct_of_peak: z.number(),
    text: z.string(),
  }).nullable(),
  projection: projection.nullable(),
  projections: z.array(projection),
  status: z.object({
    state: z.enum(["finished", "running", "stalled", "unknown"]),
    basis: z.string(),
    last_log: z.string().nullable(),
    steps_per_minute: z.number().nullable(),
    eta: z.string().nullable(),
    check_again_at_step: z.number().nullable(),
  }),
  recommendation: z.string(),
});
const analysis = z.object({ project: z.string(), verdict: severity, runs: z.array(runReport) });
export type AnalysisResult = z.infer<typeof analysis>;
export type RunReport = z.infer<typeof runReport>;

/** A run's report and the series it was computed from, which a chart of the run draws without reading again. */
export interface StoredAnalysis {
  report: RunReport;
  series: ReadonlyMap<string, Series>;
}

/**
 * A project's analysis as the tool returns it, plus each run's series by run id: the result stays what
 * JSON and MCP return, and a front end that draws the runs has their curves at hand (read without a
 * cache: with one, as the MCP server has, the series are the cache's and are not handed out).
 */
export interface AnalyzedProject extends ToolOutput<AnalysisResult> {
  series: ReadonlyMap<string, ReadonlyMap<string, Series>>;
}

/** The diagnosis of a run's rows, and what ended the run if it is over. */
interface Diagnosis {
  result: RunAnalysis;
  finishedBy: string | null;
}

function diagnose(
  collector: RunCollector,
  config: Record<string, unknown> | null,
  choices: MetricChoices,
): Diagnosis {
  const summaryRow = SUMMARY_METRICS.some((m) => collector.names.has(m));
  // One pass: the diagnosis learns from the steps whether max_steps was reached before its rules run.
  const result = analyzeRun(
    { series: collector.series, config, finished: summaryRow, finishedAtMaxSteps: true },
    choices,
  );
  const finishedBy = summaryRow ? "summary row" : result.progress.fraction === 1 ? "max_steps reached" : null;
  return { result, finishedBy };
}

/**
 * A run's report from what was gathered of it: the diagnosis (told whether the run is over), its
 * status from the time range of its rows, and the recommendation for a run that went quiet. The
 * diagnosis is kept with the gathered rows, so a question about a run that has not changed costs no
 * second one; the status is of now. One path for `analyze_run`, `compare_runs` and `analyze --watch`.
 */
export async function reportOf(
  store: ProjectReader,
  run: RunRef,
  gathered: GatheredRun,
  choices: MetricChoices,
  configRead?: Promise<Record<string, unknown> | null>,
): Promise<RunReport> {
  const { collector, stats, memo } = gathered;
  const config = await (configRead ?? store.config(run));
  const key = JSON.stringify(["diagnosis", choices, config]);
  const known = memo.get(key) as Diagnosis | undefined;
  const { result, finishedBy } = known ?? diagnose(collector, config, choices);
  if (!known) memo.set(key, { result, finishedBy });
  const evalLoss = result.metrics.eval_loss ? collector.series.get(result.metrics.eval_loss) : undefined;
  const status = runStatus({
    firstStep: stats.first_step,
    lastStep: stats.last_step,
    firstTime: stats.first_timestamp,
    lastTime: stats.last_timestamp,
    rows: stats.num_logs,
    maxSteps: result.progress.max_steps,
    finishedBy,
    evalSteps: evalLoss?.steps ?? [],
    now: Date.now(),
  });
  // A run that went quiet is not to be "let run": whatever else holds, first see whether the job is alive.
  const recommendation = status.state === "stalled" && (result.verdict === "ok" || result.verdict === "info")
    ? `The run has gone quiet (${status.basis}): check that the job is still running (a crash, a hang, a full disk)`
    : result.recommendation;
  const { recommendation: _, ...rest } = result;
  return { run: run.name, run_id: run.id, ...rest, status, recommendation } as RunReport;
}

/** Metrics TRL logs once, in the summary row that ends a finished run. */
export const SUMMARY_METRICS = ["train/train_runtime", "train_runtime"];

export interface StoredRunOptions {
  /** Collect the names of chosen metrics the run does not log here instead of failing (analyze --all). */
  missing?: string[];
  /** Metrics to keep the series of beyond what the diagnosis reads (compare's ranked metric). */
  also?: string[];
  /** A long-lived process's cache: only the rows written since the last question are read. */
  cache?: RunCache;
  /**
   * The caller keeps the series beyond this question (compare ranks after reading every run): with a
   * cache they come as copies, and without this, not at all (the cache frees its own when it drops them).
   */
  keepSeries?: boolean;
}

/**
 * A run's rows, read once (or, with a cache, brought up to date) and diagnosed: the one path from a
 * stored run to its report, for analyze_run, compare_runs, `analyze --watch` and the charts. A metric
 * named in `choices` that the run does not log is a not-found error, unless `missing` collects it.
 */
export async function analyzeStoredRun(
  store: ProjectReader,
  run: RunRef,
  choices: MetricChoices,
  options: StoredRunOptions = {},
): Promise<StoredAnalysis> {
  const also = options.also ?? [];
  const make = () => new RunCollector(choices, [...SUMMARY_METRICS, ...also]);
  // Asked for while the rows are checked or read: over a server, one round trip fewer in a row.
  const config = store.config(run);
  config.catch(() => {});
  const analyze = async (gathered: GatheredRun): Promise<StoredAnalysis> => {
    const names = gathered.collector.names;
    const named = [choices.train_loss, choices.eval_loss];
    const { missing } = options;
    if (missing) missing.push(...named.filter((m): m is string => m !== undefined && !names.has(m)));
    else await requireLogged(store, run, names, named);
    const report = await reportOf(store, run, gathered, choices, config);
    // The cache grows these series with the next question and frees them once it drops the run: a
    // caller that keeps them gets a copy, and one that did not ask, none.
    const series = !options.cache
      ? gathered.collector.series
      : options.keepSeries
      ? copySeries(gathered.collector.series)
      : new Map<string, Series>();
    return { report, series };
  };
  return options.cache
    ? await options.cache.use(store, run, JSON.stringify([choices, also]), make, analyze)
    : await analyze(await gatherFresh(store, run, make()));
}

const copySeries = (series: ReadonlyMap<string, Series>): Map<string, Series> =>
  new Map([...series].map(([name, s]) => [name, { steps: s.steps.slice(), values: s.values.slice() }]));

/** The run to analyze; with none named, the error also offers to analyze them all. */
async function resolveOrAll(store: ProjectReader, run?: string, runId?: string): Promise<RunRef> {
  try {
    return await store.resolveRun(run, runId);
  } catch (error) {
    if (run === undefined && runId === undefined && error instanceof TrackioCliError) {
      throw new TrackioCliError(
        error.code,
        error.message,
        [error.hint, `or set ${arg("all")} to analyze every run`].filter(Boolean).join("; "),
        error.next,
      );
    }
    throw error;
  }
}

const analyzeInput = z.object({
  ...p.runSelector,
  all: z.boolean().optional().describe("Analyze every run of the project."),
  train_metric: z.string().min(1).optional().describe("Train loss metric, when not train/loss or loss."),
  eval_metric: z.string().min(1).optional().describe("Eval loss metric, when not eval/loss or eval_loss."),
});
type AnalyzeArgs = z.infer<typeof analyzeInput>;

/** Analyzes the runs `args` names (or all of them), one read of each. */
export function analyzeProject(args: AnalyzeArgs, ctx: ToolContext): Promise<AnalyzedProject> {
  if (args.all && (args.run || args.run_id)) {
    throw usageError(`give a ${arg("run")} or ${arg("all")}, not both`);
  }
  const choices: MetricChoices = { train_loss: args.train_metric, eval_loss: args.eval_metric };
  return withProject(ctx, args.project, async (store) => {
    const runs = args.all ? await store.runs() : [await resolveOrAll(store, args.run, args.run_id)];
    const reports: RunReport[] = [];
    const series = new Map<string, ReadonlyMap<string, Series>>();
    // With all=true, a named metric must be logged by some run; the runs without it are named.
    const lacking = new Map<string, string[]>();
    for (const run of runs) {
      const missing: string[] = [];
      const stored = await analyzeStoredRun(store, run, choices, {
        missing: args.all ? missing : undefined,
        cache: ctx.cache,
      });
      reports.push(stored.report);
      series.set(run.id, stored.series);
      for (const m of missing) lacking.set(m, [...(lacking.get(m) ?? []), run.name]);
    }
    const notices: string[] = [];
    for (const [metric, without] of lacking) {
      if (without.length === runs.length) throw await metricNotFound(store, runs[0], metric);
      notices.push(
        `${without.length} of ${runs.length} runs do not log '${metric}': ${without.join(", ")}`,
      );
    }
    const verdict = worst(reports.map((r) => r.verdict));
    return { result: { project: args.project, verdict, runs: reports }, notices, series };
  });
}

export const analyzeRunTool = defineTool({
  name: "analyze_run",
  title: "Diagnose a run",
  behaviour: { readOnly: true, readsSource: true },
  description: "Diagnose a run as an expert reads its curves: verdict, status (finished, running, stalled, " +
    "ETA), progress, key metrics, learning-rate phase, projection, findings with evidence and " +
    "actions, recommendation. The first call for how a run is doing; all=true for every run.",
  input: analyzeInput,
  output: analysis,
  mcp: { narrow: "analyze one run at a time instead of all=true" },
  cli: {
    command: "analyze",
    aliases: [],
    examples: [
      "trackio-cli analyze -p sft-qwen -r overfit-v2",
      "trackio-cli analyze -p sft-qwen --all",
      "trackio-cli analyze -p sft-qwen -r baseline-v1 --json",
    ],
  },
  render: renderAnalysis,
  handler: async (args, ctx) => {
    const { result, notices } = await analyzeProject(args, ctx);
    return output(result, notices);
  },
});
