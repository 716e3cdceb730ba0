/**
 * What a comparison of runs compares, decided from the runs' metric names and series alone: which
 * metric ranks them, how much a train loss is smoothed, and each run's final losses.
 */
import { assignRoles } from "./metric_roles.ts";
import type { Series } from "./series.ts";

/** Points of the rolling median a train loss is compared on, unless told: per-step noise is ~10%. */
export const TRAIN_SMOOTH_DEFAULT = 10;

/**
 * The metric to rank on: the one given; else the eval loss when every run logs the same one (the
 * guide's "lowest eval loss"); else the train loss most runs log.
 */
export function chooseMetric(
  given: string | undefined,
  runsMetrics: Iterable<string>[],
): { metric: string; notices: string[]; isTrain: boolean } {
  const roles = runsMetrics.map((names) => assignRoles(names));
  const trainNames = roles.map((r) => r.train_loss).filter((n): n is string => n !== undefined);
  const commonTrain = mostCommon(trainNames) ?? "train/loss";
  if (given) return { metric: given, notices: [], isTrain: trainNames.includes(given) };
  const evalNames = new Set(roles.map((r) => r.eval_loss));
  const evalName = roles[0]?.eval_loss;
  if (evalName && evalNames.size === 1) return { metric: evalName, notices: [], isTrain: false };
  const notices = evalName || roles.some((r) => r.eval_loss)
    ? [`not every run logs the same eval loss: compared on ${commonTrain}`]
    : [];
  return { metric: commonTrain, notices, isTrain: true };
}

/** A run's train and eval loss as last logged (finite), their gap, and its last step in any series. */
export function lossesOf(series: ReadonlyMap<string, Series>) {
  const roles = assignRoles(series.keys());
  const last = (name: string | undefined) => {
    const s = name ? series.get(name) : undefined;
    if (!s) return null;
    let at = -1;
    for (let i = 0; i < s.values.length; i++) {
      if (Number.isFinite(s.values[i]) && (at < 0 || s.steps[i] >= s.steps[at])) at = i;
    }
    return at < 0 ? null : s.values[at];
  };
  const train = last(roles.train_loss), evalLoss = last(roles.eval_loss);
  let runLast: number | null = null;
  for (const s of series.values()) {
    for (const step of s.steps) if (runLast === null || step > runLast) runLast = step;
  }
  return {
    train_loss: train,
    eval_loss: evalLoss,
    train_eval_gap: train !== null && evalLoss !== null ? evalLoss - train : null,
    run_last_step: runLast,
  };
}

function mostCommon(names: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}
