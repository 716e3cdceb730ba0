import type { Series } from "./series.ts";
import { T } from "./thresholds.ts";
/** How far along a run is, from what its config promises (max_steps, or epochs). */
export interface Progress {
  step: number | null;
  max_steps: number | null;
  /** 0..1, or null when the config gives no length. */
  fraction: number | null;
  basis: "max_steps" | "epochs" | null;
}

const positive = (
  v: unknown,
): number | null => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : null);

export function progressOf(
  config: Record<string, unknown> | null,
  lastStep: number | null,
  lastEpoch: number | null,
): Progress {
  const maxSteps = positive(config?.max_steps);
  if (maxSteps !== null && lastStep !== null) {
    return {
      step: lastStep,
      max_steps: maxSteps,
      fraction: Math.min(1, lastStep / maxSteps),
      basis: "max_steps",
    };
  }
  const epochs = positive(config?.num_train_epochs);
  if (epochs !== null && lastEpoch !== null) {
    return { step: lastStep, max_steps: null, fraction: Math.min(1, lastEpoch / epochs), basis: "epochs" };
  }
  return { step: lastStep, max_steps: null, fraction: null, basis: null };
}

/** The last warm-up step: from warmup_steps or warmup_ratio, else a fixed share of the run. */
export function warmupEnd(
  config: Record<string, unknown> | null,
  lastStep: number,
  defaultFraction: number,
  learningRate?: { finite: Series; peak: number },
): number {
  const steps = positive(config?.warmup_steps);
  if (steps !== null) return steps;
  const ratio = positive(config?.warmup_ratio);
  const maxSteps = positive(config?.max_steps);
  if (ratio !== null && maxSteps !== null) return ratio * maxSteps;
  const fromLr = learningRate && warmupFromLr(learningRate);
  return fromLr ?? lastStep * defaultFraction;
}

/**
 * Where the logged learning rate first reaches its peak (within LR_PEAK_SHARE): the end of its warm-up.
 * An LR that starts at its peak had no warm-up, and the first step is returned: a fixed share of the
 * run would hide its early spikes. Null when there are too few points to tell.
 */
function warmupFromLr({ finite: lr, peak }: { finite: Series; peak: number }): number | null {
  if (lr.values.length < 3 || !(peak > 0)) return null;
  const at = lr.values.findIndex((v) => v >= T("LR_PEAK_SHARE") * peak);
  return lr.steps[at];
}
