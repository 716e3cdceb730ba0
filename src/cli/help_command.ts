import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { findCommand } from "./command_lookup.ts";

export const HELP_EXAMPLES = ["trackio-cli help values", "trackio-cli help skills show"];

/** `help [command...]`: exactly what `<command> --help` prints, and exit 0. */
export function helpCommand(root: CommandUnknownOpts) {
  return new Command("help")
    .summary("Show the help of a command, the same as <command> --help.")
    .description("Show the help of a command (or of trackio-cli), the same as <command> --help.")
    .argument("[command...]", "a command, e.g. values or skills show")
    .addHelpText("after", `\nExamples:\n${HELP_EXAMPLES.map((e) => `  $ ${e}`).join("\n")}\n`)
    .action((words: string[]) => {
      findCommand(root, words).outputHelp();
    });
}
