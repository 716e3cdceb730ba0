import { Command, CommanderError, Option } from "@commander-js/extra-typings";
import { asCliError, EXIT_CODES } from "../errors.ts";
import { readEnv } from "../util/env.ts";
import { TOOLS } from "../tools/index.ts";
import { parseToolArgs } from "../tools/invoke.ts";
import type { ToolContext, ToolDef } from "../tools/registry.ts";
import { VERSION } from "../version.ts";
import { addCommonOptions, type CommonOptions, contextFor } from "./common_options.ts";
import { unknownCommand } from "./command_lookup.ts";
import { completionReply, completionsCommand } from "./completions.ts";
import { EXTENSIONS } from "./extensions.ts";
import { formatOptions } from "./formats.ts";
import { helpCommand } from "./help_command.ts";
import { runAndPrint } from "./print.ts";
import { flagsOf } from "./flags.ts";
import { numberFlag } from "./numbers.ts";
import { mcpCommand } from "./mcp_command.ts";
import { watchCommand } from "./watch_command.ts";
import { skillsCommand } from "./skills_command.ts";
import { type ColorMode, reportError, setColorMode, writeErr, writeOut } from "./output.ts";
import { overview } from "./overview.ts";

function exampleHelp(examples: string[]): string {
  return examples.length ? `\nExamples:\n${examples.map((e) => `  $ ${e}`).join("\n")}\n` : "";
}

function toolCommand(tool: ToolDef, exit: { code: number }): Command {
  const command = new Command(tool.cli.command)
    .description(tool.description)
    .summary(tool.description.split(/(?<=\.) /)[0])
    .aliases(tool.cli.aliases);
  const positional = tool.cli.positional;
  const fields = flagsOf(tool.input).filter((f) => f.field !== positional);
  if (positional) {
    const schema = tool.input.shape[positional] as { description?: string };
    command.argument(`[${positional}]`, schema.description ?? "");
  }
  for (const f of fields) {
    const fallback = tool.cli.defaults?.[f.field];
    const option = new Option(f.flags, fallback ? `${f.description} (default: ${fallback})` : f.description);
    if (f.choices) option.choices(f.choices);
    command.addOption(option);
  }
  const extension = EXTENSIONS.get(tool);
  extension?.options.forEach((o) => command.addOption(o));
  // Pipeline formats, unless the command has a --format of its own (analyze, compare).
  if (!extension?.options.some((o) => o.long === "--format")) {
    formatOptions().forEach((o) => command.addOption(o));
  }
  addCommonOptions(command as unknown as Command<[], Record<string, unknown>>);
  command.addHelpText("after", exampleHelp(tool.cli.examples));
  command.action(async (...params: unknown[]) => {
    const options = params[positional ? 1 : 0] as Record<string, unknown>;
    const raw: Record<string, unknown> = {};
    for (const f of fields) {
      const value = options[f.attribute];
      raw[f.field] = f.whole !== undefined && typeof value === "string"
        ? numberFlag(f.long, value, f.whole)
        : value;
    }
    if (positional) raw[positional] = params[0];
    const ctx: ToolContext = contextFor(options as CommonOptions);
    const spell = (field: string) => fields.find((f) => f.field === field)?.long ?? field;
    const args = parseToolArgs(tool, raw, spell);
    exit.code = await (extension?.run ?? runAndPrint)({ tool, args, options, ctx });
  });
  return command as unknown as Command;
}

/** The program; a command that ends with a non-zero status without an error sets `exit.code`. */
export function buildProgram(exit: { code: number } = { code: 0 }): Command {
  const program = new Command("trackio-cli")
    .description(
      "Read, monitor and diagnose Trackio training runs from the shell, CI and AI agents.\n" +
        "Run with no command for an overview of your projects.",
    )
    .version(VERSION, "-V, --version")
    .showSuggestionAfterError(true)
    .enablePositionalOptions()
    // A first word that is no command takes what follows with it, so `anlyze -p x` is reported as an
    // unknown command rather than as an unknown option `-p`.
    .passThroughOptions();
  addCommonOptions(program as unknown as Command<[], Record<string, unknown>>);
  program.allowExcessArguments(true).action(async (options, command) => {
    const [word] = command.args;
    if (word !== undefined) throw unknownCommand(word, command);
    await overview(options as CommonOptions);
  });
  for (const tool of TOOLS) program.addCommand(toolCommand(tool, exit));
  program.addCommand(mcpCommand());
  program.addCommand(watchCommand(exit));
  program.addCommand(skillsCommand());
  program.addCommand(completionsCommand(writeOut));
  program.addCommand(helpCommand(program));
  // `skills shw`: worded as at the top level, on one line, rather than by commander on two.
  for (const command of program.commands.filter((c) => c.commands.length)) {
    command.on("command:*", ([word]: string[]) => {
      throw unknownCommand(word, command);
    });
  }
  return program as unknown as Command;
}

/** --color's value, read before parsing so that even a parse error is coloured as asked. */
function colorMode(argv: string[]): ColorMode {
  const at = argv.findIndex((a) => a === "--color" || a.startsWith("--color="));
  const value = at === -1 ? "auto" : argv[at].includes("=") ? argv[at].split("=")[1] : argv[at + 1];
  return value === "always" || value === "never" ? value : "auto";
}

/** Whether the command line asks for JSON output, so that errors come as JSON too. */
export function wantsJson(argv: string[]): boolean {
  return argv.some((arg, i) =>
    arg === "--json" || arg === "--format=json" || arg === "--format=ndjson" ||
    (arg === "--format" && (argv[i + 1] === "json" || argv[i + 1] === "ndjson"))
  );
}

/** Whether an error should come with its cause chain: `--verbose`, or `TRACKIO_CLI_DEBUG=1` for any command. */
const wantsVerbose = (argv: string[]) => argv.includes("--verbose") || readEnv("TRACKIO_CLI_DEBUG") === "1";

/** Runs the CLI on `argv` (without the program name) and returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  // The completion scripts call back with the words typed so far; answer before any parsing.
  if (argv[0] === "__complete") {
    writeOut((await completionReply(buildProgram(), argv.slice(1))).map((c) => `${c}\n`).join(""));
    return 0;
  }
  const exit = { code: 0 };
  const json = wantsJson(argv);
  setColorMode(colorMode(argv));
  const program = buildProgram(exit);
  const configure = (command: Command) => {
    command.exitOverride().configureOutput({
      writeOut: (s) => writeOut(s),
      writeErr: (s) => writeErr(s),
      outputError: (s, write) => {
        if (!json) return write(s.endsWith("\n") ? s : `${s}\n`);
        const message = s.trim().replace(/^error: /, "");
        write(`${JSON.stringify({ error: { code: "usage", message, hint: "see --help" } })}\n`);
      },
    });
    command.commands.forEach((c) => configure(c as Command));
  };
  configure(program);
  try {
    await program.parseAsync(argv, { from: "user" });
    return exit.code;
  } catch (error) {
    // Commander has printed its own one-line message for help, version and usage errors.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_CODES.usage;
    return reportError(asCliError(error), json, wantsVerbose(argv));
  }
}
