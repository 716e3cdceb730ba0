import type { Severity } from "../analysis/findings.ts";
import { progressText, STATS_HEADERS, statsRows, tableStats } from "../tools/analysis_report.ts";
import type { AnalysisResult, RunReport } from "../tools/analyze_run.ts";
import { fmt } from "../util/format.ts";

/** The analysis report in Markdown, for PR comments and CI job summaries (analyze --format markdown, GitHub). */

const BADGE: Record<Severity, string> = { ok: "✅", info: "ℹ️", warning: "⚠️", critical: "🛑" };

const mdCell = (text: string) => text.replaceAll("|", "\\|");

function runMarkdown(r: RunReport, project: string): string {
  const lines = [
    `### ${BADGE[r.verdict]} ${project} / ${r.run}: ${r.verdict}`,
    "",
    `${r.verdict.toUpperCase()} · ${progressText(r)}`,
    "",
  ];
  if (tableStats(r).length) {
    lines.push(`| ${STATS_HEADERS.slice(0, 6).join(" | ")} |`, `|${" --- |".repeat(6)}`);
    for (const row of statsRows(r)) lines.push(`| ${row.slice(0, 6).map(mdCell).join(" | ")} |`);
    lines.push("");
  }
  if (r.lr_schedule) {
    lines.push(`Learning rate: ${r.lr_schedule.text}`, "");
  }
  for (const f of r.findings) {
    lines.push(`- ${BADGE[f.severity]} **${f.severity}** \`${f.rule}\`: ${f.message}`);
  }
  if (r.projections.length) {
    const each = r.projections.map((p) => `${p.metric} ~${fmt(p.value)} (${fmt(p.low)}-${fmt(p.high)})`);
    lines.push("", `Projection at step ${r.projections[0].at_step}: ${each.join(", ")}.`);
  }
  lines.push("", `**Recommendation:** ${r.recommendation}`);
  return lines.join("\n");
}

/** Markdown for PR comments and CI job summaries. */
export function renderAnalysisMarkdown(result: AnalysisResult): string {
  return `${result.runs.map((r) => runMarkdown(r, result.project)).join("\n\n")}\n`;
}
