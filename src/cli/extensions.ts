import type { Option } from "@commander-js/extra-typings";
import type { ToolContext, ToolDef } from "../tools/registry.ts";
import { analyzeExtension } from "./analyze_command.ts";
import { compareExtension } from "./compare_command.ts";
import { valuesExtension } from "./values_command.ts";

/** A command's call: the tool, its validated arguments, every parsed option, where the data is. */
export interface ToolRun {
  tool: ToolDef;
  args: Record<string, unknown>;
  options: Record<string, unknown>;
  ctx: ToolContext;
}

/**
 * What a command adds to its tool on the command line only: flags that are about the terminal or CI
 * (formats, exit-code gates, watching) rather than about the data, and the step that uses them in
 * place of "run and print". Returns the exit code.
 */
export interface CommandExtension {
  options: Option[];
  run(call: ToolRun): Promise<number>;
}

export const EXTENSIONS: Record<string, CommandExtension> = {
  analyze_run: analyzeExtension,
  compare_runs: compareExtension,
  get_metric_values: valuesExtension,
};
