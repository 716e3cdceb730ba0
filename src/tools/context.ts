import { notFound } from "../errors.ts";
import { withDatabase } from "../store/open.ts";
import { listProjectNames, projectDbPath } from "../store/paths.ts";
import { ProjectStore, type RunRef } from "../store/project.ts";
import { didYouMean } from "../util/closest.ts";
import type { ToolContext } from "./registry.ts";

/** Does `dir` hold a database for `project` (by Trackio's canonical file name)? */
export function projectExists(ctx: ToolContext, project: string): boolean {
  try {
    return Deno.statSync(projectDbPath(ctx.dataDir.path, project)).isFile;
  } catch {
    return false;
  }
}

function unknownProject(ctx: ToolContext, project: string): Error {
  const { path, source } = ctx.dataDir;
  const names = listProjectNames(path);
  if (names.length === 0) {
    return notFound(
      `project '${project}' not found: no Trackio projects in ${path} (from ${source})`,
      "Point trackio-cli at your data with --dir or TRACKIO_DIR; `trackio-cli doctor` shows where it looks.",
    );
  }
  return notFound(
    `project '${project}' not found in ${path}.${didYouMean(project, names)}`,
    "List the projects with: trackio-cli projects",
  );
}

/**
 * Opens a project's database read-only, runs `read` on it and closes it. Unknown projects are a
 * not-found error that names the closest existing ones.
 */
export function withProject<T>(ctx: ToolContext, project: string, read: (store: ProjectStore) => T): T {
  if (!projectExists(ctx, project)) throw unknownProject(ctx, project);
  return withDatabase(
    projectDbPath(ctx.dataDir.path, project),
    `project '${project}'`,
    (db) => read(new ProjectStore(db, project)),
  );
}

/** Opens the project and resolves the run the arguments name (see `ProjectStore.resolveRun`). */
export function withRun<T>(
  ctx: ToolContext,
  args: { project: string; run?: string; run_id?: string },
  read: (store: ProjectStore, run: RunRef) => T,
): T {
  return withProject(ctx, args.project, (store) => read(store, store.resolveRun(args.run, args.run_id)));
}

/** Fails with the closest names when `run` does not log `metric`. */
export function requireMetric(store: ProjectStore, run: RunRef, metric: string): void {
  if (!store.hasMetric(run, metric)) {
    const names = store.metricNames(run);
    throw notFound(
      `metric '${metric}' not found in run '${run.name}' of project '${store.project}'.${
        didYouMean(metric, names)
      }`,
      `List its metrics with: trackio-cli metrics -p ${store.project} -r ${run.name}`,
    );
  }
}
