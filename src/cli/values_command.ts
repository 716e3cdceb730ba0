import type { CommandExtension, ToolRun } from "./extensions.ts";
import { writeOut } from "./output.ts";
import { chartStyle, curves, drawChart, type PlotFlags, plotOptions } from "./plot.ts";
import { runAndPrint } from "./print.ts";

interface ValuesArgs {
  project: string;
  run?: string;
  run_id?: string;
  metric: string;
}

/**
 * `values --plot`: the curve in the terminal. Several metrics or runs, comma-separated in --metric and
 * --run, are overlaid with a legend; without --plot the command prints as every other.
 */
async function run(call: ToolRun): Promise<number> {
  const flags = call.options as PlotFlags;
  if (!flags.plot) return await runAndPrint(call);
  const args = call.args as unknown as ValuesArgs;
  const style = chartStyle(flags);
  const runs = args.run?.includes(",") ? args.run.split(",").map((r) => r.trim()) : [args.run];
  const metrics = args.metric.split(",").map((m) => m.trim()).filter(Boolean);
  const series = await curves(call.ctx, args.project, runs, metrics, style.width, args.run_id);
  writeOut(`${drawChart(series, style)}\n`);
  return 0;
}

export const valuesExtension: CommandExtension = { options: plotOptions(), run };
