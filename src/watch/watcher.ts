import { type Severity, severityRank, worst } from "../analysis/findings.ts";
import type { RunRef } from "../store/project.ts";
import type { ProjectReader } from "../store/source.ts";
import { analyzeStoredRun, type RunReport } from "../tools/analyze_run.ts";
import { withProject } from "../tools/context.ts";
import type { ToolContext } from "../tools/registry.ts";
import { RunCache } from "../tools/run_cache.ts";
import type { WatchEvent } from "./event.ts";
import { eventsBetween, type RunSeen } from "./changes.ts";

/** Which runs of the project to follow. */
export interface RunChoice {
  /** Names (or ids) of runs; the others are not followed. */
  runs?: string[];
  /** Only runs whose name matches. */
  filter?: RegExp;
}

/**
 * What a watch has seen of each run, by run id: the state its events are the changes from. It is
 * plain data, so a `--once` pass can be told what the previous pass saw (`--state`).
 */
export type WatchMemory = Record<string, RunSeen>;

/**
 * Follows every run of a project: each `poll` brings each followed run up to date through one run
 * cache (reading only the rows written since the last poll) and returns what changed as events.
 * Runs that finished are no longer followed; new runs are picked up as they start. On the first
 * poll of a watch with no memory, runs that had already finished are left alone and the others
 * report what is wrong with them now, so a watch started on a bad run says so at once.
 */
export class ProjectWatcher {
  private readonly cache = new RunCache(undefined, true);
  private seen: Map<string, RunSeen>;
  private verdicts = new Map<string, Severity>();
  private polled: boolean;
  /** The project's run names and ids at the last poll, all of them (for did-you-mean). */
  runNames: string[] = [];
  runIds: string[] = [];
  /** Runs that had finished when the watch's first poll saw them. */
  finishedAtStart = 0;

  constructor(
    private readonly ctx: ToolContext,
    readonly project: string,
    private readonly choice: RunChoice = {},
    /** Where a person looks at the project (a Space's URL), put in every event. */
    private readonly url: string | null = null,
    memory?: WatchMemory,
    private readonly now: () => number = Date.now,
  ) {
    this.seen = new Map(Object.entries(memory ?? {}));
    this.polled = memory !== undefined;
  }

  /** What has been seen so far, for the next `--once` pass. */
  memory(): WatchMemory {
    return Object.fromEntries(this.seen);
  }

  /** The worst verdict of the runs followed (the `--fail-on` gate). */
  get verdict(): Severity {
    return worst([...this.verdicts.values()]);
  }

  /** How many runs are followed now: chosen, and not finished at the last pass. */
  following = 0;

  /**
   * One pass over the project's runs: the changes since the last, in run order. What the pass saw is
   * taken in only once it has read every run, so a pass cut short (a server gone mid-pass) leaves the
   * watch as it was and the next pass tells the same changes.
   */
  poll(): Promise<WatchEvent[]> {
    return withProject(this.ctx, this.project, async (store) => {
      const first = !this.polled;
      const events: WatchEvent[] = [];
      const seen = new Map<string, RunSeen>();
      const verdicts = new Map<string, Severity>();
      let finishedAtStart = 0;
      const all = await store.runs();
      for (const run of all) {
        const was = this.seen.get(run.id);
        // The same id with another first row is another run (deleted and logged again): new.
        const same = was && was.created_at === run.created_at ? was : undefined;
        if (!this.chosen(run) || same?.finished) {
          if (same) seen.set(run.id, same);
          continue;
        }
        const report = await this.report(store, run);
        const time = new Date(this.now()).toISOString();
        const base = { time, project: this.project, url: this.url };
        if (first && !same && report.status.state === "finished") {
          // Over before the watch began: nothing to watch, nothing to tell.
          seen.set(run.id, seenOf(run, report, true));
          finishedAtStart++;
          continue;
        }
        events.push(...eventsBetween(first ? blank(run, report) : same, report, base));
        seen.set(run.id, seenOf(run, report, report.status.state === "finished"));
        verdicts.set(run.id, report.verdict);
      }
      // Runs gone from the project are forgotten; the verdicts of runs that finished are kept.
      for (const id of this.verdicts.keys()) {
        if (seen.has(id) && !verdicts.has(id)) verdicts.set(id, this.verdicts.get(id)!);
      }
      [this.runNames, this.runIds] = [all.map((r) => r.name), all.map((r) => r.id)];
      this.seen = seen;
      this.verdicts = verdicts;
      this.following = all.filter((r) => this.chosen(r) && seen.get(r.id)?.finished === false).length;
      this.finishedAtStart += finishedAtStart;
      this.polled = true;
      return events;
    });
  }

  private report(store: ProjectReader, run: RunRef): Promise<RunReport> {
    return analyzeStoredRun(store, run, {}, { cache: this.cache, missing: [] }).then((s) => s.report);
  }

  private chosen(run: RunRef): boolean {
    const { runs, filter } = this.choice;
    if (runs && !runs.includes(run.name) && !runs.includes(run.id)) return false;
    return !filter || filter.test(run.name);
  }
}

/**
 * A run seen for the first time on the watch's first poll: compared as if it had nothing open and had
 * been running, so its problems are events and its start is not.
 */
const blank = (run: RunRef, report: RunReport): RunSeen => ({
  ...seenOf(run, report, false),
  findings: {},
  stalled: false,
});

/** What a report says, for the next comparison. */
function seenOf(run: RunRef, report: RunReport, finished: boolean): RunSeen {
  const findings: Record<string, Severity> = {};
  for (const f of report.findings) {
    if (severityRank(f.severity) > severityRank("ok")) findings[f.rule] = f.severity;
  }
  return {
    name: report.run,
    created_at: run.created_at,
    findings,
    stalled: report.status.state === "stalled",
    finished,
  };
}
