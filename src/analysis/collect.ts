import { decodeNonFinite } from "../json.ts";
import { type Role, roleCandidate } from "./metric_roles.ts";
import type { Series } from "./series.ts";

/**
 * Gathers the series an analysis needs from logged rows, row by row, so a live run can be followed by
 * feeding it only the new rows. Only numeric values of metrics that may play a role are kept.
 */
export class RunCollector {
  readonly series = new Map<string, Series>();
  /** Every metric name seen, numeric or not. */
  readonly names = new Set<string>();
  private readonly wanted: (name: string) => boolean;
  rows = 0;

  constructor(explicit: Partial<Record<Role, string>> = {}) {
    this.wanted = roleCandidate(explicit);
  }

  add(step: number, metrics: Record<string, unknown>): void {
    this.rows++;
    for (const key in metrics) {
      this.names.add(key);
      if (!this.wanted(key)) continue;
      const value = decodeNonFinite(metrics[key]);
      if (typeof value !== "number") continue;
      let s = this.series.get(key);
      if (!s) this.series.set(key, s = { steps: [], values: [] });
      s.steps.push(step);
      s.values.push(value);
    }
  }
}
