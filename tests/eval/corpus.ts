/**
 * The labelled corpus of synthetic runs: clear cases of every diagnosis, cases on both sides of each
 * threshold, and noisy healthy runs that must not be flagged. `label` is the rule that must fire (at
 * warning or above, or at `severity` when given), or "healthy": nothing at warning or above.
 */
import type { RunData } from "../../src/analysis/diagnose.ts";
import type { Severity } from "../../src/analysis/findings.ts";
import type { Series } from "../../src/analysis/series.ts";
import { curve, decay, gradLevel, noiseFor, run, warmupCosine, withValues } from "./curves.ts";

export interface LabelledRun {
  name: string;
  label: string;
  severity?: Severity;
  data: RunData;
}

interface SftSpec {
  seed: number;
  steps?: number;
  every?: number;
  maxSteps?: number;
  epochs?: number;
  train?: (step: number) => number;
  eval?: ((step: number) => number) | null;
  evalEvery?: number;
  gradTypical?: number;
  gradWarmupFactor?: number;
  lr?: number;
  warmup?: number;
  /** Whether the config says warmup_steps (default); without it, warm-up is read from the LR series. */
  warmupInConfig?: boolean;
  outliers?: number;
  edit?: (series: Record<string, Series>) => void;
}

/** A supervised fine-tune as transformers logs it through Trackio. */
export function sft(spec: SftSpec): RunData {
  const steps = spec.steps ?? 2000;
  const every = spec.every ?? 10;
  const maxSteps = spec.maxSteps ?? 3000;
  const warmup = spec.warmup ?? 100;
  const train = spec.train ?? decay(2.3, 0.7, 600);
  const series: Record<string, Series> = {
    "train/loss": curve({
      steps,
      every,
      level: train,
      noise: noiseFor(every),
      outliers: spec.outliers ?? 0.003,
      seed: spec.seed,
    }),
    "train/grad_norm": curve({
      steps,
      every,
      level: gradLevel(spec.gradTypical ?? 1, warmup, spec.gradWarmupFactor ?? 50),
      noise: 0.2,
      outliers: 0.003,
      seed: spec.seed + 1,
    }),
    "train/learning_rate": curve({
      steps,
      every,
      level: warmupCosine(spec.lr ?? 2e-5, warmup, maxSteps),
      noise: 0,
      seed: 0,
    }),
    "train/epoch": curve({
      steps,
      every,
      level: (s) => (s / maxSteps) * (spec.epochs ?? 3),
      noise: 0,
      seed: 0,
    }),
  };
  if (spec.eval !== null) {
    const level = spec.eval ?? ((s: number) => train(s) * 1.06);
    series["eval/loss"] = curve({
      steps,
      every: spec.evalEvery ?? 100,
      level,
      noise: 0.004,
      seed: spec.seed + 2,
    });
  }
  spec.edit?.(series);
  return run(series, {
    learning_rate: spec.lr ?? 2e-5,
    max_steps: maxSteps,
    num_train_epochs: spec.epochs ?? 3,
    ...(spec.warmupInConfig === false ? {} : { warmup_steps: warmup }),
    logging_steps: every,
  });
}

/** Eval loss that follows train down to `bestStep`, then rises by `rise` (relative) by `endStep`. */
const risingAfter =
  (train: (s: number) => number, bestStep: number, rise: number, endStep: number) => (s: number) =>
    s <= bestStep
      ? train(s) * 1.06
      : train(bestStep) * 1.06 * (1 + (rise * (s - bestStep)) / (endStep - bestStep));

/** Spikes of `factor` x the level at the given steps (the nearest logged points). */
const spikesAt = (s: Series, steps: number[], factor: number) =>
  withValues(s, (step, v) => (steps.some((t) => Math.abs(t - step) < 1e-9) ? v * factor : v));

const seeds = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i * 101);

function dpo(seed: number, learning: boolean, displaced = false): RunData {
  const steps = 1000, every = 10;
  const margins = learning ? (s: number) => 0.1 + 2.1 * (1 - Math.exp(-s / 300)) : () => 0.002;
  const acc = learning ? (s: number) => 0.5 + 0.45 * (1 - Math.exp(-s / 250)) : () => 0.5;
  const loss = learning ? (s: number) => 0.16 + 0.6 * Math.exp(-s / 300) : () => Math.log(2);
  return run({
    "train/loss": curve({ steps, every, level: loss, noise: 0.03, seed }),
    "train/rewards/margins": curve({
      steps,
      every,
      level: margins,
      noise: learning ? 0.1 : 1,
      seed: seed + 1,
    }),
    "train/rewards/accuracies": curve({ steps, every, level: acc, noise: 0.04, seed: seed + 2 }),
    "train/grad_norm": curve({ steps, every, level: () => 8, noise: 0.2, seed: seed + 3 }),
    // Chosen rewards rise a little in a healthy run; displaced, both fall (the rejected faster).
    "train/rewards/chosen": curve({
      steps,
      every,
      level: displaced ? (s) => -0.1 - 2.5 * (s / steps) : (s) => 0.05 + 0.3 * (s / steps),
      noise: 0.05,
      seed: seed + 4,
    }),
    "train/rewards/rejected": curve({
      steps,
      every,
      level: (s) => -0.05 - (displaced ? 4.6 : 1.8) * (s / steps),
      noise: 0.05,
      seed: seed + 5,
    }),
  }, { learning_rate: learning ? 5e-7 : 5e-9, max_steps: steps, warmup_steps: 50 });
}

type GrpoShape =
  | "healthy"
  | "kl_blowup"
  | "no_signal"
  | "flat"
  | "short"
  | "long"
  | "rising_no_signal"
  | "kl_start";

function grpo(seed: number, shape: GrpoShape): RunData {
  const steps = 500, every = 1;
  const reward = shape === "kl_blowup"
    ? (s: number) => (s < 250 ? 0.2 + 0.4 * (s / 250) : Math.max(0.01, 0.6 * Math.exp(-(s - 250) / 60)))
    : shape === "flat" || shape === "no_signal" || shape === "kl_start"
    ? () => 0.2
    : (s: number) => 0.2 + 0.55 * (1 - Math.exp(-s / 150));
  const kl = shape === "kl_blowup"
    ? (s: number) => 0.002 * Math.exp(s / 70)
    : shape === "kl_start"
    ? () => 0.8
    : (s: number) => 0.002 + 0.02 * (s / steps);
  const zeroStd = shape === "no_signal" || shape === "rising_no_signal" ? () => 0.8 : () => 0.1;
  return run({
    "train/loss": curve({ steps, every, level: () => 1e-4, noise: 3, seed }),
    "train/reward": curve({ steps, every, level: reward, noise: 0.08, seed: seed + 1 }),
    "train/kl": curve({ steps, every, level: kl, noise: 0.1, seed: seed + 2 }),
    "train/frac_reward_zero_std": curve({ steps, every, level: zeroStd, noise: 0.2, seed: seed + 3 }),
    "train/completions/mean_length": curve({
      steps,
      every,
      level: shape === "short"
        ? (s) => 180 * Math.max(0.2, 1 - s / 400)
        : shape === "long"
        ? (s) => 180 * (1 + s / 100)
        : () => 180,
      noise: 0.05,
      seed: seed + 4,
    }),
  }, { learning_rate: 1e-6, max_steps: steps });
}

export function corpus(): LabelledRun[] {
  const cases: LabelledRun[] = [];
  const add = (name: string, label: string, data: RunData, severity?: Severity) =>
    cases.push({ name, label, data, severity });

  // Healthy runs, noisy as real ones, that must not be flagged.
  for (const seed of seeds(5)) {
    add(
      `healthy every step #${seed}`,
      "healthy",
      sft({ seed, every: 1, steps: 3000, maxSteps: 6000, outliers: 0.005 }),
    );
    add(`healthy every 10 #${seed}`, "healthy", sft({ seed }));
    add(
      `healthy every 50, finished #${seed}`,
      "healthy",
      sft({ seed, every: 50, steps: 3000, maxSteps: 3000 }),
    );
    add(
      `healthy near-zero loss #${seed}`,
      "healthy",
      sft({ seed, every: 1, steps: 2000, train: decay(0.05, 0.004, 400) }),
    );
    add(
      `healthy large grad_norm #${seed}`,
      "healthy",
      sft({ seed, gradTypical: 300, gradWarmupFactor: 1000 }),
    );
    add(
      `healthy tiny grad_norm, huge warm-up #${seed}`,
      "healthy",
      sft({ seed, gradTypical: 0.05, gradWarmupFactor: 3000 }),
    );
    add(`healthy without eval #${seed}`, "healthy", sft({ seed, eval: null }));
    add(`healthy short run #${seed}`, "healthy", sft({ seed, steps: 200 }));
  }
  const train = decay(2.3, 0.7, 600);
  add(
    "healthy, eval bump at an epoch boundary",
    "healthy",
    sft({
      seed: 7,
      steps: 3000,
      eval: (s) => train(s) * 1.06 * (s === 1000 || s === 1100 ? 1.04 : 1),
    }),
  );
  add("healthy, eval every 500 steps", "healthy", sft({ seed: 10, steps: 3000, evalEvery: 500 }));
  add(
    "healthy, loss bumps up during warm-up",
    "healthy",
    sft({
      seed: 11,
      train: (s) => (s < 100 ? 2.3 + 0.3 * Math.sin((Math.PI * s) / 100) : decay(2.3, 0.7, 600)(s)),
    }),
  );
  add(
    "healthy, fp16 overflow in grad_norm",
    "healthy",
    sft({
      seed: 8,
      edit: (s) =>
        s["train/grad_norm"] = withValues(
          s["train/grad_norm"],
          (step, v) => (step === 700 || step === 1500 ? Infinity : v),
        ),
    }),
  );
  add(
    "healthy, irregular and out-of-order steps",
    "healthy",
    sft({
      seed: 9,
      edit: (s) => {
        const loss = s["train/loss"];
        const keep = loss.steps.map((_, i) => i).filter((i) => i % 7 !== 3);
        const order = keep.map((
          i,
          k,
        ) => (k % 50 === 10 ? keep[k + 1] ?? i : k % 50 === 11 ? keep[k - 1] : i));
        s["train/loss"] = {
          steps: order.map((i) => loss.steps[i]),
          values: order.map((i) => loss.values[i]),
        };
      },
    }),
  );

  // Overfitting, and its borderline on both sides.
  const overfit = (rise: number, bestStep: number, endStep = 3000) =>
    risingAfter(train, bestStep, rise, endStep);
  for (const seed of seeds(3)) {
    add(`overfitting #${seed}`, "loss.overfitting", sft({ seed, steps: 3000, eval: overfit(0.3, 1100) }));
  }
  add(
    "overfitting, 6% over the last 4 evals",
    "loss.overfitting",
    sft({ seed: 11, steps: 2000, eval: overfit(0.06, 1600, 2000) }),
  );
  add(
    "loss stuck high at a learning rate of 0.05: too large to learn",
    "lr.too_high",
    sft({ seed: 16, lr: 0.05, train: () => 4.2 }),
  );
  const stalled = (s: number) => train(Math.min(s, 1100));
  add(
    "eval loss rising while the train loss is flat: not overfitting, still reported",
    "loss.eval_rising",
    sft({ seed: 15, steps: 3000, train: stalled, eval: risingAfter(stalled, 1100, 0.3, 3000) }),
  );
  add(
    "overfitting on an eval set with a name of its own (eval/squad_loss, no eval/loss)",
    "loss.overfitting",
    sft({
      seed: 13,
      steps: 3000,
      eval: overfit(0.3, 1100),
      edit: (s) => {
        s["eval/squad_loss"] = s["eval/loss"];
        delete s["eval/loss"];
      },
    }),
  );
  add(
    "overfitting on one of two eval sets: the other follows the train loss down",
    "loss.overfitting",
    sft({
      seed: 14,
      steps: 3000,
      eval: overfit(0.3, 1100),
      edit: (s) => {
        s["eval/code_loss"] = s["eval/loss"];
        s["eval/loss"] = withValues(s["eval/loss"], (step) => decay(2.3, 0.7, 600)(step) * 1.06);
      },
    }),
  );
  add(
    "not overfitting: eval up only 2%",
    "healthy",
    sft({ seed: 12, steps: 2000, eval: overfit(0.02, 1400, 2000) }),
  );
  add(
    "not overfitting: rose for 2 evals only",
    "healthy",
    sft({ seed: 13, steps: 2000, eval: overfit(0.05, 1800, 2000) }),
  );

  // Learning rate too high: spikes with grad_norm, erratic; borderline spike counts and sizes.
  const spiky = (seed: number, at: number[], factor: number, grad: boolean) =>
    sft({
      seed,
      every: 5,
      steps: 1200,
      lr: 5e-4,
      warmup: 20,
      edit: (s) => {
        s["train/loss"] = spikesAt(s["train/loss"], at, factor);
        if (grad) s["train/grad_norm"] = spikesAt(s["train/grad_norm"], at, 40);
      },
    });
  add("lr too high: 4 spikes with grad_norm", "lr.too_high", spiky(21, [180, 420, 610, 800], 3.5, true));
  add("lr too high: 3 spikes", "lr.too_high", spiky(22, [300, 600, 900], 3.5, false));
  add("two 3.5x spikes that recovered: info", "loss.spike", spiky(23, [400, 800], 3.5, false), "info");
  add(
    "rare spikes in a long per-step run: info",
    "loss.spike",
    sft({
      seed: 28,
      every: 1,
      steps: 20_000,
      maxSteps: 40_000,
      edit: (s) => s["train/loss"] = spikesAt(s["train/loss"], [4000, 8000, 12000, 16000, 19000], 4),
    }),
    "info",
  );
  add("2.5x batches are not spikes", "healthy", spiky(24, [300, 600, 900], 2.5, false));
  const bounce = (giveback: number) => (s: number) => {
    const base = decay(2.3, 0.8, 200);
    const best = base(1000);
    return s < 1000 ? base(s) : best + (2.3 - best) * giveback * Math.min(1, (s - 1000) / 500);
  };
  add(
    "loss gives back 15% of its progress: not diverging",
    "healthy",
    sft({ seed: 26, steps: 1500, train: bounce(0.15) }),
  );
  add(
    "loss gives back 45% of its progress: diverging",
    "loss.divergence",
    sft({ seed: 27, steps: 1500, train: bounce(0.45) }),
  );
  add(
    "diverging loss",
    "loss.divergence",
    sft({
      seed: 25,
      steps: 1500,
      train: (s) => (s < 700 ? decay(2.3, 0.8, 300)(s) : decay(2.3, 0.8, 300)(700) * (1 + (s - 700) / 300)),
    }),
  );

  // Gradient explosion and its precursors.
  add(
    "loss becomes NaN",
    "grad.explosion",
    sft({
      seed: 31,
      steps: 800,
      every: 5,
      edit: (s) =>
        s["train/loss"] = withValues(
          s["train/loss"],
          (step, v) => (step >= 680 ? NaN : step >= 660 ? Infinity : v),
        ),
    }),
    "critical",
  );
  add(
    "three recovered 25x grad_norm spikes in a long run, loss unaffected: a note",
    "grad.spike",
    sft({
      seed: 32,
      edit: (s) => s["train/grad_norm"] = spikesAt(s["train/grad_norm"], [800, 1200, 1600], 25),
    }),
    "info",
  );
  add(
    "no warm-up (the LR starts at its peak, none in the config): a spike at 2% of the run is not hidden",
    "grad.spike",
    sft({
      seed: 36,
      warmup: 0,
      warmupInConfig: false,
      edit: (s) => s["train/grad_norm"] = spikesAt(s["train/grad_norm"], [40], 25),
    }),
    "info",
  );
  add(
    "a 300x grad_norm spike: an explosion, a warning even once",
    "grad.spike",
    sft({
      seed: 35,
      edit: (s) => s["train/grad_norm"] = spikesAt(s["train/grad_norm"], [1300], 300),
    }),
  );
  add(
    "8x grad_norm bursts are within its variation",
    "healthy",
    sft({
      seed: 34,
      edit: (s) => s["train/grad_norm"] = spikesAt(s["train/grad_norm"], [800, 1200, 1600], 8),
    }),
  );
  add(
    "one grad_norm spike: info",
    "grad.spike",
    sft({
      seed: 33,
      edit: (s) => s["train/grad_norm"] = spikesAt(s["train/grad_norm"], [1200], 25),
    }),
    "info",
  );

  // Learning rate too low, plateau, data floor, with borderlines.
  const linear = (from: number, drop: number, steps: number) => (s: number) =>
    from * (1 - (drop * s) / steps);
  add(
    "lr too low: 10% in 2000 steps",
    "lr.too_low",
    sft({ seed: 41, train: linear(2.3, 0.1, 2000), lr: 1e-7 }),
  );
  add(
    "lr too low: 16% in 2000 steps",
    "lr.too_low",
    sft({ seed: 42, train: linear(2.3, 0.16, 2000), lr: 2e-7 }),
  );
  add("slow but not too slow: 30%", "healthy", sft({ seed: 43, train: linear(2.3, 0.3, 2000) }));
  const plateauAt = (level: number, until: number) => (s: number) =>
    Math.max(level, decay(2.2, 0.5, 150)(s) + (s > until ? 0 : 0));
  add("plateau over 80% of the run", "loss.plateau", sft({ seed: 44, train: plateauAt(1.45, 300) }));
  add(
    "plateau over the last half",
    "loss.plateau",
    sft({ seed: 45, train: (s) => (s < 1000 ? decay(2.3, 0.7, 600)(s) : decay(2.3, 0.7, 600)(1000)) }),
  );
  add(
    "flat only for the last 25%: not yet",
    "healthy",
    sft({ seed: 46, train: (s) => (s < 1500 ? decay(2.3, 0.7, 600)(s) : decay(2.3, 0.7, 600)(1500)) }),
  );
  add(
    "single epoch, fast drop then flat: data floor",
    "loss.data_floor",
    sft({
      seed: 47,
      epochs: 1,
      maxSteps: 2000,
      train: plateauAt(1.1, 300),
    }),
    "info",
  );

  // DPO and GRPO.
  for (const seed of seeds(2, 50)) {
    add(`dpo healthy #${seed}`, "healthy", dpo(seed, true));
    add(`dpo stuck at ln 2 #${seed}`, "dpo.not_learning", dpo(seed, false));
    add(
      `dpo margins growing only because both rewards fall #${seed}`,
      "dpo.displacement",
      dpo(seed, true, true),
      "info",
    );
    add(`grpo healthy #${seed}`, "healthy", grpo(seed, "healthy"));
    add(`grpo KL blow-up and reward collapse #${seed}`, "grpo.kl_blowup", grpo(seed, "kl_blowup"));
    add(`grpo groups without signal #${seed}`, "grpo.no_signal", grpo(seed, "no_signal"));
    add(`grpo completions collapsing #${seed}`, "grpo.length", grpo(seed, "short"));
    add(`grpo completions ballooning #${seed}`, "grpo.length", grpo(seed, "long"));
    add(`grpo reward flat #${seed}`, "grpo.reward_flat", grpo(seed, "flat"));
    add(
      `grpo groups mostly without variance but the reward clearly rising: a note #${seed}`,
      "grpo.no_signal",
      grpo(seed, "rising_no_signal"),
      "info",
    );
    add(
      `grpo KL large from the first step, reward flat #${seed}`,
      "grpo.kl_at_start",
      grpo(seed, "kl_start"),
    );
  }
  return cases;
}
