import { z } from "zod";
import { defineTool, output } from "./registry.ts";

export const getAllProjects = defineTool({
  name: "get_all_projects",
  title: "List projects",
  behaviour: { readOnly: true, readsSource: true },
  description: "List the Trackio projects. Start here when the project name is unknown.",
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
