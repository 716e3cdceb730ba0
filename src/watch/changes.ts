import { type Severity, severityRank } from "../analysis/findings.ts";
import type { RunReport } from "../tools/analyze_run.ts";
import type { WatchEvent, WatchEventKind } from "./event.ts";

/** What a watch remembers of a run between polls: what its events are the changes from. */
export interface RunSeen {
  name: string;
  /** When the run logged its first row: the same id with another is another run. */
  created_at: string;
  /** Open findings (severity above ok) by rule. */
  findings: Record<string, Severity>;
  stalled: boolean;
  finished: boolean;
}

/** What to do about a run that went quiet, whatever else is wrong with it: first, see if it is alive. */
const STALL_ACTION = "Check that the job is still running (a crash, a hang, a full disk)";

type Base = Pick<WatchEvent, "time" | "project" | "url">;

/** Evidence steps of a finding, once each, in order. */
const stepsOf = (f: { evidence: { step: number }[] }) =>
  [...new Set(f.evidence.map((e) => e.step))].sort((a, b) => a - b);

/**
 * The events that take a run from what was seen of it (`was`; undefined for a run new since the last
 * poll) to its report now: started, findings opened (or grown worse) and cleared, stalled or resumed,
 * finished; in that order, so a run's last event says where it ended.
 */
export function eventsBetween(was: RunSeen | undefined, now: RunReport, base: Base): WatchEvent[] {
  const step = now.progress.step;
  const event = (
    kind: WatchEventKind,
    severity: Exclude<Severity, "ok">,
    message: string,
    more: Partial<Pick<WatchEvent, "rule" | "evidence_steps" | "actions">> = {},
  ): WatchEvent => ({
    kind,
    time: base.time,
    project: base.project,
    run: now.run,
    run_id: now.run_id,
    severity,
    verdict: now.verdict,
    step,
    rule: more.rule ?? null,
    message,
    evidence_steps: more.evidence_steps ?? [],
    actions: more.actions ?? [],
    url: base.url,
  });
  const events: WatchEvent[] = [];
  if (!was) {
    events.push(event("run_started", "info", `run '${now.run}' started (step ${step ?? "-"})`));
  }
  const had = was?.findings ?? {};
  for (const f of now.findings) {
    if (f.severity === "ok") continue;
    const before = had[f.rule];
    if (before !== undefined && severityRank(before) >= severityRank(f.severity)) continue;
    const worse = before !== undefined ? ` (was ${before})` : "";
    events.push(event("finding_opened", f.severity, `${f.message}${worse}`, {
      rule: f.rule,
      evidence_steps: stepsOf(f),
      actions: f.actions,
    }));
  }
  const open = new Set(now.findings.filter((f) => f.severity !== "ok").map((f) => f.rule));
  for (const rule of Object.keys(had)) {
    if (!open.has(rule)) events.push(event("finding_cleared", "info", `${rule} no longer holds`, { rule }));
  }
  const stalled = now.status.state === "stalled";
  if (stalled && !was?.stalled) {
    events.push(event("run_stalled", "warning", now.status.basis, { actions: [STALL_ACTION] }));
  } else if (!stalled && was?.stalled && now.status.state !== "finished") {
    events.push(event("run_resumed", "info", `logging again (${now.status.basis})`));
  }
  if (now.status.state === "finished") {
    events.push(
      event(
        "run_finished",
        "info",
        `finished at step ${step ?? "-"} (${now.status.basis}), verdict ${now.verdict}`,
        {
          actions: [now.recommendation],
        },
      ),
    );
  }
  return events;
}
