import type { ToolDef } from "../tools/registry.ts";
import { analyzeExtension } from "./analyze_command.ts";
import type { BoundExtension, CommandExtension } from "./command_extension.ts";
import { compareExtension } from "./compare_command.ts";
import type { z } from "zod";
import { valuesExtension } from "./values_command.ts";

/**
 * Binds an extension to its tool. The program calls `run` only for that tool's command, with
 * arguments its schema validated and the options `options` declared: what commander parsed is `O`.
 */
function bind<S extends z.ZodObject, R, O>(extension: CommandExtension<S, R, O>): [ToolDef, BoundExtension] {
  return [extension.tool as unknown as ToolDef, {
    options: extension.options,
    run: (call) => extension.run({ ...call, tool: extension.tool, options: call.options as O }),
  }];
}

/** The command-line extensions, keyed by the tool they extend. */
export const EXTENSIONS: ReadonlyMap<ToolDef, BoundExtension> = new Map([
  bind(analyzeExtension),
  bind(compareExtension),
  bind(valuesExtension),
]);
