import { type Finding, type Severity, severityRank, worst } from "./findings.ts";
import { assignRoles, type Role, type RunKind, runKind } from "./metric_roles.ts";
import { type Progress, progressOf, warmupEnd } from "./progress.ts";
import { RULES } from "./rules/index.ts";
import type { RunSignals } from "./rules/types.ts";
import type { Series } from "./series.ts";
import { type Profile, profile, project, type Projection, type SeriesStats } from "./stats.ts";
import { T } from "./thresholds.ts";

export interface RunData {
  /** Numeric series by metric name (at least those that play a role). */
  series: Map<string, Series>;
  config: Record<string, unknown> | null;
}

/** Metric names the user chose for roles, overriding the name matching. */
export type MetricChoices = Partial<Record<Role, string>>;

export interface RunAnalysis {
  verdict: Severity;
  kind: RunKind;
  /** Which metric plays which part. */
  metrics: Partial<Record<Role, string>>;
  progress: Progress;
  stats: SeriesStats[];
  findings: Finding[];
  projection: Projection | null;
  recommendation: string;
}

const HIGHER_IS_BETTER = new Set<Role>(["reward", "dpo_margins", "dpo_accuracies"]);

/** The metrics a report shows, by kind of run, most telling first. */
const SHOWN: Record<RunKind, Role[]> = {
  sft: ["train_loss", "eval_loss", "grad_norm", "learning_rate"],
  dpo: ["train_loss", "dpo_margins", "dpo_accuracies", "eval_loss", "grad_norm", "learning_rate"],
  grpo: ["reward", "kl", "frac_reward_zero_std", "completion_length", "grad_norm", "learning_rate"],
};

function lastEpoch(p: Profile | undefined): number | null {
  return p && p.finite.values.length ? p.finite.values[p.finite.values.length - 1] : null;
}

/** Diagnoses a run from its series and config: a pure function, the same for CLI, CI and MCP. */
export function analyzeRun(data: RunData, choices: MetricChoices = {}): RunAnalysis {
  const roles = assignRoles(data.series.keys(), choices);
  const kind = runKind(roles);
  const profiles: Partial<Record<Role, Profile>> = {};
  for (const [role, metric] of Object.entries(roles) as [Role, string][]) {
    const series = data.series.get(metric);
    if (series && series.steps.length) profiles[role] = profile(metric, series, HIGHER_IS_BETTER.has(role));
  }
  let firstStep = Infinity, lastStep = -Infinity;
  for (const p of Object.values(profiles)) {
    firstStep = Math.min(firstStep, p!.stats.first_step!);
    lastStep = Math.max(lastStep, p!.stats.last_step!);
  }
  if (!Number.isFinite(lastStep)) [firstStep, lastStep] = [0, 0];
  const configEpochs = data.config?.num_train_epochs;
  const signals: RunSignals = {
    kind,
    config: data.config,
    profiles,
    firstStep,
    lastStep,
    warmupEnd: warmupEnd(data.config, lastStep, T("WARMUP_FRACTION")),
    epochs: typeof configEpochs === "number" && configEpochs > 0 ? configEpochs : lastEpoch(profiles.epoch),
    fired: new Set(),
    worst: "ok",
  };
  const findings: Finding[] = [];
  for (const rule of RULES) {
    const found = rule.detect(signals);
    if (!found) continue;
    findings.push({ rule: rule.id, ...found, actions: found.actions ?? rule.actions });
    signals.fired.add(rule.id);
    signals.worst = worst([signals.worst, found.severity]);
  }
  findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  const progress = progressOf(
    data.config,
    Number.isFinite(lastStep) && lastStep > 0 ? lastStep : null,
    lastEpoch(profiles.epoch),
  );
  const target = profiles.eval_loss?.stats.trend === "decreasing" ? profiles.eval_loss : profiles.train_loss;
  return {
    verdict: signals.worst,
    kind,
    metrics: roles,
    progress,
    stats: SHOWN[kind].filter((r) => profiles[r]).map((r) => profiles[r]!.stats),
    findings,
    projection: target && progress.max_steps ? project(target, progress.max_steps) : null,
    recommendation: findings[0]?.actions[0] ?? "Nothing to judge yet: wait for more logged steps.",
  };
}
