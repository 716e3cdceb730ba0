import { indexAtStep } from "../series.ts";
import type { Profile } from "../stats.ts";
import { T } from "../thresholds.ts";
import { atEnd, defineRule, evidence, type RunSignals } from "./types.ts";
import { fmt, pct } from "../../util/format.ts";

/** Share of a loss's total drop made in the first 20% of its steps (1 = all of it early). */
export function earlyDropShare(p: Profile): number {
  const { step } = p.reduced;
  const total = p.smooth[0] - p.smooth[p.smooth.length - 1];
  if (!(total > 0)) return 0;
  const at = indexAtStep(step, step[0] + 0.2 * (step[step.length - 1] - step[0]));
  return (p.smooth[0] - Math.min(...p.smooth.slice(0, at + 1))) / total;
}

/** Steps of the run after warm-up. */
const stepsAfterWarmup = (s: RunSignals) => s.lastStep - Math.max(s.firstStep, s.warmupEnd);

/** The loss rules for slow or stalled learning apply to supervised runs whose loss means something. */
const applies = (s: RunSignals) =>
  s.kind === "sft" && s.profiles.train_loss !== undefined &&
  !["grad.explosion", "loss.divergence", "lr.too_high"].some((r) => s.fired.has(r));

export const lrTooLow = defineRule({
  id: "lr.too_low",
  title: "Learning rate too low: loss decreasing very slowly",
  severities: ["warning"],
  meaning: "The loss moves in the right direction but so slowly that the run will end far from where it " +
    "could be.",
  detection: "After warm-up and LR_LOW_MIN_STEPS steps, the smoothed train loss has fallen by less than " +
    "LR_LOW_MAX_DROP of its start, with no fast early drop (less than EARLY_DROP_SHARE of the drop in the " +
    "first 20% of the steps).",
  actions: [
    "Increase the learning rate 2-5x",
    "Use a learning-rate scheduler with warm-up",
  ],
  thresholds: ["LR_LOW_MAX_DROP", "LR_LOW_MIN_STEPS", "EARLY_DROP_SHARE"],
  detect: (s) => {
    if (!applies(s) || stepsAfterWarmup(s) < T("LR_LOW_MIN_STEPS")) return null;
    const loss = s.profiles.train_loss!;
    const { start, current } = loss.stats;
    if (start === null || current === null || !(start > 0)) return null;
    const drop = (start - current) / start;
    if (drop >= T("LR_LOW_MAX_DROP") || earlyDropShare(loss) >= T("EARLY_DROP_SHARE")) return null;
    const lr = s.config?.learning_rate;
    return {
      severity: "warning",
      message: `${loss.metric} fell only ${pct(Math.max(0, drop))} in ${s.lastStep - s.firstStep} steps ` +
        `(${fmt(start)} to ${fmt(current)})${
          typeof lr === "number" ? ` with learning_rate ${fmt(lr)}` : ""
        }.`,
      evidence: [
        evidence(loss.metric, loss.reduced.step[0], start, "start level"),
        atEnd(loss, current, "current level"),
      ],
    };
  },
});

/** Where the smoothed loss last made a new low by PLATEAU_MIN_IMPROVEMENT. */
function lastNewLow(p: Profile): { step: number; value: number } {
  let record = p.smooth[0], step = p.reduced.step[0];
  for (let i = 1; i < p.smooth.length; i++) {
    if (p.smooth[i] < record * (1 - T("PLATEAU_MIN_IMPROVEMENT"))) {
      [record, step] = [p.smooth[i], p.reduced.step[i]];
    }
  }
  return { step, value: record };
}

function plateau(s: RunSignals): { since: number; value: number; share: number } | null {
  if (!applies(s) || s.fired.has("lr.too_low") || stepsAfterWarmup(s) < T("PLATEAU_MIN_STEPS")) return null;
  const loss = s.profiles.train_loss!;
  if (loss.smooth.length < 8) return null;
  const low = lastNewLow(loss);
  const share = (s.lastStep - low.step) / Math.max(1, s.lastStep - s.firstStep);
  return share >= T("PLATEAU_MIN_FRACTION") ? { since: low.step, value: low.value, share } : null;
}

/** A single-epoch run that dropped fast and then flattened has reached what its data can teach. */
const atDataFloor = (s: RunSignals) =>
  s.epochs !== null && s.epochs <= 1 && earlyDropShare(s.profiles.train_loss!) >= T("EARLY_DROP_SHARE");

export const lossPlateau = defineRule({
  id: "loss.plateau",
  title: "Loss plateau: no improvement for a long stretch",
  severities: ["warning"],
  meaning: "The loss stopped decreasing and stays flat. Possible causes: learning rate too low for this " +
    "stage, model capacity reached, data quality issues, or more epochs needed.",
  detection: "The smoothed train loss has made no new low (by PLATEAU_MIN_IMPROVEMENT) for the last " +
    "PLATEAU_MIN_FRACTION of the run's steps (at least PLATEAU_MIN_STEPS after warm-up), and the run is not " +
    "a single-epoch run at its data floor (see loss.data_floor).",
  actions: [
    "If the learning rate is already decayed or small, increase it (or restart the schedule)",
    "Check the data: duplicates, label noise, truncated samples",
    "Try a larger model or a higher LoRA rank if capacity is the limit",
    "Stop early to save compute if eval loss is flat too",
  ],
  thresholds: ["PLATEAU_MIN_FRACTION", "PLATEAU_MIN_IMPROVEMENT", "PLATEAU_MIN_STEPS"],
  detect: (s) => {
    const flat = plateau(s);
    if (!flat || atDataFloor(s)) return null;
    const loss = s.profiles.train_loss!;
    return {
      severity: "warning",
      message: `${loss.metric} has been flat around ${fmt(flat.value)} since step ${flat.since} ` +
        `(${pct(flat.share)} of the run) with no new low.`,
      evidence: [evidence(loss.metric, flat.since, flat.value, "last new low")],
    };
  },
});

export const dataFloor = defineRule({
  id: "loss.data_floor",
  title: "Loss flat after a fast drop in a single-epoch run (data floor)",
  severities: ["info"],
  meaning: "A one-epoch fine-tune typically drops fast and then stays flat: it has learned what the data " +
    "can teach in one pass. Not a problem to fix.",
  detection: "Same flat stretch as loss.plateau, in a run of at most one epoch that made EARLY_DROP_SHARE " +
    "or more of its drop in the first 20% of its steps.",
  actions: ["Judge the model on eval loss and downstream metrics; more epochs or more data move the floor"],
  thresholds: ["PLATEAU_MIN_FRACTION", "EARLY_DROP_SHARE"],
  detect: (s) => {
    const flat = plateau(s);
    if (!flat || !atDataFloor(s)) return null;
    const loss = s.profiles.train_loss!;
    return {
      severity: "info",
      message:
        `${loss.metric} dropped fast and has held around ${fmt(flat.value)} since step ${flat.since}: ` +
        "a single-epoch run at its data floor.",
      evidence: [evidence(loss.metric, flat.since, flat.value, "last new low")],
    };
  },
});
