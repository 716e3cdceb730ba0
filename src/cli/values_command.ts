import type { CommandExtension, ToolRun } from "./extensions.ts";
import { writeOut } from "./output.ts";
import {
  chartStyle,
  curves,
  drawChart,
  type PlotFlags,
  plotOptions,
  plotOutPath,
  saveChart,
} from "./plot.ts";
import { runAndPrint } from "./print.ts";

interface ValuesArgs {
  project: string;
  run?: string;
  run_id?: string;
  metric: string;
}

/**
 * `values --plot`: the curve in the terminal; `--plot-out FILE`: in an SVG or PNG file. Several metrics
 * or runs, comma-separated in --metric and --run, are overlaid with a legend; without either flag the
 * command prints as every other.
 */
async function run(call: ToolRun): Promise<number> {
  const flags = call.options as PlotFlags;
  const file = plotOutPath(flags);
  if (!flags.plot && !file) return await runAndPrint(call);
  const args = call.args as unknown as ValuesArgs;
  const runs = args.run?.includes(",") ? args.run.split(",").map((r) => r.trim()) : [args.run];
  const metrics = args.metric.split(",").map((m) => m.trim()).filter(Boolean);
  if (flags.plot) {
    const style = chartStyle(flags);
    writeOut(
      `${drawChart(await curves(call.ctx, args.project, runs, metrics, style.width, args.run_id), style)}\n`,
    );
  }
  if (file) {
    const series = await curves(call.ctx, args.project, runs, metrics, 0, args.run_id);
    const title = `${args.project} / ${runs.filter(Boolean).join(", ") || args.run_id}`;
    await saveChart(file, series, { title, logY: flags.logY });
  }
  return 0;
}

export const valuesExtension: CommandExtension = { options: plotOptions(), run };
