import { z } from "zod";
import { defineTool, output } from "./registry.ts";

export const getAllProjects = defineTool({
  name: "get_all_projects",
  title: "List projects",
  description: "List every Trackio project in the data directory, sorted. Start here when you do not " +
    "know the project name; then call get_runs_for_project.",
  input: z.object({}),
  output: z.array(z.string()),
  cli: {
    command: "get-all-projects",
    aliases: ["projects"],
    examples: ["trackio-cli projects", "trackio-cli projects --dir ./trackio-data --json"],
  },
  rows: (result: string[]) => result.map((project) => ({ project })),
  render: (result: string[]) => result.join("\n"),
  handler: async (_args, ctx) => output(await ctx.source.projects()),
});
