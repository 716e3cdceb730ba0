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
  private readonly seen: Map<string, RunSeen>;
  private readonly verdicts = new Map<string, Severity>();
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

  /** How many runs are followed now (not finished). */
  get following(): number {
    return [...this.seen.values()].filter((r) => !r.finished).length;
  }

  /** One pass over the project's runs: the changes since the last, in run order. */
  poll(): Promise<WatchEvent[]> {
    return withProject(this.ctx, this.project, async (store) => {
      const first = !this.polled;
      const events: WatchEvent[] = [];
      const all = await store.runs();
      [this.runNames, this.runIds] = [all.map((r) => r.name), all.map((r) => r.id)];
      const runs = all.filter((r) => this.chosen(r));
      const present = new Set(runs.map((r) => r.id));
      for (const id of this.seen.keys()) if (!present.has(id)) this.forget(id);
      for (const run of runs) {
        const was = this.seen.get(run.id);
        if (was?.finished) continue;
        const report = await this.report(store, run);
        const time = new Date(this.now()).toISOString();
        const base = { time, project: this.project, url: this.url };
        if (first && !was && report.status.state === "finished") {
          // Over before the watch began: nothing to watch, nothing to tell.
          this.seen.set(run.id, seenOf(report, true));
          this.finishedAtStart++;
          continue;
        }
        events.push(...eventsBetween(first ? seenOf(report, false, true) : was, report, base));
        this.seen.set(run.id, seenOf(report, report.status.state === "finished"));
        this.verdicts.set(run.id, report.verdict);
      }
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

  private forget(id: string): void {
    this.seen.delete(id);
    this.verdicts.delete(id);
  }
}

/**
 * What a report says for the next comparison. `blank`: a run seen for the first time on the watch's
 * first poll, compared as if it had nothing open and had been running, so its problems are events.
 */
function seenOf(report: RunReport, finished: boolean, blank = false): RunSeen {
  if (blank) {
    return { name: report.run, findings: {}, stalled: false, finished: false, step: null, known: true };
  }
  const findings: Record<string, Severity> = {};
  for (const f of report.findings) {
    if (severityRank(f.severity) > severityRank("ok")) findings[f.rule] = f.severity;
  }
  return {
    name: report.run,
    findings,
    stalled: report.status.state === "stalled",
    finished,
    step: report.progress.step,
    known: true,
  };
}
