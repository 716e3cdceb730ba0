import type { CommandUnknownOpts as AnyCommand } from "@commander-js/extra-typings";
import { type TrackioCliError, usageError } from "../errors.ts";
import { didYouMean } from "../util/closest.ts";

/** The subcommands a user can type (the completion hook is not one). */
export function subcommandsOf(command: AnyCommand): AnyCommand[] {
  return command.commands.filter((c) => !c.name().startsWith("__"));
}

/** The subcommand of `command` that `word` names, by name or alias. */
export function subcommandNamed(command: AnyCommand, word: string): AnyCommand | undefined {
  return subcommandsOf(command).find((c) => c.name() === word || c.aliases().includes(word));
}

/** `trackio-cli skills`, as a user types it. */
function commandPath(command: AnyCommand): string {
  const names: string[] = [];
  for (let c: AnyCommand | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** `word` is not a subcommand of `parent`: the error names the closest names and aliases. */
export function unknownCommand(word: string, parent: AnyCommand): TrackioCliError {
  const names = subcommandsOf(parent).flatMap((c) => [c.name(), ...c.aliases()]);
  return usageError(
    `unknown command '${word}'.${didYouMean(word, names)}`,
    `see ${commandPath(parent)} --help`,
  );
}

/** The command `words` name below `root` (`["skills", "show"]`); an unknown word is an unknown command. */
export function findCommand(root: AnyCommand, words: string[]): AnyCommand {
  let command = root;
  for (const word of words) {
    const sub = subcommandNamed(command, word);
    if (!sub) throw unknownCommand(word, command);
    command = sub;
  }
  return command;
}
