import { ROLES } from "../metric_roles.ts";
import { atEnd, defineRule } from "./types.ts";
import { fmt, pct } from "../../util/format.ts";

export const missingLoss = defineRule({
  id: "metrics.missing",
  title: "No loss or reward metric to judge",
  severities: ["info"],
  meaning: "The run has no metric trackio-cli recognizes as its train loss (or, for GRPO, its reward), so " +
    "its health cannot be judged yet.",
  detection: `None of the train loss names (${
    ROLES.train_loss.join(", ")
  }) or reward names among the run's metrics.`,
  actions: ["Name the metrics: analyze --train-metric NAME --eval-metric NAME", "Or wait for the first logs"],
  thresholds: [],
  detect: ({ profiles, kind }) =>
    profiles.train_loss || (kind === "grpo" && profiles.reward) ? null : {
      severity: "info",
      message: "no train loss metric found; name it with --train-metric (train_metric over MCP).",
      evidence: [],
    },
});

/** What a healthy run that is over gets instead of "let it run". */
const FINISHED_ACTION =
  "The run is finished: keep the checkpoint of its best eval step and judge it on eval loss " +
  "and downstream metrics";

export const healthy = defineRule({
  id: "run.healthy",
  title: "Training looks healthy",
  severities: ["ok"],
  meaning: "Train loss decreasing, eval loss (if logged) following it, no spikes, NaN or plateau.",
  detection:
    "A supervised run whose train loss fell, where no rule found anything at warning level or above.",
  actions: ["Let it run; check eval loss at the next evaluations and stop early if it starts rising"],
  thresholds: [],
  detect: ({ kind, profiles, worst, finished }) => {
    const train = profiles.train_loss;
    if (kind !== "sft" || !train || worst === "warning" || worst === "critical") return null;
    if (train.stats.start === null || !(train.stats.current! < train.stats.start)) return null;
    const drop = (train.stats.start - train.stats.current!) / Math.abs(train.stats.start);
    const evalLoss = profiles.eval_loss;
    const evalPart = evalLoss && evalLoss.finite.values.length
      ? `; ${evalLoss.metric} ${fmt(evalLoss.stats.current)}, ${evalLoss.stats.trend}`
      : "";
    return {
      severity: "ok",
      message:
        `${train.metric} down ${pct(drop)} (${fmt(train.stats.start)} to ${fmt(train.stats.current)}), ` +
        `${train.stats.trend}${evalPart}.`,
      evidence: [atEnd(train, train.stats.current!, "current level")],
      ...(finished ? { actions: [FINISHED_ACTION] } : {}),
    };
  },
});
