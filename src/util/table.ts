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
