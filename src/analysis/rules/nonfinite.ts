import { T } from "../thresholds.ts";
import { isDpoSeries } from "./dpo.ts";
import { defineRule, evidence } from "./types.ts";
import { fmt, pct } from "../../util/format.ts";

export const gradExplosion = defineRule({
  id: "grad.explosion",
  title: "Loss became NaN or Infinity (gradient explosion)",
  severities: ["critical"],
  meaning: "The loss is no longer a number: the weights have been hit by an exploding update and the run " +
    "learns nothing from here on.",
  detection: "Any NaN or Infinity in the train loss, or in the eval loss while grad_norm went non-finite " +
    "too: an eval NaN alone is reported by metric.nonfinite, it is no evidence of an explosion. The " +
    "evidence names the first such step and grad_norm's largest value before it.",
  actions: [
    "Restart from the last checkpoint before the first NaN with a 2-10x lower learning rate",
    "Enable gradient clipping (max_grad_norm=1.0)",
    "With fp16, switch to bf16 or check the loss scaler; look for NaN or extreme values in the input data",
  ],
  thresholds: [],
  detect: ({ profiles }) => {
    const gradBroke = (profiles.grad_norm?.nonFinite.steps.length ?? 0) > 0;
    const losses = [profiles.train_loss, gradBroke ? profiles.eval_loss : undefined]
      .filter((p) => p && p.nonFinite.steps.length > 0);
    if (!profiles.train_loss?.nonFinite.steps.length) return null;
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
      evidence: Array.from(
        grad.nonFinite.steps.subarray(0, 5),
        (s, i) => evidence(grad.metric, s, grad.nonFinite.values[i], "non-finite"),
      ),
    };
  },
});

export const metricNonFinite = defineRule({
  id: "metric.nonfinite",
  title: "NaN or Infinity in a logged metric",
  severities: ["info", "warning"],
  meaning: "A metric other than the train loss and grad_norm is no longer a number: an eval loss that " +
    "overflowed, DPO log-probs or rewards that broke, a KL that blew up. The train loss can look fine " +
    "meanwhile; what that metric measures is broken.",
  detection: "Any NaN or Infinity in a loss, reward, KL, log-prob or logit series other than the train " +
    "loss (grad.explosion), grad_norm (grad.nonfinite) and DPO's own series (dpo.nonfinite). A warning " +
    "when it persisted to the metric's last point or covers NONFINITE_WARN_SHARE of its points; one " +
    "recovered value is a note.",
  actions: [
    "Find where it starts: get_metric_values around the first non-finite step",
    "An eval loss NaN with a finite train loss: look for empty or malformed eval samples, or fp16 overflow in eval",
    "DPO log-probs or rewards NaN: check the reference model and the chosen/rejected inputs; lower the learning rate",
  ],
  thresholds: ["NONFINITE_WARN_SHARE"],
  detect: ({ nonFinite, profiles, fired }) => {
    // Those have rules of their own.
    const skip = new Set([profiles.grad_norm?.metric, profiles.train_loss?.metric]);
    // An explosion's finding already names the eval loss it reached.
    if (fired.has("grad.explosion")) skip.add(profiles.eval_loss?.metric);
    const dpoSaid = fired.has("dpo.nonfinite");
    const broken = nonFinite.filter((s) => !skip.has(s.metric) && !(dpoSaid && isDpoSeries(s.metric)));
    if (broken.length === 0) return null;
    const serious = broken.some((s) => s.persisted || s.count >= T("NONFINITE_WARN_SHARE") * s.points);
    const described = broken.slice(0, 4).map((s) =>
      `${s.metric} ${s.firstValue} at ${s.count} of ${s.points} points from step ${s.firstStep}${
        s.persisted ? " (still at its last point)" : ", recovered"
      }`
    );
    return {
      severity: serious ? "warning" : "info",
      message: `non-finite values: ${described.join("; ")}${
        broken.length > 4 ? `; and ${broken.length - 4} more metrics` : ""
      }.`,
      evidence: broken.slice(0, 8).map((s) =>
        evidence(s.metric, s.firstStep, s.firstValue, "first non-finite value")
      ),
    };
  },
});
