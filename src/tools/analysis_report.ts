import { fmt, signedPercent } from "../util/format.ts";
import { table } from "../util/table.ts";
import type { AnalysisResult, RunReport } from "./analyze_run.ts";

/** The reports a person reads in ten seconds: status, numbers, findings, what to do. */

const fmtValue = (v: number | string) => (typeof v === "number" ? fmt(v) : v);

/** Where the run is: `step 1500 of 3000 (50%) · SFT`. */
export function progressText(r: RunReport): string {
  const p = r.progress;
  const where = p.max_steps !== null
    ? `step ${p.step} of ${p.max_steps} (${Math.round((p.fraction ?? 0) * 100)}%)`
    : p.fraction !== null
    ? `step ${p.step}, ${Math.round(p.fraction * 100)}% of its epochs`
    : `step ${p.step ?? "-"}`;
  return `${where} · ${r.kind.toUpperCase()}`;
}

const status = (r: RunReport, project: string) =>
  `${project} / ${r.run}: ${r.verdict.toUpperCase()} · ${progressText(r)}`;

/** The stats a table shows: the learning rate is said in words instead (see `lr_schedule`). */
export const tableStats = (r: RunReport) =>
  r.stats.filter((s) => !r.lr_schedule || s.metric !== r.lr_schedule.metric);

/** `running, last log 2 min ago, 12.5 steps/min, ETA 2026-12-02 14:05 UTC; check again at step 1600`. */
export function statusText(r: RunReport): string {
  const s = r.status;
  const parts = [
    s.state === "finished"
      ? `finished (${s.basis})`
      : s.state === "stalled"
      ? `stalled: ${s.basis}`
      : s.state,
  ];
  if (s.state === "running") parts.push(s.basis);
  if (s.steps_per_minute !== null) parts.push(`${fmt(s.steps_per_minute)} steps/min`);
  if (s.eta) parts.push(`ETA ${s.eta.slice(0, 16).replace("T", " ")} UTC`);
  const text = parts.join(", ");
  return s.check_again_at_step !== null ? `${text}; check again at step ${s.check_again_at_step}` : text;
}

export function statsRows(r: RunReport): string[][] {
  const stats = tableStats(r);
  const anyNonFinite = stats.some((s) => s.non_finite > 0);
  return stats.map((s) => [
    s.metric,
    s.non_finite_now ? `${s.non_finite_now} since ${s.non_finite_since}` : fmt(s.current),
    fmt(s.start),
    signedPercent(s.change_pct),
    s.best === null ? "" : `${fmt(s.best)} @${s.best_step}`,
    s.trend,
    ...(anyNonFinite ? [s.non_finite ? `${s.non_finite} NaN/Inf` : ""] : []),
  ]);
}

export const STATS_HEADERS = ["metric", "now", "start", "change", "best", "trend", "non-finite"];

function runText(r: RunReport, project: string): string {
  const lines = [status(r, project), ""];
  if (tableStats(r).length) {
    const rows = statsRows(r);
    lines.push(table(STATS_HEADERS.slice(0, rows[0].length), rows).replace(/^/gm, "  "));
  }
  if (r.lr_schedule) lines.push(`  learning rate: ${r.lr_schedule.text}`);
  lines.push(`  status: ${statusText(r)}`);
  if (tableStats(r).length || r.lr_schedule) lines.push("");
  for (const f of r.findings) {
    lines.push(`  [${f.severity}] ${f.rule}: ${f.message}`);
    // What to look at and what to do, for every finding worth acting on: an agent reading only the text
    // gets them too, not just the one recommendation.
    if (f.severity === "warning" || f.severity === "critical") {
      const seen = f.evidence.slice(0, 4).map((e) =>
        `${e.metric} ${fmtValue(e.value)} @${e.step} (${e.note})`
      );
      if (seen.length) lines.push(`      evidence: ${seen.join("; ")}`);
      if (f.actions.length) lines.push(`      do: ${f.actions.slice(0, 3).join("; ")}`);
    }
  }
  if (r.projections.length) {
    const at = r.projections[0].at_step;
    const each = r.projections.map((p) => `${p.metric} ~${fmt(p.value)} (${fmt(p.low)}-${fmt(p.high)})`);
    lines.push(`  projection at step ${at}: ${each.join(", ")}`);
  }
  lines.push(`  recommendation: ${r.recommendation}`);
  return lines.join("\n");
}

export function renderAnalysis(result: AnalysisResult): string {
  return result.runs.map((r) => runText(r, result.project)).join("\n\n");
}
