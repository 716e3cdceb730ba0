/** Display width of a cell: code points, which is right for the names and numbers we print. */
const width = (s: string) => Array.from(s).length;

/**
 * A plain aligned text table: header, rule, rows. Numbers-looking columns are right-aligned.
 * Cells are printed as given; callers format numbers.
 */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const numeric = headers.map((_, i) =>
    rows.length > 0 && rows.every((r) => /^-?[\d.,e+-]*$|^(NaN|-?Infinity|-)$/.test(r[i] ?? ""))
  );
  const pad = (cell: string, i: number) => {
    const gap = " ".repeat(widths[i] - width(cell));
    return numeric[i] ? gap + cell : cell + gap;
  };
  const line = (cells: string[]) => cells.map(pad).join("  ").trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** A number for people: up to 6 significant digits, NaN/Infinity spelled out. */
export function formatNumber(value: unknown): string {
  if (typeof value !== "number") {
    return value === null || value === undefined
      ? "-"
      : typeof value === "string"
      ? value
      : JSON.stringify(value);
  }
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e9)) return value.toExponential(4);
  return String(Number(value.toPrecision(6)));
}
