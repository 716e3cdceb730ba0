import type { Severity } from "../analysis/findings.ts";

/** What `watch` reports: a run appeared, ended or stopped logging, or a finding opened or cleared. */
export type WatchEventKind =
  | "run_started"
  | "run_finished"
  | "run_stalled"
  | "run_resumed"
  | "finding_opened"
  | "finding_cleared";

/**
 * One change seen by `watch`, as printed (one JSON object per line with `--json`), posted to a webhook
 * and handed to `--exec`. Fields a kind has no use for are null, so every event has the same keys.
 */
export interface WatchEvent {
  kind: WatchEventKind;
  /** When the watcher saw it, ISO 8601 UTC. */
  time: string;
  project: string;
  run: string;
  run_id: string | null;
  /** How much it matters: a finding's severity; `info` for runs starting, finishing or clearing, `warning` for a stall. */
  severity: Exclude<Severity, "ok">;
  /** The run's verdict after this change: its worst finding's severity, as `analyze` gives it. */
  verdict: Severity;
  /** The run's last logged step when the change was seen. */
  step: number | null;
  /** The finding's rule id (`loss.divergence`), for finding events. */
  rule: string | null;
  /** One sentence: what happened, with the numbers. */
  message: string;
  /** Steps that show it (a finding's evidence). */
  evidence_steps: number[];
  /** What to do, most useful first (a finding's actions). */
  actions: string[];
  /** Where to look: the Space's URL when the project is on one, else null. */
  url: string | null;
}
