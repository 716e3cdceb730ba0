import type { RuleId } from "./rules/ids.ts";

/** What a diagnosis says about a run: a rule id, how bad, why (evidence), and what to do. */
export type Severity = "ok" | "info" | "warning" | "critical";

export const SEVERITIES: Severity[] = ["ok", "info", "warning", "critical"];

export const severityRank = (s: Severity) => SEVERITIES.indexOf(s);

export const worst = (severities: Severity[]): Severity =>
  severities.reduce<Severity>((a, b) => (severityRank(b) > severityRank(a) ? b : a), "ok");

/** A step and value that made a rule fire; `value` is a string for NaN and infinities in JSON. */
export interface Evidence {
  metric: string;
  step: number;
  value: number;
  note: string;
}

export interface Finding {
  /** Stable rule id, e.g. `loss.overfitting` (see `trackio-cli explain`). */
  rule: RuleId;
  severity: Severity;
  /** One sentence: what is happening, with the numbers. */
  message: string;
  evidence: Evidence[];
  /** What to do, most useful first. */
  actions: string[];
}
