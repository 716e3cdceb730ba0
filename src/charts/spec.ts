/**
 * Vega-Lite specifications for the charts trackio-cli writes to files: overlaid curves (one colour per
 * series, with a legend), optional log scale, and vertical rules at the steps findings point at. Pure
 * data in, spec out; rendering lives in render.ts.
 */
import type { ChartMarker, ChartSeries } from "./terminal.ts";

export interface FileChartOptions {
  title: string;
  logY?: boolean;
  markers?: ChartMarker[];
  width?: number;
  height?: number;
}

export const CHART_WIDTH = 720;
export const CHART_HEIGHT = 320;

export function chartSpec(series: ChartSeries[], options: FileChartOptions): Record<string, unknown> {
  const values = series.flatMap((s) =>
    s.points.filter(([, v]) => Number.isFinite(v) && (!options.logY || v > 0)).map(([step, value]) => ({
      series: s.label,
      step,
      value,
    }))
  );
  const nonFinite = series.flatMap((s) =>
    s.points.filter(([, v]) => !Number.isFinite(v)).map(([step]) => ({ series: s.label, step }))
  );
  const layers: Record<string, unknown>[] = [{
    data: { values },
    mark: { type: "line", strokeWidth: 1.5 },
    encoding: {
      x: { field: "step", type: "quantitative", title: "step" },
      y: {
        field: "value",
        type: "quantitative",
        title: series.length === 1 ? series[0].label : "value",
        scale: options.logY ? { type: "log" } : { zero: false },
      },
      color: { field: "series", type: "nominal", title: null, legend: { orient: "top" } },
    },
  }];
  if (options.markers?.length) {
    // Labels read away from the nearer edge, so none runs off the chart.
    const steps = values.map((v) => v.step);
    const middle = steps.length ? (Math.min(...steps) + Math.max(...steps)) / 2 : 0;
    const label = (markers: ChartMarker[], align: "left" | "right") => ({
      data: { values: markers },
      mark: {
        type: "text",
        align,
        dx: align === "left" ? 3 : -3,
        dy: -4,
        baseline: "bottom",
        color: "#c0392b",
        fontSize: 10,
        y: 0,
      },
      encoding: { x: { field: "step", type: "quantitative" }, text: { field: "label" } },
    });
    layers.push({
      data: { values: options.markers },
      mark: { type: "rule", strokeDash: [4, 3], color: "#c0392b" },
      encoding: { x: { field: "step", type: "quantitative" } },
    });
    const left = options.markers.filter((m) => m.step <= middle);
    const right = options.markers.filter((m) => m.step > middle);
    if (left.length) layers.push(label(left, "left"));
    if (right.length) layers.push(label(right, "right"));
  }
  if (nonFinite.length) {
    layers.push({
      data: { values: nonFinite },
      mark: { type: "tick", orient: "vertical", color: "#c0392b", thickness: 2, y: { expr: "height" } },
      encoding: { x: { field: "step", type: "quantitative" } },
    });
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: options.title,
    width: options.width ?? CHART_WIDTH,
    height: options.height ?? CHART_HEIGHT,
    background: "white",
    layer: layers,
    config: { font: "DejaVu Sans" },
  };
}
