/** Scores the analysis on labelled runs: which label each run got, for the corpus and the fixtures. */
import { analyzeRun, type RunAnalysis } from "../../src/analysis/diagnose.ts";
import { severityRank } from "../../src/analysis/findings.ts";
import type { LabelledRun } from "./corpus.ts";

export interface Outcome {
  name: string;
  label: string;
  /** The label when it was found; else what the run was taken for. */
  predicted: string;
  analysis: RunAnalysis;
}

/** The label a run got: its expected rule if that fired at the expected severity, else its worst finding. */
export function predict(analysis: RunAnalysis, label: string, severity = "warning"): string {
  const serious = analysis.findings.filter((f) => severityRank(f.severity) >= severityRank("warning"));
  if (label === "healthy") return serious.length === 0 ? "healthy" : serious[0].rule;
  const hit = analysis.findings.find((f) => f.rule === label && f.severity === severity) ??
    analysis.findings.find((f) =>
      f.rule === label && severityRank(f.severity) >= severityRank(severity as never)
    );
  if (hit) return label;
  return serious[0]?.rule ?? "healthy";
}

export function evaluate(cases: LabelledRun[]): Outcome[] {
  return cases.map((c) => {
    const analysis = analyzeRun(c.data);
    return { name: c.name, label: c.label, predicted: predict(analysis, c.label, c.severity), analysis };
  });
}

/** Rows: the expected label; columns: the label given. The diagonal is right. */
export function confusionTable(outcomes: Outcome[]): string {
  const labels = [...new Set(outcomes.flatMap((o) => [o.label, o.predicted]))].sort();
  const counts = new Map<string, number>();
  for (const o of outcomes) {
    counts.set(`${o.label}|${o.predicted}`, (counts.get(`${o.label}|${o.predicted}`) ?? 0) + 1);
  }
  const width = Math.max(...labels.map((l) => l.length));
  const short = labels.map((_, i) => `(${i + 1})`);
  const lines = [
    `${"expected \\ given".padEnd(width + 5)} ${short.map((s) => s.padStart(5)).join("")}`,
    ...labels.map((row, i) =>
      `${short[i].padEnd(4)} ${row.padEnd(width)} ${
        labels.map((col) => String(counts.get(`${row}|${col}`) ?? "").padStart(5)).join("")
      }`
    ),
  ];
  return lines.join("\n");
}
