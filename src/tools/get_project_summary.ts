import { z } from "zod";
import { withProject } from "./context.ts";
import * as p from "./params.ts";
import { defineTool, output } from "./registry.ts";
import { renderRuns } from "./get_runs_for_project.ts";

const summary = z.object({
  project: z.string(),
  num_runs: z.number(),
  runs: z.array(p.runRef),
  last_activity: z.number().nullable(),
});

export const getProjectSummary = defineTool({
  name: "get_project_summary",
  title: "Summarize a project",
  behaviour: { readOnly: true, readsSource: true },
  description: "A project's run count, runs and last_activity (the largest step logged).",
  input: z.object({ project: p.project }),
  output: summary,
  cli: {
    command: "get-project-summary",
    aliases: ["project-summary"],
    examples: ["trackio-cli project-summary -p hyperparam-sweep"],
  },
  rows: (s: z.infer<typeof summary>) => s.runs.map((run) => ({ project: s.project, run })),
  render: (s: z.infer<typeof summary>) =>
    `project ${s.project}: ${s.num_runs} run(s), last step ${s.last_activity ?? "-"}\n${renderRuns(s.runs)}`,
  handler: (args, ctx) =>
    withProject(ctx, args.project, async (store) => {
      const runs = await store.runs();
      const last_activity = await store.lastStep();
      return output({ project: args.project, num_runs: runs.length, runs, last_activity });
    }),
});
