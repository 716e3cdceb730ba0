import { indexAtStep } from "../series.ts";
import { findSpikes } from "../spikes.ts";
import { T } from "../thresholds.ts";
import { defineRule, evidence } from "./types.ts";
import { fmt } from "../../util/format.ts";

export const gradSpike = defineRule({
  id: "grad.spike",
  title: "grad_norm far above its typical level",
  severities: ["info", "warning"],
  meaning:
    "Updates many times larger than usual: the optimizer is being thrown around, a precursor of loss " +
    "spikes and divergence.",
  detection: "After warm-up, grad_norm above GRAD_SPIKE_RATIO x its own local median (its absolute level " +
    "varies by orders of magnitude between models, so it is judged against itself). A warning when one " +
    "reaches GRAD_SPIKE_EXTREME x, or when they hit GRAD_SPIKE_FREQUENT of the points after warm-up; " +
    "otherwise (a few recovered spikes) info.",
  actions: [
    "Enable gradient clipping (max_grad_norm=1.0) if it is off",
    "Lower the learning rate 2-5x",
    "Look at the batches at the evidence steps for outliers (very long or corrupt samples)",
  ],
  thresholds: [
    "GRAD_SPIKE_RATIO",
    "GRAD_SPIKE_EXTREME",
    "GRAD_SPIKE_FREQUENT",
    "WARMUP_FRACTION",
    "SPIKE_BASELINE_HALF_WINDOW",
    "SPIKE_MERGE_BUCKETS",
  ],
  detect: ({ profiles, warmupEnd }) => {
    const grad = profiles.grad_norm;
    if (!grad) return null;
    const spikes = findSpikes(grad, T("GRAD_SPIKE_RATIO"), 0, warmupEnd);
    if (spikes.length === 0) return null;
    const top = spikes.reduce((a, b) => (b.value / b.baseline > a.value / a.baseline ? b : a));
    const afterWarmup = grad.finite.steps.length - indexAtStep(grad.finite.steps, warmupEnd);
    const serious = top.value / top.baseline >= T("GRAD_SPIKE_EXTREME") ||
      spikes.length >= T("GRAD_SPIKE_FREQUENT") * Math.max(1, afterWarmup);
    return {
      severity: serious ? "warning" : "info",
      message:
        `${grad.metric} spiked ${spikes.length} time(s) after warm-up, up to ${fmt(top.value)} at step ` +
        `${top.step} (${fmt(top.value / top.baseline)}x its local median ${fmt(top.baseline)}).`,
      evidence: spikes.slice(0, 8).map((s) =>
        evidence(grad.metric, s.step, s.value, `${fmt(s.value / s.baseline)}x local median`)
      ),
    };
  },
});
