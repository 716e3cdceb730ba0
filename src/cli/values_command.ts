import { defineExtension, type ToolRunOf } from "./command_extension.ts";
import { reportNotice, stdoutClosed, writeOut } from "./output.ts";
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
import { follow, type FollowFlags, followOptions } from "./follow.ts";
import { formatFrom, ndjsonLine, pickColumns, pointColumns } from "./formats.ts";
import { checkFilter, getMetricValues } from "../tools/get_metric_values.ts";
import { requireMetric, withRun } from "../tools/context.ts";
import { dataError } from "../errors.ts";
import type { MetricPoint } from "../store/project.ts";

/** A call of `values`. */
export type ValuesRun = ToolRunOf<typeof getMetricValues, PlotFlags & FollowFlags>;

/**
 * `values --plot`: the curve in the terminal; `--plot-out FILE`: in an SVG or PNG file. Several metrics
 * or runs, comma-separated in --metric and --run, are overlaid with a legend; without either flag the
 * command prints as every other.
 */
async function run(call: ValuesRun): Promise<number> {
  const flags = call.options;
  if (flags.follow) return await follow(call);
  const file = plotOutPath(flags);
  if (!flags.plot && !file) {
    const streams = formatFrom(flags) === "ndjson" &&
      call.args.max_points === undefined;
    return streams ? await streamNdjson(call, flags.fields) : await runAndPrint(call);
  }
  const args = call.args;
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

/**
 * `--format ndjson` without --max-points: each point is written as it is read, so a million-step run
 * starts printing at once and never sits in memory whole. A page is written only while the snapshot
 * it came from is intact; if a writer starts meanwhile, the project is read again and the points
 * already written are skipped, so none comes out twice.
 */
async function streamNdjson(call: ValuesRun, fields?: string): Promise<number> {
  const args = checkFilter(call.args);
  const columns = pickColumns(pointColumns(["timestamp", "step", "value"], args), fields);
  let written = 0;
  let lastWritten: MetricPoint | undefined;
  // Said once, after the read that counted: a repeated read would say them again.
  let notices: string[] = [];
  await withRun(call.ctx, args, async (store, run) => {
    await requireMetric(store, run, args.metric);
    let seen = 0;
    for await (const page of store.metricValues(run, args.metric, args)) {
      if (store.changed()) throw new SnapshotTorn();
      let chunk = "";
      for (const point of page) {
        if (++seen <= written) {
          if (seen === written && !samePoint(point, lastWritten)) throw historyRewritten(run.name);
          continue;
        }
        chunk += ndjsonLine(point as unknown as Record<string, unknown>, columns);
        lastWritten = point;
      }
      if (seen <= written) continue;
      writeOut(chunk);
      written = seen;
      if (stdoutClosed()) return;
    }
    // A repeated read that ended before the points already printed: the history shrank under us.
    if (seen < written) throw historyRewritten(run.name);
    notices = [...store.notices];
  });
  notices.forEach(reportNotice);
  return 0;
}

/** Ends a read whose snapshot a writer changed; the source reads again (see `ProjectReader.changed`). */
class SnapshotTorn extends Error {}

const samePoint = (a: MetricPoint, b: MetricPoint | undefined) =>
  b !== undefined && a.timestamp === b.timestamp && a.step === b.step;

const historyRewritten = (run: string) =>
  dataError(
    `run '${run}' was rewritten while its points were being printed (a run deleted or renamed, a file replaced)`,
    "run the command again",
  );

export const valuesExtension = defineExtension({
  tool: getMetricValues,
  options: [...plotOptions(), ...followOptions()],
  run,
});
