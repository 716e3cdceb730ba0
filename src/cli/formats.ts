/**
 * Output formats for pipelines, on every command whose result is a list: json (the result as is),
 * ndjson (one JSON object per row), csv, tsv, markdown and an aligned text table, with --fields to
 * pick and order the columns. Columns keep the order in which they first appear.
 */
import { Option } from "@commander-js/extra-typings";
import { usageError } from "../errors.ts";
import { toJson } from "../json.ts";
import type { z } from "zod";
import type { ToolDef } from "../tools/registry.ts";
import { formatNumber } from "../util/format.ts";
import { table } from "../util/table.ts";
import { type Cell, toCsv, toMarkdown, toTsv } from "./tabular.ts";

export const FORMATS = ["json", "ndjson", "csv", "tsv", "table", "markdown"] as const;
export type Format = typeof FORMATS[number];

export const formatOptions = () => [
  new Option("--format <format>", "json, ndjson, csv, tsv, table or markdown (--json is --format json)")
    .choices(FORMATS),
  new Option("--fields <list>", "with a list result: the columns to print, in this order (e.g. step,value)"),
];

export interface FormatFlags {
  json?: boolean;
  format?: Format;
  fields?: string;
}

/**
 * The format asked for (`--json` is `--format json`), or undefined for the command's own human
 * rendering. Commands with formats of their own (analyze, compare) ask the same way.
 */
export function formatFrom<F extends string = Format>(
  flags: { json?: boolean; format?: F },
): F | "json" | undefined {
  if (flags.json && flags.format && flags.format !== "json") {
    throw usageError("--json and --format are two answers to one question: give one");
  }
  return flags.json ? "json" : flags.format;
}

/** The result as rows, when it is a list. */
export function recordsOf<S extends z.ZodObject, R>(
  tool: ToolDef<S, R>,
  result: R,
): Record<string, unknown>[] | undefined {
  if (tool.rows) return tool.rows(result);
  const isRecord = (r: unknown): r is Record<string, unknown> =>
    r !== null && typeof r === "object" && !Array.isArray(r);
  return Array.isArray(result) && result.every(isRecord) ? result : undefined;
}

export function columnsOf(records: Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const r of records) for (const key of Object.keys(r)) seen.add(key);
  return [...seen];
}

/** The columns --fields names, checked against those the result has. */
export function pickColumns(columns: string[], fields: string | undefined): string[] {
  if (fields === undefined) return columns;
  const wanted = fields.split(",").map((f) => f.trim()).filter(Boolean);
  const unknown = wanted.filter((f) => !columns.includes(f));
  if (unknown.length && columns.length) {
    throw usageError(`--fields: no column ${unknown.join(", ")}`, `columns: ${columns.join(", ")}`);
  }
  return wanted;
}

/** One record as an NDJSON line, with only `columns`. */
export const ndjsonLine = (record: Record<string, unknown>, columns: string[]) =>
  `${toJson(Object.fromEntries(columns.map((c) => [c, record[c] ?? null])))}\n`;

export function formatRecords(
  format: Exclude<Format, "json">,
  records: Record<string, unknown>[],
  columns: string[],
): string {
  if (format === "ndjson") return records.map((r) => ndjsonLine(r, columns)).join("");
  const rows = records.map((r) => columns.map((c) => r[c] as Cell));
  if (format === "csv") return toCsv(columns, rows);
  if (format === "tsv") return toTsv(columns, rows);
  if (format === "markdown") return toMarkdown(columns, rows);
  return `${table(columns, records.map((r) => columns.map((c) => formatNumber(r[c]))))}\n`;
}

/** The result in `format`; a usage error when a row format is asked of a result that is no list. */
export function formatResult<S extends z.ZodObject, R>(
  tool: ToolDef<S, R>,
  result: R,
  format: Format,
  fields?: string,
): string {
  const records = recordsOf(tool, result);
  if (format === "json") {
    if (fields === undefined) return `${toJson(result)}\n`;
    if (!records) throw usageError(`--fields needs a list result; ${tool.cli.command} gives one object`);
    const columns = pickColumns(columnsOf(records), fields);
    return `${toJson(records.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null]))))}\n`;
  }
  if (!records) {
    throw usageError(
      `--format ${format} needs a list result; ${tool.cli.command} gives one object`,
      "use --json",
    );
  }
  return formatRecords(format, records, pickColumns(columnsOf(records), fields));
}

/** A point's columns in their order, without the timestamp when omit_timestamps asks for bare curves. */
export const pointColumns = (order: string[], args: { omit_timestamps?: boolean }) =>
  args.omit_timestamps ? order.filter((c) => c !== "timestamp") : order;
