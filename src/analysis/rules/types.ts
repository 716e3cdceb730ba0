import type { Evidence, Finding, Severity } from "../findings.ts";
import type { Role, RunKind } from "../metric_roles.ts";
import type { Profile } from "../stats.ts";
import type { ThresholdName } from "../thresholds.ts";
import type { RuleId } from "./ids.ts";

/** Everything the rules look at, prepared once per analysis. */
export interface RunSignals {
  kind: RunKind;
  config: Record<string, unknown> | null;
  /** Profiles of the metrics that play a role, by role. */
  profiles: Partial<Record<Role, Profile>>;
  /** Every eval loss, one per eval set (the `eval_loss` role's among them). */
  evalLosses: Profile[];
  /** Every logged series that holds NaN or infinities, whatever its role. */
  nonFinite: NonFiniteSeries[];
  firstStep: number;
  lastStep: number;
  /** The last warm-up step (config, else a default share of the run). */
  warmupEnd: number;
  /** Epochs the run is meant to train (config), or the largest logged epoch. */
  epochs: number | null;
  /** The run is over: advice is about its result, not about letting it go on. */
  finished: boolean;
  /** Rules that already fired on this run, so later rules can defer to them. */
  fired: Set<RuleId>;
  /** The worst severity among them. */
  worst: Severity;
}

/**
 * One diagnosis: what it means, how it is detected and what to do (for `trackio-cli explain` and the
 * skill pack), the thresholds it uses, and the detector itself, a pure function of the signals.
 */
export interface RuleDef {
  id: RuleId;
  title: string;
  severities: Severity[];
  meaning: string;
  detection: string;
  actions: string[];
  thresholds: ThresholdName[];
  detect(signals: RunSignals): Omit<Finding, "rule" | "actions"> & { actions?: string[] } | null;
}

export const defineRule = (rule: RuleDef): RuleDef => rule;

/** Where a series went NaN or infinite. */
export interface NonFiniteSeries {
  metric: string;
  count: number;
  points: number;
  firstStep: number;
  firstValue: number;
  /** Its last point is non-finite too: it never recovered. */
  persisted: boolean;
}

export const evidence = (metric: string, step: number, value: number, note: string): Evidence => ({
  metric,
  step,
  value,
  note,
});

/** Evidence at a metric's last step: its recent or current level. */
export const atEnd = (p: Profile, value: number, note: string): Evidence =>
  evidence(p.metric, p.stats.last_step!, value, note);
