import { T } from "../thresholds.ts";
import { median } from "../robust.ts";
import { type Profile, recentLevel } from "../stats.ts";
import { defineRule, evidence } from "./types.ts";
import { fmt, pct } from "../../util/format.ts";

export const overfitting = defineRule({
  id: "loss.overfitting",
  title: "Overfitting: eval loss rising while train loss falls",
  severities: ["warning"],
  meaning: "The model keeps fitting the training data but generalizes worse: every step past the best eval " +
    "loss makes the model worse on new data.",
  detection: "For each eval set (eval/loss, or eval/<set>_loss and the like), the eval loss has been above " +
    "its best for at least OVERFIT_MIN_EVALS_AFTER_BEST evaluations " +
    "in a row up to the latest, its last two are both OVERFIT_MIN_RISE or more above its best, and the train " +
    "loss at the end is OVERFIT_TRAIN_FALL or more lower than at the best eval step.",
  actions: [
    "Stop at the lowest eval loss: keep the checkpoint of the best eval step (early stopping)",
    "Increase regularization (weight decay, dropout)",
    "Reduce capacity (a smaller LoRA rank) or train fewer epochs",
    "Add more training data",
  ],
  thresholds: [
    "OVERFIT_MIN_EVALS_AFTER_BEST",
    "OVERFIT_MIN_RISE",
    "OVERFIT_TRAIN_FALL",
    "OVERFIT_TRAIN_WINDOW",
  ],
  detect: ({ profiles, evalLosses }) => {
    const sets = evalLosses.length ? evalLosses : profiles.eval_loss ? [profiles.eval_loss] : [];
    const found = sets.map((e) => overfitOf(e, profiles.train_loss)).filter((f): f is Overfit =>
      f !== null && f.trainFalling
    );
    if (found.length === 0) return null;
    found.sort((x, y) => y.rise - x.rise);
    const [worst, ...more] = found;
    const also = more.length
      ? `; also ${
        more.map((f) => `${f.metric} (${pct(f.rise)} above its best at step ${f.bestStep})`).join(", ")
      }`
      : "";
    return { severity: "warning", message: worst.message + also, evidence: found.flatMap((f) => f.evidence) };
  },
});

type Overfit = NonNullable<ReturnType<typeof overfitOf>>;

/** Whether one eval set's loss rose past its best: its rise, the sentence and the evidence, or null. */
function overfitOf(evalLoss: Profile, train: Profile | undefined) {
  if (evalLoss.finite.values.length < T("OVERFIT_MIN_EVALS_AFTER_BEST") + 1) return null;
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
    // Levels, not single smoothed points: the median just after the best eval step, and the recent one.
    const { step } = train.reduced;
    const span = T("OVERFIT_TRAIN_WINDOW") * (step[step.length - 1] - step[0]);
    const near = train.smooth.filter((_, i) => step[i] >= steps[best] && step[i] <= steps[best] + span);
    const i = step.findIndex((s) => s >= steps[best]);
    trainAtBest = near.length ? median(near) : train.smooth[i === -1 ? train.smooth.length - 1 : i];
    trainNow = recentLevel(train);
  }
  // Without a train loss, a rising eval loss is read as overfitting, the common case.
  const trainFalling = trainAtBest === null || trainNow === null ||
    trainNow < trainAtBest * (1 - T("OVERFIT_TRAIN_FALL"));
  const rise = (last - values[best]) / values[best];
  const trainPart = trainAtBest !== null && trainNow !== null
    ? ` while ${train!.metric} ${trainFalling ? "fell" : "went"} from ${fmt(trainAtBest)} to ${fmt(trainNow)}`
    : "";
  return {
    metric: evalLoss.metric,
    rise,
    trainFalling,
    trainAtBest,
    trainNow,
    bestStep: steps[best],
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
}

export const evalRising = defineRule({
  id: "loss.eval_rising",
  title: "Eval loss rising while the train loss is not falling",
  severities: ["info", "warning"],
  meaning: "The eval loss has risen past its best, and the train loss is flat or rising too: this is not " +
    "overfitting (which needs the train loss still falling). The model is getting worse on both, or at " +
    "best not better: updates too large for this phase, a learning-rate schedule that went up, or a change " +
    "in the data.",
  detection: "Same eval test as loss.overfitting (OVERFIT_MIN_EVALS_AFTER_BEST evaluations after the best, " +
    "the last two OVERFIT_MIN_RISE above it), with the train loss at the end not lower than at the best " +
    "eval step: a warning when the train loss is flat (within OVERFIT_MIN_RISE of its level then), a note " +
    "when it rose too (loss.divergence judges that); not reported when loss.divergence already is.",
  actions: [
    "Keep the checkpoint of the best eval step",
    "Lower the learning rate (or check the schedule did not go up); look at what changed in the data at the " +
    "best eval step",
  ],
  thresholds: ["OVERFIT_MIN_EVALS_AFTER_BEST", "OVERFIT_MIN_RISE", "OVERFIT_TRAIN_FALL"],
  detect: ({ profiles, evalLosses, fired }) => {
    if (fired.has("loss.divergence") || fired.has("loss.overfitting")) return null;
    const sets = evalLosses.length ? evalLosses : profiles.eval_loss ? [profiles.eval_loss] : [];
    const found = sets.map((e) => overfitOf(e, profiles.train_loss)).filter((f): f is Overfit =>
      f !== null && !f.trainFalling
    );
    if (found.length === 0) return null;
    const worst = found.reduce((a, b) => (b.rise > a.rise ? b : a));
    // Train flat: only the eval got worse, a warning. Train rising too: the run gave back ground on both,
    // which the divergence rules judge; here it is a note.
    const trainFlat = worst.trainAtBest !== null && worst.trainNow !== null &&
      worst.trainNow <= worst.trainAtBest * (1 + T("OVERFIT_MIN_RISE"));
    return { severity: trainFlat ? "warning" : "info", message: worst.message, evidence: worst.evidence };
  },
});
