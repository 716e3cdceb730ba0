import { z } from "zod";

/**
 * The arguments tools share, described once. Field names are Trackio's; the CLI derives its flags
 * from them (see `src/cli/flags.ts`).
 */
export const project = z.string().min(1).describe("Project name, as listed by get_all_projects.");
export const run = z.string().min(1).describe(
  "Run name (the most recent run of that name when several share it) or run id.",
);
export const runId = z.string().min(1).describe("Exact run id, for runs that share a name.");
export const metricName = z.string().min(1).describe("Metric name, e.g. train/loss.");
export const step = z.coerce.number().int().describe("Only rows logged at this step.");
export const aroundStep = z.coerce.number().int().describe("Rows within +-window steps of this one.");
export const atTime = z.string().min(1).describe(
  "Rows within +-window seconds of this time: ISO-8601, a time ago (2h, 30m) or Unix seconds.",
);
export const window = z.coerce.number().nonnegative().describe(
  "Half-width in steps (default 10) or seconds (default 60).",
);
export const sinceStep = z.coerce.number().int().describe("Only rows after this step.");
export const maxPoints = z.coerce.number().int().min(4).describe("Downsample to at most this many points.");

/** Which run a tool reads: its project, and the run by name (or id) or exactly by `run_id`. */
export const runSelector = {
  project,
  run: run.optional(),
  run_id: runId.optional(),
};

/** Step/time filters, for the tools that take them. */
export const rowFilter = {
  step: step.optional(),
  around_step: aroundStep.optional(),
  at_time: atTime.optional(),
  window: window.optional(),
};

/** A value as stored: a number (NaN/Infinity as Trackio's strings in JSON), text, bool, or nested. */
export const metricValue = z.union([
  z.number(),
  z.string(),
  z.boolean(),
  z.null(),
  z.record(z.string(), z.unknown()),
  z.array(z.unknown()),
]);

export const point = z.object({ timestamp: z.string(), step: z.number(), value: metricValue });
export const runRef = z.object({ id: z.string(), name: z.string(), created_at: z.string() });
