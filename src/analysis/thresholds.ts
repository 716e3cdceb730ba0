/**
 * Every number a diagnosis depends on, with the reason for its value. `trackio-cli explain RULE`
 * prints the ones a rule uses; `deno task eval` measures what changing them does.
 */
export interface Threshold {
  value: number;
  why: string;
}

const t = (value: number, why: string): Threshold => ({ value, why });

export const THRESHOLDS = {
  ANALYSIS_POINTS: t(
    2000,
    "Long series are reduced to this many step buckets (median, min, max each): enough to see any trend, " +
      "and spikes survive as bucket maxima.",
  ),
  SMOOTH_FRACTION: t(
    0.04,
    "The trend line is a rolling median over this fraction of the points: wide enough to average out the " +
      "~10% step-to-step noise of per-step train loss, narrow enough to follow a warm-up.",
  ),
  LR_PEAK_SHARE: t(
    0.95,
    "Without warmup_steps or warmup_ratio in the config, warm-up ends where the logged learning rate first " +
      "reaches 95% of its peak (at once, when it starts there: no warm-up).",
  ),
  LR_STEP_LEVELS: t(
    6,
    "A learning rate that takes at most 6 distinct values after its peak (over 6 or more points) is a step " +
      "schedule, not a smooth decay.",
  ),
  LR_SHAPE_FIT: t(
    0.05,
    "A decay is called linear or cosine when that model is within 5% of the peak (RMS) of every point after " +
      "the peak; otherwise it is only 'decaying'.",
  ),
  STALL_INTERVALS: t(
    20,
    "A run silent for 20 of its usual logging intervals (and STALL_MIN_MINUTES) has stopped or hung: " +
      "a slow evaluation or a checkpoint save takes a few intervals, not twenty.",
  ),
  STALL_MIN_MINUTES: t(
    15,
    "...and never less than 15 minutes: a run that logs every few seconds is not stalled by a one-minute " +
      "checkpoint save.",
  ),
  WARMUP_FRACTION: t(
    0.05,
    "Without warmup_steps/warmup_ratio in the config and without a logged learning rate, the first 5% of " +
      "the steps count as warm-up, where " +
      "grad_norm and loss jump around by design.",
  ),
  SPIKE_RATIO: t(
    3,
    "A spike is a point above 3x its local median: an isolated batch of a healthy run reaches 2-3x.",
  ),
  SPIKE_MIN_JUMP: t(
    0.25,
    "...and above it by at least 25% of the run's starting level, so near-zero losses, where tiny absolute " +
      "jumps make huge ratios, do not count.",
  ),
  SPIKE_RECOVERY_POINTS: t(
    5,
    "A spike recovered when the level within 5 points after it is back under SPIKE_RECOVERED_RATIO x the " +
      "local median.",
  ),
  SPIKE_RECOVERED_RATIO: t(1.5, "'Back near the baseline' after a spike: under 1.5x the local median."),
  SPIKE_BASELINE_HALF_WINDOW: t(
    5,
    "A point's local median is over 5 buckets each side: wide enough that two adjacent spikes do not raise " +
      "their own baseline.",
  ),
  SPIKE_MERGE_BUCKETS: t(
    3,
    "Spikes at most 3 buckets apart are one event (180 and 185 in a run logged every 5 steps), counted once.",
  ),
  LR_HIGH_MIN_SPIKES: t(
    3,
    "Three or more loss spikes (or two with grad_norm spiking at the same steps) are erratic training: the " +
      "learning rate is too high. One or two recovered spikes are noted as info.",
  ),
  LR_HIGH_MIN_SPIKE_RATE: t(
    5,
    "...and at least 5 spikes per 1,000 logged points after warm-up: a dozen recovered spikes in thousands " +
      "of logs, with the loss still converging, are odd batches (loss.spike), not an erratic run.",
  ),
  DIVERGENCE_GIVEBACK: t(
    0.3,
    "Diverging: the smoothed loss at the end has climbed back by 30% or more of the progress it had made " +
      "(from its start to its best), and is still rising.",
  ),
  GRAD_SPIKE_RATIO: t(
    10,
    "After warm-up, grad_norm above 10x its own local median is an explosion in the making; below that it " +
      "is the normal variation of a run whose absolute grad_norm level depends on the model.",
  ),
  GRAD_NONFINITE_WARN_FRACTION: t(
    0.01,
    "NaN/Infinity in grad_norm with a finite loss is fp16 overflow that the loss scaler skips; above 1% " +
      "of the logged steps it wastes training and deserves a look.",
  ),
  OVERFIT_MIN_EVALS_AFTER_BEST: t(
    2,
    "Overfitting needs at least 2 evaluations after the best, the last two both above it by OVERFIT_MIN_RISE: " +
      "a single rise at an epoch boundary is noise, two in a row while train loss falls are not (a 5-epoch " +
      "run evaluated per epoch has no more to show).",
  ),
  OVERFIT_MIN_RISE: t(0.03, "...and the last eval loss at least 3% above the best."),
  OVERFIT_TRAIN_FALL: t(
    0.02,
    "Overfitting needs the train loss still falling: 2% or more below its level at the best eval step. A " +
      "train loss that only wobbles around that level while the eval rises is loss.eval_rising.",
  ),
  DIVERGENCE_NOISE: t(
    3,
    "A climb back from the best counts only when it is 3x what noise alone moves the smoothed level (the " +
      "step-to-step noise over the square root of the points each smoothed value stands for): in a short, " +
      "noisy, trendless run the best is a dip of the noise, not progress to give back.",
  ),
  DIVERGENCE_RISE: t(
    1.5,
    "A loss that made no progress and whose smoothed level now sits 1.5x above its start, still rising, is " +
      "diverging from the first steps.",
  ),
  DIVERGENCE_MULTIPLE: t(
    3,
    "A smoothed loss 3x above its start (or, still rising, 3x above its best) is diverging whatever the " +
      "progress was: a multi-fold late rise after a drop of orders of magnitude is not a small giveback.",
  ),
  DIVERGENCE_BOTH_RISE: t(
    1.25,
    "Train loss 25% above its start and eval loss 25% above its best: both curves going up is instability, " +
      "not overfitting (which needs the train loss falling).",
  ),
  INSTABILITY_RISE: t(
    2,
    "After warm-up, the smoothed loss climbing to twice its lowest level so far (by at least SPIKE_MIN_JUMP " +
      "of the start) and coming back part of the way is an instability episode, not noise: a rolling " +
      "median ignores isolated spikes, so only a sustained stretch reaches it.",
  ),
  UNIFORM_GUESS_TOLERANCE: t(
    0.02,
    "A loss within 2% of ln 2, ln 3, ln 4 or ln of a common vocabulary size sits at the level of a uniform " +
      "guess: the model has learned nothing. Larger class counts are left out: their ln is a plausible real " +
      "loss (ln 10 = 2.30 is an ordinary LLM fine-tuning floor).",
  ),
  LR_HIGH_PEAK: t(
    1e-2,
    "A learning rate of 0.01 or more is far above what fine-tuning uses (1e-6 to 1e-3): a loss that does not " +
      "move at such a rate is not learning because the steps are too large.",
  ),
  LR_LOW_PEAK: t(
    2e-5,
    "A slow, steady run is blamed on the learning rate only when the logged learning rate never went above " +
      "2e-5 (LoRA usually trains at 1e-4 to 2e-4): at 5e-5 or 1e-4 a slow fall is the data or the task, " +
      "not the LR. Without a logged learning rate, the drop alone decides.",
  ),
  EVAL_STILL_IMPROVING: t(
    0.002,
    "An eval loss that fell steadily, is at its lowest at the end and 0.2% below its mid-run level is still " +
      "improving: no plateau is called on the train loss then (a high but falling floor). A flat eval whose " +
      "last value is lowest by a rounding error is not that.",
  ),
  PLATEAU_ABOVE_BEST: t(
    0.03,
    "A stalled loss 3% or more above its best is reported as above it, never as flat around the best.",
  ),
  STEADY_FALL_DECILES: t(
    7,
    "A loss whose mean fell from one tenth of the run to the next at least 7 of 9 times is falling steadily " +
      "(slow learning, lr.too_low), not flat and noisy (a plateau).",
  ),
  PLATEAU_TOTAL_DROP: t(
    0.1,
    "A run whose smoothed loss ends less than 10% below its start, without falling steadily, " +
      "barely improved at all: a plateau whatever its length (a steady slow fall is lr.too_low instead).",
  ),
  GRAD_SPIKE_EXTREME: t(
    100,
    "A grad_norm spike of 100x its local median or more (two orders of magnitude) is an explosion worth a " +
      "warning even once; below that, a few recovered spikes with the loss unaffected are a note.",
  ),
  GRAD_SPIKE_FREQUENT: t(
    0.05,
    "Spikes at 5% or more of the logged points after warm-up are a pattern (repeated explosions), not a " +
      "couple of odd batches: a warning.",
  ),
  NONFINITE_WARN_SHARE: t(
    0.5,
    "A metric that is NaN or infinite at half its points or more is broken, not hit by one odd batch.",
  ),
  LR_LOW_MAX_DROP: t(
    0.2,
    "Learning rate too low: after warm-up and at least LR_LOW_MIN_STEPS steps, train loss has fallen by " +
      "less than 20% of its start, steadily (no fast early drop that then flattens).",
  ),
  LR_LOW_MIN_STEPS: t(500, "Fewer steps than this after warm-up are too early to call a slow run."),
  EARLY_DROP_SHARE: t(
    0.6,
    "A run that made 60% or more of its total progress in the first 20% of its steps dropped fast: a flat " +
      "stretch after that is a plateau or a data floor, not a too-low learning rate.",
  ),
  PLATEAU_MIN_FRACTION: t(
    0.35,
    "Plateau: no new low (by PLATEAU_MIN_IMPROVEMENT) of the smoothed train loss for the last 35% of " +
      "the run's steps.",
  ),
  PLATEAU_MIN_IMPROVEMENT: t(
    0.01,
    "A new low must beat the previous best by 1%: smaller gains are within the noise of a flat curve.",
  ),
  PLATEAU_MIN_STEPS: t(300, "Runs shorter than this after warm-up are too short to call a plateau."),
  DPO_DISPLACEMENT: t(
    0.5,
    "DPO's implicit reward of the chosen answers 0.5 below its start (in the beta-scaled log-ratio units " +
      "TRL logs) and still falling: the policy is lowering the chosen answers, not only the rejected ones.",
  ),
  DPO_LN2_BAND: t(
    0.03,
    "DPO starts at loss ln 2 = 0.693; still within 0.03 of it means the policy has not moved from the " +
      "reference.",
  ),
  DPO_CHANCE_BAND: t(0.05, "rewards/accuracies within 0.05 of 0.5 is chance level."),
  GRPO_REWARD_RISING: t(
    0.2,
    "A GRPO reward 20% above its start and not falling is clearly learning: groups without variance then " +
      "are a note, and a large KL is not blamed for a flat reward.",
  ),
  GRPO_KL_AT_START: t(
    0.1,
    "The KL to the reference starts near 0 (the policy is the reference at step 0); 0.1 or more from the " +
      "first logged steps means they differ from the start.",
  ),
  GRPO_REWARD_COLLAPSE: t(
    0.5,
    "GRPO reward collapse: the recent reward is below half of its smoothed peak, after having risen.",
  ),
  GRPO_KL_WARN: t(
    0.1,
    "GRPO KL above 0.1 and doubling within the last 20% of the run is runaway drift from the reference " +
      "model (healthy runs stay at a few hundredths).",
  ),
  GRPO_KL_CRITICAL: t(1, "GRPO KL above 1 nats: the policy has left the reference model behind."),
  GRPO_ZERO_STD_WARN: t(
    0.5,
    "frac_reward_zero_std above 0.5: most groups get identical rewards for every completion and give no " +
      "learning signal.",
  ),
  GRPO_LENGTH_COLLAPSE: t(
    0.5,
    "GRPO completions collapsing: recent mean length below half of its peak; the policy is learning to say " +
      "little (often a reward that favours short answers, or a format exploit).",
  ),
  GRPO_LENGTH_GROWTH: t(
    3,
    "GRPO completions ballooning: recent mean length above 3x its start; long outputs get cut at " +
      "max_completion_length and truncated answers score badly.",
  ),
  CLOSE_CALL_GAP: t(
    0.01,
    "compare: two runs whose compared values are less than 1% apart (or less than the metric's own " +
      "step-to-step noise) are too close to call.",
  ),
  RECENT_FRACTION: t(0.1, "'Recent' values are the last 10% of the points (at least 3)."),
  DIVERGENCE_MIN_DROP: t(
    0.05,
    "A rise counts as giving back progress only after a drop of at least 5% of the starting loss: a smaller " +
      "drop is the noise of a run that has not learnt yet.",
  ),
  GRPO_REWARD_FLAT: t(
    0.05,
    "A GRPO reward no more than 5% (relative) above its start, and not trending up over the last half, has " +
      "not moved.",
  ),
  GRPO_KL_WINDOW: t(
    0.2,
    "GRPO KL drift is judged over the last 20% of the steps: long enough to see a doubling, short enough to " +
      "be about now.",
  ),
  OVERFIT_TRAIN_WINDOW: t(
    0.05,
    "Train loss at the best eval step is the median over the next 5% of the steps, a level and not one point.",
  ),
  EARLY_DROP_WINDOW: t(
    0.2,
    "A loss's 'early' drop is the part made in its first 20% of the steps (where a fast start ends).",
  ),
  EVAL_BEST_RECENT: t(
    0.1,
    "An eval loss still improving has its best within the last 10% of the steps.",
  ),
  DPO_MIN_POINTS: t(4, "DPO loss, accuracy and margin levels need at least 4 smoothed points."),
  MIN_POINTS_LEVEL: t(3, "A start or recent level, or a run's noise, needs at least 3 points."),
  MIN_POINTS_CHANGE: t(5, "A change from the start to the recent level needs at least 5 smoothed points."),
  MIN_POINTS_TREND: t(8, "A trend over the last half of a run needs at least 8 smoothed points."),
} as const;

export type ThresholdName = keyof typeof THRESHOLDS;

/** A threshold's value, so rules read as `T("SPIKE_RATIO")`. */
export const T = (name: ThresholdName): number => THRESHOLDS[name].value;
