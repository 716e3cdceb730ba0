import { notFound, type TrackioCliError } from "../errors.ts";
import type { RunRef } from "../store/project.ts";
import type { ProjectReader } from "../store/source.ts";
import { didYouMean } from "../util/closest.ts";
import type { ToolContext } from "./registry.ts";

/**
 * Opens a project on the context's source, runs `read` on it and closes it. What the reader had to
 * say (rows skipped, a fallback) is passed on to the call's notices (see `runTool`), whichever tool.
 */
export function withProject<T>(
  ctx: ToolContext,
  project: string,
  read: (store: ProjectReader) => Promise<T>,
): Promise<T> {
  return ctx.source.withProject(project, async (store) => {
    const value = await read(store);
    for (const notice of store.notices) if (!ctx.heard?.includes(notice)) ctx.heard?.push(notice);
    return value;
  });
}

/** Opens the project and resolves the run the arguments name (see `resolveRunIn`). */
export function withRun<T>(
  ctx: ToolContext,
  args: { project: string; run?: string; run_id?: string },
  read: (store: ProjectReader, run: RunRef) => Promise<T>,
): Promise<T> {
  return withProject(
    ctx,
    args.project,
    async (store) => read(store, await store.resolveRun(args.run, args.run_id)),
  );
}

/** The not-found error for a metric `run` does not log, with the closest names it does log. */
export async function metricNotFound(
  store: ProjectReader,
  run: RunRef,
  metric: string,
): Promise<TrackioCliError> {
  const names = await store.metricNames(run);
  return notFound(
    `metric '${metric}' not found in run '${run.name}' of project '${store.project}'.${
      didYouMean(metric, names)
    }`,
    undefined,
    { tool: "get_metrics_for_run", args: { project: store.project, run: run.name }, shows: "its metrics" },
  );
}

/** Fails with the closest names when `run` does not log `metric`. */
export async function requireMetric(store: ProjectReader, run: RunRef, metric: string): Promise<void> {
  if (!(await store.hasMetric(run, metric))) throw await metricNotFound(store, run, metric);
}

/**
 * Fails when a metric the user named (`named`, undefined ones skipped) is not among `logged`, the names
 * a read of the run saw: a misspelt choice must not quietly fall back to the default metric.
 */
export async function requireLogged(
  store: ProjectReader,
  run: RunRef,
  logged: Set<string>,
  named: (string | undefined)[],
): Promise<void> {
  const missing = named.find((m) => m !== undefined && !logged.has(m));
  if (missing !== undefined) throw await metricNotFound(store, run, missing);
}

/** Every point of a metric, collected from the source's pages. */
export async function allValues<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) for (const item of page) out.push(item);
  return out;
}
