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
  const at = indexAtStep(step, step[0] + T("EARLY_DROP_WINDOW") * (step[step.length - 1] - step[0]));
  return (p.smooth[0] - Math.min(...p.smooth.slice(0, at + 1))) / total;
}

/** Whether the loss's mean fell from one tenth of the run to the next at least STEADY_FALL_DECILES times. */
export function fallsSteadily(p: Profile): boolean {
  const n = p.smooth.length;
  if (n < 10) return false;
  const means = Array.from({ length: 10 }, (_, d) => {
    const part = p.smooth.slice(Math.floor((d * n) / 10), Math.floor(((d + 1) * n) / 10));
    return part.reduce((a, b) => a + b, 0) / part.length;
  });
  let falls = 0;
  for (let d = 1; d < 10; d++) if (means[d] < means[d - 1]) falls++;
  return falls >= T("STEADY_FALL_DECILES");
}

/** The uniform-guess level the loss sits at (ln 2, ln 3, ln 4, ln of a vocabulary), if any. */
const GUESS_LEVELS: [string, number][] = [
  ["ln 2 (a guess between 2 classes)", Math.log(2)],
  ["ln 3 (a guess between 3)", Math.log(3)],
  ["ln 4 (a guess between 4)", Math.log(4)],
  ...[30522, 32000, 32768, 50257, 128256, 151936, 256000].map((v): [string, number] => [
    `ln ${v} (a uniform guess over a ${v}-token vocabulary)`,
    Math.log(v),
  ]),
];

/** The guess level the last quarter of the smoothed loss stays at, within UNIFORM_GUESS_TOLERANCE. */
export function uniformGuess(p: Profile): { label: string; level: number } | null {
  const tail = p.smooth.slice(-Math.max(2, Math.ceil(p.smooth.length / 4)));
  for (const [label, level] of GUESS_LEVELS) {
    if (tail.every((v) => Math.abs(v - level) <= T("UNIFORM_GUESS_TOLERANCE") * level)) {
      return { label, level };
    }
  }
  return null;
}

/** Steps of the run after warm-up. */
const stepsAfterWarmup = (s: RunSignals) => s.lastStep - Math.max(s.firstStep, s.warmupEnd);

/** The loss rules for slow or stalled learning apply to supervised runs whose loss means something. */
const applies = (s: RunSignals) =>
  s.kind === "sft" && s.profiles.train_loss !== undefined &&
  !(["grad.explosion", "loss.divergence", "lr.too_high"] as const).some((r) => s.fired.has(r));

export const lrTooLow = defineRule({
  id: "lr.too_low",
  title: "Learning rate too low: loss decreasing very slowly",
  severities: ["warning"],
  meaning: "The loss moves in the right direction but so slowly that the run will end far from where it " +
    "could be.",
  detection: "After warm-up and LR_LOW_MIN_STEPS steps, the smoothed train loss has fallen by less than " +
    "LR_LOW_MAX_DROP of its start, and steadily (its mean fell from one tenth of the run to the next at " +
    "least STEADY_FALL_DECILES of 9 times): slow, not flat (loss.plateau) and not a fast drop that then " +
    "flattened (loss.data_floor); and the logged learning rate, if any, never above LR_LOW_PEAK.",
  actions: [
    "Increase the learning rate 2-5x",
    "Use a learning-rate scheduler with warm-up",
  ],
  thresholds: ["LR_LOW_MAX_DROP", "LR_LOW_MIN_STEPS", "STEADY_FALL_DECILES", "LR_LOW_PEAK"],
  detect: (s) => {
    if (!applies(s) || stepsAfterWarmup(s) < T("LR_LOW_MIN_STEPS")) return null;
    const loss = s.profiles.train_loss!;
    const { start, current } = loss.stats;
    if (start === null || current === null || !(start > 0)) return null;
    const drop = (start - current) / start;
    if (drop >= T("LR_LOW_MAX_DROP") || !fallsSteadily(loss)) return null;
    const lrProfile = s.profiles.learning_rate;
    const peakLr = lrProfile?.finite.values.length ? lrProfile.peak : null;
    if (peakLr !== null && peakLr > T("LR_LOW_PEAK")) return null;
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

interface Flat {
  since: number;
  value: number;
  share: number;
  /** Why: no new low lately, no progress at all, or a uniform-guess level. */
  how: "stalled" | "no_progress" | "guess";
  guess?: string;
}

/**
 * An eval loss falling steadily to a new low at its end: the model is still improving, whatever the
 * train loss says. One last eval that happens to be the lowest of a flat series is not that.
 */
function evalStillImproving(s: RunSignals): boolean {
  const e = s.profiles.eval_loss;
  const { best, best_step, last_step, start } = e?.stats ?? {};
  if (!e || best == null || best_step == null || last_step == null || start == null) return false;
  // Still improving by a measurable amount over its second half, not by rounding errors.
  const middle = e.smooth[Math.floor(e.smooth.length / 2)];
  return best < middle * (1 - T("EVAL_STILL_IMPROVING")) && fallsSteadily(e) &&
    best_step >= last_step - T("EVAL_BEST_RECENT") * (s.lastStep - s.firstStep);
}

function plateau(s: RunSignals): Flat | null {
  if (!applies(s) || s.fired.has("lr.too_low") || s.fired.has("loss.instability")) return null;
  const loss = s.profiles.train_loss!;
  if (loss.smooth.length < T("MIN_POINTS_TREND")) return null;
  const whole = { since: loss.reduced.step[0], share: 1 };
  // A loss at the level of a uniform guess, or one that barely moved, learned nothing: whatever the length.
  const guess = uniformGuess(loss);
  if (guess) return { ...whole, value: guess.level, how: "guess", guess: guess.label };
  const { start, current } = loss.stats;
  if (
    start !== null && current !== null && start > 0 && (start - current) / start < T("PLATEAU_TOTAL_DROP") &&
    !fallsSteadily(loss) && !evalStillImproving(s)
  ) {
    return { ...whole, value: current, how: "no_progress" };
  }
  if (stepsAfterWarmup(s) < T("PLATEAU_MIN_STEPS") || evalStillImproving(s)) return null;
  const low = lastNewLow(loss);
  const share = (s.lastStep - low.step) / Math.max(1, s.lastStep - s.firstStep);
  return share >= T("PLATEAU_MIN_FRACTION")
    ? { since: low.step, value: low.value, share, how: "stalled" }
    : null;
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
  detection: "The smoothed train loss sits at a uniform-guess level (within UNIFORM_GUESS_TOLERANCE of " +
    "ln 2, ln 3, ln 4 or ln of a common vocabulary size), or it ended less than PLATEAU_TOTAL_DROP below " +
    "its start without a falling trend, whatever the run's length; or it has made no new low (by " +
    "PLATEAU_MIN_IMPROVEMENT) for the last PLATEAU_MIN_FRACTION of the run's steps (at least " +
    "PLATEAU_MIN_STEPS after warm-up) and is not a single-epoch run at its data floor (see " +
    "loss.data_floor). Not while the eval loss is still improving (EVAL_STILL_IMPROVING).",
  actions: [
    "If the learning rate is already decayed or small, increase it (or restart the schedule)",
    "Check the data: duplicates, label noise, truncated samples",
    "Try a larger model or a higher LoRA rank if capacity is the limit",
    "Stop early to save compute if eval loss is flat too",
  ],
  thresholds: [
    "PLATEAU_MIN_FRACTION",
    "PLATEAU_MIN_IMPROVEMENT",
    "PLATEAU_MIN_STEPS",
    "PLATEAU_TOTAL_DROP",
    "UNIFORM_GUESS_TOLERANCE",
    "STEADY_FALL_DECILES",
    "EVAL_STILL_IMPROVING",
    "PLATEAU_ABOVE_BEST",
    "EVAL_BEST_RECENT",
    "MIN_POINTS_TREND",
  ],
  detect: (s) => {
    const flat = plateau(s);
    if (!flat || (flat.how === "stalled" && atDataFloor(s))) return null;
    const loss = s.profiles.train_loss!;
    const message = flat.how === "guess"
      ? `${loss.metric} sits at ${fmt(loss.stats.current)}, the loss of ${flat.guess}: the model has not ` +
        "learned anything."
      : flat.how === "no_progress"
      ? `${loss.metric} barely moved over the whole run (${fmt(loss.stats.start)} to ${
        fmt(loss.stats.current)
      }, ` +
        "no steady fall): the model is not learning."
      : (loss.stats.current ?? flat.value) > flat.value * (1 + T("PLATEAU_ABOVE_BEST"))
      // Well above its best: not "flat around the best".
      ? `${loss.metric} has made no new low since step ${flat.since} (${pct(flat.share)} of the run; best ` +
        `${fmt(flat.value)}) and is at ${fmt(loss.stats.current)} now, above it.`
      : `${loss.metric} has been flat around ${fmt(flat.value)} since step ${flat.since} ` +
        `(${pct(flat.share)} of the run) with no new low.`;
    return {
      severity: "warning",
      message,
      evidence: [
        evidence(loss.metric, flat.since, flat.value, flat.how === "stalled" ? "last new low" : "level"),
      ],
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
  thresholds: ["PLATEAU_MIN_FRACTION", "EARLY_DROP_SHARE", "EARLY_DROP_WINDOW"],
  detect: (s) => {
    const flat = plateau(s);
    if (!flat || flat.how !== "stalled" || !atDataFloor(s)) return null;
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
