import { runTool } from "../tools/invoke.ts";
import { numberFlag } from "./numbers.ts";
import { Option } from "@commander-js/extra-typings";
import { type ChartMarker, type ChartSeries, renderChart } from "../charts/terminal.ts";
import { usageError } from "../errors.ts";
import type { ToolContext } from "../tools/registry.ts";
import { getMetricValues } from "../tools/get_metric_values.ts";
import type { RunReport } from "../tools/analyze_run.ts";
import type { Series } from "../analysis/series.ts";
import { downsampleMinMax } from "../analysis/downsample.ts";
import { shownPath } from "../store/paths.ts";
import { readEnv } from "../util/env.ts";
import type { FileChartOptions } from "../charts/spec.ts";
import { colorFor, reportNotice } from "./output.ts";

/** The flags every command that draws takes. */
export const plotOptions = () => [
  new Option("--plot", "draw the curve in the terminal"),
  new Option("--log-y", "with --plot: logarithmic value axis"),
  new Option("--width <columns>", "with --plot: chart width (default: the terminal's, else 80)"),
  new Option("--height <rows>", "with --plot: chart height in rows (default 12)"),
  new Option("--plot-out <file>", "write the chart to FILE.svg or FILE.png"),
];

export interface PlotFlags {
  plot?: boolean;
  plotOut?: string;
  logY?: boolean;
  width?: string;
  height?: string;
}

const positive = (text: string | undefined, flag: string, fallback: number) => {
  if (text === undefined) return fallback;
  const n = numberFlag(flag, text, true, "a whole number of at least 3");
  if (n < 3) {
    throw usageError(`${flag}: '${text}' is not a whole number of at least 3`);
  }
  return n;
};

/**
 * How to draw here: braille and colour on a terminal that shows them, plain ASCII when the output is
 * not a terminal or NO_COLOR is set (a log file, a CI job, a pipe); --color always|never decides colour.
 */
export function chartStyle(flags: PlotFlags, defaultHeight = 12) {
  const tty = Deno.stdout.isTerminal();
  const unicode = tty && readEnv("NO_COLOR") === undefined;
  let columns = 80;
  if (tty) {
    try {
      // A pseudo-terminal may report no size at all: keep 80 rather than draw a sliver.
      const size = Deno.consoleSize().columns;
      if (size >= 40) columns = size;
    } catch {
      // Not a console after all: keep 80.
    }
  }
  return {
    width: positive(flags.width, "--width", columns),
    height: positive(flags.height, "--height", defaultHeight),
    logY: flags.logY === true,
    unicode,
    color: colorFor(Deno.stdout),
  };
}

/** Points a chart of `width` columns can show: two braille dots per column, with spikes kept. */
const pointsFor = (width: number) => Math.max(4, width * 2);

/** Points per curve in a chart file: finer than any screen, still small. */
export const FILE_CHART_POINTS = 1500;

/** Checks --plot-out before any work: a chart file is .svg or .png. */
export function plotOutPath(flags: PlotFlags): string | undefined {
  if (flags.plotOut === undefined) return undefined;
  if (!/\.(svg|png)$/i.test(flags.plotOut)) {
    throw usageError(`--plot-out: '${shownPath(flags.plotOut)}' must end in .svg or .png`);
  }
  let isDirectory = false;
  try {
    isDirectory = Deno.statSync(flags.plotOut).isDirectory;
  } catch {
    // A file that does not exist yet is the usual case; writing it says what else is wrong.
  }
  if (isDirectory) {
    throw usageError(`--plot-out: '${shownPath(flags.plotOut)}' is a directory: name a file to write`);
  }
  return flags.plotOut;
}

/** Writes a chart file and says where on stderr, so stdout stays the report. */
export async function saveChart(
  path: string,
  series: ChartSeries[],
  options: FileChartOptions,
): Promise<void> {
  const { chartFile } = await import("../charts/render.ts");
  const contents = await chartFile(path, series, options);
  try {
    if (typeof contents === "string") await Deno.writeTextFile(path, contents);
    else await Deno.writeFile(path, contents);
  } catch (error) {
    // Whatever the file system says (no such directory, a directory, a name too long, no space) is
    // about the path the user gave or the disk, never a bug: a usage error naming the path.
    if (error instanceof Error && "code" in error && typeof error.code === "string") {
      const reason = error.message.split(": ")[0];
      throw usageError(`--plot-out: cannot write '${shownPath(path)}': ${reason}`);
    }
    throw error;
  }
  reportNotice(`chart written to ${path}`);
}

/** The curves of `metrics` x `runs` of a project, downsampled for a chart of `width` columns (0: a file). */
export async function curves(
  ctx: ToolContext,
  project: string,
  runs: (string | undefined)[],
  metrics: string[],
  width: number,
  runId?: string,
): Promise<ChartSeries[]> {
  const out: ChartSeries[] = [];
  for (const run of runs) {
    for (const metric of metrics) {
      const args = {
        project,
        run,
        run_id: runId,
        metric,
        max_points: width > 0 ? pointsFor(width) : FILE_CHART_POINTS,
      };
      const { result, notices } = await runTool(getMetricValues, args, ctx);
      notices.forEach(reportNotice);
      const points = result
        .filter((p) => typeof p.value === "number")
        .map((p) => [p.step, p.value as number] as [number, number]);
      out.push({ label: runs.length > 1 ? `${run}: ${metric}` : metric, points });
    }
  }
  return out;
}

/**
 * A report's curves from the series its analysis read (`known`, downsampled like `curves`), else read
 * again from the database.
 */
export async function reportCurves(
  ctx: ToolContext,
  project: string,
  report: RunReport,
  metrics: string[],
  width: number,
  known?: ReadonlyMap<string, Series>,
): Promise<ChartSeries[]> {
  const cached = known;
  if (!cached || metrics.some((m) => !cached.has(m))) {
    return await curves(ctx, project, [undefined], metrics, width, report.run_id);
  }
  return metrics.map((metric) => {
    const s = cached.get(metric)!;
    const points = Array.from(s.steps, (step, i) => ({ step, value: s.values[i] })).sort((a, b) =>
      a.step - b.step
    );
    const first = points[0]?.step ?? 0;
    const last = points.at(-1)?.step ?? 0;
    const kept =
      downsampleMinMax(points, width > 0 ? pointsFor(width) : FILE_CHART_POINTS, first, last).points;
    return { label: metric, points: kept.map((p) => [p.step, p.value as number] as [number, number]) };
  });
}

export function drawChart(
  series: ChartSeries[],
  style: ReturnType<typeof chartStyle>,
  markers: ChartMarker[] = [],
) {
  return renderChart(series, { ...style, markers });
}
