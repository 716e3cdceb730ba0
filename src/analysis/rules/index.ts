import { dpoDisplacement, dpoHealthy, dpoMargins, dpoNonFinite, dpoNotLearning } from "./dpo.ts";
import { gradSpike } from "./gradients.ts";
import {
  grpoHealthy,
  grpoKl,
  grpoKlAtStart,
  grpoLength,
  grpoNoSignal,
  grpoRewardCollapse,
  grpoRewardFlat,
} from "./grpo.ts";
import { healthy, missingLoss } from "./healthy.ts";
import { lossDivergence, lossInstability, lossSpike, lrTooHigh } from "./loss_shape.ts";
import { gradExplosion, gradNonFinite, metricNonFinite } from "./nonfinite.ts";
import { evalRising, overfitting } from "./overfitting.ts";
import { dataFloor, lossPlateau, lrTooLow } from "./slow_progress.ts";
import type { RuleDef } from "./types.ts";

/**
 * Every rule, in the order they run: a later rule may defer to an earlier one (no plateau report for a
 * diverging run), and `run.healthy` comes last because it speaks only when nothing else is wrong.
 */
export const RULES: RuleDef[] = [
  missingLoss,
  gradExplosion,
  gradNonFinite,
  dpoNonFinite,
  metricNonFinite,
  lossDivergence,
  lrTooHigh,
  lossInstability,
  lossSpike,
  gradSpike,
  overfitting,
  evalRising,
  lrTooLow,
  lossPlateau,
  dataFloor,
  dpoNotLearning,
  dpoMargins,
  dpoDisplacement,
  dpoHealthy,
  grpoRewardCollapse,
  grpoKl,
  grpoKlAtStart,
  grpoNoSignal,
  grpoRewardFlat,
  grpoLength,
  grpoHealthy,
  healthy,
];

export const findRule = (id: string) => RULES.find((r) => r.id === id);
