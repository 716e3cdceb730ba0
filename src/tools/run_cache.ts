import type { RunCollector } from "../analysis/collect.ts";
import type { RowCursor } from "../store/open.ts";
import { type RunRef, runStatsOf } from "../store/project.ts";
import { marksHold, type RowMark, type RowsNow } from "../store/row_marks.ts";
import type { ProjectReader, RunStats } from "../store/source.ts";

/** The memory a long-lived process's run cache may hold by default (`--cache-mb`, `TRACKIO_CLI_CACHE_MB`). */
export const DEFAULT_CACHE_MB = 512;
/** Rows marked between a run's first and last step, besides its last row: what a rewrite must miss. */
const SPACED_MARKS = 14;

/**
 * A run's rows as gathered so far: a collector fed every row up to `cursor` and the stats of those
 * rows, the same as one fresh read would give.
 */
export interface GatheredRun {
  collector: RunCollector;
  stats: RunStats;
  /**
   * Values derived from exactly these rows (a diagnosis), by what else they depend on; emptied when
   * new rows arrive.
   */
  memo: Map<string, unknown>;
}

/** Where an entry's read ended and how to tell its rows are still there as they were. */
interface Held {
  identity: string;
  cursor: RowCursor | undefined;
  /** Rows spread over the run, checked before each answer; the last is the cursor's row. */
  marks: RowMark[];
  /**
   * The table's largest id when every row of the run up to the cursor was known read: a row with a
   * larger id that sorts before the cursor was written late, and the entry is read afresh.
   */
  sinceId: number;
  bytes: number;
  /** Frees what the entry holds outside the garbage-collected heap, once it is dropped. */
  release?: () => void;
}

interface Entry extends GatheredRun, Held {}

interface Derived<T> extends Held {
  value: T;
}

/**
 * A value computed from a run's rows (a summary, a downsampled curve), for `RunCache.derive`: what
 * the rows up to the run's end give, and, when it can be, how to bring it up to date with new rows.
 */
export interface Derivation<T> {
  /**
   * The value of the run's rows up to `upTo` (`bounded`) or of all its rows (then kept only if no row
   * was written while it was computed); `upTo` is undefined when the run had no row yet (not kept).
   */
  read(upTo: RowCursor | undefined): Promise<T>;
  /** Whether `read` and `extend` read no row after the end they are given. */
  bounded: boolean;
  /** `was` with the rows in `range` added; without it, new rows mean a fresh `read`. */
  extend?(was: T, range: { after: RowCursor; upTo: RowCursor }): Promise<T>;
  /** Frees what a value holds outside the garbage-collected heap (see `Column`), once it is dropped. */
  release?(value: T): void;
  /** The steps the value's rows span, where the cache marks rows to check them by later. */
  steps(value: T): { first: number | null; last: number | null };
  /** The memory the value holds, when its JSON would be a poor (or slow) measure: a whole curve. */
  bytes?(value: T): number;
}

/** Reads every row of the run into a fresh collector, as a one-shot command does. */
export async function gatherFresh(
  store: ProjectReader,
  run: RunRef,
  collector: RunCollector,
): Promise<GatheredRun> {
  await store.scanRows(run, undefined, (step, metrics) => collector.add(step, metrics), collector.wants);
  return { collector, stats: await store.runStats(run), memo: new Map() };
}

/**
 * What long-lived processes (the MCP server, `analyze --watch`) derive from each run, kept between
 * questions so the next one reads only the rows written since. Before it answers from an entry, the
 * cache checks that the rows it read are still there as they were (the file is the same file, its
 * marked rows unchanged, no row added before the end of its read); if not (a run deleted, renamed or
 * re-logged, a file replaced, truncated or vacuumed into other content) the entry is read afresh. A
 * read that a writer raced (the rows counted in one statement afterwards are not the rows read) is
 * answered but not kept. Memory is bounded by `budgetBytes`, least recently used entries going first.
 */
export class RunCache {
  private readonly entries = new Map<string, Held>();
  /** One question about a run at a time: an entry is grown in place, so a reader must not overlap. */
  private readonly busy = new Map<string, Promise<unknown>>();
  private held = 0;
  /** What the cache did, for tests and the bench: full reads, incremental reads, answers as they were. */
  readonly counts = { fresh: 0, grown: 0, unchanged: 0, rebuilt: 0, evicted: 0, unkept: 0 };

  /**
   * `keepWithNotices`: keep entries of runs whose source said something (rows skipped as unreadable).
   * A repeat would not say it again, so the MCP server reads those runs afresh; `--watch`, which says
   * each notice once anyway, keeps them.
   */
  constructor(
    readonly budgetBytes: number = DEFAULT_CACHE_MB * 1024 * 1024,
    private readonly keepWithNotices = false,
  ) {}

  /** Bytes the entries are estimated to hold. */
  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The run's rows gathered up to now into the collector `make` builds for `kind` (one per set of
   * metric choices), reading only what is new since the last question, handed to `use`. `use` runs
   * before any other question about the run: what it reads of the collector is this state of it, so
   * whatever it keeps beyond its return must be copied (the next question grows the same series).
   */
  use<T>(
    store: ProjectReader,
    run: RunRef,
    kind: string,
    make: () => RunCollector,
    use: (gathered: GatheredRun) => Promise<T>,
  ): Promise<T> {
    const key = [store.project, run.id, run.name, "rows", kind].join("\x1f");
    return this.serially(key, async () => use(await this.update(key, store, run, make)));
  }

  /**
   * The value `derivation` computes from the run's rows, computed again only when rows were written
   * since (or only extended with them, when it can be), under the same checks as `use`'s entries.
   * `kind` names the derivation and its arguments.
   */
  derive<T>(store: ProjectReader, run: RunRef, kind: string, derivation: Derivation<T>): Promise<T>;
  /** The same, with `use` run on the value before any other question about the run (see `use`). */
  derive<T, R>(
    store: ProjectReader,
    run: RunRef,
    kind: string,
    derivation: Derivation<T>,
    use: (value: T) => Promise<R>,
  ): Promise<R>;
  derive<T, R>(
    store: ProjectReader,
    run: RunRef,
    kind: string,
    derivation: Derivation<T>,
    use?: (value: T) => Promise<R>,
  ): Promise<T | R> {
    const key = [store.project, run.id, run.name, "derived", kind].join("\x1f");
    return this.serially(key, async () => {
      const value = await this.updateDerived(key, store, run, derivation);
      return use ? await use(value) : value;
    });
  }

  /** Runs `task` after every earlier task of `key`: an entry is grown in place, one question at a time. */
  private serially<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.busy.get(key) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(task);
    this.busy.set(key, next);
    const done = () => {
      if (this.busy.get(key) === next) this.busy.delete(key);
    };
    next.then(done, done);
    return next;
  }

  private async update(key: string, store: ProjectReader, run: RunRef, make: () => RunCollector) {
    const entry = this.entries.get(key) as Entry | undefined;
    this.forget(key);
    const now = entry && await this.stillValid(store, run, entry);
    if (entry && !now) this.counts.rebuilt++;
    let current: Entry;
    if (entry && now && sameRow(now.last, entry.cursor)) {
      this.counts.unchanged++;
      current = entry;
      current.sinceId = now.maxId;
    } else {
      if (!(entry && now)) this.makeRoom();
      current = entry && now ? await this.grow(store, run, entry, make) : await this.read(store, run, make());
    }
    // A replaced entry is this question's alone now (questions about a run come one at a time).
    if (entry && current.collector !== entry.collector) entry.collector.release();
    current.release = () => current.collector.release();
    if (this.keepable(store, current)) this.keep(key, current, estimateBytes(current));
    else this.counts.unkept++;
    return current;
  }

  private keepable(store: ProjectReader, held: Held): boolean {
    return held.cursor !== undefined && held.marks.length > 0 && !store.changed() &&
      (this.keepWithNotices || store.notices.length === 0);
  }

  /** The run as it is now, with its last row, when the entry's rows are still there as they were. */
  private async stillValid(store: ProjectReader, run: RunRef, entry: Held): Promise<RowsNow | undefined> {
    if (entry.identity !== store.identity || !entry.cursor || entry.marks.length === 0) return undefined;
    const now = await store.checkRows(run, {
      ids: entry.marks.map((m) => m.id),
      late: { upTo: entry.cursor, sinceId: entry.sinceId },
      last: true,
    });
    return now.late === 0 && marksHold(entry.marks, now.marks) ? now : undefined;
  }

  private async updateDerived<T>(
    key: string,
    store: ProjectReader,
    run: RunRef,
    derivation: Derivation<T>,
  ): Promise<T> {
    const entry = this.entries.get(key) as Derived<T> | undefined;
    this.forget(key);
    const now = entry && await this.stillValid(store, run, entry);
    if (entry && !now) this.counts.rebuilt++;
    let current: Derived<T> | undefined;
    if (entry && now && sameRow(now.last, entry.cursor)) {
      this.counts.unchanged++;
      current = { ...entry, sinceId: now.maxId };
    } else if (entry && now?.last && derivation.extend) {
      current = await this.extendDerived(store, run, entry, now.last, now.maxId, derivation.extend);
    }
    if (!current) {
      this.makeRoom();
      current = await this.readDerived(store, run, derivation);
      // Extended values share what they hold with the entry's; a value read afresh does not.
      if (entry) derivation.release?.(entry.value);
    }
    const value = current.value;
    current.release = derivation.release && (() => derivation.release!(value));
    const bytes = derivation.bytes?.(current.value) ?? approxBytes(current.value);
    if (this.keepable(store, current)) this.keep(key, current, bytes);
    else this.counts.unkept++;
    return current.value;
  }

  /**
   * The value of the rows up to the run's end, fixed first with the table's largest id: every row
   * up to the end with an id up to that one is in the value, and a later one sorting before the end
   * is found late next time. A derivation that reads every row is kept only when none was written
   * after the end meanwhile: then its value is of exactly the rows up to the end.
   */
  private async readDerived<T>(store: ProjectReader, run: RunRef, derivation: Derivation<T>) {
    this.counts.fresh++;
    const start = await store.checkRows(run, { ids: [], last: true });
    const end = start.last ?? undefined;
    const unmarked = { identity: store.identity, cursor: end, marks: [], sinceId: start.maxId, bytes: 0 };
    if (!end) return { ...unmarked, value: await derivation.read(undefined) };
    const value = await derivation.read(end);
    const { first, last } = derivation.steps(value);
    const steps = first === null || last === null ? [] : spreadSteps(first, last);
    const spread = await store.rowMarks(run, steps, end);
    const check = await store.checkRows(run, { ids: [end.id], last: true });
    const settled = check.marks.length === 1 && (derivation.bounded || sameRow(check.last, end));
    if (!settled) return { ...unmarked, value };
    return { ...unmarked, value, marks: [...spread.filter((m) => m.id !== end.id), ...check.marks] };
  }

  /**
   * The entry's value with the rows after its end up to the run's last row `upTo`, found with the
   * table's largest id `maxId`, which becomes the entry's: every row up to it was there before the
   * new rows were read. The new end must still be there, and no row have come late before the old
   * end meanwhile.
   */
  private async extendDerived<T>(
    store: ProjectReader,
    run: RunRef,
    entry: Derived<T>,
    upTo: RowCursor,
    maxId: number,
    extend: NonNullable<Derivation<T>["extend"]>,
  ): Promise<Derived<T> | undefined> {
    const value = await extend(entry.value, { after: entry.cursor!, upTo });
    const check = await store.checkRows(run, {
      ids: [upTo.id],
      late: { upTo: entry.cursor!, sinceId: entry.sinceId },
    });
    if (check.late !== 0 || check.marks.length !== 1) {
      this.counts.rebuilt++;
      return undefined;
    }
    this.counts.grown++;
    const marks = [...entry.marks.slice(0, -1), ...check.marks];
    return { ...entry, value, cursor: upTo, marks, sinceId: maxId };
  }

  /**
   * The entry with the rows written since it was read. They are counted again in one statement with
   * the rows written late before the old end: if the count is not the number read, or a row came
   * late, a writer raced the read (or wrote out of order) and the run is read afresh.
   */
  private async grow(
    store: ProjectReader,
    run: RunRef,
    entry: Entry,
    make: () => RunCollector,
  ): Promise<Entry> {
    const rowsBefore = entry.collector.rows;
    const { cursor, low, high } = await scanInto(store, run, entry.cursor, entry.collector, entry.stats);
    const added = entry.collector.rows - rowsBefore;
    if (added === 0 || !cursor) {
      this.counts.unchanged++;
      return entry;
    }
    const check = await store.checkRows(run, {
      ids: [cursor.id],
      late: { upTo: entry.cursor!, sinceId: entry.sinceId },
      span: { after: entry.cursor, upTo: cursor },
    });
    if (check.late !== 0 || check.span !== added || check.marks.length !== 1) {
      this.counts.rebuilt++;
      return await this.read(store, run, make());
    }
    this.counts.grown++;
    const stats: RunStats = {
      ...entry.stats,
      num_logs: entry.stats.num_logs + added,
      first_step: low,
      last_step: high,
      last_timestamp: cursor.timestamp,
    };
    const marks = [...entry.marks.slice(0, -1), ...check.marks];
    return { ...entry, stats, cursor, marks, sinceId: check.maxId, memo: new Map() };
  }

  /**
   * Every row of the run, with the stats of exactly the rows read (counted as they pass), and marks
   * to check them by later: the run's first row, rows spread over its steps, its last row read. When
   * a count of the rows up to that last one, made with the marks, is not the number read, a writer
   * raced the read: the stats are SQL's, and the entry has no marks, so it is not kept.
   */
  private async read(store: ProjectReader, run: RunRef, collector: RunCollector): Promise<Entry> {
    this.counts.fresh++;
    const { cursor, low, high } = await scanInto(store, run, undefined, collector);
    const entry: Entry = {
      collector,
      stats: runStatsOf(undefined),
      memo: new Map(),
      identity: store.identity,
      cursor,
      marks: [],
      sinceId: 0,
      bytes: 0,
    };
    if (!cursor) return { ...entry, stats: await store.runStats(run) };
    const spread = await store.rowMarks(run, spreadSteps(low, high), cursor);
    const check = await store.checkRows(run, { ids: [cursor.id], span: { upTo: cursor } });
    const first = spread[0];
    if (check.span !== collector.rows || check.marks.length !== 1 || !first) {
      return { ...entry, stats: await store.runStats(run) };
    }
    const stats: RunStats = {
      num_logs: collector.rows,
      first_step: low,
      last_step: high,
      first_timestamp: first.timestamp,
      last_timestamp: cursor.timestamp,
    };
    const marks = [...spread.filter((m) => m.id !== cursor.id), ...check.marks];
    return { ...entry, stats, marks, sinceId: check.maxId };
  }

  private keep(key: string, entry: Held, bytes: number): void {
    entry.bytes = bytes;
    if (entry.bytes > this.budgetBytes) return;
    this.entries.set(key, entry);
    this.held += entry.bytes;
    this.evictTo(this.budgetBytes);
  }

  /**
   * Before a run is read afresh, room for an entry the size of those kept on average: the entry being
   * built is held alongside the others until it is kept, and the budget is for both.
   */
  private makeRoom(): void {
    if (this.entries.size > 0) this.evictTo(this.budgetBytes - this.held / this.entries.size);
  }

  /** Drops the least recently used entries until the rest hold at most `limit` bytes. */
  private evictTo(limit: number): void {
    for (const [oldest, old] of this.entries) {
      if (this.held <= limit) break;
      this.entries.delete(oldest);
      this.held -= old.bytes;
      this.counts.evicted++;
      // Not while a question about it is still at work with it: the collector frees it then.
      if (!this.busy.has(oldest)) old.release?.();
    }
  }

  private forget(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.held -= entry.bytes;
  }
}

/** Steps spread evenly from `low` to `high`, where rows are marked. */
const spreadSteps = (low: number, high: number): number[] =>
  Array.from({ length: SPACED_MARKS }, (_, i) => Math.floor(low + ((high - low) * i) / (SPACED_MARKS - 1)));

const sameRow = (a: RowCursor | null | undefined, b: RowCursor | undefined) =>
  a != null && b !== undefined && a.id === b.id && a.timestamp === b.timestamp;

/** A derived value's size, from its JSON: small values (a summary, a curve of a few thousand points). */
const approxBytes = (value: unknown) => 1024 + 2 * (JSON.stringify(value)?.length ?? 0);

/**
 * The run's rows after `after` fed to the collector, and the step range of the rows read so far
 * (`known`'s, widened by the new ones): counted as they pass, where SQL would read the run again.
 */
async function scanInto(
  store: ProjectReader,
  run: RunRef,
  after: RowCursor | undefined,
  collector: RunCollector,
  known?: RunStats,
): Promise<{ cursor: RowCursor | undefined; low: number; high: number }> {
  let low = known?.first_step ?? Infinity, high = known?.last_step ?? -Infinity;
  const cursor = await store.scanRows(run, after, (step, metrics) => {
    if (step < low) low = step;
    if (step > high) high = step;
    collector.add(step, metrics);
  }, collector.wants);
  return { cursor, low, high };
}

/**
 * What an entry's series hold: their columns (8 bytes a step and 8 a value, room to grow included),
 * the finite copy of a series split around its NaN, and a little per metric and row mark.
 */
function estimateBytes(entry: Entry): number {
  let bytes = 1024 + entry.collector.bytes;
  for (const [name, series] of entry.collector.series) {
    const split = series.facts?.kept?.split;
    // Before its first diagnosis a series with NaN has no split yet: counted as it will be (with room).
    const copy = split
      ? split.finite.bytes + split.nonFinite.bytes
      : series.facts?.nonFinite
      ? 24 * series.steps.length
      : 0;
    bytes += copy + 2 * name.length + 128;
  }
  for (const name of entry.collector.names) bytes += 2 * name.length + 64;
  for (const mark of entry.marks) bytes += 2 * (mark.text.length + mark.timestamp.length) + 64;
  return bytes;
}
