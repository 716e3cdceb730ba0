import type { GetPromptResult, Prompt } from "@modelcontextprotocol/sdk/types.js";
import { usageError } from "../errors.ts";
import { findSkill } from "../skills/catalog.ts";
import type { Source } from "../store/source.ts";

/**
 * MCP prompts: a task for the agent, followed by the skill from `skills/` that walks it through
 * the work. The skill files are the single source, so the prompts and the installed skill pack
 * say the same thing.
 */
interface PromptDef {
  name: string;
  title: string;
  description: string;
  arguments: { name: string; description: string; required: boolean }[];
  skill: string;
  task: (args: Record<string, string>) => string;
}

export const PROMPTS: PromptDef[] = [
  {
    name: "check_training_run",
    title: "Check on a training run",
    description: "Check whether a Trackio run is healthy: progress, loss trends, problems and what to do.",
    arguments: [
      { name: "project", description: "Trackio project name", required: true },
      { name: "run", description: "Run name or id (default: the project's newest run)", required: false },
    ],
    skill: "trackio-monitoring",
    task: ({ project, run }) =>
      run
        ? `Check on run "${run}" of the Trackio project "${project}".`
        : `Check on the newest run of the Trackio project "${project}" (the last one get_runs_for_project lists).`,
  },
  {
    name: "compare_runs",
    title: "Compare the runs of a project",
    description:
      "Rank the runs of a Trackio project (a sweep) on their eval or train loss and pick the best.",
    arguments: [{ name: "project", description: "Trackio project name", required: true }],
    skill: "comparing-runs",
    task: ({ project }) => `Compare the runs of the Trackio project "${project}" and tell me which is best.`,
  },
];

export function listPrompts(): Prompt[] {
  return PROMPTS.map(({ name, title, description, arguments: args }) => ({
    name,
    title,
    description,
    arguments: args,
  }));
}

/**
 * A prompt, its arguments checked against the data first: a project or run that does not exist is the
 * same not-found error (with did-you-mean) a tool gives, before the agent sets off on it.
 */
export async function getPrompt(
  name: string,
  args: Record<string, string> = {},
  source?: Source,
): Promise<GetPromptResult> {
  const prompt = PROMPTS.find((p) => p.name === name);
  if (!prompt) {
    throw usageError(
      `unknown prompt '${name}'`,
      `prompts: ${PROMPTS.map((p) => p.name).join(", ")}`,
    );
  }
  for (const arg of prompt.arguments) {
    if (arg.required && !args[arg.name]) throw usageError(`prompt ${name}: missing argument ${arg.name}`);
  }
  if (source && args.project) {
    await source.withProject(args.project, async (store) => {
      if (args.run) await store.resolveRun(args.run);
    });
  }
  const skill = findSkill(prompt.skill);
  const text = `${
    prompt.task(args)
  } Use the trackio-cli MCP tools and follow this guide.\n\n${skill.body.trim()}\n`;
  return {
    description: prompt.description,
    messages: [{ role: "user", content: { type: "text", text } }],
  };
}
