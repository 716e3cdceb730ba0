import { Option } from "@commander-js/extra-typings";
import type { Comparison } from "../analysis/compare.ts";
import { usageError } from "../errors.ts";
import { toJson } from "../json.ts";
import type { CommandExtension, ToolRun } from "./extensions.ts";
import { reportNotice, writeOut } from "./output.ts";
import { type Cell, toCsv, toMarkdown, toTsv } from "./tabular.ts";

type CompareFormat = "table" | "json" | "csv" | "tsv" | "markdown";

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

async function run(call: ToolRun): Promise<number> {
  const options = call.options as { json?: boolean; format?: CompareFormat };
  if (options.json && options.format && options.format !== "json") {
    throw usageError("--json and --format are two answers to one question: give one");
  }
  const format = options.json ? "json" : options.format ?? "table";
  const { result, notices } = await call.tool.handler(call.args, call.ctx);
  const comparison = result as Comparison;
  notices.forEach(reportNotice);
  if (format === "json") return (writeOut(`${toJson(comparison)}\n`), 0);
  if (format === "table") return (writeOut(`${call.tool.render!(comparison)}\n`), 0);
  // Pipelines get the rows only; what a person should know goes to stderr.
  comparison.warnings.forEach(reportNotice);
  const { headers, rows } = comparisonRows(comparison);
  writeOut((format === "csv" ? toCsv : format === "tsv" ? toTsv : toMarkdown)(headers, rows));
  return 0;
}

export const compareExtension: CommandExtension = {
  options: [
    new Option("--format <format>", "table (default), json, csv, tsv or markdown (--json is --format json)")
      .choices(["table", "json", "csv", "tsv", "markdown"]),
  ],
  run,
};
