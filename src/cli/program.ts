import { Command, CommanderError, Option } from "@commander-js/extra-typings";
import { asCliError, EXIT_CODES, usageError } from "../errors.ts";
import { toJson } from "../json.ts";
import { TOOLS } from "../tools/index.ts";
import { parseToolArgs } from "../tools/invoke.ts";
import type { ToolContext, ToolDef } from "../tools/registry.ts";
import { VERSION } from "../version.ts";
import { didYouMean } from "../util/closest.ts";
import { addCommonOptions, type CommonOptions, dataDirFor } from "./common_options.ts";
import { flagsOf } from "./flags.ts";
import { mcpCommand } from "./mcp_command.ts";
import { reportError, reportNotice, writeErr, writeOut } from "./output.ts";
import { overview } from "./overview.ts";

/** Prints a tool's result the way the user asked: JSON, or its human rendering. */
export function printResult(tool: ToolDef, result: unknown, json: boolean): void {
  const render = tool.render as ((r: unknown) => string) | undefined;
  if (json || !render) writeOut(`${toJson(result, json ? undefined : 2)}\n`);
  else writeOut(`${render(result)}\n`);
}

function exampleHelp(examples: string[]): string {
  return examples.length ? `\nExamples:\n${examples.map((e) => `  $ ${e}`).join("\n")}\n` : "";
}

function toolCommand(tool: ToolDef): Command {
  const command = new Command(tool.cli.command)
    .description(tool.description)
    .summary(tool.description.split(/(?<=\.) /)[0])
    .aliases(tool.cli.aliases);
  const fields = flagsOf(tool.input);
  for (const f of fields) {
    const option = new Option(f.flags, f.description);
    if (f.choices) option.choices(f.choices);
    command.addOption(option);
  }
  addCommonOptions(command as unknown as Command<[], Record<string, unknown>>);
  command.addHelpText("after", exampleHelp(tool.cli.examples));
  command.action(async (options: Record<string, unknown>) => {
    const common = options as CommonOptions;
    const raw: Record<string, unknown> = {};
    for (const f of fields) raw[f.field] = options[f.attribute];
    const ctx: ToolContext = { dataDir: dataDirFor(common) };
    const spell = (field: string) => fields.find((f) => f.field === field)?.long ?? field;
    const args = parseToolArgs(tool, raw, spell);
    const fast = common.json ? tool.jsonText?.(args, ctx) : undefined;
    if (fast !== undefined) return writeOut(`${fast}\n`);
    const { result, notices } = await tool.handler(args, ctx);
    notices.forEach(reportNotice);
    printResult(tool, result, common.json === true);
  });
  return command as unknown as Command;
}

export function buildProgram(): Command {
  const program = new Command("trackio-cli")
    .description(
      "Read, monitor and diagnose Trackio training runs from the shell, CI and AI agents.\n" +
        "Run with no command for an overview of your projects.",
    )
    .version(VERSION, "-V, --version")
    .showSuggestionAfterError(true)
    .enablePositionalOptions();
  addCommonOptions(program as unknown as Command<[], Record<string, unknown>>);
  program.allowExcessArguments(true).action(async (options, command) => {
    const [word] = command.args;
    if (word !== undefined) {
      const names = TOOLS.flatMap((t) => [t.cli.command, ...t.cli.aliases]);
      throw usageError(`unknown command '${word}'.${didYouMean(word, names)}`, "see trackio-cli --help");
    }
    await overview(options as CommonOptions);
  });
  for (const tool of TOOLS) program.addCommand(toolCommand(tool));
  program.addCommand(mcpCommand());
  return program as unknown as Command;
}

/** Runs the CLI on `argv` (without the program name) and returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  const configure = (command: Command) => {
    command.exitOverride().configureOutput({
      writeOut: (s) => writeOut(s),
      writeErr: (s) => writeErr(s),
      outputError: (s, write) => write(s.endsWith("\n") ? s : `${s}\n`),
    });
    command.commands.forEach((c) => configure(c as Command));
  };
  configure(program);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    // Commander has printed its own one-line message for help, version and usage errors.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_CODES.usage;
    return reportError(asCliError(error));
  }
}
