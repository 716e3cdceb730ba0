import { T } from "../thresholds.ts";
import { defineRule, evidence } from "./types.ts";
import { fmt, pct } from "../../util/format.ts";

export const gradExplosion = defineRule({
  id: "grad.explosion",
  title: "Loss became NaN or Infinity (gradient explosion)",
  severities: ["critical"],
  meaning: "The loss is no longer a number: the weights have been hit by an exploding update and the run " +
    "learns nothing from here on.",
  detection: "Any NaN or Infinity in the train or eval loss. The evidence names the first such step and " +
    "grad_norm's largest value before it.",
  actions: [
    "Restart from the last checkpoint before the first NaN with a 2-10x lower learning rate",
    "Enable gradient clipping (max_grad_norm=1.0)",
    "With fp16, switch to bf16 or check the loss scaler; look for NaN or extreme values in the input data",
  ],
  thresholds: [],
  detect: ({ profiles }) => {
    const losses = [profiles.train_loss, profiles.eval_loss].filter((p) => p && p.nonFinite.steps.length > 0);
    if (losses.length === 0) return null;
    const items = losses.map((p) =>
      evidence(p!.metric, p!.nonFinite.steps[0], p!.nonFinite.values[0], "first non-finite value")
    );
    items.sort((a, b) => a.step - b.step);
    const first = items[0];
    const grad = profiles.grad_norm;
    if (grad) {
      let max = -Infinity, at = 0;
      for (let i = 0; i < grad.finite.steps.length && grad.finite.steps[i] <= first.step; i++) {
        if (grad.finite.values[i] > max) [max, at] = [grad.finite.values[i], grad.finite.steps[i]];
      }
      if (Number.isFinite(max)) items.push(evidence(grad.metric, at, max, "largest grad_norm before it"));
    }
    const counts = losses.map((p) => `${p!.metric} at ${p!.nonFinite.steps.length} steps`).join(", ");
    return {
      severity: "critical",
      message: `${first.metric} became ${first.value} at step ${first.step} (non-finite: ${counts}).`,
      evidence: items,
    };
  },
});

export const gradNonFinite = defineRule({
  id: "grad.nonfinite",
  title: "grad_norm NaN or Infinity while the loss stays finite",
  severities: ["info", "warning"],
  meaning: "Typical of fp16 overflow: the loss scaler skips those steps and lowers its scale. A few are " +
    "harmless; many waste steps and can precede a blow-up.",
  detection: "NaN/Infinity in grad_norm while the loss has none: info, or warning above " +
    "GRAD_NONFINITE_WARN_FRACTION of the logged steps.",
  actions: [
    "If it keeps happening, switch to bf16 or lower the learning rate",
    "Enable gradient clipping (max_grad_norm=1.0)",
  ],
  thresholds: ["GRAD_NONFINITE_WARN_FRACTION"],
  detect: ({ profiles, fired }) => {
    const grad = profiles.grad_norm;
    if (!grad || grad.nonFinite.steps.length === 0 || fired.has("grad.explosion")) return null;
    const share = grad.nonFinite.steps.length / grad.stats.points;
    return {
      severity: share > T("GRAD_NONFINITE_WARN_FRACTION") ? "warning" : "info",
      message:
        `${grad.metric} was NaN/Infinity at ${grad.nonFinite.steps.length} of ${grad.stats.points} steps ` +
        `(${pct(share)}), first at step ${grad.nonFinite.steps[0]}; the loss stayed finite (${
          fmt(profiles.train_loss?.stats.current)
        }).`,
      evidence: grad.nonFinite.steps.slice(0, 5).map((s, i) =>
        evidence(grad.metric, s, grad.nonFinite.values[i], "non-finite")
      ),
    };
  },
});
