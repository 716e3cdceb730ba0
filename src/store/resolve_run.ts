import { arg, notFound, usageError } from "../errors.ts";
import { didYouMean } from "../util/closest.ts";
import type { RunRef } from "./project.ts";

const listRuns = (project: string) => ({
  tool: "get_runs_for_project",
  args: { project },
  shows: "the runs",
});

/**
 * The run a user means among `runs`. With `runId`, that run (and its name must match `run` when both
 * are given). With a name shared by several runs, the one whose first log is the most recent, as
 * Trackio resolves it. A name that matches no run but is a run id selects that run.
 */
export function resolveRunIn(
  runs: RunRef[],
  project: string,
  run?: string | null,
  runId?: string | null,
): RunRef {
  if (runId) {
    const byId = runs.find((r) => r.id === runId);
    if (!byId) {
      throw notFound(
        `run id '${runId}' not found in project '${project}'.${didYouMean(runId, runs.map((r) => r.id))}`,
        undefined,
        listRuns(project),
      );
    }
    if (run && run !== byId.name) {
      throw notFound(`run id '${runId}' is run '${byId.name}', not '${run}' in project '${project}'`);
    }
    return byId;
  }
  if (!run) {
    const newest = runs.at(-1)?.name;
    throw usageError(
      `missing ${arg("run")}: name a run of project '${project}' (or its ${arg("run_id")})`,
      newest ? `its newest run is '${newest}'` : undefined,
      listRuns(project),
    );
  }
  const named = runs.filter((r) => r.name === run);
  if (named.length > 0) return named.reduce((a, b) => (b.created_at >= a.created_at ? b : a));
  const byId = runs.find((r) => r.id === run);
  if (byId) return byId;
  throw notFound(
    `run '${run}' not found in project '${project}'.${didYouMean(run, runs.map((r) => r.name))}`,
    undefined,
    listRuns(project),
  );
}
