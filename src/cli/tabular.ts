/**
 * Tables for pipelines: CSV (RFC 4180), TSV and Markdown. Cells are written so that they read back as
 * they were: numbers in JavaScript's shortest round-trip form, NaN and infinities as Trackio's strings,
 * objects as JSON, null as an empty cell.
 */
import { encodeNonFinite } from "../json.ts";

export type Cell = string | number | boolean | null | undefined | object;

export function cellText(value: Cell): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return String(encodeNonFinite(value));
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

const csvField = (
  text: string,
) => (/[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text);

/** TSV has no quoting: tabs and line breaks inside a cell become spaces. */
const tsvField = (text: string) => text.replace(/[\t\r\n]+/g, " ");

/**
 * One record of a CSV (RFC 4180: CRLF) or TSV table, line ending included: the writer both a whole
 * table and a stream of lines (`values --follow`) use, so the two cannot differ.
 */
export const lineOf = (format: "csv" | "tsv", cells: Cell[]): string =>
  format === "csv"
    ? `${cells.map((c) => csvField(cellText(c))).join(",")}\r\n`
    : `${cells.map((c) => tsvField(cellText(c))).join("\t")}\n`;

export const toCsv = (headers: string[], rows: Cell[][]): string =>
  [headers, ...rows].map((r) => lineOf("csv", r)).join("");

export const toTsv = (headers: string[], rows: Cell[][]): string =>
  [headers, ...rows].map((r) => lineOf("tsv", r)).join("");

export function toMarkdown(headers: string[], rows: Cell[][]): string {
  const escape = (text: string) => text.replaceAll("|", "\\|").replace(/[\r\n]+/g, " ");
  return [
    `| ${headers.map(escape).join(" | ")} |`,
    `|${headers.map(() => " --- |").join("")}`,
    ...rows.map((r) => `| ${r.map((c) => escape(cellText(c))).join(" | ")} |`),
  ].join("\n") + "\n";
}
