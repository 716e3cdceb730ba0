import { type Severity, severityRank } from "../analysis/findings.ts";
import { toJson } from "../json.ts";
import type { AnalysisResult } from "../tools/analyze_run.ts";
import { renderAnalysis } from "../tools/analysis_report.ts";
import { renderAnalysisMarkdown } from "./analysis_markdown.ts";

/** Exit codes of `analyze --fail-on`, apart from the error codes (README, "Exit codes"). */
export const GATE_EXIT_CODES: Record<"warning" | "critical", number> = { warning: 6, critical: 7 };

export type ReportFormat = "text" | "json" | "markdown" | "html";

/** The exit code a verdict gives under `--fail-on`: 0 below the threshold. */
export function gateExitCode(verdict: Severity, failOn: "warning" | "critical" | undefined): number {
  if (!failOn || severityRank(verdict) < severityRank(failOn)) return 0;
  return verdict === "critical" ? GATE_EXIT_CODES.critical : GATE_EXIT_CODES.warning;
}

export function renderReport(result: AnalysisResult, format: ReportFormat): string {
  if (format === "json") return `${toJson(result)}\n`;
  if (format === "markdown") return renderAnalysisMarkdown(result);
  return `${renderAnalysis(result)}\n`;
}
