import { recentLevel } from "../stats.ts";
import { T } from "../thresholds.ts";
import { atEnd, defineRule, evidence } from "./types.ts";
import { fmt } from "../../util/format.ts";

const LN2 = Math.log(2);

/** DPO's own series: its implicit rewards and margins, and the log-probs and logits they come from. */
export const isDpoSeries = (metric: string) => /(^|\/)(rewards|logps|logits)\//.test(metric);

export const dpoNonFinite = defineRule({
  id: "dpo.nonfinite",
  title: "DPO rewards or log-probs are NaN: the run is broken",
  severities: ["info", "critical"],
  meaning: "DPO's implicit rewards are log-probability ratios against the reference model; when they are " +
    "NaN, the loss (often exactly 0 then) and the accuracies mean nothing: no preference is being learned.",
  detection: "A NaN or infinity in a DPO rewards, log-probs or logits series: critical when it is still " +
    "there at the series' last point, info when it recovered.",
  actions: [
    "Check the reference model loads and matches the policy's tokenizer; look for empty chosen/rejected " +
    "completions or prompts truncated to nothing",
    "Lower the learning rate; with fp16, switch to bf16",
  ],
  thresholds: [],
  detect: ({ kind, nonFinite }) => {
    const broken = nonFinite.filter((s) => isDpoSeries(s.metric));
    if (kind !== "dpo" || broken.length === 0) return null;
    const persisted = broken.filter((s) => s.persisted);
    const first = broken.reduce((a, b) => (b.firstStep < a.firstStep ? b : a));
    return {
      severity: persisted.length ? "critical" : "info",
      message:
        `${broken.length} DPO series went non-finite, first ${first.metric} (${first.firstValue}) at step ` +
        `${first.firstStep}${
          persisted.length ? `; ${persisted.length} still are at their last point` : ", all recovered"
        }.`,
      evidence: broken.slice(0, 8).map((s) =>
        evidence(s.metric, s.firstStep, s.firstValue, "first non-finite value")
      ),
    };
  },
});

export const dpoNotLearning = defineRule({
  id: "dpo.not_learning",
  title: "DPO is not learning (loss stuck at ln 2, accuracy at chance)",
  severities: ["warning"],
  meaning: "The policy still scores chosen and rejected answers alike: DPO's loss sits at its starting " +
    "value ln 2 = 0.693 and rewards/accuracies at 0.5.",
  detection: "Recent DPO loss within DPO_LN2_BAND of ln 2 and recent rewards/accuracies within " +
    "DPO_CHANCE_BAND of 0.5, after warm-up.",
  actions: [
    "Raise the learning rate (DPO usually trains at 5e-7 to 5e-6; much lower does nothing)",
    "Check the pairs: chosen and rejected must differ, and not be swapped",
    "Check beta (0.1 is typical) and that the reference model is the starting policy",
  ],
  thresholds: ["DPO_LN2_BAND", "DPO_CHANCE_BAND", "DPO_MIN_POINTS"],
  detect: ({ kind, profiles, lastStep, warmupEnd }) => {
    const loss = profiles.train_loss;
    const acc = profiles.dpo_accuracies;
    if (
      kind !== "dpo" || !loss || !acc || lastStep <= warmupEnd || loss.smooth.length < T("DPO_MIN_POINTS")
    ) return null;
    const l = recentLevel(loss);
    const a = recentLevel(acc);
    if (Math.abs(l - LN2) > T("DPO_LN2_BAND") || Math.abs(a - 0.5) > T("DPO_CHANCE_BAND")) return null;
    return {
      severity: "warning",
      message: `${loss.metric} is ${fmt(loss.stats.current)} (ln 2 = 0.693) and ${acc.metric} ` +
        `${fmt(acc.stats.current)} after ${lastStep} steps: ` +
        "the policy prefers chosen answers no more than chance.",
      evidence: [
        atEnd(loss, l, "recent level"),
        atEnd(acc, a, "recent level"),
      ],
    };
  },
});

export const dpoDisplacement = defineRule({
  id: "dpo.displacement",
  title: "DPO likelihood displacement: chosen and rejected rewards both falling",
  severities: ["info"],
  meaning: "The margin grows only because the policy lowers the likelihood of both answers, the rejected " +
    "faster than the chosen. Preferences look learned, but probability mass moves to neither answer, " +
    "which can degrade generations.",
  detection: "rewards/chosen DPO_DISPLACEMENT below its start and still falling while rewards/rejected " +
    "falls too.",
  actions: [
    "Compare generations with the reference model on held-out prompts",
    "Consider a lower learning rate, a larger beta, or an added SFT term on the chosen answers (RPO)",
  ],
  thresholds: ["DPO_DISPLACEMENT", "MIN_POINTS_CHANGE"],
  detect: ({ kind, profiles }) => {
    const chosen = profiles.dpo_chosen;
    const rejected = profiles.dpo_rejected;
    if (
      kind !== "dpo" || !chosen || !rejected || chosen.smooth.length < T("MIN_POINTS_CHANGE") ||
      rejected.smooth.length < T("MIN_POINTS_CHANGE")
    ) {
      return null;
    }
    const [c0, r0] = [chosen.stats.start!, rejected.stats.start!];
    const [c, r] = [recentLevel(chosen), recentLevel(rejected)];
    if (!(c < c0 - T("DPO_DISPLACEMENT") && r < r0 && chosen.stats.trend === "decreasing")) return null;
    return {
      severity: "info",
      message:
        `${chosen.metric} fell from ${fmt(c0)} to ${fmt(c)} and ${rejected.metric} from ${fmt(r0)} to ` +
        `${fmt(r)}: the policy lowers both answers (likelihood displacement).`,
      evidence: [atEnd(chosen, c, "recent level"), atEnd(rejected, r, "recent level")],
    };
  },
});

export const dpoMargins = defineRule({
  id: "dpo.margins",
  title: "DPO reward margins not growing",
  severities: ["warning"],
  meaning: "Healthy DPO widens the reward margin between chosen and rejected answers and pushes " +
    "rewards/accuracies above 0.5; here it does not.",
  detection: "rewards/margins not increasing over the last half, or recent rewards/accuracies at or below " +
    "0.5 + DPO_CHANCE_BAND, when dpo.not_learning did not fire.",
  actions: [
    "Check the learning rate and beta",
    "Check the preference data for noise or swapped pairs",
  ],
  thresholds: ["DPO_CHANCE_BAND", "DPO_MIN_POINTS"],
  detect: ({ kind, profiles, fired }) => {
    if (kind !== "dpo" || fired.has("dpo.not_learning")) return null;
    const margins = profiles.dpo_margins;
    const acc = profiles.dpo_accuracies;
    if (!margins || margins.smooth.length < T("DPO_MIN_POINTS")) return null;
    const accNow = acc ? recentLevel(acc) : null;
    const growing = margins.stats.trend === "increasing";
    if (growing && (accNow === null || accNow > 0.5 + T("DPO_CHANCE_BAND"))) return null;
    return {
      severity: "warning",
      message: `${margins.metric} is ${margins.stats.trend} (now ${fmt(margins.stats.current)})` +
        (accNow !== null ? ` and ${acc!.metric} is ${fmt(accNow)}` : "") + ".",
      evidence: [atEnd(margins, margins.stats.current!, "current level")],
    };
  },
});

export const dpoHealthy = defineRule({
  id: "dpo.healthy",
  title: "DPO learning as it should",
  severities: ["ok"],
  meaning: "Reward margins grow and the policy prefers chosen answers more and more often.",
  detection: "rewards/margins increasing and recent rewards/accuracies above 0.5 + DPO_CHANCE_BAND.",
  actions: ["Let it run; watch rewards/accuracies and eval metrics for saturation"],
  thresholds: ["DPO_CHANCE_BAND"],
  detect: ({ kind, profiles }) => {
    const margins = profiles.dpo_margins;
    const acc = profiles.dpo_accuracies;
    if (kind !== "dpo" || !margins || !acc || margins.stats.trend !== "increasing") return null;
    const accNow = recentLevel(acc);
    if (accNow <= 0.5 + T("DPO_CHANCE_BAND")) return null;
    return {
      severity: "ok",
      message:
        `${margins.metric} grew from ${fmt(margins.stats.start)} to ${fmt(margins.stats.current)} and ` +
        `${acc.metric} is ${fmt(acc.stats.current)}.`,
      evidence: [atEnd(margins, margins.stats.current!, "current level")],
    };
  },
});
