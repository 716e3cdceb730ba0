import { z } from "zod";
import { arg, usageError } from "../errors.ts";
import { instantArg } from "./time_arg.ts";
import type { MetricPoint, RunRef } from "../store/project.ts";
import type { ProjectReader } from "../store/source.ts";
import type { RowFilter } from "../store/filters.ts";
import { table } from "../util/table.ts";
import { formatNumber } from "../util/format.ts";
import { allValues, requireMetric, withRun } from "./context.ts";
import * as p from "./params.ts";
import { defineTool, output } from "./registry.ts";
import { downsampledFrom, keepsCurves, keptCurve } from "./kept_curve.ts";
import { answerOf, keepsBuckets, keptBuckets } from "./kept_buckets.ts";

/** 200 points draw a curve's shape in about 8,000 tokens; an agent asks for more when it needs them. */
export const MCP_DEFAULT_POINTS = 200;

/** A point of a curve asked for without timestamps: what a plot or a trend needs, a third the size. */
type CurvePoint = Omit<MetricPoint, "timestamp"> & { timestamp?: string };

const renderPoints = (points: CurvePoint[]) => {
  // An empty answer keeps the full header: nothing in it says the timestamps were left out.
  const timed = points.length === 0 || points.some((pt) => pt.timestamp !== undefined);
  return table(
    timed ? ["step", "value", "timestamp"] : ["step", "value"],
    points.map((pt) => [String(pt.step), formatNumber(pt.value), ...timed ? [pt.timestamp ?? ""] : []]),
  );
};

const untimed = (points: MetricPoint[], omit: boolean | undefined): CurvePoint[] =>
  omit ? points.map(({ step, value }) => ({ step, value })) : points;

/**
 * Rejects filter combinations that would silently ignore an argument and times that do not parse;
 * returns the arguments with `at_time` as the instant it names.
 */
export function checkFilter<
  T extends { step?: number; around_step?: number; at_time?: string; window?: number },
>(
  args: T,
): T {
  const given = [args.step !== undefined, args.around_step !== undefined, args.at_time !== undefined];
  if (given.filter(Boolean).length > 1) {
    throw usageError(`give at most one of ${arg("step")}, ${arg("around_step")} and ${arg("at_time")}`);
  }
  if (args.window !== undefined && args.around_step === undefined && args.at_time === undefined) {
    throw usageError(`${arg("window")} goes with ${arg("around_step")} or ${arg("at_time")}`);
  }
  return args.at_time === undefined ? args : { ...args, at_time: instantArg("at_time", args.at_time) };
}

/**
 * Why a filter found no point: the metric's nearest logged steps, looked for in widening windows around
 * the step asked for (a few short reads, not the whole history), so an agent can ask again right away.
 */
async function whyEmpty(
  store: ProjectReader,
  run: RunRef,
  metric: string,
  args: { step?: number; around_step?: number; since_step?: number },
): Promise<string[]> {
  const at = args.step ?? args.around_step;
  if (at === undefined) {
    return args.since_step !== undefined ? [`no point of '${metric}' after step ${args.since_step} yet`] : [];
  }
  const { first_step, last_step } = await store.runStats(run);
  const span = Math.max(1, (last_step ?? at) - (first_step ?? at), Math.abs(at - (last_step ?? at)));
  let below: number | undefined, above: number | undefined;
  for (let window = 10; window <= 10 * span && (below === undefined || above === undefined); window *= 10) {
    const near = await allValues(store.metricValues(run, metric, { around_step: at, window }));
    below ??= near.filter((p) => p.step < at).at(-1)?.step;
    above ??= near.find((p) => p.step > at)?.step;
  }
  const steps = [below, above].filter((s) => s !== undefined);
  if (steps.length) {
    return [
      `no point of '${metric}' at step ${at}${
        args.around_step !== undefined ? " in that window" : ""
      }; its nearest logged steps are ${steps.join(" and ")}`,
    ];
  }
  return [];
}

/** The filter in arguments, alone: what a downsampled curve depends on besides the metric. */
const filterOf = (args: RowFilter): RowFilter => ({
  step: args.step,
  around_step: args.around_step,
  at_time: args.at_time,
  window: args.window,
  since_step: args.since_step,
});

export const getMetricValues = defineTool({
  name: "get_metric_values",
  title: "Get a metric's history",
  behaviour: { readOnly: true, readsSource: true },
  description:
    "One metric's history, oldest first; with max_points, downsampled keeping spikes, minima and NaN " +
    "(NaN and infinities as strings). Zoom in with a filter; poll a live run with since_step.",
  input: z.object({
    ...p.runSelector,
    metric: p.metricName,
    ...p.rowFilter,
    since_step: p.sinceStep.optional(),
    max_points: p.maxPoints.optional(),
    omit_timestamps: z.boolean().optional().describe("Points as {step, value} only."),
  }),
  inputAliases: { metric_name: "metric" },
  output: z.array(p.point.partial({ timestamp: true })),
  mcp: {
    defaults: { max_points: MCP_DEFAULT_POINTS },
    narrow: "pass a smaller max_points, or narrow with around_step + window or since_step",
  },
  cli: {
    command: "get-metric-values",
    aliases: ["values"],
    examples: [
      "trackio-cli values -p sft-qwen -r baseline-v1 -m train/loss",
      "trackio-cli values -p sft-qwen -r overfit-v2 -m eval/loss --around 900 --window 200",
      "trackio-cli values -p sft-qwen -r lr-high -m train/loss --max-points 200 --json",
    ],
  },
  render: renderPoints,
  jsonText: (given, ctx) => {
    if (given.max_points !== undefined || given.omit_timestamps) return Promise.resolve(undefined);
    const args = checkFilter(given);
    return withRun(ctx, args, async (store, run) => {
      await requireMetric(store, run, args.metric);
      const text = await store.metricValuesJson(run, args.metric, args);
      // The fast path's notices travel with the call's (see runJsonText).
      if (text === "[]") ctx.heard?.push(...await whyEmpty(store, run, args.metric, args));
      return text;
    });
  },
  handler: (given, ctx) => {
    const args = checkFilter(given);
    return withRun(ctx, args, async (store, run) => {
      await requireMetric(store, run, args.metric);
      if (args.max_points === undefined) {
        const points = await allValues(store.metricValues(run, args.metric, args));
        return output(
          untimed(points, args.omit_timestamps),
          points.length ? [] : await whyEmpty(store, run, args.metric, args),
        );
      }
      const maxPoints = args.max_points;
      const downsample = () => store.downsampledValues(run, args.metric, args, maxPoints);
      const filter = filterOf(args);
      const filtered = Object.values(filter).some((v) => v !== undefined);
      // Where rows are read where they are, a cache keeps the whole curve and adds new points to it;
      // where a server downsamples, it keeps the buckets and adds new points to them; with a filter,
      // it answers a repeat on an unchanged run as it was.
      const sampled = ctx.cache && !filtered && keepsCurves(store)
        ? await ctx.cache.derive(
          store,
          run,
          JSON.stringify(["curve", args.metric]),
          keptCurve(store, run, args.metric),
          (curve) => downsampledFrom(store, curve, maxPoints, downsample),
        )
        : ctx.cache && !filtered && keepsBuckets(store, args.metric)
        ? await ctx.cache.derive(
          store,
          run,
          JSON.stringify(["buckets", args.metric, maxPoints]),
          keptBuckets(store, run, args.metric, maxPoints),
          (kept) => answerOf(store, kept, downsample),
        )
        : ctx.cache
        ? await ctx.cache.derive(
          store,
          run,
          JSON.stringify(["values", args.metric, filter, maxPoints]),
          {
            bounded: false,
            read: downsample,
            steps: ({ points }) => ({ first: points[0]?.step ?? null, last: points.at(-1)?.step ?? null }),
          },
        )
        : await downsample();
      if (sampled.points.length === 0) return output([], await whyEmpty(store, run, args.metric, args));
      const notices = sampled.downsampled
        ? [
          `downsampled ${sampled.total} points to ${sampled.points.length} (min-max per step bucket: ` +
          `spikes, minima, NaN and the last point kept); raise ${arg("max_points")} or narrow with ${
            arg("around_step")
          } for more`,
        ]
        : [];
      return output(untimed(sampled.points, args.omit_timestamps), notices);
    });
  },
});
