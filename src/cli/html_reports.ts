import type { Comparison } from "../analysis/compare.ts";
import { escapeHtml, figure, htmlDocument, htmlTable } from "../charts/html.ts";
import type { ChartMarker, ChartSeries } from "../charts/terminal.ts";
import type { AnalysisResult, AnalyzedProject, RunReport } from "../tools/analyze_run.ts";
import { progressText, STATS_HEADERS, statsRows } from "../tools/analysis_report.ts";
import type { ToolContext } from "../tools/registry.ts";
import { curves, reportCurves } from "./plot.ts";

/** The steps a run's findings point at, as chart markers (the first few: enough to find them). */
export function findingMarkers(report: RunReport, limit = 4): ChartMarker[] {
  return report.findings
    .filter((f) => f.severity !== "ok")
    .flatMap((f) => f.evidence.map((e) => ({ step: e.step, label: `${f.rule}: ${e.note}` })))
    .slice(0, limit);
}

/** The curves that tell a run's story: train and eval loss, or for GRPO its reward. */
export function storyMetrics(report: RunReport): string[] {
  const m = report.metrics;
  const wanted = report.kind === "grpo" ? [m.reward, m.kl] : [m.train_loss, m.eval_loss];
  return wanted.filter((x): x is string => x !== undefined);
}

async function svgOf(series: ChartSeries[], title: string, markers: ChartMarker[] = []): Promise<string> {
  const { renderSvg } = await import("../charts/render.ts");
  return await renderSvg(series, { title, markers });
}

export async function analysisHtml(
  ctx: ToolContext,
  analysis: AnalysisResult,
  series?: AnalyzedProject["series"],
): Promise<string> {
  const sections: string[] = [];
  for (const r of analysis.runs) {
    const rows = statsRows(r);
    const findings = r.findings.map((f) =>
      `<li><span class="badge ${f.severity}">${f.severity}</span> <code>${escapeHtml(f.rule)}</code>: ${
        escapeHtml(f.message)
      }</li>`
    ).join("\n");
    const metrics = storyMetrics(r);
    const chart = metrics.length
      ? figure(
        await svgOf(
          await reportCurves(ctx, analysis.project, r, metrics, 0, series?.get(r.run_id)),
          r.run,
          findingMarkers(r),
        ),
        "Dashed lines mark the steps the findings point at.",
      )
      : "";
    sections.push(`<section>
<h2>${escapeHtml(r.run)}: <span class="badge ${r.verdict}">${r.verdict}</span></h2>
<p>${escapeHtml(progressText(r))}</p>
${rows.length ? htmlTable(STATS_HEADERS.slice(0, rows[0].length), rows, [false, true, true, true]) : ""}
<ul>${findings}</ul>
${chart}
<p class="recommendation"><strong>Recommendation:</strong> ${escapeHtml(r.recommendation)}</p>
</section>`);
  }
  return htmlDocument(`${analysis.project}: ${analysis.verdict}`, sections.join("\n"));
}

export async function comparisonHtml(ctx: ToolContext, c: Comparison): Promise<string> {
  const rows = c.runs.map((r) => [
    r.rank === null ? "-" : `${r.rank}${r.best_run ? " (best)" : ""}`,
    `${r.project}/${r.run}`,
    r.value === null ? "-" : String(r.value),
    r.step === null ? "-" : String(r.step),
    r.verdict,
    r.findings.join(", "),
    ...c.differing_config.map((k) => JSON.stringify(r.config[k])),
  ]);
  const series = await comparisonCurves(ctx, c);
  const markers = comparedHere(c);
  const body = `<p>${c.runs.length} runs on <code>${escapeHtml(c.metric)}</code> (${
    c.mode === "min" ? "lower" : "higher"
  } is better).</p>
${
    htmlTable(["rank", "run", c.metric, "step", "health", "findings", ...c.differing_config], rows, [
      false,
      false,
      true,
      true,
    ])
  }
${c.warnings.map((w) => `<p class="warning">Warning: ${escapeHtml(w)}</p>`).join("\n")}
${
    figure(
      await svgOf(series, c.metric, markers),
      markers.length
        ? `Each run's ${c.metric}; the dashed line marks the step they were compared at.`
        : `Each run's ${c.metric}, compared at its last point.`,
    )
  }
<p class="recommendation"><strong>Recommendation:</strong> ${escapeHtml(c.recommendation)}</p>`;
  return htmlDocument(`Comparison: ${c.best ? `best ${c.best.run}` : "no winner"}`, body);
}

/** A marker at the step the runs were compared at, when it is one step. */
export const comparedHere = (c: Comparison): ChartMarker[] =>
  c.compared_at.step !== null ? [{ step: c.compared_at.step, label: "compared here" }] : [];

/** Each compared run's curve of the compared metric, labelled by run. */
export async function comparisonCurves(ctx: ToolContext, c: Comparison): Promise<ChartSeries[]> {
  const multiProject = new Set(c.runs.map((r) => r.project)).size > 1;
  const out: ChartSeries[] = [];
  for (const r of c.runs.filter((run) => run.points > 0)) {
    const [series] = await curves(ctx, r.project, [undefined], [c.metric], 0, r.run_id);
    out.push({ ...series, label: multiProject ? `${r.project}/${r.run}` : r.run });
  }
  return out;
}
