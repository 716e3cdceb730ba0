import type { Spike } from "../spikes.ts";
import { indexAtStep } from "../series.ts";
import { findSpikes } from "../spikes.ts";
import { maxOf, median } from "../robust.ts";
import { type Profile, recentLevel } from "../stats.ts";
import { T } from "../thresholds.ts";
import { atEnd, defineRule, evidence, type RunSignals } from "./types.ts";
import { fmt, pct } from "../../util/format.ts";

/**
 * Loss spikes after warm-up that pass both the relative and the absolute test. GRPO's loss hovers
 * around zero and says nothing about health, so it has none.
 */
export function lossSpikes({ profiles, warmupEnd, kind }: RunSignals): Spike[] {
  const loss = profiles.train_loss;
  if (!loss || loss.stats.start === null || kind === "grpo") return [];
  return findSpikes(loss, T("SPIKE_RATIO"), T("SPIKE_MIN_JUMP") * Math.abs(loss.stats.start), warmupEnd);
}

/** Whether grad_norm also spiked (by SPIKE_RATIO) within a few steps of each loss spike. */
function withGradSpikes(signals: RunSignals, spikes: Spike[]): number {
  const grad = signals.profiles.grad_norm;
  if (!grad) return 0;
  const gradSpikes = findSpikes(grad, T("SPIKE_RATIO"), 0, signals.warmupEnd);
  const span = Math.max(1, (signals.lastStep - signals.firstStep) / 200);
  return spikes.filter((s) => gradSpikes.some((g) => Math.abs(g.step - s.step) <= span)).length;
}

/**
 * How much the smoothed level of a loss wanders by noise alone: the typical step-to-step change of the
 * raw points (the median absolute difference, about one standard deviation of white noise), divided by
 * the square root of how many raw points each smoothed value stands for. Tiny for a long per-step run,
 * the whole noise for a short one that is not smoothed at all.
 */
function smoothedNoise(loss: Profile): number {
  const values = loss.finite.values;
  if (values.length < T("MIN_POINTS_LEVEL") || loss.smooth.length === 0) return 0;
  const diffs = values.slice(1).map((v, i) => Math.abs(v - values[i]));
  const window = Math.max(1, Math.round(loss.reduced.mid.length * T("SMOOTH_FRACTION"))) | 1;
  const pointsPerValue = (values.length / loss.reduced.mid.length) * window;
  return median(diffs) / Math.sqrt(pointsPerValue);
}

/** A loss that did not move while the logged learning rate was very large: too large to learn at all. */
function stuckAtHighLr({ profiles, kind }: RunSignals) {
  const loss = profiles.train_loss;
  const lr = profiles.learning_rate?.finite.values;
  if (!loss || kind !== "sft" || !lr?.length || loss.stats.start === null || loss.stats.current === null) {
    return null;
  }
  const peak = profiles.learning_rate!.peak;
  const { start, current } = loss.stats;
  if (peak < T("LR_HIGH_PEAK") || !(start > 0) || (start - current) / start >= T("PLATEAU_TOTAL_DROP")) {
    return null;
  }
  return {
    severity: "warning" as const,
    message: `${loss.metric} is stuck at ${fmt(current)} (from ${fmt(start)}) while ${
      profiles.learning_rate!.metric
    } peaked at ${fmt(peak)}: too large a step to learn anything.`,
    evidence: [
      atEnd(loss, current, "recent level"),
      atEnd(profiles.learning_rate!, lr[lr.length - 1], "learning rate"),
    ],
  };
}

export const lossDivergence = defineRule({
  id: "loss.divergence",
  title: "Loss is diverging",
  severities: ["critical"],
  meaning: "The loss climbed back up after it had come down and keeps rising: training is undoing itself, " +
    "usually because the learning rate is too high for this stage of training.",
  detection: "The recent smoothed train loss has given back DIVERGENCE_GIVEBACK or more of the progress " +
    "from its start to its best while the trend of the last half is rising; or, without progress, it sits " +
    "DIVERGENCE_RISE x above its start and rising, or DIVERGENCE_MULTIPLE x above its start; or, still " +
    "rising, DIVERGENCE_MULTIPLE x above its best; or train loss DIVERGENCE_BOTH_RISE x above its start " +
    "while eval loss is DIVERGENCE_BOTH_RISE x above its best. A climb back from the best must exceed " +
    "DIVERGENCE_NOISE x the run's noise.",
  actions: [
    "Stop the run and restart from the checkpoint at the best step with a 2-10x lower learning rate",
    "Enable gradient clipping (max_grad_norm=1.0) and a learning-rate warm-up",
  ],
  thresholds: [
    "DIVERGENCE_GIVEBACK",
    "DIVERGENCE_RISE",
    "DIVERGENCE_MULTIPLE",
    "DIVERGENCE_BOTH_RISE",
    "DIVERGENCE_NOISE",
    "DIVERGENCE_MIN_DROP",
    "MIN_POINTS_LEVEL",
  ],
  detect: ({ profiles, fired, kind }) => {
    const loss = profiles.train_loss;
    if (!loss || kind === "grpo" || fired.has("grad.explosion") || loss.stats.start === null) return null;
    if (loss.stats.best === null) return null;
    const { start, best } = loss.stats;
    const progress = start - best;
    const now = recentLevel(loss);
    const rising = loss.stats.trend === "increasing";
    const fromStart = start > 0 &&
      ((rising && now >= T("DIVERGENCE_RISE") * start) || now >= T("DIVERGENCE_MULTIPLE") * start);
    const evalLoss = profiles.eval_loss;
    const both = start > 0 && evalLoss?.stats.best != null && evalLoss.stats.best > 0 &&
      now >= T("DIVERGENCE_BOTH_RISE") * start &&
      recentLevel(evalLoss) >= T("DIVERGENCE_BOTH_RISE") * evalLoss.stats.best;
    const giveback = progress > 0 ? (now - best) / progress : 0;
    const multiFold = rising && best > 0 && now >= T("DIVERGENCE_MULTIPLE") * best;
    // Against the run's own noise: in a short, noisy, trendless run the "best" is a dip of the noise.
    const gaveBack = progress > T("DIVERGENCE_MIN_DROP") * Math.abs(start) && rising &&
      (giveback >= T("DIVERGENCE_GIVEBACK") || multiFold) &&
      now - best >= T("DIVERGENCE_NOISE") * smoothedNoise(loss);
    if (gaveBack) {
      return {
        severity: "critical",
        message: `${loss.metric} came down from ${fmt(loss.stats.start)} to ${fmt(loss.stats.best)} (step ` +
          `${loss.stats.best_step}) and has climbed back to ${fmt(now)}, giving back ${
            pct(giveback)
          } of its progress.`,
        evidence: [
          evidence(loss.metric, loss.stats.best_step!, loss.stats.best, "best smoothed level"),
          evidence(loss.metric, loss.stats.last_step!, now, "recent smoothed level"),
        ],
      };
    }
    if (fromStart || both) {
      return {
        severity: "critical",
        message: `${loss.metric} went up instead of down: from ${fmt(start)} at the start to ${fmt(now)} now${
          both
            ? `, and ${evalLoss!.metric} from its best ${fmt(evalLoss!.stats.best)} to ${
              fmt(recentLevel(evalLoss!))
            }`
            : ""
        }.`,
        evidence: [
          evidence(loss.metric, loss.reduced.step[0], start, "start level"),
          evidence(loss.metric, loss.stats.last_step!, now, "recent smoothed level"),
        ],
      };
    }
    return null;
  },
});

export const lrTooHigh = defineRule({
  id: "lr.too_high",
  title: "Learning rate too high: loss spikes and erratic training",
  severities: ["warning"],
  meaning:
    "Repeated sudden jumps of the loss: updates overshoot. Left alone it tends to diverge or to settle " +
    "at a worse loss.",
  detection: "A loss that made less than PLATEAU_TOTAL_DROP of progress while the logged learning rate " +
    "peaked at LR_HIGH_PEAK or more; or, after warm-up, LR_HIGH_MIN_SPIKES or more loss spikes (above " +
    "SPIKE_RATIO x the local median and " +
    "by SPIKE_MIN_JUMP of the starting loss), or two with grad_norm spiking at the same steps, or any spike " +
    "in a diverging run.",
  actions: [
    "Reduce the learning rate 2-10x",
    "Use a learning-rate warm-up",
    "Enable gradient clipping (max_grad_norm=1.0)",
  ],
  thresholds: [
    "SPIKE_RATIO",
    "SPIKE_MIN_JUMP",
    "LR_HIGH_MIN_SPIKES",
    "LR_HIGH_MIN_SPIKE_RATE",
    "LR_HIGH_PEAK",
    "PLATEAU_TOTAL_DROP",
    "SPIKE_BASELINE_HALF_WINDOW",
    "SPIKE_MERGE_BUCKETS",
  ],
  detect: (signals) => {
    const stuck = stuckAtHighLr(signals);
    if (stuck) return stuck;
    const spikes = lossSpikes(signals);
    const loss = signals.profiles.train_loss!;
    const matched = withGradSpikes(signals, spikes);
    if (spikes.length === 0) return null;
    const pointsAfterWarmup = loss.finite.steps.length - indexAtStep(loss.finite.steps, signals.warmupEnd);
    const frequent = (spikes.length * 1000) / Math.max(1, pointsAfterWarmup) >= T("LR_HIGH_MIN_SPIKE_RATE");
    const enough =
      (frequent && (spikes.length >= T("LR_HIGH_MIN_SPIKES") || (spikes.length >= 2 && matched >= 2))) ||
      signals.fired.has("loss.divergence");
    if (!enough) return null;
    const lr = signals.config?.learning_rate;
    return {
      severity: "warning",
      message: `${loss.metric} spiked ${spikes.length} times after warm-up (up to ${
        fmt(maxOf(spikes.map((s) => s.value / s.baseline)))
      }x its local level)${matched ? `, ${matched} with grad_norm spiking too` : ""}${
        typeof lr === "number" ? `; learning_rate is ${fmt(lr)}` : ""
      }.`,
      evidence: spikes.slice(0, 8).map((s) =>
        evidence(loss.metric, s.step, s.value, `${fmt(s.value / s.baseline)}x local median`)
      ),
    };
  },
});

export const lossSpike = defineRule({
  id: "loss.spike",
  title: "Loss spikes that recovered",
  severities: ["info"],
  meaning:
    "One or two sudden jumps of the loss that came back down: usually an unusual batch. Worth a look, " +
    "not an intervention.",
  detection:
    "One or two loss spikes after warm-up (same test as lr.too_high) that returned near their local " +
    "level within SPIKE_RECOVERY_POINTS points.",
  actions: [
    "Inspect the batches at the spike steps (get_snapshot around the step) for outliers",
    "If spikes become more frequent, lower the learning rate or enable gradient clipping",
  ],
  thresholds: [
    "SPIKE_RATIO",
    "SPIKE_MIN_JUMP",
    "SPIKE_RECOVERY_POINTS",
    "SPIKE_RECOVERED_RATIO",
    "SPIKE_BASELINE_HALF_WINDOW",
    "SPIKE_MERGE_BUCKETS",
  ],
  detect: (signals) => {
    if (signals.fired.has("lr.too_high") || signals.fired.has("loss.divergence")) return null;
    const spikes = lossSpikes(signals).filter((s) => s.recovered);
    if (spikes.length === 0) return null;
    const loss = signals.profiles.train_loss!;
    return {
      severity: "info",
      message: `${loss.metric} spiked at step${spikes.length > 1 ? "s" : ""} ${
        spikes.slice(0, 5).map((s) => s.step).join(", ")
      }${spikes.length > 5 ? ` and ${spikes.length - 5} more` : ""} (up to ${
        fmt(maxOf(spikes.map((s) => s.value)))
      }) and recovered each time.`,
      evidence: spikes.slice(0, 8).map((s) =>
        evidence(loss.metric, s.step, s.value, `${fmt(s.value / s.baseline)}x local median`)
      ),
    };
  },
});

export const lossInstability = defineRule({
  id: "loss.instability",
  title: "Instability episode: the loss climbed several-fold, then partly came back",
  severities: ["warning"],
  meaning: "For a stretch of the run the loss rose far above where it had been and only partly recovered: " +
    "updates too large for that phase (learning rate, a bad data region, fp16 overflow). The run may go on, " +
    "but it lost ground and the same can happen again.",
  detection: "After warm-up, the smoothed train loss rises to INSTABILITY_RISE x its lowest level so far, " +
    "by at least SPIKE_MIN_JUMP of its start (a rolling median, so isolated spikes do not count); not " +
    "reported when the run is diverging (loss.divergence).",
  actions: [
    "Lower the learning rate 2-5x for the phase of the episode (or shorten the warm-up peak)",
    "Enable gradient clipping (max_grad_norm=1.0)",
    "Look at the batches where the episode starts (get_snapshot around its first step)",
  ],
  thresholds: ["INSTABILITY_RISE", "SPIKE_MIN_JUMP"],
  detect: ({ profiles, fired, warmupEnd, kind }) => {
    const loss = profiles.train_loss;
    if (!loss || kind === "grpo" || loss.stats.start === null || fired.has("loss.divergence")) return null;
    if (fired.has("grad.explosion")) return null;
    const { step } = loss.reduced;
    const from = indexAtStep(step, warmupEnd);
    let low = Infinity, lowStep = 0, worst = 0, peak = 0, peakStep = 0, lowAtPeak = 0, lowStepAtPeak = 0;
    for (let i = from; i < loss.smooth.length; i++) {
      const v = loss.smooth[i];
      if (v < low) [low, lowStep] = [v, step[i]];
      if (!(low > 0)) continue;
      const ratio = v / low;
      if (ratio > worst && v - low >= T("SPIKE_MIN_JUMP") * Math.abs(loss.stats.start)) {
        [worst, peak, peakStep, lowAtPeak, lowStepAtPeak] = [ratio, v, step[i], low, lowStep];
      }
    }
    if (worst < T("INSTABILITY_RISE")) return null;
    const now = recentLevel(loss);
    return {
      severity: "warning",
      message:
        `${loss.metric} climbed from ${fmt(lowAtPeak)} (step ${lowStepAtPeak}) to ${fmt(peak)} (step ` +
        `${peakStep}), ${fmt(worst)}x its lowest level so far, and is at ${fmt(now)} now: an instability ` +
        `episode over steps ${lowStepAtPeak}-${peakStep}.`,
      evidence: [
        evidence(loss.metric, lowStepAtPeak, lowAtPeak, "lowest smoothed level before the episode"),
        evidence(loss.metric, peakStep, peak, "peak of the episode"),
        atEnd(loss, now, "recent smoothed level"),
      ],
    };
  },
});
