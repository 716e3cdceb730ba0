import type { Severity } from "./findings.ts";
import { median } from "./robust.ts";
import { indexAtStep, type Series, sortedByStep } from "./series.ts";
import { profile } from "./stats.ts";
import { T } from "./thresholds.ts";
import { fmt, pct } from "../util/format.ts";

/** One run as compare sees it: the target metric's history, its config and its diagnosis. */
export interface CompareInput {
  project: string;
  run: string;
  run_id: string;
  /** The target metric; undefined when the run does not log it. */
  series?: Series;
  config: Record<string, unknown> | null;
  /** The run's diagnosis: its verdict and findings are the run's health in the ranking. */
  analysis: RunHealth;
}

/** What the ranking reads of a run's diagnosis: a RunAnalysis, or the report made from one. */
export interface RunHealth {
  verdict: Severity;
  findings: { rule: string; severity: Severity; evidence: { step: number }[] }[];
}

export interface CompareOptions {
  metric: string;
  mode: "min" | "max";
  /** Compare every run at this step (its last point at or before it). */
  atStep?: number;
  /** Compare at the last step every run reached. */
  alignMin?: boolean;
  /** Points in the rolling median the compared value is taken from (1: the point itself). */
  smooth: number;
}

export interface RankedRun {
  /** 1 is best; null for runs that could not be ranked (no finite value). */
  rank: number | null;
  best_run: boolean;
  project: string;
  run: string;
  run_id: string;
  /** The compared value and the step it was taken at. */
  value: number | null;
  step: number | null;
  final: number | null;
  final_step: number | null;
  best: number | null;
  best_step: number | null;
  last_step: number | null;
  points: number;
  change_pct: number | null;
  verdict: Severity;
  findings: string[];
  /** Typical step-to-step change of the metric, as a percentage of its level. */
  noise_pct: number | null;
  /** The hyperparameters that differ between the compared runs. */
  config: Record<string, unknown>;
  note: string | null;
}

export interface Comparison {
  metric: string;
  mode: "min" | "max";
  /** How the runs were lined up: each at its last point, at a given step, or at the last common step. */
  compared_at: { policy: "final" | "at_step" | "align_min"; step: number | null; same_step: boolean };
  smooth: number;
  runs: RankedRun[];
  differing_config: string[];
  best: { project: string; run: string; value: number; step: number } | null;
  recommendation: string;
  warnings: string[];
}

/** Config keys Trackio adds itself (`_Username`, `_Created`, `_Group`) say nothing about a run. */
const internalKey = (key: string) => key.startsWith("_");

/** The keys whose values differ between the configs (missing counts as a value). */
export function differingKeys(configs: (Record<string, unknown> | null)[]): string[] {
  const keys = [...new Set(configs.flatMap((c) => Object.keys(c ?? {})))].filter((k) => !internalKey(k))
    .sort();
  return keys.filter((key) => new Set(configs.map((c) => JSON.stringify(c?.[key] ?? null))).size > 1);
}

/** The value of a series at `step`: the rolling median of its `smooth` points up to that step. */
function valueAt(series: Series, step: number, smooth: number): { value: number; step: number } | null {
  const finite = { steps: [] as number[], values: [] as number[] };
  for (let i = 0; i < series.steps.length; i++) {
    if (Number.isFinite(series.values[i])) {
      finite.steps.push(series.steps[i]);
      finite.values.push(series.values[i]);
    }
  }
  const end = indexAtStep(finite.steps, step + 1e-9);
  if (end === 0) return null;
  const window = finite.values.slice(Math.max(0, end - smooth), end);
  return { value: median(window), step: finite.steps[end - 1] };
}

function lastFiniteStep(series: Series): number | null {
  for (let i = series.steps.length - 1; i >= 0; i--) {
    if (Number.isFinite(series.values[i])) return series.steps[i];
  }
  return null;
}

const better = (mode: "min" | "max") => (a: number, b: number) => (mode === "min" ? a - b : b - a);

/** Ranks runs on one metric, fairly: at a common step when asked, with health and hyperparameters. */
export function compareRuns(inputs: CompareInput[], options: CompareOptions): Comparison {
  const sorted = inputs.map((input) => ({
    input,
    series: input.series ? sortedByStep(input.series) : undefined,
  }));
  const lastSteps = sorted.map(({ series }) => (series ? lastFiniteStep(series) : null));
  const reached = lastSteps.filter((s): s is number => s !== null);
  const policy = options.atStep !== undefined ? "at_step" : options.alignMin ? "align_min" : "final";
  const target = policy === "at_step"
    ? options.atStep!
    : policy === "align_min" && reached.length
    ? Math.min(...reached)
    : null;
  const keys = differingKeys(inputs.map((i) => i.config));
  const order = better(options.mode);
  const runs: RankedRun[] = sorted.map(({ input, series }, i) => {
    const stats = series ? profile(options.metric, series, options.mode === "max").stats : undefined;
    const at = series && lastSteps[i] !== null
      ? valueAt(series, target ?? lastSteps[i]!, options.smooth)
      : null;
    const final = series && lastSteps[i] !== null ? valueAt(series, lastSteps[i]!, 1) : null;
    let best: { value: number; step: number } | null = null;
    if (series) {
      for (let k = 0; k < series.steps.length; k++) {
        const v = series.values[k];
        if (Number.isFinite(v) && (best === null || order(v, best.value) < 0)) {
          best = { value: v, step: series.steps[k] };
        }
      }
    }
    const nonFinite = series ? series.values.filter((v) => !Number.isFinite(v)).length : 0;
    const note = !series
      ? `does not log ${options.metric}`
      : at === null
      ? (target !== null ? `no ${options.metric} at or before step ${target}` : `no finite ${options.metric}`)
      : nonFinite
      ? `${nonFinite} NaN/Infinity values of ${options.metric}`
      : null;
    return {
      rank: null,
      best_run: false,
      project: input.project,
      run: input.run,
      run_id: input.run_id,
      value: at?.value ?? null,
      step: at?.step ?? null,
      final: final?.value ?? null,
      final_step: final?.step ?? null,
      best: best?.value ?? null,
      best_step: best?.step ?? null,
      last_step: lastSteps[i],
      points: series?.steps.length ?? 0,
      change_pct: stats?.change_pct ?? null,
      noise_pct: stats?.noise_pct ?? null,
      verdict: input.analysis.verdict,
      findings: input.analysis.findings.filter((f) => f.severity !== "ok").map((f) => f.rule),
      config: Object.fromEntries(keys.map((k) => [k, input.config?.[k] ?? null])),
      note,
    };
  });
  // A run that blew up (NaN) ranks after every run that did not, whatever its last finite value.
  const blewUp = (r: RankedRun) =>
    r.findings.includes("grad.explosion") || r.findings.includes("loss.divergence");
  const ranked = runs.filter((r) => r.value !== null).sort((a, b) =>
    Number(blewUp(a)) - Number(blewUp(b)) || order(a.value!, b.value!)
  );
  ranked.forEach((r, i) => (r.rank = i + 1));
  runs.sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity));
  const winner = ranked[0];
  if (winner) winner.best_run = true;
  const steps = new Set(ranked.map((r) => r.step));
  const warnings: string[] = [];
  if (ranked.length > 1 && steps.size > 1) {
    const range = `${Math.min(...ranked.map((r) => r.step!))} to ${Math.max(...ranked.map((r) => r.step!))}`;
    warnings.push(
      policy === "final"
        ? `runs were compared at different steps (${range}); compare them at one step with align=min or at_step=N ` +
          "(--align min or --at-step N on the command line)"
        : `${options.metric} is logged at different steps: runs were compared at ${range}, each at its last ` +
          `point at or before step ${target}`,
    );
  }
  if (winner && (winner.verdict === "warning" || winner.verdict === "critical")) {
    warnings.push(
      `the best run ${winner.run} is not healthy (${winner.verdict}: ${winner.findings.join(", ")})`,
    );
  }
  const runnerUp = ranked[1];
  if (winner && runnerUp && !blewUp(runnerUp)) {
    const gap = Math.abs(runnerUp.value! - winner.value!) / Math.max(Math.abs(winner.value!), 1e-12);
    const noise = [winner, runnerUp].map((r) => (r.noise_pct ?? 0) / 100);
    if (gap < Math.max(T("CLOSE_CALL_GAP"), ...noise)) {
      warnings.push(
        `${winner.run} and ${runnerUp.run} are too close to call: ${
          pct(gap)
        } apart, within the metric's noise`,
      );
    }
  }
  return {
    metric: options.metric,
    mode: options.mode,
    compared_at: { policy, step: target, same_step: steps.size <= 1 },
    smooth: options.smooth,
    runs,
    differing_config: keys,
    best: winner
      ? { project: winner.project, run: winner.run, value: winner.value!, step: winner.step! }
      : null,
    recommendation: recommendation(winner, runnerUp, options, keys, inputs),
    warnings,
  };
}

function recommendation(
  winner: RankedRun | undefined,
  runnerUp: RankedRun | undefined,
  options: CompareOptions,
  keys: string[],
  inputs: CompareInput[],
): string {
  if (!winner) return `No run has a finite ${options.metric} to compare.`;
  const what = `${options.mode === "min" ? "lowest" : "highest"} ${options.metric} (${
    fmt(winner.value!)
  } at step ${winner.step})`;
  const health = winner.verdict === "ok" || winner.verdict === "info"
    ? "and a healthy run"
    : `but it is ${winner.verdict}: ${winner.findings.join(", ")}`;
  const overfit = inputs.find((i) => i.run_id === winner.run_id)?.analysis.findings.find((f) =>
    f.rule === "loss.overfitting"
  );
  const checkpoint = overfit
    ? `; keep its checkpoint at step ${overfit.evidence[0]?.step}, before it overfit`
    : "";
  const ahead = runnerUp ? `, ahead of ${runnerUp.run} (${fmt(runnerUp.value!)})` : "";
  const differs = keys.length ? `; the runs differ in ${keys.join(", ")}` : "";
  return `Best: ${winner.run}: ${what}${ahead}, ${health}${checkpoint}${differs}.`;
}
