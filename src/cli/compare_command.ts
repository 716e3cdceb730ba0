import { runTool } from "../tools/invoke.ts";
import { Option } from "@commander-js/extra-typings";
import type { Comparison } from "../analysis/compare.ts";
import { toJson } from "../json.ts";
import { type CompareResult, compareRunsTool } from "../tools/compare_runs.ts";
import { defineExtension, type ToolRunOf } from "./command_extension.ts";
import { reportNotice, writeOut } from "./output.ts";
import { type Cell, toCsv, toMarkdown, toTsv } from "./tabular.ts";
import { formatFrom } from "./formats.ts";
import { comparedHere, comparisonCurves, comparisonHtml } from "./html_reports.ts";
import { plotOutPath, saveChart } from "./plot.ts";

type CompareFormat = "table" | "json" | "csv" | "tsv" | "markdown" | "html";

/** The columns of compare's CSV, TSV and Markdown, in a stable order; config keys come last. */
export const COMPARE_COLUMNS = [
  "rank",
  "best_run",
  "project",
  "run",
  "run_id",
  "value",
  "step",
  "final",
  "final_step",
  "best",
  "best_step",
  "last_step",
  "points",
  "change_pct",
  "verdict",
  "findings",
] as const;

export function comparisonRows(c: Comparison): { headers: string[]; rows: Cell[][] } {
  const headers = [...COMPARE_COLUMNS, ...c.differing_config.map((k) => `config.${k}`)];
  const rows = c.runs.map((r) => [
    ...COMPARE_COLUMNS.map((col) => (col === "findings" ? r.findings.join(" ") : r[col])),
    ...c.differing_config.map((k) => r.config[k] as Cell),
  ]);
  return { headers, rows };
}

interface CompareOptions {
  json?: boolean;
  format?: CompareFormat;
  plotOut?: string;
  logY?: boolean;
}

/** A call of `compare`. */
type CompareRun = ToolRunOf<typeof compareRunsTool, CompareOptions>;

async function run(call: CompareRun): Promise<number> {
  const options = call.options;
  const file = plotOutPath(options);
  const format = formatFrom(options) ?? "table";
  const { result: comparison, notices } = await runTool(call.tool, call.args, call.ctx);
  notices.forEach(reportNotice);
  writeOut(await formatted(call, comparison, format));
  if (file) {
    const series = await comparisonCurves(call.ctx, comparison);
    const title = `${comparison.metric} by run`;
    await saveChart(file, series, { title, logY: options.logY, markers: comparedHere(comparison) });
  }
  return 0;
}

async function formatted(
  call: CompareRun,
  comparison: CompareResult,
  format: CompareFormat,
): Promise<string> {
  if (format === "json") return `${toJson(comparison)}\n`;
  if (format === "table") return `${call.tool.render!(comparison)}\n`;
  if (format === "html") return await comparisonHtml(call.ctx, comparison);
  // Pipelines get the rows only; what a person should know goes to stderr.
  comparison.warnings.forEach(reportNotice);
  const { headers, rows } = comparisonRows(comparison);
  return (format === "csv" ? toCsv : format === "tsv" ? toTsv : toMarkdown)(headers, rows);
}

export const compareExtension = defineExtension({
  tool: compareRunsTool,
  options: [
    new Option(
      "--format <format>",
      "table (default), json, csv, tsv, markdown or html (--json is --format json)",
    )
      .choices(["table", "json", "csv", "tsv", "markdown", "html"]),
    new Option("--plot-out <file>", "write every run's curve, overlaid, to FILE.svg or FILE.png"),
    new Option("--log-y", "with --plot-out: logarithmic value axis"),
  ],
  run,
});
