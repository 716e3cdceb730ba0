import { z } from "zod";
import { withProject } from "./context.ts";
import * as p from "./params.ts";
import { defineTool, output } from "./registry.ts";
import { table } from "../util/table.ts";
import type { RunRef } from "../store/project.ts";

export const renderRuns = (runs: RunRef[]) =>
  table(["name", "id", "created_at"], runs.map((r) => [r.name, r.id, r.created_at]));

export const getRunsForProject = defineTool({
  name: "get_runs_for_project",
  title: "List runs",
  behaviour: { readOnly: true, readsSource: true },
  description:
    "List a project's runs, oldest first (the last is the newest). Runs may share a name; the id " +
    "tells them apart.",
  input: z.object({ project: p.project }),
  output: z.array(p.runRef),
  cli: {
    command: "get-runs-for-project",
    aliases: ["runs"],
    examples: ["trackio-cli runs -p sft-qwen", "trackio-cli runs -p sft-qwen --json | jq -r '.[].name'"],
  },
  render: renderRuns,
  handler: async (args, ctx) => output(await withProject(ctx, args.project, (store) => store.runs())),
});
