import { Command } from "@commander-js/extra-typings";
import { join, normalize, resolve } from "node:path";
import { notFound, usageError } from "../errors.ts";
import { toJson } from "../json.ts";
import { findSkill, listSkills } from "../skills/catalog.ts";
import { installSkills, skillFiles } from "../skills/install.ts";
import { readEnv } from "../util/env.ts";
import { table } from "../util/table.ts";
import { writeOut } from "./output.ts";

export const SKILLS_EXAMPLES = [
  "trackio-cli skills list",
  "trackio-cli skills show trackio-monitoring",
  "trackio-cli skills install --dir .claude/skills",
];

/** Where Claude Code looks for a project's skills, relative to where the user runs the command. */
const PROJECT_SKILLS = ".claude/skills";

function listCommand(): Command {
  return new Command("list")
    .description("List the skills of the pack: name and when an agent should use it.")
    .option("--json", "print [{name, description, files}]")
    .action((options) => {
      const skills = listSkills();
      if (options.json) {
        writeOut(
          `${
            toJson(skills.map((s) => ({ name: s.name, description: s.description, files: skillFiles(s) })))
          }\n`,
        );
      } else writeOut(`${table(["skill", "use it when"], skills.map((s) => [s.name, s.description]))}\n`);
    }) as unknown as Command;
}

function showCommand(): Command {
  return new Command("show")
    .description("Print a skill's SKILL.md, or one of its reference files with --file.")
    .argument("<name>", "skill name (see skills list)")
    .option("--file <path>", "a file of the skill, e.g. references/findings.md")
    .action((name: string, options: { file?: string }) => {
      const skill = findSkill(name);
      const file = options.file ?? "SKILL.md";
      const files = skillFiles(skill);
      if (!files.includes(normalize(file))) {
        throw notFound(`skill '${name}' has no file '${file}'`, `its files: ${files.join(", ")}`);
      }
      writeOut(Deno.readTextFileSync(join(skill.dir, normalize(file))));
    }) as unknown as Command;
}

function installCommand(): Command {
  return new Command("install")
    .description(
      "Install the pack for an agent: folders for Claude Code (default ./.claude/skills; --user for " +
        "~/.claude/skills), or with --zip one .zip per skill to upload in Claude Desktop. Installing again " +
        "updates only what changed and keeps a replaced file as .bak.",
    )
    .option("--dir <path>", `where to install (default: ${PROJECT_SKILLS})`)
    .option("--user", "install into ~/.claude/skills, for every project")
    .option("--zip", "write NAME.zip per skill instead of folders")
    .option("--json", "print what was installed as JSON")
    .action((options: { dir?: string; user?: boolean; zip?: boolean; json?: boolean }) => {
      if (options.dir && options.user) throw usageError("give --dir or --user, not both");
      const home = readEnv("HOME") ?? readEnv("USERPROFILE");
      if (options.user && !home) throw usageError("--user: no home directory (HOME is not set)");
      const dest = resolve(options.user ? join(home!, PROJECT_SKILLS) : options.dir ?? PROJECT_SKILLS);
      const installed = installSkills(listSkills(), dest, options.zip === true);
      if (options.json) return writeOut(`${toJson({ dir: dest, skills: installed })}\n`);
      writeOut(
        `${
          table(
            ["skill", "status", "files", "path"],
            installed.map((s) => [s.name, s.status, String(s.files), s.path]),
          )
        }\n`,
      );
    }) as unknown as Command;
}

export function skillsCommand(): Command {
  const command = new Command("skills")
    .summary("The agent skill pack: list, show and install the guides for monitoring training.")
    .description(
      "The agent skill pack: guides (Agent Skills format) that teach an agent the monitoring workflow, how " +
        "to read loss curves, compare runs, gate CI and troubleshoot. Embedded in trackio-cli.",
    )
    .addCommand(listCommand())
    .addCommand(showCommand())
    .addCommand(installCommand());
  command.addHelpText("after", `\nExamples:\n${SKILLS_EXAMPLES.map((e) => `  $ ${e}`).join("\n")}\n`);
  return command as unknown as Command;
}
