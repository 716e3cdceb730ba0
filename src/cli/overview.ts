import { asCliError } from "../errors.ts";
import { toJson } from "../json.ts";
import { demoDataDir } from "../store/demo.ts";
import { LocalSource } from "../store/local_source.ts";
import { namedByUser } from "../store/paths.ts";
import { getProjectSummary } from "../tools/get_project_summary.ts";
import type { ToolContext } from "../tools/registry.ts";
import { table } from "../util/table.ts";
import { reportNotice, writeOut } from "./output.ts";
import { type CommonOptions, sourceFor } from "./common_options.ts";
import { nextSteps } from "./next_steps.ts";

interface ProjectLine {
  project: string;
  num_runs: number | null;
  last_activity: number | null;
  latest_run: string | null;
  latest_created_at: string | null;
  error: string | null;
}

async function summarize(ctx: ToolContext, project: string): Promise<ProjectLine> {
  try {
    const { result } = await getProjectSummary.handler({ project }, ctx);
    const latest = result.runs.at(-1);
    return {
      project,
      num_runs: result.num_runs,
      last_activity: result.last_activity,
      latest_run: latest?.name ?? null,
      latest_created_at: latest?.created_at ?? null,
      error: null,
    };
  } catch (error) {
    return {
      project,
      num_runs: null,
      last_activity: null,
      latest_run: null,
      latest_created_at: null,
      error: asCliError(error).message,
    };
  }
}

/**
 * What `trackio-cli` with no command shows: every project with its runs and progress, and the
 * commands to go further. With no Trackio data yet in the default directory, the bundled demo projects,
 * said so on stderr; a directory the user named is shown as it is, even empty.
 */
export async function overview(options: CommonOptions): Promise<void> {
  let source = sourceFor(options);
  let demo = source instanceof LocalSource && source.dataDir.source === "demo";
  let names = await source.projects();
  const named = source instanceof LocalSource && namedByUser(source.dataDir.source);
  if (names.length === 0 && named) reportNotice(`no Trackio projects in ${source.location}`);
  if (!demo && !named && source instanceof LocalSource && names.length === 0) {
    reportNotice(
      `no Trackio projects in ${source.location}; showing the bundled demo projects. ` +
        "Point trackio-cli at your data with --dir or TRACKIO_DIR, or at a Space with --space.",
    );
    source = new LocalSource(demoDataDir());
    demo = true;
    names = await source.projects();
  }
  const ctx: ToolContext = { source };
  const projects: ProjectLine[] = [];
  for (const name of names) projects.push(await summarize(ctx, name));
  if (options.json) {
    writeOut(`${toJson({ data_dir: source.place, source: source.origin, demo, projects })}\n`);
    return;
  }
  const first = projects.find((p) => p.latest_run);
  const next = await nextSteps(source, demo, first && { project: first.project, run: first.latest_run! });
  writeOut(
    [
      `Trackio data: ${demo ? "bundled demo projects" : source.location}`,
      "",
      table(
        ["project", "runs", "last step", "latest run", "started"],
        projects.map((p) =>
          p.error ? [p.project, "-", "-", "-", `error: ${p.error}`] : [
            p.project,
            String(p.num_runs),
            String(p.last_activity ?? "-"),
            p.latest_run ?? "-",
            p.latest_created_at ?? "-",
          ]
        ),
      ),
      "",
      "Next:",
      ...next,
      "",
    ].join("\n"),
  );
}
