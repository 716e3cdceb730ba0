/** Numbers written for people: in tables (6 significant digits) and in sentences (3). */

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

/** Numbers in messages: 3 significant digits, or scientific for very small/large magnitudes. */
export function fmt(value: number | null | undefined): string {
  if (value === null || value === undefined) return "n/a";
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return value.toExponential(2);
  return String(Number(value.toPrecision(3)));
}

/** A fraction as a percentage, rounded to `decimals`. */
export const pct = (fraction: number, decimals = 0) => `${(fraction * 100).toFixed(decimals)}%`;

/** A change in percent with its sign (`+12%`, `-58%`), or "" when unknown. */
export const signedPercent = (percent: number | null) =>
  percent === null ? "" : `${percent > 0 ? "+" : ""}${Math.round(percent)}%`;
