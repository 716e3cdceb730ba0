import { indexAtStep } from "../series.ts";
import { type Profile, recentLevel } from "../stats.ts";
import { T } from "../thresholds.ts";
import { atEnd, defineRule, evidence } from "./types.ts";

/** A scale for changes relative to a start of zero (a reward that starts at 0). */
const NEAR_ZERO = 1e-9;
import { fmt, pct } from "../../util/format.ts";

export const grpoRewardCollapse = defineRule({
  id: "grpo.reward_collapse",
  title: "GRPO reward collapsed",
  severities: ["critical"],
  meaning: "The reward rose and then fell away: the policy has drifted into outputs the reward function " +
    "scores badly (often together with runaway KL).",
  detection:
    "Recent reward below GRPO_REWARD_COLLAPSE x its smoothed peak, after having risen above its start.",
  actions: [
    "Restart from the checkpoint at the reward peak",
    "Raise the KL penalty (beta) or lower the learning rate",
    "Check the reward function for exploits the policy may have found",
  ],
  thresholds: ["GRPO_REWARD_COLLAPSE"],
  detect: ({ kind, profiles }) => {
    const reward = profiles.reward;
    if (kind !== "grpo" || !reward || reward.stats.best === null || reward.stats.start === null) return null;
    const now = recentLevel(reward);
    const peak = reward.stats.best;
    if (!(peak > reward.stats.start) || !(peak > 0) || now >= T("GRPO_REWARD_COLLAPSE") * peak) return null;
    return {
      severity: "critical",
      message: `${reward.metric} peaked at ${fmt(peak)} (step ${reward.stats.best_step}) and fell to ` +
        `${fmt(reward.stats.current)}.`,
      evidence: [
        evidence(reward.metric, reward.stats.best_step!, peak, "smoothed peak"),
        atEnd(reward, now, "recent level"),
      ],
    };
  },
});

export const grpoKl = defineRule({
  id: "grpo.kl_blowup",
  title: "GRPO KL divergence growing out of control",
  severities: ["warning", "critical"],
  meaning: "The policy is moving away from the reference model faster and faster; reward hacking and " +
    "collapse usually follow.",
  detection:
    "Recent KL above GRPO_KL_WARN and at least doubled over the last 20% of the steps (warning), or " +
    "above GRPO_KL_CRITICAL (critical).",
  actions: [
    "Raise the KL coefficient (beta)",
    "Lower the learning rate",
    "Restart from a checkpoint before the KL took off",
  ],
  thresholds: ["GRPO_KL_WARN", "GRPO_KL_CRITICAL", "GRPO_KL_WINDOW", "MIN_POINTS_CHANGE"],
  detect: ({ kind, profiles, firstStep, lastStep }) => {
    const kl = profiles.kl;
    if (kind !== "grpo" || !kl || kl.smooth.length < T("MIN_POINTS_CHANGE")) return null;
    const now = recentLevel(kl);
    const i = indexAtStep(kl.reduced.step, lastStep - T("GRPO_KL_WINDOW") * (lastStep - firstStep));
    const before = kl.smooth[Math.min(i, kl.smooth.length - 1)];
    const critical = now > T("GRPO_KL_CRITICAL");
    if (!critical && !(now > T("GRPO_KL_WARN") && now >= 2 * before)) return null;
    return {
      severity: critical ? "critical" : "warning",
      message:
        `${kl.metric} is ${fmt(kl.stats.current)}, up from ${fmt(before)} at step ${
          kl.reduced.step[i]
        } and ` +
        `${fmt(kl.stats.start)} at the start.`,
      evidence: [atEnd(kl, now, "recent level")],
    };
  },
});

/** A GRPO reward that clearly went up: recent level GRPO_REWARD_RISING above its start, rising. */
function rewardRising(reward: Profile | undefined): boolean {
  if (!reward || reward.stats.start === null || reward.smooth.length < T("MIN_POINTS_CHANGE")) return false;
  const start = reward.stats.start;
  return reward.stats.trend !== "decreasing" &&
    recentLevel(reward) - start >= T("GRPO_REWARD_RISING") * Math.max(Math.abs(start), NEAR_ZERO);
}

export const grpoKlAtStart = defineRule({
  id: "grpo.kl_at_start",
  title: "GRPO KL large from the very first step",
  severities: ["warning"],
  meaning: "The KL to the reference model should start near 0: the policy begins as the reference. Large " +
    "from the first logged step, with a reward that does not improve, the reference is not the starting " +
    "policy (another checkpoint, adapter or tokenizer) or the KL is computed wrong, and the penalty fights " +
    "the learning.",
  detection: "KL at its first smoothed point above GRPO_KL_AT_START while the reward is not clearly rising.",
  actions: [
    "Check the reference model is the policy's starting point (same base, same adapter state, same tokenizer)",
    "Check how KL is computed and logged (per token or per sequence)",
  ],
  thresholds: ["GRPO_KL_AT_START", "GRPO_REWARD_RISING", "MIN_POINTS_LEVEL"],
  detect: ({ kind, profiles }) => {
    const kl = profiles.kl;
    if (kind !== "grpo" || !kl || kl.stats.start === null || kl.smooth.length < T("MIN_POINTS_LEVEL")) {
      return null;
    }
    if (kl.stats.start <= T("GRPO_KL_AT_START") || rewardRising(profiles.reward)) return null;
    return {
      severity: "warning",
      message: `${kl.metric} is ${fmt(kl.stats.start)} from the first steps (it should start near 0) while ` +
        `${profiles.reward?.metric ?? "the reward"} is not rising.`,
      evidence: [evidence(kl.metric, kl.reduced.step[0], kl.stats.start, "first smoothed level")],
    };
  },
});

export const grpoNoSignal = defineRule({
  id: "grpo.no_signal",
  title: "Most GRPO groups give no learning signal",
  severities: ["info", "warning"],
  meaning: "When every completion of a prompt gets the same reward, its advantages are zero and the group " +
    "teaches nothing. The task is too easy or too hard for the model, or the reward is too coarse.",
  detection: "Recent frac_reward_zero_std above GRPO_ZERO_STD_WARN: a warning, or a note while the reward " +
    "still clearly rises (GRPO_REWARD_RISING above its start): the remaining groups carry the signal.",
  actions: [
    "Filter the prompts to those the model solves sometimes, not always or never",
    "Use more generations per prompt, or a reward with partial credit",
    "Raise the sampling temperature for more diverse completions",
  ],
  thresholds: ["GRPO_ZERO_STD_WARN", "GRPO_REWARD_RISING", "MIN_POINTS_LEVEL"],
  detect: ({ kind, profiles }) => {
    const zero = profiles.frac_reward_zero_std;
    if (kind !== "grpo" || !zero || zero.smooth.length < T("MIN_POINTS_LEVEL")) return null;
    const now = recentLevel(zero);
    if (now <= T("GRPO_ZERO_STD_WARN")) return null;
    return {
      severity: rewardRising(profiles.reward) ? "info" : "warning",
      message: `${zero.metric} is ${fmt(now)}: ${pct(now)} of the groups have no reward variance.`,
      evidence: [atEnd(zero, now, "recent level")],
    };
  },
});

export const grpoRewardFlat = defineRule({
  id: "grpo.reward_flat",
  title: "GRPO reward not improving",
  severities: ["warning"],
  meaning: "The reward is what GRPO optimizes (its loss near zero says nothing); a reward that does not go " +
    "up means the run is not learning the task.",
  detection:
    "Reward trend over the last half not increasing and recent reward within GRPO_REWARD_FLAT of the start (or " +
    "below it), when the reward did not collapse.",
  actions: [
    "Check frac_reward_zero_std: groups without reward variance give no signal",
    "Raise the learning rate, or check that the reward function scores what you intend",
  ],
  thresholds: ["GRPO_REWARD_FLAT", "MIN_POINTS_TREND"],
  detect: ({ kind, profiles, fired }) => {
    const reward = profiles.reward;
    if (
      kind !== "grpo" || !reward || reward.smooth.length < T("MIN_POINTS_TREND") ||
      fired.has("grpo.reward_collapse")
    ) {
      return null;
    }
    const start = reward.stats.start!;
    const now = recentLevel(reward);
    if (
      reward.stats.trend === "increasing" ||
      now > start + T("GRPO_REWARD_FLAT") * Math.max(Math.abs(start), NEAR_ZERO)
    ) {
      return null;
    }
    return {
      severity: "warning",
      message: `${reward.metric} went from ${fmt(start)} to ${
        fmt(reward.stats.current)
      } and is ${reward.stats.trend}.`,
      evidence: [atEnd(reward, now, "recent level")],
    };
  },
});

export const grpoLength = defineRule({
  id: "grpo.length",
  title: "GRPO completion lengths collapsing or ballooning",
  severities: ["warning"],
  meaning: "How long the completions are is part of what GRPO learns. Lengths falling away mean the policy " +
    "found that saying less scores better; lengths exploding run into the completion limit, where answers " +
    "are cut off.",
  detection:
    "Recent mean completion length below GRPO_LENGTH_COLLAPSE x its peak, or above GRPO_LENGTH_GROWTH " +
    "x its start.",
  actions: [
    "Look at sample completions at the recent steps",
    "Check the reward for a length bias; add a length penalty or a format reward if needed",
    "If lengths hit max_completion_length, raise it or penalize truncated completions",
  ],
  thresholds: ["GRPO_LENGTH_COLLAPSE", "GRPO_LENGTH_GROWTH", "MIN_POINTS_TREND"],
  detect: ({ kind, profiles }) => {
    const length = profiles.completion_length;
    if (
      kind !== "grpo" || !length || length.smooth.length < T("MIN_POINTS_TREND") ||
      length.stats.start === null
    ) return null;
    const now = recentLevel(length);
    const peak = Math.max(...length.smooth);
    const start = length.stats.start;
    const collapsed = now < T("GRPO_LENGTH_COLLAPSE") * peak;
    if (!collapsed && !(start > 0 && now > T("GRPO_LENGTH_GROWTH") * start)) return null;
    return {
      severity: "warning",
      message: collapsed
        ? `${length.metric} fell to ${fmt(now)} from a peak of ${fmt(peak)}: completions are collapsing.`
        : `${length.metric} grew from ${fmt(start)} to ${fmt(now)}: completions are ballooning.`,
      evidence: [atEnd(length, now, "recent level")],
    };
  },
});

export const grpoHealthy = defineRule({
  id: "grpo.healthy",
  title: "GRPO learning as it should",
  severities: ["ok"],
  meaning: "Reward rising with the KL to the reference model under control.",
  detection: "Reward increasing over the run and KL at or below GRPO_KL_WARN.",
  actions: ["Let it run; watch the KL and completion lengths"],
  thresholds: ["GRPO_KL_WARN"],
  detect: ({ kind, profiles }) => {
    const reward = profiles.reward;
    if (
      kind !== "grpo" || !reward || reward.stats.change_pct === null ||
      !(reward.stats.current! > reward.stats.start!)
    ) {
      return null;
    }
    const kl = profiles.kl ? recentLevel(profiles.kl) : null;
    if (kl !== null && kl > T("GRPO_KL_WARN")) return null;
    return {
      severity: "ok",
      message: `${reward.metric} rose from ${fmt(reward.stats.start)} to ${fmt(reward.stats.current)}` +
        (kl !== null ? ` with ${profiles.kl!.metric} at ${fmt(profiles.kl!.stats.current)}` : "") + ".",
      evidence: [atEnd(reward, reward.stats.current!, "current level")],
    };
  },
});
