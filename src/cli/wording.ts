import { z } from "zod";
import { type NextStep, spellFields, type TrackioCliError } from "../errors.ts";
import { findTool } from "../tools/index.ts";
import { flagFor } from "./flags.ts";

/** A tool's input field as a command-line flag: `project` -> `--project`. */
export const cliSpell = (field: string) => flagFor(field, z.string()).long;

/** A suggested tool call as the command to type: `trackio-cli runs -p sft-qwen`. */
export function cliCommand(next: NextStep): string {
  const tool = findTool(next.tool);
  const words = ["trackio-cli", tool?.cli.aliases[0] ?? tool?.cli.command ?? next.tool];
  for (const [field, value] of Object.entries(next.args)) {
    if (value === undefined || value === null) continue;
    const short = flagFor(field, z.string()).flags.match(/^(-\w),/)?.[1];
    const text = String(value);
    words.push(
      short ?? cliSpell(field),
      /^[\w./:@-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`,
    );
  }
  return words.join(" ");
}

/** The message and hint of an error in the CLI's words. */
export function cliWords(error: TrackioCliError): { message: string; hint?: string } {
  const parts = [error.hint, error.next && `${error.next.shows}: ${cliCommand(error.next)}`].filter(Boolean);
  return {
    message: spellFields(error.message, cliSpell),
    hint: parts.length ? spellFields(parts.join("; "), cliSpell) : undefined,
  };
}
