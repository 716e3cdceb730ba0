/**
 * Line charts for the terminal: braille dots (2x4 per character cell) with one colour per series on
 * a terminal that shows them, or plain ASCII marks (one per cell, a different mark per series) where
 * Unicode or colour cannot be assumed. A pure function of the series and the options.
 */
import { fmt } from "../util/format.ts";

export interface ChartSeries {
  label: string;
  /** [step, value] in any order; NaN and infinities are shown on their own row, not plotted. */
  points: [number, number][];
}

export interface ChartMarker {
  step: number;
  label: string;
}

export interface ChartOptions {
  /** Total width in characters, labels included. */
  width: number;
  /** Rows of the plot area. */
  height: number;
  logY?: boolean;
  unicode: boolean;
  color: boolean;
  markers?: ChartMarker[];
}

const COLORS = [36, 33, 35, 32, 34, 31];
const ASCII_MARKS = ["*", "+", "o", "x", "#", "%"];
const BRAILLE_BASE = 0x2800;
/** Dot bits of a braille cell by [x][y] within it. */
const BRAILLE_BITS = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]];

const paint = (text: string, series: number, color: boolean) =>
  color ? `\x1b[${COLORS[series % COLORS.length]}m${text}\x1b[0m` : text;

function bounds(values: number[]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (lo === hi) return [lo - (Math.abs(lo) || 1) * 0.05, hi + (Math.abs(hi) || 1) * 0.05];
  return [lo, hi];
}

export function renderChart(series: ChartSeries[], options: ChartOptions): string {
  const transform = (v: number) => (options.logY ? Math.log10(v) : v);
  const plotted = series.map((s) => ({
    label: s.label,
    points: s.points.filter(([, v]) => Number.isFinite(v) && (!options.logY || v > 0)).sort((a, b) =>
      a[0] - b[0]
    ),
    nonFinite: s.points.filter(([, v]) => !Number.isFinite(v)).map(([step]) => step),
  }));
  const all = plotted.flatMap((s) => s.points);
  if (all.length === 0) return "(nothing to plot: no finite values)";
  const [x0, x1] = bounds([...all.map(([s]) => s), ...plotted.flatMap((s) => s.nonFinite)]);
  const [y0, y1] = bounds(all.map(([, v]) => transform(v)));
  const yLabels = [y1, (y0 + y1) / 2, y0].map((v) => fmt(options.logY ? 10 ** v : v));
  const labelWidth = Math.max(...yLabels.map((l) => l.length));
  const cols = Math.max(10, options.width - labelWidth - 2);
  const rows = Math.max(3, options.height);
  const xScale = options.unicode ? 2 : 1;
  const yScale = options.unicode ? 4 : 1;
  const dotsX = cols * xScale, dotsY = rows * yScale;
  const toX = (step: number) => Math.round(((step - x0) / (x1 - x0)) * (dotsX - 1));
  const toY = (v: number) => Math.round(((y1 - transform(v)) / (y1 - y0)) * (dotsY - 1));
  // Each cell keeps its braille bits and the series that drew in it last.
  const bits = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
  const owner = Array.from({ length: rows }, () => new Array<number>(cols).fill(-1));
  const dot = (x: number, y: number, s: number) => {
    const [cx, cy] = [Math.floor(x / xScale), Math.floor(y / yScale)];
    if (cx < 0 || cx >= cols || cy < 0 || cy >= rows) return;
    if (options.unicode) bits[cy][cx] |= BRAILLE_BITS[x % 2][y % 4];
    owner[cy][cx] = s;
  };
  plotted.forEach((s, index) => {
    let prev: [number, number] | undefined;
    for (const [step, v] of s.points) {
      const p: [number, number] = [toX(step), toY(v)];
      if (prev) line(prev, p, (x, y) => dot(x, y, index));
      else dot(p[0], p[1], index);
      prev = p;
    }
  });
  const body = bits.map((row, r) =>
    row.map((b, c) => {
      const s = owner[r][c];
      if (s < 0) return " ";
      const glyph = options.unicode
        ? String.fromCodePoint(BRAILLE_BASE + b)
        : ASCII_MARKS[s % ASCII_MARKS.length];
      return paint(glyph, s, options.color);
    }).join("")
  );
  const lines = body.map((row, r) => {
    const label = r === 0
      ? yLabels[0]
      : r === Math.floor((rows - 1) / 2)
      ? yLabels[1]
      : r === rows - 1
      ? yLabels[2]
      : "";
    return `${label.padStart(labelWidth)} ${options.unicode ? "┤" : "|"}${row}`;
  });
  const axis = `${" ".repeat(labelWidth)} ${options.unicode ? "└" : "+"}${
    (options.unicode ? "─" : "-").repeat(cols)
  }`;
  lines.push(axis);
  const markerRow = new Array<string>(cols).fill(" ");
  for (const m of options.markers ?? []) {
    const c = Math.floor(toX(m.step) / xScale);
    if (c >= 0 && c < cols) markerRow[c] = options.unicode ? "▲" : "^";
  }
  for (const [index, s] of plotted.entries()) {
    for (const step of s.nonFinite) {
      const c = Math.floor(toX(step) / xScale);
      if (c >= 0 && c < cols) markerRow[c] = paint(options.unicode ? "×" : "!", index, options.color);
    }
  }
  if (markerRow.some((m) => m !== " ")) lines.push(`${" ".repeat(labelWidth + 2)}${markerRow.join("")}`);
  const first = fmt(x0 < 0 && all.every(([s]) => s >= 0) ? 0 : Math.round(x0));
  const last = fmt(Math.round(x1));
  const end = `step ${last}`;
  lines.push(
    `${" ".repeat(labelWidth + 2)}${first}${" ".repeat(Math.max(1, cols - first.length - end.length))}${end}`,
  );
  const legend = plotted.map((s, i) => {
    const mark = options.unicode ? "●" : ASCII_MARKS[i % ASCII_MARKS.length];
    const bad = s.nonFinite.length ? ` (${s.nonFinite.length} NaN/Inf ${options.unicode ? "×" : "!"})` : "";
    return `${paint(mark, i, options.color)} ${s.label}${bad}`;
  });
  lines.push(`${" ".repeat(labelWidth + 2)}${legend.join("   ")}${options.logY ? "   (log scale)" : ""}`);
  for (const m of options.markers ?? []) {
    lines.push(`${" ".repeat(labelWidth + 2)}${options.unicode ? "▲" : "^"} step ${m.step}: ${m.label}`);
  }
  return lines.map((l) => l.trimEnd()).join("\n");
}

/** Bresenham's line between two dots. */
function line(
  [xa, ya]: [number, number],
  [xb, yb]: [number, number],
  plot: (x: number, y: number) => void,
): void {
  const dx = Math.abs(xb - xa), dy = -Math.abs(yb - ya);
  const sx = xa < xb ? 1 : -1, sy = ya < yb ? 1 : -1;
  let err = dx + dy;
  let [x, y] = [xa, ya];
  while (true) {
    plot(x, y);
    if (x === xb && y === yb) return;
    const e2 = 2 * err;
    if (e2 >= dy) [err, x] = [err + dy, x + sx];
    if (e2 <= dx) [err, y] = [err + dx, y + sy];
  }
}
