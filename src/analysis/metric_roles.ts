/**
 * Which logged metric plays which part: transformers and TRL log `train/loss` and `eval/loss`, other
 * code `loss`, `eval_loss`, `val/loss`... Names are matched after normalizing case and separators.
 */
export const ROLES = {
  train_loss: ["train/loss", "loss", "train_loss", "training/loss", "training_loss"],
  eval_loss: [
    "eval/loss",
    "eval_loss",
    "val/loss",
    "val_loss",
    "validation/loss",
    "validation_loss",
    "valid/loss",
  ],
  grad_norm: ["train/grad_norm", "grad_norm", "gradient_norm", "train/gradient_norm"],
  learning_rate: ["train/learning_rate", "learning_rate", "lr", "train/lr"],
  epoch: ["train/epoch", "epoch"],
  dpo_margins: ["train/rewards/margins", "rewards/margins"],
  dpo_accuracies: ["train/rewards/accuracies", "rewards/accuracies"],
  dpo_chosen: ["train/rewards/chosen", "rewards/chosen"],
  dpo_rejected: ["train/rewards/rejected", "rewards/rejected"],
  reward: ["train/reward", "reward", "train/rewards/mean", "rewards/mean"],
  kl: ["train/kl", "kl", "train/objective/kl", "objective/kl"],
  frac_reward_zero_std: ["train/frac_reward_zero_std", "frac_reward_zero_std"],
  completion_length: [
    "train/completions/mean_length",
    "completions/mean_length",
    "train/completion_length",
    "completion_length",
  ],
} as const;

export type Role = keyof typeof ROLES;

const normalize = (name: string) => name.toLowerCase().replace(/[_\-. ]+/g, "_").replace(/\/+/g, "/");

/** The metric names that play each role in a run, given its metric names and explicit choices. */
export function assignRoles(
  metricNames: Iterable<string>,
  explicit: Partial<Record<Role, string>> = {},
): Partial<Record<Role, string>> {
  const byNormal = new Map<string, string>();
  for (const name of metricNames) if (!byNormal.has(normalize(name))) byNormal.set(normalize(name), name);
  const roles: Partial<Record<Role, string>> = {};
  // An eval loss under another name (`eval/squad_loss`, several eval sets) when none has a usual one.
  const otherEval = [...byNormal.values()].filter(isEvalLossName).sort()[0];
  for (const role of Object.keys(ROLES) as Role[]) {
    if (explicit[role]) {
      roles[role] = explicit[role];
      continue;
    }
    for (const candidate of ROLES[role]) {
      const found = byNormal.get(normalize(candidate));
      if (found) {
        roles[role] = found;
        break;
      }
    }
  }
  if (!roles.eval_loss && otherEval) roles.eval_loss = otherEval;
  return roles;
}

/** An eval loss by its name: an eval, validation or test metric whose name says loss. */
export const isEvalLossName = (name: string) =>
  /^(eval|val|valid|validation|test)[/_]/i.test(name) && /loss/i.test(name) &&
  !/runtime|per_second/i.test(name);

/** What kind of training the metrics say this is: the rules that apply differ. */
export type RunKind = "sft" | "dpo" | "grpo";

export function runKind(roles: Partial<Record<Role, string>>): RunKind {
  if (roles.dpo_margins || roles.dpo_accuracies) return "dpo";
  if (roles.reward && (roles.kl || roles.frac_reward_zero_std || roles.completion_length)) return "grpo";
  return "sft";
}

/** Whether a metric may play some role: the only metrics an analysis needs to collect. */
export function roleCandidate(explicit: Partial<Record<Role, string>> = {}): (name: string) => boolean {
  const names = new Set(Object.values(ROLES).flatMap((list) => list.map(normalize)));
  const chosen = new Set(Object.values(explicit));
  const memo = new Map<string, boolean>();
  return (name) => {
    let hit = memo.get(name);
    if (hit === undefined) {
      memo.set(name, hit = chosen.has(name) || names.has(normalize(name)) || watchedForNonFinite(name));
    }
    return hit;
  };
}

/**
 * Metrics read only to see whether they went NaN or infinite: every loss (eval sets under their own
 * names), DPO's log-probs, logits and rewards, rewards and KL. A non-finite value in any of them says
 * the run is broken even when the train loss looks fine.
 */
export const watchedForNonFinite = (name: string) =>
  /loss|logps|logits|reward|(^|[/_])kl($|[/_])/i.test(name);
