import { z } from "zod";
import { instantArg } from "./time_arg.ts";
import { table } from "../util/table.ts";
import { withProject } from "./context.ts";
import * as p from "./params.ts";
import { defineTool, output } from "./registry.ts";
import type { AlertRow } from "../store/project.ts";

const alert = z.object({
  timestamp: z.string(),
  run: z.string(),
  title: z.string(),
  text: z.string().nullable(),
  level: z.string(),
  step: z.number().nullable(),
});

export const getAlerts = defineTool({
  name: "get_alerts",
  title: "Training alerts",
  behaviour: { readOnly: true, readsSource: true },
  description: "Alerts the training code raised with trackio.alert(), newest first, for a project or a run.",
  input: z.object({
    ...p.runSelector,
    level: z.enum(["info", "warn", "error"]).optional().describe("Only alerts of this level."),
    since: z.string().min(1).optional().describe(
      "Only alerts after this time (ISO-8601, 2h ago, Unix seconds).",
    ),
  }),
  output: z.array(alert),
  cli: {
    command: "get-alerts",
    aliases: ["alerts"],
    examples: ["trackio-cli alerts -p sft-qwen", "trackio-cli alerts -p sft-qwen -r lr-high --level error"],
  },
  render: (rows: AlertRow[]) =>
    table(
      ["timestamp", "run", "level", "step", "title", "text"],
      rows.map((
        a,
      ) => [a.timestamp, a.run, a.level, a.step === null ? "-" : String(a.step), a.title, a.text ?? ""]),
    ),
  handler: (args, ctx) =>
    withProject(ctx, args.project, async (store) => {
      const run = args.run || args.run_id ? await store.resolveRun(args.run, args.run_id) : undefined;
      const since = args.since === undefined ? undefined : instantArg("since", args.since);
      return output(await store.alerts(run, args.level, since));
    }),
});
