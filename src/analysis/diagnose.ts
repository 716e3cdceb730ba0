import { type Finding, type Severity, severityRank, worst } from "./findings.ts";
import { assignRoles, isEvalLossName, type Role, type RunKind, runKind } from "./metric_roles.ts";
import { type Progress, progressOf, warmupEnd } from "./progress.ts";
import { RULES } from "./rules/index.ts";
import type { NonFiniteSeries, RunSignals } from "./rules/types.ts";
import { type Series, sortedByStep } from "./series.ts";
import { factsOf } from "./series_facts.ts";
import { type Profile, profile, project, type Projection, type SeriesStats } from "./stats.ts";
import { T } from "./thresholds.ts";
import { tailorActions } from "./tailor.ts";
import { describeSchedule, type LrSchedule } from "./lr_schedule.ts";

export interface RunData {
  /** Numeric series by metric name (at least those that play a role). */
  series: Map<string, Series>;
  config: Record<string, unknown> | null;
  /** The run is over (a summary row, max_steps reached): no advice to let it run. */
  finished?: boolean;
  /** The run is also over if its progress reaches max_steps (known only once its steps are read). */
  finishedAtMaxSteps?: boolean;
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
  /** Where the train and the eval loss are headed at max_steps, each as a range (when decreasing). */
  projections: Projection[];
  /** The learning-rate schedule in words, from the logged learning rate. */
  lr_schedule: LrSchedule | null;
  recommendation: string;
}

const HIGHER_IS_BETTER = new Set<Role>(["reward", "dpo_margins", "dpo_accuracies"]);
/** The roles whose best value is worth showing. */
const HAS_BEST = new Set<Role>(["train_loss", "eval_loss", "reward", "dpo_margins", "dpo_accuracies"]);

/** The metrics a report shows, by kind of run, most telling first. */
const SHOWN: Record<RunKind, Role[]> = {
  sft: ["train_loss", "eval_loss", "grad_norm", "learning_rate"],
  dpo: ["train_loss", "dpo_margins", "dpo_accuracies", "eval_loss", "grad_norm", "learning_rate"],
  grpo: ["reward", "kl", "frac_reward_zero_std", "completion_length", "grad_norm", "learning_rate"],
};

/**
 * One thing to do: the first action of the worst problem; when nothing is at warning or above, what
 * the healthy verdict advises, so a note (info) does not read as an alarm.
 */
function recommend(findings: Finding[]): string {
  const top = findings[0];
  if (!top) return "Nothing to judge yet: wait for more logged steps.";
  if (severityRank(top.severity) >= severityRank("warning")) return top.actions[0];
  return (findings.find((f) => f.severity === "ok") ?? top).actions[0];
}

function lastFinite(values: ArrayLike<number>): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (Number.isFinite(values[i])) return values[i];
  return null;
}

/** A profile of every eval set's loss, the role's own first. */
function evalLossProfiles(series: Map<string, Series>, role: Profile | undefined): Profile[] {
  const others = [...series.keys()].filter((m) => isEvalLossName(m) && m !== role?.metric).sort();
  const out = role ? [role] : [];
  for (const metric of others) {
    const s = series.get(metric)!;
    if (s.steps.length) out.push(profile(metric, s));
  }
  return out;
}

/** The series that hold NaN or infinities, in metric-name order. */
function nonFiniteSeries(series: Map<string, Series>): NonFiniteSeries[] {
  const out: NonFiniteSeries[] = [];
  for (const [metric, raw] of [...series].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const facts = factsOf(raw);
    if (facts?.nonFinite === 0) continue;
    const s = sortedByStep(raw);
    let count = 0, first = -1;
    if (facts?.sorted) [count, first] = [facts.nonFinite, facts.firstNonFinite];
    else {
      for (let i = 0; i < s.values.length; i++) {
        if (Number.isFinite(s.values[i])) continue;
        count++;
        if (first < 0) first = i;
      }
    }
    if (count === 0) continue;
    out.push({
      metric,
      count,
      points: s.values.length,
      firstStep: s.steps[first],
      firstValue: s.values[first],
      persisted: !Number.isFinite(s.values[s.values.length - 1]),
    });
  }
  return out;
}

/** Diagnoses a run from its series and config: a pure function, the same for CLI, CI and MCP. */
export function analyzeRun(data: RunData, choices: MetricChoices = {}): RunAnalysis {
  const roles = assignRoles(data.series.keys(), choices);
  const kind = runKind(roles);
  const profiles: Partial<Record<Role, Profile>> = {};
  for (const [role, metric] of Object.entries(roles) as [Role, string][]) {
    const series = data.series.get(metric);
    // The epoch counter is read for its last value only; it needs no profile.
    if (series && series.steps.length && role !== "epoch") {
      profiles[role] = profile(metric, series, HIGHER_IS_BETTER.has(role));
    }
  }
  const epochSeries = roles.epoch ? data.series.get(roles.epoch) : undefined;
  const epochNow = epochSeries ? lastFinite(epochSeries.values) : null;
  let firstStep = Infinity, lastStep = -Infinity;
  for (const p of Object.values(profiles)) {
    firstStep = Math.min(firstStep, p!.stats.first_step!);
    lastStep = Math.max(lastStep, p!.stats.last_step!);
  }
  if (!Number.isFinite(lastStep)) [firstStep, lastStep] = [0, 0];
  const configEpochs = data.config?.num_train_epochs;
  const progress = progressOf(
    data.config,
    Number.isFinite(lastStep) && lastStep > 0 ? lastStep : null,
    epochNow,
  );
  const signals: RunSignals = {
    kind,
    config: data.config,
    profiles,
    nonFinite: nonFiniteSeries(data.series),
    evalLosses: evalLossProfiles(data.series, profiles.eval_loss),
    firstStep,
    lastStep,
    warmupEnd: warmupEnd(data.config, lastStep, T("WARMUP_FRACTION"), profiles.learning_rate),
    epochs: typeof configEpochs === "number" && configEpochs > 0 ? configEpochs : epochNow,
    finished: data.finished === true || (data.finishedAtMaxSteps === true && progress.fraction === 1),
    fired: new Set(),
    worst: "ok",
  };
  const findings: Finding[] = [];
  for (const rule of RULES) {
    const found = rule.detect(signals);
    if (!found) continue;
    findings.push({
      rule: rule.id,
      ...found,
      actions: tailorActions(found.actions ?? rule.actions, data.config),
    });
    signals.fired.add(rule.id);
    signals.worst = worst([signals.worst, found.severity]);
  }
  findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  const target = profiles.eval_loss?.stats.trend === "decreasing" ? profiles.eval_loss : profiles.train_loss;
  return {
    verdict: signals.worst,
    kind,
    metrics: roles,
    progress,
    // "Best" means something for losses, rewards and accuracies, not for a learning rate, a KL, lengths or
    // a grad norm: there it is left out.
    stats: SHOWN[kind].filter((r) => profiles[r]).map((r) =>
      HAS_BEST.has(r) ? profiles[r]!.stats : { ...profiles[r]!.stats, best: null, best_step: null }
    ),
    findings,
    projection: target && progress.max_steps ? project(target, progress.max_steps) : null,
    projections: progress.max_steps
      ? [profiles.train_loss, profiles.eval_loss]
        .map((p) => (p ? project(p, progress.max_steps!) : null))
        .filter((p): p is Projection => p !== null)
      : [],
    lr_schedule: roles.learning_rate && profiles.learning_rate
      ? describeSchedule(
        roles.learning_rate,
        profiles.learning_rate.finite,
        progress.max_steps,
        profiles.learning_rate.kept,
      )
      : null,
    recommendation: recommend(findings),
  };
}
