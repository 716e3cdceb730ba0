import type { Severity } from "../analysis/findings.ts";
import type { AnalysisResult } from "../tools/analyze_run.ts";
import { renderAnalysisMarkdown } from "./analysis_markdown.ts";
import { readEnv } from "../util/env.ts";

/** GitHub Actions' escaping of workflow command data and properties. */
const data = (s: string) => s.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
const property = (s: string) => data(s).replaceAll(":", "%3A").replaceAll(",", "%2C");

const LEVEL: Record<Severity, string | undefined> = {
  ok: undefined,
  info: "notice",
  warning: "warning",
  critical: "error",
};

/** One workflow annotation per finding worth seeing (info and above). */
export function annotations(result: AnalysisResult): string[] {
  return result.runs.flatMap((run) =>
    run.findings.flatMap((f) => {
      const level = LEVEL[f.severity];
      if (!level) return [];
      const title = property(`${result.project}/${run.run}: ${f.rule}`);
      return [`::${level} title=${title}::${data(`${f.message} ${f.actions[0] ?? ""}`.trim())}`];
    })
  );
}

export const inGitHubActions = () => readEnv("GITHUB_ACTIONS") === "true";

/**
 * In a GitHub Actions job: findings become annotations (on stderr, so stdout stays the report or
 * JSON; the runner reads workflow commands from both) and the markdown report is appended to the
 * job summary.
 */
export function reportToGitHub(result: AnalysisResult, writeErr: (s: string) => void): void {
  for (const line of annotations(result)) writeErr(`${line}\n`);
  const summary = readEnv("GITHUB_STEP_SUMMARY");
  if (summary) Deno.writeTextFileSync(summary, renderAnalysisMarkdown(result), { append: true });
}
