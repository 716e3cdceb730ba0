import { T } from "../thresholds.ts";
import { defineRule, evidence } from "./types.ts";
import { fmt, pct } from "../../util/format.ts";

export const overfitting = defineRule({
  id: "loss.overfitting",
  title: "Overfitting: eval loss rising while train loss falls",
  severities: ["warning"],
  meaning: "The model keeps fitting the training data but generalizes worse: every step past the best eval " +
    "loss makes the model worse on new data.",
  detection: "The eval loss has been above its best for at least OVERFIT_MIN_EVALS_AFTER_BEST evaluations " +
    "in a row up to the latest, its last two are both OVERFIT_MIN_RISE or more above its best, and the train " +
    "loss at the end is lower than at the best eval step.",
  actions: [
    "Stop at the lowest eval loss: keep the checkpoint of the best eval step (early stopping)",
    "Increase regularization (weight decay, dropout)",
    "Reduce capacity (a smaller LoRA rank) or train fewer epochs",
    "Add more training data",
  ],
  thresholds: ["OVERFIT_MIN_EVALS_AFTER_BEST", "OVERFIT_MIN_RISE"],
  detect: ({ profiles }) => {
    const evalLoss = profiles.eval_loss;
    const train = profiles.train_loss;
    if (!evalLoss || evalLoss.finite.values.length < T("OVERFIT_MIN_EVALS_AFTER_BEST") + 1) return null;
    const { steps, values } = evalLoss.finite;
    let best = 0;
    for (let i = 1; i < values.length; i++) if (values[i] < values[best]) best = i;
    const after = values.length - 1 - best;
    const last = values[values.length - 1];
    const above = (v: number) => v >= values[best] * (1 + T("OVERFIT_MIN_RISE"));
    if (after < T("OVERFIT_MIN_EVALS_AFTER_BEST") || !above(last) || !above(values[values.length - 2])) {
      return null;
    }
    let trainAtBest: number | null = null, trainNow: number | null = null;
    if (train && train.smooth.length) {
      const i = train.reduced.step.findIndex((s) => s >= steps[best]);
      trainAtBest = train.smooth[i === -1 ? train.smooth.length - 1 : i];
      trainNow = train.smooth[train.smooth.length - 1];
      if (!(trainNow < trainAtBest)) return null;
    }
    const rise = (last - values[best]) / values[best];
    const trainPart = trainAtBest !== null && trainNow !== null
      ? ` while ${train!.metric} fell from ${fmt(trainAtBest)} to ${fmt(trainNow)}`
      : "";
    return {
      severity: "warning",
      message:
        `${evalLoss.metric} is ${pct(rise)} above its best ${fmt(values[best])} at step ${steps[best]} ` +
        `after ${after} more evaluations (now ${fmt(last)})${trainPart}; the best checkpoint is step ${
          steps[best]
        }.`,
      evidence: [
        evidence(evalLoss.metric, steps[best], values[best], "best eval loss: early-stopping point"),
        evidence(evalLoss.metric, steps[steps.length - 1], last, "latest eval loss"),
      ],
    };
  },
});
