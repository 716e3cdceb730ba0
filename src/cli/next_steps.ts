import { assignRoles } from "../analysis/metric_roles.ts";
import type { Source } from "../store/source.ts";
import { cliCommand } from "./wording.ts";

/** Rows from each end of the run that the hint's metric is taken from: instant on any run. */
const SAMPLE_ROWS = 500;

/**
 * The overview's "Next:" commands, ready to paste: with the project, run and a metric that run
 * really logs (its train loss when it has one), and the flag that chose the data (--dir, --space,
 * --demo), so that they read the same data the overview showed.
 */
export async function nextSteps(
  source: Source,
  demo: boolean,
  first: { project: string; run: string } | undefined,
): Promise<string[]> {
  const where: Record<string, string> = {};
  if (!demo && source.origin === "--dir") where.dir = source.place;
  if (!demo && source.origin === "--space") where.space = source.place;
  const tail = demo ? " --demo" : "";
  const line = (tool: string, args: Record<string, unknown>) =>
    `  ${cliCommand({ tool, args: { ...args, ...where }, shows: "" })}${tail}`;
  if (!first) return [line("get_runs_for_project", { project: "PROJECT" }), "  trackio-cli --help"];
  const { project, run } = first;
  const metric = await source.withProject(project, async (store) => {
    const names = await store.metricNames(await store.resolveRun(run), SAMPLE_ROWS);
    return assignRoles(names).train_loss ?? names[0];
  }).catch(() => undefined);
  return [
    line("get_runs_for_project", { project }),
    line("get_run_summary", { project, run }),
    ...(metric ? [line("get_metric_values", { project, run, metric })] : []),
    line("analyze_run", { project, run }),
    "  trackio-cli --help",
  ];
}
