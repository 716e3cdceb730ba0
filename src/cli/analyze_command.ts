import { numberFlag } from "./numbers.ts";
import { hearing } from "../tools/invoke.ts";
import { Option } from "@commander-js/extra-typings";
import { usageError } from "../errors.ts";
import {
  type AnalysisResult,
  type AnalyzedProject,
  analyzeProject,
  type RunReport,
} from "../tools/analyze_run.ts";
import { GATE_EXIT_CODES, gateExitCode, renderReport, type ReportFormat } from "./analysis_output.ts";
import { defineExtension, type ToolRunOf } from "./command_extension.ts";
import { analyzeRunTool } from "../tools/analyze_run.ts";
import { inGitHubActions, reportToGitHub } from "./github.ts";
import { reportNotice, writeErr, writeOut } from "./output.ts";
import { formatFrom } from "./formats.ts";
import { analysisHtml, findingMarkers, storyMetrics } from "./html_reports.ts";
import {
  chartStyle,
  drawChart,
  type PlotFlags,
  plotOptions,
  plotOutPath,
  reportCurves,
  saveChart,
} from "./plot.ts";
import { watchAnalysis } from "./watch_analysis.ts";

export interface AnalyzeOptions extends PlotFlags {
  json?: boolean;
  format?: ReportFormat;
  failOn?: "warning" | "critical";
  watch?: string | true;
}

/** Each run's series by run id, from the analysis's one read. */
type RunSeries = AnalyzedProject["series"];

/** A call of `analyze`. */
export type AnalyzeRun = ToolRunOf<typeof analyzeRunTool, AnalyzeOptions>;

export const formatOf = (options: AnalyzeOptions): ReportFormat => formatFrom(options) ?? "text";

/** Seconds between polls for `--watch` without a value. */
export const DEFAULT_WATCH_SECONDS = 10;

export function watchSeconds(value: string | true): number {
  if (value === true) return DEFAULT_WATCH_SECONDS;
  const wanted = "a number of seconds >= 0.1";
  const seconds = numberFlag("--watch", value, false, wanted);
  if (seconds < 0.1) {
    throw usageError(`--watch: '${value}' is not a number of seconds >= 0.1`);
  }
  return seconds;
}

async function run(call: AnalyzeRun): Promise<number> {
  const options = call.options;
  const format = formatOf(options);
  const file = plotOutPath(options);
  if (options.watch !== undefined) {
    if (format === "html") throw usageError("--watch prints text or JSON lines, not HTML");
    return await watchAnalysis(call, watchSeconds(options.watch), format, options.failOn);
  }
  const { result: analysis, notices, series } = await hearing(
    call.ctx,
    (ctx) => analyzeProject(call.args, ctx),
  );
  notices.forEach(reportNotice);
  writeOut(
    format === "html" ? await analysisHtml(call.ctx, analysis, series) : renderReport(analysis, format),
  );
  // On a terminal the report ends with its chart; elsewhere (logs, pipes) only when asked.
  const plot = options.plot ?? (format === "text" && Deno.stdout.isTerminal());
  if (plot && format === "text") await plotFindings(call, analysis, series, options);
  if (file) await saveAnalysisChart(call, analysis, series, file, options.logY);
  if (inGitHubActions()) reportToGitHub(analysis, writeErr);
  return gateExitCode(analysis.verdict, options.failOn);
}

/** Rows of the compact chart under each report. */
const ANALYZE_CHART_HEIGHT = 8;

/** Under each run's report, its loss curves with the steps the findings point at marked. */
async function plotFindings(
  call: AnalyzeRun,
  analysis: AnalysisResult,
  series: RunSeries,
  flags: PlotFlags,
): Promise<void> {
  const style = chartStyle(flags, ANALYZE_CHART_HEIGHT);
  for (const report of analysis.runs) {
    const metrics = storyMetrics(report);
    if (metrics.length === 0) continue;
    const curves = await reportCurves(
      call.ctx,
      analysis.project,
      report,
      metrics,
      style.width,
      series.get(report.run_id),
    );
    writeOut(`\n${drawChart(curves, style, findingMarkers(report))}\n`);
  }
}

/**
 * `--plot-out`: one run's story (train and eval loss, findings marked), or with --all every run's
 * train loss overlaid.
 */
async function saveAnalysisChart(
  call: AnalyzeRun,
  analysis: AnalysisResult,
  series: RunSeries,
  file: string,
  logY?: boolean,
) {
  const curvesOf = (report: RunReport, metrics: string[]) =>
    reportCurves(call.ctx, analysis.project, report, metrics, 0, series.get(report.run_id));
  if (analysis.runs.length === 1) {
    const [report] = analysis.runs;
    const title = `${analysis.project} / ${report.run}: ${report.verdict}`;
    return await saveChart(file, await curvesOf(report, storyMetrics(report)), {
      title,
      logY,
      markers: findingMarkers(report),
    });
  }
  const curves = [];
  for (const report of analysis.runs.filter((r) => r.metrics.train_loss)) {
    const [curve] = await curvesOf(report, [report.metrics.train_loss!]);
    curves.push({ ...curve, label: report.run });
  }
  await saveChart(file, curves, { title: `${analysis.project}: train loss of every run`, logY });
}

export const analyzeExtension = defineExtension({
  tool: analyzeRunTool,
  options: [
    ...plotOptions(),
    new Option("--no-plot", "no chart under the report (on a terminal there is one by default)"),
    new Option(
      "--format <format>",
      "report format (--json is --format json); html is one self-contained file",
    )
      .choices(["text", "json", "markdown", "html"]),
    new Option(
      "--fail-on <severity>",
      `exit ${GATE_EXIT_CODES.warning} (warning) or ${GATE_EXIT_CODES.critical} (critical) when the verdict is at least this bad`,
    ).choices(["warning", "critical"]),
    new Option(
      "--watch [seconds]",
      `re-analyze as the run grows (every ${DEFAULT_WATCH_SECONDS} s by default), printing only changes`,
    ),
  ],
  run,
});
