import { numberFlag } from "./numbers.ts";
import { Option } from "@commander-js/extra-typings";
import { usageError } from "../errors.ts";
import type { MetricPoint } from "../store/project.ts";
import { allValues, requireMetric, withProject, withRun } from "../tools/context.ts";
import { LivePoll } from "./live_retry.ts";
import { checkFilter } from "../tools/get_metric_values.ts";
import { formatNumber } from "../util/format.ts";
import type { ValuesRun } from "./values_command.ts";
import { type FormatFlags, formatFrom, ndjsonLine, pickColumns, pointColumns } from "./formats.ts";
import { reportNotice, stdoutClosed, writeOut } from "./output.ts";
import { type Cell, lineOf } from "./tabular.ts";
import { sleep } from "../util/sleep.ts";

/** Seconds between looks at the database while following. */
export const FOLLOW_INTERVAL_SECONDS = 1;

export const followOptions = () => [
  new Option("--follow", "keep printing new points as the run logs them (tail -f); Ctrl-C ends it"),
  new Option("--idle <seconds>", "with --follow: end when no new point came for this long"),
];

export interface FollowFlags extends FormatFlags {
  follow?: boolean;
  idle?: string;
}

/** One point as a line in the format asked for: NDJSON for --json (JSON cannot stream), else text. */
function lineWriter(
  flags: FollowFlags,
  args: { omit_timestamps?: boolean },
): { header: string; line: (p: MetricPoint) => string } {
  const format = formatFrom(flags) ?? "table";
  // The columns of the same command without --follow: its table's, or its records' for the pipelines.
  const columns = pickColumns(
    pointColumns(format === "table" ? ["step", "value", "timestamp"] : ["timestamp", "step", "value"], args),
    flags.fields,
  );
  const record = (p: MetricPoint): Record<string, Cell> => ({ ...p });
  if (format === "json" || format === "ndjson") {
    return { header: "", line: (p) => ndjsonLine(record(p), columns) };
  }
  const cells = (p: MetricPoint) => columns.map((c) => record(p)[c]);
  if (format === "csv" || format === "tsv") {
    return { header: lineOf(format, columns), line: (p) => lineOf(format, cells(p)) };
  }
  if (format === "markdown") throw usageError("--follow prints lines: use table, csv, tsv or ndjson");
  return {
    header: `${columns.join("  ")}\n`,
    line: (p) => `${cells(p).map((c) => formatNumber(c)).join("  ")}\n`,
  };
}

/**
 * `values --follow`: the points logged so far, then each new one as the run logs it, like `tail -f`.
 * Ends on Ctrl-C, when stdout closes, or after --idle seconds without a new point.
 */
export async function follow(call: ValuesRun): Promise<number> {
  const flags = call.options;
  const args = checkFilter(call.args);
  if (args.max_points !== undefined) throw usageError("--follow prints every point: leave out --max-points");
  const idle = flags.idle === undefined
    ? undefined
    : numberFlag("--idle", flags.idle, false, "a number of seconds");
  if (idle !== undefined && !(idle > 0)) {
    throw usageError(`--idle: '${flags.idle}' is not a number of seconds`);
  }
  const { header, line } = lineWriter(flags, args);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  let lastStep = args.since_step;
  let lastNew = Date.now();
  // The run and its metric are checked once; then each poll is one read of what is new.
  const run = await withRun(call.ctx, args, async (store, run) => {
    await requireMetric(store, run, args.metric);
    return run;
  });
  const live = new LivePoll(FOLLOW_INTERVAL_SECONDS);
  // What the source says (rows skipped), once each for the whole follow.
  const heard: string[] = [];
  const ctx = { ...call.ctx, heard };
  let said = 0;
  try {
    writeOut(header);
    while (!stop.signal.aborted && !stdoutClosed()) {
      const fresh = await live.poll(() =>
        withProject(
          ctx,
          args.project,
          (store) => allValues(store.metricValues(run, args.metric, { ...args, since_step: lastStep })),
        )
      );
      heard.slice(said).forEach(reportNotice);
      said = heard.length;
      if (fresh?.length) {
        writeOut(fresh.map(line).join(""));
        lastStep = fresh[fresh.length - 1].step;
        lastNew = Date.now();
      } else if (idle !== undefined && Date.now() - lastNew >= idle * 1000) break;
      await sleep(live.nextWaitSeconds * 1000, stop.signal);
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
  }
  return 0;
}
