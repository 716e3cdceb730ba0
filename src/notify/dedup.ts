import { type Severity, severityRank } from "../analysis/findings.ts";
import type { WatchEvent, WatchEventKind } from "../watch/event.ts";

/**
 * Each event opens or closes something about a run: a finding (key: project, run, rule), a stall
 * (project, run) or the run itself (started, finished).
 */
const TOGGLE: Record<WatchEventKind, { topic: string; opens: boolean }> = {
  finding_opened: { topic: "finding", opens: true },
  finding_cleared: { topic: "finding", opens: false },
  run_stalled: { topic: "stall", opens: true },
  run_resumed: { topic: "stall", opens: false },
  run_started: { topic: "run", opens: true },
  run_finished: { topic: "run", opens: false },
};

/**
 * The same thing is not told twice. Every event seen, whatever its level, sets its key's state: open (at
 * its severity) or closed. An event is new when its key was never seen, when it changes the key's state
 * (a finding that opens, clears and opens again is told each time), or when it opens the key again at a
 * higher severity than it is open at (an escalation). Anything else (opened while open at the same or a
 * higher severity, cleared while cleared) is a repeat. A run is known by its id (names repeat: a script
 * run again under the same name is another run), and its start begins it afresh: a run deleted and
 * logged again under its id starts again. State is kept for the notifier's life: a few keys per run.
 */
export class Dedup {
  /** By run (project and id), each key's state. */
  #state = new Map<string, Map<string, Severity | "closed">>();

  /** Whether `event` is new, and it is remembered either way. */
  admit(event: WatchEvent): boolean {
    const { topic, opens } = TOGGLE[event.kind];
    const run = JSON.stringify([event.project, event.run_id ?? event.run]);
    if (event.kind === "run_started") this.#state.delete(run);
    let state = this.#state.get(run);
    if (!state) this.#state.set(run, state = new Map());
    const key = JSON.stringify([topic, topic === "finding" ? event.rule : null]);
    const before = state.get(key);
    const after = opens ? event.severity : "closed";
    if (before === undefined) {
      state.set(key, after);
      return true;
    }
    if (!opens) {
      state.set(key, after);
      return before !== "closed";
    }
    if (before === "closed" || severityRank(event.severity) > severityRank(before)) {
      state.set(key, after);
      return true;
    }
    return false;
  }
}
