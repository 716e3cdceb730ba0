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

export function toCsv(headers: string[], rows: Cell[][]): string {
  return [headers, ...rows.map((r) => r.map(cellText))].map((r) => r.map(csvField).join(",")).join("\r\n") +
    "\r\n";
}

/** TSV has no quoting: tabs and line breaks inside a cell become spaces. */
export function toTsv(headers: string[], rows: Cell[][]): string {
  const clean = (text: string) => text.replace(/[\t\r\n]+/g, " ");
  return [headers, ...rows.map((r) => r.map(cellText))].map((r) => r.map(clean).join("\t")).join("\n") + "\n";
}

export function toMarkdown(headers: string[], rows: Cell[][]): string {
  const escape = (text: string) => text.replaceAll("|", "\\|").replace(/[\r\n]+/g, " ");
  return [
    `| ${headers.map(escape).join(" | ")} |`,
    `|${headers.map(() => " --- |").join("")}`,
    ...rows.map((r) => `| ${r.map((c) => escape(cellText(c))).join(" | ")} |`),
  ].join("\n") + "\n";
}
