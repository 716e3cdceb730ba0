import { decodeNonFinite } from "../json.ts";
import { type Role, roleCandidate } from "./metric_roles.ts";
import { GrowingSeries, type Series } from "./series.ts";
import { SeriesFacts } from "./series_facts.ts";

/**
 * Gathers the series an analysis needs from logged rows, row by row, so a live run can be followed by
 * feeding it only the new rows. Only numeric values of metrics that may play a role are kept. Its
 * series only grow by appends, so each carries its `SeriesFacts`: the next analysis of a grown run
 * redoes only the work the new points touch.
 */
export class RunCollector {
  /** Where each metric's values go; null for metrics that play no role. */
  private readonly slots = new Map<string, { growing: GrowingSeries; facts: SeriesFacts } | null>();
  /** The metrics with a numeric value so far, in the order their first came. */
  private readonly numeric: string[] = [];
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

  /** The series so far (views of the kept columns: later rows leave them as they are). */
  get series(): Map<string, Series> {
    return new Map(this.numeric.map((name) => {
      const slot = this.slots.get(name)!;
      return [name, slot.growing.view(slot.facts)];
    }));
  }

  /** Bytes the kept columns hold, room to grow included. */
  get bytes(): number {
    let bytes = 0;
    for (const name of this.numeric) bytes += this.slots.get(name)!.growing.bytes;
    return bytes;
  }

  /** Frees the kept columns, and the split copies kept with them, of a collector no one reads any more. */
  release(): void {
    for (const name of this.numeric) {
      const slot = this.slots.get(name)!;
      slot.growing.release();
      const split = slot.facts.kept?.split;
      split?.finite.release();
      split?.nonFinite.release();
    }
  }

  add(step: number, metrics: Record<string, unknown>): void {
    this.rows++;
    for (const key in metrics) {
      let slot = this.slots.get(key);
      if (slot === undefined) {
        slot = this.wants(key) ? { growing: new GrowingSeries(), facts: new SeriesFacts() } : null;
        this.slots.set(key, slot);
      }
      if (slot === null) continue;
      const raw = metrics[key];
      const value = typeof raw === "number" ? raw : decodeNonFinite(raw);
      if (typeof value !== "number") continue;
      if (slot.growing.length === 0) this.numeric.push(key);
      slot.growing.push(step, value);
      slot.facts.add(step, value);
    }
  }
}
