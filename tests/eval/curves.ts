/**
 * Synthetic training curves that look like real logs: multiplicative step-to-step noise (about 10%
 * of the level when logged every step, a few percent when logged every tens of steps), occasional
 * 2-3x batches, warm-up grad_norm far above its later level, eval every N steps, NaN where asked.
 * Seeded, so every case is the same on every run.
 */
import type { RunData } from "../../src/analysis/diagnose.ts";
import { type Series, seriesOf } from "../../src/analysis/series.ts";

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export interface CurveSpec {
  /** Last step; points at every `every` steps from `every`. */
  steps: number;
  every: number;
  /** The noiseless level at each step. */
  level: (step: number) => number;
  /** Relative noise (standard deviation as a fraction of the level). */
  noise: number;
  /** Chance per point of an outlier batch 2-3x the level (healthy runs have them). */
  outliers?: number;
  seed: number;
}

export function curve(spec: CurveSpec): Series {
  const random = rng(spec.seed);
  const normal = gaussian(random);
  const steps: number[] = [], values: number[] = [];
  for (let step = spec.every; step <= spec.steps; step += spec.every) {
    let value = spec.level(step) * (1 + spec.noise * normal());
    if (spec.outliers && random() < spec.outliers) value = spec.level(step) * (2 + random());
    steps.push(step);
    values.push(value);
  }
  return seriesOf(steps, values);
}

/** Noise of logged train loss for a logging interval: ~10% per step, a few percent at tens of steps. */
export const noiseFor = (every: number) => 0.1 / Math.sqrt(every);

/** A decaying loss: `floor + (start - floor) * exp(-step / tau)`. */
export const decay = (start: number, floor: number, tau: number) => (step: number) =>
  floor + (start - floor) * Math.exp(-step / tau);

/** Linear warm-up then cosine decay, as transformers schedules it. */
export const warmupCosine = (peak: number, warmup: number, total: number) => (step: number) =>
  step < warmup
    ? (peak * step) / warmup
    : (peak * 0.5 * (1 + Math.cos((Math.PI * (step - warmup)) / (total - warmup))));

/** grad_norm: tens to thousands of times its later level in warm-up, then steady with noise. */
export const gradLevel = (typical: number, warmup: number, warmupFactor: number) => (step: number) =>
  step < warmup ? typical * (1 + warmupFactor * Math.exp(-step / (warmup / 5))) : typical;

export function run(series: Record<string, Series>, config: Record<string, unknown>): RunData {
  return { series: new Map(Object.entries(series)), config };
}

/** Replaces values at the given steps (NaN, spikes...). */
export function withValues(s: Series, at: (step: number, value: number) => number): Series {
  return { steps: s.steps, values: s.values.map((v, i) => at(s.steps[i], v)) };
}
