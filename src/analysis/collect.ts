import { decodeNonFinite } from "../json.ts";
import { type Role, roleCandidate } from "./metric_roles.ts";
import type { Series } from "./series.ts";
import { SeriesFacts } from "./series_facts.ts";

/**
 * Gathers the series an analysis needs from logged rows, row by row, so a live run can be followed by
 * feeding it only the new rows. Only numeric values of metrics that may play a role are kept. Its
 * series only grow by appends, so each carries its `SeriesFacts`: the next analysis of a grown run
 * redoes only the work the new points touch.
 */
export class RunCollector {
  /** Where each metric's values go; null for metrics that play no role. */
  private readonly slots = new Map<string, Series & { facts: SeriesFacts } | null>();
  readonly series = new Map<string, Series>();
  /** Whether a metric's values are kept: a source may leave the others out. */
  readonly wants: (name: string) => boolean;
  rows = 0;

  /** `explicit`: metrics the user named for roles; `extra`: other metrics to keep (compare's target). */
  constructor(explicit: Partial<Record<Role, string>> = {}, extra: string[] = []) {
    const role = roleCandidate(explicit);
    const more = new Set(extra);
    this.wants = (name) => more.has(name) || role(name);
  }

  /** Every metric name seen, numeric or not. */
  get names(): Set<string> {
    return new Set(this.slots.keys());
  }

  add(step: number, metrics: Record<string, unknown>): void {
    this.rows++;
    for (const key in metrics) {
      let slot = this.slots.get(key);
      if (slot === undefined) {
        slot = this.wants(key) ? { steps: [], values: [], facts: new SeriesFacts() } : null;
        this.slots.set(key, slot);
      }
      if (slot === null) continue;
      const raw = metrics[key];
      const value = typeof raw === "number" ? raw : decodeNonFinite(raw);
      if (typeof value !== "number") continue;
      if (slot.steps.length === 0) this.series.set(key, slot);
      slot.steps.push(step);
      slot.values.push(value);
      slot.facts.add(step, value);
    }
  }
}
