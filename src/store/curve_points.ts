import { Column } from "../analysis/column.ts";
import type { MetricValue } from "./project.ts";

/**
 * One metric's points with the id of each point's row (to find its timestamp later), in columns of
 * numbers off the garbage-collected heap (see `Column`). A whole curve is read straight into them:
 * read into JavaScript arrays first, a million points left tens of megabytes on the heap, and V8
 * lets garbage grow in proportion to the heap it keeps. A value that is not a number (text, a list)
 * is kept apart by its index, NaN in its place, which downsampling treats as it treats the value
 * itself (neither is a finite number).
 */
export class CurvePoints {
  readonly ids = new Column();
  readonly steps = new Column();
  readonly values = new Column();
  private readonly other = new Map<number, MetricValue>();

  push(id: number, step: number, value: MetricValue): void {
    if (typeof value !== "number") this.other.set(this.values.length, value);
    this.ids.push(id);
    this.steps.push(step);
    this.values.push(typeof value === "number" ? value : NaN);
  }

  /** Adds `more`'s points after these, and frees `more`. */
  append(more: CurvePoints): void {
    const [ids, steps, values] = [more.ids.view(), more.steps.view(), more.values.view()];
    for (let i = 0; i < ids.length; i++) this.push(ids[i], steps[i], more.valueAt(i, values));
    more.release();
  }

  /** The value of point `i` as it was logged; `values` is a view of the values, when one is at hand. */
  valueAt(i: number, values = this.values.view()): MetricValue {
    return this.other.has(i) ? this.other.get(i)! : values[i];
  }

  /** Frees the columns now rather than at the next garbage collection, for points no one reads any more. */
  release(): void {
    for (const column of [this.ids, this.steps, this.values]) column.release();
    this.other.clear();
  }

  /** Bytes held, room to grow included, and a little for each value kept apart. */
  get bytes(): number {
    return this.ids.bytes + this.steps.bytes + this.values.bytes + 64 * this.other.size;
  }
}
