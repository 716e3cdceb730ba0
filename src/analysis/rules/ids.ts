/**
 * Every rule id, so that a rule named anywhere (a rule deferring to another, a comparison reading a
 * finding) is checked by the compiler: a typo is a type error, not a condition that never holds.
 * Grouped by family; `RULES` (index.ts) gives the order they run in, and a test holds the two equal.
 */
export const RULE_IDS = [
  "metrics.missing",
  "run.healthy",
  "metric.nonfinite",
  "grad.explosion",
  "grad.nonfinite",
  "grad.spike",
  "loss.divergence",
  "loss.instability",
  "loss.spike",
  "loss.overfitting",
  "loss.eval_rising",
  "loss.plateau",
  "loss.data_floor",
  "lr.too_high",
  "lr.too_low",
  "dpo.nonfinite",
  "dpo.not_learning",
  "dpo.displacement",
  "dpo.margins",
  "dpo.healthy",
  "grpo.reward_collapse",
  "grpo.kl_blowup",
  "grpo.kl_at_start",
  "grpo.no_signal",
  "grpo.reward_flat",
  "grpo.length",
  "grpo.healthy",
] as const;

export type RuleId = typeof RULE_IDS[number];
